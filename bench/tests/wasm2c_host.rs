//! The WASI host `make bench` links wasm2c output with
//! (bench/wasm2c/host.c): a `.wasm` built from C by clang-19, translated by
//! wasm2c and compiled by gcc prints what the same C prints natively, sees
//! its arguments, and exits with the status it gives. Needs what `make
//! setup` installs (clang-19 with wasi-libc, wabt, gcc).

use janus_bench::wasm::{self, Runner, Tools};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repository root")
}

fn tools() -> Tools {
    let root = root();
    Tools {
        janusc: root.join("target/release/janusc"),
        wasm_rt: wasm::find_wasm_rt().expect("wabt's wasm2c runtime (make setup installs wabt)"),
        python: PathBuf::from("python3"),
        wasmi: PathBuf::from("wasmi"),
        root,
    }
}

/// Builds `c` natively and through clang, wasm2c and gcc in `dir`; returns
/// both executables.
fn both(tools: &Tools, c: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let (wasm, native, w2c) = (dir.join("p.wasm"), dir.join("p-gcc"), dir.join("p-w2c"));
    wasm::clang_wasm(c, &wasm).expect("clang-19 builds the .wasm");
    wasm::gcc_native(c, &native).expect("gcc builds it natively");
    wasm::wasm2c_gcc(tools, &wasm, &dir.join("src"), &w2c).expect("wasm2c + gcc build it");
    (native, w2c)
}

fn args(exe: &Path, rest: &[&str]) -> Vec<OsString> {
    std::iter::once(exe.as_os_str().to_owned())
        .chain(rest.iter().map(OsString::from))
        .collect()
}

#[test]
fn wasm2c_output_with_the_host_prints_what_gcc_prints() {
    let tools = tools();
    let dir = tempfile::tempdir().expect("temporary directory");
    let stdin = dir.path().join("stdin");
    std::fs::write(&stdin, b"").expect("writable");
    let (native, w2c) = both(&tools, &tools.root.join("samples/c/fib.c"), dir.path());
    for size in [&[][..], &["25"][..]] {
        let expected = wasm::run(
            Runner::Gcc,
            &args(&native, size),
            &stdin,
            &dir.path().join("a"),
        )
        .expect("gcc's runs");
        let got = wasm::run(
            Runner::Wasm2c,
            &args(&w2c, size),
            &stdin,
            &dir.path().join("b"),
        )
        .expect("wasm2c's runs");
        assert!(!expected.stdout.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&got.stdout),
            String::from_utf8_lossy(&expected.stdout),
            "fib {size:?}"
        );
    }
}

#[test]
fn the_host_passes_arguments_and_the_exit_status() {
    let tools = tools();
    let dir = tempfile::tempdir().expect("temporary directory");
    let stdin = dir.path().join("stdin");
    std::fs::write(&stdin, b"").expect("writable");
    let c = dir.path().join("args.c");
    std::fs::write(
        &c,
        "#include <stdio.h>\n\
         int main(int argc, char **argv) {\n\
           for (int i = 1; i < argc; i++) printf(\"[%s]\", argv[i]);\n\
           printf(\"\\n\");\n\
           return argc == 3 ? 7 : 0;\n\
         }\n",
    )
    .expect("writable");
    let (_, w2c) = both(&tools, &c, dir.path());
    let out = dir.path().join("out");
    let run = wasm::run(Runner::Wasm2c, &args(&w2c, &["a", "", "b c"]), &stdin, &out)
        .expect("three arguments: status 0");
    assert_eq!(run.stdout, b"[a][][b c]\n");
    let failed = wasm::run(Runner::Wasm2c, &args(&w2c, &["1", "2"]), &stdin, &out)
        .err()
        .expect("two arguments: status 7");
    assert!(failed.starts_with("exit code 7"), "{failed}");
}
