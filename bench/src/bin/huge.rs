//! Build time and peak memory of `janusc build -O2` against size, for the
//! shapes of `janus_bench::shapes` (issue 13), side by side with `gcc -O2`
//! on the equivalent C, the two builds of each row run one after the other.
//!
//! `HUGE_SIZES=1000,10000` chooses the sizes (instructions; default 1k,
//! 10k, 100k, 1M); gcc is skipped once one of its builds of a shape takes
//! more than `HUGE_GCC_BUDGET` seconds (default 60) or fails, and every build is
//! stopped after `HUGE_TIMEOUT` seconds (default 300). Each executable is
//! run once with two arguments and both must exit with the same status,
//! so the table only compares builds that compute the same thing.

use janus_bench::child::{measure, Cost};
use janus_bench::shapes::SHAPES;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The exit status of `exe` run with two arguments.
fn exit_status(exe: &Path) -> Option<i32> {
    Command::new(exe)
        .args(["a", "b"])
        .stdout(Stdio::null())
        .status()
        .ok()?
        .code()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let sizes: Vec<usize> = std::env::var("HUGE_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000, 1_000_000]);
    let gcc_budget = Duration::from_secs(env_number("HUGE_GCC_BUDGET", 60));
    let timeout = Duration::from_secs(env_number("HUGE_TIMEOUT", 300));
    let janusc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/janusc");
    let dir = tempfile::tempdir().expect("temporary directory");

    println!("janusc build -O2 against gcc -O2 on the same program, by shape and size");
    println!(
        "(CPU seconds = user + system, wall seconds on this machine's cores; µs/instr = CPU per"
    );
    println!(
        "bytecode instruction; marginal = the CPU an instruction adds over the row above, without"
    );
    println!("the fixed cost of starting and linking; units = codegen units, reduced = reduced functions)\n");
    println!(
        "| shape | instructions | janusc CPU s | janusc wall s | janusc peak MB | µs/instr | marginal µs/instr | gcc CPU s | gcc peak MB | gcc marginal µs/instr | janusc/gcc CPU | units | reduced |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for shape in SHAPES {
        let mut gcc_too_slow = false;
        // The previous row's (instructions, CPU seconds), for marginal costs.
        let mut ours_before: Option<(usize, f64)> = None;
        let mut gcc_before: Option<(usize, f64)> = None;
        for &size in &sizes {
            let (jasm, c) = shape.program(size);
            let stem = dir.path().join(format!("{}-{size}", shape.name()));
            let (jasm_path, c_path) = (stem.with_extension("jasm"), stem.with_extension("c"));
            std::fs::write(&jasm_path, jasm).expect("write .jasm");
            std::fs::write(&c_path, c).expect("write .c");
            let (janusc_exe, gcc_exe) = (stem.with_extension("janusc"), stem.with_extension("gcc"));
            let ours = measure(
                Command::new(&janusc)
                    .args(["build", "-O2", "-v"])
                    .arg(&jasm_path)
                    .arg("-o")
                    .arg(&janusc_exe),
                timeout,
            );
            let reduced = ours.as_ref().map_or(0, |c| {
                c.stderr
                    .lines()
                    .filter(|l| l.contains("reduced pipeline"))
                    .count()
            });
            let units = ours.as_ref().map_or(1, |c| {
                c.stderr
                    .lines()
                    .find_map(|l| {
                        l.strip_prefix("note: built in ")?
                            .split(' ')
                            .next()?
                            .parse::<usize>()
                            .ok()
                    })
                    .unwrap_or(1)
            });
            let theirs = if gcc_too_slow {
                Err("skipped: a smaller build took over the budget".to_string())
            } else {
                measure(
                    Command::new("gcc")
                        .arg("-O2")
                        .arg(&c_path)
                        .arg("-o")
                        .arg(&gcc_exe),
                    timeout,
                )
            };
            gcc_too_slow = theirs.as_ref().map_or(true, |cost| cost.wall > gcc_budget);
            if theirs.is_ok() {
                let (a, b) = (exit_status(&janusc_exe), exit_status(&gcc_exe));
                assert_eq!(
                    a,
                    b,
                    "{} {size}: janusc's and gcc's programs disagree",
                    shape.name()
                );
            }
            let mb = |c: &Cost| c.peak_bytes as f64 / 1e6;
            let marginal = |before: &mut Option<(usize, f64)>, cost: &Result<Cost, String>| {
                let now = cost.as_ref().ok().map(|c| (size, c.cpu.as_secs_f64()));
                let text = match (*before, now) {
                    (Some((n0, t0)), Some((n1, t1))) if n1 > n0 => {
                        format!("{:.1}", (t1 - t0) * 1e6 / (n1 - n0) as f64)
                    }
                    _ => "-".into(),
                };
                *before = now;
                text
            };
            let ours_marginal = marginal(&mut ours_before, &ours);
            let gcc_marginal = marginal(&mut gcc_before, &theirs);
            let (ours_cpu, ours_wall, ours_mb, per) = match &ours {
                Ok(c) => (
                    format!("{:.2}", c.cpu.as_secs_f64()),
                    format!("{:.2}", c.wall.as_secs_f64()),
                    format!("{:.0}", mb(c)),
                    format!("{:.1}", c.cpu.as_secs_f64() * 1e6 / size as f64),
                ),
                Err(e) => (e.clone(), "-".into(), "-".into(), "-".into()),
            };
            let (gcc_cpu, gcc_mb) = match &theirs {
                Ok(c) => (
                    format!("{:.2}", c.cpu.as_secs_f64()),
                    format!("{:.0}", mb(c)),
                ),
                Err(e) => (e.clone(), "-".into()),
            };
            let ratio = match (&ours, &theirs) {
                (Ok(a), Ok(b)) => format!("{:.2}", a.cpu.as_secs_f64() / b.cpu.as_secs_f64()),
                _ => "-".into(),
            };
            println!(
                "| {} | {size} | {ours_cpu} | {ours_wall} | {ours_mb} | {per} | {ours_marginal} | {gcc_cpu} | {gcc_mb} | {gcc_marginal} | {ratio} | {units} | {reduced} |",
                shape.name()
            );
            for path in [&jasm_path, &c_path, &janusc_exe, &gcc_exe] {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}
