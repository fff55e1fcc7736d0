//! Removes instructions whose result nobody uses and whose removal nobody
//! could observe: constants, pure operations and loads (a load's trap is its
//! `bounds` check, which stays). Works backwards through a worklist, so a
//! chain of dead computations goes in one run.

use crate::ir::entities::Inst;
use crate::ir::function::{Function, ValueDef};

/// Removes dead instructions from `func`.
pub fn run(func: &mut Function) {
    let mut uses = vec![0u32; func.dfg.values.len()];
    let mut live = vec![false; func.dfg.insts.len()];
    for &b in &func.layout.blocks {
        for &inst in func.layout.block_insts(b) {
            live[inst.index()] = true;
            func.dfg.insts[inst.index()].for_each_arg(|v| uses[v.index()] += 1);
        }
    }
    let dead_candidate = |func: &Function, uses: &[u32], inst: Inst| {
        func.dfg.insts[inst.index()].is_pure() && func.dfg.result(inst).is_some_and(|r| uses[r.index()] == 0)
    };
    let mut work: Vec<Inst> = (0..func.dfg.insts.len())
        .map(Inst::new)
        .filter(|&i| live[i.index()] && dead_candidate(func, &uses, i))
        .collect();
    while let Some(inst) = work.pop() {
        if !live[inst.index()] || !dead_candidate(func, &uses, inst) {
            continue;
        }
        live[inst.index()] = false;
        let mut freed = Vec::new();
        func.dfg.insts[inst.index()].for_each_arg(|v| {
            uses[v.index()] -= 1;
            if uses[v.index()] == 0 {
                freed.push(v);
            }
        });
        for v in freed {
            if let ValueDef::Result(def) = func.dfg.values[v.index()].def {
                work.push(def);
            }
        }
    }
    for b in func.layout.blocks.clone() {
        func.layout.insts[b.index()].retain(|i| live[i.index()]);
    }
}
