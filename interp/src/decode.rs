//! Bytecode to the interpreter's [`Op`]s: operands unpacked, jump targets
//! turned into instruction indices, hot operations given their own variant.

use janus_bytecode::bytecode::{
    self, CallOp, Class, ControlOp, Inst, Opcode, Operand, OperandKind, PureOp, RuntimeOp,
};
use janus_runtime::abi;

/// Comparisons fused with the branch that follows them.
#[derive(Clone, Copy, Debug)]
pub enum Cmp {
    I32LtS,
    I32LeS,
    I32LtU,
    I32Ne,
    I32Eq,
    I64LtS,
    I64LeS,
}

/// Arithmetic fused with the constant that feeds its second operand.
#[derive(Clone, Copy, Debug)]
pub enum Bin {
    I32Add,
    I32Sub,
    I64Add,
    I64Sub,
}

/// One pre-decoded instruction. Register operands are frame slots
/// ([`Slots`]).
#[derive(Clone, Debug)]
pub enum Op {
    /// `const c, bits` then `bin dst, a, c`: writes both and skips the
    /// second instruction (which stays in place for jumps to it).
    ConstBin {
        c: u32,
        bits: u64,
        bin: Bin,
        dst: u32,
        a: u32,
    },
    /// `const c, bits` then a fused compare-and-branch reading `c` as its
    /// second operand: writes `c`, the comparison, and branches or skips both.
    ConstCmpBr {
        c: u32,
        bits: u64,
        cmp: Cmp,
        dst: u32,
        a: u32,
        target: u32,
        branch_if: bool,
    },
    /// A comparison whose result the next instruction (`br_if`/`br_ifz` on
    /// `dst`) branches on: writes `dst`, then jumps to `target` when the
    /// result equals `branch_if`, else skips the branch. The branch stays in
    /// place for code that jumps to it directly.
    CmpBr {
        cmp: Cmp,
        dst: u32,
        a: u32,
        b: u32,
        target: u32,
        branch_if: bool,
    },
    Nop,
    Const {
        dst: u32,
        bits: u64,
    },
    Mov {
        dst: u32,
        src: u32,
    },
    GlobalGet {
        dst: u32,
        global: u32,
    },
    GlobalSet {
        global: u32,
        src: u32,
    },
    I32Add {
        dst: u32,
        a: u32,
        b: u32,
    },
    I32Sub {
        dst: u32,
        a: u32,
        b: u32,
    },
    I32Mul {
        dst: u32,
        a: u32,
        b: u32,
    },
    I64Add {
        dst: u32,
        a: u32,
        b: u32,
    },
    I64Sub {
        dst: u32,
        a: u32,
        b: u32,
    },
    I64Mul {
        dst: u32,
        a: u32,
        b: u32,
    },
    F64Add {
        dst: u32,
        a: u32,
        b: u32,
    },
    F64Sub {
        dst: u32,
        a: u32,
        b: u32,
    },
    F64Mul {
        dst: u32,
        a: u32,
        b: u32,
    },
    I32LtS {
        dst: u32,
        a: u32,
        b: u32,
    },
    I32LeS {
        dst: u32,
        a: u32,
        b: u32,
    },
    I32LtU {
        dst: u32,
        a: u32,
        b: u32,
    },
    I64LtS {
        dst: u32,
        a: u32,
        b: u32,
    },
    I64LeS {
        dst: u32,
        a: u32,
        b: u32,
    },
    Pure {
        op: PureOp,
        dst: u32,
        args: [u32; 3],
        n: u8,
    },
    Load {
        op: Opcode,
        dst: u32,
        addr: u32,
        offset: u32,
    },
    Store {
        op: Opcode,
        value: u32,
        addr: u32,
        offset: u32,
    },
    Jump {
        target: u32,
    },
    BrIf {
        cond: u32,
        target: u32,
    },
    BrIfz {
        cond: u32,
        target: u32,
    },
    BrTable {
        index: u32,
        default: u32,
        table: Box<[u32]>,
    },
    /// A call: `lists` holds the `nresults` result registers, then the
    /// arguments (one list, so the operation stays 40 bytes).
    Call {
        callee: u32,
        nresults: u32,
        lists: Box<[u32]>,
    },
    CallIndirect {
        sig: u32,
        index: u32,
        callee: u32,
        nresults: u32,
        lists: Box<[u32]>,
    },
    Ret {
        values: Box<[u32]>,
    },
    Exit {
        status: u32,
    },
    Trap {
        code: u32,
    },
    Unreachable,
    Dev {
        code: u16,
        dst: Option<u32>,
        args: Box<[u32]>,
    },
    Runtime {
        op: RuntimeOp,
        dst: Option<u32>,
        args: [u32; 3],
    },
    MemoryInit {
        segment: u32,
        dst: u32,
        src: u32,
        len: u32,
    },
    DataDrop {
        segment: u32,
    },
}

