//! The assembler's errors and warnings: a stable code, a message saying what
//! was expected, and the byte span in the source, which [`AsmError::line_col`]
//! turns into the line and column the CLI prints above the offending line.
//! Errors stop assembly; warnings ([`AsmWarning`]) point at text that
//! assembles but is probably a mistake.

use std::ops::Range;
use thiserror::Error;

/// One problem in a `.jasm` source.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{message}")]
pub struct AsmError {
    /// Stable code, `A` and four digits, listed in `docs/ISA.md`.
    pub code: &'static str,
    /// What is wrong and what was expected.
    pub message: String,
    /// Byte range in the source the error points at.
    pub span: Range<usize>,
}

impl AsmError {
    /// An error with a code, a message and a span.
    pub fn new(code: &'static str, message: impl Into<String>, span: Range<usize>) -> Self {
        AsmError {
            code,
            message: message.into(),
            span,
        }
    }

    /// The 1-based line and column (in characters) of the span's start.
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        line_col(source, self.span.start)
    }
}

/// Something that assembles but is probably a mistake, such as two data
/// segments that overlap.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{message}")]
pub struct AsmWarning {
    /// Stable code, `W` and four digits, listed in `docs/ISA.md`.
    pub code: &'static str,
    /// What looks wrong.
    pub message: String,
    /// Byte range in the source the warning points at.
    pub span: Range<usize>,
}

impl AsmWarning {
    /// A warning with a code, a message and a span.
    pub fn new(code: &'static str, message: impl Into<String>, span: Range<usize>) -> Self {
        AsmWarning {
            code,
            message: message.into(),
            span,
        }
    }

    /// The 1-based line and column (in characters) of the span's start.
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        line_col(source, self.span.start)
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Error (`A`) and warning (`W`) codes, named so the assembler reads as
/// prose.
pub mod codes {
    /// A character that starts no token.
    pub const UNEXPECTED_CHAR: &str = "A0001";
    /// A string literal with no closing quote.
    pub const UNTERMINATED_STRING: &str = "A0002";
    /// A bad escape sequence in a string.
    pub const BAD_ESCAPE: &str = "A0003";
    /// An unknown instruction mnemonic or directive.
    pub const UNKNOWN_MNEMONIC: &str = "A0004";
    /// A token other than the one the grammar expects here.
    pub const EXPECTED: &str = "A0005";
    /// A number outside the range of its operand.
    pub const OUT_OF_RANGE: &str = "A0006";
    /// Text that is not a number where a number is expected.
    pub const BAD_NUMBER: &str = "A0007";
    /// A label defined twice in one function.
    pub const DUPLICATE_LABEL: &str = "A0008";
    /// A label used but not defined in the function.
    pub const UNDEFINED_LABEL: &str = "A0009";
    /// A function name that no `func` defines.
    pub const UNKNOWN_FUNCTION: &str = "A0010";
    /// Two functions with one name.
    pub const DUPLICATE_FUNCTION: &str = "A0011";
    /// Register declarations not numbered in order from the parameters.
    pub const REGISTER_ORDER: &str = "A0012";
    /// Something in the wrong place: an instruction outside a function, a
    /// module directive inside one.
    pub const MISPLACED: &str = "A0013";
    /// A function without its `end`.
    pub const MISSING_END: &str = "A0014";
    /// An unknown device operation.
    pub const UNKNOWN_DEVICE_OP: &str = "A0015";
    /// A `@pc:` label at another pc.
    pub const PC_MISMATCH: &str = "A0016";
    /// An unknown type name.
    pub const UNKNOWN_TYPE: &str = "A0017";
    /// A limit of the format exceeded (registers, list lengths).
    pub const LIMIT: &str = "A0018";
    /// A name used as an integer that no `const` or `data` label defines.
    pub const UNDEFINED_NAME: &str = "A0019";
    /// A constant or data label name defined twice.
    pub const DUPLICATE_NAME: &str = "A0020";
    /// A constant defined in terms of itself.
    pub const CONSTANT_CYCLE: &str = "A0021";
    /// A global operand naming no `global` of the file.
    pub const UNKNOWN_GLOBAL: &str = "A0022";
    /// A global name defined twice.
    pub const DUPLICATE_GLOBAL: &str = "A0023";
    /// A data segment operand naming no data label.
    pub const UNKNOWN_DATA: &str = "A0027";
    /// A passive segment's label where an address is expected.
    pub const PASSIVE_ADDRESS: &str = "A0028";

    /// Warning: two data segments share bytes.
    pub const OVERLAPPING_DATA: &str = "W0001";
}
