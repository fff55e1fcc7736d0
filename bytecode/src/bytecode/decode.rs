//! The `.jbc` loader.
//!
//! It treats every file as hostile (Lua's `lundump.c` and wasmparser's
//! `BinaryReader` are the models): the header is checked first, in the order
//! the writer emits it; nothing recurses over the file's structure; every
//! count is checked against the bytes that remain, and against its limit,
//! before anything is allocated for it; and every error carries the byte
//! offset where reading stopped. Decoding is one pass, linear in the size of
//! the file. It checks the container's shape only; whether the module makes
//! sense (types, indices, targets) is the verifier's job, which uses the
//! [`FileOffsets`] recorded here to point its errors at bytes too.

use super::format::{SectionId, MAGIC, VERSION};
use super::limits::*;
use super::module::*;
use super::opcodes::{Opcode, OperandKind};
use janus_runtime::abi::ValType;
use thiserror::Error;

/// Where each part of a decoded module sits in its file, so later stages can
/// report byte offsets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileOffsets {
    /// Offset of each signature.
    pub signatures: Vec<usize>,
    /// Offset of the memory section's contents.
    pub memory: usize,
    /// Offset of each function's entry (its name).
    pub functions: Vec<usize>,
    /// Offset of each function's first instruction; pc `p` is at `code[f] + p`.
    pub code: Vec<usize>,
    /// Offset of each function-table entry.
    pub table: Vec<usize>,
    /// Offset of each export.
    pub exports: Vec<usize>,
    /// Offset of each data segment.
    pub data: Vec<usize>,
    /// Offset of each label name.
    pub label_names: Vec<usize>,
    /// The file's size: where errors about the module as a whole point.
    pub end: usize,
}

/// Why a file could not be decoded, and where.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{kind} (at offset {offset:#x})")]
pub struct DecodeError {
    /// Byte offset in the file where the problem was found.
    pub offset: usize,
    /// What the problem is.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// The stable error code, `D` and four digits.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

/// The problems the loader reports; each has a stable code (see
/// [`DecodeErrorKind::code`]) documented in `docs/ISA.md`.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The file does not start with the magic.
    #[error("not a JanusVM bytecode file: expected magic 00 4a 42 43 (\"\\0JBC\"), found {}", hex(.found))]
    BadMagic {
        /// The bytes found instead (fewer if the file is shorter).
        found: Vec<u8>,
    },
    /// The version is not the one this toolchain reads.
    #[error("unsupported format version {found}: this janusc reads version {VERSION}")]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
    },
    /// The file ended in the middle of something.
    #[error("unexpected end of file: expected {expected}")]
    UnexpectedEnd {
        /// What was being read.
        expected: &'static str,
    },
    /// A section's contents ended before its declared size.
    #[error("section `{section}` has {count} bytes left over after its contents")]
    TrailingBytes {
        /// The section.
        section: &'static str,
        /// How many bytes were not used.
        count: usize,
    },
    /// A section's declared size runs past the end of the file.
    #[error("section `{section}` declares {size} bytes but only {remaining} remain in the file")]
    SectionPastEnd {
        /// The section.
        section: &'static str,
        /// Its declared size.
        size: u32,
        /// Bytes left in the file.
        remaining: usize,
    },
    /// A section appears a second time.
    #[error("section `{section}` appears twice")]
    DuplicateSection {
        /// The section.
        section: &'static str,
    },
    /// A section appears after one that must follow it.
    #[error("section `{section}` must come before section `{after}`")]
    SectionOutOfOrder {
        /// The section found.
        section: &'static str,
        /// The section before it that should have come later.
        after: &'static str,
    },
    /// A section is present but empty; empty sections are omitted.
    #[error("section `{section}` is empty: an empty section must be left out")]
    EmptySection {
        /// The section.
        section: &'static str,
    },
    /// An unknown section id.
    #[error("unknown section id {id:#04x}: expected 0x01..=0x07")]
    UnknownSection {
        /// The id byte.
        id: u8,
    },
    /// A LEB128 integer uses more bytes than its value needs.
    #[error("integer encoding is longer than needed (over-long LEB128)")]
    OverlongInteger,
    /// A LEB128 integer exceeds 32 bits.
    #[error("integer does not fit in 32 bits")]
    IntegerTooLarge,
    /// A count claims more elements than the remaining bytes could hold.
    #[error("{what} count {count} needs at least {needed} bytes but only {remaining} remain")]
    CountPastEnd {
        /// What is being counted.
        what: &'static str,
        /// The count.
        count: u32,
        /// Bytes the count needs at the least.
        needed: u64,
        /// Bytes that remain.
        remaining: usize,
    },
    /// A documented limit is exceeded.
    #[error("{what} {value} exceeds the limit of {limit}")]
    LimitExceeded {
        /// What exceeds its limit.
        what: &'static str,
        /// The value found.
        value: u64,
        /// The limit.
        limit: u64,
    },
    /// A name is not UTF-8.
    #[error("{what} is not valid UTF-8")]
    InvalidUtf8 {
        /// Whose name.
        what: &'static str,
    },
    /// A byte that should be a value type is not one.
    #[error(
        "invalid value type {byte:#04x}: expected 0x01 (i32), 0x02 (i64), 0x03 (f32) or 0x04 (f64)"
    )]
    BadValType {
        /// The byte.
        byte: u8,
    },
    /// A signature with more than one result.
    #[error("signature has {count} results: expected 0 or 1")]
    BadResultCount {
        /// The count.
        count: u32,
    },
    /// An opcode byte that names no instruction.
    #[error("function `{func}` pc {pc}: unknown opcode {byte:#04x}")]
    UnknownOpcode {
        /// The function.
        func: String,
        /// The instruction's pc.
        pc: u32,
        /// The byte.
        byte: u8,
    },
    /// An instruction's operands run past the end of its function's code.
    #[error("function `{func}` pc {pc}: `{opcode}` runs past the end of the function's code")]
    InstructionPastEnd {
        /// The function.
        func: String,
        /// The instruction's pc.
        pc: u32,
        /// The instruction.
        opcode: Opcode,
    },
    /// The file is larger than the loader accepts.
    #[error("file is {size} bytes: the limit is {MAX_FILE_SIZE}")]
    FileTooLarge {
        /// The file's size.
        size: usize,
    },
}

