//! Differential testing of the WebAssembly front end: `wasm-smith` modules
//! restricted to the features janus-wasm translates, their exported
//! functions called with deterministic arguments under `wasmi` (the
//! outside oracle, in-process) and under `janusc run --engine interp` and
//! `--engine jit`, and AOT -O2 every `JANUS_WASM_DIFF_AOT_EVERY`th seed
//! (default 10); results are compared bit for bit (NaNs included: wasm-smith
//! canonicalizes them) and traps by kind. See `wasm_diff/` for the pieces.
//!
//! `JANUS_WASM_DIFF_SEEDS=N` runs N seeds (default 250) from
//! `JANUS_WASM_DIFF_START` (default 0), `JANUS_WASM_DIFF_VERBOSE=1` prints
//! each seed's verdict; `make fuzz` runs thousands more.
//! A disagreeing seed's module is saved as
//! `target/wasm-differential/seed-N.wasm` (what the engines ran; wasmi ran
//! `seed-N.wasmi.wasm`) with `seed-N.txt` beside it (the difference, and
//! the text form when `wasm2wat` is installed); `JANUS_WASM_DIFF_SAVE=1`
//! saves every seed's.

mod common;
#[path = "spec/driver.rs"]
mod driver;
// The spec runner's process protocol; its trap-message matching is the
// spec suite's own.
#[path = "spec/run.rs"]
#[allow(dead_code)]
mod run;
mod wasm_diff;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use wasm_diff::{Setup, Tally, Verdict};

/// Each worker's stack: the debug-build translator and wasmi recurse over
/// nested blocks and calls.
const STACK_SIZE: usize = 256 << 20;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Saves a disagreeing module and what differed; returns the `.wasm` path.
fn save(seed: u64, why: &str) -> PathBuf {
    let dir = common::root().join("target/wasm-differential");
    let wasm = dir.join(format!("seed-{seed}.wasm"));
    let mut text = format!("seed {seed}: {why}\n");
    let written = std::fs::create_dir_all(&dir).is_ok()
        && wasm_diff::smith::case(seed).ok().is_some_and(|case| {
            std::fs::write(&wasm, &case.bytes).is_ok()
                && std::fs::write(wasm.with_extension("wasmi.wasm"), &case.oracle_bytes).is_ok()
        });
    if written {
        if let Ok(out) = Command::new("wasm2wat").arg(&wasm).output() {
            text.push_str(&String::from_utf8_lossy(&out.stdout));
        }
    }
    // The report is a convenience: the message carries the difference.
    let _ = std::fs::write(wasm.with_extension("txt"), text);
    wasm
}

#[derive(Default)]
struct Summary {
    agreed: usize,
    tally: Tally,
    aot_modules: usize,
    not_generated: BTreeMap<String, usize>,
    unsupported: BTreeMap<&'static str, usize>,
    inconclusive: BTreeMap<String, usize>,
    mismatches: Vec<String>,
}

impl Summary {
    fn add(&mut self, seed: u64, verdict: Verdict) {
        match verdict {
            Verdict::NotGenerated(why) => {
                let short: String = why.chars().take(60).collect();
                *self.not_generated.entry(short).or_default() += 1
            }
            Verdict::Unsupported(code) => *self.unsupported.entry(code).or_default() += 1,
            Verdict::Inconclusive(why) => *self.inconclusive.entry(why).or_default() += 1,
            Verdict::Agreed(t) => {
                self.agreed += 1;
                self.tally.returned += t.returned;
                self.tally.trapped += t.trapped;
                self.tally.globals += t.globals;
                self.tally.checksums += t.checksums;
                self.tally.excluded += t.excluded;
                self.aot_modules += usize::from(t.aot);
            }
            Verdict::Mismatch(why) => {
                let wasm = save(seed, &why);
                self.mismatches.push(format!(
                    "seed {seed}: {why}\n    module: {} (wasm2wat it; JANUS_WASM_DIFF_START={seed} JANUS_WASM_DIFF_SEEDS=1 reruns it)",
                    wasm.display()
                ));
            }
        }
    }
}

