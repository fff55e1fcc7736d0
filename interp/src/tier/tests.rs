//! The tiered loop against fake compiled code: Rust functions with the
//! boxed and OSR entry signatures that compute a marked result, so a test
//! sees exactly where the switch happened.

use super::*;
use std::sync::atomic::AtomicU32;
use std::sync::Mutex;

/// Tests share the fakes' counters.
static LOCK: Mutex<()> = Mutex::new(());
static FAKE_CALLS: AtomicU32 = AtomicU32::new(0);
static OSR_PC: AtomicU32 = AtomicU32::new(u32::MAX);
static WARMS: AtomicU32 = AtomicU32::new(0);
/// What the fakes' `warm` answers: whether the engine is ready to compile.
static READY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

const CALLS: &str = "export main
func add(r0: i32, r1: i32) -> i32
    i32.add r0, r0, r1
    ret [r0]
end
func main() -> i32
    reg r0..r3: i32
    i32.const r0, 0
    i32.const r1, 0
    i32.const r2, 10
loop:
    call add, [r1], [r1, r0]
    i32.const r3, 1
    i32.add r0, r0, r3
    i32.lt_s r3, r0, r2
    br_if r3, loop
    ret [r1]
end
";

const LOOP: &str = "export main
func main() -> i32
    reg r0..r2: i32
    i32.const r0, 0
    i32.const r2, 10
loop:
    i32.const r1, 1
    i32.add r0, r0, r1
    i32.lt_s r1, r0, r2
    br_if r1, loop
    ret [r0]
end
";

/// `add` compiled: the sum plus 100, so its calls show in the result.
unsafe extern "C" fn fake_add(_stack: u32, args: *const u64, results: *mut u64) {
    FAKE_CALLS.fetch_add(1, Ordering::SeqCst);
    // SAFETY: two arguments, one result.
    unsafe {
        let sum = (*args as u32).wrapping_add(*args.add(1) as u32) + 100;
        *results = u64::from(sum);
    }
}

/// `main`'s loop compiled: returns the counter at the switch plus 200.
unsafe extern "C" fn fake_osr(_stack: u32, registers: *const u64, results: *mut u64) {
    // SAFETY: main's three registers, one result.
    unsafe { *results = *registers + 200 };
}

/// Hands out the fakes when asked (publishing `add`'s, as an engine
/// does), and remembers the loop header.
struct Fakes<'a>(&'a [AtomicUsize]);

impl Hooks for Fakes<'_> {
    fn warm(&self) -> bool {
        WARMS.fetch_add(1, Ordering::SeqCst);
        READY.load(Ordering::SeqCst)
    }

    fn hot_call(&self, func: u32) -> Option<BoxedEntry> {
        assert_eq!(func, 0, "only add is called");
        self.0[0].store(fake_add as *const () as usize, Ordering::Release);
        Some(fake_add)
    }
    fn hot_loop(&self, _func: u32, pc: u32) -> LoopAnswer {
        OSR_PC.store(pc, Ordering::SeqCst);
        LoopAnswer::Enter(fake_osr, 0)
    }
}

/// Runs `src`'s main under the tiered loop with `thresholds` for every
/// function; the outcome.
fn tiered(src: &str, thresholds: Thresholds) -> (Outcome, janus_bytecode::Loaded) {
    let loaded = janus_bytecode::load(src.as_bytes()).expect("valid");
    let module = &loaded.module;
    let mut machine = crate::machine_for(module, Vec::new()).expect("machine");
    let mut globals: Vec<u64> = module.globals.iter().map(|g| g.init).collect();
    let boxed: Vec<AtomicUsize> = module
        .functions
        .iter()
        .map(|_| AtomicUsize::new(0))
        .collect();
    let thresholds = vec![thresholds; module.functions.len()];
    let fakes = Fakes(&boxed);
    // SAFETY: the machine and globals outlive the run.
    let t = unsafe {
        Tiered::new(
            module,
            &mut machine,
            globals.as_mut_ptr(),
            &boxed,
            &fakes,
            &thresholds,
        )
    };
    let outcome = t.run_main();
    drop(t);
    (outcome, loaded)
}

