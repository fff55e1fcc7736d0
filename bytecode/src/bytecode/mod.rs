//! The bytecode: the opcode table, the module data structure, the `.jbc`
//! container's constants and limits, its encoder and its decoder.

pub mod builder;
pub mod code;
pub mod decode;
pub mod encode;
pub mod format;
pub mod limits;
pub mod meaning;
pub mod module;
pub mod opcodes;
pub mod semantics;

pub use code::{Code, OperandMismatch};
pub use decode::{decode, DecodeError, DecodeErrorKind, FileOffsets};
pub use encode::encode;
pub use module::*;
pub use opcodes::{
    Access, CallOp, Class, ControlOp, ConversionRange, Extend, Opcode, OperandKind, PureOp,
    RuntimeOp, TrapCondition,
};

/// Whether `s` is a valid identifier (function, label or export name):
/// a letter or `_`, then letters, digits and `_`, with single dots between
/// them (`std.print_i64`). The assembler's lexer reads exactly these, so the
/// verifier demands them for names in `.jbc` files and every module can be
/// disassembled.
pub fn is_identifier(s: &str) -> bool {
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    matches!(s.chars().next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && s.split('.')
            .all(|part| !part.is_empty() && part.chars().all(name_char))
}

#[cfg(test)]
mod tests {
    use super::is_identifier;

    #[test]
    fn identifiers_are_what_the_lexer_reads() {
        for ok in ["main", "_x", "std.print_i64", "a.b.c", "f2"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["", "2f", "a.", "a..b", ".a", "two words", "é"] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }
}
