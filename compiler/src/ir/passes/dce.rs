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
        let results = func.dfg.inst_results(inst);
        func.dfg.insts[inst.index()].is_pure()
            && !results.is_empty()
            && results.iter().all(|r| uses[r.index()] == 0)
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
            if let ValueDef::Result(def, _) = func.dfg.values[v.index()].def {
                work.push(def);
            }
        }
    }
    for b in func.layout.blocks.clone() {
        func.layout.insts[b.index()].retain(|i| live[i.index()]);
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::passes::testing::check;

    #[test]
    fn unused_values_go_but_checks_and_effects_stay() {
        check(
            "function f(i32) -> i32 {
            block0(v0: i32):
                v1 = const.i32 4 @0
                v2 = i32.mul v0, v1 @1
                v3 = i32.add v2, v1 @2
                bounds v0, 4 @3
                v4 = i32.load v0, 0 @3
                v5 = memory.size @4
                v6 = memory.grow v1 @5
                v7 = dev clock.monotonic_ns() @6
                return v0 @7
            }",
            "function f(i32) -> i32 {
            block0(v0: i32):
                v1 = const.i32 4 @0
                bounds v0, 4 @3
                v2 = memory.grow v1 @5
                v3 = dev clock.monotonic_ns() @6
                return v0 @7
            }",
            super::run,
        );
    }

    #[test]
    fn a_call_stays_whichever_of_its_results_are_used() {
        check(
            "function f(i32) -> i64 {
            block0(v0: i32):
                depth_enter @0
                v1, v2, v3 = call g(v0) @0
                depth_leave @0
                v4 = i64.add v3, v3 @1
                depth_enter @2
                v5, v6, v7 = call g(v0) @2
                depth_leave @2
                return v3 @3
            }

            function g(i32) -> (i32, f64, i64) {
            block0(v0: i32):
                v1 = const.f64 1.5 @0
                v2 = const.i64 2 @1
                return v0, v1, v2 @2
            }",
            "function f(i32) -> i64 {
            block0(v0: i32):
                depth_enter @0
                v1, v2, v3 = call g(v0) @0
                depth_leave @0
                depth_enter @2
                v4, v5, v6 = call g(v0) @2
                depth_leave @2
                return v3 @3
            }",
            super::run,
        );
    }

    #[test]
    fn memory_init_and_data_drop_stay() {
        let function = "function f(i32) {
            block0(v0: i32):
                v1 = const.i32 1 @0
                memory.init data0, v0, v1, v1 @1
                data.drop data0 @2
                return @3
            }";
        let module = format!("data passive, \"ab\"\n\n{function}");
        check(&module, function, super::run);
    }
}
