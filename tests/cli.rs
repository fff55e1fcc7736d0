//! The `janusc` command line: status codes, outputs and the promise that a
//! failed command never destroys an existing output file.

mod common;

use common::{janusc, root};
use std::process::Command;

/// A temporary directory holding a copy of `samples/hello.jasm`.
fn dir_with_hello() -> tempfile::TempDir {
    common::dir_with(&["samples/hello.jasm"])
}

#[test]
fn asm_check_disasm_round_trip_through_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let hello = root().join("samples/hello.jasm");
    std::fs::copy(&hello, tmp.path().join("hello.jasm")).expect("copy");

    let out = janusc(&["asm", "hello.jasm"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "success is silent"
    );
    let jbc = std::fs::read(tmp.path().join("hello.jbc"))
        .expect("default output name is the input with .jbc");
    assert!(jbc.starts_with(b"\0JBC"));

    let out = janusc(&["check", "hello.jbc"], tmp.path());
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());

    let out = janusc(&["disasm", "hello.jbc"], tmp.path());
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("dev console.write, [r3], [r0, r1, r2]"),
        "{text}"
    );

    let out = janusc(&["disasm", "hello.jbc", "-o", "again.jasm"], tmp.path());
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("again.jasm")).expect("written"),
        text
    );
    let out = janusc(&["asm", "again.jasm", "-o", "again.jbc"], tmp.path());
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(tmp.path().join("again.jbc")).expect("written"),
        jbc
    );
}

#[test]
fn a_failed_assembly_leaves_the_old_output_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("bad.jasm"),
        "export main\nfunc main() -> i32\n    frob\nend\n",
    )
    .expect("write");
    std::fs::write(tmp.path().join("bad.jbc"), b"precious").expect("write");
    let out = janusc(&["asm", "bad.jasm"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("A0004"));
    assert_eq!(
        std::fs::read(tmp.path().join("bad.jbc")).expect("still there"),
        b"precious"
    );
}

