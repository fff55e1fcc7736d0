//! The verifier's errors. Each kind has a stable code (`V` and four digits:
//! 01xx for module structure, 02xx for code, 03xx for exports, tables, data
//! and names) documented in `docs/ISA.md`; tests match codes and messages.

use crate::bytecode::limits::{MAX_CODE_SIZE, MAX_PARAMS, MAX_REGISTERS, MAX_RESULTS};
use crate::bytecode::{Opcode, Reg};
use janus_runtime::abi::ValType;
use thiserror::Error;

/// One problem the verifier found: what, in which function and at which pc
/// when it is in code, and the byte offset in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    /// Byte offset in the file.
    pub offset: usize,
    /// The function's name and the instruction's pc, for errors in code.
    pub func: Option<(String, u32)>,
    /// What is wrong.
    pub kind: VerifyErrorKind,
    /// For errors in code, the operand at fault, when it is one operand
    /// (a register of the wrong type, a jump target, an argument list).
    pub operand: Option<OperandPos>,
}

/// Which operand of an instruction an error is about, so an assembler's
/// source map can point at it rather than at the whole instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperandPos {
    /// The operand's index in the opcode's operand list.
    pub index: usize,
    /// For a register list or jump table, the element's index in it.
    pub element: Option<usize>,
}

impl VerifyError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some((func, pc)) = &self.func {
            write!(f, "function `{func}` pc {pc}: ")?;
        }
        write!(f, "{} (at offset {:#x})", self.kind, self.offset)
    }
}

impl std::error::Error for VerifyError {}

