//! Tiered compiles that run: entries called as the interpreter would call
//! them, with this process's runtime, a globals array and a functions
//! array of the test's own, and an `InterpCall` that records its calls.

use super::*;
use crate::llvm::jit::{runtime_address, ALL_RUNTIME};
use janus_runtime::exports;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Functions 0 `add3`, 1 `sum` (a loop, a call of `add3`, a global), 2
/// `twice` (two calls of 3 `ext`), 4 `pair` (floats, two results, the
/// table's one entry), 5 `main`, 6 `dispatch` (calls `pair` through the
/// table). None touches memory.
const PROGRAM: &str = "\
global mut total: i64 = 0
global step: i64 = 1000
table pair
export main

func add3(r0: i64, r1: i64, r2: i64) -> i64
    reg r3: i64
    i64.add r3, r0, r1
    i64.add r3, r3, r2
    ret [r3]
end

func sum(r0: i32) -> i64
    reg r1: i64
    reg r2..r3: i32
    reg r4..r5: i64
    i64.const r1, 0
    i32.const r2, 0
loop:
    i32.lt_u r3, r2, r0
    br_ifz r3, done
    i64.extend_i32_u r4, r2
    i64.const r5, 0
    call add3, [r1], [r1, r4, r5]
    i32.const r3, 1
    i32.add r2, r2, r3
    jmp loop
done:
    i64.global.get r4, total
    i64.add r4, r4, r1
    i64.global.set total, r4
    ret [r1]
end

func twice(r0: i64) -> i64
    reg r1: i64
    call ext, [r1], [r0]
    call ext, [r1], [r1]
    ret [r1]
end

func ext(r0: i64) -> i64
    reg r1: i64
    i64.global.get r1, step
    i64.add r0, r0, r1
    ret [r0]
end

func pair(r0: f32, r1: f64) -> (f64, f32)
    reg r2: f64
    f64.promote_f32 r2, r0
    f64.add r2, r2, r1
    ret [r2, r0]
end

func main() -> i32
    reg r0: i32
    reg r1: i64
    i32.const r0, 10
    call sum, [r1], [r0]
    i32.wrap_i64 r0, r1
    ret [r0]
end

func dispatch(r0: i32, r1: f32, r2: f64) -> (f64, f32)
    reg r3: f64
    reg r4: f32
    call_indirect (f32, f64) -> (f64, f32), r0, [r3, r4], [r1, r2]
    ret [r3, r4]
end
";

/// The frame bytes the tests say are in use: far below the limit.
const STACK: u32 = 4096;

/// The shared state a test's code sees: its globals and functions arrays.
struct Machine {
    globals: &'static [AtomicU64],
    functions: &'static [AtomicUsize],
}

impl Machine {
    fn new() -> Machine {
        Machine {
            globals: Box::leak((0..4).map(|_| AtomicU64::new(0)).collect()),
            functions: Box::leak((0..8).map(|_| AtomicUsize::new(0)).collect()),
        }
    }

    /// This machine's address of every symbol a session asks for.
    fn addresses(&self) -> impl Fn(&str) -> Option<usize> {
        let globals = self.globals.as_ptr() as usize;
        let functions = self.functions.as_ptr() as usize;
        move |symbol: &str| -> Option<usize> {
            match symbol {
                "janus_vm" => Some(std::ptr::addr_of!(exports::janus_vm) as usize),
                tier::GLOBALS_SYMBOL => Some(globals),
                tier::FUNCTIONS_SYMBOL => Some(functions),
                tier::INTERP_CALL_SYMBOL => Some(interp_call as *const () as usize),
                other => ALL_RUNTIME
                    .iter()
                    .find(|f| f.info().symbol == other)
                    .map(|&f| runtime_address(f)),
            }
        }
    }

    /// A session on [`PROGRAM`] at `-O2` with this machine's addresses.
    fn open(&self) -> Session {
        let loaded = crate::load(PROGRAM.as_bytes()).expect("assembles");
        Session::open(loaded.module, OptLevel::O2, &self.addresses()).expect("opens")
    }
}

thread_local! {
    /// The calls [`interp_call`] received on this thread: (function, stack
    /// bytes, argument slots).
    static INTERPRETED: RefCell<Vec<(u32, u32, Vec<u64>)>> = const { RefCell::new(Vec::new()) };
}

/// A stand-in interpreter for `ext` and `pair`: records the call and
/// answers what the compiled function never does (`10 × x + 1` for `ext`,
/// ten times the sum and the `f32` for `pair`).
unsafe extern "C" fn interp_call(func: u32, stack_bytes: u32, args: *const u64, results: *mut u64) {
    // SAFETY: `ext` takes one slot and returns one, `pair` takes two and
    // returns two.
    unsafe {
        match func {
            3 => {
                let x = *args;
                INTERPRETED.with(|calls| calls.borrow_mut().push((func, stack_bytes, vec![x])));
                *results = x.wrapping_mul(10) + 1;
            }
            4 => {
                let (a, b) = (*args, *args.add(1));
                INTERPRETED.with(|calls| calls.borrow_mut().push((func, stack_bytes, vec![a, b])));
                let sum = f64::from(f32::from_bits(a as u32)) + f64::from_bits(b);
                *results = (sum * 10.0).to_bits();
                *results.add(1) = a;
            }
            other => panic!("function {other} is not interpreted in these tests"),
        }
    }
}

