//! The engines agree: every sample and every program of the trap corpus runs
//! under `janusc run --engine all` (interpreter, hybrid engine with switching
//! forced, JIT and AOT executable, their stdout, exit status and trap
//! compared by janusc itself), and what they agree on is the expected
//! output.

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
        .contains("--engine warp: expected hybrid, interp, jit, aot or all"));
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
    for engine in ["interp", "hybrid", "jit", "aot", "all"] {
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
    for engine in ["interp", "hybrid", "jit", "aot", "all"] {
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

/// Builds `tests/wasi/NAME.c` for wasm32-wasi into `dir`.
fn wasi_program(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let wasm = dir.join(format!("{name}.wasm"));
    let clang = Command::new("clang-19")
        .args([
            "--target=wasm32-wasi",
            "--sysroot=/usr",
            "-O2",
            "-mcpu=mvp",
            "-msign-ext",
            "-mnontrapping-fptoint",
            "-mbulk-memory",
        ])
        .arg(root().join(format!("tests/wasi/{name}.c")))
        .arg("-o")
        .arg(&wasm)
        .output()
        .unwrap_or_else(|e| panic!("clang-19 does not run ({e}): `make setup` installs it"));
    assert!(
        clang.status.success(),
        "clang-19: {}",
        String::from_utf8_lossy(&clang.stderr)
    );
    wasm
}

/// Builds `tests/wasi/escapes.c` for wasm32-wasi and lays out the tree it
/// expects in `dir`: `root/` (preopened) and beside it `outside/`.
fn escapes_tree(dir: &std::path::Path) -> std::path::PathBuf {
    let wasm = wasi_program(dir, "escapes");
    let (inside, outside) = (dir.join("root"), dir.join("outside"));
    std::fs::create_dir_all(inside.join("a")).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(inside.join("b.txt"), "bee").expect("write");
    std::fs::write(inside.join("a/file.txt"), "in a").expect("write");
    std::fs::write(outside.join("secret.txt"), "secret").expect("write");
    for (target, link) in [
        ("/", "link_root"),
        ("..", "link_up"),
        ("b.txt", "inside"),
        ("a", "link_dir"),
    ] {
        std::os::unix::fs::symlink(target, inside.join(link)).expect("symlink");
    }
    wasm
}

/// `--dir` (and `JANUS_DIR`, which it sets) behaves the same under every
/// engine: each escape from the preopened directory is ENOTCAPABLE and
/// touches nothing outside it, what stays inside works, and the output is
/// `tests/wasi/escapes.out`, whichever engine runs the program and however
/// the directory is given.
#[test]
fn preopened_directories_confine_every_engine() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let wasm = escapes_tree(tmp.path());
    let expected = std::fs::read_to_string(root().join("tests/wasi/escapes.out")).expect("read");
    let check = |what: &str, out: std::process::Output| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{what}: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            expected,
            "{what}: {stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("outside/secret.txt")).expect("kept"),
            "secret",
            "{what}"
        );
        let mut names: Vec<String> = std::fs::read_dir(tmp.path())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["escapes.wasm", "outside", "root"], "{what}");
    };
    for engine in ["interp", "hybrid", "jit", "aot", "all"] {
        let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
            .current_dir(tmp.path())
            .args(["run", "--engine", engine, "--dir", "root"])
            .arg(&wasm)
            .env_remove("JANUS_DIR")
            .output()
            .expect("runs");
        check(&format!("--dir, {engine}"), out);
    }
    // The same through the variable, and in an executable janusc built.
    let exe = tmp.path().join("escapes");
    let build = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .args(["build", "-O2"])
        .arg(&wasm)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("builds");
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let out = Command::new(&exe)
        .current_dir(tmp.path())
        .env("JANUS_DIR", "root")
        .output()
        .expect("runs");
    std::fs::remove_file(&exe).expect("rm");
    check("JANUS_DIR, executable", out);
}

/// A `--dir` that is not a directory stops every engine before the program
/// runs, with status 125 and a message naming `JANUS_DIR` and the path;
/// a malformed `--dir` is a usage error of janusc.
#[test]
fn a_bad_preopen_stops_every_engine_at_start() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let wasm = escapes_tree(tmp.path());
    for engine in ["interp", "jit", "aot"] {
        let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
            .current_dir(tmp.path())
            .args(["run", "--engine", engine, "--dir", "root/b.txt::data"])
            .arg(&wasm)
            .env_remove("JANUS_DIR")
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{engine}: {stderr}");
        assert!(
            stderr.contains("JANUS_DIR: cannot open `root/b.txt` as a directory"),
            "{engine}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{engine}");
    }
    for bad in ["a,b", "::guest", "host::"] {
        let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
            .current_dir(tmp.path())
            .args(["run", "--dir", bad])
            .arg(&wasm)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("--dir `{bad}`")),
            "{bad}: {stderr}"
        );
        assert_ne!(out.status.code(), Some(0), "{bad}");
    }
}

/// `poll` through `wasi.poll_oneoff` behaves the same under every engine:
/// stdin with input, stdin at its end, stdout, a file, a plain timeout
/// (`tests/wasi/poll.c`, its output `poll.out`).
#[test]
fn poll_sees_stdin_stdout_and_files_under_every_engine() {
    use std::io::Write;
    let tmp = tempfile::tempdir().expect("tempdir");
    let wasm = wasi_program(tmp.path(), "poll");
    std::fs::create_dir(tmp.path().join("root")).expect("mkdir");
    std::fs::write(tmp.path().join("root/b.txt"), "bee").expect("write");
    let expected = std::fs::read_to_string(root().join("tests/wasi/poll.out")).expect("read");
    for engine in ["interp", "hybrid", "jit", "aot", "all"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_janusc"))
            .current_dir(tmp.path())
            .args(["run", "--engine", engine, "--dir", "root"])
            .arg(&wasm)
            .args(["--", "root/b.txt"])
            .env_remove("JANUS_DIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"hello\n")
            .expect("written");
        let out = child.wait_with_output().expect("finishes");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{engine}: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            expected,
            "{engine}: {stderr}"
        );
    }
}
