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
                $(Op::$store { value, addr, offset } if value == c && addr != c => {
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
                $(Op::$store { value, addr, offset } if addr == t => {
                    Op::$store_at { t, a, b, value, offset }
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

        /// An `i32` compare-branch after `i32.const c, imm` and
        /// `i32.add t, a, c` (fused as `I32AddImm`), fused with them.
        fn after_add_imm(c: Reg, t: Reg, a: Reg, imm: u32, next: Op) -> Option<Op> {
            Some(match next {
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
                $(Op::$store { value, addr, offset } if addr == t => {
                    Op::$store_imm_at { c, t, a, imm, value, offset }
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
