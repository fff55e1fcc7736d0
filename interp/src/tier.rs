//! The tiered interpreter: the dispatch loop of `exec.rs` run with
//! `TIERED`, for an engine (janusc's hybrid engine) that compiles hot
//! functions while the program runs.
//!
//! What it adds to the plain loop, all behind that constant:
//! - a call whose callee has a [`BoxedEntry`] calls it with the arguments
//!   as slots (`runtime/src/abi/tier.rs`) and copies its results back;
//!   otherwise it counts down the callee's call budget and, when that runs
//!   out, asks [`Hooks::hot_call`] (out of line) for compiled code;
//! - halfway to either threshold, a function tells [`Hooks::warm`], so that
//!   the engine can get its compiler ready while the interpreter goes on
//!   (once it is, halfway is the threshold);
//! - a callee that runs out of its call budget at a call inside a loop of
//!   its caller first hands the compile to that loop: the caller's next
//!   backward jump asks for its OSR entry, whose unit copies the callee in
//!   (so one compile covers the loop and what it calls), and the callee's
//!   own compile waits another threshold's worth of calls;
//! - a backward jump counts down the function's loop budget by the length
//!   of the loop it closes (the instructions it jumps back over, so that
//!   the budget measures work done in loops, whatever their size) and,
//!   when that runs out, asks [`Hooks::hot_loop`] for an [`OsrEntry`] at the loop
//!   header it jumped to, which then runs the rest of the call from the
//!   frame's registers;
//! - [`Tiered::call`] runs a function from its argument slots until it
//!   returns: how compiled code calls a function that has none
//!   ([`janus_runtime::abi::tier::InterpCall`]).
//!
//! Counters live here, in cells: only the program's thread runs the loop.
//! The entry table is the engine's, filled by its compiler threads.

use crate::decode::{Function, UNUSED_SLOT};
use crate::exec::{exec, Ended, Program, Start};
use crate::op::Reg;
use crate::Outcome;
use janus_bytecode::bytecode::Module;
use janus_runtime::abi::tier::{BoxedEntry, OsrEntry};
use janus_runtime::machine::Machine;
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The loop budget, in instructions looped over, a function whose loop
/// found no compiled code yet (its compile still running, or failed) gets
/// before it asks again: often enough to switch soon after the code is
/// ready (about a millisecond of interpreting), rarely enough that asking
/// costs nothing measurable.
pub const LOOP_POLL_INSTRUCTIONS: i64 = 1 << 18;

/// What the tiered loop asks of the engine that compiles for it. All are
/// called on the program's thread, out of the loop's hot path.
pub trait Hooks {
    /// A function has gone half its way to its call or its loop threshold
    /// (once for each of the two): the engine may get ready to compile
    /// (load its backend), so that a compile asked for at the threshold
    /// starts at once. True if it is ready already: then the halfway point
    /// counts as the threshold, since a compile no longer pays for loading
    /// the backend, only for itself, on a thread of its own. Changes
    /// nothing the program sees.
    fn warm(&self) -> bool;
    /// `func` ran out of its call budget: start compiling it (or compile it
    /// now); its boxed entry, if it has one now.
    fn hot_call(&self, func: u32) -> Option<BoxedEntry>;
    /// `func` ran out of its loop budget at the loop header at bytecode
    /// `pc`: start compiling an on-stack-replacement entry there (or
    /// compile it now); what the loop should do.
    fn hot_loop(&self, func: u32, pc: u32) -> LoopAnswer;
}

/// What [`Hooks::hot_loop`] tells the loop.
#[derive(Clone, Copy, Debug)]
pub enum LoopAnswer {
    /// Move the call into compiled code here: the function's OSR entry,
    /// and this header's index among its loop headers
    /// (`Function::loop_headers`), which the entry takes after the
    /// registers.
    Enter(OsrEntry, u32),
    /// Nothing here yet: ask again after [`LOOP_POLL_INSTRUCTIONS`].
    Wait,
}

/// A function's thresholds: how many calls, and how many instructions
/// looped over by backward jumps (in all its calls; each jump counts the
/// instructions from its target to itself), before it asks for compiled
/// code. 0 means never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Calls.
    pub calls: u32,
    /// Instructions looped over.
    pub loops: u32,
}

