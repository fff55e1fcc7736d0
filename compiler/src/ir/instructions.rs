//! What an IR instruction is. The instruction set is small: pure operations
//! reuse the bytecode's opcodes (so each ALU operation and conversion is
//! defined once, in the bytecode table and `docs/ISA.md`), and everything the
//! VM does beyond computing a value is a separate, visible instruction: every
//! trap the program can hit (`trapz`, `trapnz`, `bounds`, `table_check`,
//! `depth_enter`, `trap`), every call into the runtime, every branch with its
//! block arguments.
//!
//! Pure operations that the VM defines to trap (integer division and
//! remainder, checked float-to-int conversion) carry a precondition in the
//! IR: construction always puts the checks that establish it in front of them,
//! and a pass removes a check only when it can prove it. The LLVM lowering
//! relies on those checks and emits no checks of its own for them.

use super::entities::{Block, FuncRef, Value};
use crate::bytecode::{Opcode, OperandKind, PureOp, RuntimeOp, Signature};
use janus_runtime::abi::{TrapKind, ValType};

/// A branch destination and the arguments bound to its block parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BlockCall {
    /// The destination.
    pub block: Block,
    /// One argument per parameter of `block`.
    pub args: Vec<Value>,
}

/// One instruction's operation and operands.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InstData {
    /// `v = const.T LIT`: a constant, kept as bits (floats exact, NaN payloads too).
    Const {
        /// The type.
        ty: ValType,
        /// The bits, zero-extended to 64.
        bits: u64,
    },
    /// `v = i32.add a, b` and every other ALU operation, comparison, select or
    /// conversion of the bytecode, with the bytecode's semantics.
    Pure {
        /// A bytecode opcode of the `pure` class.
        op: PureOp,
        /// One value per `Use` operand.
        args: Vec<Value>,
    },
    /// `v = i32.load addr, offset`: a load whose bounds a `bounds` before it
    /// has checked.
    Load {
        /// A bytecode load opcode.
        op: Opcode,
        /// The address value.
        addr: Value,
        /// The constant offset.
        offset: u32,
    },
    /// `i32.store value, addr, offset`: a store whose bounds are checked.
    Store {
        /// A bytecode store opcode.
        op: Opcode,
        /// The stored value.
        value: Value,
        /// The address value.
        addr: Value,
        /// The constant offset.
        offset: u32,
    },
    /// `v = global.get.T gN`: the value of global N, of type T.
    GlobalGet {
        /// The global's type.
        ty: ValType,
        /// The global's index in the module.
        global: u32,
    },
    /// `global.set gN, v`: writes a mutable global.
    GlobalSet {
        /// The global's index in the module.
        global: u32,
        /// The value written.
        value: Value,
    },
    /// `bounds addr, end`: traps `out_of_bounds` unless
    /// `zext(addr) + end <= memory size`; `end` is offset plus access size.
    Bounds {
        /// The address value.
        addr: Value,
        /// The access's end relative to `addr`.
        end: u64,
    },
    /// `trapz c, kind` (traps when `c == 0`) or `trapnz c, kind` (when `c != 0`).
    TrapIf {
        /// The trap.
        kind: TrapKind,
        /// An `i32` condition, or an `i64` (a divisor tested for zero).
        cond: Value,
        /// Trap when the condition is non-zero (`trapnz`) rather than zero.
        nonzero: bool,
    },
    /// `depth_enter`: counts a call; traps `stack_overflow` past the limit.
    DepthEnter,
    /// `depth_leave`: uncounts it after the callee returned.
    DepthLeave,
    /// `v = call f(args)`, or `v1, v2 = call f(args)` for a callee with
    /// several results (none: `call f(args)`).
    Call {
        /// The callee.
        func: FuncRef,
        /// One value per parameter.
        args: Vec<Value>,
    },
    /// `table_check index, (sig)`: traps `table_out_of_bounds`,
    /// `null_table_entry` or `signature_mismatch`, checked in that order,
    /// unless table entry `index` holds a function of signature `sig`.
    TableCheck {
        /// The expected signature (boxed, as in `CallIndirect`).
        sig: Box<Signature>,
        /// The `i32` table index.
        index: Value,
    },
    /// `v = call_indirect (sig), index(args)`: a call through the table,
    /// after its `table_check`; its results are the signature's, as a
    /// `call`'s.
    CallIndirect {
        /// The callee's signature, boxed so that this rare instruction does
        /// not make every instruction larger (a signature with its result
        /// list is 48 bytes).
        sig: Box<Signature>,
        /// The `i32` table index.
        index: Value,
        /// One value per parameter.
        args: Vec<Value>,
    },
    /// `v = memory.grow n`, `heap.free a` and the other memory and heap
    /// instructions: calls into the runtime, which traps where the VM does.
    Runtime {
        /// A bytecode opcode of the `runtime` class (`memory.*`, `heap.*`).
        op: RuntimeOp,
        /// One value per `Use` operand of the opcode.
        args: Vec<Value>,
    },
    /// `memory.init dataN, dst, src, len`: copies `len` bytes of data
    /// segment N from offset `src` to memory at `dst`, through the runtime,
    /// which traps `out_of_bounds` (copying nothing) where the VM does.
    MemoryInit {
        /// The data segment's index in the module.
        segment: u32,
        /// The `i32` destination address, offset in the segment and length.
        args: [Value; 3],
    },
    /// `data.drop dataN`: releases data segment N's bytes (through the
    /// runtime); a later `memory.init` of it sees it empty.
    DataDrop {
        /// The data segment's index in the module.
        segment: u32,
    },
    /// `v = dev console.write(a, b, c)`: a device operation.
    Dev {
        /// The device operation's code.
        op: u16,
        /// One value per parameter.
        args: Vec<Value>,
    },
    /// `jump block(args)`.
    Jump {
        /// Where to.
        dest: BlockCall,
    },
    /// `brif c, then(args), else(args)`: to `then` when the `i32` `c` is
    /// non-zero.
    Brif {
        /// The condition.
        cond: Value,
        /// Taken when non-zero.
        then_dest: BlockCall,
        /// Taken when zero.
        else_dest: BlockCall,
    },
    /// `br_table i, default(args), [a(args), ...]`.
    BrTable {
        /// The `i32` index, unsigned.
        index: Value,
        /// Taken when the index is out of the table.
        default: BlockCall,
        /// The table.
        targets: Vec<BlockCall>,
    },
    /// `return args`.
    Return {
        /// The returned values, one per result of the function.
        args: Vec<Value>,
    },
    /// `exit status`: ends the program.
    Exit {
        /// The `i32` status.
        status: Value,
    },
    /// `trap kind [code]`: stops the program.
    Trap {
        /// The trap.
        kind: TrapKind,
        /// The program's code, for `user` traps.
        code: u32,
    },
}

