//! Fusions: a pair (or triple) of instructions the translators emit
//! constantly, done by one [`Op`] in the first one's place.
//!
//! A fused op has every effect of the instructions it stands for, in order
//! (a constant's register is still written, since later code may read it;
//! a compare still writes its result) and then continues after the last of
//! them. The instructions after the first stay in place, so code that jumps
//! to one of them directly runs it alone. An operation that may trap does
//! so with the pc of the instruction that traps (the dispatch loop steps
//! past the constant before it computes).

use crate::op::{Delta, Op, Reg};

macro_rules! define_fusions {
    (()
     binary { $($bin:ident $bin_imm:ident;)* }
     reversed { $($rev_of:ident $rev:ident;)* }
     compare { $($cmp:ident $cmp_imm:ident $cmp_br:ident $cmp_imm_br:ident;)* }
     step_compare { $($step_cmp:ident $step_cmp_br:ident $add_br:ident $add_imm_br:ident;)* }
     test { $($test:ident $test_br:ident;)* }
     unary { $($un:tt)* }
     select { $($sel:tt)* }
     pair { $($first:ident $second:ident $pair:ident;)* }
     load { $($load:ident $lbytes:literal $lext:ident $load_at:ident $load_imm_at:ident;)* }
     store { $($store:ident $sbytes:literal $store_imm:ident $store_at:ident $store_imm_at:ident $store_at_imm:ident;)* }
    ) => {
        /// A comparison whose result `cond` the branch after it tests, as
        /// one op (the branch's `target` taken from the compare's place);
        /// `None` for everything else.
        fn with_branch(compare: Op, cond: Reg, target: Delta, branch_if: bool) -> Option<Op> {
            Some(match compare {
                $(Op::$cmp { dst, a, b } if dst == cond => {
                    Op::$cmp_br { dst, a, b, target, branch_if }
                })*
                $(Op::$test { dst, a } if dst == cond => Op::$test_br { dst, a, target, branch_if },)*
                _ => return None,
            })
        }

        /// `const c, bits` and the op after it, reading `c` as one operand
        /// (not both), as one op; `None` for the rest.
        fn with_constant(c: Reg, bits: u64, next: Op) -> Option<Op> {
            let imm = bits;
            Some(match next {
                $(Op::$bin { dst, a, b } if b == c && a != c => Op::$bin_imm { c, dst, a, imm },)*
                $(Op::$rev_of { dst, a, b } if a == c && b != c => Op::$rev { c, dst, b, imm },)*
                $(Op::$cmp { dst, a, b } if b == c && a != c => Op::$cmp_imm { c, dst, a, imm },)*
                $(Op::$cmp_br { dst, a, b, target, branch_if } if b == c && a != c => {
                    Op::$cmp_imm_br { c, dst, a, imm, target: target + 1, branch_if }
                })*
                $(Op::$store { src, addr, offset } if src == c && addr != c => {
                    Op::$store_imm { c, addr, offset, imm }
                })*
                _ => return None,
            })
        }

        /// An access whose address register is `t`, as computed by the
        /// `i32.add t, a, b` before it, as one op; `None` for the rest.
        fn with_add(t: Reg, a: Reg, b: Reg, access: Op) -> Option<Op> {
            Some(match access {
                $(Op::$load { dst, addr, offset } if addr == t => {
                    Op::$load_at { t, a, b, dst, offset }
                })*
                $(Op::$store { src, addr, offset } if addr == t => {
                    Op::$store_at { t, a, b, src, offset }
                })*
                _ => return None,
            })
        }

        /// The op after `i32.add t, a, b`, fused with it: a store of a
        /// constant to address `t` (fused as `XImm`), or an `i32`
        /// compare-branch (a loop's step and test); `None` for the rest.
        fn after_add(t: Reg, a: Reg, b: Reg, next: Op) -> Option<Op> {
            Some(match next {
                $(Op::$store_imm { c, addr, offset, imm } if addr == t => {
                    Op::$store_at_imm { t, a, b, c, offset, imm }
                })*
                $(Op::$step_cmp_br { dst, a: x, b: y, target, branch_if } => {
                    Op::$add_br { t, a, b, dst, x, y, target: target + 1, branch_if }
                })*
                _ => return None,
            })
        }

        /// Two ops in a row as one, where the table pairs them.
        fn paired(first: Op, second: Op) -> Option<Op> {
            Some(match (first, second) {
                $((Op::$first { dst: d1, a: a1, b: b1 }, Op::$second { dst: d2, a: a2, b: b2 }) => {
                    Op::$pair { d1, a1, b1, d2, a2, b2 }
                })*
                (
                    Op::I32AddImm { c: c1, dst: t1, a: a1, imm: imm1 },
                    Op::I32AddImm { c: c2, dst: t2, a: a2, imm: imm2 },
                ) => Op::I32AddImm2 {
                    c1,
                    t1,
                    a1,
                    // `i32` constants: 32 bits.
                    imm1: imm1 as u32,
                    c2,
                    t2,
                    a2,
                    imm2: imm2 as u32,
                },
                _ => return None,
            })
        }

        /// An `i32` compare-branch, or a branch on `t`, after
        /// `i32.const c, imm` and `i32.add t, a, c` (fused as `I32AddImm`),
        /// fused with them.
        fn after_add_imm(c: Reg, t: Reg, a: Reg, imm: u32, next: Op) -> Option<Op> {
            Some(match next {
                Op::BrIf { cond, target } if cond == t => {
                    Op::I32AddImmBr { c, t, a, imm, target: target + 2, branch_if: true }
                }
                Op::BrIfz { cond, target } if cond == t => {
                    Op::I32AddImmBr { c, t, a, imm, target: target + 2, branch_if: false }
                }
                $(Op::$step_cmp_br { dst, a: x, b: y, target, branch_if } => {
                    Op::$add_imm_br { c, t, a, imm, dst, x, y, target: target + 2, branch_if }
                })*
                _ => return None,
            })
        }

        /// The same for `i32.const c, imm` and `i32.add t, a, c` (fused
        /// as `I32AddImm`) before it.
        fn with_add_imm(c: Reg, t: Reg, a: Reg, imm: u32, access: Op) -> Option<Op> {
            Some(match access {
                $(Op::$load { dst, addr, offset } if addr == t => {
                    Op::$load_imm_at { c, t, a, imm, dst, offset }
                })*
                $(Op::$store { src, addr, offset } if addr == t => {
                    Op::$store_imm_at { c, t, a, imm, src, offset }
                })*
                _ => return None,
            })
        }
    };
}

