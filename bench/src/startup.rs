//! How long janusc takes to start: `janusc check` and `janusc run
//! --engine interp` of hello against a C hello built by gcc -O2, timed in
//! interleaved rounds (one run of each per round, so a busy moment of the
//! machine slows all three alike). The target (issue 16): each within 3x
//! the C hello, which the janusc binary can only meet because it links no
//! LLVM (docs/ARCHITECTURE.md, "The backend library").
//!
//! Also the hybrid engine's short runs: `janusc run --engine hybrid` of
//! hello and of every benchmark at its small size against `--engine
//! interp` of the same, interleaved (target, issue 16: within
//! [`SHORT_TARGET_RATIO`], geometric mean and each program): a run that
//! ends before anything is hot must cost what the interpreter costs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The ratio to a C hello each janusc command must stay within.
pub const TARGET_RATIO: f64 = 3.0;

/// The ratio to the interpreter the hybrid engine's short runs must stay
/// within.
pub const SHORT_TARGET_RATIO: f64 = 1.1;

/// Measured rounds of the short runs (each a pair of runs per program).
const SHORT_ROUNDS: usize = 40;

/// Unmeasured rounds before the measured ones (page cache, CPU frequency).
const WARMUP_ROUNDS: usize = 10;

/// Measured rounds.
const ROUNDS: usize = 200;

/// Builds a C hello with gcc -O2 in `dir`; `None` when gcc cannot.
pub fn build_c_hello(dir: &Path) -> Option<PathBuf> {
    let source = dir.join("hello.c");
    let exe = dir.join("hello-c");
    std::fs::write(
        &source,
        "#include <stdio.h>\nint main(void) { puts(\"Hello, world!\"); return 0; }\n",
    )
    .ok()?;
    let built = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(&source)
        .status();
    built.is_ok_and(|s| s.success()).then_some(exe)
}

/// One command's median wall time.
#[derive(Clone, Debug)]
pub struct Startup {
    /// The command, as the report shows it.
    pub label: String,
    /// Its median wall time over the rounds.
    pub median: Duration,
}

/// Times `c_hello` and the two janusc commands on `hello_jasm` in
/// interleaved rounds; the C hello comes first in the result. Each run's
/// output goes to /dev/null through the shell-less spawn every command
/// shares; a run that fails panics, since its time would mean nothing.
pub fn measure(janusc: &Path, c_hello: &Path, hello_jasm: &Path) -> Vec<Startup> {
    let commands: Vec<(String, Command)> = vec![
        ("C hello (gcc -O2)".into(), Command::new(c_hello)),
        ("janusc check hello.jasm".into(), {
            let mut c = Command::new(janusc);
            c.arg("check").arg(hello_jasm);
            c
        }),
        ("janusc run --engine interp hello.jasm".into(), {
            let mut c = Command::new(janusc);
            c.args(["run", "--engine", "interp"]).arg(hello_jasm);
            c
        }),
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(ROUNDS); commands.len()];
    let mut commands = commands;
    for round in 0..WARMUP_ROUNDS + ROUNDS {
        for (i, (label, command)) in commands.iter_mut().enumerate() {
            let start = Instant::now();
            let status = command.stdout(Stdio::null()).stderr(Stdio::null()).status();
            let elapsed = start.elapsed();
            assert!(
                status.as_ref().is_ok_and(|s| s.success()),
                "{label} failed: {status:?}"
            );
            if round >= WARMUP_ROUNDS {
                times[i].push(elapsed);
            }
        }
    }
    commands
        .into_iter()
        .zip(times)
        .map(|((label, _), mut runs)| {
            runs.sort();
            Startup {
                label,
                median: runs[runs.len() / 2],
            }
        })
        .collect()
}