/// What the verifier can find wrong.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum VerifyErrorKind {
    /// Two signatures are equal; each signature appears once.
    #[error("signature {index} {sig} repeats signature {first}")]
    DuplicateSignature {
        /// The repeat's index.
        index: usize,
        /// The first occurrence's index.
        first: usize,
        /// The signature.
        sig: String,
    },
    /// A signature has more parameters than allowed.
    #[error("signature has {count} parameters: the limit is {MAX_PARAMS}")]
    TooManyParams {
        /// The count.
        count: usize,
    },
    /// A signature has more results than allowed.
    #[error("signature has {count} results: the limit is {MAX_RESULTS}")]
    TooManyResults {
        /// The count.
        count: usize,
    },
    /// A result list names one register twice, so which result it would
    /// hold is not defined.
    #[error("register r{reg} receives two results of the call: result registers must differ")]
    DuplicateResult {
        /// The register.
        reg: Reg,
    },
    /// The memory's maximum exceeds the machine's.
    #[error("memory maximum of {pages} pages exceeds the limit of 65536 pages (4 GiB)")]
    MemoryTooLarge {
        /// The declared maximum.
        pages: u32,
    },
    /// The memory's initial size exceeds its maximum.
    #[error("memory initial size of {initial} pages exceeds its maximum of {max} pages")]
    MemoryInitialAboveMax {
        /// Initial pages.
        initial: u32,
        /// Maximum pages.
        max: u32,
    },
    /// A signature index is out of range.
    #[error("function `{func}`: signature index {index} is out of range (the module has {})", count_of(*.count, "signatures"))]
    SignatureOutOfRange {
        /// The function using it.
        func: String,
        /// The index.
        index: u32,
        /// How many signatures there are.
        count: usize,
    },
    /// Fewer registers than parameters.
    #[error("function `{func}` declares {} but its signature has {}", count_of(*.registers, "registers"), count_of(*.params, "parameters"))]
    TooFewRegisters {
        /// The function.
        func: String,
        /// Declared registers.
        registers: usize,
        /// Parameters.
        params: usize,
    },
    /// A parameter register's type differs from the parameter's.
    #[error("function `{func}`: register r{reg} has type {found}, but parameter {reg} has type {expected}")]
    ParamRegisterType {
        /// The function.
        func: String,
        /// The register (and parameter) number.
        reg: usize,
        /// The register's type.
        found: ValType,
        /// The parameter's type.
        expected: ValType,
    },
    /// A function with no instructions.
    #[error("function `{func}` has no code: expected at least a `ret`")]
    EmptyFunction {
        /// The function.
        func: String,
    },
    /// The last instruction can continue past the end of the code.
    #[error("execution can fall off the end of the function after `{opcode}`: expected a terminator (ret, jmp, br_table, exit, trap, unreachable)")]
    FallsOffEnd {
        /// The last instruction.
        opcode: Opcode,
    },
    /// A register operand of the wrong type.
    #[error("register r{reg} has type {found}, expected {expected}")]
    RegisterType {
        /// The register.
        reg: Reg,
        /// Its declared type.
        found: ValType,
        /// The type the instruction needs.
        expected: ValType,
    },
    /// A register operand that the function does not declare.
    #[error("register r{reg} is out of range: the function has {}", count_of(*.count, "registers"))]
    RegisterOutOfRange {
        /// The register.
        reg: Reg,
        /// How many the function declares.
        count: usize,
    },
    /// A jump past the end of the code.
    #[error("jump target pc {target} is outside the function's code (size {size})")]
    TargetOutOfRange {
        /// The target.
        target: u32,
        /// The code size.
        size: u32,
    },
    /// A jump into the middle of an instruction.
    #[error("jump target pc {target} is not the start of an instruction")]
    TargetMidInstruction {
        /// The target.
        target: u32,
    },
    /// A function index out of range.
    #[error("function index {index} is out of range (the module has {})", count_of(*.count, "functions"))]
    FunctionOutOfRange {
        /// The index.
        index: u32,
        /// How many functions there are.
        count: usize,
    },
    /// A global index past the module's globals.
    #[error("global index {index} is out of range (the module has {})", count_of(*.count, "globals"))]
    GlobalOutOfRange {
        /// The index.
        index: u32,
        /// How many globals there are.
        count: usize,
    },
    /// A global instruction of another type than its global.
    #[error("`{opcode}` names global `{global}` of type {found}, expected {expected}")]
    GlobalType {
        /// The instruction.
        opcode: Opcode,
        /// The global's name.
        global: String,
        /// The global's type.
        found: ValType,
        /// The instruction's type.
        expected: ValType,
    },
    /// `T.global.set` of a global that is not mutable.
    #[error("`{opcode}` writes global `{global}`, which is constant: declare it `global mut`")]
    ImmutableGlobal {
        /// The instruction.
        opcode: Opcode,
        /// The global's name.
        global: String,
    },
    /// A data segment index past the module's segments.
    #[error("data segment index {index} is out of range (the module has {})", count_of(*.count, "data segments"))]
    DataOutOfRange {
        /// The index.
        index: u32,
        /// How many data segments there are.
        count: usize,
    },
    /// Two globals of one name.
    #[error("global name `{name}` is used twice")]
    DuplicateGlobal {
        /// The name.
        name: String,
    },
    /// A function declares more registers than a register operand can
    /// number (only modules built in memory: the decoder reports D0013).
    #[error("function `{func}` declares {count} registers: the limit is {MAX_REGISTERS}")]
    TooManyRegisters {
        /// The function.
        func: String,
        /// Declared registers.
        count: usize,
    },
    /// A function's code is larger than the format allows (only modules
    /// built in memory: the decoder reports D0013).
    #[error("function `{func}` has {size} bytes of code: the limit is {MAX_CODE_SIZE}")]
    CodeTooLarge {
        /// The function.
        func: String,
        /// Its code size in bytes.
        size: u64,
    },
    /// A register list of the wrong length.
    #[error("{target} takes {}, found {found}", count_of(*.expected, .what))]
    Arity {
        /// The callee, device operation or function.
        target: String,
        /// `arguments`, `results` or `returned values`.
        what: &'static str,
        /// Registers given.
        found: usize,
        /// Registers expected.
        expected: usize,
    },
    /// A device operation code that names nothing.
    #[error("unknown device operation {code:#06x}")]
    UnknownDeviceOp {
        /// The code.
        code: u16,
    },
    /// An instruction whose operands do not match its opcode (only modules
    /// built in memory can have this).
    #[error("`{opcode}` has operands that do not match its definition")]
    MalformedOperands {
        /// The instruction.
        opcode: Opcode,
    },
    /// Two functions with one name.
    #[error("function name `{name}` is used twice")]
    DuplicateFunction {
        /// The name.
        name: String,
    },
    /// A name that is not an identifier.
    #[error("{what} name {name:?} is not an identifier (a letter or `_`, then letters, digits, `_` or `.`)")]
    BadName {
        /// Whose name.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A table entry naming no function.
    #[error("table entry {entry} names function {index}, but the module has {}", count_of(*.count, "functions"))]
    TableEntryOutOfRange {
        /// The entry.
        entry: usize,
        /// The function index.
        index: u32,
        /// How many functions there are.
        count: usize,
    },
    /// Two exports with one name.
    #[error("export `{name}` appears twice")]
    DuplicateExport {
        /// The name.
        name: String,
    },
    /// No `main`.
    #[error("no function is exported as `main`: expected `export main`")]
    MissingMain,
    /// `main` of the wrong type.
    #[error("`main` has signature {found}, expected () -> i32")]
    BadMainSignature {
        /// Its signature.
        found: String,
    },
    /// A data segment reaching past the initial memory.
    #[error("data segment of {len} bytes at address {address:#x} ends past the initial memory size of {memory_size} bytes")]
    DataOutsideMemory {
        /// Its address.
        address: u32,
        /// Its length.
        len: usize,
        /// The initial memory size.
        memory_size: u64,
    },
    /// Label names out of (function, pc) order.
    #[error("label name `{name}` is out of order: label names are sorted by function and pc")]
    LabelNamesUnsorted {
        /// The label.
        name: String,
    },
    /// Two labels with one name in one function.
    #[error("label `{name}` is defined twice in one function")]
    DuplicateLabel {
        /// The label.
        name: String,
    },
    /// Source offsets out of (function, pc) order, or two for one pc.
    #[error("source offset for function {func} pc {pc} is out of order: entries are sorted by function and pc, one per pc")]
    SourceOffsetsUnsorted {
        /// The function.
        func: u32,
        /// The pc.
        pc: u32,
    },
    /// A source offset at a pc where no instruction starts.
    #[error("source offset for function {func} names pc {pc}, where no instruction starts")]
    SourceNotAtInstruction {
        /// The function.
        func: u32,
        /// The pc.
        pc: u32,
    },
    /// A label name at a pc where no instruction starts.
    #[error("label `{name}` names pc {pc}, where no instruction starts")]
    LabelNotAtInstruction {
        /// The label.
        name: String,
        /// Its pc.
        pc: u32,
    },
}

