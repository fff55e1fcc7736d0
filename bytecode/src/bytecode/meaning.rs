//! What an instruction means to the stages after the decoder: the types the
//! opcode table's meaning columns are written in ([`Class`], [`Access`],
//! [`Extend`], [`TrapCondition`], [`ConversionRange`]).
//!
//! The classes are the distinctions the stages really make, no finer: the
//! IR builder, the IR verifier and parser, the LLVM lowering and the
//! interpreter each treat every `pure` instruction (ALU, comparison, select,
//! conversion) the same way, as one result computed by
//! `semantics::eval`, so those are one class; loads and stores are described
//! completely by their [`Access`] and operand types, so they need no per-op
//! enum; the memory and heap operations are each a different runtime call,
//! so they have one ([`RuntimeOp`]).

use super::opcodes::{CallOp, ControlOp, PureOp, RuntimeOp};
use janus_runtime::abi::{TrapKind, ValType};

/// The kind of an instruction, as the stages after decoding tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Branches, returns, `exit`, traps and `nop`: each handled on its own.
    Control(ControlOp),
    /// A direct or indirect call.
    Call(CallOp),
    /// `dev`: a device operation, described by the runtime's `DEVICE_OPS`.
    Device,
    /// `T.const`: a register gets an immediate.
    Constant,
    /// `T.mov`: a register gets another's value.
    Copy,
    /// `T.global.get`: a register gets a global's value.
    GlobalGet,
    /// `T.global.set`: a mutable global gets a register's value.
    GlobalSet,
    /// `memory.init`: part of a data segment is copied into memory.
    MemoryInit,
    /// `data.drop`: a data segment's bytes are released.
    DataDrop,
    /// One result from register operands only, no effect beyond a trap.
    Pure(PureOp),
    /// A load from linear memory: `dst, addr, offset`.
    Load(Access),
    /// A store to linear memory: `value, addr, offset`.
    Store(Access),
    /// A memory or heap operation performed by the runtime.
    Runtime(RuntimeOp),
}

/// How a load or store touches memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// How many bytes it reads or writes (1, 2, 4 or 8).
    pub bytes: u8,
    /// How the accessed bytes become the register's value, or the other way.
    pub extend: Extend,
}

impl Access {
    /// [`Access::bytes`] as a `u64`, for address arithmetic.
    #[inline]
    pub const fn size(self) -> u64 {
        self.bytes as u64
    }

    /// The access's width in bits.
    #[inline]
    pub const fn bits(self) -> u32 {
        self.bytes as u32 * 8
    }
}

/// How a memory access's bytes relate to its register's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extend {
    /// The access is the register type's full width (`i64.load`, `f32.store`).
    Full,
    /// A narrow load, sign-extended to the register type (`i32.load8_s`).
    Sign,
    /// A narrow load, zero-extended to the register type (`i64.load32_u`).
    Zero,
    /// A narrow store of the register's low bytes (`i64.store16`).
    Wrap,
}

/// One way an instruction can trap, as the opcode table lists them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TrapCondition {
    /// The divisor (the second operand) is zero: [`TrapKind::DivideByZero`].
    DivisorZero,
    /// The dividend is its type's minimum and the divisor `-1`:
    /// [`TrapKind::IntegerOverflow`].
    SignedOverflow,
    /// The float operand is NaN ([`TrapKind::InvalidConversion`]) or outside
    /// the range ([`TrapKind::IntegerOverflow`]).
    Conversion(ConversionRange),
    /// A byte accessed (a load's or store's, a bulk range's, a device
    /// buffer's) is outside memory: [`TrapKind::OutOfBounds`].
    OutOfBounds,
    /// The address is not a live heap block: [`TrapKind::InvalidFree`].
    InvalidFree,
    /// The call would pass the call depth limit: [`TrapKind::StackOverflow`].
    CallDepth,
    /// The table index is out of range ([`TrapKind::TableOutOfBounds`]) or
    /// the entry's signature is not the one expected
    /// ([`TrapKind::SignatureMismatch`]).
    TableEntry,
    /// `unreachable`: always [`TrapKind::Unreachable`].
    Unreachable,
    /// `trap`: always [`TrapKind::User`], with the program's code.
    User,
}

impl TrapCondition {
    /// The trap kinds the condition raises.
    pub fn kinds(self) -> &'static [TrapKind] {
        match self {
            TrapCondition::DivisorZero => &[TrapKind::DivideByZero],
            TrapCondition::SignedOverflow => &[TrapKind::IntegerOverflow],
            TrapCondition::Conversion(_) => {
                &[TrapKind::InvalidConversion, TrapKind::IntegerOverflow]
            }
            TrapCondition::OutOfBounds => &[TrapKind::OutOfBounds],
            TrapCondition::InvalidFree => &[TrapKind::InvalidFree],
            TrapCondition::CallDepth => &[TrapKind::StackOverflow],
            TrapCondition::TableEntry => &[
                TrapKind::TableOutOfBounds,
                TrapKind::NullTableEntry,
                TrapKind::SignatureMismatch,
            ],
            TrapCondition::Unreachable => &[TrapKind::Unreachable],
            TrapCondition::User => &[TrapKind::User],
        }
    }
}

/// The values a checked float-to-int conversion accepts: `lo < x < hi` (or
/// `lo <= x` where `lo` is exactly the target's minimum), as in WebAssembly.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConversionRange {
    /// The float type converted from.
    pub source: ValType,
    /// The lower bound.
    pub lo: f64,
    /// Whether `lo` itself converts.
    pub lo_inclusive: bool,
    /// The (exclusive) upper bound.
    pub hi: f64,
}

impl ConversionRange {
    /// Whether `x` (not NaN) converts.
    #[inline]
    pub fn contains(&self, x: f64) -> bool {
        let above = if self.lo_inclusive {
            x >= self.lo
        } else {
            x > self.lo
        };
        above && x < self.hi
    }
}
