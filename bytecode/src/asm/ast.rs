//! What the line parser produces and the emitter consumes: module items and
//! function bodies with their operands still unresolved (names of labels,
//! functions, constants and data labels are looked up only once the whole
//! file is read, so every name may be used before its definition).

use super::line::Span;
use crate::bytecode::{Opcode, Reg, Signature};
use janus_runtime::abi::ValType;

/// An integer as written: a literal, the name of a constant or data label, or
/// `len(name)` of a data label. Resolved by [`super::symbols::Symbols::eval`].
#[derive(Clone, Debug)]
pub(super) enum IntExpr {
    /// A literal, sign included, as written.
    Literal(String),
    /// A constant's value or a data label's address.
    Name(String),
    /// A data label's length in bytes.
    Len(String),
}

/// Any operand before names are resolved.
#[derive(Clone, Debug)]
pub(super) enum RawOperand {
    Reg(Reg),
    Int(IntExpr),
    Float {
        negative: bool,
        text: String,
    },
    Name(String),
    Pc(u32),
    /// A register list or a jump table, repeats (`N x label`) expanded.
    List(Vec<(RawOperand, Span)>),
    Sig(Signature),
}

/// A line inside a function.
#[derive(Clone, Debug)]
pub(super) enum BodyLine {
    Label(String),
    PcLabel(u32),
    Inst {
        opcode: Opcode,
        operands: Vec<(RawOperand, Span)>,
    },
}

/// A function: its header, registers and body lines.
#[derive(Clone, Debug)]
pub(super) struct FuncItem {
    pub(super) name: String,
    pub(super) params: Vec<ValType>,
    pub(super) results: Vec<ValType>,
    pub(super) registers: Vec<ValType>,
    /// The current line's labels and instruction while parsing; empty once
    /// the function is parsed (the emitter reads the body again from
    /// `lines` through [`super::parser::body_lines`]).
    pub(super) body: Vec<(BodyLine, Span)>,
    /// Whether any label or instruction has been seen (`reg` must precede
    /// them).
    pub(super) body_seen: bool,
    /// The source range of the body: from the line after `func` to the
    /// `end` line.
    pub(super) lines: Span,
    /// Where each named label's name is written, in order (the emitter
    /// creates them all before the body, so jumps may go forward).
    pub(super) labels: Vec<Span>,
}

/// Part of a data segment's contents: bytes known while parsing, or a typed
/// value (`i32 msg`) whose width is known but whose value may name a symbol.
#[derive(Clone, Debug)]
pub(super) enum DataPiece {
    Bytes(Vec<u8>),
    /// `zero N`: kept as a count until the segment is emitted, so a
    /// directive over the limit is refused before anything is allocated.
    Zero(usize),
    Value {
        ty: ValType,
        raw: RawOperand,
        span: Span,
    },
}

impl DataPiece {
    /// The piece's size in bytes.
    pub(super) fn len(&self) -> usize {
        match self {
            DataPiece::Bytes(bytes) => bytes.len(),
            DataPiece::Zero(count) => *count,
            DataPiece::Value { ty, .. } => match ty {
                ValType::I32 | ValType::F32 => 4,
                ValType::I64 | ValType::F64 => 8,
            },
        }
    }
}

/// A data directive: `data ADDR, …`, `data NAME: …`, `data NAME ADDR: …`,
/// `data passive, …` or `data passive NAME: …`.
#[derive(Clone, Debug)]
pub(super) struct DataItem {
    /// The label and its span.
    pub(super) name: Option<(String, Span)>,
    /// Where the segment goes.
    pub(super) placement: Placement,
    pub(super) pieces: Vec<DataPiece>,
    /// The sum of the pieces' lengths.
    pub(super) len: usize,
}

/// Where a data directive's segment goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Placement {
    /// An active segment right after the previous active one ends.
    Next,
    /// An active segment at this address.
    At(u32),
    /// A passive segment: copied by `memory.init` only, so no address.
    Passive,
}

/// One module-level line, or a whole function.
#[derive(Clone, Debug)]
pub(super) enum Item {
    Memory {
        initial: u32,
        max: u32,
    },
    Type(Signature),
    Table(Vec<(String, Span)>),
    Export {
        func: String,
        name: String,
    },
    Data(DataItem),
    /// `const NAME = value`.
    Const {
        name: String,
        name_span: Span,
        value: IntExpr,
        value_span: Span,
    },
    /// `global [mut] NAME: T = value`.
    Global {
        name: String,
        ty: ValType,
        mutable: bool,
        value: RawOperand,
        value_span: Span,
    },
    Func(FuncItem),
}