/// A function's budgets: what is left of its thresholds, up to the warm
/// point first ([`Hooks::warm`]), then past it. A budget is spent when it
/// is at most 0; a backward jump can overshoot, and what it overshoots by
/// counts against the next stage, so the switch comes exactly at the
/// threshold.
struct Budget {
    calls: Cell<i64>,
    loops: Cell<i64>,
    /// The thresholds, as given.
    thresholds: Thresholds,
    /// Whether its call compile has once given way to a caller's loop.
    deferred: Cell<bool>,
    /// The rest of each threshold past its warm point, added to the budget
    /// there; 0 once that point is passed (or for a threshold with none).
    calls_after_warm: Cell<i64>,
    loops_after_warm: Cell<i64>,
}

/// The budget of a threshold of 0: never spent. A backward jump counts at
/// most 2^32 instructions, each of which runs, so it would take centuries.
const NEVER: i64 = i64::MAX;

/// The two stages of `threshold`: up to its warm point (half of it), and
/// the rest. A threshold of 1 has no warm point; 0 is [`NEVER`].
fn stages(threshold: u32) -> (i64, i64) {
    let n = i64::from(threshold);
    match threshold {
        0 => (NEVER, 0),
        1 => (1, 0),
        _ => (n / 2, n - n / 2),
    }
}

/// A module ready to run under the tiered loop, re-entrantly.
pub struct Tiered<'m> {
    program: Program<'m>,
    machine: *mut Machine,
    globals: *mut u64,
    /// Each function's [`BoxedEntry`] as an address, 0 while it has none.
    boxed: &'m [AtomicUsize],
    hooks: &'m dyn Hooks,
    budgets: Box<[Budget]>,
}

