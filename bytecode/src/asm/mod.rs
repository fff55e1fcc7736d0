//! The text assembly `.jasm`: the assembler (text to module) and the
//! disassembler (module to canonical text). The disassembler prints exactly
//! what the assembler accepts, so `assemble(disassemble(m)) == m`.
//!
//! The assembler works in three steps, the way Cranelift's and QBE's text
//! readers do:
//!
//! 1. Parse ([`parser`], over the [`line`] cursor and [`literal`] numbers):
//!    every line becomes an item; syntax errors are collected per line.
//! 2. Resolve module-level names ([`symbols`]): data segments are laid out
//!    and data labels and constants given their values.
//! 3. Emit ([`emit`]): module items are applied in source order (so `type`
//!    lines fix signature order, as the disassembler prints them), every
//!    function is declared so calls may name functions defined later, and
//!    each body goes through the module builder, which patches labels.
//!
//! Typing is not checked here: the verifier does that on the encoded module,
//! and [`SourceMap`] lets its errors point back at source lines and operands.

mod ast;
mod disasm;
mod emit;
pub mod error;
pub mod lexer;
mod line;
pub mod literal;
mod parser;
mod symbols;

pub use disasm::{
    disassemble, disassemble_with, format_f32, format_f64, write_directives, Directives,
};
pub use emit::{OperandSpan, SourceMap};
pub use error::{AsmError, AsmWarning};

use crate::bytecode::Module;

/// Assembles `.jasm` source text into a module, with the source map of what
/// came from where and the warnings, or returns every error found (warnings
/// are dropped then).
pub fn assemble(src: &str) -> Result<(Module, SourceMap, Vec<AsmWarning>), Vec<AsmError>> {
    let mut errors = Vec::new();
    let items = parser::parse(src, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut warnings = Vec::new();
    let symbols = symbols::Symbols::resolve(src, &items, &mut errors, &mut warnings);
    let (module, map) = emit::emit(src, &items, &symbols, &mut errors);
    if errors.is_empty() {
        Ok((module, map, warnings))
    } else {
        errors.sort_by_key(|e| e.span.start);
        Err(errors)
    }
}