#[test]
fn wasm_smith_modules_agree_with_wasmi_under_every_engine() {
    let start = env_u64("JANUS_WASM_DIFF_START", 0);
    let seeds = env_u64("JANUS_WASM_DIFF_SEEDS", 250);
    let aot_every = env_u64("JANUS_WASM_DIFF_AOT_EVERY", 10).max(1);
    let verbose = std::env::var_os("JANUS_WASM_DIFF_VERBOSE").is_some();
    let janusc = Path::new(env!("CARGO_BIN_EXE_janusc"));
    let work = tempfile::tempdir().expect("tempdir");
    let next = AtomicU64::new(start);
    let summary = Mutex::new(Summary::default());
    let began = std::time::Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            let worker = std::thread::Builder::new().stack_size(STACK_SIZE);
            let spawned = worker.spawn_scoped(scope, || loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= start + seeds {
                    break;
                }
                let dir = work.path().join(format!("seed-{seed}"));
                let setup = Setup {
                    janusc,
                    work: &dir,
                    aot: seed.is_multiple_of(aot_every),
                };
                let verdict = wasm_diff::check(seed, &setup);
                if std::env::var_os("JANUS_WASM_DIFF_SAVE").is_some() {
                    save(seed, &format!("{verdict:?}"));
                }
                if verbose {
                    println!("seed {seed}: {verdict:?}");
                }
                // Scratch files of agreeing seeds are not needed.
                let _ = std::fs::remove_dir_all(&dir);
                summary.lock().expect("no panics").add(seed, verdict);
            });
            spawned.expect("a worker thread starts");
        }
    });
    let s = summary.into_inner().expect("no panics");
    println!(
        "wasm differential: seeds {start}..{} in {:.1?}: {} agreed ({} with AOT), {} calls returned, {} trapped, {} globals read, {} memory checksums, {} calls excluded by the oracle; not generated {:?}; unsupported {:?}; inconclusive {:?}; {} mismatches",
        start + seeds,
        began.elapsed(),
        s.agreed,
        s.aot_modules,
        s.tally.returned,
        s.tally.trapped,
        s.tally.globals,
        s.tally.checksums,
        s.tally.excluded,
        s.not_generated,
        s.unsupported,
        s.inconclusive,
        s.mismatches.len()
    );
    assert!(
        s.mismatches.is_empty(),
        "{} seeds disagree:\n{}",
        s.mismatches.len(),
        s.mismatches.join("\n")
    );
    // Guard against a vacuous run: most seeds must compare something.
    assert!(
        s.agreed * 2 >= seeds as usize,
        "only {} of {seeds} seeds compared anything",
        s.agreed
    );
}

/// Runs `f` on a thread with a worker's stack (wasmi's debug build needs
/// more than a test thread's).
fn on_a_big_stack(f: impl FnOnce() + Send) {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, f)
            .expect("a thread starts")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    });
}

/// The text module `wat`, encoded.
fn encode(wat: &str) -> Vec<u8> {
    let buffer = wast::parser::ParseBuffer::new(wat).expect("lexes");
    let mut module = wast::parser::parse::<wast::Wat>(&buffer).expect("parses");
    module.encode().expect("encodes")
}

#[test]
fn the_nan_rewrite_makes_promote_and_demote_canonical_under_wasmi() {
    on_a_big_stack(|| {
        use driver::Call;
        use wasm_diff::oracle::{Expected, Oracle};
        let bytes = encode(
            r#"(module (global (mut i32) (i32.const 0))
          (func (export "promote") (result i64)
            (i64.reinterpret_f64 (f64.promote_f32 (f32.const -nan:0x200001))))
          (func (export "demote") (result i32)
            (i32.reinterpret_f32 (f32.demote_f64 (f64.const -nan:0x4000000000001))))
          (func (export "plain") (param f64) (result f64) (local.get 0)))"#,
        );
        let calls = [
            Call::Invoke {
                name: "promote".into(),
                args: vec![],
            },
            Call::Invoke {
                name: "demote".into(),
                args: vec![],
            },
            Call::Invoke {
                name: "plain".into(),
                args: vec![(janus_runtime::abi::ValType::F64, 0xfff8_0000_0000_0001)],
            },
        ];
        let run = |bytes: &[u8]| {
            Oracle::new(bytes)
                .expect("wasmi compiles it")
                .replay(&calls)
        };
        // wasmi keeps the sign (and payload) a NaN had: the rewrite matters.
        let before = run(&bytes).expect("instantiates");
        assert_ne!(before[0], Expected::Values(vec![0x7ff8_0000_0000_0000]));
        let after = run(&wasm_diff::rewrite::rewrite(&bytes, None, false).expect("re-encodes"))
            .expect("instantiates");
        assert_eq!(
            after,
            vec![
                Expected::Values(vec![0x7ff8_0000_0000_0000]),
                Expected::Values(vec![0x7fc0_0000]),
                // What is not a promote or demote keeps its NaN's bits.
                Expected::Values(vec![0xfff8_0000_0000_0001]),
            ]
        );
        let no_globals =
            encode(r#"(module (func (export "f") (result f64) (f64.promote_f32 (f32.const 1))))"#);
        assert!(wasm_diff::rewrite::rewrite(&no_globals, None, false).is_err());
    });
}

