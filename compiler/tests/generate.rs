//! The differential-testing generator makes valid programs that reach every
//! opcode and calls of several results, and is deterministic.

use janus_compiler::bytecode::{encode, Opcode, Operand};
use janus_compiler::load;
use janus_generate::generate;
use std::collections::HashSet;

#[test]
fn generated_programs_verify_and_cover_every_opcode() {
    let mut seen = HashSet::new();
    // Opcodes of calls and returns with two or more results.
    let mut several = HashSet::new();
    for seed in 0..300 {
        let module = generate(seed);
        let bytes = encode(&module);
        if let Err(e) = load(&bytes) {
            panic!(
                "seed {seed}: {e:?}\n{}",
                janus_compiler::asm::disassemble(&module)
            );
        }
        for f in &module.functions {
            for inst in &f.code {
                seen.insert(inst.opcode);
                let results = match (inst.opcode, inst.operands.as_slice()) {
                    (Opcode::Call, [_, Operand::Regs(r), _]) => r.len(),
                    (Opcode::CallIndirect, [_, _, Operand::Regs(r), _]) => r.len(),
                    (Opcode::Ret, [Operand::Regs(r)]) => r.len(),
                    _ => 0,
                };
                if results >= 2 {
                    several.insert(inst.opcode);
                }
            }
        }
    }
    let missing: Vec<_> = Opcode::ALL.iter().filter(|op| !seen.contains(op)).collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
    for op in [Opcode::Call, Opcode::CallIndirect, Opcode::Ret] {
        assert!(several.contains(&op), "no {op} of several results");
    }
    assert_eq!(
        encode(&generate(7)),
        encode(&generate(7)),
        "same seed, same program"
    );
}
