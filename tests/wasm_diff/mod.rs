//! One seed of the WebAssembly differential test: generate a module
//! (`smith`), decide what its calls do under wasmi (`oracle`), run the
//! same calls under the JanusVM engines through the spec runner's driver
//! (`spec/driver.rs`, `spec/run.rs`: one process per engine), and compare
//! bit for bit.
//!
//! The plan keeps one process per engine whenever the engines agree with
//! the oracle: the calls wasmi completes, then the memory checksum
//! (`rewrite`), then reads of every exported global, then at most one call
//! that traps (the trap ends the process).
//! Which trapping call is kept rotates with the seed.

pub mod oracle;
pub mod rewrite;
pub mod smith;

use crate::driver::{build_main, Call};
use crate::run::{self, Engine, Outcome};
use janus_runtime::abi::ValType;
use oracle::{Expected, Oracle};
use std::path::Path;
use std::process::Command;

/// How one seed ended.
#[derive(Debug)]
pub enum Verdict {
    /// wasm-smith made no module from the seed's bytes, or wasmi rejects it.
    NotGenerated(String),
    /// janus-wasm rejects the module as unsupported (`M01xx`): the code.
    Unsupported(&'static str),
    /// Not comparable (instantiation ran out of wasmi fuel, or an engine
    /// exhausted its call stack where wasmi did not): why.
    Inconclusive(String),
    /// Every engine agreed with wasmi on every action.
    Agreed(Tally),
    /// A difference: what, for the report.
    Mismatch(String),
}

/// What an agreeing seed checked.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    /// Calls that returned.
    pub returned: usize,
    /// Calls that trapped (at most one per module, or an instantiation).
    pub trapped: usize,
    /// Global reads.
    pub globals: usize,
    /// Memory checksums compared.
    pub checksums: usize,
    /// Calls the oracle excluded (out of fuel, stack exhausted).
    pub excluded: usize,
    /// Whether AOT ran too.
    pub aot: bool,
}

/// Where the pieces are.
pub struct Setup<'a> {
    /// The janusc under test.
    pub janusc: &'a Path,
    /// A scratch directory for this seed.
    pub work: &'a Path,
    /// Whether to build and run an AOT executable too.
    pub aot: bool,
}

/// A module's final plan and what wasmi says each action does.
struct Plan {
    actions: Vec<Call>,
    expected: Vec<Expected>,
    excluded: usize,
}

fn is_nan(ty: ValType, bits: u64) -> bool {
    match ty {
        ValType::F32 => f32::from_bits(bits as u32).is_nan(),
        ValType::F64 => f64::from_bits(bits).is_nan(),
        ValType::I32 | ValType::I64 => false,
    }
}

/// Whether results differ only in NaN bits (both NaNs of the result's
/// type): said in the report, since WebAssembly leaves a NaN's sign and
/// payload open where neither wasm-smith nor the rewrite canonicalizes.
fn only_nan_bits(types: &[ValType], want: &[u64], got: &[u64]) -> bool {
    want.len() == got.len()
        && types.len() == want.len()
        && types
            .iter()
            .zip(want.iter().zip(got))
            .all(|(&ty, (&w, &g))| w == g || (is_nan(ty, w) && is_nan(ty, g)))
}

