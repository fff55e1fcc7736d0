//! The text assembly `.jasm`: the assembler (text to module) and the
//! disassembler (module to canonical text). The disassembler prints exactly
//! what the assembler accepts, so `assemble(disassemble(m)) == m`.

mod disasm;
pub mod error;
pub mod lexer;
pub(crate) mod parser;

pub use disasm::{disassemble, disassemble_with, format_f32, format_f64};
pub use error::AsmError;
pub use parser::{assemble, SourceMap};
