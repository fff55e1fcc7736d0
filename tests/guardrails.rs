//! The backend's pipeline guardrails end to end (issue 13): a function past
//! a threshold is built in its own codegen unit with the reduced pipeline,
//! `-v` says so and why, and the program still computes exactly what the
//! interpreter computes — calling into and out of the other unit, sharing
//! its memory, data and function table — whether it is linked into an
//! executable or merged into one object by `--emit obj`.

#[path = "common/mod.rs"]
mod common;

use common::{dir_with, janusc, stderr, stdout};
use std::fmt::Write;
use std::process::Command;

/// A program whose `big` function has a `br_table` of `targets` targets
/// (each a different update of r1, then a jump to one join block that
/// takes them all as edges), a small `helper` it calls through the table,
/// and data it reads; `main` prints what `big` returns for a few indices.
fn program(targets: usize) -> String {
    let mut s = String::from(
        "memory 1, 1\ndata seed: i32 1000\ndata nl: \"\\n\"\ntable helper\nexport main\n\n\
         func helper(r0: i32) -> i32\n    reg r1: i32\n    i32.const r1, 3\n    i32.mul r0, r0, r1\n    ret [r0]\nend\n\n\
         func big(r0: i32) -> i32\n    reg r1..r3: i32\n    i32.const r2, seed\n    i32.load r1, r2, 0\n",
    );
    let labels: Vec<String> = (0..targets).map(|k| format!("t{k}")).collect();
    let _ = writeln!(s, "    br_table r0, join, [{}]", labels.join(", "));
    for k in 0..targets {
        let _ = writeln!(s, "t{k}:\n    i32.const r2, {}", k * 7 + 1);
        let op = ["add", "mul", "xor", "sub"][k % 4];
        let _ = writeln!(s, "    i32.{op} r1, r1, r2\n    jmp join");
    }
    s.push_str(
        "join:\n    i32.const r3, 0\n    call_indirect (i32) -> i32, r3, [r1], [r1]\n    ret [r1]\nend\n\n\
         func main() -> i32\n    reg r0..r4: i32\n    reg r5: i64\n    i32.const r1, 1\n    i32.const r0, 0\n\
         again:\n    call big, [r2], [r0]\n    i64.extend_i32_s r5, r2\n    dev console.write_i64, [r4], [r1, r5]\n\
         \x20   i32.const r2, nl\n    i32.const r3, 1\n    dev console.write, [r4], [r1, r2, r3]\n\
         \x20   i32.const r2, 37\n    i32.add r0, r0, r2\n    i32.const r2, 400\n    i32.lt_s r3, r0, r2\n\
         \x20   br_if r3, again\n    i32.const r0, 0\n    ret [r0]\nend\n",
    );
    s
}

#[test]
fn a_function_past_a_threshold_gets_the_reduced_pipeline_and_computes_the_same() {
    let dir = dir_with(&[]);
    std::fs::write(dir.path().join("big.jasm"), program(300)).expect("write");
    let reference = janusc(&["run", "--engine", "interp", "big.jasm"], dir.path());
    assert!(reference.status.success(), "{}", stderr(&reference));
    let expected = stdout(&reference);
    assert_eq!(expected.lines().count(), 11, "{expected}");

    let build = janusc(&["build", "-O2", "-v", "big.jasm", "-o", "big"], dir.path());
    assert!(build.status.success(), "{}", stderr(&build));
    let notes = stderr(&build);
    assert!(
        notes.contains("note: function `big` built with the reduced pipeline: 300 targets in one br_table (the full pipeline takes up to 256)"),
        "{notes}"
    );
    assert!(!notes.contains("`main` built"), "{notes}");
    let run = Command::new(dir.path().join("big")).output().expect("run");
    assert_eq!(stdout(&run), expected);

    // The executable's code table lists functions from both units (`main`
    // is inlined into the entry point, as in any -O2 build).
    let inspect = janusc(&["inspect", "big"], dir.path());
    let table = stdout(&inspect);
    for function in ["big", "helper"] {
        assert!(
            table.lines().any(|l| l.trim_start().starts_with(function)),
            "{function} missing:\n{table}"
        );
    }

    // --emit obj merges the two units into one object that links alone.
    let obj = janusc(
        &["build", "-O2", "big.jasm", "--emit", "obj=big.o"],
        dir.path(),
    );
    assert!(obj.status.success(), "{}", stderr(&obj));
    let bytes = std::fs::read(dir.path().join("big.o")).expect("object");
    let elf = goblin::elf::Elf::parse(&bytes).expect("an ELF object");
    assert_eq!(elf.header.e_type, goblin::elf::header::ET_REL);
    let defined: Vec<&str> = elf
        .syms
        .iter()
        .filter(|s| s.is_function() && s.st_shndx != 0)
        .filter_map(|s| elf.strtab.get_at(s.st_name))
        .collect();
    assert!(defined.contains(&"janus.fn.big"), "{defined:?}");
    assert!(defined.contains(&"janus.fn.helper"), "{defined:?}");
}

#[test]
fn functions_under_every_threshold_keep_the_full_pipeline() {
    let dir = dir_with(&[]);
    std::fs::write(dir.path().join("small.jasm"), program(200)).expect("write");
    let build = janusc(
        &["build", "-O2", "-v", "small.jasm", "-o", "small"],
        dir.path(),
    );
    assert!(build.status.success(), "{}", stderr(&build));
    assert!(
        !stderr(&build).contains("reduced pipeline"),
        "{}",
        stderr(&build)
    );
}