#[test]
fn calls_switch_to_compiled_code_at_the_threshold() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    FAKE_CALLS.store(0, Ordering::SeqCst);
    let (outcome, _) = tiered(CALLS, Thresholds { calls: 3, loops: 0 });
    // Calls 1 and 2 interpreted, 3 to 10 compiled: 45 + 8 * 100.
    assert_eq!(outcome, Outcome::Exit(845 & 0xff));
    assert_eq!(FAKE_CALLS.load(Ordering::SeqCst), 8);
}

#[test]
fn halfway_to_a_threshold_the_engine_is_told_once_and_the_switch_stays() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    for (calls, warms, compiled) in [(1, 0, 10u32), (2, 1, 9), (3, 1, 8), (6, 1, 5), (11, 1, 0)] {
        FAKE_CALLS.store(0, Ordering::SeqCst);
        WARMS.store(0, Ordering::SeqCst);
        let (outcome, _) = tiered(CALLS, Thresholds { calls, loops: 0 });
        let expected = (45 + 100 * compiled) as i32;
        assert_eq!(outcome, Outcome::Exit(expected & 0xff), "threshold {calls}");
        assert_eq!(
            FAKE_CALLS.load(Ordering::SeqCst),
            compiled,
            "threshold {calls}"
        );
        assert_eq!(WARMS.load(Ordering::SeqCst), warms, "threshold {calls}");
    }
    // An engine ready to compile takes the halfway point as the threshold:
    // with 6, calls 1 to 2 interpreted, 3 to 10 compiled.
    READY.store(true, Ordering::SeqCst);
    FAKE_CALLS.store(0, Ordering::SeqCst);
    let (outcome, _) = tiered(CALLS, Thresholds { calls: 6, loops: 0 });
    READY.store(false, Ordering::SeqCst);
    assert_eq!(outcome, Outcome::Exit((45 + 800) & 0xff));
    assert_eq!(FAKE_CALLS.load(Ordering::SeqCst), 8);
    // A loop threshold too: once, and the jumps that follow still count
    // what the one at the warm point overshot it by.
    let expected = switch_at_without_warm(7);
    WARMS.store(0, Ordering::SeqCst);
    assert_eq!(switch_at(1), 1);
    assert_eq!(WARMS.load(Ordering::SeqCst), 0);
    assert_eq!(switch_at(7), expected);
    assert_eq!(WARMS.load(Ordering::SeqCst), 1);
}

/// Where a threshold of `threshold` instructions switches, by counting the
/// loop's length (as `a_hot_loop_moves_to_compiled_code_at_its_header`):
/// the first backward jump whose running total reaches it.
fn switch_at_without_warm(threshold: u32) -> u32 {
    let length = (1..=8)
        .take_while(|&t| switch_at(t) == 1)
        .last()
        .expect("1 does");
    threshold.div_ceil(length)
}

/// Four calls of `add` in a row, none inside a loop.
const STRAIGHT_CALLS: &str = "export main
func add(r0: i32, r1: i32) -> i32
    i32.add r0, r0, r1
    ret [r0]
end
func main() -> i32
    reg r0..r1: i32
    i32.const r0, 0
    i32.const r1, 1
    call add, [r0], [r0, r1]
    call add, [r0], [r0, r1]
    call add, [r0], [r0, r1]
    call add, [r0], [r0, r1]
    ret [r0]
end
";

#[test]
fn a_hot_call_in_a_loop_hands_its_compile_to_the_loop() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    FAKE_CALLS.store(0, Ordering::SeqCst);
    OSR_PC.store(u32::MAX, Ordering::SeqCst);
    let thresholds = Thresholds {
        calls: 3,
        loops: 1_000_000,
    };
    let (outcome, loaded) = tiered(CALLS, thresholds);
    // The third call of `add` runs out its budget inside main's loop: the
    // jump back after it moves main to compiled code (the fake OSR entry
    // returns the counter, 3, plus 200), and `add` is never compiled.
    assert_eq!(outcome, Outcome::Exit(203));
    assert_eq!(FAKE_CALLS.load(Ordering::SeqCst), 0);
    let header = loaded.module.functions[1].pcs()[3];
    assert_eq!(OSR_PC.load(Ordering::SeqCst), header);
    // Outside a loop the callee compiles at its threshold as before:
    // calls 1 and 2 interpreted (+1 each), 3 and 4 compiled (+101 each).
    let (outcome, _) = tiered(STRAIGHT_CALLS, thresholds);
    assert_eq!(outcome, Outcome::Exit(204));
    assert_eq!(FAKE_CALLS.load(Ordering::SeqCst), 2);
}