#[test]
fn select_conditions_through_a_global_work_around_wasmis_select_fusion() {
    on_a_big_stack(|| {
        use driver::Call;
        use wasm_diff::oracle::{Expected, Oracle};
        // wasmi 2.0.0 yields 7 for x = 5 here; the spec, wabt and JanusVM
        // say 5. The rewrite for wasmi must give 5.
        let bytes = encode(
            r#"(module (global (mut i32) (i32.const 0))
          (func (export "f") (param i32) (result i32)
            i32.const 7 local.get 0 local.get 0 i32.eqz select))"#,
        );
        let calls: Vec<Call> = [0, 5]
            .into_iter()
            .map(|x| Call::Invoke {
                name: "f".into(),
                args: vec![(janus_runtime::abi::ValType::I32, x)],
            })
            .collect();
        let run = |bytes: &[u8]| {
            Oracle::new(bytes)
                .expect("wasmi compiles it")
                .replay(&calls)
        };
        let isolated = wasm_diff::rewrite::rewrite(&bytes, None, true).expect("re-encodes");
        assert_eq!(
            run(&isolated).expect("instantiates"),
            vec![Expected::Values(vec![7]), Expected::Values(vec![5])]
        );
        // If wasmi is fixed, this says the workaround can go.
        assert_eq!(
            run(&bytes).expect("instantiates")[1],
            Expected::Values(vec![7]),
            "wasmi no longer miscompiles select(c, x, eqz x): drop the select isolation"
        );
    });
}

#[test]
fn each_call_from_outside_gets_the_fuel_again() {
    on_a_big_stack(|| {
        use driver::Call;
        use wasm_diff::oracle::{Expected, Oracle};
        // `spin` burns 600 of global 0's fuel the way `ensure_termination`'s
        // checks do; a second call finds too little unless the export refills.
        let bytes = encode(
            r#"(module (global (mut i32) (i32.const 1000))
          (func $spin (export "spin") (result i32) (local i32)
            (loop $l
              (if (i32.eqz (global.get 0)) (then unreachable))
              (global.set 0 (i32.sub (global.get 0) (i32.const 1)))
              (local.set 0 (i32.add (local.get 0) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get 0) (i32.const 600))))
            (local.get 0))
          (func (export "twice") (result i32) (i32.add (call $spin) (call $spin))))"#,
        );
        let call = |name: &str| Call::Invoke {
            name: name.into(),
            args: vec![],
        };
        let calls = [call("spin"), call("spin"), call("twice")];
        let run = |bytes: &[u8]| {
            Oracle::new(bytes)
                .expect("wasmi compiles it")
                .replay(&calls)
        };
        let unreachable = Expected::Trap(janus_runtime::abi::TrapKind::Unreachable.name());
        assert_eq!(
            run(&bytes).expect("instantiates")[1],
            unreachable,
            "without the wrappers the second call runs dry"
        );
        let refilled =
            wasm_diff::rewrite::rewrite(&bytes, Some((0, 1000)), false).expect("re-encodes");
        assert_eq!(
            run(&refilled).expect("instantiates"),
            vec![
                Expected::Values(vec![600]),
                Expected::Values(vec![600]),
                // Inside the module nothing refills: 1200 iterations trap.
                unreachable.clone(),
            ]
        );
    });
}
