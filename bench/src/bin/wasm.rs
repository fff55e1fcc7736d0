//! The WebAssembly section of `make bench`: each benchmark's C twin
//! (samples/c) compiled once by clang-19 for wasm32-wasi at -O2, and that
//! one `.wasm` file run by janusc's AOT executable (-O2), its JIT and its
//! interpreter, next to wasmtime, wasm2c + gcc -O2 and wasmi, with the same
//! C compiled natively by gcc -O2 as the reference.
//!
//! The peers run with their own defaults: wasmtime and wasm2c catch
//! out-of-bounds accesses with guard pages, janusc checks every access
//! explicitly. Every engine's output is first checked to equal gcc's byte
//! for byte; then every engine runs once per round, interleaved, and the
//! tables give medians. The compiled engines run at the size of
//! `janus_bench::games` (gcc about half a second); the two interpreters,
//! which are 10-100 times slower, run at a smaller size of the same
//! program so the comparison takes minutes, and are compared only with
//! each other (and gcc at that size).
//!
//! Prints the section and writes it to `target/bench/wasm.md`, which
//! `report` puts into bench/results.md. `BENCH_ROUNDS` (default 3) and
//! `BENCH_ONLY=fib,nbody` as for `report`.

use janus_bench::games::{Benchmark, BENCHMARKS};
use janus_bench::geomean;
use janus_bench::wasm::{self, Program, Runner, Tools};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A benchmark of the WebAssembly comparison.
struct Case {
    /// Its name in `janus_bench::games`.
    name: &'static str,
    /// The size at which the two interpreters are compared.
    interp_size: &'static str,
    /// Whether it is one of the six programs the targets average over.
    core: bool,
}

/// The programs, in report order: the six of the targets, then two more.
const CASES: [Case; 8] = [
    Case {
        name: "fib",
        interp_size: "34",
        core: true,
    },
    Case {
        name: "nbody",
        interp_size: "600000",
        core: true,
    },
    Case {
        name: "spectral_norm",
        interp_size: "900",
        core: true,
    },
    Case {
        name: "fannkuch",
        interp_size: "9",
        core: true,
    },
    Case {
        name: "mandelbrot",
        interp_size: "1000",
        core: true,
    },
    Case {
        name: "sieve",
        interp_size: "15000000",
        core: true,
    },
    Case {
        name: "fasta",
        interp_size: "750000",
        core: false,
    },
    Case {
        name: "binary_trees",
        interp_size: "14",
        core: false,
    },
];

/// The targets of the issue.
const PEER_MEAN_TARGET: f64 = 1.0;
const PEER_WORST_TARGET: f64 = 1.15;
const INTERP_TARGET: f64 = 1.0;
const HELLO_TARGET: u64 = 128 * 1024;

/// One runner of one case at one size, and its timed runs.
struct Slot {
    runner: Runner,
    size: &'static str,
    argv: Vec<OsString>,
    out: PathBuf,
    /// CPU times (user plus system), what the tables give.
    times: Vec<Duration>,
    /// Wall times, for the wall-clock table.
    wall: Vec<Duration>,
}

/// A case made ready: every available runner's command line.
struct Prepared {
    case: &'static Case,
    bench: Benchmark,
    slots: Vec<Slot>,
}

impl Prepared {
    /// The median CPU time of `runner` (at the size of its column).
    fn median(&self, runner: Runner) -> Option<f64> {
        let slot = self.slots.iter().find(|s| s.runner == runner)?;
        median_of(&slot.times)
    }

    /// The median wall time of `runner`.
    fn median_wall(&self, runner: Runner) -> Option<f64> {
        let slot = self.slots.iter().find(|s| s.runner == runner)?;
        median_of(&slot.wall)
    }

    /// gcc's median at the interpreters' size.
    fn small_gcc(&self) -> Option<f64> {
        let slot = self
            .slots
            .iter()
            .find(|s| s.runner == Runner::Gcc && s.size == self.case.interp_size)?;
        median_of(&slot.times)
    }

