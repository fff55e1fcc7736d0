//! What the verifier promises about a module it accepts, checked again by a
//! second, deliberately plain implementation: the fuzz target's oracle for
//! gaps that neither the disassembler round trip nor the interpreter would
//! show (a wrong register type runs as garbage bits, not a crash).
//!
//! The list is the one in `janus_bytecode::verify`'s module documentation:
//! every index in range, every register operand present and of the type its
//! opcode demands, every jump on an instruction boundary, no function able
//! to run off its end, every call, device operation and return passing what
//! its target declares (a call's results in as many different registers),
//! `main` exported as `() -> i32`, every active data
//! segment inside the initial memory, and every `memory.init` and
//! `data.drop` naming a data segment that exists. For globals (docs/ISA.md §5.9): every
//! global instruction names a global that exists, has the type of the
//! instruction's register and, when the instruction writes it (reads a
//! register), is mutable; global names are unique; and, as the format
//! holds four bytes of a 32-bit global's initial value, its bits above 32
//! are zero.

use std::collections::HashSet;

use janus_bytecode::bytecode::{Module, Opcode, Operand, OperandKind, Reg};
use janus_runtime::abi::{device_op_by_code, ValType, MAX_PAGES, PAGE_SIZE};

/// Panics, naming the broken promise, unless the accepted `module` keeps
/// every promise of the verifier.
pub fn check(module: &Module) {
    let nfuncs = module.functions.len();
    if let Some(m) = module.memory {
        assert!(
            m.initial_pages <= m.max_pages && m.max_pages <= MAX_PAGES,
            "memory {m:?}"
        );
    }
    for func in &module.functions {
        let name = &func.name;
        let sig = module
            .signatures
            .get(func.sig as usize)
            .unwrap_or_else(|| panic!("`{name}`: signature {}", func.sig));
        assert!(
            func.registers.starts_with(&sig.params),
            "`{name}`: parameter registers"
        );
        let last = func
            .code
            .iter()
            .last()
            .unwrap_or_else(|| panic!("`{name}` is empty"));
        assert!(last.opcode.is_terminator(), "`{name}` runs off its end");
        let pcs = func.pcs();
        let starts = &pcs[..pcs.len() - 1];
        let reg = |r: Reg, ty: ValType, what: &str| {
            let found = func.registers.get(usize::from(r));
            assert_eq!(found, Some(&ty), "`{name}`: {what} r{r}");
        };
        for (inst, pc) in func.code.iter().zip(starts) {
            let at = format!("`{name}` pc {pc} {}", inst.opcode);
            assert_eq!(inst.operands.len(), inst.opcode.operands().len(), "{at}");
            // The types the instruction's register lists must have.
            let mut lists: Option<(Vec<ValType>, Vec<ValType>)> = None;
            for (kind, operand) in inst.opcode.operands().iter().zip(&inst.operands) {
                match (*kind, operand) {
                    (OperandKind::Def(ty) | OperandKind::Use(ty), Operand::Reg(r)) => {
                        reg(*r, ty, &at)
                    }
                    (OperandKind::Label, Operand::U32(t)) => {
                        assert!(starts.binary_search(t).is_ok(), "{at}: target {t}")
                    }
                    (OperandKind::LabelTable, Operand::Labels(ts)) => {
                        for t in ts {
                            assert!(starts.binary_search(t).is_ok(), "{at}: target {t}");
                        }
                    }
                    (OperandKind::Func, Operand::U32(f)) => {
                        let callee = module
                            .functions
                            .get(*f as usize)
                            .unwrap_or_else(|| panic!("{at}: function {f}"));
                        let s = &module.signatures[callee.sig as usize];
                        lists = Some((s.params.clone(), s.results.clone()));
                    }
                    (OperandKind::Global, Operand::U32(g)) => {
                        let global = module
                            .globals
                            .get(*g as usize)
                            .unwrap_or_else(|| panic!("{at}: global {g}"));
                        // The register's kind says the direction: a global
                        // instruction that reads a register writes the global.
                        let (ty, writes) = inst
                            .opcode
                            .operands()
                            .iter()
                            .find_map(|k| match k {
                                OperandKind::Def(t) => Some((*t, false)),
                                OperandKind::Use(t) => Some((*t, true)),
                                _ => None,
                            })
                            .unwrap_or_else(|| panic!("{at}: a global operand with no register"));
                        assert_eq!(ty, global.ty, "{at}: global {g}'s type");
                        assert!(!writes || global.mutable, "{at}: sets constant global {g}");
                    }
                    (OperandKind::Data, Operand::U32(d)) => {
                        assert!((*d as usize) < module.data.len(), "{at}: data segment {d}")
                    }
                    (OperandKind::Sig, Operand::U32(s)) => {
                        let s = module
                            .signatures
                            .get(*s as usize)
                            .unwrap_or_else(|| panic!("{at}: signature {s}"));
                        lists = Some((s.params.clone(), s.results.clone()));
                    }
                    (OperandKind::DevOp, Operand::Dev(code)) => {
                        let op = device_op_by_code(*code)
                            .unwrap_or_else(|| panic!("{at}: device op {code:#x}"));
                        lists = Some((op.params.to_vec(), vec![op.result]));
                    }
                    (OperandKind::Results, Operand::Regs(regs)) => {
                        let (_, results) = lists.as_ref().expect("a callee precedes results");
                        list(regs, results, &reg, &at);
                        let distinct: HashSet<&Reg> = regs.iter().collect();
                        assert_eq!(distinct.len(), regs.len(), "{at}: results {regs:?}");
                    }
                    (OperandKind::Args, Operand::Regs(regs)) if inst.opcode == Opcode::Ret => {
                        list(regs, &sig.results, &reg, &at);
                    }
                    (OperandKind::Args, Operand::Regs(regs)) => {
                        let (params, _) = lists.as_ref().expect("a callee precedes arguments");
                        list(regs, params, &reg, &at);
                    }
                    (
                        OperandKind::ImmI32
                        | OperandKind::ImmI64
                        | OperandKind::ImmF32
                        | OperandKind::ImmF64
                        | OperandKind::Offset
                        | OperandKind::TrapCode,
                        _,
                    ) => {}
                    (kind, operand) => panic!("{at}: {operand:?} for {kind:?}"),
                }
            }
        }
    }
    assert!(
        module
            .table
            .iter()
            .flatten()
            .all(|&f| (f as usize) < nfuncs),
        "table {:?}",
        module.table
    );
    assert!(
        module.exports.iter().all(|e| (e.func as usize) < nfuncs),
        "exports"
    );
    let main = module.export("main").expect("main is exported");
    let sig = &module.signatures[module.functions[main as usize].sig as usize];
    assert!(
        sig.params.is_empty() && sig.results == [ValType::I32],
        "main is {sig}"
    );
    let mut names = HashSet::new();
    for (g, global) in module.globals.iter().enumerate() {
        assert!(
            names.insert(&global.name),
            "global {g}: name `{}` twice",
            global.name
        );
        if matches!(global.ty, ValType::I32 | ValType::F32) {
            assert!(
                global.init >> 32 == 0,
                "global {g}: bits {:#x}",
                global.init
            );
        }
    }
    let size = module
        .memory
        .map_or(0, |m| u64::from(m.initial_pages) * PAGE_SIZE);
    for (address, len) in module.active_data() {
        assert!(
            u64::from(address) + len as u64 <= size,
            "data at {address:#x}"
        );
    }
}

/// Asserts that a register list has exactly `types`' registers.
fn list(regs: &[Reg], types: &[ValType], reg: &impl Fn(Reg, ValType, &str), at: &str) {
    assert_eq!(regs.len(), types.len(), "{at}: list {regs:?} for {types:?}");
    for (&r, &ty) in regs.iter().zip(types) {
        reg(r, ty, at);
    }
}
