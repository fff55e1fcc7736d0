//! The JanusVM toolchain library.
//!
//! The pipeline's front door lives here: the bytecode format
//! ([`bytecode`]: opcode table, module, `.jbc` encoder and loader, builder),
//! the text assembly ([`asm`]: assembler and disassembler) and the verifier
//! ([`verify`]). [`load`] is the one entry point the CLI and the engines use
//! to turn a file of either format into a verified module.

pub mod asm;
pub mod bytecode;
pub mod ir;
pub mod load;
pub mod verify;

pub use load::{load, LoadError, Loaded, SourceKind};
