//! The bytecode: the opcode table, the module data structure, the `.jbc`
//! container's constants and limits, its encoder and its decoder.

pub mod builder;
pub mod decode;
pub mod encode;
pub mod format;
pub mod limits;
pub mod module;
pub mod opcodes;
pub mod semantics;

pub use decode::{decode, DecodeError, DecodeErrorKind, FileOffsets};
pub use encode::encode;
pub use module::*;
pub use opcodes::{Opcode, OperandKind};

/// Whether `s` is a valid identifier (function, label or export name):
/// a letter or `_`, then letters, digits, `_` or `.`. The assembler accepts
/// exactly these, so the verifier demands them for names in `.jbc` files and
/// every module can be disassembled.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}
