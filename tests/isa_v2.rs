//! Format version 2's machine end to end (issue 14): every engine agrees,
//! under `janusc run --engine all`, on the check order of `call_indirect`
//! through null entries, and on functions of several results at every `-O`
//! level, up to the 255 a signature may have. (Globals shared across
//! codegen units are in `tests/guardrails.rs`'s many-function module.)

#[path = "common/mod.rs"]
mod common;

use common::{dir_with, janusc, root, stderr, stdout};

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

#[test]
fn multi_results_agree_at_every_level() {
    let source =
        std::fs::read_to_string(root().join("samples/multi_results.jasm")).expect("sample");
    let expected = std::fs::read_to_string(root().join("samples/multi_results.out")).expect("out");
    for level in ["-O0", "-O1", "-O2", "-O3"] {
        let (status, out, err) = all_engines(&source, level);
        assert_eq!(status, Some(0), "{level}: {err}");
        assert_eq!(out, expected, "{level}");
    }
}

/// A function of 255 results cycling through the four types (as many as a
/// signature may have: far more than any calling convention returns in
/// registers), each `base + 7k + 1`, and a `main` folding them into one
/// printed checksum.
fn most_results() -> String {
    const N: usize = 255;
    let types = ["i32", "i64", "f32", "f64"];
    let ty = |k: usize| types[k % 4];
    let list = |from: usize| {
        (from..from + N)
            .map(|r| format!("r{r}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let results: Vec<&str> = (0..N).map(ty).collect();
    let mut s = format!(
        "export main\nfunc many(r0: i32) -> ({})\n",
        results.join(", ")
    );
    for k in 0..N {
        s += &format!("    reg r{}: {}\n", k + 1, ty(k));
    }
    s += &format!("    reg r{}: i32\n", N + 1);
    for k in 0..N {
        let (r, t) = (k + 1, N + 1);
        s += &format!(
            "    i32.const r{t}, {}\n    i32.add r{t}, r{t}, r0\n",
            7 * k + 1
        );
        s += &match ty(k) {
            "i32" => format!("    i32.add r{r}, r{t}, r0\n    i32.sub r{r}, r{r}, r0\n"),
            "i64" => format!("    i64.extend_i32_s r{r}, r{t}\n"),
            "f32" => format!("    f32.convert_i32_s r{r}, r{t}\n"),
            _ => format!("    f64.convert_i32_s r{r}, r{t}\n"),
        };
    }
    s += &format!("    ret [{}]\nend\nfunc main() -> i32\n", list(1));
    for k in 0..N {
        s += &format!("    reg r{k}: {}\n", ty(k));
    }
    let (arg, acc, tmp, k31, fd) = (N, N + 1, N + 2, N + 3, N + 4);
    s += &format!(
        "    reg r{arg}: i32\n    reg r{acc}..r{k31}: i64\n    reg r{fd}: i32\n    \
         i32.const r{arg}, 3\n    call many, [{}], [r{arg}]\n    i64.const r{acc}, 0\n    i64.const r{k31}, 31\n",
        list(0)
    );
    for k in 0..N {
        s += &match ty(k) {
            "i32" => format!("    i64.extend_i32_s r{tmp}, r{k}\n"),
            "i64" => format!("    i64.add r{tmp}, r{k}, r{k}\n"),
            "f32" => format!("    i64.trunc_f32_s r{tmp}, r{k}\n"),
            _ => format!("    i64.trunc_f64_s r{tmp}, r{k}\n"),
        };
        s += &format!("    i64.mul r{acc}, r{acc}, r{k31}\n    i64.add r{acc}, r{acc}, r{tmp}\n");
    }
    s += &format!(
        "    i32.const r{fd}, 1\n    dev console.write_i64, [r{arg}], [r{fd}, r{acc}]\n    \
         i32.const r{arg}, 0\n    ret [r{arg}]\nend\n"
    );
    s
}

#[test]
fn the_most_results_a_signature_holds_reach_every_engine() {
    // The checksum, computed here the way `main` computes it.
    let mut acc: i64 = 0;
    for k in 0..255i64 {
        let v = 7 * k + 1 + 3;
        let term = if k % 4 == 1 { 2 * v } else { v };
        acc = acc.wrapping_mul(31).wrapping_add(term);
    }
    for level in ["-O0", "-O2"] {
        let (status, out, err) = all_engines(&most_results(), level);
        assert_eq!(status, Some(0), "{level}: {err}");
        assert_eq!(out, acc.to_string(), "{level}");
    }
}

/// `n` functions of two results, more than one codegen unit holds:
/// `f{i}(x)` returns `(x', x' as i64 * 3)` for `x'` a mix of `x` and its
/// children `f{2i+1}` and `f{2i+2}`'s results, so calls of several results
/// cross units; `main` prints `f0(7)`'s.
fn many_pairs(n: usize) -> String {
    let mut s = String::from("export main\n");
    for i in 0..n {
        s += &format!(
            "func f{i}(r0: i32) -> (i32, i64)\n    reg r1..r2: i32\n    reg r3..r4: i64\n"
        );
        for k in 0..6 {
            let op = ["add", "mul", "xor"][k % 3];
            s += &format!(
                "    i32.const r1, {}\n    i32.{op} r0, r0, r1\n",
                i * 6 + k + 1
            );
        }
        for child in [2 * i + 1, 2 * i + 2] {
            if child < n {
                s += &format!(
                    "    call f{child}, [r2, r3], [r0]\n    i32.add r0, r0, r2\n    i32.wrap_i64 r2, r3\n    i32.xor r0, r0, r2\n"
                );
            }
        }
        s += "    i64.extend_i32_u r3, r0\n    i64.const r4, 3\n    i64.mul r3, r3, r4\n    ret [r0, r3]\nend\n";
    }
    s += "func main() -> i32\n    reg r0..r3: i32\n    reg r4..r5: i64\n    i32.const r0, 7\n    \
          call f0, [r1, r5], [r0]\n    i64.extend_i32_s r4, r1\n    i32.const r2, 1\n    \
          dev console.write_i64, [r3], [r2, r4]\n    dev console.write_i64, [r3], [r2, r5]\n    \
          i32.const r0, 0\n    ret [r0]\nend\n";
    s
}

#[test]
fn calls_of_several_results_cross_codegen_units() {
    let dir = dir_with(&[]);
    std::fs::write(dir.path().join("pairs.jasm"), many_pairs(3_000)).expect("write");
    let reference = janusc(&["run", "--engine", "interp", "pairs.jasm"], dir.path());
    assert!(reference.status.success(), "{}", stderr(&reference));
    let verbose = janusc(
        &["build", "-O0", "-v", "pairs.jasm", "-o", "pairs"],
        dir.path(),
    );
    assert!(
        stderr(&verbose).contains("note: built in 2 codegen units"),
        "{}",
        stderr(&verbose)
    );
    let run = std::process::Command::new(dir.path().join("pairs"))
        .output()
        .expect("run");
    assert_eq!(stdout(&run), stdout(&reference), "AOT");
    let jit = janusc(&["run", "--engine", "jit", "-O0", "pairs.jasm"], dir.path());
    assert_eq!(stdout(&jit), stdout(&reference), "JIT: {}", stderr(&jit));
}