/// Runs seed `seed` end to end.
pub fn check(seed: u64, setup: &Setup) -> Verdict {
    let case = match smith::case(seed) {
        Ok(c) => c,
        Err(why) => return Verdict::NotGenerated(why),
    };
    let oracle = match Oracle::new(&case.oracle_bytes) {
        Ok(o) => o,
        Err(why) => return Verdict::NotGenerated(format!("wasmi rejects it: {why}")),
    };
    match janus_wasm::translate(&case.bytes, &janus_wasm::Options::default()) {
        Ok(_) => {}
        Err(e) if matches!(e.code(), "M0100" | "M0101" | "M0102" | "M0103") => {
            return Verdict::Unsupported(e.code())
        }
        Err(e) if e.code() == "M0300" => {
            return match oracle.replay(&[]) {
                Err(Expected::Trap(_)) => Verdict::Agreed(Tally {
                    trapped: 1,
                    ..Tally::default()
                }),
                other => Verdict::Mismatch(format!(
                    "janus-wasm says instantiation traps ({e}); wasmi: {other:?}"
                )),
            };
        }
        Err(e) => return Verdict::Mismatch(format!("janus-wasm rejects a valid module: {e}")),
    }
    let plan = match plan(seed, &case, &oracle) {
        Ok(p) => p,
        Err(Expected::Trap(kind)) => {
            return compare_instantiation(&case, setup, kind);
        }
        Err(Expected::Excluded(why)) => {
            return Verdict::Inconclusive(format!("instantiation: {why}"))
        }
        Err(Expected::Values(v)) => {
            return Verdict::Inconclusive(format!("instantiation returned {v:?}"))
        }
    };
    compare(&case, setup, plan)
}

/// The calls that complete, the global reads, and one trapping call, with
/// wasmi's outcome for each; `Err` when instantiation does not complete.
fn plan(seed: u64, case: &smith::Case, oracle: &Oracle) -> Result<Plan, Expected> {
    let first = oracle.replay(&case.calls)?;
    let mut excluded = 0;
    let mut actions: Vec<Call> = Vec::new();
    let mut traps: Vec<&Call> = Vec::new();
    for (call, outcome) in case.calls.iter().zip(&first) {
        match outcome {
            Expected::Values(_) => actions.push(call.clone()),
            Expected::Trap(_) => traps.push(call),
            Expected::Excluded(_) => excluded += 1,
        }
    }
    actions.extend(case.checksum.iter().cloned());
    actions.extend(case.globals.iter().cloned());
    if !traps.is_empty() {
        actions.push(traps[(seed % traps.len() as u64) as usize].clone());
    }
    // Leaving calls out changes the state later ones see: decide again
    // until nothing is excluded (each round removes at least one action).
    loop {
        let expected = oracle.replay(&actions)?;
        if !expected.iter().any(|e| matches!(e, Expected::Excluded(_))) {
            return Ok(Plan {
                actions,
                expected,
                excluded,
            });
        }
        let mut keep = expected.iter().map(|e| !matches!(e, Expected::Excluded(_)));
        excluded += expected
            .iter()
            .filter(|e| matches!(e, Expected::Excluded(_)))
            .count();
        actions.retain(|_| keep.next().unwrap_or(false));
    }
}

/// The translation with a driver `main` for `actions`, written as a `.jbc`
/// (and built to an executable for AOT); the result types of each action.
fn prepare(
    case: &smith::Case,
    setup: &Setup,
    actions: &[Call],
) -> Result<Vec<Vec<ValType>>, String> {
    let mut types = Vec::new();
    let translation = janus_wasm::translate_with(
        &case.bytes,
        &janus_wasm::Options::default(),
        |mb, instance| {
            for action in actions {
                types.push(match action {
                    Call::Invoke { name, .. } => instance
                        .export(name)
                        .map(|(_, _, sig)| sig.results.clone())
                        .unwrap_or_default(),
                    Call::Get { name } => instance
                        .globals
                        .iter()
                        .filter(|(n, _, _)| n == name)
                        .map(|&(_, _, ty)| ty)
                        .collect(),
                });
            }
            build_main(mb, instance, actions)
        },
    )
    .and_then(|t| janus_wasm::load_translation(&t))
    .map_err(|e| format!("the driver module does not build: {e}"))?;
    std::fs::create_dir_all(setup.work).map_err(|e| e.to_string())?;
    let jbc = setup.work.join("module.jbc");
    std::fs::write(&jbc, &translation.bytes).map_err(|e| e.to_string())?;
    if setup.aot {
        let built = Command::new(setup.janusc)
            .args(["build", "-O2"])
            .arg(&jbc)
            .arg("-o")
            .arg(setup.work.join("module"))
            .output()
            .map_err(|e| e.to_string())?;
        if !built.status.success() {
            return Err(format!(
                "janusc build -O2 fails: {}",
                String::from_utf8_lossy(&built.stderr).trim()
            ));
        }
    }
    Ok(types)
}

