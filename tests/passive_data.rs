//! `memory.init` and `data.drop` end to end (issue 14): under `janusc run
//! --engine all` (the interpreter, the JIT and an AOT executable, compared
//! by janusc itself) at every optimisation level, each of WebAssembly's
//! bounds rules gives the same copy or the same trap, and the trap names
//! the function and pc of the `memory.init`; and the program generator
//! reaches that trap, on which the engines agree too.

#[path = "common/mod.rs"]
mod common;

use common::{dir_with, janusc, stderr, stdout};
use janus_compiler::bytecode::{encode, Opcode};
use janus_generate::generate;

const LEVELS: [&str; 5] = ["-O0", "-O1", "-O2", "-O3", "-Os"];

/// A one-page program with an active segment (0) and the passive segment
/// `word` (1, "Hello"). `init(dst, src, len)` runs `memory.init SEGMENT`
/// at pc 7; `main` runs `setup` (e.g. a `data.drop`), calls `init` with
/// the arguments, and prints the first five bytes of memory.
fn program(segment: &str, setup: &str, dst: i64, src: i64, len: i64) -> String {
    format!(
        "memory 1, 1\ndata 0x0, \"-----\"\ndata passive word: \"Hello\"\nexport main\n\
         func init(r0: i32, r1: i32, r2: i32)\n    reg r3: i32\n    i32.const r3, 0\n\
         \x20   memory.init {segment}, r0, r1, r2\n    ret []\nend\n\
         func main() -> i32\n    reg r0..r4: i32\n    {setup}\n\
         \x20   i32.const r0, {dst}\n    i32.const r1, {src}\n    i32.const r2, {len}\n\
         \x20   call init, [], [r0, r1, r2]\n\
         \x20   i32.const r0, 1\n    i32.const r1, 0\n    i32.const r2, 5\n\
         \x20   dev console.write, [r3], [r0, r1, r2]\n    i32.const r0, 0\n    ret [r0]\nend\n"
    )
}

/// Runs `source` under every engine at `level`: (status, stdout, stderr).
fn all_engines(source: &str, level: &str) -> (Option<i32>, String, String) {
    let dir = dir_with(&[]);
    std::fs::write(dir.path().join("p.jasm"), source).expect("write");
    let out = janusc(&["run", "--engine", "all", level, "p.jasm"], dir.path());
    (out.status.code(), stdout(&out), stderr(&out))
}

#[test]
fn memory_init_copies_within_both_bounds() {
    let cases = [
        ("word", "nop", 0, 0, 5, "Hello"),
        ("word", "nop", 1, 1, 3, "-ell-"),
        // A length of 0 is fine at exactly the end of the segment and of
        // memory, and for a dropped or an active segment at offset 0.
        ("word", "nop", 0, 5, 0, "-----"),
        ("word", "nop", 65536, 0, 0, "-----"),
        ("word", "data.drop word", 0, 0, 0, "-----"),
        ("word", "data.drop word\n    data.drop 1", 0, 0, 0, "-----"),
        ("0", "nop", 0, 0, 0, "-----"),
    ];
    for level in LEVELS {
        for (segment, setup, dst, src, len, expected) in cases {
            let (status, out, err) = all_engines(&program(segment, setup, dst, src, len), level);
            let case = format!("{level} {segment} {setup:?} {dst} {src} {len}");
            assert_eq!((status, out.as_str()), (Some(0), expected), "{case}: {err}");
        }
    }
}

#[test]
fn memory_init_traps_past_either_bound_naming_its_function_and_pc() {
    let cases = [
        ("word", "nop", 0, 1, 5),
        ("word", "nop", 0, 6, 0),
        ("word", "nop", 65535, 0, 2),
        ("word", "nop", 65537, 0, 0),
        // 64-bit sums: 0xffffffff + 2 wraps to 1 in 32 bits.
        ("word", "nop", 0, 0xffff_ffff, 2),
        ("word", "nop", 0xffff_ffff, 0, 2),
        // A dropped segment is empty; an active one is dropped at start.
        ("word", "data.drop word", 0, 0, 1),
        ("0", "nop", 0, 0, 1),
    ];
    for level in LEVELS {
        for (segment, setup, dst, src, len) in cases {
            let (status, out, err) = all_engines(&program(segment, setup, dst, src, len), level);
            let case = format!("{level} {segment} {setup:?} {dst} {src} {len}");
            assert_eq!(status, Some(70), "{case}: {err}");
            assert_eq!(out, "", "{case}: nothing printed before the trap");
            assert_eq!(
                err, "janus: trap: out of bounds memory access in function `init` at pc 7\n",
                "{case}"
            );
        }
    }
}

/// The function and pc a trap message names.
fn trap_site(message: &str) -> Option<(String, u32)> {
    let (_, rest) = message.split_once("in function `")?;
    let (func, rest) = rest.split_once("` at pc ")?;
    Some((func.to_string(), rest.trim().parse().ok()?))
}

#[test]
fn generated_programs_reach_the_memory_init_trap_and_agree_on_it() {
    let dir = dir_with(&[]);
    let mut found = Vec::new();
    for seed in 0..300 {
        let module = generate(seed);
        std::fs::write(dir.path().join("p.jbc"), encode(&module)).expect("write");
        let out = janusc(&["run", "--engine", "interp", "p.jbc"], dir.path());
        let Some((func, pc)) = trap_site(&stderr(&out)) else {
            continue;
        };
        let f = module.functions.iter().find(|f| f.name == func);
        if f.and_then(|f| f.code.at(pc)).map(|i| i.opcode) != Some(Opcode::MemoryInit) {
            continue;
        }
        for level in ["-O0", "-O2"] {
            let all = janusc(&["run", "--engine", "all", level, "p.jbc"], dir.path());
            assert_eq!(
                (all.status.code(), stderr(&all)),
                (out.status.code(), stderr(&out)),
                "seed {seed} {level}"
            );
            assert_eq!(all.stdout, out.stdout, "seed {seed} {level}");
        }
        found.push(seed);
        if found.len() == 3 {
            return;
        }
    }
    panic!("only seeds {found:?} of 0..300 trap at a memory.init");
}

/// A store, then `memory.init` over it, then a load of the same address in
/// one function: optimised code must not forward the stored value past the
/// runtime call that overwrote it.
#[test]
fn a_load_after_memory_init_sees_the_copied_bytes() {
    let source = "memory 1, 1\ndata passive word: \"Hell\"\nexport main\n\
        func main() -> i32\n    reg r0..r3: i32\n    reg r4: i64\n\
        \x20   i32.const r0, 0x100\n    i32.const r1, 7\n    i32.store r1, r0, 0\n\
        \x20   i32.const r2, 0\n    i32.const r3, 4\n    memory.init word, r0, r2, r3\n\
        \x20   i32.load r1, r0, 0\n    i64.extend_i32_u r4, r1\n    i32.const r2, 1\n\
        \x20   dev console.write_i64, [r3], [r2, r4]\n    i32.const r0, 0\n    ret [r0]\nend\n";
    for level in LEVELS {
        let (status, out, err) = all_engines(source, level);
        assert_eq!(
            (status, out.as_str()),
            (Some(0), "1819043144"),
            "{level}: {err}"
        );
    }
}