impl DecodeErrorKind {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            DecodeErrorKind::BadMagic { .. } => "D0001",
            DecodeErrorKind::UnsupportedVersion { .. } => "D0002",
            DecodeErrorKind::UnexpectedEnd { .. } => "D0003",
            DecodeErrorKind::TrailingBytes { .. } => "D0004",
            DecodeErrorKind::SectionPastEnd { .. } => "D0005",
            DecodeErrorKind::DuplicateSection { .. } => "D0006",
            DecodeErrorKind::SectionOutOfOrder { .. } => "D0007",
            DecodeErrorKind::EmptySection { .. } => "D0008",
            DecodeErrorKind::UnknownSection { .. } => "D0009",
            DecodeErrorKind::OverlongInteger => "D0010",
            DecodeErrorKind::IntegerTooLarge => "D0011",
            DecodeErrorKind::CountPastEnd { .. } => "D0012",
            DecodeErrorKind::LimitExceeded { .. } => "D0013",
            DecodeErrorKind::InvalidUtf8 { .. } => "D0014",
            DecodeErrorKind::BadValType { .. } => "D0015",
            DecodeErrorKind::BadResultCount { .. } => "D0016",
            DecodeErrorKind::UnknownOpcode { .. } => "D0017",
            DecodeErrorKind::InstructionPastEnd { .. } => "D0018",
            DecodeErrorKind::FileTooLarge { .. } => "D0019",
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing".to_string();
    }
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

type Result<T> = std::result::Result<T, DecodeError>;

