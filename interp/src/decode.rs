//! Bytecode to the interpreter's [`Op`]s: operands unpacked into frame
//! slots, jump targets turned into instruction offsets, register lists and
//! jump tables moved beside the code, and then the fusions of `fuse.rs`.

use crate::fuse;
use crate::op::{Delta, Op, Reg};
use janus_bytecode::bytecode::{
    self, Access, CallOp, Class, ControlOp, Extend, Inst, Operand, OperandKind, PureOp,
};
use janus_runtime::abi::{self, ValType};

/// A `br_table`'s targets, as instruction indices.
pub struct JumpTable {
    /// Where an index past the table goes.
    pub default: u32,
    /// Where each index goes.
    pub targets: Box<[u32]>,
}

/// A decoded function.
pub struct Function {
    /// Its instructions.
    pub code: Vec<Op>,
    /// The bytecode pc of each instruction, for traps.
    pub pcs: Vec<u32>,
    /// The register lists of its calls, returns and device operations.
    pub lists: Vec<Reg>,
    /// Its jump tables.
    pub tables: Vec<JumpTable>,
    /// How many register slots a call of it needs.
    pub registers: usize,
    /// What a call of it costs of the call stack (`abi::frame_bytes`).
    pub frame_bytes: u32,
    /// The frame slot of each bytecode register, [`UNUSED_SLOT`] for one
    /// its code never names: how the tiered interpreter hands a frame to
    /// compiled code, which numbers registers as the bytecode does.
    pub slot_of: Vec<Reg>,
    /// The index of its last op, a `ret` of slots `0..n` for its `n`
    /// results that no bytecode instruction becomes: where the tiered loop
    /// finishes a call that on-stack replacement moved to compiled code,
    /// once it has put the results there (a frame has at least `n` slots).
    pub osr_ret: u32,
    /// How many results it returns.
    pub nresults: usize,
}

/// What [`Function::slot_of`] holds for a register without a slot.
pub const UNUSED_SLOT: Reg = Slots::UNUSED;

/// Where each register of a function lives in its frame: the parameters
/// where the caller puts the arguments, then only the registers its code
/// names, in order. A function declaring 65,535 registers and using ten
/// gets a frame of ten slots, which each call zeroes.
struct Slots(Vec<Reg>);

impl Slots {
    /// No slot: a register the code never names.
    const UNUSED: Reg = Reg::MAX;

    fn of(f: &bytecode::Function, params: usize) -> (Slots, usize) {
        let mut slot = vec![Self::UNUSED; f.registers.len()];
        for (i, s) in slot.iter_mut().enumerate().take(params) {
            *s = i as Reg;
        }
        // At most 65,535 registers, so every slot is below `UNUSED`.
        let mut next = params as Reg;
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
        (Slots(slot), usize::from(next))
    }

    fn reg(&self, o: &Operand) -> Reg {
        match o {
            Operand::Reg(r) => self.0[usize::from(*r)],
            other => unreachable!("verified register operand, found {other:?}"),
        }
    }

    fn regs<'a>(&'a self, o: &'a Operand) -> impl Iterator<Item = Reg> + 'a {
        match o {
            Operand::Regs(r) => r.iter().map(|&r| self.0[usize::from(r)]),
            other => unreachable!("verified register list, found {other:?}"),
        }
    }
}

fn u32_of(o: &Operand) -> u32 {
    match o {
        Operand::U32(v) => *v,
        other => unreachable!("verified u32 operand, found {other:?}"),
    }
}

/// What decoding one instruction needs besides the instruction.
struct Context<'a> {
    slots: Slots,
    /// Instruction indices by pc.
    pcs: &'a [u32],
    /// The index of the instruction being decoded.
    index: u32,
}

/// What the decoded instructions keep beside the code.
#[derive(Default)]
struct Pools {
    lists: Vec<Reg>,
    tables: Vec<JumpTable>,
}

impl Pools {
    /// Appends register lists to `lists`; where they start.
    fn list<'o>(&mut self, slots: &Slots, operands: impl IntoIterator<Item = &'o Operand>) -> u32 {
        let start = self.lists.len() as u32;
        for o in operands {
            self.lists.extend(slots.regs(o));
        }
        start
    }
}

