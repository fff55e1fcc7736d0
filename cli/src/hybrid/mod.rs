//! `--engine hybrid` and `--engine jit`: the program runs on janusc's own
//! runtime machine (installed as the one compiled code's runtime calls
//! use), in the tiered interpreter, and functions move to code the LLVM
//! backend compiles for this process (issue 16):
//! - hybrid: a function reaching its call threshold is compiled (by a
//!   compiler thread, or at once with `--compiler-threads 0`) and from
//!   then on calls of it, interpreted or compiled, run the compiled code;
//!   a loop reaching the loop threshold is compiled with an entry at its
//!   header, where the running call moves over (on-stack replacement);
//! - jit: `main` is compiled before it starts and every other function at
//!   its first call (compiled code asks for it through `InterpCall`).
//!
//! One job per module: `thresholds` (who compiles when), `tables` (where
//! compiled code is published), `compiler` (the queue, threads and
//! sessions), `engine` (the interpreter's hooks, `InterpCall`, the end of
//! a run), `log` (`--jit-log`). The compiler side is `crate::backend::TierSession`.

mod compiler;
mod engine;
mod log;
mod tables;
mod thresholds;

pub use engine::Mode;

use crate::args::TierArgs;
use crate::backend::protocol;
use crate::failure::Failure;
use compiler::{Compiler, Job};
use engine::Engine;
use janus_bytecode::Loaded;
use janus_interp::tier::{Thresholds, Tiered};
use janus_runtime::abi::{self, tier, Rt};
use janus_runtime::host;
use log::{JitLog, Reason};
use std::cell::OnceCell;
use tables::Tables;

/// Keeps `value` for the rest of the process: the engine's parts refer to
/// one another and to the module from compiler threads and compiled code
/// until the process ends, which it does from inside the run.
fn keep<T>(value: T) -> &'static mut T {
    Box::leak(Box::new(value))
}

/// The addresses compiled code is linked against: janusc's runtime
/// exports, `janus_vm`, and the tiering symbols.
fn addresses(globals: usize, functions: usize) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = Rt::ALL
        .iter()
        .map(|&f| (f.info().symbol.to_string(), host::runtime_address(f) as u64))
        .collect();
    all.push(("janus_vm".into(), host::vm_state_address() as u64));
    all.push((tier::GLOBALS_SYMBOL.into(), globals as u64));
    all.push((tier::FUNCTIONS_SYMBOL.into(), functions as u64));
    all.push((
        tier::INTERP_CALL_SYMBOL.into(),
        engine::interp_call as *const () as u64,
    ));
    all
}

/// Runs `loaded` with `args` under `mode`; ends the process itself once
/// the program runs (the result is for what stops it from starting).
pub fn run(
    loaded: Loaded,
    args: &[String],
    settings: &TierArgs,
    opt: &str,
    mode: Mode,
) -> Result<i32, Failure> {
    let Loaded { module, bytes, .. } = loaded;
    let module: &'static _ = keep(module);
    let count = module.functions.len();
    let log: Option<&'static JitLog> = match &settings.jit_log {
        Some(path) => Some(keep(JitLog::open(path)?)),
        None => None,
    };
    let argv = args.iter().map(|a| a.as_bytes().to_vec()).collect();
    let machine = match janus_interp::machine_for(module, argv) {
        Ok(m) => m,
        Err(message) => {
            eprintln!("janus: {message}");
            return Ok(125);
        }
    };
    let globals: &'static mut [u64] =
        keep(module.globals.iter().map(|g| g.init).collect::<Vec<u64>>());
    let tables: &'static Tables = keep(Tables::new(module));
    let open = protocol::TierOpenRequest {
        module: bytes,
        opt: opt.into(),
        addresses: addresses(
            globals.as_mut_ptr() as usize,
            tables.functions.as_ptr() as usize,
        ),
    };
    let (threads, thresholds) = match mode {
        Mode::Hybrid => (
            settings.compiler_threads,
            thresholds::for_functions(settings, count),
        ),
        Mode::Jit => (0, vec![Thresholds { calls: 0, loops: 0 }; count]),
    };
    let compiler: &'static Compiler = keep(Compiler::new(open, threads, tables, log, module));
    let engine: &'static Engine = keep(Engine {
        mode,
        compiler,
        tables,
        tiered: OnceCell::new(),
    });
    // SAFETY: one program per process; nothing else touches the machine.
    let machine = unsafe { host::install(machine) };
    // SAFETY: the machine and the globals (a slot per global) live for the
    // rest of the process; the boxed table holds only published entries.
    let tiered = keep(unsafe {
        Tiered::new(
            module,
            machine,
            globals.as_mut_ptr(),
            &tables.boxed[..],
            engine,
            &thresholds,
        )
    });
    let _ = engine.tiered.set(tiered);
    engine::install(engine);
    let main = module.export("main").expect("verified modules export main");
    if mode == Mode::Jit {
        compiler.compile_now(Job {
            func: main,
            reason: Reason::FirstCall,
        })?;
    }
    let f = &module.functions[main as usize];
    let main_frame = abi::frame_bytes(f.registers.len() as u32, f.code.size());
    let mut body = || -> i32 { engine.run_main(main, main_frame) };
    // SAFETY: one program per process; the body runs only the program.
    match unsafe { host::run_on_program_stack(&mut body) } {
        Ok(status) => Ok(status),
        Err(message) => {
            eprintln!("janus: {message}");
            Ok(125)
        }
    }
}
