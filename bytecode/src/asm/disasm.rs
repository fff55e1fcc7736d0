//! The disassembler: prints a module as canonical `.jasm`.
//!
//! Canonical means one spelling for everything, chosen so that assembling the
//! output gives back the same module and so the same bytes: every signature is
//! printed as a `type` line in index order (the assembler then numbers them the
//! same), registers are declared in runs, jump targets without a name are
//! printed as `@pc` and marked with `@pc:` lines, floats are printed in the
//! shortest form that reads back to the same bits, and data as one escaped
//! string per segment.
//!
//! ```text
//! memory 1, 1
//! type () -> i32
//! data 0x0, "hi\n"
//! export main
//!
//! func main() -> i32
//!     reg r0..r2: i32
//!     i32.const r0, 1
//!     ...
//!     ret [r0]
//! end
//! ```

use crate::bytecode::{
    DataKind, DataSegment, Global, MemoryDecl, Module, Operand, OperandKind, ResultTypes, Signature,
};
use janus_runtime::abi::{self, ValType};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

/// Prints a verified module as canonical assembly.
pub fn disassemble(module: &Module) -> String {
    disassemble_with(module, false)
}

/// Like [`disassemble`], and with `show_pcs` each instruction ends with a
/// `; pc N` comment (still valid assembly), for reading trap messages, and
/// for a translated module its source offset (`; pc N, wasm 0x1a`).
pub fn disassemble_with(module: &Module, show_pcs: bool) -> String {
    let mut out = String::new();
    let func_name = |i: u32| {
        module
            .functions
            .get(i as usize)
            .map_or("<invalid>", |f| f.name.as_str())
    };
    write_directives(
        &mut out,
        &Directives {
            memory: module.memory,
            signatures: &module.signatures,
            data: &module.data,
            table: module
                .table
                .iter()
                .map(|&f| f.map_or("null", func_name))
                .collect(),
            exports: module
                .exports
                .iter()
                .map(|e| (func_name(e.func), e.name.as_str()))
                .collect(),
            globals: &module.globals,
        },
    );
    for (index, func) in module.functions.iter().enumerate() {
        let sig = module.signatures.get(func.sig as usize);
        let nparams = sig.map_or(0, |s| s.params.len());
        out.push_str("\nfunc ");
        out.push_str(&func.name);
        out.push('(');
        for (i, ty) in func.registers.iter().take(nparams).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "r{i}: {ty}");
        }
        out.push(')');
        if let Some(sig) = sig.filter(|s| !s.results.is_empty()) {
            let _ = write!(out, " -> {}", ResultTypes(&sig.results));
        }
        out.push('\n');
        let mut i = nparams;
        while i < func.registers.len() {
            let ty = func.registers[i];
            let mut j = i;
            while j + 1 < func.registers.len() && func.registers[j + 1] == ty {
                j += 1;
            }
            if i == j {
                let _ = writeln!(out, "    reg r{i}: {ty}");
            } else {
                let _ = writeln!(out, "    reg r{i}..r{j}: {ty}");
            }
            i = j + 1;
        }

        // Label names at each pc, and the pcs jumped to that have none.
        let mut names: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
        for l in module
            .label_names
            .iter()
            .filter(|l| l.func as usize == index)
        {
            names.entry(l.pc).or_default().push(&l.name);
        }
        let targets: HashSet<u32> = func.code.iter().flat_map(|inst| inst.targets()).collect();
        let label_for = |pc: u32| match names.get(&pc) {
            Some(n) => n[0].to_string(),
            None => format!("@{pc}"),
        };
        let pcs = func.pcs();
        for (inst, &pc) in func.code.iter().zip(&pcs) {
            if let Some(list) = names.get(&pc) {
                for name in list {
                    let _ = writeln!(out, "{name}:");
                }
            } else if targets.contains(&pc) {
                let _ = writeln!(out, "@{pc}:");
            }
            out.push_str("    ");
            out.push_str(inst.opcode.mnemonic());
            for (i, (kind, operand)) in inst
                .opcode
                .operands()
                .iter()
                .zip(&inst.operands)
                .enumerate()
            {
                out.push_str(if i == 0 { " " } else { ", " });
                write_operand(&mut out, module, *kind, operand, &label_for);
            }
            if show_pcs {
                let _ = write!(out, "    ; pc {pc}");
                if let Some(source) = &module.source {
                    if let Some(offset) = source.lookup(index as u32, pc) {
                        let _ = write!(out, ", {} {offset:#x}", source.kind);
                    }
                }
            }
            out.push('\n');
        }
        out.push_str("end\n");
    }
    out
}

