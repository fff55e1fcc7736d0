//! The hybrid engine (`janusc run --engine hybrid`, issue 16) end to end:
//! a short run never loads LLVM, `--jit-log` reports each compile in its
//! documented shape, a trap or `exit` in interpreted code running below
//! compiled code ends the program exactly as under the interpreter, and
//! compiles on a background thread switch without changing the result.

#[path = "common/mod.rs"]
mod common;

use common::root;
use std::path::Path;
use std::process::{Command, Output};

fn janusc(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_janusc"))
        .arg("run")
        .args(args)
        .arg(file)
        .output()
        .expect("janusc runs")
}

/// What a run showed: stdout, status, stderr.
fn seen(o: &Output) -> (String, Option<i32>, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Switching at the second call of each function, on the program's thread.
const SECOND_CALL: &[&str] = &[
    "--engine",
    "hybrid",
    "--call-threshold=2",
    "--loop-threshold=0",
    "--compiler-threads=0",
];

#[test]
fn a_short_run_never_loads_llvm() {
    let hello = root().join("samples/hello.jasm");
    let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .args(["run"])
        .arg(&hello)
        .env("JANUS_LLVM_LIBRARY", "/nonexistent/libjanus_llvm.so")
        .output()
        .expect("runs");
    assert_eq!(
        seen(&out),
        ("Hello, JanusVM!\n".into(), Some(0), String::new())
    );
    // The variable is the one the engine would load: the JIT needs it.
    let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .args(["run", "--engine", "jit"])
        .arg(&hello)
        .env("JANUS_LLVM_LIBRARY", "/nonexistent/libjanus_llvm.so")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/libjanus_llvm.so"));
}

#[test]
fn without_the_backend_hot_code_stays_interpreted() {
    let fib = root().join("bench/programs/fib.jasm");
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = tmp.path().join("jit.log");
    let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .args(["run", "--call-threshold=1", "--compiler-threads=0"])
        .arg(format!("--jit-log={}", log.display()))
        .arg(&fib)
        .arg("15")
        .env("JANUS_LLVM_LIBRARY", "/nonexistent/libjanus_llvm.so")
        .output()
        .expect("runs");
    assert_eq!(seen(&out), ("610\n".into(), Some(0), String::new()));
    let log = std::fs::read_to_string(&log).expect("log");
    assert!(
        log.contains("jit: function 0 `fib`: calls, failed: "),
        "{log}"
    );
}

/// Checks one `--jit-log` line: `jit: function N `NAME`: REASON, T ms,
/// switch at WHERE, asked at T ms, ready at T ms`, the compile no longer
/// than from asked to ready; a loop's WHERE is `loop pc N`, and its
/// entry's other loop headers after it, if any.
fn check_line(line: &str) {
    let rest = line
        .strip_prefix("jit: function ")
        .unwrap_or_else(|| panic!("{line}"));
    let (index, rest) = rest.split_once(" `").unwrap_or_else(|| panic!("{line}"));
    assert!(index.parse::<u32>().is_ok(), "{line}");
    let (_name, rest) = rest.split_once("`: ").unwrap_or_else(|| panic!("{line}"));
    let parts: Vec<&str> = rest.split(", ").collect();
    assert_eq!(parts.len(), 5, "{line}");
    let loop_pc = parts[0].strip_prefix("loop at pc ");
    assert!(
        parts[0] == "calls"
            || parts[0] == "first call"
            || loop_pc.is_some_and(|pc| pc.parse::<u32>().is_ok()),
        "{line}"
    );
    let micros = |part: &str| -> u64 {
        let ms = part.strip_suffix(" ms").unwrap_or_else(|| panic!("{line}"));
        let (whole, fraction) = ms.split_once('.').unwrap_or_else(|| panic!("{line}"));
        assert_eq!(fraction.len(), 3, "{line}");
        let parse = |digits: &str| digits.parse::<u64>().unwrap_or_else(|_| panic!("{line}"));
        parse(whole) * 1_000 + parse(fraction)
    };
    let compile = micros(parts[1]);
    let asked = micros(
        parts[3]
            .strip_prefix("asked at ")
            .unwrap_or_else(|| panic!("{line}")),
    );
    let ready = micros(
        parts[4]
            .strip_prefix("ready at ")
            .unwrap_or_else(|| panic!("{line}")),
    );
    assert!(asked + compile <= ready + 2, "{line}");
    match loop_pc {
        Some(pc) => {
            let at = parts[2]
                .strip_prefix(&format!("switch at loop pc {pc}"))
                .unwrap_or_else(|| panic!("{line}"));
            // The entry's other loop headers, if it has any: ` (or 12/139)`.
            if !at.is_empty() {
                let others = at
                    .strip_prefix(" (or ")
                    .and_then(|o| o.strip_suffix(')'))
                    .unwrap_or_else(|| panic!("{line}"));
                assert!(
                    others
                        .split('/')
                        .all(|h| h.parse::<u32>().is_ok_and(|h| h.to_string() != pc)),
                    "{line}"
                );
            }
        }
        None => assert_eq!(parts[2], "switch at call", "{line}"),
    }
}

/// The `--jit-log` lines of fib.jasm's run of 15 with `settings`.
fn fib_log(settings: &[&str]) -> String {
    let fib = root().join("bench/programs/fib.jasm");
    let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .arg("run")
        .args(settings)
        .args(["--compiler-threads=0", "--jit-log"])
        .arg(&fib)
        .arg("15")
        .output()
        .expect("runs");
    assert_eq!(out.stdout, b"610\n", "{settings:?}");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!log.is_empty(), "{settings:?}: no log");
    log.lines().for_each(check_line);
    log
}