/// Calls a boxed or OSR entry with `args`, returning `n` result slots.
fn call(entry: u64, args: &[u64], n: usize) -> Vec<u64> {
    let mut results = vec![0u64; n];
    // SAFETY: `entry` is a BoxedEntry (an OsrEntry has the same type) the
    // session compiled, and args and results have the slots it reads and
    // writes.
    unsafe {
        let f: tier::BoxedEntry = std::mem::transmute(entry as usize);
        f(STACK, args.as_ptr(), results.as_mut_ptr());
    }
    results
}

#[test]
fn a_boxed_entry_runs_with_its_callee_inlined_and_writes_shared_globals() {
    let machine = Machine::new();
    let mut session = machine.open();
    let code = session.compile(1, None).expect("compiles");
    assert_eq!(code.functions, [1, 0], "sum and add3, copied in");
    assert_eq!(code.osr, None);
    assert_eq!(call(code.boxed, &[10], 1), [45]);
    assert_eq!(machine.globals[0].load(Ordering::Relaxed), 45);
    // The native entry, as other compiled code calls it.
    // SAFETY: sum's NativeEntry: (i32 stack_bytes, i32) -> i64.
    let native: unsafe extern "C" fn(u32, u32) -> u64 =
        unsafe { std::mem::transmute(code.native as usize) };
    assert_eq!(unsafe { native(STACK, 4) }, 6);
    assert_eq!(machine.globals[0].load(Ordering::Relaxed), 51);
    assert!(code.compile_nanos > 0);
}

#[test]
fn an_osr_entry_resumes_the_loop_from_the_registers_given() {
    let machine = Machine::new();
    let mut session = machine.open();
    let bytecode = crate::load(PROGRAM.as_bytes()).expect("assembles").module;
    let header = bytecode.functions[1]
        .code
        .iter()
        .flat_map(|inst| inst.targets())
        .min()
        .expect("sum has a loop");
    let code = session.compile(1, Some(header)).expect("compiles");
    let osr = code.osr.expect("asked for");
    // A loop's compile makes the OSR entry alone.
    assert_eq!((code.native, code.boxed), (0, 0));
    // n = 10, acc = 100, i = 5: the loop adds 5 + 6 + 7 + 8 + 9.
    assert_eq!(call(osr, &[10, 100, 5, 0, 0, 0], 1), [135]);
    assert_eq!(machine.globals[0].load(Ordering::Relaxed), 135);
    // The same entry again comes from the same OSR function.
    let again = session.compile(1, Some(header)).expect("compiles");
    assert_eq!(
        call(again.osr.expect("asked for"), &[3, 0, 0, 0, 0, 0], 1),
        [3]
    );
    let err = session
        .compile(1, Some(header + 1))
        .expect_err("not a block");
    assert!(err.to_string().contains("does not start a block"), "{err}");
}

#[test]
fn calls_of_uncompiled_functions_reach_the_interpreter_until_their_slot_is_written() {
    let machine = Machine::new();
    let mut session = machine.open();
    session.set_callee_budget(0);
    let twice = session.compile(2, None).expect("compiles");
    assert_eq!(twice.functions, [2]);
    INTERPRETED.with(|calls| calls.borrow_mut().clear());
    assert_eq!(call(twice.boxed, &[5], 1), [511]);
    let calls = INTERPRETED.with(|calls| calls.borrow().clone());
    let frame = session.ir().functions[3].frame_bytes;
    assert_eq!(
        calls,
        [(3, STACK + frame, vec![5]), (3, STACK + frame, vec![51])]
    );

    let ext = session.compile(3, None).expect("compiles");
    machine.functions[3].store(ext.native as usize, Ordering::Release);
    assert_eq!(call(twice.boxed, &[5], 1), [2005]);
    assert_eq!(INTERPRETED.with(|calls| calls.borrow().len()), 2);
}

#[test]
fn floats_and_several_results_travel_as_slots() {
    let machine = Machine::new();
    let mut session = machine.open();
    let code = session.compile(4, None).expect("compiles");
    let results = call(
        code.boxed,
        &[u64::from(1.5f32.to_bits()), 2.25f64.to_bits()],
        2,
    );
    assert_eq!(results, [3.75f64.to_bits(), u64::from(1.5f32.to_bits())]);
}

#[test]
fn bad_requests_are_errors() {
    let machine = Machine::new();
    let mut session = machine.open();
    assert!(session.compile(99, None).is_err());
    let loaded = crate::load(PROGRAM.as_bytes()).expect("assembles");
    let missing = Session::open(loaded.module, OptLevel::O0, &|_| None)
        .err()
        .expect("no addresses");
    assert!(missing.to_string().contains("no address for"), "{missing}");
}