#[test]
fn a_join_of_many_edges_is_funnelled_at_every_level() {
    // 2,000 edges into one join: quadratic in LLVM without funnels.
    let dir = dir_with(&[]);
    std::fs::write(dir.path().join("wide.jasm"), program(2_000)).expect("write");
    let reference = stdout(&janusc(
        &["run", "--engine", "interp", "wide.jasm"],
        dir.path(),
    ));
    for level in ["-O0", "-O2"] {
        let build = janusc(&["build", level, "wide.jasm", "-o", "wide"], dir.path());
        assert!(build.status.success(), "{level}: {}", stderr(&build));
        let run = Command::new(dir.path().join("wide")).output().expect("run");
        assert_eq!(stdout(&run), reference, "{level}");
    }
    let ir = janusc(
        &["build", "-O0", "wide.jasm", "--emit", "llvm-ir-raw=-"],
        dir.path(),
    );
    let text = stdout(&ir);
    assert!(text.contains("funnel"), "no funnel block in the LLVM IR");
}

/// A module of `n` functions of a few dozen instructions, more than one
/// codegen unit holds: `f{i}` calls `f{2i+1}` and `f{2i+2}` (so calls cross
/// units), the last function is also in the table, every function counts
/// its calls in one global, and `main` prints what `f0` and the table's
/// function return, then the count.
fn many_functions(n: usize) -> String {
    let mut s = format!(
        "table f{}\nexport main\nglobal mut calls: i32 = 0\n\n",
        n - 1
    );
    for i in 0..n {
        let _ = writeln!(s, "func f{i}(r0: i32) -> i32\n    reg r1..r2: i32");
        // Every function counts itself in a global all units share.
        s.push_str("    i32.global.get r1, calls\n    i32.const r2, 1\n    i32.add r1, r1, r2\n    i32.global.set calls, r1\n");
        for k in 0..8 {
            let op = ["add", "mul", "xor"][k % 3];
            let _ = writeln!(
                s,
                "    i32.const r1, {}\n    i32.{op} r0, r0, r1",
                i * 8 + k + 1
            );
        }
        for child in [2 * i + 1, 2 * i + 2] {
            if child < n {
                let _ = writeln!(s, "    call f{child}, [r2], [r0]\n    i32.add r0, r0, r2");
            }
        }
        s.push_str("    ret [r0]\nend\n");
    }
    s.push_str(
        "func main() -> i32\n    reg r0..r3: i32\n    reg r4: i64\n    i32.const r0, 7\n    call f0, [r1], [r0]\n\
         \x20   i64.extend_i32_s r4, r1\n    i32.const r2, 1\n    dev console.write_i64, [r3], [r2, r4]\n\
         \x20   i32.const r3, 0\n    call_indirect (i32) -> i32, r3, [r1], [r0]\n    i64.extend_i32_s r4, r1\n\
         \x20   dev console.write_i64, [r3], [r2, r4]\n    i32.global.get r1, calls\n    i64.extend_i32_s r4, r1\n\
         \x20   dev console.write_i64, [r3], [r2, r4]\n    i32.const r0, 0\n    ret [r0]\nend\n",
    );
    s
}

#[test]
fn a_module_past_the_unit_budget_is_cut_into_units_that_compute_the_same() {
    let dir = dir_with(&[]);
    std::fs::write(dir.path().join("many.jasm"), many_functions(3_000)).expect("write");
    let reference = janusc(&["run", "--engine", "interp", "many.jasm"], dir.path());
    assert!(reference.status.success(), "{}", stderr(&reference));
    let expected = stdout(&reference);
    // Each function runs once from `f0`, the last once more from the table.
    assert!(expected.ends_with("3001"), "{expected}");

    let jit = janusc(&["run", "--engine", "jit", "-O0", "many.jasm"], dir.path());
    assert!(jit.status.success(), "{}", stderr(&jit));
    assert_eq!(stdout(&jit), expected, "the JIT links its units");

    let build = janusc(&["build", "-O0", "many.jasm", "-o", "many"], dir.path());
    assert!(build.status.success(), "{}", stderr(&build));
    let run = Command::new(dir.path().join("many")).output().expect("run");
    assert_eq!(stdout(&run), expected);
    let emit = janusc(
        &["build", "-O0", "many.jasm", "--emit", "llvm-ir=many.ll"],
        dir.path(),
    );
    assert!(emit.status.success(), "{}", stderr(&emit));
    assert!(
        stderr(&janusc(
            &["build", "-O0", "-v", "many.jasm", "-o", "many"],
            dir.path()
        ))
        .contains("note: built in 2 codegen units of at most 50000 IR instructions each"),
        "-v names the units"
    );
    let ir = std::fs::read_to_string(dir.path().join("many.ll")).expect("LLVM IR");
    assert!(ir.starts_with("; ---- codegen unit 1 of "), "{}", &ir[..80]);
    assert!(ir.contains("; ---- codegen unit 2 of "));
    // Only what crosses units is shared, and nothing leaves the executable.
    assert!(ir.contains("define hidden i32 @janus.fn.f"));
    assert!(ir.contains("define internal i32 @janus.fn.f"));
    assert!(!ir.contains("define i32 @janus.fn"));

    // The same bytes every time, whichever thread finishes first.
    let again = janusc(&["build", "-O0", "many.jasm", "-o", "again"], dir.path());
    assert!(again.status.success(), "{}", stderr(&again));
    let first = std::fs::read(dir.path().join("many")).expect("first");
    let second = std::fs::read(dir.path().join("again")).expect("second");
    assert!(first == second, "two builds differ");
}
