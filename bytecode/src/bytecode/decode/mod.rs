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

mod error;
mod reader;

pub use error::{DecodeError, DecodeErrorKind};

use super::code::Code;
use super::format::{SectionId, DATA_ACTIVE, DATA_PASSIVE, MAGIC, OLDEST_VERSION, VERSION};
use super::limits::*;
use super::module::*;
use super::opcodes::{Opcode, OperandKind};
use error::Result;
use janus_runtime::abi::ValType;
use reader::Reader;

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
    /// Offset of each global.
    pub globals: Vec<usize>,
    /// Offset of each source offset entry.
    pub source: Vec<usize>,
    /// The file's size: where errors about the module as a whole point.
    pub end: usize,
}

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
    if !(OLDEST_VERSION..=VERSION).contains(&version) {
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
        if id.since() > version {
            r.pos = id_pos;
            return Err(r.error(DecodeErrorKind::SectionTooNew {
                section: id.name(),
                since: id.since(),
                version,
            }));
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
            SectionId::Type => read_types(&mut s, version, &mut module, &mut offsets)?,
            SectionId::Memory => read_memory(&mut s, &mut module, &mut offsets)?,
            SectionId::Function => read_functions(&mut s, &mut module, &mut offsets)?,
            SectionId::Table => {
                let n = s.count("table entry", 1, MAX_TABLE_ENTRIES, id)?;
                for _ in 0..n {
                    offsets.table.push(s.pos);
                    let entry = s.leb_u32("a table entry")?;
                    // Version 1 holds function indices; version 2 holds 0
                    // for a null entry and f + 1 for function f.
                    module.table.push(match version {
                        1 => Some(entry),
                        _ => entry.checked_sub(1),
                    });
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
            SectionId::Data => read_data(&mut s, version, &mut module, &mut offsets)?,
            SectionId::Global => read_globals(&mut s, &mut module, &mut offsets)?,
            SectionId::Source => {
                let kind = s.name("source kind")?;
                let n = s.count("source offset", 3, MAX_SOURCE_OFFSETS, id)?;
                let mut map = SourceMap {
                    kind,
                    offsets: Vec::with_capacity(n as usize),
                };
                for _ in 0..n {
                    offsets.source.push(s.pos);
                    let func = s.leb_u32("a function index")?;
                    let pc = s.leb_u32("a pc")?;
                    let offset = s.leb_u32("a source offset")?;
                    map.offsets.push(SourceOffset { func, pc, offset });
                }
                module.source = Some(map);
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

/// The type section. Version 1 allows a signature 0 or 1 results (D0016
/// for more), version 2 up to [`MAX_RESULTS`] (D0013 for more).
fn read_types(
    s: &mut Reader,
    version: u32,
    module: &mut Module,
    offsets: &mut FileOffsets,
) -> Result<()> {
    let n = s.count("signature", 2, MAX_SIGNATURES, SectionId::Type)?;
    for _ in 0..n {
        offsets.signatures.push(s.pos);
        let nparams = s.leb_u32("a parameter count")?;
        s.check_limit("parameter count", nparams, MAX_PARAMS)?;
        let params = s.val_types(nparams, "parameter types")?;
        let count_pos = s.pos;
        let nresults = s.leb_u32("a result count")?;
        if version == 1 && nresults > 1 {
            s.pos = count_pos;
            return Err(s.error(DecodeErrorKind::BadResultCount { count: nresults }));
        }
        s.check_limit("result count", nresults, MAX_RESULTS)?;
        let results = s.val_types(nresults, "result types")?;
        module.signatures.push(Signature { params, results });
    }
    Ok(())
}

fn read_data(
    s: &mut Reader,
    version: u32,
    module: &mut Module,
    offsets: &mut FileOffsets,
) -> Result<()> {
    // Version 1: address, length. Version 2: a mode byte, then the same
    // for an active segment and the length alone for a passive one. Either
    // way at least 2 bytes.
    let n = s.count("data segment", 2, MAX_DATA_SEGMENTS, SectionId::Data)?;
    let mut total: u64 = 0;
    for _ in 0..n {
        offsets.data.push(s.pos);
        let mode = match version {
            1 => DATA_ACTIVE,
            _ => s.u8("a data segment mode")?,
        };
        let kind = match mode {
            DATA_ACTIVE => DataKind::Active {
                offset: s.leb_u32("a data segment address")?,
            },
            DATA_PASSIVE => DataKind::Passive,
            byte => {
                s.pos -= 1;
                return Err(s.error(DecodeErrorKind::BadDataMode { byte }));
            }
        };
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
        module.data.push(DataSegment { kind, bytes });
    }
    Ok(())
}

fn read_globals(s: &mut Reader, module: &mut Module, offsets: &mut FileOffsets) -> Result<()> {
    // name length, type, mutability, a 4-byte value: at least 7 bytes.
    let n = s.count("global", 7, MAX_GLOBALS, SectionId::Global)?;
    for _ in 0..n {
        offsets.globals.push(s.pos);
        let name = s.name("global name")?;
        let ty = s.val_type("the global's type")?;
        let mutable = match s.u8("the global's mutability")? {
            0 => false,
            1 => true,
            byte => {
                s.pos -= 1;
                return Err(s.error(DecodeErrorKind::BadMutability { byte }));
            }
        };
        let bytes = match ty {
            ValType::I32 | ValType::F32 => 4,
            ValType::I64 | ValType::F64 => 8,
        };
        let mut raw = [0u8; 8];
        raw[..bytes].copy_from_slice(s.take(bytes, "the global's initial value")?);
        module.globals.push(Global {
            name,
            ty,
            mutable,
            init: u64::from_le_bytes(raw),
        });
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

/// Walks one function's code, checking every instruction is complete and
/// every list within its limit, and keeps it encoded (see [`Code`]): nothing
/// is allocated per instruction. `base` is the file offset of its first byte.
fn decode_code(code: &[u8], base: usize, func: &str) -> Result<Code> {
    let mut c = Reader {
        bytes: code,
        pos: 0,
        end: code.len(),
    };
    let mut count = 0usize;
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
        for kind in opcode.operands() {
            let size = match kind {
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
                    count as usize * 4
                }
                OperandKind::Results | OperandKind::Args => {
                    let count = *c.take(1, "").map_err(|_| past_end())?.first().unwrap_or(&0);
                    count as usize * 2
                }
                kind => fixed_operand_size(*kind) as usize,
            };
            if size > c.remaining() {
                return Err(past_end());
            }
            c.pos += size;
        }
        count += 1;
    }
    Ok(Code::from_walked(code.to_vec(), count))
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
