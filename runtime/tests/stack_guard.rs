//! The guard below the machine stack compiled programs run on: a stack
//! that runs into it ends the process with its own status and message,
//! and any other fault is left to the handler that was there before. Each
//! case runs in a child process (this test binary again), since both end
//! the process.

use janus_runtime::abi::NATIVE_STACK_OVERFLOW_STATUS;
use janus_runtime::stack::{run, Stack};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output};

/// Which case the child runs, when this variable is set.
const CHILD: &str = "JANUS_STACK_GUARD_CHILD";

/// Recursion with a 16 KiB frame and no end the optimiser can see: probes
/// each page of its frame, as compiled code does, until one lands in the
/// guard.
fn descend(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth as u8; 16 << 10]);
    if std::hint::black_box(depth) == u64::MAX {
        return 0;
    }
    descend(depth + 1) + u64::from(frame[depth as usize % frame.len()])
}

extern "C" fn overflow(_: *mut libc::c_void) -> *mut libc::c_void {
    descend(0) as usize as *mut libc::c_void
}

extern "C" fn null_write(_: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: none; the fault is the point, and ends the child.
    unsafe { std::ptr::write_volatile(std::hint::black_box(8usize) as *mut u64, 1) };
    std::ptr::null_mut()
}

/// Runs `case` on a 1 MiB program stack in a child; its output.
fn child(case: &str) -> Output {
    if std::env::var(CHILD).as_deref() == Ok(case) {
        let entry = match case {
            "overflow" => overflow,
            _ => null_write,
        };
        let stack = Stack::reserve(1 << 20).expect("a stack");
        // SAFETY: one program; the entries touch nothing shared.
        let _ = unsafe { run(&stack, entry, std::ptr::null_mut()) };
        std::process::exit(0);
    }
    let test = format!("{case}_child");
    Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--exact", &test, "--nocapture", "--test-threads=1"])
        .env(CHILD, case)
        .output()
        .expect("the child runs")
}

#[test]
fn overflow_child() {
    let out = child("overflow");
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(NATIVE_STACK_OVERFLOW_STATUS),
        "{:?}: {stderr}",
        out.status
    );
    assert!(stderr.contains("janus: native stack overflow"), "{stderr}");
}

#[test]
fn null_write_child() {
    let out = child("null_write");
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGSEGV),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
