//! Data segments in generated programs: the segments every program starts
//! with, and the statement that copies from them (`memory.init`) or drops
//! them (`data.drop`).

use super::{Gen, Rng};
use janus_bytecode::bytecode::builder::{FunctionBuilder, ModuleBuilder};
use janus_bytecode::bytecode::{Opcode, Operand};
use janus_runtime::abi::ValType;

/// Adds the program's data segments: active ones at 0 (the newline `print`
/// writes) and 16, with passive ones between and after them in the one
/// index space. Returns what `memory.init` may copy from each when the
/// program starts: a passive segment's length, 0 for an active one.
pub(super) fn lay_out(mb: &mut ModuleBuilder, rng: &mut Rng) -> Vec<usize> {
    let mut segments = Vec::new();
    mb.data(0, b"\n".to_vec());
    segments.push(0);
    let passive = random_bytes(rng);
    segments.push(passive.len());
    mb.passive_data(passive);
    mb.data(16, random_bytes(rng));
    segments.push(0);
    if rng.below(2) == 0 {
        let passive = random_bytes(rng);
        segments.push(passive.len());
        mb.passive_data(passive);
    }
    segments
}

/// Up to 63 random bytes: a data segment's contents.
fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    (0..rng.below(64)).map(|_| rng.next() as u8).collect()
}

impl Gen<'_> {
    /// `memory.init` of a data segment, usually of a range inside it (and
    /// inside the first page), or rarely `data.drop`. A range that was in
    /// bounds at start traps once the segment is dropped, and an active
    /// segment counts as dropped from the start: only its empty range at 0
    /// does not trap.
    pub(super) fn data_segment(&mut self, b: &mut FunctionBuilder) {
        let segment = self.rng.below(self.segments.len());
        if self.rng.below(6) == 0 {
            b.inst(Opcode::DataDrop, vec![Operand::U32(segment as u32)])
                .expect("operands");
            return;
        }
        let regs = [
            self.reg(ValType::I32),
            self.reg(ValType::I32),
            self.reg(ValType::I32),
        ];
        let distinct = regs[0] != regs[1] && regs[1] != regs[2] && regs[0] != regs[2];
        if distinct && self.rng.below(10) != 0 {
            let len = self.segments[segment];
            let src = self.rng.below(len + 1);
            let values = [self.rng.below(30000), src, self.rng.below(len - src + 1)];
            for (r, v) in regs.iter().zip(values) {
                b.inst(
                    Opcode::I32Const,
                    vec![Operand::Reg(*r), Operand::I32(v as i32)],
                )
                .expect("operands");
            }
        }
        let mut operands = vec![Operand::U32(segment as u32)];
        operands.extend(regs.map(Operand::Reg));
        b.inst(Opcode::MemoryInit, operands).expect("operands");
    }
}
