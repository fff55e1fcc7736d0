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
