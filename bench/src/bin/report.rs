//! The benchmarks report: every program of `janus_bench::games` under gcc -O2,
//! JanusVM's AOT executable, its JIT and its interpreter, Lua 5.4 and LuaJIT,
//! at a size where gcc takes about half a second, timed in interleaved
//! rounds (every engine once per round, so a slow spell of the machine hits
//! them all) and reported as medians and ratios, with the targets of the
//! engines and benchmarks issues. Also: `janusc build` times and sizes, the
//! start-up time of hello and of janusc itself (the section the `startup`
//! bin measured and wrote), and what the bounds checks cost; last, the
//! WebAssembly section that the `wasm` bin measured and wrote.
//!
//! Prints the report and writes it to `bench/results.md`, with the chart
//! `bench/results.svg`. `BENCH_ROUNDS` (default 3) sets the timed rounds;
//! `BENCH_ONLY=fib,nbody` limits the programs.

use janus_bench::games::{Benchmark, BENCHMARKS};
use janus_bench::{chart, geomean, machine, median_time, startup};
use janus_compiler::driver::{self, Options, Wanted};
use janus_compiler::llvm::{BoundsChecks, OptLevel};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The ways one benchmark is run, in the table's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Engine {
    Gcc,
    Aot,
    Jit,
    Hybrid,
    Interp,
    Lua,
    LuaJit,
    /// The AOT executable built without bounds checks (never shipped):
    /// what the checks cost.
    AotUnchecked,
}

impl Engine {
    const ALL: [Engine; 8] = [
        Engine::Gcc,
        Engine::Aot,
        Engine::Jit,
        Engine::Hybrid,
        Engine::Interp,
        Engine::Lua,
        Engine::LuaJit,
        Engine::AotUnchecked,
    ];

    fn label(self) -> &'static str {
        match self {
            Engine::Gcc => "gcc -O2",
            Engine::Aot => "aot -O2",
            Engine::Jit => "jit -O2",
            Engine::Hybrid => "hybrid",
            Engine::Interp => "interp",
            Engine::Lua => "lua5.4",
            Engine::LuaJit => "luajit",
            Engine::AotUnchecked => "aot unchecked",
        }
    }
}

/// A benchmark made ready to run: the command line of each engine that is
/// available, and the medians measured so far.
struct Prepared {
    bench: Benchmark,
    commands: Vec<(Engine, Vec<PathBuf>)>,
    times: Vec<(Engine, Vec<Duration>)>,
    build_o0: Duration,
    build_o2: Duration,
    exe_bytes: u64,
}

impl Prepared {
    fn median(&self, engine: Engine) -> Option<f64> {
        let (_, samples) = self.times.iter().find(|(e, _)| *e == engine)?;
        let mut sorted = samples.clone();
        sorted.sort();
        sorted.get(sorted.len() / 2).map(Duration::as_secs_f64)
    }

    fn ratio(&self, a: Engine, b: Engine) -> Option<f64> {
        Some(self.median(a)? / self.median(b)?)
    }
}

fn command(argv: &[PathBuf]) -> Command {
    let mut c = Command::new(&argv[0]);
    c.args(&argv[1..]);
    c
}

fn has_tool(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn ok(status: std::io::Result<std::process::ExitStatus>, what: &str) {
    match status {
        Ok(s) if s.success() => {}
        other => panic!("{what} failed: {other:?}"),
    }
}

/// Builds `bench` at -O2 without bounds checks, through the same driver
/// call as `janusc build` but with the one switch no user can reach.
fn build_unchecked(root: &Path, bench: &Benchmark, exe: &Path) {
    let source = std::fs::read(bench.jasm_path(root)).expect("readable program");
    let loaded = janus_compiler::load(&source).expect("valid program");
    let options = Options {
        opt: OptLevel::O2,
        bounds: BoundsChecks::OmittedForMeasurement,
        ..Options::default()
    };
    let artefacts = driver::compile(&loaded, &options, Wanted::EXECUTABLE).expect("compiles");
    let linked = artefacts.executable.expect("asked for");
    std::fs::write(exe, &linked.executable).expect("executable written");
    std::fs::set_permissions(
        exe,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755),
    )
    .expect("executable mode set");
}