impl Context<'_> {
    /// The index of the instruction at `pc`, a verified target.
    fn index_of(&self, pc: u32) -> u32 {
        self.pcs
            .binary_search(&pc)
            .expect("verified targets start instructions") as u32
    }

    /// A jump to the instruction at `pc`, from the one being decoded.
    fn delta(&self, pc: u32) -> Delta {
        self.index_of(pc) as Delta - self.index as Delta
    }

    fn count(&self, o: &Operand) -> u8 {
        // Verified lists hold at most 255 registers (a `u8` count).
        self.slots.regs(o).count() as u8
    }
}

/// Decodes one verified function.
pub fn decode_function(module: &bytecode::Module, f: &bytecode::Function) -> Function {
    let params = module.signatures[f.sig as usize].params.len();
    let (slots, registers) = Slots::of(f, params);
    let nresults = module.signatures[f.sig as usize].results.len();
    let pcs = f.pcs();
    let mut cx = Context {
        slots,
        pcs: &pcs,
        index: 0,
    };
    let mut pools = Pools::default();
    let mut code: Vec<Op> = Vec::with_capacity(pcs.len());
    for (i, inst) in f.code.iter().enumerate() {
        cx.index = i as u32;
        code.push(decode_inst(&inst, &cx, &mut pools));
    }
    fuse::compare_branches(&mut code);
    fuse::constants(&mut code);
    fuse::adds(&mut code);
    fuse::pairs(&mut code);
    let osr_ret = code.len() as u32;
    let list = pools.lists.len() as u32;
    // At most 255 results (a `u8` count).
    pools.lists.extend((0..nresults).map(|i| i as Reg));
    code.push(Op::Ret {
        list,
        n: nresults as u8,
    });
    Function {
        code,
        slot_of: cx.slots.0,
        osr_ret,
        nresults,
        // The last op's pc: the end of the code (it never traps).
        pcs,
        lists: pools.lists,
        tables: pools.tables,
        registers: registers.max(nresults),
        frame_bytes: abi::frame_bytes(f.registers.len() as u32, f.code.size()),
    }
}

