//! The engines agree: every sample and every program of the trap corpus runs
//! under `janusc run --engine all` (interpreter, JIT and AOT executable, their
//! stdout, exit status and trap compared by janusc itself), and what they
//! agree on is the expected output.

#[path = "common/mod.rs"]
mod common;

use common::{programs, root};
use std::process::{Command, Stdio};

#[test]
fn every_engine_agrees_on_every_sample_and_trap() {
    let mut failures = Vec::new();
    let mut all = programs("samples");
    all.extend(programs("tests/traps"));
    for path in &all {
        let stdin = match std::fs::File::open(path.with_extension("in")) {
            Ok(f) => Stdio::from(f),
            Err(_) => Stdio::null(),
        };
        let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
            .args(["run", "--engine", "all"])
            .arg(path)
            .stdin(stdin)
            .output()
            .expect("janusc runs");
        let name = path.file_name().expect("name").to_string_lossy();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("engines disagree") {
            failures.push(format!("{name}: {stderr}"));
            continue;
        }
        let expected_out = std::fs::read(path.with_extension("out")).unwrap_or_default();
        let expected_status: i32 = std::fs::read_to_string(path.with_extension("exit"))
            .map(|s| s.trim().parse().expect("a number"))
            .unwrap_or(0);
        let expected_err = std::fs::read_to_string(path.with_extension("trap")).unwrap_or_default();
        if out.stdout != expected_out
            || out.status.code() != Some(expected_status)
            || stderr != expected_err
        {
            failures.push(format!(
                "{name}: status {:?} (want {expected_status}), stderr {stderr:?} (want {expected_err:?}), stdout {:?}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn run_reports_bad_engines_and_inputs() {
    let hello = root().join("samples/hello.jasm");
    let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .args(["run", "--engine", "warp"])
        .arg(&hello)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--engine warp: expected interp, jit, aot or all"));
    let bad = root().join("tests/bad/unknown_opcode.jbc");
    let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .args(["run", "--engine", "all"])
        .arg(&bad)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error[D0017]"));
}

#[test]
fn program_arguments_reach_every_engine() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = tmp.path().join("args.jasm");
    std::fs::write(
        &src,
        "memory 1, 1\nexport main\nfunc main() -> i32\n    reg r0..r5: i32\n    dev args.count, [r0], []\n    i32.const r1, 1\n    \
         dev args.copy, [r2], [r1, r3, r1]\n    i32.const r4, 64\n    dev args.copy, [r2], [r1, r3, r4]\n    \
         dev console.write, [r5], [r1, r3, r2]\n    ret [r0]\nend\n",
    )
    .expect("write");
    for engine in ["interp", "jit", "aot", "all"] {
        let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
            .args(["run", "--engine", engine])
            .arg(&src)
            .args(["--", "first", "second"])
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{engine}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, b"second", "{engine}");
    }
}

#[test]
fn env_entries_and_a_random_seed_reach_every_engine() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = tmp.path().join("env.jasm");
    // Prints the entry count, entry 0, and the first 8 random bytes as an i64.
    std::fs::write(
        &src,
        "memory 1, 1\nexport main\nfunc main() -> i32\n    reg r0..r5: i32\n    reg r6: i64\n    \
         dev env.count, [r0], []\n    i64.extend_i32_s r6, r0\n    i32.const r1, 1\n    \
         dev console.write_i64, [r2], [r1, r6]\n    i32.const r3, 0\n    i32.const r4, 64\n    \
         i32.const r5, 16\n    dev env.copy, [r2], [r3, r4, r5]\n    dev console.write, [r2], [r1, r4, r2]\n    \
         i32.const r3, 8\n    dev random.fill, [r2], [r4, r3]\n    i64.load r6, r4, 0\n    \
         dev console.write_i64, [r2], [r1, r6]\n    i32.const r0, 0\n    ret [r0]\nend\n",
    )
    .expect("write");
    for engine in ["interp", "jit", "aot", "all"] {
        let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
            .args(["run", "--engine", engine])
            .args(["--env", "A=x,y=z", "--env", "B_2=", "--random-seed", "0"])
            .arg(&src)
            .env_remove("JANUS_ENV")
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{engine}: {stderr}");
        // SplitMix64's first output for seed 0 is 0xe220a8397b1dcdaf.
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "2A=x,y=z-2152535657050944081",
            "{engine}"
        );
    }
    for engine in ["interp", "jit", "aot"] {
        let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
            .args(["run", "--engine", engine])
            .arg(&src)
            .env("JANUS_RANDOM_SEED", "042")
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(125), "{engine}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(
                "janus: JANUS_RANDOM_SEED: `042` is not a seed; expected a seed in plain decimal"
            ),
            "{engine}"
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .args(["run", "--env", "NOVALUE"])
        .arg(&src)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--env `NOVALUE`: expected KEY=VALUE"));
}
