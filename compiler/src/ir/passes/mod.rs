//! The IR pipeline: a plain list of steps (QBE's `main.c`, Cranelift's
//! `Context::optimize`), the IR verifier between them in debug and test
//! builds. Each pass is one file and does one thing.

pub mod renumber;

use crate::bytecode;
use crate::ir::function::Module;

/// Runs the pipeline on every function of a module.
pub fn optimize_module(module: &mut Module, _bytecode: &bytecode::Module) {
    for f in &mut module.functions {
        renumber::renumber(f);
    }
}