#[test]
fn no_threshold_means_the_plain_result() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    FAKE_CALLS.store(0, Ordering::SeqCst);
    let (outcome, loaded) = tiered(CALLS, Thresholds { calls: 0, loops: 0 });
    let mut machine = crate::machine_for(&loaded.module, Vec::new()).expect("machine");
    assert_eq!(outcome, crate::run(&loaded.module, &mut machine));
    assert_eq!(outcome, Outcome::Exit(45));
    assert_eq!(FAKE_CALLS.load(Ordering::SeqCst), 0);
}

/// The backward jump at which LOOP's loop moves to compiled code under a
/// loop threshold of `threshold` (r0 is that count at the header).
fn switch_at(threshold: u32) -> u32 {
    let (outcome, loaded) = tiered(
        LOOP,
        Thresholds {
            calls: 0,
            loops: threshold,
        },
    );
    let header = loaded.module.functions[0].pcs()[2];
    assert_eq!(
        OSR_PC.load(Ordering::SeqCst),
        header,
        "threshold {threshold}"
    );
    match outcome {
        Outcome::Exit(status) if status > 200 => status as u32 - 200,
        other => panic!("threshold {threshold}: no switch, {other:?}"),
    }
}

#[test]
fn a_hot_loop_moves_to_compiled_code_at_its_header() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(switch_at(1), 1);
    // Each backward jump counts the loop's length in decoded ops (fusion
    // may make it fewer than its four instructions): the largest threshold
    // the first jump reaches.
    let length = (1..=8)
        .take_while(|&t| switch_at(t) == 1)
        .last()
        .expect("1 does");
    assert!((1..=4).contains(&length), "{length}");
    assert_eq!(switch_at(3 * length), 3);
    assert_eq!(switch_at(3 * length + 1), 4);
}

#[test]
fn a_call_from_compiled_code_runs_to_its_return() {
    let loaded = janus_bytecode::load(CALLS.as_bytes()).expect("valid");
    let module = &loaded.module;
    let mut machine = crate::machine_for(module, Vec::new()).expect("machine");
    let boxed: Vec<AtomicUsize> = module
        .functions
        .iter()
        .map(|_| AtomicUsize::new(0))
        .collect();
    let thresholds = vec![Thresholds { calls: 0, loops: 0 }; 2];
    let fakes = Fakes(&boxed);
    // SAFETY: the machine outlives the run; the module has no globals.
    let t = unsafe {
        Tiered::new(
            module,
            &mut machine,
            std::ptr::null_mut(),
            &boxed,
            &fakes,
            &thresholds,
        )
    };
    let args = [40u64, 2];
    let mut results = [0u64];
    // SAFETY: add takes two slots and returns one.
    let returned = unsafe { t.call(0, 1 << 16, args.as_ptr(), results.as_mut_ptr()) };
    assert_eq!(returned, Ok(()));
    assert_eq!(results, [42]);
}

/// The slot contract: i32 results are zero-extended in their slots.
#[test]
fn i32_values_stay_zero_extended() {
    let src = "export main
func neg(r0: i32) -> i32
    reg r1: i32
    i32.const r1, 0
    i32.sub r0, r1, r0
    ret [r0]
end
func main() -> i32
    reg r0: i32
    i32.const r0, 0
    ret [r0]
end
";
    let loaded = janus_bytecode::load(src.as_bytes()).expect("valid");
    let module = &loaded.module;
    let mut machine = crate::machine_for(module, Vec::new()).expect("machine");
    let boxed: Vec<AtomicUsize> = module
        .functions
        .iter()
        .map(|_| AtomicUsize::new(0))
        .collect();
    let thresholds = vec![Thresholds { calls: 0, loops: 0 }; 2];
    let fakes = Fakes(&boxed);
    // SAFETY: as above.
    let t = unsafe {
        Tiered::new(
            module,
            &mut machine,
            std::ptr::null_mut(),
            &boxed,
            &fakes,
            &thresholds,
        )
    };
    let mut results = [u64::MAX];
    // SAFETY: neg takes one slot and returns one.
    unsafe { t.call(0, 1 << 16, [5u64].as_ptr(), results.as_mut_ptr()) }.expect("returns");
    assert_eq!(results, [u64::from(5u32.wrapping_neg())]);
}
