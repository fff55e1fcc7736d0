//! Ahead-of-time compilation end to end: every sample, and every program of
//! the trap corpus in `tests/traps/`, is built by `janusc build` into a native
//! executable at each optimisation level, run, and held to its expected
//! stdout (`.out`), exit status (`.exit`, 0 when absent) and trap message on
//! stderr (`.trap`), with `.in` as its standard input where there is one. The trap corpus holds the cases other LLVM-based VMs got
//! wrong: traps whose results are unused, checks inside loops, a trap that
//! must happen before a write.

#[path = "common/mod.rs"]
mod common;

use common::programs;
use std::path::PathBuf;
use std::process::Command;

/// Builds and runs each program at each level; returns every mismatch.
fn check(programs: &[PathBuf], levels: &[&str]) -> Vec<String> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for path in programs {
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let expected_out = std::fs::read(path.with_extension("out")).unwrap_or_default();
        let expected_status: i32 = std::fs::read_to_string(path.with_extension("exit"))
            .map(|s| s.trim().parse().expect("exit status is a number"))
            .unwrap_or(0);
        let expected_trap = std::fs::read_to_string(path.with_extension("trap")).ok();
        for level in levels {
            let exe = tmp.path().join(format!("{name}-O{level}"));
            let build = Command::new(env!("CARGO_BIN_EXE_janusc"))
                .arg("build")
                .arg(path)
                .arg(format!("-O{level}"))
                .arg("-o")
                .arg(&exe)
                .output()
                .expect("janusc runs");
            if !build.status.success() {
                failures.push(format!(
                    "{name} -O{level}: build failed: {}",
                    String::from_utf8_lossy(&build.stderr)
                ));
                continue;
            }
            let stdin = match std::fs::File::open(path.with_extension("in")) {
                Ok(f) => std::process::Stdio::from(f),
                Err(_) => std::process::Stdio::null(),
            };
            let run = Command::new(&exe)
                .stdin(stdin)
                .output()
                .expect("the executable runs");
            let stderr = String::from_utf8_lossy(&run.stderr);
            if run.stdout != expected_out {
                failures.push(format!(
                    "{name} -O{level}: stdout differs\n--- expected\n{}--- got\n{}",
                    String::from_utf8_lossy(&expected_out),
                    String::from_utf8_lossy(&run.stdout)
                ));
            }
            if run.status.code() != Some(expected_status) {
                failures.push(format!(
                    "{name} -O{level}: exit {:?}, expected {expected_status}; stderr: {stderr}",
                    run.status.code()
                ));
            }
            match &expected_trap {
                Some(trap) if stderr != *trap => failures.push(format!(
                    "{name} -O{level}: stderr {stderr:?}, expected {trap:?}"
                )),
                None if !stderr.is_empty() => {
                    failures.push(format!("{name} -O{level}: unexpected stderr {stderr:?}"))
                }
                _ => {}
            }
        }
    }
    failures
}

#[test]
fn every_sample_matches_its_expected_output_at_o0_and_o2() {
    let samples = programs("samples");
    assert!(samples.len() >= 18, "the samples are missing");
    let failures = check(&samples, &["0", "2"]);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn traps_survive_every_optimisation_level() {
    let corpus = programs("tests/traps");
    assert!(corpus.len() >= 8, "the trap corpus is missing");
    let failures = check(&corpus, &["0", "1", "2", "3", "s"]);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn executables_ask_for_a_non_executable_stack() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let exe = tmp.path().join("hello");
    let status = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .arg("build")
        .arg(common::root().join("samples/hello.jasm"))
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("janusc runs");
    assert!(status.success());
    let bytes = std::fs::read(&exe).expect("built");
    let elf = goblin::elf::Elf::parse(&bytes).expect("an ELF executable");
    let stack = elf
        .program_headers
        .iter()
        .find(|h| h.p_type == goblin::elf::program_header::PT_GNU_STACK)
        .expect("a PT_GNU_STACK header");
    assert_eq!(
        stack.p_flags & goblin::elf::program_header::PF_X,
        0,
        "the stack is executable: an object lacks .note.GNU-stack"
    );
}

/// Code generation rewrites the LLVM module it runs on, so assembly
/// generated from the same module before the object once changed the object:
/// an executable built with `--emit exe,asm` crashed on a misaligned vector
/// store that the plain build did not have. Every sample's executable must
/// be the same bytes whatever else `--emit` asks for.
#[test]
fn asking_for_assembly_or_ir_leaves_the_executable_unchanged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut differing = Vec::new();
    for path in programs("samples") {
        let build = |emit: &str, out: &std::path::Path| {
            let status = Command::new(env!("CARGO_BIN_EXE_janusc"))
                .current_dir(tmp.path())
                .arg("build")
                .arg(&path)
                .args(["--emit", emit, "-o"])
                .arg(out)
                .status()
                .expect("janusc runs");
            assert!(status.success(), "{}: build failed", path.display());
            std::fs::read(out).expect("built")
        };
        let plain = build("exe", &tmp.path().join("plain"));
        let with_all = build("exe,asm,llvm-ir,llvm-ir-raw,obj", &tmp.path().join("all"));
        if plain != with_all {
            differing.push(path.display().to_string());
        }
    }
    assert!(differing.is_empty(), "executables differ: {differing:?}");
}