/// A decoded function.
pub struct Function {
    /// Its instructions.
    pub code: Vec<Op>,
    /// The bytecode pc of each instruction, for traps.
    pub pcs: Vec<u32>,
    /// How many register slots a call of it needs.
    pub registers: usize,
    /// What a call of it costs of the call stack (`abi::frame_bytes`).
    pub frame_bytes: u32,
}

/// Where each register of a function lives in its frame: the parameters
/// where the caller puts the arguments, then only the registers its code
/// names, in order. A function declaring 65,535 registers and using ten
/// gets a frame of ten slots, which each call zeroes.
struct Slots(Vec<u32>);

impl Slots {
    /// No slot: a register the code never names.
    const UNUSED: u32 = u32::MAX;

    fn of(f: &bytecode::Function, params: usize) -> (Slots, usize) {
        let mut slot = vec![Self::UNUSED; f.registers.len()];
        for (i, s) in slot.iter_mut().enumerate().take(params) {
            *s = i as u32;
        }
        let mut next = params as u32;
        let mut take = |r: u16| {
            let s = &mut slot[usize::from(r)];
            if *s == Self::UNUSED {
                *s = next;
                next += 1;
            }
        };
        for inst in f.code.iter() {
            for operand in &inst.operands {
                match operand {
                    Operand::Reg(r) => take(*r),
                    Operand::Regs(list) => list.iter().for_each(|&r| take(r)),
                    _ => {}
                }
            }
        }
        (Slots(slot), next as usize)
    }

    fn reg(&self, o: &Operand) -> u32 {
        match o {
            Operand::Reg(r) => self.0[usize::from(*r)],
            other => unreachable!("verified register operand, found {other:?}"),
        }
    }

    fn regs(&self, o: &Operand) -> Box<[u32]> {
        match o {
            Operand::Regs(r) => r.iter().map(|&r| self.0[usize::from(r)]).collect(),
            other => unreachable!("verified register list, found {other:?}"),
        }
    }

    /// A call's result and argument lists as one: the number of results,
    /// then the results followed by the arguments.
    fn call_lists(&self, results: &Operand, args: &Operand) -> (u32, Box<[u32]>) {
        let results = self.regs(results);
        let nresults = results.len() as u32;
        (
            nresults,
            results
                .iter()
                .chain(self.regs(args).iter())
                .copied()
                .collect(),
        )
    }
}

fn u32_of(o: &Operand) -> u32 {
    match o {
        Operand::U32(v) => *v,
        other => unreachable!("verified u32 operand, found {other:?}"),
    }
}

/// Decodes one verified function.
pub fn decode_function(module: &bytecode::Module, f: &bytecode::Function) -> Function {
    let params = module.signatures[f.sig as usize].params.len();
    let (slots, registers) = Slots::of(f, params);
    let pcs = f.pcs();
    let index_of = |pc: u32| {
        pcs.binary_search(&pc)
            .expect("verified targets start instructions") as u32
    };
    let mut code: Vec<Op> = f
        .code
        .iter()
        .map(|inst| decode_inst(module, &inst, &index_of, &slots))
        .collect();
    fuse_compare_branches(&mut code);
    fuse_constants(&mut code);
    Function {
        code,
        pcs: pcs[..pcs.len() - 1].to_vec(),
        registers,
        frame_bytes: abi::frame_bytes(f.registers.len() as u32, f.code.size()),
    }
}

