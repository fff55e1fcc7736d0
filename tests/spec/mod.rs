//! One `.wast` script, run: its directives are walked in order, modules are
//! translated with the `spectest` host module, assertions about modules are
//! decided by translation, and each module's actions run under the
//! interpreter and the JIT (and AOT -O2 when any involves floats or traps).

pub mod driver;
pub mod run;
pub mod script;

use driver::{build_main, Call};
use run::{Engine, Outcome};
use script::{Action, Expect};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Command;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective};

/// Passed, failed and unsupported counts of one directive kind.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    /// Passed under every engine that ran it.
    pub passed: usize,
    /// Failed under at least one.
    pub failed: usize,
    /// Not run: the feature is not supported.
    pub unsupported: usize,
}

/// One script's results.
#[derive(Debug, Default)]
pub struct FileReport {
    /// Per directive kind.
    pub tallies: BTreeMap<&'static str, Tally>,
    /// What failed, `line: kind: detail`.
    pub failures: Vec<String>,
    /// Why directives were unsupported, with counts.
    pub unsupported: BTreeMap<String, usize>,
}

impl FileReport {
    fn pass(&mut self, kind: &'static str) {
        self.tallies.entry(kind).or_default().passed += 1;
    }

    fn fail(&mut self, kind: &'static str, line: usize, detail: impl std::fmt::Display) {
        self.tallies.entry(kind).or_default().failed += 1;
        // The first few are enough to find a cause; the tally counts all.
        if self.failures.len() < 8 {
            let detail: String = detail.to_string().chars().take(300).collect();
            self.failures.push(format!("line {line}: {kind}: {detail}"));
        }
    }

    fn unsupported(&mut self, kind: &'static str, why: impl Into<String>) {
        self.tallies.entry(kind).or_default().unsupported += 1;
        let why: String = why.into();
        // Reasons are kept short and free of offsets, so they group.
        let short: String = why
            .split(" (at offset")
            .next()
            .unwrap_or(&why)
            .chars()
            .take(90)
            .collect();
        *self.unsupported.entry(short).or_default() += 1;
    }
}

/// A module of the script and the actions on it.
struct Planned {
    line: usize,
    bytes: Vec<u8>,
    actions: Vec<Action>,
    /// For `assert_trap (module ...)`: the expected trap.
    instantiation: Option<String>,
}

fn options() -> janus_wasm::Options {
    janus_wasm::Options { spectest: true }
}

fn is_unsupported(e: &janus_wasm::WasmError) -> bool {
    matches!(e.code(), "M0100" | "M0101" | "M0102" | "M0103")
}

/// What a module directive's translation says: `Ok` or the error.
fn translate(bytes: &[u8]) -> Result<(), janus_wasm::WasmError> {
    janus_wasm::translate(bytes, &options()).map(drop)
}