    fn ratio(&self, a: Runner, b: Runner) -> Option<f64> {
        Some(self.median(a)? / self.median(b)?)
    }

    /// AOT over the faster of wasm2c and wasmtime.
    fn aot_over_best_peer(&self) -> Option<f64> {
        let best = match (self.median(Runner::Wasm2c), self.median(Runner::Wasmtime)) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return None,
        };
        Some(self.median(Runner::Aot)? / best)
    }
}

fn median_of(samples: &[Duration]) -> Option<f64> {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).map(Duration::as_secs_f64)
}

/// What is installed, and what is not (and so left out of the tables).
struct Available {
    tools: Tools,
    wasmtime: bool,
    wasmi: bool,
    wasm2c: bool,
    missing: Vec<&'static str>,
}

fn available(root: &Path) -> Available {
    let python =
        PathBuf::from(std::env::var_os("BENCH_PYTHON").unwrap_or_else(|| "python3".into()));
    let wasmtime = wasm::has_wasmtime(&python);
    let wasmi = wasm::find_wasmi();
    let wasm_rt = wasm::find_wasm_rt();
    let mut missing = Vec::new();
    if !wasmtime {
        missing.push("wasmtime (pip install wasmtime)");
    }
    if wasmi.is_none() {
        missing.push("wasmi (cargo install wasmi_cli)");
    }
    if wasm_rt.is_none() {
        missing.push("wasm2c's runtime (apt-get install wabt)");
    }
    Available {
        wasmtime,
        wasmi: wasmi.is_some(),
        wasm2c: wasm_rt.is_some(),
        missing,
        tools: Tools {
            root: root.to_path_buf(),
            janusc: root.join("target/release/janusc"),
            wasm_rt: wasm_rt.unwrap_or_default(),
            python,
            wasmi: wasmi.unwrap_or_default(),
        },
    }
}

/// Builds every executable `case` needs in `dir` and lists its slots.
fn prepare(av: &Available, dir: &Path, case: &'static Case) -> Result<Prepared, String> {
    let bench = *BENCHMARKS
        .iter()
        .find(|b| b.name == case.name)
        .ok_or_else(|| format!("{} is not a benchmark of games.rs", case.name))?;
    let tools = &av.tools;
    let c = bench.c_path(&tools.root);
    let at = |suffix: &str| dir.join(format!("{}{suffix}", case.name));
    let (wasm, native, aot, w2c) = (at(".wasm"), at("-gcc"), at("-aot"), at("-wasm2c"));
    let unchecked = at("-unchecked");
    wasm::clang_wasm(&c, &wasm)?;
    wasm::gcc_native(&c, &native)?;
    wasm::janusc_build(tools, &wasm, &[], &aot)?;
    wasm::janusc_unchecked(&wasm, &unchecked)?;
    if av.wasm2c {
        wasm::wasm2c_gcc(tools, &wasm, &at("-wasm2c-src"), &w2c)?;
    }
    let program = Program {
        native: &native,
        aot: &aot,
        w2c: &w2c,
        wasm: &wasm,
        unchecked: &unchecked,
    };
    let mut slots = Vec::new();
    let mut add = |runner: Runner, size: &'static str| {
        let out = dir.join(format!("{}-{}-{size}.out", case.name, slots.len()));
        slots.push(Slot {
            runner,
            size,
            argv: wasm::argv(tools, runner, &program, size),
            out,
            times: Vec::new(),
            wall: Vec::new(),
        });
    };
    for runner in Runner::ALL {
        let present = match runner {
            Runner::Gcc
            | Runner::Aot
            | Runner::Jit
            | Runner::Hybrid
            | Runner::Interp
            | Runner::AotUnchecked => true,
            Runner::Wasmtime => av.wasmtime,
            Runner::Wasmi => av.wasmi,
            Runner::Wasm2c => av.wasm2c,
        };
        if !present {
            continue;
        }
        if runner.interprets() {
            add(runner, case.interp_size);
        } else {
            add(runner, bench.size);
        }
    }
    add(Runner::Gcc, case.interp_size);
    Ok(Prepared { case, bench, slots })
}

