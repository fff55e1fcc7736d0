//! Property tests over random modules, valid by construction: the verifier
//! accepts them, `decode(encode(m)) == m`, and `asm(disasm(x)) == x` byte for
//! byte. And the loader never panics, whatever the bytes: random ones, and
//! valid files with bytes flipped or cut short.

use janus_compiler::asm::{assemble, disassemble};
use janus_compiler::bytecode::builder::{FuncId, ModuleBuilder};
use janus_compiler::bytecode::{decode, encode, Module, Opcode, Operand, OperandKind, Signature};
use janus_compiler::driver::{self, Options, Wanted};
use janus_compiler::ir::parse::parse_module;
use janus_compiler::{load, verify};
use janus_generate::Rng;
use janus_runtime::abi::{ValType, DEVICE_OPS};
use proptest::prelude::*;

/// What the round-trip generator draws besides numbers, on the program
/// generator's splitmix64 (so a failing seed reproduces).
trait Draw {
    fn chance(&mut self, percent: u64) -> bool;
    fn ty(&mut self) -> ValType;
}

impl Draw for Rng {
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn ty(&mut self) -> ValType {
        ValType::ALL[self.below(4)]
    }
}

/// Registers of each type a generated function can draw from.
const REGS_PER_TYPE: usize = 3;

/// A random module that the verifier must accept.
fn random_module(seed: u64) -> Module {
    let mut rng = Rng(seed);
    let mut mb = ModuleBuilder::new();
    // A mutable global of each type, indexed like `type_index` (fixed
    // values, so the rest of the module's randomness is what it was).
    for (i, ty) in ValType::ALL.into_iter().enumerate() {
        mb.global(&format!("g{i}"), ty, true, 0x4049_0fdb + i as u64);
    }
    let pages = 1 + rng.below(3) as u32;
    mb.memory(pages, pages + rng.below(4) as u32);
    // A passive segment first (fixed, like the globals), then active ones
    // in the same index space.
    let mut segments = 1 + mb.passive_data(b"passive\0".to_vec()) as usize;
    for _ in 0..rng.below(3) {
        let len = rng.below(40);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        segments = 1 + mb.data(rng.below(60_000) as u32, bytes) as usize;
    }
    let mut sigs = vec![Signature {
        params: vec![],
        results: vec![ValType::I32],
    }];
    let mut funcs: Vec<FuncId> = vec![mb.declare("main", &[], &[ValType::I32])];
    for i in 0..rng.below(5) {
        let params: Vec<ValType> = (0..rng.below(4)).map(|_| rng.ty()).collect();
        // No result, one, or sometimes two or three.
        let mut results = Vec::new();
        if rng.chance(70) {
            results.push(rng.ty());
            if rng.chance(30) {
                results.extend((0..1 + rng.below(2)).map(|_| rng.ty()));
            }
        }
        funcs.push(mb.declare(&format!("f{i}"), &params, &results));
        sigs.push(Signature { params, results });
    }
    for f in 0..funcs.len() {
        let sig = sigs[f].clone();
        let mut body = mb.body(funcs[f]);
        // Registers of each type, after the parameters.
        let mut by_type: Vec<Vec<u16>> = vec![Vec::new(); 4];
        for (i, p) in sig.params.iter().enumerate() {
            by_type[type_index(*p)].push(i as u16);
        }
        for ty in ValType::ALL {
            for _ in 0..REGS_PER_TYPE {
                let r = body.reg(ty);
                by_type[type_index(ty)].push(r);
            }
        }
        let reg = |rng: &mut Rng, ty: ValType| {
            let list = &by_type[type_index(ty)];
            list[rng.below(list.len())]
        };
        // A call's result registers, all different (at most three of one
        // type, and each type has at least three registers).
        let results = |rng: &mut Rng, types: &[ValType]| {
            let mut chosen: Vec<u16> = Vec::new();
            for &ty in types {
                let free: Vec<u16> = by_type[type_index(ty)]
                    .iter()
                    .copied()
                    .filter(|r| !chosen.contains(r))
                    .collect();
                chosen.push(free[rng.below(free.len())]);
            }
            chosen
        };
        let n = rng.below(30);
        let labels: Vec<_> = (0..rng.below(5))
            .map(|j| {
                if rng.chance(50) {
                    body.named_label(&format!("l{j}"))
                } else {
                    body.label()
                }
            })
            .collect();
        let positions: Vec<usize> = labels.iter().map(|_| rng.below(n + 1)).collect();
        for i in 0..=n {
            for (label, &pos) in labels.iter().zip(&positions) {
                if pos == i {
                    body.place(*label).expect("placed once");
                }
            }
            if i == n {
                break;
            }
            let opcode = Opcode::ALL[rng.below(Opcode::ALL.len())];
            let operands = match opcode {
                Opcode::Call => {
                    let callee = rng.below(funcs.len());
                    let s = &sigs[callee];
                    vec![
                        Operand::U32(callee as u32),
                        Operand::Regs(results(&mut rng, &s.results)),
                        Operand::Regs(s.params.iter().map(|&t| reg(&mut rng, t)).collect()),
                    ]
                }
                Opcode::CallIndirect => {
                    let s = sigs[rng.below(sigs.len())].clone();
                    let index = mb.signature(s.clone());
                    vec![
                        Operand::U32(index),
                        Operand::Reg(reg(&mut rng, ValType::I32)),
                        Operand::Regs(results(&mut rng, &s.results)),
                        Operand::Regs(s.params.iter().map(|&t| reg(&mut rng, t)).collect()),
                    ]
                }
                Opcode::Dev => {
                    let op = &DEVICE_OPS[rng.below(DEVICE_OPS.len())];
                    vec![
                        Operand::Dev(op.code()),
                        Operand::Regs(vec![reg(&mut rng, op.result)]),
                        Operand::Regs(op.params.iter().map(|&t| reg(&mut rng, t)).collect()),
                    ]
                }
                Opcode::Ret => vec![Operand::Regs(
                    sig.results.iter().map(|&t| reg(&mut rng, t)).collect(),
                )],
                _ => opcode
                    .operands()
                    .iter()
                    .map(|kind| match *kind {
                        OperandKind::Def(t) | OperandKind::Use(t) => Operand::Reg(reg(&mut rng, t)),
                        OperandKind::ImmI32 => Operand::I32(rng.next() as i32),
                        OperandKind::ImmI64 => Operand::I64(rng.next() as i64),
                        OperandKind::ImmF32 => Operand::F32(rng.next() as u32),
                        OperandKind::ImmF64 => Operand::F64(rng.next()),
                        OperandKind::Offset | OperandKind::TrapCode => {
                            Operand::U32(rng.next() as u32)
                        }
                        OperandKind::Label => Operand::U32(labels_or_self(&mut rng, &labels)),
                        OperandKind::LabelTable => Operand::Labels(
                            (0..rng.below(4))
                                .map(|_| labels_or_self(&mut rng, &labels))
                                .collect(),
                        ),
                        OperandKind::Global => {
                            let ty = opcode
                                .operands()
                                .iter()
                                .find_map(|k| match k {
                                    OperandKind::Def(t) | OperandKind::Use(t) => Some(*t),
                                    _ => None,
                                })
                                .expect("a global instruction moves a register");
                            Operand::U32(type_index(ty) as u32)
                        }
                        OperandKind::Data => Operand::U32(rng.below(segments) as u32),
                        other => unreachable!("{other:?} is handled above"),
                    })
                    .collect(),
            };
            if opcode
                .operands()
                .iter()
                .any(|k| matches!(k, OperandKind::Label | OperandKind::LabelTable))
                && labels.is_empty()
            {
                continue;
            }
            body.inst(opcode, operands).expect("operand count matches");
        }
        let returned: Vec<u16> = sig.results.iter().map(|&t| reg(&mut rng, t)).collect();
        body.ret(&returned).expect("ret");
        mb.define(body).expect("labels placed");
    }
    let entries: Vec<FuncId> = (0..rng.below(4))
        .map(|_| funcs[rng.below(funcs.len())])
        .collect();
    mb.table(&entries);
    mb.export("main", funcs[0]);
    if funcs.len() > 1 && rng.chance(50) {
        mb.export("extra.entry", funcs[1]);
    }
    mb.finish().expect("every function defined")
}