/// The report's section: each command's median and its ratio to the C
/// hello, with the target's verdict.
pub fn section(measured: &[Startup]) -> String {
    let c = measured[0].median.as_secs_f64();
    let mut text = format!(
        "## janusc start-up\n\nWall time, median of {ROUNDS} interleaved rounds, of the janusc \
         commands that need no LLVM (janusc links none and loads its backend library only to \
         compile), against a C hello built by gcc -O2 (target: within {TARGET_RATIO}x).\n\n\
         | command | ms | x C hello | within {TARGET_RATIO}x |\n|:--|--:|--:|--:|\n"
    );
    for m in measured {
        let ratio = m.median.as_secs_f64() / c;
        let verdict = match (m.label.starts_with("janusc"), ratio <= TARGET_RATIO) {
            (false, _) => "",
            (true, true) => "met",
            (true, false) => "MISSED",
        };
        text.push_str(&format!(
            "| {} | {:.2} | {ratio:.2} | {verdict} |\n",
            m.label,
            m.median.as_secs_f64() * 1e3
        ));
    }
    text
}

/// One program's short run under both engines: median wall times.
#[derive(Clone, Debug)]
pub struct ShortRun {
    /// The program and its size argument, as the report shows them.
    pub label: String,
    /// `janusc run --engine interp`.
    pub interp: Duration,
    /// `janusc run --engine hybrid`.
    pub hybrid: Duration,
}

/// Times `janusc run --engine interp` and `--engine hybrid` of each
/// `(label, program, size)` in interleaved rounds (the two engines back to
/// back for each program, so a busy moment of the machine hits both).
pub fn measure_short(
    janusc: &Path,
    programs: &[(String, PathBuf, Option<String>)],
) -> Vec<ShortRun> {
    let command = |engine: &str, program: &Path, size: &Option<String>| {
        let mut c = Command::new(janusc);
        c.args(["run", "--engine", engine]).arg(program);
        if let Some(size) = size {
            c.arg("--").arg(size);
        }
        c
    };
    let mut times: Vec<[Vec<Duration>; 2]> = vec![[Vec::new(), Vec::new()]; programs.len()];
    for round in 0..WARMUP_ROUNDS / 2 + SHORT_ROUNDS {
        for (i, (label, program, size)) in programs.iter().enumerate() {
            for (e, engine) in ["interp", "hybrid"].iter().enumerate() {
                let start = Instant::now();
                let status = command(engine, program, size)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
                let elapsed = start.elapsed();
                assert!(
                    status.as_ref().is_ok_and(|s| s.success()),
                    "{label} under {engine} failed: {status:?}"
                );
                if round >= WARMUP_ROUNDS / 2 {
                    times[i][e].push(elapsed);
                }
            }
        }
    }
    let median = |mut runs: Vec<Duration>| {
        runs.sort();
        runs[runs.len() / 2]
    };
    programs
        .iter()
        .zip(times)
        .map(|((label, _, _), [interp, hybrid])| ShortRun {
            label: label.clone(),
            interp: median(interp),
            hybrid: median(hybrid),
        })
        .collect()
}

/// The report's section on short runs: each program's medians, the ratio
/// hybrid/interp, and the geometric mean with the target's verdict.
pub fn short_section(measured: &[ShortRun]) -> String {
    let verdict = |ratio: f64| {
        if ratio <= SHORT_TARGET_RATIO {
            "met"
        } else {
            "MISSED"
        }
    };
    let mut text = format!(
        "## Hybrid engine, short runs\n\nWall time, median of {SHORT_ROUNDS} interleaved rounds, of \
         `janusc run --engine hybrid` against `janusc run --engine interp` on hello and on each \
         benchmark at a small size (target: hybrid within {SHORT_TARGET_RATIO}x the interpreter).\n\n\
         | program | interp ms | hybrid ms | hybrid/interp | within {SHORT_TARGET_RATIO}x |\n|:--|--:|--:|--:|--:|\n"
    );
    let mut ratios = Vec::new();
    for m in measured {
        let ratio = m.hybrid.as_secs_f64() / m.interp.as_secs_f64();
        ratios.push(ratio);
        text.push_str(&format!(
            "| {} | {:.2} | {:.2} | {ratio:.2} | {} |\n",
            m.label,
            m.interp.as_secs_f64() * 1e3,
            m.hybrid.as_secs_f64() * 1e3,
            verdict(ratio)
        ));
    }
    let mean = crate::geomean(&ratios);
    text.push_str(&format!(
        "| **geometric mean** | | | **{mean:.2}** | {} |\n",
        verdict(mean)
    ));
    text
}