/// Decodes `.jbc` bytes into a module and the offsets of its parts.
pub fn decode(bytes: &[u8]) -> Result<(Module, FileOffsets)> {
    if bytes.len() > MAX_FILE_SIZE {
        return Err(DecodeError {
            offset: 0,
            kind: DecodeErrorKind::FileTooLarge { size: bytes.len() },
        });
    }
    let mut r = Reader {
        bytes,
        pos: 0,
        end: bytes.len(),
    };
    let magic = &bytes[..bytes.len().min(4)];
    if magic != MAGIC {
        return Err(r.error(DecodeErrorKind::BadMagic {
            found: magic.to_vec(),
        }));
    }
    r.pos = 4;
    let version = r.fixed_u32("the format version")?;
    if version != VERSION {
        r.pos = 4;
        return Err(r.error(DecodeErrorKind::UnsupportedVersion { found: version }));
    }

    let mut module = Module::default();
    let mut offsets = FileOffsets {
        end: bytes.len(),
        ..FileOffsets::default()
    };
    let mut last: Option<SectionId> = None;
    while r.pos < bytes.len() {
        let id_pos = r.pos;
        let id_byte = r.u8("a section id")?;
        let Some(id) = SectionId::from_byte(id_byte) else {
            r.pos = id_pos;
            return Err(r.error(DecodeErrorKind::UnknownSection { id: id_byte }));
        };
        if let Some(prev) = last {
            if prev == id {
                r.pos = id_pos;
                return Err(r.error(DecodeErrorKind::DuplicateSection { section: id.name() }));
            }
            if prev > id {
                r.pos = id_pos;
                return Err(r.error(DecodeErrorKind::SectionOutOfOrder {
                    section: id.name(),
                    after: prev.name(),
                }));
            }
        }
        last = Some(id);
        let size_pos = r.pos;
        let size = r.leb_u32("a section size")?;
        let remaining = bytes.len() - r.pos;
        if size as usize > remaining {
            r.pos = size_pos;
            return Err(r.error(DecodeErrorKind::SectionPastEnd {
                section: id.name(),
                size,
                remaining,
            }));
        }
        let mut s = Reader {
            bytes,
            pos: r.pos,
            end: r.pos + size as usize,
        };
        let start = s.pos;
        match id {
            SectionId::Type => read_types(&mut s, &mut module, &mut offsets)?,
            SectionId::Memory => read_memory(&mut s, &mut module, &mut offsets)?,
            SectionId::Function => read_functions(&mut s, &mut module, &mut offsets)?,
            SectionId::Table => {
                let n = s.count("table entry", 1, MAX_TABLE_ENTRIES, id)?;
                for _ in 0..n {
                    offsets.table.push(s.pos);
                    module.table.push(s.leb_u32("a function index")?);
                }
            }
            SectionId::Export => {
                let n = s.count("export", 2, MAX_EXPORTS, id)?;
                for _ in 0..n {
                    offsets.exports.push(s.pos);
                    let name = s.name("export name")?;
                    let func = s.leb_u32("a function index")?;
                    module.exports.push(Export { name, func });
                }
            }
            SectionId::Data => {
                let n = s.count("data segment", 2, MAX_DATA_SEGMENTS, id)?;
                let mut total: u64 = 0;
                for _ in 0..n {
                    offsets.data.push(s.pos);
                    let offset = s.leb_u32("a data segment address")?;
                    let len_pos = s.pos;
                    let len = s.leb_u32("a data segment length")?;
                    total += u64::from(len);
                    if total > u64::from(MAX_DATA_SIZE) {
                        s.pos = len_pos;
                        return Err(s.error(DecodeErrorKind::LimitExceeded {
                            what: "total data size",
                            value: total,
                            limit: MAX_DATA_SIZE.into(),
                        }));
                    }
                    let bytes = s.take(len as usize, "data segment bytes")?.to_vec();
                    module.data.push(DataSegment { offset, bytes });
                }
            }
            SectionId::Names => {
                let n = s.count("label name", 3, MAX_LABEL_NAMES, id)?;
                for _ in 0..n {
                    offsets.label_names.push(s.pos);
                    let func = s.leb_u32("a function index")?;
                    let pc = s.leb_u32("a label pc")?;
                    let name = s.name("label name")?;
                    module.label_names.push(LabelName { func, pc, name });
                }
            }
        }
        if s.pos < s.end {
            return Err(s.error(DecodeErrorKind::TrailingBytes {
                section: id.name(),
                count: s.end - s.pos,
            }));
        }
        debug_assert!(s.pos == start + size as usize);
        r.pos = s.end;
    }
    Ok((module, offsets))
}

fn read_types(s: &mut Reader, module: &mut Module, offsets: &mut FileOffsets) -> Result<()> {
    let n = s.count("signature", 2, MAX_SIGNATURES, SectionId::Type)?;
    for _ in 0..n {
        offsets.signatures.push(s.pos);
        let nparams = s.leb_u32("a parameter count")?;
        s.check_limit("parameter count", nparams, MAX_PARAMS)?;
        let params = s.val_types(nparams, "parameter types")?;
        let count_pos = s.pos;
        let nresults = s.leb_u32("a result count")?;
        let result = match nresults {
            0 => None,
            1 => Some(s.val_type("the result type")?),
            count => {
                s.pos = count_pos;
                return Err(s.error(DecodeErrorKind::BadResultCount { count }));
            }
        };
        module.signatures.push(Signature { params, result });
    }
    Ok(())
}

