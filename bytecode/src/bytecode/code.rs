//! A function's code held as its own `.jbc` encoding.
//!
//! An instruction decoded into an [`Inst`] takes 32 bytes plus a heap block
//! of 32 bytes per operand, while its encoding takes 1 to 9 bytes for every
//! instruction but `br_table` and the register lists: a module of `nop`s held
//! as `Vec<Inst>` took 34 bytes per byte of its file. [`Code`] keeps the
//! encoded bytes instead (one byte per byte of code), and hands out [`Inst`]s
//! one at a time as it is walked, so whatever holds a module (the loader, the
//! verifier, the assembler, the compiler) stays within a small constant of
//! the file's size.
//!
//! Invariant: the bytes are a sequence of complete, well-formed instruction
//! encodings (a known opcode, then its operands as [`Opcode::operands`] lists
//! them). [`Code::push`] only appends instructions whose operands match their
//! opcode, and the decoder only hands over bytes it has walked, so reading
//! the code back never fails; a failure would be a bug here.

use super::limits::MAX_BR_TABLE;
use super::module::{fixed_operand_size, Inst, Operand};
use super::opcodes::{Opcode, OperandKind};
use thiserror::Error;

/// The encoded instructions of one function, in order; pc `p` is byte `p`.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Code {
    bytes: Vec<u8>,
    len: usize,
}

/// An instruction whose operands do not match its opcode's operand kinds, so
/// it has no encoding.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("`{opcode}` cannot take operand {index} as given: {reason}")]
pub struct OperandMismatch {
    /// The instruction's opcode.
    pub opcode: Opcode,
    /// The first operand that does not fit (the count, if there are too many
    /// or too few).
    pub index: usize,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Code {
    /// Empty code.
    pub fn new() -> Code {
        Code::default()
    }

    /// The number of instructions.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no instructions.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The code's size in bytes: the pc after the last instruction.
    pub fn size(&self) -> u32 {
        self.bytes.len() as u32
    }

    /// The encoding, as it is written in a `.jbc` file.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Appends an instruction and returns its pc, or says which operand does
    /// not match the opcode's kinds (nothing is appended then).
    pub fn push(&mut self, inst: &Inst) -> Result<u32, OperandMismatch> {
        let kinds = inst.opcode.operands();
        let mismatch = |index, reason| OperandMismatch {
            opcode: inst.opcode,
            index,
            reason,
        };
        if kinds.len() != inst.operands.len() {
            return Err(mismatch(
                kinds.len().min(inst.operands.len()),
                "wrong operand count",
            ));
        }
        for (index, (kind, operand)) in kinds.iter().zip(&inst.operands).enumerate() {
            let fits = match (kind, operand) {
                (OperandKind::Def(_) | OperandKind::Use(_), Operand::Reg(_)) => true,
                (OperandKind::DevOp, Operand::Dev(_)) => true,
                (OperandKind::ImmI32, Operand::I32(_)) => true,
                (OperandKind::ImmI64, Operand::I64(_)) => true,
                (OperandKind::ImmF32, Operand::F32(_)) => true,
                (OperandKind::ImmF64, Operand::F64(_)) => true,
                (
                    OperandKind::Offset
                    | OperandKind::TrapCode
                    | OperandKind::Label
                    | OperandKind::Func
                    | OperandKind::Sig
                    | OperandKind::Global
                    | OperandKind::Data,
                    Operand::U32(_),
                ) => true,
                (OperandKind::LabelTable, Operand::Labels(l)) => {
                    if l.len() > MAX_BR_TABLE as usize {
                        return Err(mismatch(index, "more jump-table targets than the limit"));
                    }
                    true
                }
                (OperandKind::Results | OperandKind::Args, Operand::Regs(r)) => {
                    if r.len() > usize::from(u8::MAX) {
                        return Err(mismatch(index, "more than 255 registers in a list"));
                    }
                    true
                }
                _ => false,
            };
            if !fits {
                return Err(mismatch(index, "the operand's variant is not its kind's"));
            }
        }
        let pc = self.size();
        super::encode::encode_inst(inst, &mut self.bytes);
        self.len += 1;
        Ok(pc)
    }

    /// Takes bytes the decoder has walked: `len` complete instructions.
    pub(crate) fn from_walked(bytes: Vec<u8>, len: usize) -> Code {
        Code { bytes, len }
    }

    /// Overwrites the `u32` at byte `at` (a label operand the builder
    /// patches once the label is placed).
    pub(crate) fn patch_u32(&mut self, at: usize, value: u32) {
        self.bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    /// The instructions, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { code: self, pc: 0 }
    }

    /// The instructions with their pcs, in order.
    pub fn with_pcs(&self) -> impl Iterator<Item = (u32, Inst)> + '_ {
        let mut pc = 0u32;
        self.iter().map(move |inst| {
            let at = pc;
            pc += inst.encoded_size();
            (at, inst)
        })
    }