impl<'m> Tiered<'m> {
    /// Prepares `module` (verified) to run on `machine` with its globals in
    /// the slot array `globals` (initialised by the caller), calling
    /// compiled code through `boxed` (one entry per function) and asking
    /// `hooks` for more past each function's `thresholds`.
    ///
    /// # Safety
    /// `machine` and `globals` (one slot per global of the module) must stay
    /// valid for as long as the result runs anything, and be used by
    /// nothing else meanwhile but compiled code on this thread; every
    /// non-zero entry of `boxed` must be a [`BoxedEntry`] of the function.
    pub unsafe fn new(
        module: &'m Module,
        machine: *mut Machine,
        globals: *mut u64,
        boxed: &'m [AtomicUsize],
        hooks: &'m dyn Hooks,
        thresholds: &[Thresholds],
    ) -> Tiered<'m> {
        assert_eq!(boxed.len(), module.functions.len(), "an entry per function");
        assert_eq!(
            thresholds.len(),
            module.functions.len(),
            "thresholds per function"
        );
        let budgets = thresholds
            .iter()
            .map(|t| {
                let (calls, calls_after_warm) = stages(t.calls);
                let (loops, loops_after_warm) = stages(t.loops);
                Budget {
                    calls: Cell::new(calls),
                    loops: Cell::new(loops),
                    thresholds: *t,
                    deferred: Cell::new(false),
                    calls_after_warm: Cell::new(calls_after_warm),
                    loops_after_warm: Cell::new(loops_after_warm),
                }
            })
            .collect();
        Tiered {
            program: Program::new(module),
            machine,
            globals,
            boxed,
            hooks,
            budgets,
        }
    }

    /// The module.
    pub fn module(&self) -> &'m Module {
        self.program.module
    }

    /// Runs `main` (which may move to compiled code) to the end of the
    /// program.
    pub fn run_main(&self) -> Outcome {
        match exec::<true>(
            &self.program,
            self.machine,
            &self.globals,
            Some(self),
            Start::Main,
        ) {
            Ended::Program(outcome) => outcome,
            Ended::Returned => unreachable!("main's return ends the program"),
        }
    }

    /// Runs `func` from its parameters `args` with `stack_bytes` of frames
    /// active (its own included) until it returns, writing its results to
    /// `results`; `Err` with how the program ended if it ended inside.
    ///
    /// # Safety
    /// `args` must hold a slot for each of `func`'s parameters and `results`
    /// room for each of its results; `stack_bytes` must not exceed
    /// `MAX_STACK_BYTES`.
    pub unsafe fn call(
        &self,
        func: u32,
        stack_bytes: u32,
        args: *const u64,
        results: *mut u64,
    ) -> Result<(), Outcome> {
        let start = Start::Call {
            func,
            stack_bytes,
            args,
            results,
        };
        match exec::<true>(
            &self.program,
            self.machine,
            &self.globals,
            Some(self),
            start,
        ) {
            Ended::Returned => Ok(()),
            Ended::Program(outcome) => Err(outcome),
        }
    }

    /// The boxed entry a call of `func` should take, 0 for none (then the
    /// call is counted, and may reach the threshold: [`Hooks::hot_call`]).
    /// `site` gives the calling function and the call's bytecode pc, when
    /// the call is interpreted (asked only when the budget runs out).
    #[inline(always)]
    pub fn entry_for_call(&self, func: u32, site: impl FnOnce() -> Option<(u32, u32)>) -> usize {
        // SAFETY: verified call targets are function indices.
        let entry = unsafe { self.boxed.get_unchecked(func as usize) }.load(Ordering::Acquire);
        if entry != 0 {
            return entry;
        }
        // SAFETY: as above.
        let left = unsafe { self.budgets.get_unchecked(func as usize) };
        let n = left.calls.get() - 1;
        left.calls.set(n);
        if n == 0 {
            return self.hot_call(func, site());
        }
        0
    }

    #[inline(never)]
    fn hot_call(&self, func: u32, site: Option<(u32, u32)>) -> usize {
        let budget = &self.budgets[func as usize];
        let rest = budget.calls_after_warm.replace(0);
        if rest > 0 && !self.hooks.warm() {
            budget.calls.set(rest);
            return 0;
        }
        if let Some((caller, pc)) = site {
            if self.hand_to_caller_loop(func, caller, pc) {
                return 0;
            }
        }
        // The engine keeps its own record of what it was asked for; the
        // entry table tells the loop when the code is ready.
        budget.calls.set(NEVER);
        self.hooks.hot_call(func).map_or(0, |e| e as usize)
    }

    /// Whether `func`'s compile, its call budget spent at a call at `pc` of
    /// `caller`, goes to the caller's loop around that call: once per
    /// callee, when the caller compiles loops and the call is inside one.
    /// Then the caller's loop budget runs out at its next backward jump,
    /// and the callee's starts again.
    fn hand_to_caller_loop(&self, func: u32, caller: u32, pc: u32) -> bool {
        let budget = &self.budgets[func as usize];
        let at_caller = &self.budgets[caller as usize];
        if caller == func
            || budget.deferred.get()
            || at_caller.thresholds.loops == 0
            || !call_in_loop(&self.program.module.functions[caller as usize], pc)
        {
            return false;
        }
        budget.deferred.set(true);
        budget.calls.set(i64::from(budget.thresholds.calls));
        if at_caller.loops_after_warm.replace(0) > 0 {
            // The caller's budget runs out at its next jump either way.
            let _ = self.hooks.warm();
        }
        at_caller.loops.set(1);
        true
    }

    /// Counts a backward jump in `func` over a loop of `length`
    /// instructions (at least 1): whether its loop budget ran out.
    #[inline(always)]
    pub(crate) fn count_back_edge(&self, func: u32, length: u64) -> bool {
        // SAFETY: `func` is always a function index.
        let left = unsafe { self.budgets.get_unchecked(func as usize) };
        let n = left.loops.get() - length as i64;
        left.loops.set(n);
        n <= 0
    }

    /// A loop header at `pc` of `func` whose budget ran out: its OSR entry,
    /// if ready (the budget starts again, [`LOOP_POLL_INSTRUCTIONS`], when
    /// it is not). Once the function has entered compiled code, its next
    /// backward jump asks again: a later call of it (one that has no
    /// native entry yet) moves to the compiled loop at once rather than
    /// after interpreting another budget.
    #[inline(never)]
    pub(crate) fn loop_header(&self, func: u32, pc: u32) -> Option<(OsrEntry, u32)> {
        let budget = &self.budgets[func as usize];
        let rest = budget.loops_after_warm.replace(0);
        if rest > 0 && !self.hooks.warm() {
            // What the jump overshot the warm point by counts.
            let left = budget.loops.get() + rest;
            budget.loops.set(left);
            if left > 0 {
                return None;
            }
        }
        let (entry, next) = match self.hooks.hot_loop(func, pc) {
            LoopAnswer::Enter(entry, header) => (Some((entry, header)), 1),
            LoopAnswer::Wait => (None, LOOP_POLL_INSTRUCTIONS),
        };
        budget.loops.set(next);
        entry
    }
}