/// Runs every slot once, untimed, and checks it prints what gcc prints at
/// the same size, byte for byte.
fn verify(p: &Prepared, stdin: &Path) -> Vec<String> {
    let mut expected: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut failures = Vec::new();
    for slot in p.slots.iter().filter(|s| s.runner == Runner::Gcc) {
        match wasm::run(slot.runner, &slot.argv, stdin, &slot.out) {
            Ok(run) => expected.push((slot.size, run.stdout)),
            Err(e) => failures.push(format!("{} {} under gcc: {e}", p.case.name, slot.size)),
        }
    }
    for slot in p.slots.iter().filter(|s| s.runner != Runner::Gcc) {
        let Some((_, reference)) = expected.iter().find(|(size, _)| *size == slot.size) else {
            continue;
        };
        match wasm::run(slot.runner, &slot.argv, stdin, &slot.out) {
            Ok(run) if run.stdout == *reference => {}
            Ok(run) => failures.push(format!(
                "{} {}: {} prints {} bytes that differ from gcc's {} bytes",
                p.case.name,
                slot.size,
                slot.runner.label(),
                run.stdout.len(),
                reference.len()
            )),
            Err(e) => failures.push(format!(
                "{} {} under {}: {e}",
                p.case.name,
                slot.size,
                slot.runner.label()
            )),
        }
    }
    failures
}

/// One timed run of every slot of every case.
fn round(prepared: &mut [Prepared], stdin: &Path) -> Result<(), String> {
    for p in prepared.iter_mut() {
        for slot in &mut p.slots {
            let run = wasm::run(slot.runner, &slot.argv, stdin, &slot.out)
                .map_err(|e| format!("{} under {}: {e}", p.case.name, slot.runner.label()))?;
            slot.times.push(run.cpu);
            slot.wall.push(run.wall);
        }
    }
    Ok(())
}

fn fmt_time(t: Option<f64>) -> String {
    t.map_or("n/a".into(), |t| format!("{t:.3}"))
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or("n/a".into(), |r| format!("{r:.2}"))
}

/// `met`, or `MISSED by N%` over the target.
fn verdict(value: f64, target: f64) -> String {
    if value <= target {
        "met".into()
    } else {
        format!("MISSED by {:.0}%", (value / target - 1.0) * 100.0)
    }
}

/// A markdown table: header, alignment row, rows.
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let align: Vec<&str> = (0..header.len())
        .map(|i| if i == 0 { ":--" } else { "--:" })
        .collect();
    let _ = writeln!(out, "|{}|", align.join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
}

/// The geometric mean of `f` over the six core programs that have it.
fn core_mean(prepared: &[Prepared], f: impl Fn(&Prepared) -> Option<f64>) -> Option<f64> {
    let ratios: Vec<f64> = prepared
        .iter()
        .filter(|p| p.case.core)
        .filter_map(f)
        .collect();
    (!ratios.is_empty()).then(|| geomean(&ratios))
}

/// The stripped and unstripped sizes of hello.c's `.wasm` built by janusc.
fn hello_sizes(tools: &Tools, dir: &Path) -> Result<(u64, u64), String> {
    let wasm = dir.join("hello.wasm");
    wasm::clang_wasm(&tools.root.join("samples/c/hello.c"), &wasm)?;
    let size = |extra: &[&str], name: &str| -> Result<u64, String> {
        let exe = dir.join(name);
        wasm::janusc_build(tools, &wasm, extra, &exe)?;
        std::fs::metadata(&exe)
            .map(|m| m.len())
            .map_err(|e| format!("{}: {e}", exe.display()))
    };
    Ok((size(&[], "hello")?, size(&["--strip"], "hello-stripped")?))
}