fn decode_inst(inst: &Inst, cx: &Context, pools: &mut Pools) -> Op {
    let o = &inst.operands;
    let op = inst.opcode;
    let s = &cx.slots;
    match op.class() {
        Class::Control(c) => decode_control(c, o, cx, pools),
        Class::Call(CallOp::Call) => Op::Call {
            callee: u32_of(&o[0]),
            nresults: cx.count(&o[1]),
            nargs: cx.count(&o[2]),
            list: pools.list(s, [&o[1], &o[2]]),
        },
        Class::Call(CallOp::CallIndirect) => Op::CallIndirect {
            sig: u32_of(&o[0]),
            index: s.reg(&o[1]),
            nresults: cx.count(&o[2]),
            nargs: cx.count(&o[3]),
            list: pools.list(s, [&o[2], &o[3]]),
        },
        Class::Device => Op::Dev {
            code: match o[0] {
                Operand::Dev(c) => c,
                _ => 0,
            },
            dst: s.regs(&o[1]).next(),
            nargs: cx.count(&o[2]),
            list: pools.list(s, [&o[2]]),
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
        Class::Load(access) => {
            let wide = match op.operands()[0] {
                OperandKind::Def(ValType::I64 | ValType::F64) => true,
                OperandKind::Def(ValType::I32 | ValType::F32) => false,
                other => unreachable!("a load starts with its destination, found {other:?}"),
            };
            decode_load(access, wide, s.reg(&o[0]), s.reg(&o[1]), u32_of(&o[2]))
        }
        Class::Store(access) => decode_store(access, s.reg(&o[0]), s.reg(&o[1]), u32_of(&o[2])),
        Class::Runtime(r) => {
            let kinds = op.operands();
            let has_dst = matches!(kinds.first(), Some(OperandKind::Def(_)));
            let mut args = [0; 3];
            let uses = kinds
                .iter()
                .zip(o)
                .filter(|(k, _)| matches!(k, OperandKind::Use(_)))
                .map(|(_, o)| s.reg(o));
            for (arg, r) in args.iter_mut().zip(uses) {
                *arg = r;
            }
            Op::Runtime {
                op: r,
                dst: has_dst.then(|| s.reg(&o[0])),
                args,
            }
        }
    }
}

/// A load by its access shape: a narrow signed load depends on the register
/// width it extends to; every other load is zero-extended bits.
fn decode_load(access: Access, wide: bool, dst: Reg, addr: Reg, offset: u32) -> Op {
    match (access.bytes, access.extend, wide) {
        (1, Extend::Zero, _) => Op::Load8U { dst, addr, offset },
        (2, Extend::Zero, _) => Op::Load16U { dst, addr, offset },
        (4, Extend::Full | Extend::Zero, _) | (4, Extend::Sign, false) => {
            Op::Load32 { dst, addr, offset }
        }
        (8, Extend::Full | Extend::Zero | Extend::Sign, _) => Op::Load64 { dst, addr, offset },
        (1, Extend::Sign, false) => Op::Load8S32 { dst, addr, offset },
        (2, Extend::Sign, false) => Op::Load16S32 { dst, addr, offset },
        (1, Extend::Sign, true) => Op::Load8S64 { dst, addr, offset },
        (2, Extend::Sign, true) => Op::Load16S64 { dst, addr, offset },
        (4, Extend::Sign, true) => Op::Load32S64 { dst, addr, offset },
        (bytes, extend, _) => {
            unreachable!("the opcode table has no {bytes}-byte {extend:?} load")
        }
    }
}

/// A store by its width: it writes the value's low bytes.
fn decode_store(access: Access, src: Reg, addr: Reg, offset: u32) -> Op {
    match access.bytes {
        1 => Op::Store8 { src, addr, offset },
        2 => Op::Store16 { src, addr, offset },
        4 => Op::Store32 { src, addr, offset },
        8 => Op::Store64 { src, addr, offset },
        bytes => unreachable!("the opcode table has no {bytes}-byte store"),
    }
}

fn decode_control(c: ControlOp, o: &[Operand], cx: &Context, pools: &mut Pools) -> Op {
    let s = &cx.slots;
    match c {
        ControlOp::Nop => Op::Nop,
        ControlOp::Jump => Op::Jump {
            target: cx.delta(u32_of(&o[0])),
        },
        ControlOp::BrIf => Op::BrIf {
            cond: s.reg(&o[0]),
            target: cx.delta(u32_of(&o[1])),
        },
        ControlOp::BrIfz => Op::BrIfz {
            cond: s.reg(&o[0]),
            target: cx.delta(u32_of(&o[1])),
        },
        ControlOp::BrTable => {
            let index = s.reg(&o[0]);
            let table = JumpTable {
                default: cx.index_of(u32_of(&o[1])),
                targets: match &o[2] {
                    Operand::Labels(pcs) => pcs.iter().map(|&pc| cx.index_of(pc)).collect(),
                    other => unreachable!("verified jump table, found {other:?}"),
                },
            };
            pools.tables.push(table);
            Op::BrTable {
                index,
                table: pools.tables.len() as u32 - 1,
            }
        }
        ControlOp::Ret => Op::Ret {
            n: cx.count(&o[0]),
            list: pools.list(s, [&o[0]]),
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

macro_rules! define_decode_pure {
    (()
     binary { $($bin:ident $bin_imm:ident;)* }
     reversed { $($reversed:tt)* }
     compare { $($cmp:ident $cmp_imm:ident $cmp_br:ident $cmp_imm_br:ident;)* }
     step_compare { $($step_compare:tt)* }
     test { $($test:ident $test_br:ident;)* }
     unary { $($un:ident;)* }
     select { $($sel:ident;)* }
     pair { $($pair:tt)* }
     load { $($load:tt)* }
     store { $($store:tt)* }
    ) => {
        /// A pure operation: its own variant, by the shape table.
        fn decode_pure(p: PureOp, o: &[Operand], s: &Slots) -> Op {
            let r = |i: usize| s.reg(&o[i]);
            match p {
                $(PureOp::$bin => Op::$bin { dst: r(0), a: r(1), b: r(2) },)*
                $(PureOp::$cmp => Op::$cmp { dst: r(0), a: r(1), b: r(2) },)*
                $(PureOp::$test => Op::$test { dst: r(0), a: r(1) },)*
                $(PureOp::$un => Op::$un { dst: r(0), a: r(1) },)*
                $(PureOp::$sel => Op::$sel { dst: r(0), cond: r(1), a: r(2), b: r(3) },)*
            }
        }
    };
}

for_each_shape!(define_decode_pure);

#[cfg(test)]
mod tests {
    use super::*;
    use janus_bytecode::bytecode::Opcode;

    /// Every load and store of the opcode table has a shape.
    #[test]
    fn every_access_decodes() {
        for &op in Opcode::ALL {
            match op.class() {
                Class::Load(access) => {
                    for wide in [false, true] {
                        decode_load(access, wide, 0, 1, 2);
                    }
                }
                Class::Store(access) => {
                    decode_store(access, 0, 1, 2);
                }
                _ => {}
            }
        }
    }
}
