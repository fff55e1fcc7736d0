//! `janusc` on `.wasm` input: `check`, `run --invoke` under every engine,
//! traps that name the function, and `disasm` of the translation.

mod common;

use common::{janusc, stderr};
use std::path::Path;

const MODULE: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "mixed") (param f64 f64) (result f64 f32 i64)
    (f64.div (local.get 0) (local.get 1)) (f32.const 0.1) (i64.const -5))
  (func $divide (export "divide") (param i32) (result i32)
    (i32.div_u (i32.const 1) (local.get 0))))"#;

fn module(dir: &Path) -> String {
    let path = dir.join("m.wasm");
    std::fs::write(&path, wat::parse_str(MODULE).expect("valid text")).expect("written");
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn invoke_prints_results_as_wasmtime_does_under_every_engine() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let wasm = module(tmp.path());
    let out = janusc(
        &[
            "run", "--engine", "all", "--invoke", "add", &wasm, "2", "-40",
        ],
        tmp.path(),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "-38\n",
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(0));
    let out = janusc(
        &[
            "run", "--engine", "all", "--invoke", "mixed", &wasm, "--", "1", "3",
        ],
        tmp.path(),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0.3333333333333333\n0.1\n-5\n",
        "{}",
        stderr(&out)
    );
    let out = janusc(
        &[
            "run", "--engine", "all", "--invoke", "mixed", &wasm, "0", "0",
        ],
        tmp.path(),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "NaN\n0.1\n-5\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_trap_names_the_wasm_function_under_every_engine() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let wasm = module(tmp.path());
    let out = janusc(
        &["run", "--engine", "all", "--invoke", "divide", &wasm, "0"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(67), "{}", stderr(&out));
    // 0x5e: the `i32.div_u` in the module's code section (wasm-objdump -d).
    assert_eq!(
        stderr(&out),
        "janus: trap: integer divide by zero in function `divide` at pc 7 (wasm offset 0x5e)\n"
    );
}

#[test]
fn invoke_errors_say_what_was_expected() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let wasm = module(tmp.path());
    for (args, message) in [
        (vec!["nope"], "error[M0400]: --invoke nope: the module exports no function `nope` (it exports: add, mixed, divide)"),
        (vec!["add", "1", "x"], "error[M0400]: --invoke add: argument 2 `x` is not a valid i32"),
        (vec!["add", "1"], "error[M0400]: --invoke add: expected 2 arguments (i32, i32), got 1"),
    ] {
        let mut full = vec!["run", "--invoke", args[0], &wasm];
        full.extend(&args[1..]);
        let out = janusc(&full, tmp.path());
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).starts_with(message), "{}", stderr(&out));
    }
    let jasm = tmp.path().join("p.jasm");
    std::fs::write(
        &jasm,
        "export main\nfunc main() -> i32\n    reg r0: i32\n    ret [r0]\nend\n",
    )
    .expect("written");
    let out = janusc(
        &["run", "--invoke", "main", jasm.to_str().expect("utf-8")],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not a WebAssembly module"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_and_disasm_take_wasm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let wasm = module(tmp.path());
    let out = janusc(&["check", &wasm], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty());
    let out = janusc(&["disasm", &wasm], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("func add(r0: i32, r1: i32) -> i32"), "{text}");
    assert!(text.contains("i32.add"), "{text}");
    let out = janusc(&["disasm", "--show-pcs", &wasm], tmp.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("    i32.div_u r1, r1, r0    ; pc 7, wasm 0x5e\n"),
        "{text}"
    );
}
