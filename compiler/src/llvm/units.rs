//! Codegen units: which LLVM module each function is lowered, optimised and
//! emitted in, as rustc's codegen units.
//!
//! LLVM's `default<O2>` pipeline is linear in each function's size (the
//! guardrails in `guard` see to that) but not in a module's: a module of
//! 300,000 small functions took `opt` 43 s against 12.8 s for 100,000,
//! spread over InstCombine and the inliner, and the same IR cut into six
//! modules took 3.7–4.0 s a module. So functions are cut, in module order,
//! into units of at most [`MAX_UNIT_INSTRUCTIONS`] IR instructions: the
//! functions of the full pipeline first, then the reduced ones, which get
//! their own units, pipeline and code generator. The first unit also holds
//! the program's frame (function table, data, descriptor, C `main`).
//!
//! A program under the budget is one unit, exactly as before; a bigger one
//! gives up inlining across units only. A function called from another
//! unit, or put in the table by the first unit from another, gets external
//! linkage with hidden visibility, so the units' objects link to each other
//! and export nothing new from the executable.

use super::guard::{self, Reduced};
use super::OptLevel;
use crate::ir::instructions::InstData;
use crate::ir::{self, function::Function};

/// The most IR instructions one codegen unit holds, unless one function is
/// bigger (at `-O0`, where no function is reduced).
pub const MAX_UNIT_INSTRUCTIONS: usize = 50_000;

/// How a unit is optimised and compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pipeline {
    /// The `-O` level's pipeline and code generator.
    Full,
    /// [`guard::REDUCED_PIPELINE`] and LLVM's `-O0` code generator.
    Reduced,
}

/// One codegen unit: the functions it defines, in module order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Indices into the IR module's functions.
    pub functions: Vec<usize>,
    /// How the unit is built.
    pub pipeline: Pipeline,
}

/// Every function's unit, and what crosses between units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The units, the frame's first.
    pub units: Vec<Unit>,
    /// The unit of each function of the IR module.
    pub unit_of: Vec<usize>,
    /// Whether each function is referred to from a unit other than its own
    /// (and so is external with hidden visibility).
    pub shared: Vec<bool>,
    /// The functions built with the reduced pipeline, and why.
    pub reduced: Vec<Reduced>,
}

impl Plan {
    /// Every function in one unit with the full pipeline: what the JIT
    /// compiles.
    pub fn single(ir: &ir::Module) -> Plan {
        let n = ir.functions.len();
        Plan {
            units: vec![Unit {
                functions: (0..n).collect(),
                pipeline: Pipeline::Full,
            }],
            unit_of: vec![0; n],
            shared: vec![false; n],
            reduced: Vec::new(),
        }
    }

    /// Whether the program is cut into more than one unit, so that what
    /// the frame's unit defines for all (the function table) is shared.
    pub fn is_split(&self) -> bool {
        self.units.len() > 1
    }
}

/// The units `ir` is built in at `opt`.
pub fn plan(ir: &ir::Module, opt: OptLevel) -> Plan {
    let mut full = Vec::new();
    let mut reduced_functions = Vec::new();
    let mut reduced = Vec::new();
    for (index, f) in ir.functions.iter().enumerate() {
        match guard::excess(f, opt) {
            Some(excess) => {
                reduced_functions.push(index);
                reduced.push(Reduced {
                    function: f.name.clone(),
                    excess,
                });
            }
            None => full.push(index),
        }
    }
    let mut units = Vec::new();
    cut(ir, &full, Pipeline::Full, &mut units);
    cut(ir, &reduced_functions, Pipeline::Reduced, &mut units);
    if units.is_empty() {
        // No function at all: the frame's unit reports the missing `main`.
        units.push(Unit {
            functions: Vec::new(),
            pipeline: Pipeline::Full,
        });
    }
    let mut unit_of = vec![0; ir.functions.len()];
    for (u, unit) in units.iter().enumerate() {
        for &f in &unit.functions {
            unit_of[f] = u;
        }
    }
    let shared = shared(ir, &units, &unit_of);
    Plan {
        units,
        unit_of,
        shared,
        reduced,
    }
}

