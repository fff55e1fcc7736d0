//! Peak memory of the front end and of `build -O0`, per instruction and per
//! input byte, at 10k, 100k and 1M instructions, so linear growth shows as a
//! constant column (issue 13; the constants are stated in `docs/ISA.md` §4).
//!
//! Each row runs `target/release/janusc` once on a generated program and
//! reads the child's peak resident size from `wait4`; "over base" subtracts
//! the peak of checking `samples/hello.jasm`, which is janusc's own size.
//! `MEMORY_MAX=N` caps the sizes (the 1M-instruction `build -O0` takes about
//! 30 s).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A program of `n` instructions in one function: `straight` is arithmetic
/// only, `branchy` a compare and conditional branch over two instructions,
/// every four instructions, each to its own label.
fn program(shape: &str, n: usize) -> String {
    let mut text = String::from(
        "export main\nfunc main() -> i32\n    reg r0..r3: i32\n    i32.const r1, 1\n    i32.const r2, 2\n",
    );
    for i in 0..n / 4 {
        match shape {
            "straight" => text.push_str(
                "    i32.add r0, r1, r2\n    i32.sub r3, r0, r1\n    i32.mul r0, r3, r2\n    i32.xor r1, r0, r3\n",
            ),
            _ => text.push_str(&format!(
                "    i32.lt_s r3, r1, r2\n    br_if r3, L{i}\n    i32.add r0, r1, r2\n    i32.sub r1, r0, r2\nL{i}:\n"
            )),
        }
    }
    text.push_str("    i32.const r0, 0\n    ret [r0]\nend\n");
    text
}

/// Runs janusc with `args`; its peak resident size in bytes and wall time.
fn measure(janusc: &Path, args: &[&Path]) -> (u64, f64) {
    let cost =
        janus_bench::child::measure(Command::new(janusc).args(args), Duration::from_secs(3600))
            .unwrap_or_else(|e| panic!("janusc {args:?}: {e} (make bench builds it)"));
    (cost.peak_bytes, cost.wall.as_secs_f64())
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let janusc = root.join("target/release/janusc");
    let max: usize = std::env::var("MEMORY_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let (base, _) = measure(
        &janusc,
        &[Path::new("check"), &root.join("samples/hello.jasm")],
    );
    println!(
        "janusc peak memory (peak RSS from wait4; base = checking hello.jasm = {:.1} MB)",
        base as f64 / 1e6
    );
    println!();
    println!("| command | shape | instructions | input bytes | peak RSS | over base / instruction | over base / input byte | time |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for shape in ["straight", "branchy"] {
        for n in [10_000, 100_000, 1_000_000]
            .into_iter()
            .filter(|&n| n <= max)
        {
            let jasm = dir.path().join(format!("{shape}{n}.jasm"));
            let jbc = dir.path().join(format!("{shape}{n}.jbc"));
            let exe = dir.path().join(format!("{shape}{n}"));
            std::fs::write(&jasm, program(shape, n)).expect("write program");
            measure(&janusc, &[Path::new("asm"), &jasm, Path::new("-o"), &jbc]);
            let rows: [(&str, &Path, Vec<&Path>); 3] = [
                ("check .jasm", &jasm, vec![Path::new("check"), &jasm]),
                ("check .jbc", &jbc, vec![Path::new("check"), &jbc]),
                (
                    "build -O0",
                    &jbc,
                    vec![
                        Path::new("build"),
                        Path::new("-O0"),
                        &jbc,
                        Path::new("-o"),
                        &exe,
                    ],
                ),
            ];
            for (what, input, args) in rows {
                let size = std::fs::metadata(input).expect("input").len();
                let (rss, secs) = measure(&janusc, &args);
                let over = rss.saturating_sub(base) as f64;
                println!(
                    "| `{what}` | {shape} | {n} | {size} | {:.1} MB | {:.1} | {:.2} | {secs:.2} s |",
                    rss as f64 / 1e6,
                    over / n as f64,
                    over / size as f64,
                );
            }
        }
    }
}
