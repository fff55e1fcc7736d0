//! The IR pipeline: a plain list of steps (QBE's `main.c`, Cranelift's
//! `Context::optimize`), the IR verifier between them in debug and test
//! builds. Each pass is one file and does one thing. The function steps
//! ([`STEPS`]) run on each function; then the module steps
//! ([`MODULE_STEPS`]), which may add functions.

pub mod checks;
pub mod constfold;
pub mod dce;
pub mod recursion_ring;
pub mod renumber;
pub mod unreachable;

use crate::ir::function::{Function, Module, ModuleContext};
use crate::ir::verify::verify_function;
use janus_runtime::abi::PAGE_SIZE;

/// What the passes may assume about the module.
#[derive(Clone, Copy, Debug)]
pub struct Facts {
    /// The linear memory's initial size in bytes; memory never shrinks.
    pub min_memory: u64,
}

impl Facts {
    /// The facts of a module.
    pub fn of(module: &Module) -> Self {
        Facts {
            min_memory: module
                .memory
                .map_or(0, |m| u64::from(m.initial_pages) * PAGE_SIZE),
        }
    }
}

/// The pipeline's steps on each function, in order.
pub const STEPS: &[&str] = &[
    "unreachable",
    "constfold",
    "unreachable",
    "checks",
    "dce",
    "renumber",
];

/// Runs the pipeline on one function, verifying after each step in debug and
/// test builds (a failure there is a compiler bug, reported with the pass).
pub fn optimize(func: &mut Function, ctx: &ModuleContext, facts: Facts) {
    for &step in STEPS {
        match step {
            "unreachable" => unreachable::run(func),
            "constfold" => constfold::run(func),
            "checks" => checks::run(func, facts.min_memory),
            "dce" => dce::run(func),
            "renumber" => renumber::renumber(func),
            other => unreachable!("unknown step {other}"),
        }
        if cfg!(debug_assertions) {
            if let Err(errors) = verify_function(func, ctx) {
                let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                panic!(
                    "IR verification failed after `{step}`:\n{}\n{}",
                    text.join("\n"),
                    func.display(ctx)
                );
            }
        }
    }
}

/// The pipeline's steps on the whole module, in order, after [`STEPS`].
pub const MODULE_STEPS: &[&str] = &["recursion_ring"];

/// Runs the pipeline on a module: [`STEPS`] on every function, then
/// [`MODULE_STEPS`], verifying every function after each in debug and test
/// builds.
pub fn optimize_module(module: &mut Module) {
    let facts = Facts::of(module);
    let ctx = module.ctx.clone();
    for f in &mut module.functions {
        optimize(f, &ctx, facts);
    }
    for &step in MODULE_STEPS {
        match step {
            "recursion_ring" => recursion_ring::run(module),
            other => unreachable!("unknown module step {other}"),
        }
        if cfg!(debug_assertions) {
            for f in &module.functions {
                if let Err(errors) = verify_function(f, &module.ctx) {
                    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    panic!(
                        "IR verification failed after `{step}`:\n{}\n{}",
                        text.join("\n"),
                        f.display(&module.ctx)
                    );
                }
            }
        }
    }
}

/// Helpers for the passes' unit tests: hand-written IR in, printed IR out.
#[cfg(test)]
pub(crate) mod testing {
    use crate::ir::parse::parse_module;
    use crate::ir::verify::verify_function;

    /// Parses one function, applies `pass`, verifies and prints it.
    pub fn apply(text: &str, pass: impl Fn(&mut crate::ir::Function)) -> String {
        let mut module = parse_module(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let f = &mut module.functions[0];
        pass(f);
        super::renumber::renumber(f);
        if let Err(errors) = verify_function(f, &module.ctx) {
            panic!("{errors:?}\n{}", f.display(&module.ctx));
        }
        f.display(&module.ctx)
    }

    /// Text with runs of blanks folded, so tests need not align `@pc`.
    pub fn normalize(text: &str) -> String {
        text.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Asserts that `pass` turns `input` into `expected` (blanks aside).
    pub fn check(input: &str, expected: &str, pass: impl Fn(&mut crate::ir::Function)) {
        let out = apply(input, pass);
        assert_eq!(normalize(&out), normalize(expected), "\n--- got\n{out}");
    }
}