fn check_ir(ir: &janus_compiler::ir::Module, seed: u64, stage: &str) -> Result<(), TestCaseError> {
    for f in &ir.functions {
        if let Err(errors) = janus_compiler::ir::verify::verify_function(f, &ir.ctx) {
            let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            return Err(TestCaseError::fail(format!(
                "seed {seed}: IR after {stage} fails to verify: {text:?}\n{}",
                f.display(&ir.ctx)
            )));
        }
    }
    Ok(())
}

fn labels_or_self(rng: &mut Rng, labels: &[janus_compiler::bytecode::builder::Label]) -> u32 {
    labels
        .get(rng.below(labels.len().max(1)))
        .map_or(0, |l| l.0)
}

fn type_index(t: ValType) -> usize {
    ValType::ALL
        .iter()
        .position(|&x| x == t)
        .expect("a value type")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_modules_verify_and_round_trip(seed in any::<u64>()) {
        let module = random_module(seed);
        let bytes = encode(&module);
        let (decoded, offsets) = decode(&bytes).expect("own encoding decodes");
        prop_assert_eq!(&decoded, &module);
        if let Err(errors) = verify::verify(&decoded, &offsets) {
            let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            prop_assert!(false, "seed {seed}: valid module rejected: {text:?}\n{}", disassemble(&module));
        }
        let text = disassemble(&decoded);
        let (again, _, _) = assemble(&text).map_err(|e| TestCaseError::fail(format!("seed {seed}: {e:?}\n{text}")))?;
        prop_assert_eq!(encode(&again), bytes, "seed {}: asm(disasm(x)) != x", seed);
    }

    #[test]
    fn random_modules_build_verified_ir_that_round_trips(seed in any::<u64>()) {
        let module = random_module(seed);
        let wanted = Wanted { ssa_raw: true, ssa: true, ..Wanted::default() };
        let artefacts = driver::compile(&module, &Options::default(), wanted).expect("SSA only");
        let ir = artefacts.ssa_raw.expect("asked for");
        check_ir(&ir, seed, "construction")?;
        let text = ir.to_string();
        let parsed = parse_module(&text).map_err(|e| TestCaseError::fail(format!("seed {seed}: {e}\n{text}")))?;
        prop_assert_eq!(&parsed, &ir, "seed {}: parse(print(f)) != f", seed);
        let ir = artefacts.ssa.expect("asked for");
        check_ir(&ir, seed, "the pipeline")?;
        let text = ir.to_string();
        let parsed = parse_module(&text).map_err(|e| TestCaseError::fail(format!("seed {seed}: {e}\n{text}")))?;
        prop_assert_eq!(&parsed, &ir, "seed {}: parse(print(f)) != f after the pipeline", seed);
    }

    #[test]
    fn loader_never_panics_on_random_bytes(mut bytes in proptest::collection::vec(any::<u8>(), 0..512), magic in any::<bool>()) {
        if magic {
            let mut with_header = b"\0JBC\x01\0\0\0".to_vec();
            with_header.append(&mut bytes);
            bytes = with_header;
        }
        let _ = load(&bytes);
    }

    #[test]
    fn loader_never_panics_on_damaged_modules(seed in any::<u64>(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
        let mut bytes = encode(&random_module(seed));
        for (at, value) in flips {
            let i = at % bytes.len();
            bytes[i] = value;
        }
        let _ = load(&bytes);
        bytes.truncate(cut % (bytes.len() + 1));
        let _ = load(&bytes);
    }

    #[test]
    fn assembler_never_panics_on_random_text(text in "[ -~\\n]{0,300}") {
        let _ = load(text.as_bytes());
    }
}

/// The generator is only as good as what it reaches: every opcode and every
/// device operation appears within a few thousand seeds (the WASI device
/// made the list 47 operations long, its file operations 70).
#[test]
fn generator_covers_every_opcode_and_device_op() {
    let mut opcodes = std::collections::HashSet::new();
    let mut devices = std::collections::HashSet::new();
    for seed in 0..4000 {
        for func in random_module(seed).functions {
            for inst in &func.code {
                opcodes.insert(inst.opcode);
                if let Some(Operand::Dev(code)) = inst.operands.first() {
                    devices.insert(*code);
                }
            }
        }
    }
    let missing: Vec<_> = Opcode::ALL
        .iter()
        .filter(|op| !opcodes.contains(op))
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
    assert_eq!(devices.len(), DEVICE_OPS.len());
}

/// The SSA IR of assembly `src`, raw or optimised, and its text, which
/// must parse back to the same IR.
fn ir_text_round_trips(src: &str, optimised: bool) -> (Module, String) {
    let (module, _, _) = assemble(src).unwrap_or_else(|e| panic!("{e:?}"));
    let wanted = Wanted {
        ssa_raw: !optimised,
        ssa: optimised,
        ..Wanted::default()
    };
    let artefacts = driver::compile(&module, &Options::default(), wanted).expect("SSA only");
    let ir = if optimised {
        artefacts.ssa
    } else {
        artefacts.ssa_raw
    }
    .expect("asked for");
    let text = ir.to_string();
    let parsed = parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(parsed, ir, "{text}");
    (module, text)
}

/// The SSA IR prints the module's globals as the disassembler does, so a
/// constant global named `mut` (`global mut: T = V`) must read back too.
#[test]
fn a_constant_global_named_mut_round_trips_through_the_ir_text() {
    let src = "global mut: i32 = 7\nglobal mut mut.x: f32 = 1.5\nexport main\nfunc main() -> i32\n    reg r0: i32\n    i32.global.get r0, mut\n    ret [r0]\nend\n";
    ir_text_round_trips(src, false);
}

/// A function whose calls cost more than the smallest frame says so in the
/// IR text (`frame N`), and its recursion-ring copies with it, so a printed
/// module reads back with the same frames.
#[test]
fn large_frames_round_trip_through_the_ir_text() {
    let src = "export main\nfunc f(r0: i32) -> i32\n    reg r1..r9999: i32\n    call f, [r0], [r0]\n    ret [r0]\nend\nfunc main() -> i32\n    reg r0: i32\n    ret [r0]\nend\n";
    let (module, text) = ir_text_round_trips(src, true);
    let frame = janus_runtime::abi::frame_bytes(10_000, module.functions[0].code.size());
    assert!(
        text.contains(&format!("function f(i32) -> i32 frame {frame} {{")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "function f.1(i32) -> i32 copies f frame {frame} {{"
        )),
        "{text}"
    );
    assert!(text.contains("function main() -> i32 {"), "{text}");
}