fn engines(setup: &Setup) -> Vec<Engine> {
    let mut engines = vec![Engine::Interp, Engine::Jit];
    if setup.aot {
        engines.push(Engine::Aot);
    }
    engines
}

fn run_engine(setup: &Setup, engine: Engine, count: usize) -> Result<Vec<Outcome>, Outcome> {
    run::run(
        engine,
        setup.janusc,
        &setup.work.join("module.jbc"),
        &setup.work.join("module"),
        count,
    )
}

const STACK: &str = "call stack exhausted";

/// A module whose instantiation traps under wasmi with `kind`.
fn compare_instantiation(case: &smith::Case, setup: &Setup, kind: &'static str) -> Verdict {
    if let Err(why) = prepare(case, setup, &[]) {
        return Verdict::Mismatch(why);
    }
    for engine in engines(setup) {
        match run_engine(setup, engine, 0) {
            Err(Outcome::Trap(got)) if got == kind => {}
            Err(Outcome::Trap(got)) if got == STACK => {
                return Verdict::Inconclusive(format!("{}: {STACK}", engine.name()))
            }
            other => {
                return Verdict::Mismatch(format!(
                    "{}: instantiation: wasmi traps `{kind}`, janus: {other:?}",
                    engine.name()
                ))
            }
        }
    }
    Verdict::Agreed(Tally {
        trapped: 1,
        aot: setup.aot,
        ..Tally::default()
    })
}

fn describe(action: &Call) -> String {
    match action {
        Call::Invoke { name, args } => {
            let args: Vec<String> = args
                .iter()
                .map(|(ty, bits)| format!("{ty:?}:{bits:#x}"))
                .collect();
            format!("call {name:?}({})", args.join(", "))
        }
        Call::Get { name } => format!("global.get {name:?}"),
    }
}

fn compare(case: &smith::Case, setup: &Setup, plan: Plan) -> Verdict {
    let types = match prepare(case, setup, &plan.actions) {
        Ok(t) => t,
        Err(why) => return Verdict::Mismatch(why),
    };
    let mut tally = Tally {
        excluded: plan.excluded,
        aot: setup.aot,
        ..Tally::default()
    };
    for (action, expected) in plan.actions.iter().zip(&plan.expected) {
        match (action, expected) {
            (Call::Get { .. }, _) => tally.globals += 1,
            (Call::Invoke { name, .. }, _) if name == rewrite::CHECKSUM => tally.checksums += 1,
            (_, Expected::Trap(_)) => tally.trapped += 1,
            _ => tally.returned += 1,
        }
    }
    for engine in engines(setup) {
        let outcomes = match run_engine(setup, engine, plan.actions.len()) {
            Ok(o) => o,
            Err(ending) => {
                return Verdict::Mismatch(format!(
                    "{}: instantiation ended with {ending:?}; wasmi instantiates it",
                    engine.name()
                ))
            }
        };
        for (k, ((action, want), got)) in plan
            .actions
            .iter()
            .zip(&plan.expected)
            .zip(&outcomes)
            .enumerate()
        {
            let agree = match (want, got) {
                (Expected::Values(w), Outcome::Values(g)) => w == g,
                (Expected::Trap(w), Outcome::Trap(g)) => w == g,
                _ => false,
            };
            if agree {
                continue;
            }
            if matches!(got, Outcome::Trap(g) if g == STACK) {
                return Verdict::Inconclusive(format!("{}: {STACK}", engine.name()));
            }
            let nan = match (want, got) {
                (Expected::Values(w), Outcome::Values(g)) if only_nan_bits(&types[k], w, g) => {
                    " (only NaN bits differ)"
                }
                _ => "",
            };
            return Verdict::Mismatch(format!(
                "{}: action {k} of {}, {}: wasmi {want:?}, janus {got:?} (result types {:?}){nan}",
                engine.name(),
                plan.actions.len(),
                describe(action),
                types[k]
            ));
        }
    }
    Verdict::Agreed(tally)
}
