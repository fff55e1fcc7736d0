//! The registers that hold one known constant whenever any of a function's
//! loop headers is reached, for an on-stack-replacement entry: it takes every
//! register from the interpreter's frame, but a register the bytecode only
//! ever sets to one constant is that constant in the entry too, so LLVM sees
//! the loop as it does in the whole function (a step of `1`, not of an
//! unknown register: strength reduction, induction variables and unrolling
//! then work as in AOT code).
//!
//! A register qualifies when it is not a parameter and every write to it
//! is a `T.const` of the same value, and either that value is 0 (every
//! register is 0 before its first write) or one of those writes lies in a
//! block that strictly dominates every header's (so it ran on every path
//! to each). Linear in the function's size, plus its dominator tree.

use super::DominatorTree;
use crate::bytecode::{self as bc, Class, Operand, OperandKind, Reg};
use crate::ir::entities::Block;

/// What the writes to one register, seen so far, say of its value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Writes {
    /// None: it is 0 throughout.
    None,
    /// Only constants of these bits; whether one of them is in a block
    /// that strictly dominates every header.
    Constant { bits: u64, dominating: bool },
    /// Something else, or constants of two values.
    Varies,
}

/// For each of the `registers` registers of `code` (the first `params` of
/// them parameters), the bits it holds at every arrival at any of the
/// blocks that start at the instruction indices `headers` (at least one),
/// if they are known. `block_starts`
/// lists the instruction index of every block's first instruction in
/// order, `block_end` gives a block's last instruction from its first, and
/// `successors` a block's successors (first instructions) from its last.
#[allow(clippy::too_many_arguments)]
pub(super) fn constants_at_headers(
    code: &bc::Code,
    pcs: &[u32],
    registers: usize,
    params: usize,
    headers: &[usize],
    block_starts: &[usize],
    block_end: impl Fn(usize) -> usize,
    successors: impl Fn(usize) -> Vec<usize>,
) -> Vec<Option<u64>> {
    let block_of_start = |start: usize| {
        Block::new(
            block_starts
                .binary_search(&start)
                .expect("successors start blocks"),
        )
    };
    let succs: Vec<Vec<Block>> = block_starts
        .iter()
        .map(|&start| {
            successors(block_end(start))
                .into_iter()
                .map(block_of_start)
                .collect()
        })
        .collect();
    let dom = DominatorTree::of_graph(Some(Block::new(0)), &succs);
    let header_blocks: Vec<Block> = headers.iter().map(|&h| block_of_start(h)).collect();
    // The nearest block dominating every header: a block strictly
    // dominates them all if it dominates it and is not itself a header.
    let mut common = header_blocks[0];
    for &h in &header_blocks {
        while !dom.dominates(common, h) {
            match dom.idom(common) {
                Some(up) if up != common => common = up,
                _ => break,
            }
        }
    }
    let common_is_header = header_blocks.contains(&common);

    let mut writes = vec![Writes::None; registers];
    for w in writes.iter_mut().take(params) {
        *w = Writes::Varies;
    }
    for (b, &start) in block_starts.iter().enumerate() {
        let block = Block::new(b);
        // Unreachable code writes nothing at run time.
        if !dom.is_reachable(block) {
            continue;
        }
        let dominating = dom.dominates(block, common) && !(block == common && common_is_header);
        for &pc in &pcs[start..=block_end(start)] {
            let inst = code.at(pc).expect("blocks hold instructions");
            let constant = match (inst.opcode.class(), inst.operands.get(1)) {
                (Class::Constant, Some(Operand::I32(v))) => Some(u64::from(*v as u32)),
                (Class::Constant, Some(Operand::I64(v))) => Some(*v as u64),
                (Class::Constant, Some(Operand::F32(b))) => Some(u64::from(*b)),
                (Class::Constant, Some(Operand::F64(b))) => Some(*b),
                _ => None,
            };
            let mut write = |r: Reg, value: Option<u64>| {
                let w = &mut writes[r as usize];
                *w = match (*w, value) {
                    (Writes::None, Some(bits)) => Writes::Constant { bits, dominating },
                    (
                        Writes::Constant {
                            bits,
                            dominating: d,
                        },
                        Some(v),
                    ) if v == bits => Writes::Constant {
                        bits,
                        dominating: d || dominating,
                    },
                    _ => Writes::Varies,
                };
            };
            for (kind, operand) in inst.opcode.operands().iter().zip(&inst.operands) {
                match (kind, operand) {
                    (OperandKind::Def(_), Operand::Reg(r)) => write(*r, constant),
                    (OperandKind::Results, Operand::Regs(rs)) => {
                        rs.iter().for_each(|&r| write(r, None))
                    }
                    _ => {}
                }
            }
        }
    }
    writes
        .into_iter()
        .map(|w| match w {
            Writes::None => Some(0),
            Writes::Constant { bits: 0, .. } => Some(0),
            Writes::Constant {
                bits,
                dominating: true,
            } => Some(bits),
            Writes::Constant { .. } | Writes::Varies => None,
        })
        .collect()
}