impl InstData {
    /// Whether the instruction ends its block.
    pub fn is_terminator(&self) -> bool {
        matches!(
            self,
            InstData::Jump { .. }
                | InstData::Brif { .. }
                | InstData::BrTable { .. }
                | InstData::Return { .. }
                | InstData::Exit { .. }
                | InstData::Trap { .. }
        )
    }

    /// Whether removing the instruction when its result is unused changes
    /// nothing observable: it cannot trap, write memory or talk to a device.
    /// Division and checked conversions are pure here because their traps
    /// are separate instructions.
    pub fn is_pure(&self) -> bool {
        matches!(
            self,
            InstData::Const { .. }
                | InstData::Pure { .. }
                | InstData::Load { .. }
                | InstData::GlobalGet { .. }
        ) || matches!(
            self,
            InstData::Runtime {
                op: RuntimeOp::MemorySize,
                ..
            }
        )
    }

    /// The values the instruction reads, in operand order (branch arguments last).
    pub fn args(&self) -> Vec<Value> {
        let mut out = Vec::new();
        self.for_each_arg(|v| out.push(v));
        out
    }

    /// Calls `f` on each value the instruction reads.
    pub fn for_each_arg(&self, mut f: impl FnMut(Value)) {
        let f = &mut f;
        let each = |vs: &[Value], f: &mut dyn FnMut(Value)| vs.iter().for_each(|&v| f(v));
        match self {
            InstData::Const { .. }
            | InstData::GlobalGet { .. }
            | InstData::DataDrop { .. }
            | InstData::DepthEnter
            | InstData::DepthLeave
            | InstData::Trap { .. } => {}
            InstData::Pure { args, .. }
            | InstData::Call { args, .. }
            | InstData::Runtime { args, .. }
            | InstData::Dev { args, .. }
            | InstData::Return { args } => each(args, f),
            InstData::MemoryInit { args, .. } => each(args, f),
            InstData::GlobalSet { value, .. } => f(*value),
            InstData::Load { addr, .. } | InstData::Bounds { addr, .. } => f(*addr),
            InstData::Store { value, addr, .. } => {
                f(*value);
                f(*addr);
            }
            InstData::TrapIf { cond, .. } => f(*cond),
            InstData::TableCheck { index, .. } => f(*index),
            InstData::CallIndirect { index, args, .. } => {
                f(*index);
                each(args, f);
            }
            InstData::Exit { status } => f(*status),
            InstData::Jump { dest } => each(&dest.args, f),
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                f(*cond);
                each(&then_dest.args, f);
                each(&else_dest.args, f);
            }
            InstData::BrTable {
                index,
                default,
                targets,
            } => {
                f(*index);
                each(&default.args, f);
                for t in targets {
                    each(&t.args, f);
                }
            }
        }
    }

    /// Replaces each value the instruction reads by `f(value)`.
    pub fn map_args(&mut self, mut f: impl FnMut(Value) -> Value) {
        let f = &mut f;
        let each = |vs: &mut [Value], f: &mut dyn FnMut(Value) -> Value| {
            vs.iter_mut().for_each(|v| *v = f(*v))
        };
        match self {
            InstData::Const { .. }
            | InstData::GlobalGet { .. }
            | InstData::DataDrop { .. }
            | InstData::DepthEnter
            | InstData::DepthLeave
            | InstData::Trap { .. } => {}
            InstData::Pure { args, .. }
            | InstData::Call { args, .. }
            | InstData::Runtime { args, .. }
            | InstData::Dev { args, .. }
            | InstData::Return { args } => each(args, f),
            InstData::MemoryInit { args, .. } => each(args, f),
            InstData::GlobalSet { value, .. } => *value = f(*value),
            InstData::Load { addr, .. } | InstData::Bounds { addr, .. } => *addr = f(*addr),
            InstData::Store { value, addr, .. } => {
                *value = f(*value);
                *addr = f(*addr);
            }
            InstData::TrapIf { cond, .. } => *cond = f(*cond),
            InstData::TableCheck { index, .. } => *index = f(*index),
            InstData::CallIndirect { index, args, .. } => {
                *index = f(*index);
                each(args, f);
            }
            InstData::Exit { status } => *status = f(*status),
            InstData::Jump { dest } => each(&mut dest.args, f),
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                *cond = f(*cond);
                each(&mut then_dest.args, f);
                each(&mut else_dest.args, f);
            }
            InstData::BrTable {
                index,
                default,
                targets,
            } => {
                *index = f(*index);
                each(&mut default.args, f);
                for t in targets {
                    each(&mut t.args, f);
                }
            }
        }
    }

    /// The branch destinations, in order (a block may appear more than once).
    pub fn destinations(&self) -> Vec<&BlockCall> {
        match self {
            InstData::Jump { dest } => vec![dest],
            InstData::Brif {
                then_dest,
                else_dest,
                ..
            } => vec![then_dest, else_dest],
            InstData::BrTable {
                default, targets, ..
            } => std::iter::once(default).chain(targets).collect(),
            _ => Vec::new(),
        }
    }

    /// The branch destinations, mutably.
    pub fn destinations_mut(&mut self) -> Vec<&mut BlockCall> {
        match self {
            InstData::Jump { dest } => vec![dest],
            InstData::Brif {
                then_dest,
                else_dest,
                ..
            } => vec![then_dest, else_dest],
            InstData::BrTable {
                default, targets, ..
            } => std::iter::once(default).chain(targets.iter_mut()).collect(),
            _ => Vec::new(),
        }
    }

    /// The instruction's own trap, if it has one (for showing where traps
    /// can happen).
    pub fn trap(&self) -> Option<TrapKind> {
        match self {
            InstData::Bounds { .. } | InstData::MemoryInit { .. } => Some(TrapKind::OutOfBounds),
            InstData::TrapIf { kind, .. } | InstData::Trap { kind, .. } => Some(*kind),
            InstData::DepthEnter => Some(TrapKind::StackOverflow),
            InstData::TableCheck { .. } => Some(TrapKind::TableOutOfBounds),
            _ => None,
        }
    }
}

/// The result type of a bytecode opcode used as a pure operation, load or
/// runtime call: the type of its `Def` operand.
pub fn def_type(op: impl Into<Opcode>) -> Option<ValType> {
    def_types(op).first().copied()
}

/// [`def_type`] as a list of none or one type, borrowed from the opcode
/// table.
pub fn def_types(op: impl Into<Opcode>) -> &'static [ValType] {
    op.into()
        .operands()
        .iter()
        .find_map(|k| match k {
            OperandKind::Def(t) => Some(std::slice::from_ref(t)),
            _ => None,
        })
        .unwrap_or(&[])
}

/// The argument types of a bytecode opcode used in the IR: its `Use` operands.
pub fn use_types(op: impl Into<Opcode>) -> Vec<ValType> {
    op.into()
        .operands()
        .iter()
        .filter_map(|k| match k {
            OperandKind::Use(t) => Some(*t),
            _ => None,
        })
        .collect()
}
