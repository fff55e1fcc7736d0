//! Removes blocks the entry cannot reach. Construction makes none, but
//! constant folding turns branches into jumps and leaves blocks behind.

use crate::ir::dominance::DominatorTree;
use crate::ir::function::Function;

/// Drops unreachable blocks from the layout.
pub fn run(func: &mut Function) {
    let dom = DominatorTree::compute(func);
    func.layout.blocks.retain(|&b| dom.is_reachable(b));
}

#[cfg(test)]
mod tests {
    use crate::ir::passes::testing::check;

    #[test]
    fn blocks_nothing_reaches_are_removed() {
        check(
            "function f(i32) -> i32 {
            block0(v0: i32):
                jump block2 @0
            block1:
                v1 = const.i32 1 @1
                return v1 @2
            block2:
                return v0 @3
            }",
            "function f(i32) -> i32 {
            block0(v0: i32):
                jump block1 @0
            block1:
                return v0 @3
            }",
            super::run,
        );
    }
}