    /// The instruction at `pc`, which must be the pc of an instruction (as
    /// every verified target is); `None` past the end.
    pub fn at(&self, pc: u32) -> Option<Inst> {
        (pc < self.size()).then(|| self.decode_at(pc as usize).0)
    }

    /// The pc of every instruction in order, then the code's size, without
    /// decoding any operand.
    pub fn pcs(&self) -> Vec<u32> {
        let mut pcs = Vec::with_capacity(self.len + 1);
        pcs.extend(self.starts());
        pcs.push(self.size());
        pcs
    }

    /// The pc of every instruction in order, found without decoding any
    /// operand or allocating.
    pub fn starts(&self) -> impl Iterator<Item = u32> + '_ {
        let mut pc = 0usize;
        std::iter::from_fn(move || {
            (pc < self.bytes.len()).then(|| {
                let at = pc;
                pc += self.size_at(pc);
                at as u32
            })
        })
    }

    /// The encoded size of the instruction starting at byte `pc`.
    fn size_at(&self, pc: usize) -> usize {
        let b = &self.bytes;
        let opcode = Opcode::from_byte(b[pc]).expect("code holds known opcodes");
        let mut at = pc + 1;
        for kind in opcode.operands() {
            at += match kind {
                OperandKind::LabelTable => 4 + 4 * read_u32(b, at) as usize,
                OperandKind::Results | OperandKind::Args => 1 + 2 * usize::from(b[at]),
                kind => fixed_operand_size(*kind) as usize,
            };
        }
        at - pc
    }

    /// The instruction starting at byte `pc`, and the pc after it.
    fn decode_at(&self, pc: usize) -> (Inst, usize) {
        let b = &self.bytes;
        let opcode = Opcode::from_byte(b[pc]).expect("code holds known opcodes");
        let mut at = pc + 1;
        let kinds = opcode.operands();
        let mut operands = Vec::with_capacity(kinds.len());
        for kind in kinds {
            let (operand, size) = match kind {
                OperandKind::Def(_) | OperandKind::Use(_) => (Operand::Reg(read_u16(b, at)), 2),
                OperandKind::DevOp => (Operand::Dev(read_u16(b, at)), 2),
                OperandKind::ImmI32 => (Operand::I32(read_u32(b, at) as i32), 4),
                OperandKind::ImmF32 => (Operand::F32(read_u32(b, at)), 4),
                OperandKind::ImmI64 => (Operand::I64(read_u64(b, at) as i64), 8),
                OperandKind::ImmF64 => (Operand::F64(read_u64(b, at)), 8),
                OperandKind::Offset
                | OperandKind::TrapCode
                | OperandKind::Label
                | OperandKind::Func
                | OperandKind::Sig
                | OperandKind::Global
                | OperandKind::Data => (Operand::U32(read_u32(b, at)), 4),
                OperandKind::LabelTable => {
                    let n = read_u32(b, at) as usize;
                    let pcs = (0..n).map(|i| read_u32(b, at + 4 + 4 * i)).collect();
                    (Operand::Labels(pcs), 4 + 4 * n)
                }
                OperandKind::Results | OperandKind::Args => {
                    let n = usize::from(b[at]);
                    let regs = (0..n).map(|i| read_u16(b, at + 1 + 2 * i)).collect();
                    (Operand::Regs(regs), 1 + 2 * n)
                }
            };
            operands.push(operand);
            at += size;
        }
        (Inst { opcode, operands }, at)
    }
}