fn write_operand(
    out: &mut String,
    module: &Module,
    kind: OperandKind,
    operand: &Operand,
    label_for: &dyn Fn(u32) -> String,
) {
    match (kind, operand) {
        (_, Operand::Reg(r)) => {
            let _ = write!(out, "r{r}");
        }
        (_, Operand::I32(v)) => {
            let _ = write!(out, "{v}");
        }
        (_, Operand::I64(v)) => {
            let _ = write!(out, "{v}");
        }
        (_, Operand::F32(bits)) => out.push_str(&format_f32(*bits)),
        (_, Operand::F64(bits)) => out.push_str(&format_f64(*bits)),
        (OperandKind::Label, Operand::U32(pc)) => out.push_str(&label_for(*pc)),
        (OperandKind::Func, Operand::U32(f)) => out.push_str(
            module
                .functions
                .get(*f as usize)
                .map_or("<invalid>", |f| f.name.as_str()),
        ),
        (OperandKind::Global, Operand::U32(g)) => out.push_str(
            module
                .globals
                .get(*g as usize)
                .map_or("<invalid>", |g| g.name.as_str()),
        ),
        (OperandKind::Sig, Operand::U32(s)) => match module.signatures.get(*s as usize) {
            Some(sig) => {
                let _ = write!(out, "{sig}");
            }
            None => out.push_str("<invalid>"),
        },
        (_, Operand::U32(v)) => {
            let _ = write!(out, "{v}");
        }
        (_, Operand::Labels(pcs)) => {
            let items: Vec<String> = pcs.iter().map(|&pc| label_for(pc)).collect();
            let _ = write!(out, "[{}]", items.join(", "));
        }
        (_, Operand::Regs(regs)) => {
            let items: Vec<String> = regs.iter().map(|r| format!("r{r}")).collect();
            let _ = write!(out, "[{}]", items.join(", "));
        }
        (_, Operand::Dev(code)) => match abi::device_op_by_code(*code) {
            Some(op) => out.push_str(op.name),
            None => {
                let _ = write!(out, "<device {code:#06x}>");
            }
        },
    }
}

/// The canonical spelling of a binary64 constant: the shortest decimal that
/// reads back to the same bits, `inf`/`-inf`, `nan` for the canonical quiet
/// NaN and `nan:0xPAYLOAD` for any other, with `-` for a set sign bit.
pub fn format_f64(bits: u64) -> String {
    let value = f64::from_bits(bits);
    let sign = if bits >> 63 == 1 { "-" } else { "" };
    if value.is_nan() {
        let payload = bits & ((1 << 52) - 1);
        if payload == 1 << 51 {
            format!("{sign}nan")
        } else {
            format!("{sign}nan:{payload:#x}")
        }
    } else if value.is_infinite() {
        format!("{sign}inf")
    } else {
        format!("{value:?}")
    }
}

/// The canonical spelling of a binary32 constant; see [`format_f64`].
pub fn format_f32(bits: u32) -> String {
    let value = f32::from_bits(bits);
    let sign = if bits >> 31 == 1 { "-" } else { "" };
    if value.is_nan() {
        let payload = bits & ((1 << 23) - 1);
        if payload == 1 << 22 {
            format!("{sign}nan")
        } else {
            format!("{sign}nan:{payload:#x}")
        }
    } else if value.is_infinite() {
        format!("{sign}inf")
    } else {
        format!("{value:?}")
    }
}

/// A module's directives by name: what [`write_directives`] prints.
#[derive(Clone, Debug)]
pub struct Directives<'a> {
    /// The linear memory, if any.
    pub memory: Option<MemoryDecl>,
    /// The signature table, in index order.
    pub signatures: &'a [Signature],
    /// The data segments, in order.
    pub data: &'a [DataSegment],
    /// The function table, by function name.
    pub table: Vec<&'a str>,
    /// Each export as (function name, exported name).
    pub exports: Vec<(&'a str, &'a str)>,
    /// The globals, in index order.
    pub globals: &'a [Global],
}

