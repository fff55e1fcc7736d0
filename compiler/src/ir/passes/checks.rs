//! Removes checks a dominating check or a constant already proves:
//!
//! - a `trapz`/`trapnz` identical to one that dominates it (same condition
//!   value, same trap): if that one did not trap, this one cannot;
//! - a `bounds v, end` dominated by a `bounds v, end2` with `end2 >= end`:
//!   memory never shrinks, so the earlier check covers this access;
//! - a `bounds` of a constant address whose access ends inside the memory's
//!   initial size.
//!
//! Checks on other paths are untouched, so the first trap a program hits,
//! and its pc, stay the same.

use crate::ir::dominance::DominatorTree;
use crate::ir::entities::Value;
use crate::ir::function::Function;
use crate::ir::instructions::InstData;
use janus_runtime::abi::TrapKind;
use rustc_hash::FxHashMap;

/// What a dominating check has established, with an undo log per scope.
#[derive(Default)]
struct Known {
    traps: FxHashMap<(TrapKind, Value, bool), ()>,
    bounds: FxHashMap<Value, u64>,
}

enum Undo {
    Trap((TrapKind, Value, bool)),
    Bounds(Value, Option<u64>),
}

/// Removes redundant checks; `min_memory` is the memory's initial size in
/// bytes, which every access may rely on.
pub fn run(func: &mut Function, min_memory: u64) {
    let dom = DominatorTree::compute(func);
    let Some(&entry) = dom.rpo.first() else {
        return;
    };
    let mut known = Known::default();
    let mut log: Vec<Undo> = Vec::new();
    // Dominator-tree preorder, with the undo-log height of each open scope.
    let mut stack = vec![(entry, 0usize, false)];
    while let Some((block, mark, visited)) = stack.pop() {
        if visited {
            while log.len() > mark {
                match log.pop().expect("log above mark") {
                    Undo::Trap(key) => {
                        known.traps.remove(&key);
                    }
                    Undo::Bounds(v, old) => match old {
                        Some(end) => {
                            known.bounds.insert(v, end);
                        }
                        None => {
                            known.bounds.remove(&v);
                        }
                    },
                }
            }
            continue;
        }
        let mark = log.len();
        stack.push((block, mark, true));
        let insts = std::mem::take(&mut func.layout.insts[block.index()]);
        let mut kept = Vec::with_capacity(insts.len());
        for inst in insts {
            match func.dfg.insts[inst.index()] {
                InstData::TrapIf {
                    kind,
                    cond,
                    nonzero,
                } => {
                    let key = (kind, cond, nonzero);
                    if known.traps.contains_key(&key) {
                        continue;
                    }
                    known.traps.insert(key, ());
                    log.push(Undo::Trap(key));
                }
                InstData::Bounds { addr, end } => {
                    if let Some(base) = func.dfg.constant(addr) {
                        if u64::from(base as u32) + end <= min_memory {
                            continue;
                        }
                    }
                    let proven = known.bounds.get(&addr).copied();
                    if proven.is_some_and(|p| p >= end) {
                        continue;
                    }
                    known.bounds.insert(addr, end);
                    log.push(Undo::Bounds(addr, proven));
                }
                _ => {}
            }
            kept.push(inst);
        }
        func.layout.insts[block.index()] = kept;
        for &child in dom.children[block.index()].iter().rev() {
            stack.push((child, 0, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::passes::testing::check;

    #[test]
    fn dominated_checks_go_sibling_checks_stay() {
        check(
            "function f(i32, i32) -> i32 {
            block0(v0: i32, v1: i32):
                bounds v0, 8 @0
                trapz v1, divide_by_zero @1
                brif v1, block1, block2 @2
            block1:
                bounds v0, 4 @3
                bounds v0, 16 @4
                trapz v1, divide_by_zero @5
                trapz v1, integer_overflow @6
                return v0 @7
            block2:
                bounds v1, 4 @8
                return v1 @9
            }",
            "function f(i32, i32) -> i32 {
            block0(v0: i32, v1: i32):
                bounds v0, 8 @0
                trapz v1, divide_by_zero @1
                brif v1, block1, block2 @2
            block1:
                bounds v0, 16 @4
                trapz v1, integer_overflow @6
                return v0 @7
            block2:
                bounds v1, 4 @8
                return v1 @9
            }",
            |f| super::run(f, 0),
        );
    }

    #[test]
    fn constant_addresses_inside_the_initial_memory_need_no_check() {
        let input = "function f() -> i32 {
            block0:
                v0 = const.i32 65532 @0
                bounds v0, 4 @1
                v1 = i32.load v0, 0 @1
                bounds v0, 8 @2
                v2 = i32.load v0, 4 @2
                return v1 @3
            }";
        check(
            input,
            "function f() -> i32 {
            block0:
                v0 = const.i32 65532 @0
                v1 = i32.load v0, 0 @1
                bounds v0, 8 @2
                v2 = i32.load v0, 4 @2
                return v1 @3
            }",
            |f| super::run(f, 65_536),
        );
    }
}
