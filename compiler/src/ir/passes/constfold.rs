//! Constant folding: a pure operation whose operands are all constants
//! becomes a constant (evaluated by `bytecode::semantics`, the VM's own
//! definition); a conditional branch or jump table on a constant becomes a
//! jump; a `trapz`/`trapnz` on a constant either disappears or becomes the
//! block's `trap`. An operation the VM would trap on is left as it is, with
//! its check in front of it.

use crate::bytecode::semantics::eval;
use crate::ir::dominance::DominatorTree;
use crate::ir::function::Function;
use crate::ir::instructions::{def_type, InstData};

/// Folds constants in `func`, visiting blocks in reverse postorder so
/// operands are folded before their uses.
pub fn run(func: &mut Function) {
    let dom = DominatorTree::compute(func);
    for &block in &dom.rpo {
        let insts = func.layout.insts[block.index()].clone();
        let mut kept = Vec::with_capacity(insts.len());
        for inst in insts {
            let data = &func.dfg.insts[inst.index()];
            let replacement = match data {
                InstData::Pure { op, args } => {
                    let consts: Option<Vec<u64>> =
                        args.iter().map(|&a| func.dfg.constant(a)).collect();
                    match (consts, def_type(*op)) {
                        (Some(bits), Some(ty)) => eval(*op, &bits)
                            .ok()
                            .map(|bits| InstData::Const { ty, bits }),
                        _ => None,
                    }
                }
                InstData::Brif {
                    cond,
                    then_dest,
                    else_dest,
                } => func.dfg.constant(*cond).map(|c| InstData::Jump {
                    dest: if c != 0 {
                        then_dest.clone()
                    } else {
                        else_dest.clone()
                    },
                }),
                InstData::BrTable {
                    index,
                    default,
                    targets,
                } => func.dfg.constant(*index).map(|i| InstData::Jump {
                    dest: targets.get(i as u32 as usize).unwrap_or(default).clone(),
                }),
                InstData::TrapIf {
                    kind,
                    cond,
                    nonzero,
                } => match func.dfg.constant(*cond) {
                    Some(c) if (c != 0) == *nonzero => Some(InstData::Trap {
                        kind: *kind,
                        code: 0,
                    }),
                    Some(_) => {
                        // Never traps: drop it.
                        continue;
                    }
                    None => None,
                },
                _ => None,
            };
            let ends_block = matches!(replacement, Some(InstData::Trap { .. }));
            if let Some(new) = replacement {
                func.dfg.insts[inst.index()] = new;
            }
            kept.push(inst);
            if ends_block {
                break;
            }
        }
        func.layout.insts[block.index()] = kept;
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::passes::testing::check;

    #[test]
    fn folds_arithmetic_with_the_vm_semantics() {
        check(
            "function f() -> i32 {
            block0:
                v0 = const.i32 -2147483648 @0
                v1 = const.i32 1 @1
                v2 = i32.sub v0, v1 @2
                v3 = i32.shl v1, v1 @3
                v4 = i32.add v2, v3 @4
                return v4 @5
            }",
            "function f() -> i32 {
            block0:
                v0 = const.i32 -2147483648 @0
                v1 = const.i32 1 @1
                v2 = const.i32 2147483647 @2
                v3 = const.i32 2 @3
                v4 = const.i32 -2147483647 @4
                return v4 @5
            }",
            super::run,
        );
    }

    #[test]
    fn a_division_that_traps_is_not_folded_and_its_check_becomes_the_trap() {
        check(
            "function f() -> i32 {
            block0:
                v0 = const.i32 7 @0
                v1 = const.i32 0 @1
                trapz v1, divide_by_zero @2
                v2 = i32.div_u v0, v1 @2
                return v2 @3
            }",
            "function f() -> i32 {
            block0:
                v0 = const.i32 7 @0
                v1 = const.i32 0 @1
                trap divide_by_zero @2
            }",
            super::run,
        );
    }

    #[test]
    fn checks_that_cannot_fire_disappear_and_constant_branches_become_jumps() {
        check(
            "function f(i32) -> i32 {
            block0(v0: i32):
                v1 = const.i32 3 @0
                trapz v1, divide_by_zero @1
                v2 = i32.div_u v0, v1 @1
                brif v1, block1(v2), block2 @2
            block1(v3: i32):
                return v3 @3
            block2:
                return v0 @4
            }",
            "function f(i32) -> i32 {
            block0(v0: i32):
                v1 = const.i32 3 @0
                v2 = i32.div_u v0, v1 @1
                jump block1(v2) @2
            block1(v3: i32):
                return v3 @3
            block2:
                return v0 @4
            }",
            super::run,
        );
    }
}
