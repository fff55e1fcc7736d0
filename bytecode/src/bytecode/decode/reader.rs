//! The loader's cursor: fixed-width and LEB128 integers, counts checked
//! against their limits and the bytes that remain before anything is
//! allocated, names, value types. Every error carries the file offset.

use super::error::{DecodeError, DecodeErrorKind, Result};
use crate::bytecode::format::SectionId;
use crate::bytecode::limits::*;
use janus_runtime::abi::ValType;

/// A cursor over `bytes[..end]`; `pos` is an offset into the whole file so
/// errors carry file offsets.
pub(super) struct Reader<'a> {
    /// The whole file.
    pub(super) bytes: &'a [u8],
    /// The next byte to read, as a file offset.
    pub(super) pos: usize,
    /// Where this cursor's part of the file ends.
    pub(super) end: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            offset: self.pos,
            kind,
        }
    }

    pub(super) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    pub(super) fn take(&mut self, n: usize, expected: &'static str) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.error(DecodeErrorKind::UnexpectedEnd { expected }));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    pub(super) fn u8(&mut self, expected: &'static str) -> Result<u8> {
        Ok(self.take(1, expected)?[0])
    }

    pub(super) fn fixed_u32(&mut self, expected: &'static str) -> Result<u32> {
        let b = self.take(4, expected)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(super) fn fixed_u32_opt(&mut self) -> Option<u32> {
        self.fixed_u32("").ok()
    }

    /// Reads a minimal unsigned LEB128 integer of at most 32 bits.
    pub(super) fn leb_u32(&mut self, expected: &'static str) -> Result<u32> {
        let start = self.pos;
        let mut value: u64 = 0;
        for i in 0..5 {
            let byte = self.u8(expected)?;
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                if value > u64::from(u32::MAX) {
                    self.pos = start;
                    return Err(self.error(DecodeErrorKind::IntegerTooLarge));
                }
                if i > 0 && byte == 0 {
                    self.pos = start;
                    return Err(self.error(DecodeErrorKind::OverlongInteger));
                }
                return Ok(value as u32);
            }
        }
        self.pos = start;
        Err(self.error(DecodeErrorKind::IntegerTooLarge))
    }

    /// Reads an element count, checking it against its limit and against the
    /// bytes left (each element needs at least `min_size` bytes), and rejecting
    /// a zero count since empty sections are left out.
    pub(super) fn count(
        &mut self,
        what: &'static str,
        min_size: u64,
        limit: u32,
        section: SectionId,
    ) -> Result<u32> {
        let start = self.pos;
        let count = self.leb_u32("an element count")?;
        if count == 0 {
            self.pos = start;
            return Err(self.error(DecodeErrorKind::EmptySection {
                section: section.name(),
            }));
        }
        if count > limit {
            self.pos = start;
            return Err(self.error(DecodeErrorKind::LimitExceeded {
                what: count_name(what),
                value: count.into(),
                limit: limit.into(),
            }));
        }
        let needed = u64::from(count) * min_size;
        if needed > self.remaining() as u64 {
            let remaining = self.remaining();
            self.pos = start;
            return Err(self.error(DecodeErrorKind::CountPastEnd {
                what,
                count,
                needed,
                remaining,
            }));
        }
        Ok(count)
    }

    pub(super) fn check_limit(&mut self, what: &'static str, value: u32, limit: u32) -> Result<()> {
        if value > limit {
            return Err(self.error(DecodeErrorKind::LimitExceeded {
                what,
                value: value.into(),
                limit: limit.into(),
            }));
        }
        Ok(())
    }

    pub(super) fn name(&mut self, what: &'static str) -> Result<String> {
        let start = self.pos;
        let len = self.leb_u32("a name length")?;
        if len > MAX_NAME_LEN {
            self.pos = start;
            return Err(self.error(DecodeErrorKind::LimitExceeded {
                what: "name length",
                value: len.into(),
                limit: MAX_NAME_LEN.into(),
            }));
        }
        let bytes_pos = self.pos;
        let bytes = self.take(len as usize, "name bytes")?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_string()),
            Err(e) => {
                self.pos = bytes_pos + e.valid_up_to();
                Err(self.error(DecodeErrorKind::InvalidUtf8 { what }))
            }
        }
    }

    pub(super) fn val_type(&mut self, expected: &'static str) -> Result<ValType> {
        let byte = self.u8(expected)?;
        ValType::from_code(byte).ok_or_else(|| {
            self.pos -= 1;
            self.error(DecodeErrorKind::BadValType { byte })
        })
    }

    pub(super) fn val_types(&mut self, n: u32, expected: &'static str) -> Result<Vec<ValType>> {
        if n as usize > self.remaining() {
            return Err(self.error(DecodeErrorKind::UnexpectedEnd { expected }));
        }
        (0..n).map(|_| self.val_type(expected)).collect()
    }
}

fn count_name(what: &'static str) -> &'static str {
    match what {
        "signature" => "signature count",
        "function" => "function count",
        "table entry" => "table entry count",
        "export" => "export count",
        "data segment" => "data segment count",
        "label name" => "label name count",
        "source offset" => "source offset count",
        _ => "count",
    }
}