fn read_memory(s: &mut Reader, module: &mut Module, offsets: &mut FileOffsets) -> Result<()> {
    offsets.memory = s.pos;
    let initial_pages = s.leb_u32("the initial page count")?;
    let max_pages = s.leb_u32("the maximum page count")?;
    if initial_pages == 0 && max_pages == 0 {
        s.pos = offsets.memory;
        return Err(s.error(DecodeErrorKind::EmptySection {
            section: SectionId::Memory.name(),
        }));
    }
    module.memory = Some(MemoryDecl {
        initial_pages,
        max_pages,
    });
    Ok(())
}

fn read_functions(s: &mut Reader, module: &mut Module, offsets: &mut FileOffsets) -> Result<()> {
    // name length, signature, register count, code size: at least 4 bytes.
    let n = s.count("function", 4, MAX_FUNCTIONS, SectionId::Function)?;
    for _ in 0..n {
        offsets.functions.push(s.pos);
        let name = s.name("function name")?;
        let sig = s.leb_u32("a signature index")?;
        let nregs = s.leb_u32("a register count")?;
        s.check_limit("register count", nregs, MAX_REGISTERS)?;
        let registers = s.val_types(nregs, "register types")?;
        let size_pos = s.pos;
        let size = s.leb_u32("a code size")?;
        if size > MAX_CODE_SIZE {
            s.pos = size_pos;
            return Err(s.error(DecodeErrorKind::LimitExceeded {
                what: "code size",
                value: size.into(),
                limit: MAX_CODE_SIZE.into(),
            }));
        }
        let code_start = s.pos;
        let code_bytes = s.take(size as usize, "function code")?;
        offsets.code.push(code_start);
        let code = decode_code(code_bytes, code_start, &name)?;
        module.functions.push(Function {
            name,
            sig,
            registers,
            code,
        });
    }
    Ok(())
}

/// Decodes one function's code; `base` is the file offset of its first byte.
fn decode_code(code: &[u8], base: usize, func: &str) -> Result<Vec<Inst>> {
    // Every instruction is at least one byte, so this reserve is bounded by
    // bytes that exist; most are 5 to 7 bytes.
    let mut insts = Vec::with_capacity(code.len() / 5);
    let mut c = Reader {
        bytes: code,
        pos: 0,
        end: code.len(),
    };
    while c.pos < code.len() {
        let pc = c.pos as u32;
        let byte = code[c.pos];
        let Some(opcode) = Opcode::from_byte(byte) else {
            return Err(DecodeError {
                offset: base + c.pos,
                kind: DecodeErrorKind::UnknownOpcode {
                    func: func.to_string(),
                    pc,
                    byte,
                },
            });
        };
        c.pos += 1;
        let past_end = || DecodeError {
            offset: base + pc as usize,
            kind: DecodeErrorKind::InstructionPastEnd {
                func: func.to_string(),
                pc,
                opcode,
            },
        };
        let kinds = opcode.operands();
        let mut operands = Vec::with_capacity(kinds.len());
        for kind in kinds {
            let operand = match kind {
                OperandKind::Def(_) | OperandKind::Use(_) => {
                    Operand::Reg(c.fixed_u16().ok_or_else(past_end)?)
                }
                OperandKind::DevOp => Operand::Dev(c.fixed_u16().ok_or_else(past_end)?),
                OperandKind::ImmI32 => Operand::I32(c.fixed_u32_opt().ok_or_else(past_end)? as i32),
                OperandKind::ImmF32 => Operand::F32(c.fixed_u32_opt().ok_or_else(past_end)?),
                OperandKind::ImmI64 => Operand::I64(c.fixed_u64().ok_or_else(past_end)? as i64),
                OperandKind::ImmF64 => Operand::F64(c.fixed_u64().ok_or_else(past_end)?),
                OperandKind::Offset
                | OperandKind::TrapCode
                | OperandKind::Label
                | OperandKind::Func
                | OperandKind::Sig => Operand::U32(c.fixed_u32_opt().ok_or_else(past_end)?),
                OperandKind::LabelTable => {
                    let count_pos = c.pos;
                    let count = c.fixed_u32_opt().ok_or_else(past_end)?;
                    if count > MAX_BR_TABLE {
                        return Err(DecodeError {
                            offset: base + count_pos,
                            kind: DecodeErrorKind::LimitExceeded {
                                what: "br_table target count",
                                value: count.into(),
                                limit: MAX_BR_TABLE.into(),
                            },
                        });
                    }
                    if count as usize * 4 > c.remaining() {
                        return Err(past_end());
                    }
                    let mut pcs = Vec::with_capacity(count as usize);
                    for _ in 0..count {
                        pcs.push(c.fixed_u32_opt().ok_or_else(past_end)?);
                    }
                    Operand::Labels(pcs)
                }
                OperandKind::Results | OperandKind::Args => {
                    let count = *c.take(1, "").map_err(|_| past_end())?.first().unwrap_or(&0);
                    if count as usize * 2 > c.remaining() {
                        return Err(past_end());
                    }
                    let mut regs = Vec::with_capacity(count as usize);
                    for _ in 0..count {
                        regs.push(c.fixed_u16().ok_or_else(past_end)?);
                    }
                    Operand::Regs(regs)
                }
            };
            operands.push(operand);
        }
        insts.push(Inst { opcode, operands });
    }
    Ok(insts)
}