/// Runs one script; `work` is a scratch directory.
pub fn run_file(path: &Path, janusc: &Path, work: &Path) -> FileReport {
    let mut report = FileReport::default();
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            report.fail("parse", 0, e);
            return report;
        }
    };
    let line_of = |span: wast::token::Span| span.linecol_in(&source).0 + 1;
    let buffer = match ParseBuffer::new(&source) {
        Ok(b) => b,
        Err(e) => {
            report.fail("parse", 0, e);
            return report;
        }
    };
    let wast = match parser::parse::<Wast>(&buffer) {
        Ok(w) => w,
        Err(e) => {
            report.unsupported(
                "parse",
                format!("wast 263 cannot parse the script: {}", e.message()),
            );
            return report;
        }
    };
    let mut planned: Vec<Planned> = Vec::new();
    // Per module: its index in `planned`, or why it cannot run.
    let mut modules: Vec<Result<usize, String>> = Vec::new();
    let mut named: HashMap<String, usize> = HashMap::new();
    // Modules registered under a name other modules import from.
    let mut registered: HashMap<String, usize> = HashMap::new();
    for mut directive in wast.directives {
        let line = line_of(directive.span());
        match &mut directive {
            WastDirective::Module(module) => {
                let name = module.name().map(|id| id.name().to_string());
                let state = match script::encode(module) {
                    Err(e) => {
                        report.unsupported("module", e.clone());
                        Err(e)
                    }
                    Ok(bytes) => match translate(&bytes) {
                        Ok(()) => {
                            report.pass("module");
                            planned.push(Planned {
                                line,
                                bytes,
                                actions: Vec::new(),
                                instantiation: None,
                            });
                            Ok(planned.len() - 1)
                        }
                        Err(e) if is_unsupported(&e) || e.code().starts_with("M02") => {
                            // A module that links to a registered one may
                            // change that one's table, memory or globals:
                            // what runs on it afterwards cannot be checked.
                            taint(&e, &registered, &mut modules, line);
                            report.unsupported("module", e.to_string());
                            Err(e.to_string())
                        }
                        Err(e) => {
                            report.fail("module", line, &e);
                            Err(e.to_string())
                        }
                    },
                };
                modules.push(state);
                if let Some(name) = name {
                    named.insert(name, modules.len() - 1);
                }
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let plan = script::execute(exec)
                    .and_then(|(m, call)| Ok((m, call, Expect::Return(script::results(results)?))));
                add_action(
                    &mut report,
                    &mut planned,
                    &modules,
                    &named,
                    "assert_return",
                    line,
                    plan,
                );
            }
            WastDirective::AssertTrap {
                exec: wast::WastExecute::Wat(wat),
                message,
                ..
            } => {
                let kind = "assert_trap (instantiation)";
                match wat.encode().map_err(|e| e.message()) {
                    Err(e) => report.unsupported(kind, e),
                    Ok(bytes) => match translate(&bytes) {
                        Err(e) if e.code() == "M0300" && message.contains("out of bounds") => {
                            report.pass(kind)
                        }
                        Err(e) if is_unsupported(&e) || e.code().starts_with("M02") => {
                            taint(&e, &registered, &mut modules, line);
                            report.unsupported(kind, e.to_string())
                        }
                        Err(e) => report.fail(kind, line, e),
                        Ok(()) => planned.push(Planned {
                            line,
                            bytes,
                            actions: Vec::new(),
                            instantiation: Some(message.to_string()),
                        }),
                    },
                }
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let plan = script::execute(exec)
                    .map(|(m, call)| (m, call, Expect::Trap(message.to_string())));
                add_action(
                    &mut report,
                    &mut planned,
                    &modules,
                    &named,
                    "assert_trap",
                    line,
                    plan,
                );
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let plan = script::invoke(call).map(|c| {
                    (
                        call.module.map(|id| id.name()),
                        c,
                        Expect::Trap(message.to_string()),
                    )
                });
                add_action(
                    &mut report,
                    &mut planned,
                    &modules,
                    &named,
                    "assert_exhaustion",
                    line,
                    plan,
                );
            }
            WastDirective::Invoke(invoke) => {
                let plan = script::invoke(invoke)
                    .map(|c| (invoke.module.map(|id| id.name()), c, Expect::Complete));
                add_action(
                    &mut report,
                    &mut planned,
                    &modules,
                    &named,
                    "invoke",
                    line,
                    plan,
                );
            }
            WastDirective::AssertInvalid {
                module, message, ..
            } => {
                expect_rejected(
                    &mut report,
                    "assert_invalid",
                    line,
                    module,
                    message,
                    |code| code == "M0001",
                );
            }
            WastDirective::AssertMalformed {
                module, message, ..
            } => {
                let text = matches!(module, QuoteWat::QuoteModule(..));
                let kind = if text {
                    "assert_malformed (text)"
                } else {
                    "assert_malformed"
                };
                match script::encode(module) {
                    // The text format's own parser rejected it: that is the
                    // test, and it is wast's, not JanusVM's.
                    Err(_) if text => report.pass(kind),
                    Err(e) => report.unsupported(kind, e),
                    Ok(bytes) => check_rejected(&mut report, kind, line, &bytes, message, |code| {
                        code == "M0001"
                    }),
                }
            }
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => match module.encode().map_err(|e| e.message()) {
                Err(e) => report.unsupported("assert_unlinkable", e),
                Ok(bytes) => check_rejected(
                    &mut report,
                    "assert_unlinkable",
                    line,
                    &bytes,
                    message,
                    |code| code.starts_with("M02") || code == "M0300",
                ),
            },
            WastDirective::Register { name, module, .. } => {
                let index = match module {
                    Some(id) => named.get(id.name()).copied(),
                    None => modules.len().checked_sub(1),
                };
                if let Some(index) = index {
                    registered.insert(name.to_string(), index);
                }
            }
            other => {
                let kind = match other {
                    WastDirective::ModuleDefinition(_) => "module definition",
                    WastDirective::ModuleInstance { .. } => "module instance",
                    WastDirective::AssertException { .. } => "assert_exception",
                    _ => "other directive",
                };
                report.unsupported(kind, format!("the `{kind}` directive"));
            }
        }
    }
    for (i, module) in planned.iter().enumerate() {
        run_module(&mut report, module, janusc, &work.join(format!("m{i}")));
    }
    report
}

