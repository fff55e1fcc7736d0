//! `janusc run --engine jit`: loads the program and hands it to the
//! library's JIT.

use crate::diagnostics::Failure;
use janus_compiler::llvm::{jit, OptLevel};
use std::path::Path;

/// Runs `input` through the JIT; returns its exit status.
pub fn run_jit(input: &Path, opt: OptLevel, args: &[String]) -> Result<i32, Failure> {
    let loaded = crate::load_file(input)?;
    let mut ir = janus_compiler::ir::construct::build_module(&loaded.module);
    janus_compiler::ir::passes::optimize_module(&mut ir, &loaded.module);
    let mut argv = vec![input.display().to_string()];
    argv.extend(args.iter().cloned());
    jit::run(&loaded.module, &ir, opt, &argv).map_err(Failure::Backend)
}
