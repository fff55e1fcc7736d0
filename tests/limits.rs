//! The limits of version 2 (issue 14), end to end: a function with every
//! register a function may have and every parameter a signature may have
//! assembles, verifies, compiles and runs alike under every engine at
//! every `-O` level; recursion of small functions traps at exactly the
//! call depth it always did; recursion of a large-frame function traps at
//! the call the frame-byte rule (`docs/ISA.md` §6.5) predicts, directly and
//! through the table, with the same message everywhere. Each program runs
//! under `janusc run --engine all`, which compares the engines itself.

#[path = "common/mod.rs"]
mod common;

use common::{janusc, stderr, stdout};
use janus_compiler::asm::assemble;
use janus_compiler::bytecode::limits::{MAX_PARAMS, MAX_REGISTERS};
use janus_compiler::bytecode::Opcode;
use janus_runtime::abi::{frame_bytes, TrapKind, MAX_CALL_DEPTH, MAX_STACK_BYTES};
use std::fmt::Write;

/// What a run under every engine must give.
struct Expected<'a> {
    stdout: &'a str,
    status: i32,
    stderr: &'a str,
}

/// Runs `program` under every engine at every `-O` level.
fn agree(name: &str, program: &str, expected: &Expected) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = format!("{name}.jasm");
    std::fs::write(dir.path().join(&file), program).expect("write the program");
    for opt in ["-O0", "-O1", "-O2", "-O3"] {
        let out = janusc(&["run", "--engine", "all", opt, &file], dir.path());
        assert_eq!(
            (
                stdout(&out).as_str(),
                out.status.code(),
                stderr(&out).as_str()
            ),
            (expected.stdout, Some(expected.status), expected.stderr),
            "{name} {opt}"
        );
    }
}

/// The frame bytes of `program`'s function `name`, as the rule counts them.
fn frame_of(program: &str, name: &str) -> u32 {
    let (module, _, _) = assemble(program).expect("assembles");
    let f = module
        .functions
        .iter()
        .find(|f| f.name == name)
        .expect("the function");
    frame_bytes(f.registers.len() as u32, f.code.size())
}

/// The pc of the call `rec` makes to itself.
fn call_pc(program: &str) -> u32 {
    let (module, _, _) = assemble(program).expect("assembles");
    let rec = module
        .functions
        .iter()
        .find(|f| f.name == "rec")
        .expect("rec");
    rec.code
        .iter()
        .zip(rec.pcs())
        .find(|(inst, _)| matches!(inst.opcode, Opcode::Call | Opcode::CallIndirect))
        .map(|(_, pc)| pc)
        .expect("rec calls itself")
}

/// The most nested calls of a function of `frame` bytes from `main`.
fn deepest(main: u32, frame: u32) -> u32 {
    (MAX_STACK_BYTES - main) / frame
}

#[test]
fn every_register_and_every_parameter_under_every_engine() {
    let params = MAX_PARAMS as usize;
    let last = MAX_REGISTERS as usize - 1;
    let mut p = String::from("memory 1, 1\nexport main\nfunc sum(");
    let list: Vec<String> = (0..params).map(|i| format!("r{i}: i64")).collect();
    let _ = writeln!(p, "{}) -> i64", list.join(", "));
    let _ = writeln!(p, "    reg r{params}..r{last}: i64");
    let _ = writeln!(p, "    i64.const r{last}, 0");
    for i in 0..params {
        let _ = writeln!(p, "    i64.add r{last}, r{last}, r{i}");
    }
    // Registers far apart, so no engine gets away with a short frame.
    let _ = writeln!(
        p,
        "    i64.const r40000, 3\n    i64.mul r{}, r40000, r40000",
        last - 1
    );
    let _ = writeln!(
        p,
        "    i64.add r{last}, r{last}, r{}\n    ret [r{last}]\nend",
        last - 1
    );
    p.push_str("func main() -> i32\n");
    let _ = writeln!(
        p,
        "    reg r0..r{}: i64\n    reg r{params}..r{}: i32",
        params - 1,
        params + 2
    );
    for i in 0..params {
        let _ = writeln!(p, "    i64.const r{i}, {}", i * i + 1);
    }
    let args: Vec<String> = (0..params).map(|i| format!("r{i}")).collect();
    let _ = writeln!(p, "    call sum, [r0], [{}]", args.join(", "));
    let (fd, n, status) = (params, params + 1, params + 2);
    let _ = writeln!(
        p,
        "    i32.const r{fd}, 1\n    dev console.write_i64, [r{n}], [r{fd}, r0]"
    );
    let _ = writeln!(
        p,
        "    i32.wrap_i64 r{status}, r0\n    ret [r{status}]\nend"
    );
    let total: usize = (0..params).map(|i| i * i + 1).sum::<usize>() + 9;
    agree(
        "wide",
        &p,
        &Expected {
            stdout: &total.to_string(),
            status: (total & 0xff) as i32,
            stderr: "",
        },
    );
}