for_each_shape!(define_fusions);

/// Turns each comparison followed by a branch on its result into one op.
pub fn compare_branches(code: &mut [Op]) {
    for i in 0..code.len().saturating_sub(1) {
        let (cond, target, branch_if) = match code[i + 1] {
            Op::BrIf { cond, target } => (cond, target, true),
            Op::BrIfz { cond, target } => (cond, target, false),
            _ => continue,
        };
        // The branch's target is one further from the compare.
        if let Some(fused) = with_branch(code[i], cond, target + 1, branch_if) {
            code[i] = fused;
        }
    }
}

/// Folds each constant into the op after it that reads it.
pub fn constants(code: &mut [Op]) {
    for i in 0..code.len().saturating_sub(1) {
        let Op::Const { dst: c, bits } = code[i] else {
            continue;
        };
        if let Some(fused) = with_constant(c, bits, code[i + 1]) {
            code[i] = fused;
        }
    }
}

/// Folds each `i32.add` (with its constant, if it has one) into the load or
/// store after it whose address it computes, the constant store after it
/// to that address, or the compare-branch after it. Runs after
/// [`constants`].
pub fn adds(code: &mut [Op]) {
    for i in 0..code.len() {
        let at = |j: usize| code.get(j).copied();
        let fused = match code[i] {
            Op::I32Add { dst, a, b } => at(i + 1)
                .and_then(|next| with_add(dst, a, b, next).or_else(|| after_add(dst, a, b, next))),
            // An `i32` constant: 32 bits.
            Op::I32AddImm { c, dst, a, imm } => at(i + 2).and_then(|next| {
                let imm = imm as u32;
                with_add_imm(c, dst, a, imm, next).or_else(|| after_add_imm(c, dst, a, imm, next))
            }),
            _ => None,
        };
        if let Some(fused) = fused {
            code[i] = fused;
        }
    }
}