#[test]
fn usage_and_io_errors_exit_with_status_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = janusc(&["check", "does-not-exist.jbc"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: cannot read `does-not-exist.jbc`"),
        "{stderr}"
    );

    let out = janusc(&["frobnicate"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let out = janusc(&["asm", "--no-such-flag", "x.jasm"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let out = janusc(&["--help"], tmp.path());
    assert_eq!(out.status.code(), Some(0));

    // An output path in a directory that does not exist.
    std::fs::copy(
        root().join("samples/hello.jasm"),
        tmp.path().join("hello.jasm"),
    )
    .expect("copy");
    let out = janusc(
        &["asm", "hello.jasm", "-o", "missing-dir/out.jbc"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write `missing-dir/out.jbc`"));
}

#[test]
fn garbage_never_panics() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let inputs: &[&[u8]] = &[
        b"",
        b"\0",
        b"\0JBC",
        b"\0JBC\x01\0\0\0\x03\xff\xff\xff\xff\x0f",
        b"\xff\xfe\xfd",
        b"func",
        b"\"",
        b"@",
        b"export main\nfunc main(r0",
    ];
    for (i, input) in inputs.iter().enumerate() {
        let name = format!("g{i}");
        std::fs::write(tmp.path().join(&name), input).expect("write");
        let out = janusc(&["check", &name], tmp.path());
        assert_eq!(
            out.status.code(),
            Some(1),
            "input {input:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn build_emits_ssa_to_files_and_stdout() {
    let tmp = dir_with_hello();
    let out = janusc(
        &["build", "hello.jasm", "--emit", "ssa,ssa-raw=raw.txt"],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ssa =
        std::fs::read_to_string(tmp.path().join("hello.ssa")).expect("default name: stem.ssa");
    let raw = std::fs::read_to_string(tmp.path().join("raw.txt")).expect("named output");
    assert!(ssa.contains("\nfunction main() -> i32 {"), "{ssa}");
    assert!(raw.contains("dev console.write("), "{raw}");

    let out = janusc(&["build", "hello.jasm", "--emit", "ssa=-"], tmp.path());
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        ssa,
        "stdout and file get the same bytes"
    );

    for bad in ["frob", "ssa=", "ssa,nope=x"] {
        let out = janusc(&["build", "hello.jasm", "--emit", bad], tmp.path());
        assert_eq!(out.status.code(), Some(1), "--emit {bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("error: --emit"),
            "--emit {bad}"
        );
    }
}

#[test]
fn executables_are_reproducible_and_inspectable() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = root().join("samples/calls.jasm");
    let src = src.to_str().expect("utf-8 path");
    for name in ["a", "b"] {
        let out = janusc(&["build", src, "-o", name], tmp.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let a = std::fs::read(tmp.path().join("a")).expect("built");
    assert_eq!(
        a,
        std::fs::read(tmp.path().join("b")).expect("built"),
        "same input, same bytes"
    );

    // At -O0 nothing is inlined, so every JanusVM function keeps its symbol.
    let out = janusc(&["build", src, "-O0", "-o", "c"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = janusc(&["inspect", "c"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    use sha2::Digest;
    let loaded = janus_compiler::load(&std::fs::read(src).expect("readable")).expect("loads");
    let hash: String = sha2::Sha256::digest(janus_compiler::bytecode::encode(&loaded.module))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        report.contains(&format!("bytecode sha256: {hash}")),
        "{report}"
    );
    assert!(
        report.contains("built by:        janusc 0.1.0 at -O0"),
        "{report}"
    );
    assert!(
        report.contains("every janus_ symbol is defined"),
        "{report}"
    );
    assert!(
        report.lines().any(|l| l.trim_start().starts_with("main ")),
        "{report}"
    );

    let out = janusc(&["inspect", src], tmp.path());
    assert_eq!(
        out.status.code(),
        Some(1),
        "a text file is not an executable"
    );
}

#[test]
fn every_emit_kind_is_written_and_well_formed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        root().join("samples/heap.jasm"),
        tmp.path().join("heap.jasm"),
    )
    .expect("copy");
    let out = janusc(
        &[
            "build",
            "heap.jasm",
            "-O0",
            "--emit",
            "exe,obj,asm,llvm-ir,llvm-ir-raw,ssa",
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        "heap",
        "heap.o",
        "heap.s",
        "heap.ll",
        "heap.raw.ll",
        "heap.ssa",
    ] {
        let bytes =
            std::fs::read(tmp.path().join(file)).unwrap_or_else(|_| panic!("{file} written"));
        assert!(!bytes.is_empty(), "{file} is empty");
    }
    assert!(std::fs::read(tmp.path().join("heap.o"))
        .expect("obj")
        .starts_with(b"\x7fELF"));
    let ll = std::fs::read_to_string(tmp.path().join("heap.ll")).expect("ll");
    assert!(
        ll.contains("define internal") && ll.contains("@janus_trap"),
        "LLVM IR text"
    );
    // The LLVM IR parses with LLVM's own assembler where it is installed
    // (make setup installs it).
    if let Ok(status) = Command::new("llvm-as-19")
        .arg("heap.ll")
        .arg("-o")
        .arg("/dev/null")
        .current_dir(tmp.path())
        .status()
    {
        assert!(status.success(), "llvm-as-19 rejects the emitted IR");
    }
    let run = Command::new(tmp.path().join("heap"))
        .output()
        .expect("runs");
    assert_eq!(
        run.stdout,
        std::fs::read(root().join("samples/heap.out")).expect("expected output")
    );
}

#[test]
fn bad_build_flags_and_inputs_are_clear_errors() {
    let tmp = dir_with_hello();
    std::fs::copy(
        root().join("tests/bad/type_mismatch.jasm"),
        tmp.path().join("bad.jasm"),
    )
    .expect("copy");
    let cases: &[(&[&str], &str)] = &[
        (&["build", "hello.jasm", "-O9"], "error: -O9"),
        (
            &["build", "hello.jasm", "--target", "nonsense-triple"],
            "error: --target nonsense-triple",
        ),
        (
            &[
                "build",
                "hello.jasm",
                "--target",
                "aarch64-unknown-linux-gnu",
            ],
            "carries a runtime for",
        ),
        (
            &["build", "hello.jasm", "--emit", "exe=-"],
            "cannot be written to standard output",
        ),
        (
            &["build", "hello.jasm", "--linker", "/nonexistent/cc"],
            "cannot run the linker",
        ),
        (&["build", "bad.jasm"], "V0203"),
    ];
    for (args, expected) in cases {
        let out = janusc(args, tmp.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert!(
        !tmp.path().join("bad").exists(),
        "no executable from a failed build"
    );
    // Another target is fine for an object file.
    let out = janusc(
        &[
            "build",
            "hello.jasm",
            "--target",
            "aarch64-unknown-linux-gnu",
            "--emit",
            "obj",
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn static_executables_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = root().join("samples/hello.jasm");
    let out = janusc(
        &[
            "build",
            src.to_str().expect("utf-8"),
            "--static",
            "--strip",
            "-o",
            "hello",
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(tmp.path().join("hello"))
        .output()
        .expect("runs");
    assert_eq!(run.stdout, b"Hello, JanusVM!\n");
}

#[test]
fn dash_o_names_the_only_emitted_output() {
    let tmp = dir_with_hello();
    let out = janusc(
        &["build", "hello.jasm", "--emit", "asm", "-o", "named.s"],
        tmp.path(),
    );
    assert!(out.status.success(), "{out:?}");
    assert!(tmp.path().join("named.s").exists());
    assert!(!tmp.path().join("hello.s").exists(), "-o was ignored");

    // With several outputs -o names the executable, and the others take
    // its stem, beside it, never in the current directory.
    std::fs::create_dir(tmp.path().join("out")).expect("mkdir");
    let out = janusc(
        &[
            "build",
            "hello.jasm",
            "--emit",
            "ssa,exe",
            "--emit=asm",
            "-o",
            "out/prog",
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{out:?}");
    for name in ["out/prog", "out/prog.ssa", "out/prog.s"] {
        assert!(tmp.path().join(name).exists(), "{name} missing");
    }
    assert!(!tmp.path().join("hello.ssa").exists() && !tmp.path().join("hello.s").exists());
    // Without an executable, -o is the name the outputs derive from.
    let out = janusc(
        &[
            "build",
            "hello.jasm",
            "--emit",
            "ssa,llvm-ir",
            "-o",
            "out/x",
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{out:?}");
    assert!(tmp.path().join("out/x.ssa").exists() && tmp.path().join("out/x.ll").exists());
}