fn read_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("four bytes"))
}

fn read_u64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"))
}

/// The instructions of a [`Code`], decoded one at a time.
pub struct Iter<'a> {
    code: &'a Code,
    pc: usize,
}

impl Iterator for Iter<'_> {
    type Item = Inst;

    fn next(&mut self) -> Option<Inst> {
        if self.pc >= self.code.bytes.len() {
            return None;
        }
        let (inst, next) = self.code.decode_at(self.pc);
        self.pc = next;
        Some(inst)
    }
}

impl<'a> IntoIterator for &'a Code {
    type Item = Inst;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromIterator<Inst> for Code {
    /// Collects instructions into code.
    ///
    /// # Panics
    ///
    /// If an instruction's operands do not match its opcode
    /// ([`Code::push`] says which).
    fn from_iter<I: IntoIterator<Item = Inst>>(insts: I) -> Code {
        let mut code = Code::new();
        for inst in insts {
            if let Err(e) = code.push(&inst) {
                panic!("{e}");
            }
        }
        code
    }
}

impl From<Vec<Inst>> for Code {
    /// As [`FromIterator`], and with the same panic.
    fn from(insts: Vec<Inst>) -> Code {
        insts.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(opcode: Opcode, operands: Vec<Operand>) -> Inst {
        Inst { opcode, operands }
    }

    #[test]
    fn instructions_read_back_as_pushed_with_their_pcs() {
        let insts = vec![
            inst(Opcode::Nop, vec![]),
            inst(Opcode::I64Const, vec![Operand::Reg(3), Operand::I64(-5)]),
            inst(
                Opcode::BrTable,
                vec![
                    Operand::Reg(1),
                    Operand::U32(0),
                    Operand::Labels(vec![1, 12]),
                ],
            ),
            inst(Opcode::Ret, vec![Operand::Regs(vec![0, 2])]),
        ];
        let code: Code = insts.clone().into();
        assert_eq!(code.len(), 4);
        assert_eq!(code.iter().collect::<Vec<_>>(), insts);
        let sizes: Vec<u32> = insts.iter().map(Inst::encoded_size).collect();
        assert_eq!(sizes, [1, 11, 19, 6]);
        assert_eq!(code.pcs(), [0, 1, 12, 31, 37]);
        assert_eq!(code.size(), 37);
        assert_eq!(code.at(12), Some(insts[2].clone()));
        assert_eq!(code.at(37), None);
        let pcs: Vec<u32> = code.with_pcs().map(|(pc, _)| pc).collect();
        assert_eq!(pcs, [0, 1, 12, 31]);
    }

    #[test]
    fn an_instruction_without_an_encoding_is_refused_and_not_appended() {
        let mut code = Code::new();
        let wrong_kind = inst(Opcode::I32Const, vec![Operand::Reg(0), Operand::I64(1)]);
        assert_eq!(code.push(&wrong_kind).unwrap_err().index, 1);
        let too_few = inst(Opcode::I32Add, vec![Operand::Reg(0)]);
        assert_eq!(code.push(&too_few).unwrap_err().index, 1);
        let long_list = inst(Opcode::Ret, vec![Operand::Regs(vec![0; 256])]);
        assert_eq!(code.push(&long_list).unwrap_err().index, 0);
        assert!(code.is_empty());
        assert_eq!(code.size(), 0);
    }
}
