//! JanusVM bytecode, the pipeline's front door: the format ([`bytecode`]:
//! opcode table, module, `.jbc` encoder and loader, builder, semantics), the
//! text assembly ([`asm`]: assembler and disassembler), the verifier
//! ([`verify`]) and [`load`], the one entry point that turns a file of either
//! format into a verified module.
//!
//! Nothing here depends on LLVM: a tool that only reads, writes or checks
//! bytecode (the fuzz targets, a compiler emitting `.jbc`) builds in seconds.

pub mod asm;
pub mod bytecode;
pub mod load;
pub mod verify;

pub use load::{load, LoadError, Loaded, SourceKind};