/// Runs two ops the table pairs as one: each float operation and the one
/// after it (the second of them is in place for jumps to it), and each
/// `I32AddImm` and the one after the instruction it skips. Runs last.
pub fn pairs(code: &mut [Op]) {
    for i in 0..code.len() {
        // An `I32AddImm` stands for two instructions.
        let next = if matches!(code[i], Op::I32AddImm { .. }) {
            i + 2
        } else {
            i + 1
        };
        if let Some(fused) = code.get(next).and_then(|&second| paired(code[i], second)) {
            code[i] = fused;
        }
    }
}

#[cfg(test)]
mod tests {
    //! Fused ops keep every effect of the instructions they stand for: the
    //! registers each writes, the pc a trap names, and the instructions
    //! after the first for code that jumps to them.

    use crate::Outcome;
    use janus_runtime::abi::TrapKind;

    fn run(body: &str) -> (Outcome, Vec<u32>) {
        let text = format!(
            "memory 1, 1\nexport main\nfunc main() -> i32\n    reg r0..r9: i32\n{body}end\n"
        );
        let loaded = janus_bytecode::load(text.as_bytes()).expect("a valid test program");
        let mut machine = crate::machine_for(&loaded.module, Vec::new()).expect("a machine");
        let pcs = loaded.module.functions[0].pcs();
        (crate::run(&loaded.module, &mut machine), pcs)
    }

    fn trap_at(outcome: Outcome, pcs: &[u32], index: usize, want: TrapKind) {
        match outcome {
            Outcome::Trap { kind, pc, .. } => {
                assert_eq!(
                    (kind, pc),
                    (want, pcs[index]),
                    "trap at instruction {index}"
                );
            }
            other => panic!("expected a trap, got {other:?}"),
        }
    }

    #[test]
    fn fused_constants_still_write_their_registers() {
        // const + add, const + compare-branch, const + store, add + load.
        let (outcome, _) = run("    i32.const r1, 5
    i32.add r2, r0, r1
    i32.const r3, 9
    i32.lt_s r4, r2, r3
    br_if r4, done
    unreachable
done:
    i32.const r5, 100
    i32.store r5, r0, 8
    i32.const r6, 8
    i32.add r7, r0, r6
    i32.load r8, r7, 0
    i32.add r9, r1, r3
    i32.add r9, r9, r4
    i32.add r9, r9, r8
    i32.add r9, r9, r7
    ret [r9]
");
        // 5 + 9 + 1 + 100 + 8
        assert_eq!(outcome, Outcome::Exit(123));
    }

    #[test]
    fn a_jump_into_a_fused_group_runs_from_there() {
        // `again` is the add of a const + add pair: the second pass reads
        // r1 as the loop left it, not the constant.
        let (outcome, _) = run("    i32.const r1, 3
again:
    i32.add r2, r2, r1
    i32.const r1, 40
    i32.lt_u r3, r2, r1
    br_if r3, again
    ret [r2]
");
        assert_eq!(outcome, Outcome::Exit(43));
    }

    #[test]
    fn a_fused_count_down_branches_on_the_sum() {
        let (outcome, _) = run("    i32.const r1, 5
again:
    i32.const r6, 1
    i32.add r5, r5, r6
    i32.const r2, -1
    i32.add r1, r1, r2
    br_if r1, again
    i32.add r4, r5, r2
    i32.add r4, r4, r1
    ret [r4]
");
        // Five passes, then r1 = 0 and r2 = -1.
        assert_eq!(outcome, Outcome::Exit(4));
    }

    #[test]
    fn fused_ops_trap_at_the_trapping_instruction() {
        let (outcome, pcs) = run("    i32.const r1, 0
    i32.div_s r2, r0, r1
    ret [r2]
");
        trap_at(outcome, &pcs, 1, TrapKind::DivideByZero);
        let (outcome, pcs) = run("    i32.const r1, 65536
    i32.add r2, r0, r1
    i32.load r3, r2, 0
    ret [r3]
");
        trap_at(outcome, &pcs, 2, TrapKind::OutOfBounds);
        let (outcome, pcs) = run("    i32.const r1, 65535
    i32.add r2, r0, r1
    i32.const r3, 7
    i32.store16 r3, r2, 0
    ret [r3]
");
        trap_at(outcome, &pcs, 3, TrapKind::OutOfBounds);
    }
}