/// Compiles everything `bench` needs and returns each engine's command line.
fn prepare(root: &Path, janusc: &Path, dir: &Path, bench: Benchmark, tools: &Tools) -> Prepared {
    let jasm = bench.jasm_path(root);
    let size = PathBuf::from(bench.size);
    let aot = dir.join(format!("{}-aot", bench.name));
    let build = |level: &str| {
        median_time(5, || {
            ok(
                Command::new(janusc)
                    .arg("build")
                    .arg(&jasm)
                    .arg(format!("-O{level}"))
                    .arg("-o")
                    .arg(&aot)
                    .status(),
                "janusc build",
            )
        })
    };
    let build_o0 = build("0");
    let build_o2 = build("2");
    let exe_bytes = std::fs::metadata(&aot).expect("built").len();
    let unchecked = dir.join(format!("{}-unchecked", bench.name));
    build_unchecked(root, &bench, &unchecked);

    let mut commands = vec![];
    if tools.gcc {
        let c_exe = dir.join(format!("{}-c", bench.name));
        ok(
            Command::new("gcc")
                .args(["-O2", "-o"])
                .arg(&c_exe)
                .arg(bench.c_path(root))
                .arg("-lm")
                .status(),
            "gcc",
        );
        commands.push((Engine::Gcc, vec![c_exe, size.clone()]));
    }
    commands.push((Engine::Aot, vec![aot, size.clone()]));
    let run = |engine: &str| {
        vec![
            janusc.to_path_buf(),
            "run".into(),
            "--engine".into(),
            engine.into(),
            jasm.clone(),
            "--".into(),
            size.clone(),
        ]
    };
    commands.push((Engine::Jit, run("jit")));
    commands.push((Engine::Hybrid, run("hybrid")));
    commands.push((Engine::Interp, run("interp")));
    if tools.lua {
        commands.push((
            Engine::Lua,
            vec!["lua5.4".into(), bench.lua_path(root), size.clone()],
        ));
    }
    if tools.luajit {
        commands.push((
            Engine::LuaJit,
            vec!["luajit".into(), bench.lua_path(root), size.clone()],
        ));
    }
    commands.push((Engine::AotUnchecked, vec![unchecked, size]));
    Prepared {
        bench,
        times: commands.iter().map(|(e, _)| (*e, Vec::new())).collect(),
        commands,
        build_o0,
        build_o2,
        exe_bytes,
    }
}