fn decode_inst(
    module: &bytecode::Module,
    inst: &Inst,
    index_of: &dyn Fn(u32) -> u32,
    s: &Slots,
) -> Op {
    let o = &inst.operands;
    let op = inst.opcode;
    match op.class() {
        Class::Control(c) => decode_control(c, o, index_of, s),
        Class::Call(CallOp::Call) => {
            let (nresults, lists) = s.call_lists(&o[1], &o[2]);
            Op::Call {
                callee: u32_of(&o[0]),
                nresults,
                lists,
            }
        }
        Class::Call(CallOp::CallIndirect) => {
            let _ = module;
            let (nresults, lists) = s.call_lists(&o[2], &o[3]);
            Op::CallIndirect {
                sig: u32_of(&o[0]),
                index: s.reg(&o[1]),
                callee: 0,
                nresults,
                lists,
            }
        }
        Class::Device => Op::Dev {
            code: match o[0] {
                Operand::Dev(c) => c,
                _ => 0,
            },
            dst: s.regs(&o[1]).first().copied(),
            args: s.regs(&o[2]),
        },
        Class::Constant => Op::Const {
            dst: s.reg(&o[0]),
            bits: match o[1] {
                Operand::I32(v) => u64::from(v as u32),
                Operand::I64(v) => v as u64,
                Operand::F32(v) => u64::from(v),
                Operand::F64(v) => v,
                _ => 0,
            },
        },
        Class::Copy => Op::Mov {
            dst: s.reg(&o[0]),
            src: s.reg(&o[1]),
        },
        Class::GlobalGet => Op::GlobalGet {
            dst: s.reg(&o[0]),
            global: u32_of(&o[1]),
        },
        Class::GlobalSet => Op::GlobalSet {
            global: u32_of(&o[0]),
            src: s.reg(&o[1]),
        },
        Class::MemoryInit => Op::MemoryInit {
            segment: u32_of(&o[0]),
            dst: s.reg(&o[1]),
            src: s.reg(&o[2]),
            len: s.reg(&o[3]),
        },
        Class::DataDrop => Op::DataDrop {
            segment: u32_of(&o[0]),
        },
        Class::Pure(p) => decode_pure(p, o, s),
        Class::Load(_) => Op::Load {
            op,
            dst: s.reg(&o[0]),
            addr: s.reg(&o[1]),
            offset: u32_of(&o[2]),
        },
        Class::Store(_) => Op::Store {
            op,
            value: s.reg(&o[0]),
            addr: s.reg(&o[1]),
            offset: u32_of(&o[2]),
        },
        Class::Runtime(r) => {
            let kinds = op.operands();
            let has_dst = matches!(kinds.first(), Some(OperandKind::Def(_)));
            let mut args = [0u32; 3];
            let uses: Vec<u32> = kinds
                .iter()
                .zip(o)
                .filter(|(k, _)| matches!(k, OperandKind::Use(_)))
                .map(|(_, o)| s.reg(o))
                .collect();
            args[..uses.len()].copy_from_slice(&uses);
            Op::Runtime {
                op: r,
                dst: has_dst.then(|| s.reg(&o[0])),
                args,
            }
        }
    }
}

fn decode_control(c: ControlOp, o: &[Operand], index_of: &dyn Fn(u32) -> u32, s: &Slots) -> Op {
    match c {
        ControlOp::Nop => Op::Nop,
        ControlOp::Jump => Op::Jump {
            target: index_of(u32_of(&o[0])),
        },
        ControlOp::BrIf => Op::BrIf {
            cond: s.reg(&o[0]),
            target: index_of(u32_of(&o[1])),
        },
        ControlOp::BrIfz => Op::BrIfz {
            cond: s.reg(&o[0]),
            target: index_of(u32_of(&o[1])),
        },
        ControlOp::BrTable => Op::BrTable {
            index: s.reg(&o[0]),
            default: index_of(u32_of(&o[1])),
            table: match &o[2] {
                Operand::Labels(pcs) => pcs.iter().map(|&pc| index_of(pc)).collect(),
                other => unreachable!("verified jump table, found {other:?}"),
            },
        },
        ControlOp::Ret => Op::Ret {
            values: s.regs(&o[0]),
        },
        ControlOp::Exit => Op::Exit {
            status: s.reg(&o[0]),
        },
        ControlOp::Trap => Op::Trap {
            code: u32_of(&o[0]),
        },
        ControlOp::Unreachable => Op::Unreachable,
    }
}

