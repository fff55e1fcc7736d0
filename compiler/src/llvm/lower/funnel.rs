//! Funnels: no LLVM block takes more than [`FUNNEL_WIDTH`] phi edges.
//!
//! LLVM finds a phi's input for a predecessor by scanning the phi's inputs
//! (`getIncomingValueForBlock`), once per predecessor in instruction
//! selection, PHI elimination and several passes: a block with K incoming
//! edges costs K² per phi. A `br_table` of 65,536 targets that all jump to
//! one join block makes that join take 65,536 edges, and -O0 spent over 90%
//! of its time there. So a block with parameters and more than
//! `FUNNEL_WIDTH` incoming edges is entered through funnel blocks: each
//! takes up to `FUNNEL_WIDTH` edges into phis of its own and jumps to the
//! block, which then takes one edge per funnel. Nothing changes for blocks
//! of ordinary programs, which have far fewer edges.

use super::{e, FnLowering, R};
use crate::ir::function::Function;
use crate::ir::instructions::BlockCall;
use crate::ir::Block;
use inkwell::basic_block::BasicBlock;
use inkwell::values::{BasicValue, PhiValue};
use std::collections::HashMap;

/// The most phi edges one LLVM block takes.
pub(super) const FUNNEL_WIDTH: usize = 64;

/// The funnel block currently filling for one destination.
#[derive(Default)]
pub(super) struct Funnel<'ctx> {
    /// The funnel block, its phis and how many edges it has taken.
    open: Option<(BasicBlock<'ctx>, Vec<PhiValue<'ctx>>, usize)>,
    /// The block the open funnel's last edge came from.
    last_from: Option<BasicBlock<'ctx>>,
}

/// The destinations of `f` that need funnels: blocks with parameters and
/// more than [`FUNNEL_WIDTH`] incoming edges.
pub(super) fn plan<'ctx>(f: &Function) -> HashMap<Block, Funnel<'ctx>> {
    let mut edges: HashMap<Block, usize> = HashMap::new();
    for &block in &f.layout.blocks {
        if let Some(terminator) = f.layout.terminator(block) {
            for call in f.dfg.inst(terminator).destinations() {
                *edges.entry(call.block).or_default() += 1;
            }
        }
    }
    edges
        .into_iter()
        .filter(|&(block, n)| n > FUNNEL_WIDTH && !f.dfg.params(block).is_empty())
        .map(|(block, _)| (block, Funnel::default()))
        .collect()
}

impl<'ctx> FnLowering<'_, 'ctx> {
    /// Where the edge `call` from the current block must jump when its
    /// destination is funnelled (`None` when it is not): the open funnel
    /// block, fed with the edge's arguments. A new funnel opens when the
    /// open one is full or already takes an edge from this block (a phi
    /// tells edges apart only by their source).
    pub(super) fn funnel_edge(&mut self, call: &BlockCall) -> R<Option<BasicBlock<'ctx>>> {
        let Some(funnel) = self.funnels.get_mut(&call.block) else {
            return Ok(None);
        };
        let from = self.b.get_insert_block().ok_or("positioned")?;
        let full = match &funnel.open {
            Some((_, _, taken)) => *taken == FUNNEL_WIDTH || funnel.last_from == Some(from),
            None => true,
        };
        if full {
            let block = self.c.append_basic_block(self.func, "funnel");
            self.b.position_at_end(block);
            let dest_phis = self.phis.get(&call.block).cloned().unwrap_or_default();
            let mut phis = Vec::with_capacity(dest_phis.len());
            for dest in &dest_phis {
                let phi = self
                    .b
                    .build_phi(dest.as_basic_value().get_type(), "f")
                    .map_err(e)?;
                dest.add_incoming(&[(&phi.as_basic_value() as &dyn BasicValue, block)]);
                phis.push(phi);
            }
            self.b
                .build_unconditional_branch(self.blocks[&call.block])
                .map_err(e)?;
            self.b.position_at_end(from);
            funnel.open = Some((block, phis, 0));
        }
        let Some((block, phis, taken)) = funnel.open.as_mut() else {
            return Err("a funnel is open".into());
        };
        *taken += 1;
        funnel.last_from = Some(from);
        let (block, phis) = (*block, phis.clone());
        for (i, (phi, &arg)) in phis.iter().zip(&call.args).enumerate() {
            let canonical = self.nan.canonical_on_edge(arg, call.block, i);
            let v = self.merge_input(arg, canonical)?;
            phi.add_incoming(&[(&v as &dyn BasicValue, from)]);
        }
        Ok(Some(block))
    }
}