/// Marks the registered module an unsupported import names as no longer
/// checkable: the importing module may change its table, memory or
/// globals (even when its instantiation traps), which JanusVM cannot run.
fn taint(
    error: &janus_wasm::WasmError,
    registered: &HashMap<String, usize>,
    modules: &mut [Result<usize, String>],
    line: usize,
) {
    if let janus_wasm::WasmError::UnsupportedImport { module: from, .. } = error {
        if let Some(&m) = registered.get(from.as_str()) {
            modules[m] = Err(format!("a later module links to it (line {line})"));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn add_action(
    report: &mut FileReport,
    planned: &mut [Planned],
    modules: &[Result<usize, String>],
    named: &HashMap<String, usize>,
    kind: &'static str,
    line: usize,
    plan: Result<(Option<&str>, Call, Expect), String>,
) {
    let (module, call, expect) = match plan {
        Ok(p) => p,
        Err(why) => return report.unsupported(kind, why),
    };
    let index = match module {
        Some(name) => named.get(name).copied(),
        None => modules.len().checked_sub(1),
    };
    match index.map(|i| &modules[i]) {
        None => report.fail(kind, line, "no module to run it on"),
        Some(Err(why)) => report.unsupported(kind, format!("its module: {why}")),
        Some(Ok(p)) => planned[*p].actions.push(Action {
            kind,
            line,
            call,
            expect,
        }),
    }
}

fn expect_rejected(
    report: &mut FileReport,
    kind: &'static str,
    line: usize,
    module: &mut QuoteWat<'_>,
    message: &str,
    accept: impl Fn(&str) -> bool,
) {
    match script::encode(module) {
        Err(e) => report.unsupported(kind, e),
        Ok(bytes) => check_rejected(report, kind, line, &bytes, message, accept),
    }
}

fn check_rejected(
    report: &mut FileReport,
    kind: &'static str,
    line: usize,
    bytes: &[u8],
    message: &str,
    accept: impl Fn(&str) -> bool,
) {
    match translate(bytes) {
        Err(e) if accept(e.code()) => report.pass(kind),
        Err(e) if is_unsupported(&e) => report.unsupported(kind, e.to_string()),
        Err(e) => report.fail(kind, line, format!("expected `{message}`, got {e}")),
        Ok(()) => report.fail(
            kind,
            line,
            format!("expected `{message}`, but the module translates"),
        ),
    }
}

fn run_module(report: &mut FileReport, module: &Planned, janusc: &Path, dir: &Path) {
    let calls: Vec<Call> = module.actions.iter().map(|a| a.call.clone()).collect();
    let translated = janus_wasm::translate_with(&module.bytes, &options(), |mb, instance| {
        build_main(mb, instance, &calls)
    })
    .and_then(|t| janus_wasm::load_translation(&t));
    let loaded = match translated {
        Ok(l) => l,
        Err(e) => {
            for a in &module.actions {
                report.fail(a.kind, a.line, format!("the driver does not build: {e}"));
            }
            return;
        }
    };
    std::fs::create_dir_all(dir).expect("scratch directory");
    let jbc = dir.join("module.jbc");
    std::fs::write(&jbc, &loaded.bytes).expect("writes the module");
    let exe = dir.join("module");
    let mut engines = vec![Engine::Interp, Engine::Jit];
    if module.instantiation.is_some() || module.actions.iter().any(Action::wants_aot) {
        let built = Command::new(janusc)
            .args(["build", "-O2"])
            .arg(&jbc)
            .arg("-o")
            .arg(&exe)
            .output()
            .expect("janusc starts");
        if built.status.success() {
            engines.push(Engine::Aot);
        } else {
            let why = String::from_utf8_lossy(&built.stderr).into_owned();
            for a in &module.actions {
                report.fail(a.kind, a.line, format!("aot build failed: {why}"));
            }
            return;
        }
    }
    // Per action: the first engine's failure, if any.
    let mut failures: Vec<Option<String>> = vec![None; module.actions.len()];
    let mut instantiation_ok = true;
    for engine in engines {
        match run::run(engine, janusc, &jbc, &exe, module.actions.len()) {
            Err(ending) => match (&module.instantiation, &ending) {
                (Some(want), Outcome::Trap(got)) if run::trap_matches(want, got) => {}
                _ => {
                    instantiation_ok = false;
                    for f in failures.iter_mut().filter(|f| f.is_none()) {
                        *f = Some(format!(
                            "{}: the module's instantiation ended: {ending:?}",
                            engine.name()
                        ));
                    }
                }
            },
            Ok(outcomes) => {
                if module.instantiation.is_some() {
                    instantiation_ok = false;
                }
                for ((action, outcome), failure) in
                    module.actions.iter().zip(outcomes).zip(&mut failures)
                {
                    if failure.is_none() && !satisfies(&action.expect, &outcome) {
                        *failure = Some(format!(
                            "{}: expected {:?}, got {outcome:?}",
                            engine.name(),
                            action.expect
                        ));
                    }
                }
            }
        }
    }
    if module.instantiation.is_some() {
        let kind = "assert_trap (instantiation)";
        if instantiation_ok {
            report.pass(kind);
        } else {
            report.fail(
                kind,
                module.line,
                "the module did not trap as expected at instantiation",
            );
        }
    }
    for (action, failure) in module.actions.iter().zip(failures) {
        match failure {
            None => report.pass(action.kind),
            Some(why) => report.fail(action.kind, action.line, why),
        }
    }
}

fn satisfies(expect: &Expect, outcome: &Outcome) -> bool {
    match (expect, outcome) {
        (Expect::Return(patterns), Outcome::Values(values)) => {
            patterns.len() == values.len()
                && patterns.iter().zip(values).all(|(p, &v)| p.matches(v))
        }
        (Expect::Trap(message), Outcome::Trap(name)) => run::trap_matches(message, name),
        (Expect::Complete, Outcome::Values(_)) => true,
        _ => false,
    }
}