#[test]
fn an_indirect_call_reaches_the_table_entrys_thunk_and_then_its_code() {
    let machine = Machine::new();
    let mut session = machine.open();
    session.set_callee_budget(0);
    let dispatch = session.compile(6, None).expect("compiles");
    let (a, b) = (u64::from(1.5f32.to_bits()), 2.25f64.to_bits());
    INTERPRETED.with(|calls| calls.borrow_mut().clear());
    assert_eq!(
        call(dispatch.boxed, &[0, a, b], 2),
        [37.5f64.to_bits(), a],
        "the interpreter's answer"
    );
    assert_eq!(INTERPRETED.with(|calls| calls.borrow().len()), 1);
    let pair = session.compile(4, None).expect("compiles");
    machine.functions[4].store(pair.native as usize, Ordering::Release);
    assert_eq!(call(dispatch.boxed, &[0, a, b], 2), [3.75f64.to_bits(), a]);
    assert_eq!(INTERPRETED.with(|calls| calls.borrow().len()), 1);
}

#[test]
fn a_function_over_the_guardrails_compiles_alone_with_the_reduced_pipeline() {
    let mut text = String::from(
        "export main\nfunc big(r0: i64) -> i64\n    reg r1: i64\n    i64.const r1, 1\n",
    );
    for _ in 0..guard::MAX_FULL_INSTRUCTIONS + 10 {
        text.push_str("    i64.add r0, r0, r1\n");
    }
    text.push_str("    ret [r0]\nend\nfunc main() -> i32\n    reg r0: i32\n    ret [r0]\nend\n");
    let loaded = crate::load(text.as_bytes()).expect("assembles");
    let machine = Machine::new();
    let address = machine.addresses();
    let mut session = Session::open(loaded.module, OptLevel::O2, &address).expect("opens");
    let code = session.compile(0, None).expect("compiles");
    let n = guard::MAX_FULL_INSTRUCTIONS as u64 + 10;
    assert_eq!(call(code.boxed, &[5], 1), [5 + n]);
}

#[test]
fn sessions_on_several_threads_compile_at_once() {
    let threads: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(|| {
                let machine = Machine::new();
                let mut session = machine.open();
                let mut results = Vec::new();
                for func in [1, 4, 1, 2] {
                    let code = session.compile(func, None).expect("compiles");
                    results.push(code.boxed);
                }
                call(results[0], &[10], 1)
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().expect("no panic"), [45]);
    }
}

#[test]
fn memory_accesses_go_to_the_machine_janus_vm_names() {
    let text = "\
memory 1, 1
export main
func poke(r0: i32, r1: i32) -> i32
    reg r2: i32
    i32.store r1, r0, 4
    i32.load r2, r0, 4
    i32.add r2, r2, r1
    ret [r2]
end
func main() -> i32
    reg r0: i32
    ret [r0]
end
";
    let memory: &'static mut [u8] = Box::leak(vec![0u8; 65536].into_boxed_slice());
    let base = memory.as_mut_ptr();
    // SAFETY: only this test's code reads `janus_vm` (no other test's
    // functions touch memory), and the buffer lives for the process.
    unsafe {
        std::ptr::addr_of_mut!(exports::janus_vm).write(abi::VmState { base, size: 65536 });
    }
    let loaded = crate::load(text.as_bytes()).expect("assembles");
    let machine = Machine::new();
    let mut session =
        Session::open(loaded.module, OptLevel::O2, &machine.addresses()).expect("opens");
    let code = session.compile(0, None).expect("compiles");
    assert_eq!(call(code.boxed, &[100, 21], 1), [42]);
    // SAFETY: the buffer is this test's; the call has returned.
    let stored = unsafe { std::slice::from_raw_parts(base.add(104), 4) };
    assert_eq!(stored, 21u32.to_le_bytes());
}

#[test]
fn a_session_is_send() {
    fn send<T: Send>() {}
    send::<Session>();
}

#[test]
fn a_recursive_function_takes_its_recursion_ring_along() {
    let text = "\
export main
func fib(r0: i64) -> i64
    reg r1..r3: i64
    reg r4: i32
    i64.const r1, 2
    i64.lt_s r4, r0, r1
    br_if r4, base
    i64.const r1, 1
    i64.sub r2, r0, r1
    call fib, [r2], [r2]
    i64.const r1, 2
    i64.sub r3, r0, r1
    call fib, [r3], [r3]
    i64.add r0, r2, r3
base:
    ret [r0]
end
func main() -> i32
    reg r0: i32
    ret [r0]
end
";
    let loaded = crate::load(text.as_bytes()).expect("assembles");
    let machine = Machine::new();
    let mut session =
        Session::open(loaded.module, OptLevel::O2, &machine.addresses()).expect("opens");
    session.set_callee_budget(0);
    let code = session.compile(0, None).expect("compiles");
    assert_eq!(code.functions, [0], "the ring's copies are fib's code");
    assert_eq!(call(code.boxed, &[20], 1), [6765]);
}