/// Prints the directives that open a module's text, one a line: `memory`,
/// a `type` per signature, a `data` per segment (`data passive, …` for a
/// passive one), `table`, an `export` per
/// export, a `global` per global. The disassembler and the SSA IR printer share it, so both
/// spell a module's header alike.
pub fn write_directives(out: &mut String, d: &Directives<'_>) {
    if let Some(m) = d.memory {
        let _ = writeln!(out, "memory {}, {}", m.initial_pages, m.max_pages);
    }
    for sig in d.signatures {
        let _ = writeln!(out, "type {sig}");
    }
    for seg in d.data {
        let _ = match seg.kind {
            DataKind::Active { offset } => writeln!(out, "data {offset:#x}, {}", quote(&seg.bytes)),
            DataKind::Passive => writeln!(out, "data passive, {}", quote(&seg.bytes)),
        };
    }
    if !d.table.is_empty() {
        let _ = writeln!(out, "table {}", d.table.join(", "));
    }
    for &(func, name) in &d.exports {
        if func == name {
            let _ = writeln!(out, "export {func}");
        } else {
            let _ = writeln!(out, "export {func} as {name}");
        }
    }
    for g in d.globals {
        let keyword = if g.mutable { "global mut" } else { "global" };
        let value = match g.ty {
            ValType::I32 => (g.init as u32 as i32).to_string(),
            ValType::I64 => (g.init as i64).to_string(),
            ValType::F32 => format_f32(g.init as u32),
            ValType::F64 => format_f64(g.init),
        };
        let _ = writeln!(out, "{keyword} {}: {} = {value}", g.name, g.ty);
    }
}

/// A string literal the lexer reads back to exactly `bytes`.
fn quote(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            _ => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asm::assemble;
    use crate::bytecode::Operand;

    /// Assembles `f64.const` / `f32.const` of the printed text and returns the bits.
    fn reparse(mnemonic: &str, text: &str) -> Operand {
        let ty = &mnemonic[..3];
        let src = format!("export main\nfunc main() -> i32\n    reg r0: i32\n    reg r1: {ty}\n    {mnemonic} r1, {text}\n    ret [r0]\nend\n");
        let (module, _, _) = assemble(&src).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        module.functions[0]
            .code
            .iter()
            .next()
            .expect("an instruction")
            .operands[1]
            .clone()
    }

    #[test]
    fn special_floats_print_and_read_back_exactly() {
        let f64s = [
            0.0f64.to_bits(),
            (-0.0f64).to_bits(),
            f64::INFINITY.to_bits(),
            f64::NEG_INFINITY.to_bits(),
            f64::NAN.to_bits(),
            0x7ff0_0000_0000_0001,
            0xfff8_0000_0000_0000,
            0x7ff4_0000_0000_0000,
            1,
            f64::MAX.to_bits(),
            f64::MIN_POSITIVE.to_bits(),
            0.1f64.to_bits(),
            1e300f64.to_bits(),
        ];
        for bits in f64s {
            assert_eq!(
                reparse("f64.const", &format_f64(bits)),
                Operand::F64(bits),
                "{}",
                format_f64(bits)
            );
        }
        let f32s = [
            0x7fc0_0000,
            0xffc0_0001,
            0x7f80_0000,
            0x8000_0000,
            1,
            0x3dcc_cccd,
            f32::MAX.to_bits(),
        ];
        for bits in f32s {
            assert_eq!(
                reparse("f32.const", &format_f32(bits)),
                Operand::F32(bits),
                "{}",
                format_f32(bits)
            );
        }
        assert_eq!(format_f64(f64::NAN.to_bits()), "nan");
        assert_eq!(format_f64(0x7ff0_0000_0000_0001), "nan:0x1");
        assert_eq!(format_f32(0xffc0_0000), "-nan");
    }

    /// `global mut: T = V` is a constant global named `mut` (found by the
    /// `verify` fuzz target: the disassembly of such a module did not
    /// assemble).
    #[test]
    fn a_global_may_be_named_mut() {
        let src = "global mut: f64 = 0.5\nglobal mut mut.x: i32 = 1\nglobal mut global: i64 = 2\nexport main\nfunc main() -> i32\n    reg r0: i32\n    i32.global.get r0, mut.x\n    ret [r0]\nend\n";
        let (module, _, _) = assemble(src).unwrap_or_else(|e| panic!("{e:?}"));
        let globals: Vec<(&str, bool)> = module
            .globals
            .iter()
            .map(|g| (g.name.as_str(), g.mutable))
            .collect();
        assert_eq!(globals, [("mut", false), ("mut.x", true), ("global", true)]);
        let text = disassemble(&module);
        let (again, _, _) = assemble(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        assert_eq!(again, module, "{text}");
    }

    #[test]
    fn strings_quote_every_byte_reversibly() {
        let bytes: Vec<u8> = (0..=255).collect();
        let src = format!("memory 1, 1\ndata 0x0, {}\nexport main\nfunc main() -> i32\n    reg r0: i32\n    ret [r0]\nend\n", quote(&bytes));
        let (module, _, _) = assemble(&src).expect("assembles");
        assert_eq!(module.data[0].bytes, bytes);
    }
}