/// Runs every engine once, untimed, and checks each prints exactly what the
/// first (gcc's, where there is a C compiler) prints: a ratio between
/// programs that compute different things would mean nothing.
fn verify(p: &Prepared) -> Result<(), String> {
    let mut reference: Option<(Engine, Vec<u8>)> = None;
    for (engine, argv) in &p.commands {
        let output = command(argv)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("{}: cannot run {:?}: {e}", p.bench.name, argv[0]))?;
        if !output.status.success() {
            return Err(format!(
                "{} under {}: {}",
                p.bench.name,
                engine.label(),
                output.status
            ));
        }
        match &reference {
            None => reference = Some((*engine, output.stdout)),
            Some((first, expected)) if *expected != output.stdout => {
                return Err(format!(
                    "{} at size {}: {} prints {} bytes that differ from {}'s {} bytes",
                    p.bench.name,
                    p.bench.size,
                    engine.label(),
                    output.stdout.len(),
                    first.label(),
                    expected.len()
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// One timed run of every engine of every benchmark, output discarded.
fn round(prepared: &mut [Prepared]) {
    for p in prepared.iter_mut() {
        for ((engine, argv), (_, times)) in p.commands.iter().zip(p.times.iter_mut()) {
            let start = Instant::now();
            let status = command(argv).stdout(Stdio::null()).status();
            times.push(start.elapsed());
            ok(
                status,
                &format!("{} under {}", p.bench.name, engine.label()),
            );
        }
    }
}

struct Tools {
    gcc: bool,
    lua: bool,
    luajit: bool,
    hyperfine: bool,
}

fn fmt_time(t: Option<f64>) -> String {
    t.map_or("n/a".into(), |t| format!("{t:.3}"))
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or("n/a".into(), |r| format!("{r:.2}"))
}

fn verdict(value: f64, target: f64) -> &'static str {
    if value <= target {
        "met"
    } else {
        "MISSED"
    }
}

/// A markdown table: header, alignment row, rows.
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let align: Vec<&str> = header
        .iter()
        .enumerate()
        .map(|(i, _)| if i == 0 { ":--" } else { "--:" })
        .collect();
    let _ = writeln!(out, "|{}|", align.join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
}

/// The start-up and run time of a trivial executable, in milliseconds: by
/// hyperfine where it is installed (it corrects for its own shell-less
/// spawn cost and warms up), else the median of 51 runs.
fn startup_ms(exe: &Path, tools: &Tools, dir: &Path) -> f64 {
    if tools.hyperfine {
        let csv = dir.join("startup.csv");
        let status = Command::new("hyperfine")
            .args(["-N", "--warmup", "20", "--runs", "300", "--style", "none"])
            .arg("--export-csv")
            .arg(&csv)
            .arg(exe)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if status.is_ok_and(|s| s.success()) {
            // command,mean,stddev,median,user,system,min,max
            let text = std::fs::read_to_string(&csv).unwrap_or_default();
            if let Some(median) = text
                .lines()
                .nth(1)
                .and_then(|l| l.split(',').nth(3))
                .and_then(|m| m.parse::<f64>().ok())
            {
                return median * 1e3;
            }
        }
    }
    median_time(51, || {
        ok(
            Command::new(exe).stdout(Stdio::null()).status(),
            "hello runs",
        )
    })
    .as_secs_f64()
        * 1e3
}

/// Appends a section another bin of `make bench` measured and wrote to
/// `target/bench/FILE` just before this one (`bin`: `wasm`, `startup`), or
/// says how to produce it.
fn measured_section(root: &Path, out: &mut String, file: &str, title: &str, bin: &str) {
    let path = root.join("target/bench").join(file);
    match std::fs::read_to_string(&path) {
        Ok(section) => {
            let _ = write!(out, "\n{}", section.trim_end());
            let _ = writeln!(out);
        }
        Err(e) => {
            eprintln!("report: no {title} section: {}: {e}", path.display());
            let _ = writeln!(
                out,
                "\n## {title}\n\nNot measured: `cargo run --release -p janus-bench --bin {bin}` \
                 (part of `make bench`) writes this section."
            );
        }
    }
}

fn main() {
    let (root, janusc) = janus_bench::released_janusc();
    let dir = tempfile::tempdir().expect("temporary directory");
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(3);
    let only = std::env::var("BENCH_ONLY").ok();
    let tools = Tools {
        gcc: has_tool("gcc", "--version"),
        lua: has_tool("lua5.4", "-v"),
        luajit: has_tool("luajit", "-v"),
        hyperfine: has_tool("hyperfine", "--version"),
    };
    let selected: Vec<Benchmark> = BENCHMARKS
        .iter()
        .copied()
        .filter(|b| {
            only.as_ref()
                .is_none_or(|o| o.split(',').any(|n| n == b.name))
        })
        .collect();
    assert!(
        !selected.is_empty(),
        "BENCH_ONLY={only:?} names no benchmark"
    );

    eprintln!("report: building {} programs", selected.len());
    let mut prepared: Vec<Prepared> = selected
        .iter()
        .map(|&b| prepare(&root, &janusc, dir.path(), b, &tools))
        .collect();
    eprintln!("report: checking every engine prints the same output");
    let mut failures = Vec::new();
    for p in &prepared {
        if let Err(e) = verify(p) {
            failures.push(e);
        }
    }
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("report: {f}");
        }
        std::process::exit(1);
    }
    for r in 1..=rounds {
        eprintln!("report: timed round {r} of {rounds}");
        round(&mut prepared);
    }

    let mut out = String::new();
    let _ = writeln!(out, "# JanusVM benchmarks\n");
    let _ = writeln!(
        out,
        "Written by `make bench` (bench/src/bin/report.rs). Times are medians of {rounds} interleaved \
         rounds, in seconds, wall clock, output discarded; every engine's output was first checked \
         to equal gcc's byte for byte. The JIT's time includes starting janusc and compiling; the \
         AOT's does not include `janusc build` (see the build table).\n"
    );
    let _ = writeln!(out, "## Machine\n");
    for (what, description) in machine::describe() {
        let _ = writeln!(out, "- {what}: {description}");
    }
    let _ = writeln!(out, "\n## Times\n");
    let mut header = vec!["program", "size"];
    header.extend(Engine::ALL[..7].iter().map(|e| e.label()));
    let rows: Vec<Vec<String>> = prepared
        .iter()
        .map(|p| {
            let mut row = vec![p.bench.name.to_string(), p.bench.size.to_string()];
            row.extend(Engine::ALL[..7].iter().map(|&e| fmt_time(p.median(e))));
            row
        })
        .collect();
    table(&mut out, &header, &rows);

    let _ = writeln!(out, "\n## Ratios\n");
    let _ = writeln!(
        out,
        "Time over gcc -O2's, and the two ratios the engines issue sets (interp/lua5.4, \
         jit/aot, hybrid/aot). Last row: geometric means.\n"
    );
    let ratio_columns: [(&str, Engine, Engine); 8] = [
        ("aot/gcc", Engine::Aot, Engine::Gcc),
        ("jit/gcc", Engine::Jit, Engine::Gcc),
        ("interp/gcc", Engine::Interp, Engine::Gcc),
        ("lua/gcc", Engine::Lua, Engine::Gcc),
        ("luajit/gcc", Engine::LuaJit, Engine::Gcc),
        ("interp/lua", Engine::Interp, Engine::Lua),
        ("jit/aot", Engine::Jit, Engine::Aot),
        ("hybrid/aot", Engine::Hybrid, Engine::Aot),
    ];
    let mut header = vec!["program"];
    header.extend(ratio_columns.iter().map(|c| c.0));
    let mut rows: Vec<Vec<String>> = prepared
        .iter()
        .map(|p| {
            let mut row = vec![p.bench.name.to_string()];
            row.extend(
                ratio_columns
                    .iter()
                    .map(|&(_, a, b)| fmt_ratio(p.ratio(a, b))),
            );
            row
        })
        .collect();
    let mean_of = |a: Engine, b: Engine| -> Option<f64> {
        let ratios: Vec<f64> = prepared.iter().filter_map(|p| p.ratio(a, b)).collect();
        (!ratios.is_empty()).then(|| geomean(&ratios))
    };
    let mut means = vec!["**geometric mean**".to_string()];
    means.extend(
        ratio_columns
            .iter()
            .map(|&(_, a, b)| format!("**{}**", fmt_ratio(mean_of(a, b)))),
    );
    rows.push(means);
    table(&mut out, &header, &rows);

    let _ = writeln!(out, "\n## Targets\n");
    let worst_aot = prepared
        .iter()
        .filter_map(|p| p.ratio(Engine::Aot, Engine::Gcc).map(|r| (r, p.bench.name)))
        .fold((0.0f64, ""), |a, b| if b.0 > a.0 { b } else { a });
    if let Some(m) = mean_of(Engine::Aot, Engine::Gcc) {
        let _ = writeln!(
            out,
            "- AOT vs gcc -O2, geometric mean: {m:.2} (target at most 1.10: {})",
            verdict(m, 1.10)
        );
        let _ = writeln!(
            out,
            "- AOT vs gcc -O2, worst program: {:.2}, {} (target at most 1.5: {})",
            worst_aot.0,
            worst_aot.1,
            verdict(worst_aot.0, 1.5)
        );
    }
    if let Some(m) = mean_of(Engine::Interp, Engine::Lua) {
        let _ = writeln!(
            out,
            "- interpreter vs Lua 5.4, geometric mean: {m:.2} (target at most 1.0: {})",
            verdict(m, 1.0)
        );
    }
    if let Some(m) = mean_of(Engine::Jit, Engine::Aot) {
        let _ = writeln!(
            out,
            "- JIT (compile time included) vs AOT, geometric mean: {m:.2} (target at most 1.1: {})",
            verdict(m, 1.1)
        );
    }
    if let Some(m) = mean_of(Engine::Hybrid, Engine::Aot) {
        let _ = writeln!(
            out,
            "- hybrid (interpreting, then compiling what is hot) vs AOT, geometric mean: {m:.2} \
             (target at most 1.1: {})",
            verdict(m, 1.1)
        );
    }

    let _ = writeln!(out, "\n## Building\n");
    let _ = writeln!(
        out,
        "`janusc build` wall time (median of 5, including start-up and linking with cc) and the \
         -O2 executable's size.\n"
    );
    let rows: Vec<Vec<String>> = prepared
        .iter()
        .map(|p| {
            vec![
                p.bench.name.to_string(),
                format!("{:.0}", p.build_o0.as_secs_f64() * 1e3),
                format!("{:.0}", p.build_o2.as_secs_f64() * 1e3),
                p.exe_bytes.to_string(),
            ]
        })
        .collect();
    table(
        &mut out,
        &["program", "-O0 ms", "-O2 ms", "executable bytes"],
        &rows,
    );
    let slowest = prepared
        .iter()
        .map(|p| (p.build_o2, p.bench.name))
        .max()
        .expect("a benchmark");
    let _ = writeln!(
        out,
        "\nSlowest -O2 build: {:.0} ms, {} (target under 500 ms: {})",
        slowest.0.as_secs_f64() * 1e3,
        slowest.1,
        verdict(slowest.0.as_secs_f64(), 0.5)
    );

    let _ = writeln!(out, "\n## Hello\n");
    let hello = dir.path().join("hello");
    let hello_stripped = dir.path().join("hello-stripped");
    for (exe, extra) in [(&hello, None), (&hello_stripped, Some("--strip"))] {
        ok(
            Command::new(&janusc)
                .arg("build")
                .arg(root.join("samples/hello.jasm"))
                .args(extra)
                .arg("-o")
                .arg(exe)
                .status(),
            "janusc build hello",
        );
    }
    let c_hello = tools
        .gcc
        .then(|| startup::build_c_hello(dir.path()))
        .flatten();
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let _ = writeln!(
        out,
        "- executable size: {} bytes, {} stripped (target at most 128 KiB = 131072: {})",
        size(&hello),
        size(&hello_stripped),
        verdict(size(&hello_stripped) as f64, 131072.0)
    );
    let janus_start = startup_ms(&hello, &tools, dir.path());
    let _ = write!(
        out,
        "- start-up and run, median ({}): {janus_start:.2} ms",
        if tools.hyperfine {
            "hyperfine, 300 runs"
        } else {
            "51 runs"
        }
    );
    if let Some(c_hello) = &c_hello {
        let c_start = startup_ms(c_hello, &tools, dir.path());
        let _ = write!(
            out,
            "; a C hello built by gcc -O2, the same way: {c_start:.2} ms"
        );
    }
    let _ = writeln!(out);
    measured_section(&root, &mut out, "startup.md", "janusc start-up", "startup");

    let _ = writeln!(out, "\n## Bounds checks\n");
    let _ = writeln!(
        out,
        "Every memory access is checked explicitly (docs/ARCHITECTURE.md). The other scheme, \
         guard pages, would remove the checks' cost at most; this is that cost, measured with \
         the same programs built with no checks at all (an executable that exists only here).\n"
    );
    let rows: Vec<Vec<String>> = prepared
        .iter()
        .map(|p| {
            vec![
                p.bench.name.to_string(),
                fmt_time(p.median(Engine::Aot)),
                fmt_time(p.median(Engine::AotUnchecked)),
                fmt_ratio(p.ratio(Engine::Aot, Engine::AotUnchecked)),
            ]
        })
        .collect();
    table(
        &mut out,
        &["program", "checked s", "unchecked s", "checked/unchecked"],
        &rows,
    );
    if let Some(m) = mean_of(Engine::Aot, Engine::AotUnchecked) {
        let _ = writeln!(out, "\nGeometric mean checked/unchecked: {m:.3}");
    }

    let chart_path = root.join("bench/results.svg");
    let groups: Vec<&str> = prepared.iter().map(|p| p.bench.name).collect();
    let series: Vec<(&str, Vec<Option<f64>>)> = Engine::ALL[1..7]
        .iter()
        .map(|&e| {
            (
                e.label(),
                prepared.iter().map(|p| p.ratio(e, Engine::Gcc)).collect(),
            )
        })
        .collect();
    match chart::ratio_bars(
        &chart_path,
        "JanusVM and Lua, time relative to gcc -O2 (lower is better)",
        &groups,
        &series,
    ) {
        Ok(()) => {
            let _ = writeln!(out, "\n![time relative to gcc -O2](results.svg)");
        }
        Err(e) => eprintln!("report: cannot draw {}: {e}", chart_path.display()),
    }

    measured_section(&root, &mut out, "wasm.md", "WebAssembly", "wasm");

    print!("{out}");
    let results = root.join("bench/results.md");
    std::fs::write(&results, &out).expect("bench/results.md is writable");
    eprintln!(
        "report: wrote {} and {}",
        results.display(),
        chart_path.display()
    );
}