/// Whether the instruction at `pc` of `f` lies inside a loop: between a
/// backward jump and its target (a scan of the code, done once per callee
/// that reaches its call threshold).
fn call_in_loop(f: &janus_bytecode::bytecode::Function, pc: u32) -> bool {
    f.code
        .with_pcs()
        .any(|(at, inst)| at >= pc && inst.targets().iter().any(|&target| target <= pc))
}

/// Calls compiled code's boxed entry for a call whose result registers and
/// then argument registers are `lists` (frame slots of `fp`'s frame).
///
/// # Safety
/// `entry` must be a [`BoxedEntry`] of the callee; `lists` must hold
/// `nresults + nargs` slots of the frame at `fp`, matching the callee's
/// signature.
#[inline(never)]
pub(crate) unsafe fn call_boxed(
    entry: usize,
    stack_bytes: u32,
    fp: *mut u64,
    lists: *const Reg,
    nresults: usize,
    nargs: usize,
) {
    // SAFETY: a non-zero entry is a BoxedEntry (see `Tiered::new`).
    let entry: BoxedEntry = unsafe { std::mem::transmute::<usize, BoxedEntry>(entry) };
    const SHORT: usize = 8;
    let mut args = [0u64; SHORT];
    let mut results = [0u64; SHORT];
    let mut long_args;
    let mut long_results;
    let (args, results) = if nargs <= SHORT && nresults <= SHORT {
        (&mut args[..], &mut results[..])
    } else {
        long_args = vec![0u64; nargs];
        long_results = vec![0u64; nresults];
        (&mut long_args[..], &mut long_results[..])
    };
    // SAFETY: per the contract.
    unsafe {
        for (i, a) in args.iter_mut().enumerate().take(nargs) {
            *a = *fp.add(usize::from(*lists.add(nresults + i)));
        }
        entry(stack_bytes, args.as_ptr(), results.as_mut_ptr());
        for (i, r) in results.iter().enumerate().take(nresults) {
            *fp.add(usize::from(*lists.add(i))) = *r;
        }
    }
}

/// Moves the call running `f` in the frame at `fp` into compiled code at a
/// loop header: its registers, in bytecode order, then the header's index
/// among the function's loop headers go to `entry`, which runs the rest of
/// the call; its results are left in the frame's first slots, for `f`'s
/// last op ([`Function::osr_ret`]) to return.
///
/// # Safety
/// `entry` must be an [`OsrEntry`] of `f`, and `header` the index of the
/// header the loop just jumped to; `fp` must point at `f`'s frame.
#[inline(never)]
pub(crate) unsafe fn enter_osr(
    entry: OsrEntry,
    header: u32,
    stack_bytes: u32,
    f: &Function,
    fp: *mut u64,
) {
    let mut registers: Vec<u64> = f
        .slot_of
        .iter()
        .map(|&slot| match slot {
            // A register the code never names was never written.
            UNUSED_SLOT => 0,
            // SAFETY: a named register has a slot in the frame.
            slot => unsafe { *fp.add(usize::from(slot)) },
        })
        .collect();
    registers.push(u64::from(header));
    // At most 255 results.
    let mut results = [0u64; 256];
    // SAFETY: per the contract; the frame has a slot per result.
    unsafe {
        entry(stack_bytes, registers.as_ptr(), results.as_mut_ptr());
        std::ptr::copy_nonoverlapping(results.as_ptr(), fp, f.nresults);
    }
}

#[cfg(test)]
mod tests;
