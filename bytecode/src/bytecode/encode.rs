//! The `.jbc` writer. It is a plain walk over [`Module`]: sections in id
//! order, each present only when non-empty, integers in the structure as
//! minimal unsigned LEB128 and code operands at fixed widths. The result is a
//! function of the module alone, so equal modules give equal bytes.

use super::format::{SectionId, DATA_ACTIVE, DATA_PASSIVE, MAGIC, VERSION};
use super::module::{DataKind, Inst, Module, Operand};
use janus_runtime::abi::ValType;

/// Encodes a module to `.jbc` bytes.
pub fn encode(module: &Module) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());

    if !module.signatures.is_empty() {
        section(&mut out, SectionId::Type, |w| {
            w.count(module.signatures.len());
            for sig in &module.signatures {
                w.count(sig.params.len());
                w.bytes.extend(sig.params.iter().map(|t| t.code()));
                w.count(sig.results.len());
                w.bytes.extend(sig.results.iter().map(|t| t.code()));
            }
        });
    }
    if let Some(memory) = module.memory {
        section(&mut out, SectionId::Memory, |w| {
            w.u32(memory.initial_pages);
            w.u32(memory.max_pages);
        });
    }
    if !module.functions.is_empty() {
        section(&mut out, SectionId::Function, |w| {
            w.count(module.functions.len());
            for func in &module.functions {
                w.name(&func.name);
                w.u32(func.sig);
                w.count(func.registers.len());
                w.bytes.extend(func.registers.iter().map(|t| t.code()));
                w.count(func.code.bytes().len());
                w.bytes.extend_from_slice(func.code.bytes());
            }
        });
    }
    if !module.table.is_empty() {
        section(&mut out, SectionId::Table, |w| {
            w.count(module.table.len());
            // Version 2: 0 is a null entry, f + 1 function f.
            for &f in &module.table {
                match f.map_or(Some(0), |f| f.checked_add(1)) {
                    Some(entry) => w.u32(entry),
                    // Function u32::MAX (never valid) has no version-2
                    // entry: write 2^32, which the decoder rejects (D0011),
                    // rather than another function's.
                    None => w.bytes.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x10]),
                }
            }
        });
    }
    if !module.exports.is_empty() {
        section(&mut out, SectionId::Export, |w| {
            w.count(module.exports.len());
            for export in &module.exports {
                w.name(&export.name);
                w.u32(export.func);
            }
        });
    }
    if !module.data.is_empty() {
        section(&mut out, SectionId::Data, |w| {
            w.count(module.data.len());
            // Version 2: a mode byte, then an active segment's address.
            for seg in &module.data {
                match seg.kind {
                    DataKind::Active { offset } => {
                        w.bytes.push(DATA_ACTIVE);
                        w.u32(offset);
                    }
                    DataKind::Passive => w.bytes.push(DATA_PASSIVE),
                }
                w.count(seg.bytes.len());
                w.bytes.extend_from_slice(&seg.bytes);
            }
        });
    }
    if !module.label_names.is_empty() {
        section(&mut out, SectionId::Names, |w| {
            w.count(module.label_names.len());
            for label in &module.label_names {
                w.u32(label.func);
                w.u32(label.pc);
                w.name(&label.name);
            }
        });
    }
    if !module.globals.is_empty() {
        section(&mut out, SectionId::Global, |w| {
            w.count(module.globals.len());
            for global in &module.globals {
                w.name(&global.name);
                w.bytes.push(global.ty.code());
                w.bytes.push(u8::from(global.mutable));
                let bytes = global.init.to_le_bytes();
                w.bytes.extend_from_slice(match global.ty {
                    ValType::I32 | ValType::F32 => &bytes[..4],
                    ValType::I64 | ValType::F64 => &bytes[..],
                });
            }
        });
    }
    if let Some(source) = module.source.as_ref().filter(|s| !s.offsets.is_empty()) {
        section(&mut out, SectionId::Source, |w| {
            w.name(&source.kind);
            w.count(source.offsets.len());
            for o in &source.offsets {
                w.u32(o.func);
                w.u32(o.pc);
                w.u32(o.offset);
            }
        });
    }
    out
}

/// Appends one instruction's encoding: the opcode byte, then each operand at
/// its fixed width (lists with their count first).
pub fn encode_inst(inst: &Inst, out: &mut Vec<u8>) {
    out.push(inst.opcode.byte());
    for operand in &inst.operands {
        match operand {
            Operand::Reg(r) => out.extend_from_slice(&r.to_le_bytes()),
            Operand::I32(v) => out.extend_from_slice(&v.to_le_bytes()),
            Operand::I64(v) => out.extend_from_slice(&v.to_le_bytes()),
            Operand::F32(bits) => out.extend_from_slice(&bits.to_le_bytes()),
            Operand::F64(bits) => out.extend_from_slice(&bits.to_le_bytes()),
            Operand::U32(v) => out.extend_from_slice(&v.to_le_bytes()),
            Operand::Dev(code) => out.extend_from_slice(&code.to_le_bytes()),
            Operand::Labels(pcs) => {
                out.extend_from_slice(&(pcs.len() as u32).to_le_bytes());
                for pc in pcs {
                    out.extend_from_slice(&pc.to_le_bytes());
                }
            }
            Operand::Regs(regs) => {
                out.push(regs.len() as u8);
                for r in regs {
                    out.extend_from_slice(&r.to_le_bytes());
                }
            }
        }
    }
}

/// Writes a section: id byte, LEB128 payload size, payload.
fn section(out: &mut Vec<u8>, id: SectionId, body: impl FnOnce(&mut Writer)) {
    let mut w = Writer { bytes: Vec::new() };
    body(&mut w);
    out.push(id as u8);
    write_leb_u32(out, w.bytes.len() as u32);
    out.extend_from_slice(&w.bytes);
}

struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    fn u32(&mut self, v: u32) {
        write_leb_u32(&mut self.bytes, v);
    }

    fn count(&mut self, n: usize) {
        self.u32(u32::try_from(n).expect("module element counts fit in u32"));
    }

    fn name(&mut self, s: &str) {
        self.count(s.len());
        self.bytes.extend_from_slice(s.as_bytes());
    }
}

/// Appends `v` as minimal unsigned LEB128.
pub fn write_leb_u32(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