/// A pure operation: its own variant if it has a fast path, else the
/// general `Pure` that calls `semantics::eval`. (Every pure operation is
/// correct as `Pure`, so the operations without a fast path need no arm.)
fn decode_pure(p: PureOp, o: &[Operand], s: &Slots) -> Op {
    let three = |make: fn(u32, u32, u32) -> Op| make(s.reg(&o[0]), s.reg(&o[1]), s.reg(&o[2]));
    match p {
        PureOp::I32Add => three(|dst, a, b| Op::I32Add { dst, a, b }),
        PureOp::I32Sub => three(|dst, a, b| Op::I32Sub { dst, a, b }),
        PureOp::I32Mul => three(|dst, a, b| Op::I32Mul { dst, a, b }),
        PureOp::I64Add => three(|dst, a, b| Op::I64Add { dst, a, b }),
        PureOp::I64Sub => three(|dst, a, b| Op::I64Sub { dst, a, b }),
        PureOp::I64Mul => three(|dst, a, b| Op::I64Mul { dst, a, b }),
        PureOp::F64Add => three(|dst, a, b| Op::F64Add { dst, a, b }),
        PureOp::F64Sub => three(|dst, a, b| Op::F64Sub { dst, a, b }),
        PureOp::F64Mul => three(|dst, a, b| Op::F64Mul { dst, a, b }),
        PureOp::I32LtS => three(|dst, a, b| Op::I32LtS { dst, a, b }),
        PureOp::I32LeS => three(|dst, a, b| Op::I32LeS { dst, a, b }),
        PureOp::I32LtU => three(|dst, a, b| Op::I32LtU { dst, a, b }),
        PureOp::I64LtS => three(|dst, a, b| Op::I64LtS { dst, a, b }),
        PureOp::I64LeS => three(|dst, a, b| Op::I64LeS { dst, a, b }),
        _ => {
            let mut args = [0u32; 3];
            let n = o.len() - 1;
            for (i, a) in o[1..].iter().enumerate() {
                args[i] = s.reg(a);
            }
            Op::Pure {
                op: p,
                dst: s.reg(&o[0]),
                args,
                n: n as u8,
            }
        }
    }
}

/// Turns a comparison followed by a branch on its result into one `CmpBr`.
fn fuse_compare_branches(code: &mut [Op]) {
    for i in 0..code.len().saturating_sub(1) {
        let (cond, target, branch_if) = match code[i + 1] {
            Op::BrIf { cond, target } => (cond, target, true),
            Op::BrIfz { cond, target } => (cond, target, false),
            _ => continue,
        };
        let (cmp, dst, a, b) = match code[i] {
            Op::I32LtS { dst, a, b } => (Cmp::I32LtS, dst, a, b),
            Op::I32LeS { dst, a, b } => (Cmp::I32LeS, dst, a, b),
            Op::I32LtU { dst, a, b } => (Cmp::I32LtU, dst, a, b),
            Op::I64LtS { dst, a, b } => (Cmp::I64LtS, dst, a, b),
            Op::I64LeS { dst, a, b } => (Cmp::I64LeS, dst, a, b),
            Op::Pure {
                op: PureOp::I32Ne,
                dst,
                args,
                ..
            } => (Cmp::I32Ne, dst, args[0], args[1]),
            Op::Pure {
                op: PureOp::I32Eq,
                dst,
                args,
                ..
            } => (Cmp::I32Eq, dst, args[0], args[1]),
            _ => continue,
        };
        if dst == cond {
            code[i] = Op::CmpBr {
                cmp,
                dst,
                a,
                b,
                target,
                branch_if,
            };
        }
    }
}

/// Folds a constant into the arithmetic or compare-and-branch after it that
/// reads it as the second operand.
fn fuse_constants(code: &mut [Op]) {
    for i in 0..code.len().saturating_sub(1) {
        let Op::Const { dst: c, bits } = code[i] else {
            continue;
        };
        let fused = match code[i + 1] {
            Op::I32Add { dst, a, b } if b == c && a != c => Op::ConstBin {
                c,
                bits,
                bin: Bin::I32Add,
                dst,
                a,
            },
            Op::I32Sub { dst, a, b } if b == c && a != c => Op::ConstBin {
                c,
                bits,
                bin: Bin::I32Sub,
                dst,
                a,
            },
            Op::I64Add { dst, a, b } if b == c && a != c => Op::ConstBin {
                c,
                bits,
                bin: Bin::I64Add,
                dst,
                a,
            },
            Op::I64Sub { dst, a, b } if b == c && a != c => Op::ConstBin {
                c,
                bits,
                bin: Bin::I64Sub,
                dst,
                a,
            },
            Op::CmpBr {
                cmp,
                dst,
                a,
                b,
                target,
                branch_if,
            } if b == c && a != c => Op::ConstCmpBr {
                c,
                bits,
                cmp,
                dst,
                a,
                target,
                branch_if,
            },
            _ => continue,
        };
        code[i] = fused;
    }
}

#[cfg(test)]
mod tests {
    /// The dispatch loop's working set: a call's result and argument
    /// registers share one list so that no operation grows past 40 bytes.
    #[test]
    fn an_operation_is_40_bytes() {
        assert_eq!(std::mem::size_of::<super::Op>(), 40);
    }
}