impl VerifyErrorKind {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        use VerifyErrorKind::*;
        match self {
            DuplicateSignature { .. } => "V0101",
            TooManyParams { .. } => "V0102",
            MemoryTooLarge { .. } => "V0103",
            MemoryInitialAboveMax { .. } => "V0104",
            SignatureOutOfRange { .. } => "V0105",
            TooFewRegisters { .. } => "V0106",
            ParamRegisterType { .. } => "V0107",
            DuplicateFunction { .. } => "V0108",
            BadName { .. } => "V0109",
            EmptyFunction { .. } => "V0201",
            FallsOffEnd { .. } => "V0202",
            RegisterType { .. } => "V0203",
            RegisterOutOfRange { .. } => "V0204",
            TargetOutOfRange { .. } => "V0205",
            TargetMidInstruction { .. } => "V0206",
            FunctionOutOfRange { .. } => "V0207",
            Arity { .. } => "V0208",
            UnknownDeviceOp { .. } => "V0209",
            MalformedOperands { .. } => "V0210",
            TooManyResults { .. } => "V0214",
            DuplicateResult { .. } => "V0215",
            GlobalOutOfRange { .. } => "V0211",
            GlobalType { .. } => "V0212",
            ImmutableGlobal { .. } => "V0213",
            DuplicateGlobal { .. } => "V0110",
            TooManyRegisters { .. } => "V0111",
            CodeTooLarge { .. } => "V0112",
            DataOutOfRange { .. } => "V0220",
            TableEntryOutOfRange { .. } => "V0301",
            DuplicateExport { .. } => "V0302",
            MissingMain => "V0303",
            BadMainSignature { .. } => "V0304",
            DataOutsideMemory { .. } => "V0305",
            LabelNamesUnsorted { .. } => "V0306",
            DuplicateLabel { .. } => "V0307",
            LabelNotAtInstruction { .. } => "V0308",
            SourceOffsetsUnsorted { .. } => "V0309",
            SourceNotAtInstruction { .. } => "V0310",
        }
    }
}

/// `1 function`, `2 functions`: `plural` is the plural noun phrase.
fn count_of(n: usize, plural: &str) -> String {
    if n == 1 {
        format!("1 {}", plural.strip_suffix('s').unwrap_or(plural))
    } else {
        format!("{n} {plural}")
    }
}
