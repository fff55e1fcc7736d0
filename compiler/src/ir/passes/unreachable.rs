//! Removes blocks the entry cannot reach. Construction makes none, but
//! constant folding turns branches into jumps and leaves blocks behind.

use crate::ir::dominance::DominatorTree;
use crate::ir::function::Function;

/// Drops unreachable blocks from the layout.
pub fn run(func: &mut Function) {
    let dom = DominatorTree::compute(func);
    func.layout.blocks.retain(|&b| dom.is_reachable(b));
}
