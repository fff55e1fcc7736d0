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
                    let consts: Option<Vec<u64>> = args.iter().map(|&a| func.dfg.constant(a)).collect();
                    match (consts, def_type(*op)) {
                        (Some(bits), Some(ty)) => eval(*op, &bits).ok().map(|bits| InstData::Const { ty, bits }),
                        _ => None,
                    }
                }
                InstData::Brif { cond, then_dest, else_dest } => func.dfg.constant(*cond).map(|c| InstData::Jump {
                    dest: if c != 0 { then_dest.clone() } else { else_dest.clone() },
                }),
                InstData::BrTable { index, default, targets } => func.dfg.constant(*index).map(|i| InstData::Jump {
                    dest: targets.get(i as u32 as usize).unwrap_or(default).clone(),
                }),
                InstData::TrapIf { kind, cond, nonzero } => match func.dfg.constant(*cond) {
                    Some(c) if (c != 0) == *nonzero => Some(InstData::Trap { kind: *kind, code: 0 }),
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
