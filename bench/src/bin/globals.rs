//! A hot loop on a global against the same loop on a register (issue 14):
//! `bench/programs/global_loop.jasm` keeps a 64-bit LCG's state in a
//! mutable global, read and written every step; `register_loop.jasm` keeps
//! it in a register. Both are built with `janusc build -O2` and run
//! interleaved, `GLOBALS_ROUNDS` rounds (default 7) of `GLOBALS_STEPS`
//! steps (default 500,000,000); the table gives each one's median and the
//! ratio, which should be within 1.05: a global costs what a C global does.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let janusc = root.join("target/release/janusc");
    let rounds = env_number("GLOBALS_ROUNDS", 7).max(1);
    let steps = env_number("GLOBALS_STEPS", 500_000_000).to_string();
    let dir = tempfile::tempdir().expect("temporary directory");
    let programs = ["global_loop", "register_loop"];
    let exes: Vec<_> = programs
        .iter()
        .map(|name| {
            let exe = dir.path().join(name);
            let ok = Command::new(&janusc)
                .args(["build", "-O2"])
                .arg(root.join(format!("bench/programs/{name}.jasm")))
                .arg("-o")
                .arg(&exe)
                .status()
                .expect("janusc runs")
                .success();
            assert!(ok, "{name} builds");
            exe
        })
        .collect();
    let mut outputs = Vec::new();
    let mut times = vec![Vec::new(); exes.len()];
    for _ in 0..rounds {
        for (exe, slot) in exes.iter().zip(&mut times) {
            let start = Instant::now();
            let out = Command::new(exe)
                .arg(&steps)
                .stderr(Stdio::inherit())
                .output()
                .expect("runs");
            slot.push(start.elapsed());
            assert!(out.status.success(), "{} failed", exe.display());
            outputs.push(out.stdout);
        }
    }
    assert!(
        outputs.windows(2).all(|w| w[0] == w[1]),
        "the two loops print different results"
    );
    let medians: Vec<Duration> = times.into_iter().map(median).collect();
    println!("A global in a hot loop, -O2, {steps} steps, median of {rounds} interleaved runs");
    println!("| program | median s |");
    println!("|---|---:|");
    for (name, t) in programs.iter().zip(&medians) {
        println!("| {name} | {:.3} |", t.as_secs_f64());
    }
    println!(
        "global / register: {:.3} (target: at most 1.05)",
        medians[0].as_secs_f64() / medians[1].as_secs_f64()
    );
}
