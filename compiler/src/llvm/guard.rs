//! Pipeline guardrails: which functions are too big for LLVM's full
//! pipeline, and the pipeline they get instead.
//!
//! LLVM's `-O1`…`-O3` pipelines are fast on the functions people write and
//! super-linear on the ones generators write: one function of straight-line
//! code spends its time in the machine scheduler and the two-address pass,
//! a function of many branches in SLP vectorisation, instruction selection
//! and register allocation, a big `br_table` in correlated value
//! propagation and PHI elimination (docs/ARCHITECTURE.md has the figures).
//! gcc -O2 and clang -O2 behave the same on the same C. janusc builds code
//! its users did not write, so a function past any threshold below is built
//! in its own codegen unit with [`REDUCED_PIPELINE`] and LLVM's `-O0` code
//! generator (fast instruction selection and register allocation), all of
//! them linear in the function's size; every other function keeps the full
//! pipeline. `janusc build -v` names each reduced function and why; `units`
//! gives the reduced functions codegen units of their own.

use super::OptLevel;
use crate::ir::function::Function;
use crate::ir::instructions::InstData;
use std::fmt;

/// The most IR instructions a function may have and keep the full pipeline.
pub const MAX_FULL_INSTRUCTIONS: usize = 3_000;

/// The most blocks a function may have and keep the full pipeline.
pub const MAX_FULL_BLOCKS: usize = 300;

/// The most targets one `br_table` may have in a function that keeps the
/// full pipeline.
pub const MAX_FULL_TABLE_TARGETS: usize = 256;

/// What a reduced function gets instead of `default<On>`: scalar
/// replacement (registers out of their stack slots), CSE and instruction
/// simplification, each linear in the function's size. Not `instcombine`
/// (300,000 branchy instructions took it 8.9 s against 1.1 s for 100,000)
/// nor `simplifycfg`, which merges the lowering's funnel blocks back into
/// a join of 65,536 edges and spends quadratic time doing it.
pub const REDUCED_PIPELINE: &str = "function(sroa,early-cse,instsimplify)";

/// Which threshold a function passed, with its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Excess {
    /// More than [`MAX_FULL_INSTRUCTIONS`] instructions.
    Instructions(usize),
    /// More than [`MAX_FULL_BLOCKS`] blocks.
    Blocks(usize),
    /// A `br_table` of more than [`MAX_FULL_TABLE_TARGETS`] targets.
    TableTargets(usize),
}

/// A function built with the reduced pipeline, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reduced {
    /// The function's name in the program.
    pub function: String,
    /// The threshold it passed.
    pub excess: Excess,
}

impl fmt::Display for Reduced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (size, what, limit) = match self.excess {
            Excess::Instructions(n) => (n, "instructions", MAX_FULL_INSTRUCTIONS),
            Excess::Blocks(n) => (n, "blocks", MAX_FULL_BLOCKS),
            Excess::TableTargets(n) => (n, "targets in one br_table", MAX_FULL_TABLE_TARGETS),
        };
        write!(
            f,
            "function `{}` built with the reduced pipeline: {size} {what} (the full pipeline takes up to {limit})",
            self.function
        )
    }
}

/// The first threshold `f` passes at `opt`, if any, making it a reduced
/// function: a wide `br_table` first (it is why such a function has many
/// blocks), then its size. At `-O0` there is none: `-O0` is linear already.
pub(super) fn excess(f: &Function, opt: OptLevel) -> Option<Excess> {
    if opt == OptLevel::O0 {
        return None;
    }
    let widest = f
        .layout
        .insts
        .iter()
        .flatten()
        .filter_map(|&inst| {
            if let InstData::BrTable { targets, .. } = f.dfg.inst(inst) {
                Some(targets.len())
            } else {
                None
            }
        })
        .max()
        .unwrap_or(0);
    if widest > MAX_FULL_TABLE_TARGETS {
        return Some(Excess::TableTargets(widest));
    }
    let instructions = super::units::instructions(f);
    if instructions > MAX_FULL_INSTRUCTIONS {
        return Some(Excess::Instructions(instructions));
    }
    let blocks = f.layout.blocks.len();
    (blocks > MAX_FULL_BLOCKS).then_some(Excess::Blocks(blocks))
}
