//! Format version 2's machine end to end (issue 14): every engine agrees,
//! under `janusc run --engine all`, on the check order of `call_indirect`
//! through null entries. (Globals shared across codegen units are in
//! `tests/guardrails.rs`'s many-function module.)

#[path = "common/mod.rs"]
mod common;

use common::{dir_with, janusc, stderr, stdout};

/// Runs `source` under every engine at `level`; returns (status, stdout,
/// stderr) of the comparison, which fails when any two engines differ.
fn all_engines(source: &str, level: &str) -> (Option<i32>, String, String) {
    let dir = dir_with(&[]);
    std::fs::write(dir.path().join("p.jasm"), source).expect("write");
    let out = janusc(&["run", "--engine", "all", level, "p.jasm"], dir.path());
    (out.status.code(), stdout(&out), stderr(&out))
}

/// A program whose table is `[f, null]` and whose `main` makes one
/// `call_indirect` of signature `sig` at `index`.
fn indirect(index: i32, sig: &str) -> String {
    format!(
        "table f, null\nexport main\nfunc f() -> i32\n    reg r0: i32\n    i32.const r0, 7\n    ret [r0]\nend\n\
         func main() -> i32\n    reg r0..r1: i32\n    reg r2: i64\n    i32.const r0, {index}\n\
         \x20   call_indirect {sig}, r0, [{}], []\n    i32.const r1, 0\n    ret [r1]\nend\n",
        if sig.ends_with("i64") { "r2" } else { "r1" }
    )
}

#[test]
fn a_null_entry_traps_before_its_signature_is_checked_and_after_the_index() {
    for level in ["-O0", "-O2"] {
        let (status, _, err) = all_engines(&indirect(1, "() -> i64"), level);
        assert_eq!(status, Some(75), "{level}: {err}");
        assert!(
            err.contains("uninitialized table element in function `main`"),
            "{level}: {err}"
        );
        let (status, _, err) = all_engines(&indirect(2, "() -> i64"), level);
        assert_eq!(status, Some(71), "{level}: {err}");
        assert!(err.contains("undefined table element"), "{level}: {err}");
        let (status, _, err) = all_engines(&indirect(0, "() -> i64"), level);
        assert_eq!(status, Some(72), "{level}: {err}");
        assert!(
            err.contains("indirect call signature mismatch"),
            "{level}: {err}"
        );
        let (status, _, err) = all_engines(&indirect(0, "() -> i32"), level);
        assert_eq!(status, Some(0), "{level}: {err}");
    }
}