/// The section's markdown.
fn render(prepared: &[Prepared], av: &Available, rounds: usize, hello: (u64, u64)) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## WebAssembly\n");
    let _ = writeln!(
        out,
        "Written by bench/src/bin/wasm.rs. Each C twin compiled once by `clang-19 --target=wasm32-wasi -O2` \
         (with -mcpu=mvp -msign-ext -mnontrapping-fptoint -mbulk-memory); that `.wasm` file run by janusc \
         (`janusc build -O2`, `janusc run --engine jit`, `--engine hybrid`, `--engine interp`), wasmtime (Python bindings; \
         only `_start` timed, inside the process, after compilation), wasm2c + gcc -O2 (wabt's runtime, \
         bench/wasm2c/host.c for WASI) and wasmi (the `wasmi` executable of `cargo install wasmi_cli`); native gcc -O2 of the same C is the \
         reference. Peers with their own defaults: wasmtime and wasm2c use guard pages, janusc explicit \
         bounds checks. Every output was first checked to equal gcc's byte for byte. Medians of {rounds} \
         interleaved rounds, in CPU seconds (user + system, from wait4; wasmtime: Python's \
         process_time around `_start` alone), because the machine's two cores are shared and the \
         wall clock also counts waiting for a core; the wall-clock medians follow the first table. Geometric means over the six \
         programs of the targets; fasta and binary_trees are shown but not averaged.\n"
    );
    if !av.missing.is_empty() {
        let _ = writeln!(
            out,
            "Not installed, so left out: {}.\n",
            av.missing.join(", ")
        );
    }
    let compiled = [
        Runner::Gcc,
        Runner::Aot,
        Runner::Jit,
        Runner::Hybrid,
        Runner::Wasmtime,
        Runner::Wasm2c,
    ];
    let _ = writeln!(out, "### Compiled engines\n");
    let mut header = vec!["program", "size"];
    header.extend(compiled.iter().map(|r| r.label()));
    let rows: Vec<Vec<String>> = prepared
        .iter()
        .map(|p| {
            let mut row = vec![p.case.name.to_string(), p.bench.size.to_string()];
            row.extend(compiled.iter().map(|&r| fmt_time(p.median(r))));
            row
        })
        .collect();
    table(&mut out, &header, &rows);
    let _ = writeln!(out, "\nWall clock, seconds (wasmtime: `_start` alone):\n");
    let rows: Vec<Vec<String>> = prepared
        .iter()
        .map(|p| {
            let mut row = vec![p.case.name.to_string(), p.bench.size.to_string()];
            row.extend(compiled.iter().map(|&r| fmt_time(p.median_wall(r))));
            row
        })
        .collect();
    table(&mut out, &header, &rows);

    type Ratio = fn(&Prepared) -> Option<f64>;
    let columns: [(&str, Ratio); 8] = [
        ("aot/gcc", |p| p.ratio(Runner::Aot, Runner::Gcc)),
        ("aot/wasm2c", |p| p.ratio(Runner::Aot, Runner::Wasm2c)),
        ("aot/wasmtime", |p| p.ratio(Runner::Aot, Runner::Wasmtime)),
        ("aot/faster peer", Prepared::aot_over_best_peer),
        ("wasm2c/gcc", |p| p.ratio(Runner::Wasm2c, Runner::Gcc)),
        ("wasmtime/gcc", |p| p.ratio(Runner::Wasmtime, Runner::Gcc)),
        ("jit/aot", |p| p.ratio(Runner::Jit, Runner::Aot)),
        ("hybrid/aot", |p| p.ratio(Runner::Hybrid, Runner::Aot)),
    ];
    let _ = writeln!(out, "\n### Ratios\n");
    let _ = writeln!(
        out,
        "Time over time. \"faster peer\": the faster of wasm2c+gcc and wasmtime on that program.\n"
    );
    let mut header = vec!["program"];
    header.extend(columns.iter().map(|c| c.0));
    let mut rows: Vec<Vec<String>> = prepared
        .iter()
        .map(|p| {
            let name = if p.case.core {
                p.case.name.to_string()
            } else {
                format!("{} (not averaged)", p.case.name)
            };
            let mut row = vec![name];
            row.extend(columns.iter().map(|(_, f)| fmt_ratio(f(p))));
            row
        })
        .collect();
    let mut means = vec!["**geometric mean**".to_string()];
    means.extend(
        columns
            .iter()
            .map(|(_, f)| format!("**{}**", fmt_ratio(core_mean(prepared, f)))),
    );
    rows.push(means);
    table(&mut out, &header, &rows);

    let _ = writeln!(out, "\n### Bounds checks\n");
    let _ = writeln!(
        out,
        "janusc checks every memory access explicitly; wasm2c and wasmtime rely on guard pages. \
         The same `.wasm` built with no checks at all (an executable that exists only here) shows \
         what the checks cost, the most a guard-page scheme could save.\n"
    );
    let unchecked_over_peer =
        |p: &Prepared| Some(p.aot_over_best_peer()? * p.ratio(Runner::AotUnchecked, Runner::Aot)?);
    let rows: Vec<Vec<String>> = prepared
        .iter()
        .map(|p| {
            vec![
                p.case.name.to_string(),
                fmt_time(p.median(Runner::Aot)),
                fmt_time(p.median(Runner::AotUnchecked)),
                fmt_ratio(p.ratio(Runner::Aot, Runner::AotUnchecked)),
                fmt_ratio(unchecked_over_peer(p)),
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "program",
            "checked s",
            "unchecked s",
            "checked/unchecked",
            "unchecked/faster peer",
        ],
        &rows,
    );
    let _ = writeln!(
        out,
        "\nGeometric means: checked/unchecked {}, unchecked/faster peer {}",
        fmt_ratio(core_mean(prepared, |p| p.ratio(Runner::Aot, Runner::AotUnchecked))),
        fmt_ratio(core_mean(prepared, unchecked_over_peer))
    );

    let _ = writeln!(out, "\n### Interpreters\n");
    let _ = writeln!(
        out,
        "At a smaller size of the same programs (both interpreters at the same size).\n"
    );
    let rows: Vec<Vec<String>> = prepared
        .iter()
        .map(|p| {
            vec![
                p.case.name.to_string(),
                p.case.interp_size.to_string(),
                fmt_time(p.small_gcc()),
                fmt_time(p.median(Runner::Interp)),
                fmt_time(p.median(Runner::Wasmi)),
                fmt_ratio(p.ratio(Runner::Interp, Runner::Wasmi)),
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "program",
            "size",
            "gcc -O2",
            "janusc interp",
            "wasmi",
            "interp/wasmi",
        ],
        &rows,
    );
    let interp_mean = core_mean(prepared, |p| p.ratio(Runner::Interp, Runner::Wasmi));
    let _ = writeln!(
        out,
        "\nGeometric mean interp/wasmi: {}",
        fmt_ratio(interp_mean)
    );

    let _ = writeln!(out, "\n### Targets\n");
    let target_line = |out: &mut String, what: &str, value: Option<f64>, target: f64| {
        let _ = match value {
            Some(v) => writeln!(
                out,
                "- {what}: {v:.2} (target at most {target:.2}: {})",
                verdict(v, target)
            ),
            None => writeln!(out, "- {what}: not measured"),
        };
    };
    target_line(
        &mut out,
        "janusc AOT vs wasm2c+gcc, geometric mean",
        core_mean(prepared, |p| p.ratio(Runner::Aot, Runner::Wasm2c)),
        PEER_MEAN_TARGET,
    );
    target_line(
        &mut out,
        "janusc AOT vs wasmtime, geometric mean",
        core_mean(prepared, |p| p.ratio(Runner::Aot, Runner::Wasmtime)),
        PEER_MEAN_TARGET,
    );
    let worst = prepared
        .iter()
        .filter(|p| p.case.core)
        .filter_map(|p| p.aot_over_best_peer().map(|r| (r, p.case.name)))
        .fold(None, |w: Option<(f64, &str)>, x| match w {
            Some(w) if w.0 >= x.0 => Some(w),
            _ => Some(x),
        });
    match worst {
        Some((r, name)) => {
            let over: Vec<String> = prepared
                .iter()
                .filter(|p| p.case.core)
                .filter_map(|p| Some((p.aot_over_best_peer()?, p.case.name)))
                .filter(|(r, _)| *r > PEER_WORST_TARGET)
                .map(|(r, n)| format!("{n} {r:.2}"))
                .collect();
            let _ = writeln!(
                out,
                "- janusc AOT vs the faster peer, worst program: {r:.2}, {name} (target at most {PEER_WORST_TARGET:.2}: {}){}",
                verdict(r, PEER_WORST_TARGET),
                if over.is_empty() {
                    String::new()
                } else {
                    format!("; over it: {}", over.join(", "))
                }
            );
        }
        None => {
            let _ = writeln!(out, "- janusc AOT vs the faster peer: not measured");
        }
    }
    let interp_line = match interp_mean {
        Some(v) if v < INTERP_TARGET => format!("{v:.2} (target below 1.00: met)"),
        Some(v) => format!(
            "{v:.2} (target below 1.00: MISSED, {:.0}% slower)",
            (v - 1.0) * 100.0
        ),
        None => "not measured".into(),
    };
    let _ = writeln!(
        out,
        "- janusc interpreter vs wasmi, geometric mean: {interp_line}"
    );
    let _ = writeln!(
        out,
        "- hello-world `.wasm` (samples/c/hello.c) as an executable, `janusc build -O2 --strip`: {} bytes \
         ({} unstripped; target at most {HELLO_TARGET}: {})",
        hello.1,
        hello.0,
        verdict(hello.1 as f64, HELLO_TARGET as f64)
    );
    let _ = writeln!(
        out,
        "- for scale, the issue measured wasm2c+gcc at 0.85x and wasmtime at 0.96x native gcc; here: \
         wasm2c+gcc {}x, wasmtime {}x",
        fmt_ratio(core_mean(prepared, |p| p.ratio(Runner::Wasm2c, Runner::Gcc))),
        fmt_ratio(core_mean(prepared, |p| p.ratio(Runner::Wasmtime, Runner::Gcc)))
    );
    out
}

fn fail(message: &str) -> ! {
    eprintln!("wasm: {message}");
    std::process::exit(1);
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repository root");
    let av = available(&root);
    if !av.tools.janusc.exists() {
        fail(&format!(
            "{} is missing: run `make bench`, which builds it",
            av.tools.janusc.display()
        ));
    }
    for m in &av.missing {
        eprintln!("wasm: not installed, left out: {m}");
    }
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(3);
    let only = std::env::var("BENCH_ONLY").ok();
    let dir = tempfile::tempdir().expect("temporary directory");
    let stdin = dir.path().join("empty-stdin");
    std::fs::write(&stdin, b"").expect("temporary directory is writable");
    let selected: Vec<&'static Case> = CASES
        .iter()
        .filter(|c| {
            only.as_ref()
                .is_none_or(|o| o.split(',').any(|n| n == c.name))
        })
        .collect();
    if selected.is_empty() {
        fail(&format!(
            "BENCH_ONLY={only:?} names no WebAssembly benchmark"
        ));
    }

    eprintln!(
        "wasm: building {} programs for every engine",
        selected.len()
    );
    let mut prepared = Vec::new();
    for case in selected {
        match prepare(&av, dir.path(), case) {
            Ok(p) => prepared.push(p),
            Err(e) => fail(&e),
        }
    }
    eprintln!("wasm: checking every engine prints what gcc prints");
    let failures: Vec<String> = prepared.iter().flat_map(|p| verify(p, &stdin)).collect();
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("wasm: {f}");
        }
        std::process::exit(1);
    }
    for r in 1..=rounds {
        eprintln!("wasm: timed round {r} of {rounds}");
        if let Err(e) = round(&mut prepared, &stdin) {
            fail(&e);
        }
    }
    let hello = hello_sizes(&av.tools, dir.path()).unwrap_or_else(|e| fail(&e));
    let section = render(&prepared, &av, rounds, hello);
    print!("{section}");
    let path = root.join("target/bench/wasm.md");
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, &section));
    match written {
        Ok(()) => eprintln!("wasm: wrote {}", path.display()),
        Err(e) => fail(&format!("cannot write {}: {e}", path.display())),
    }
}