#[test]
fn the_jit_log_has_a_line_per_compile() {
    let log = fib_log(&["--call-threshold=1", "--loop-threshold=0"]);
    assert!(log.contains("`fib`: calls, "), "{log}");
    let log = fib_log(&["--call-threshold=0", "--loop-threshold=1"]);
    assert!(log.contains("`arg_or`: loop at pc "), "{log}");
    assert!(!log.contains("`fib`"), "{log}");
    // The lazy JIT: `main` first (its unit holds the callees it inlines or
    // copies; any other function gets a line at its first call).
    let log = fib_log(&["--engine", "jit"]);
    assert!(
        log.starts_with("jit: function 2 `main`: first call, "),
        "{log}"
    );
}

/// `f` returns its argument unless it is 0; then it returns `g`'s result,
/// and `g` ends the program with `END`. `main` calls `f(1)`, prints a
/// line, then calls `f(0)`: by then `f` is compiled (second call) and `g`
/// is not (its first), so `g` runs in the interpreter below compiled code.
const BELOW: &str = "memory 1, 1
data 0x0, \"before\\n\"
export main
func g(r0: i32) -> i32
    reg r1: i32
    i32.const r1, 10
    END
    ret [r0]
end
func f(r0: i32) -> i32
    br_if r0, done
    call g, [r0], [r0]
done:
    ret [r0]
end
func main() -> i32
    reg r0..r3: i32
    i32.const r0, 1
    call f, [r0], [r0]
    i32.const r1, 1
    i32.const r2, 0
    i32.const r3, 7
    dev console.write, [r3], [r1, r2, r3]
    i32.const r0, 0
    call f, [r0], [r0]
    ret [r0]
end
";

#[test]
fn a_trap_or_exit_below_compiled_code_ends_as_under_the_interpreter() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (what, end) in [
        ("trap", "i32.div_s r0, r1, r0"),
        ("exit", "exit r1"),
        ("user trap", "trap 42"),
    ] {
        let file = tmp.path().join("below.jasm");
        std::fs::write(&file, BELOW.replace("END", end)).expect("write");
        let reference = seen(&janusc(&["--engine", "interp"], &file));
        assert_eq!(reference.0, "before\n", "{what}");
        assert_ne!(reference.1, Some(0), "{what}");
        let log = tmp.path().join("jit.log");
        let mut args = SECOND_CALL.to_vec();
        let log_arg = format!("--jit-log={}", log.display());
        args.push(&log_arg);
        assert_eq!(seen(&janusc(&args, &file)), reference, "{what}");
        let log = std::fs::read_to_string(&log).expect("log");
        assert!(
            log.contains("`f`: calls, ") && !log.contains("failed"),
            "{what}: f is compiled: {log}"
        );
        assert!(!log.contains("`g`"), "{what}: g is not: {log}");
    }
}

#[test]
fn compiles_on_a_thread_switch_without_changing_the_result() {
    let fib = root().join("bench/programs/fib.jasm");
    let reference = seen(&janusc(&["--engine", "interp"], &fib));
    for threads in ["--compiler-threads=1", "--compiler-threads=2"] {
        let got = seen(&janusc(
            &[
                "--engine",
                "hybrid",
                "--call-threshold=50",
                "--loop-threshold=50",
                threads,
            ],
            &fib,
        ));
        assert_eq!(got, reference, "{threads}");
    }
}

/// `a` and `b` call each other until the call stack is exhausted, `a`
/// calling `b` through the table (so `a`'s compiled unit cannot hold a copy
/// of `b`). Under `--tier-seed=77` (calls up to 4) `a` is compiled at its
/// first call and `b` never is, so every other frame is the interpreter's,
/// run below compiled code: the trap must still come at the depth the frame
/// accounting sets, not from the machine stack running out.
const DEEP: &str = "table b
export main
func a(r0: i32) -> i32
    reg r1..r2: i32
    i32.const r2, 0
    call_indirect (i32) -> i32, r2, [r0], [r0]
    i32.const r1, 1
    i32.add r0, r0, r1
    ret [r0]
end
func b(r0: i32) -> i32
    reg r1: i32
    call a, [r0], [r0]
    i32.const r1, 1
    i32.add r0, r0, r1
    ret [r0]
end
func main() -> i32
    reg r0: i32
    i32.const r0, 0
    call a, [r0], [r0]
    ret [r0]
end
";

#[test]
fn interpreted_frames_below_compiled_code_overflow_as_the_interpreter_does() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("deep.jasm");
    std::fs::write(&file, DEEP).expect("write");
    let reference = seen(&janusc(&["--engine", "interp"], &file));
    assert!(
        reference.2.contains("call stack exhausted"),
        "{reference:?}"
    );
    let log = tmp.path().join("jit.log");
    let log_arg = format!("--jit-log={}", log.display());
    let args = [
        "--engine",
        "hybrid",
        "--call-threshold=4",
        "--loop-threshold=64",
        "--compiler-threads=0",
        "--tier-seed=77",
        &log_arg,
    ];
    assert_eq!(seen(&janusc(&args, &file)), reference);
    let log = std::fs::read_to_string(&log).expect("log");
    assert!(
        log.contains("`a`: calls, ") && !log.contains("`b`"),
        "{log}"
    );
}