/// Appends `functions` to `units` as consecutive runs of at most
/// [`MAX_UNIT_INSTRUCTIONS`] instructions (at least one function each).
fn cut(ir: &ir::Module, functions: &[usize], pipeline: Pipeline, units: &mut Vec<Unit>) {
    let mut current = Vec::new();
    let mut size = 0;
    for &index in functions {
        let n = instructions(&ir.functions[index]);
        if !current.is_empty() && size + n > MAX_UNIT_INSTRUCTIONS {
            units.push(Unit {
                functions: std::mem::take(&mut current),
                pipeline,
            });
            size = 0;
        }
        current.push(index);
        size += n;
    }
    if !current.is_empty() {
        units.push(Unit {
            functions: current,
            pipeline,
        });
    }
}

/// A function's number of IR instructions.
pub(super) fn instructions(f: &Function) -> usize {
    f.layout.insts.iter().map(Vec::len).sum()
}

/// Which functions another unit refers to: by a direct call, from the
/// function table (in the first unit) or as `main` (called by the first
/// unit's entry point).
fn shared(ir: &ir::Module, units: &[Unit], unit_of: &[usize]) -> Vec<bool> {
    let mut shared = vec![false; ir.functions.len()];
    if units.len() < 2 {
        return shared;
    }
    for (index, f) in ir.functions.iter().enumerate() {
        for &inst in f.layout.insts.iter().flatten() {
            if let InstData::Call { func, .. } = f.dfg.inst(inst) {
                if let Some(callee) = unit_of.get(func.index()) {
                    if *callee != unit_of[index] {
                        shared[func.index()] = true;
                    }
                }
            }
        }
    }
    let from_frame = ir.table.iter().flatten().copied().chain(ir.export("main"));
    for f in from_frame {
        if unit_of.get(f.index()).is_some_and(|&u| u != 0) {
            shared[f.index()] = true;
        }
    }
    shared
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    /// A module of `n` functions of about `size` instructions each, each
    /// calling the next with a value it computed from its argument (so
    /// nothing folds); `main` is the first, and calls `f1` with a value read
    /// from memory.
    fn chain(n: usize, size: usize) -> ir::Module {
        let mut s = String::from("memory 1, 1\nexport main\n");
        for i in 0..n {
            if i == 0 {
                s.push_str("func main() -> i32\n    reg r0..r1: i32\n    i32.load r0, r1, 0\n");
            } else {
                let _ = writeln!(s, "func f{i}(r0: i32) -> i32\n    reg r1: i32");
            }
            for _ in 0..size {
                s.push_str("    i32.add r0, r0, r0\n");
            }
            if i + 1 < n {
                let _ = writeln!(s, "    call f{}, [r1], [r0]\n    i32.add r0, r0, r1", i + 1);
            }
            s.push_str("    ret [r0]\nend\n");
        }
        let loaded = crate::load(s.as_bytes()).expect("assembles");
        let mut module = ir::construct::build_module(&loaded.module);
        ir::passes::optimize_module(&mut module);
        module
    }

    #[test]
    fn a_program_under_the_budget_is_one_unit_sharing_nothing() {
        let ir = chain(20, 100);
        let plan = plan(&ir, OptLevel::O2);
        assert_eq!(plan, Plan::single(&ir));
    }

    #[test]
    fn a_big_module_is_cut_in_order_and_shares_only_what_crosses() {
        let ir = chain(60, 2_000);
        let plan = plan(&ir, OptLevel::O2);
        assert!(plan.units.len() > 2, "{} units", plan.units.len());
        let mut order: Vec<usize> = Vec::new();
        for unit in &plan.units {
            let size: usize = unit
                .functions
                .iter()
                .map(|&f| instructions(&ir.functions[f]))
                .sum();
            assert!(size <= MAX_UNIT_INSTRUCTIONS, "{size}");
            assert_eq!(unit.pipeline, Pipeline::Full);
            order.extend(&unit.functions);
        }
        assert_eq!(order, (0..ir.functions.len()).collect::<Vec<_>>());
        for f in 1..ir.functions.len() {
            let crosses = plan.unit_of[f - 1] != plan.unit_of[f];
            assert_eq!(plan.shared[f], crosses, "function {f}");
        }
        assert!(!plan.shared[0], "main is in the frame's unit");
    }

    #[test]
    fn reduced_functions_get_units_of_their_own_after_the_full_ones() {
        let ir = chain(3, guard::MAX_FULL_INSTRUCTIONS + 10);
        let plan = plan(&ir, OptLevel::O2);
        assert_eq!(plan.reduced.len(), 3);
        assert!(plan.units.iter().all(|u| u.pipeline == Pipeline::Reduced));
        let at_o0 = super::plan(&ir, OptLevel::O0);
        assert!(at_o0.reduced.is_empty());
        assert_eq!(at_o0.units.len(), 1);
    }
}
