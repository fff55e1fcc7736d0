//! `janusc run --engine jit`: loads the program and hands it to the
//! library driver's JIT.

use crate::failure::Failure;
use crate::input::Input;
use crate::session::Session;
use janus_compiler::driver;
use janus_compiler::llvm::OptLevel;

/// Runs `input` through the JIT; returns its exit status.
pub fn run_jit(
    session: &Session,
    input: &Input,
    opt: OptLevel,
    args: &[String],
) -> Result<i32, Failure> {
    let loaded = session.load(input)?;
    let mut argv = vec![input.name.clone()];
    argv.extend(args.iter().cloned());
    Ok(driver::run_jit(&loaded, opt, &argv)?)
}