/// A cursor over `bytes[..end]`; `pos` is an offset into the whole file so
/// errors carry file offsets.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            offset: self.pos,
            kind,
        }
    }

    fn remaining(&self) -> usize {
        self.end - self.pos
    }

    fn take(&mut self, n: usize, expected: &'static str) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.error(DecodeErrorKind::UnexpectedEnd { expected }));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn u8(&mut self, expected: &'static str) -> Result<u8> {
        Ok(self.take(1, expected)?[0])
    }

    fn fixed_u32(&mut self, expected: &'static str) -> Result<u32> {
        let b = self.take(4, expected)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn fixed_u16(&mut self) -> Option<u16> {
        let b = self.take(2, "").ok()?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }

    fn fixed_u32_opt(&mut self) -> Option<u32> {
        self.fixed_u32("").ok()
    }

    fn fixed_u64(&mut self) -> Option<u64> {
        let b = self.take(8, "").ok()?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }

    /// Reads a minimal unsigned LEB128 integer of at most 32 bits.
    fn leb_u32(&mut self, expected: &'static str) -> Result<u32> {
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
    fn count(
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

    fn check_limit(&mut self, what: &'static str, value: u32, limit: u32) -> Result<()> {
        if value > limit {
            return Err(self.error(DecodeErrorKind::LimitExceeded {
                what,
                value: value.into(),
                limit: limit.into(),
            }));
        }
        Ok(())
    }

    fn name(&mut self, what: &'static str) -> Result<String> {
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

    fn val_type(&mut self, expected: &'static str) -> Result<ValType> {
        let byte = self.u8(expected)?;
        ValType::from_code(byte).ok_or_else(|| {
            self.pos -= 1;
            self.error(DecodeErrorKind::BadValType { byte })
        })
    }

    fn val_types(&mut self, n: u32, expected: &'static str) -> Result<Vec<ValType>> {
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
        _ => "count",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytecode::encode::write_leb_u32;

    fn leb(bytes: &[u8]) -> Result<u32> {
        Reader {
            bytes,
            pos: 0,
            end: bytes.len(),
        }
        .leb_u32("an integer")
    }

    #[test]
    fn leb128_is_minimal_and_32_bit() {
        for v in [0, 1, 127, 128, 300, 16_383, 16_384, u32::MAX] {
            let mut out = Vec::new();
            write_leb_u32(&mut out, v);
            assert_eq!(leb(&out), Ok(v));
        }
        assert_eq!(
            leb(&[0x80, 0x00]).unwrap_err().kind,
            DecodeErrorKind::OverlongInteger
        );
        assert_eq!(
            leb(&[0xff, 0xff, 0xff, 0xff, 0x1f]).unwrap_err().kind,
            DecodeErrorKind::IntegerTooLarge
        );
        assert_eq!(
            leb(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).unwrap_err().kind,
            DecodeErrorKind::IntegerTooLarge
        );
        assert!(matches!(
            leb(&[0x80]).unwrap_err().kind,
            DecodeErrorKind::UnexpectedEnd { .. }
        ));
    }

    #[test]
    fn an_empty_module_decodes_and_only_the_verifier_objects() {
        let (module, _) =
            decode(b"\0JBC\x01\0\0\0").expect("header only is a well-formed container");
        assert_eq!(module, Module::default());
    }
}
