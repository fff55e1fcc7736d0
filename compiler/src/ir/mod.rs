//! The SSA IR: JanusVM's own intermediate form between verified bytecode and
//! LLVM.
//!
//! Shaped after Cranelift (see `../shared/STYLE.md`): entities are `u32`
//! handles into per-function tables ([`entities`]); the data-flow graph is
//! kept apart from the layout ([`function`]); blocks take parameters instead
//! of phis. Every VM semantic is explicit: each check that can trap is its
//! own instruction naming its trap, and every instruction remembers the
//! bytecode pc it came from.

pub mod construct;
pub mod dominance;
pub mod entities;
pub mod function;
pub mod instructions;
pub mod parse;
pub mod passes;
pub mod verify;
pub mod write;

pub use entities::{Block, FuncRef, Inst, Value};
pub use function::{DataFlowGraph, Function, Layout, Module, ModuleContext};
pub use instructions::{BlockCall, InstData};
