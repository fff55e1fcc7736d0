//! Real C programs through the WebAssembly front end: each program in
//! `samples/c/` is compiled by gcc -O2 to a native executable and by
//! clang 19 for wasm32-wasi (Debian's wasi-libc, as `make setup` installs
//! them), and `janusc run --engine all` on the `.wasm` must print exactly
//! what the native program prints and exit with its status, under the
//! interpreter, the JIT and AOT alike.

mod common;

use common::{janusc, root, stderr};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The clang invocation of the issue: WebAssembly 2.0's MVP features plus
/// sign extension, non-trapping conversions and bulk memory.
const CLANG_FLAGS: &[&str] = &[
    "--target=wasm32-wasi",
    "--sysroot=/usr",
    "-O2",
    "-mcpu=mvp",
    "-msign-ext",
    "-mnontrapping-fptoint",
    "-mbulk-memory",
];

/// One program, its arguments, standard input and environment, and the
/// directory it may use: created afresh for each side (gcc's and janusc's)
/// with [`seed`]'s files, each side's working directory its parent, so the
/// same relative name means the same files; janusc preopens it with
/// `--dir NAME`.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    stdin: &'static [u8],
    env: &'static [(&'static str, &'static str)],
    dir: Option<&'static str>,
}

/// What a case's directory holds at the start.
const SEED: &[(&str, &str)] = &[
    ("input.txt", "alpha\nbeta\ngamma delta\n"),
    ("sub/inner.txt", "inside\n"),
];

/// Makes `parent/name` with [`SEED`]'s files.
fn seed(parent: &Path, name: &str) {
    for (file, text) in SEED {
        let path = parent.join(name).join(file);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("seed file");
    }
}

/// The names under `dir`, recursively, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        out.push(path.display().to_string());
        if path.is_dir() {
            out.extend(tree(&path));
        }
    }
    out.sort();
    out
}

const fn case(name: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        name,
        args,
        stdin: b"",
        env: &[],
        dir: None,
    }
}

fn compile(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let source = root().join(format!("samples/c/{name}.c"));
    let native = dir.join(format!("{name}.native"));
    let wasm = dir.join(format!("{name}.wasm"));
    let gcc = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&native)
        .arg(&source)
        .arg("-lm")
        .output()
        .expect("gcc runs");
    assert!(gcc.status.success(), "gcc {name}: {}", stderr(&gcc));
    let clang = Command::new("clang-19")
        .args(CLANG_FLAGS)
        .arg(&source)
        .arg("-o")
        .arg(&wasm)
        .arg("-lm")
        .output()
        .unwrap_or_else(|e| panic!("clang-19 does not run ({e}): `make setup` installs it"));
    assert!(
        clang.status.success(),
        "clang-19 {name}: {}",
        stderr(&clang)
    );
    (native, wasm)
}

fn run_with(mut command: Command, case: &Case) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(case.stdin)
        .expect("stdin written");
    child.wait_with_output().expect("finishes")
}

fn check(case: &Case) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (native, wasm) = compile(tmp.path(), case.name);
    let mut gcc = Command::new(&native);
    gcc.args(case.args).env_clear();
    let (native_cwd, janus_cwd) = (tmp.path().join("native"), tmp.path().join("janus"));
    if let Some(dir) = case.dir {
        seed(&native_cwd, dir);
        seed(&janus_cwd, dir);
        gcc.current_dir(&native_cwd);
    }
    for (key, value) in case.env {
        gcc.env(key, value);
    }
    let expected = run_with(gcc, case);

    let mut janus = Command::new(env!("CARGO_BIN_EXE_janusc"));
    janus
        .current_dir(if case.dir.is_some() {
            &janus_cwd
        } else {
            tmp.path()
        })
        .args(["run", "--engine", "all"]);
    if let Some(dir) = case.dir {
        janus.arg("--dir").arg(dir);
    }
    for (key, value) in case.env {
        janus.arg("--env").arg(format!("{key}={value}"));
    }
    janus.arg(&wasm).arg("--").args(case.args);
    let got = run_with(janus, case);
    // Bytes, not text: mandelbrot prints a binary PBM.
    assert!(
        got.stdout == expected.stdout,
        "{}: stdout differs from gcc's:\n{}\n--- gcc printed:\n{}\n--- janusc said: {}",
        case.name,
        String::from_utf8_lossy(&got.stdout),
        String::from_utf8_lossy(&expected.stdout),
        stderr(&got)
    );
    assert_eq!(
        got.status.code(),
        expected.status.code(),
        "{}: exit status; janusc said: {}",
        case.name,
        stderr(&got)
    );
    if let Some(dir) = case.dir {
        // Every engine left the directory as the native program did.
        let strip = |cwd: &Path| -> Vec<String> {
            let prefix = cwd.display().to_string();
            tree(&cwd.join(dir))
                .into_iter()
                .map(|p| p.replacen(&prefix, "", 1))
                .collect()
        };
        assert_eq!(strip(&janus_cwd), strip(&native_cwd), "{}", case.name);
    }
}

#[test]
fn benchmark_twins_match_gcc_under_every_engine() {
    for case in [
        case("fib", &["20"]),
        case("sieve", &["100000"]),
        case("nbody", &["1000"]),
        case("spectral_norm", &["40"]),
        case("fannkuch", &["7"]),
        case("mandelbrot", &["64"]),
        case("fasta", &["1000"]),
        case("binary_trees", &["8"]),
    ] {
        check(&case);
    }
}

#[test]
fn a_program_reading_stdin_matches_gcc() {
    check(&Case {
        name: "wordcount",
        args: &[],
        stdin: b"one two  three\n\tfour\nfive six seven\n\n\xff\x00end",
        env: &[],
        dir: None,
    });
}

#[test]
fn environment_clock_and_random_match_gcc() {
    check(&Case {
        name: "environment",
        args: &["first", "second argument"],
        stdin: b"",
        env: &[("GREETING", "hello, wasm")],
        dir: None,
    });
    // Without the variable the program says so and exits 3, as natively:
    // no host variable leaks into the program unless passed with --env.
    check(&Case {
        name: "environment",
        args: &[],
        stdin: b"",
        env: &[],
        dir: None,
    });
}

#[test]
fn files_in_a_preopened_directory_match_gcc() {
    check(&Case {
        name: "files",
        args: &["work"],
        stdin: b"",
        env: &[],
        dir: Some("work"),
    });
}

#[test]
fn hello_world_executable_is_small() {
    // Wasmer's `create-exe` makes about 30 MB of a hello world; the target
    // is 128 KiB, stripped as a release build would be.
    let tmp = tempfile::tempdir().expect("tempdir");
    let (native, wasm) = compile(tmp.path(), "hello");
    let exe = tmp.path().join("hello");
    let out = janusc(
        &[
            "build",
            "-O2",
            "--strip",
            wasm.to_str().expect("utf-8"),
            "-o",
            exe.to_str().expect("utf-8"),
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "build: {}", stderr(&out));
    let size = std::fs::metadata(&exe).expect("built").len();
    assert!(size <= 128 * 1024, "hello world became {size} bytes");
    let run = Command::new(&exe).output().expect("runs");
    let expected = Command::new(&native).output().expect("runs");
    assert_eq!(run.stdout, expected.stdout);
    assert_eq!(run.status.code(), Some(0));
}
