//! JanusVM bytecode, the pipeline's front door: the format ([`bytecode`]:
//! opcode table, module, `.jbc` encoder and loader, builder, semantics), the
//! text assembly ([`asm`]: assembler and disassembler), the verifier
//! ([`verify`]) and [`load`], the one entry point that turns a file of either
//! format into a verified module.
//!
//! Nothing here depends on LLVM: a tool that only reads, writes or checks
//! bytecode (the fuzz targets, a compiler emitting `.jbc`) builds in seconds.

// The opcode table sorts its rows into per-class enums one row per macro
// step (`bytecode::opcodes`), which needs more than the default 128.
#![recursion_limit = "512"]

pub mod asm;
pub mod bytecode;
pub mod load;
pub mod verify;

pub use load::{load, LoadError, Loaded, SourceKind};