/// `rec(n)` calls itself `n` more times; `main` calls `rec(ok)`, prints
/// `ok`, then `rec(ok + 1)`. `rec` has `registers` registers and calls
/// itself directly or through the table.
fn recursion(registers: usize, ok: u32, indirect: bool) -> String {
    let call = if indirect {
        "call_indirect (i32) -> i32, r2, [r0], [r0]"
    } else {
        "call rec, [r0], [r0]"
    };
    let last = registers - 1;
    format!(
        "memory 1, 1\ndata 0x0, \"ok\\n\"\ntable rec\nexport main\n\
         func rec(r0: i32) -> i32\n    reg r1..r{last}: i32\n    br_ifz r0, done\n\
         \x20   i32.const r1, 1\n    i32.sub r0, r0, r1\n    i32.const r2, 0\n    {call}\n\
         done:\n    i32.const r{last}, 7\n    ret [r0]\nend\n\
         func main() -> i32\n    reg r0..r3: i32\n    i32.const r0, {ok}\n    call rec, [r0], [r0]\n\
         \x20   i32.const r1, 1\n    i32.const r2, 0\n    i32.const r3, 3\n\
         \x20   dev console.write, [r3], [r1, r2, r3]\n    i32.const r0, {}\n    call rec, [r0], [r0]\n\
         \x20   ret [r0]\nend\n",
        ok + 1
    )
}

/// Asserts `program` prints `ok` and then traps `call stack exhausted` in
/// `rec`, at its call, under every engine.
fn traps_after_ok(name: &str, program: &str) {
    let message = format!(
        "janus: trap: {} in function `rec` at pc {}\n",
        TrapKind::StackOverflow.name(),
        call_pc(program)
    );
    agree(
        name,
        program,
        &Expected {
            stdout: "ok\n",
            status: TrapKind::StackOverflow.exit_status(),
            stderr: &message,
        },
    );
}

#[test]
fn small_functions_keep_the_call_depth_of_ten_thousand() {
    // rec(n) is n + 1 frames above main's: 9,999 of them reach depth
    // 10,000; one more call traps, as before the byte rule.
    let program = recursion(4, MAX_CALL_DEPTH - 2, false);
    let frame = frame_of(&program, "rec");
    assert_eq!(frame, frame_of(&program, "main"), "both the smallest frame");
    assert_eq!(deepest(frame, frame), MAX_CALL_DEPTH - 1);
    traps_after_ok("small", &program);
}

#[test]
fn large_frames_trap_where_the_byte_rule_says_directly_and_through_the_table() {
    for (registers, indirect) in [(20_000, false), (MAX_REGISTERS as usize, true)] {
        let probe = recursion(registers, 0, indirect);
        let (main, frame) = (frame_of(&probe, "main"), frame_of(&probe, "rec"));
        assert!(frame > 8 * registers as u32, "{frame}");
        // rec(ok) is ok + 1 frames: the most that fit beside main's.
        let ok = deepest(main, frame) - 1;
        let program = recursion(registers, ok, indirect);
        assert_eq!(frame_of(&program, "rec"), frame, "the same code size");
        traps_after_ok(&format!("large{registers}"), &program);
    }
}
