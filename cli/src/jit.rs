//! `janusc run --engine jit`: loads the program and hands it to the
//! library's JIT.

use crate::failure::Failure;
use crate::input::Input;
use crate::session::Session;
use janus_compiler::llvm::{jit, OptLevel};

/// Runs `input` through the JIT; returns its exit status.
pub fn run_jit(
    session: &Session,
    input: &Input,
    opt: OptLevel,
    args: &[String],
) -> Result<i32, Failure> {
    let loaded = session.load(input)?;
    let mut ir = janus_compiler::ir::construct::build_module(&loaded.module);
    janus_compiler::ir::passes::optimize_module(&mut ir, &loaded.module);
    let mut argv = vec![input.name.clone()];
    argv.extend(args.iter().cloned());
    jit::run(&loaded.module, &ir, opt, &argv).map_err(Failure::Backend)
}
