//! The program's side of the hybrid engine and the lazy JIT: the hooks the
//! tiered interpreter calls when a threshold is reached, the
//! [`InterpCall`] compiled code calls for a function without compiled
//! code, and how a run ends.
//!
//! [`InterpCall`]: janus_runtime::abi::tier::InterpCall

use super::compiler::{Compiler, Job};
use super::log::Reason;
use super::tables::Tables;
use janus_interp::tier::{Hooks, LoopAnswer, Tiered};
use janus_interp::Outcome;
use janus_runtime::abi::tier::{BoxedEntry, OsrEntry};
use janus_runtime::exports::{janus_exit, janus_trap};
use std::cell::OnceCell;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Which engine runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Interpret, compiling what gets hot.
    Hybrid,
    /// Compile every function at its first call; interpret only what
    /// cannot be compiled.
    Jit,
}

/// The program's side. Touched only by the program's thread.
pub struct Engine {
    /// Which engine.
    pub mode: Mode,
    /// Where compiles go.
    pub compiler: &'static Compiler,
    /// Where compiled code is found.
    pub tables: &'static Tables,
    /// The interpreter, set once it exists (it needs the engine as hooks).
    pub tiered: OnceCell<&'static Tiered<'static>>,
}

/// The running engine, for [`interp_call`].
static ENGINE: AtomicPtr<Engine> = AtomicPtr::new(std::ptr::null_mut());

/// Makes `engine` the one [`interp_call`] uses.
pub fn install(engine: &'static Engine) {
    ENGINE.store(engine as *const Engine as *mut Engine, Ordering::Release);
}

/// A boxed entry from its address.
///
/// # Safety
/// `entry` must be a non-zero address of a [`BoxedEntry`].
unsafe fn boxed(entry: usize) -> BoxedEntry {
    // SAFETY: per the contract.
    unsafe { std::mem::transmute::<usize, BoxedEntry>(entry) }
}

/// An OSR entry from its address.
///
/// # Safety
/// `entry` must be a non-zero address of an [`OsrEntry`].
unsafe fn osr(entry: usize) -> OsrEntry {
    // SAFETY: per the contract.
    unsafe { std::mem::transmute::<usize, OsrEntry>(entry) }
}

/// Ends the process as compiled code does (`janus_exit`, `janus_trap`:
/// output flushed, the trap's message and status), wherever the program
/// ended: at the top, or under compiled code.
pub fn end(outcome: Outcome) -> ! {
    match outcome {
        Outcome::Exit(status) => janus_exit(status),
        Outcome::Trap {
            kind,
            func,
            pc,
            code,
        } => janus_trap(kind.code(), func, pc, code),
    }
}

impl Engine {
    fn tiered(&self) -> &'static Tiered<'static> {
        self.tiered
            .get()
            .expect("the interpreter exists before the program runs")
    }

    /// Compiles `job` (now, or queued for a thread); a failure leaves the
    /// function interpreted.
    fn want(&self, job: Job) {
        if self.compiler.synchronous() {
            // The log has the failure; the function stays interpreted.
            let _ = self.compiler.compile_now(job);
        } else {
            self.compiler.ask(job);
        }
    }

    /// Runs the program from `main` to its end; never returns.
    pub fn run_main(&self, main: u32, main_frame_bytes: u32) -> ! {
        let entry = self.tables.boxed(main);
        if self.mode == Mode::Jit && entry != 0 {
            let mut result = [0u64];
            // SAFETY: `main`'s boxed entry; it takes no arguments and
            // returns one i32.
            unsafe { boxed(entry)(main_frame_bytes, std::ptr::null(), result.as_mut_ptr()) };
            janus_exit((result[0] as u32 as i32) & 0xff)
        }
        end(self.tiered().run_main())
    }

    /// [`interp_call`]'s work: `func` run from `args`, its results to
    /// `results`, by compiled code if it has (or, under the JIT, gets)
    /// some, else by the interpreter.
    ///
    /// # Safety
    /// As for [`janus_runtime::abi::tier::InterpCall`].
    unsafe fn call(&self, func: u32, stack_bytes: u32, args: *const u64, results: *mut u64) {
        let tiered = self.tiered();
        let mut entry = self.tables.boxed(func);
        if entry == 0 {
            entry = match self.mode {
                Mode::Jit => {
                    // A failure is in the log; the function is interpreted.
                    let _ = self.compiler.compile_now(Job {
                        func,
                        reason: Reason::FirstCall,
                    });
                    self.tables.boxed(func)
                }
                // Called from compiled code: no interpreted call site.
                Mode::Hybrid => tiered.entry_for_call(func, || None),
            };
        }
        if entry != 0 {
            // SAFETY: a published boxed entry of `func`; the caller's slots.
            unsafe { boxed(entry)(stack_bytes, args, results) };
            return;
        }
        // SAFETY: the caller's promise.
        if let Err(outcome) = unsafe { tiered.call(func, stack_bytes, args, results) } {
            end(outcome)
        }
    }
}

impl Hooks for Engine {
    fn warm(&self) -> bool {
        self.compiler.prepare()
    }

    fn hot_call(&self, func: u32) -> Option<BoxedEntry> {
        self.want(Job {
            func,
            reason: Reason::Calls,
        });
        match self.tables.boxed(func) {
            0 => None,
            // SAFETY: a published boxed entry.
            entry => Some(unsafe { boxed(entry) }),
        }
    }

    fn hot_loop(&self, func: u32, pc: u32) -> LoopAnswer {
        if let Some((entry, header)) = self.tables.osr(func, pc) {
            // SAFETY: a published OSR entry.
            return LoopAnswer::Enter(unsafe { osr(entry) }, header);
        }
        // One compile serves every loop header of the function.
        if self.compiler.loop_in_flight(func) {
            return LoopAnswer::Wait;
        }
        self.want(Job {
            func,
            reason: Reason::Loop { pc },
        });
        match self.tables.osr(func, pc) {
            // SAFETY: a published OSR entry.
            Some((entry, header)) => LoopAnswer::Enter(unsafe { osr(entry) }, header),
            None => LoopAnswer::Wait,
        }
    }
}

/// The [`janus_runtime::abi::tier::InterpCall`] compiled code calls (at
/// `INTERP_CALL_SYMBOL`) for a function whose native entry is still null.
///
/// # Safety
/// Called by compiled code of the running program, on its thread, with
/// `args` holding the function's parameters and `results` room for its
/// results, as slots.
pub unsafe extern "C" fn interp_call(
    func: u32,
    stack_bytes: u32,
    args: *const u64,
    results: *mut u64,
) {
    // SAFETY: installed before the program started, never removed.
    let engine = unsafe { &*ENGINE.load(Ordering::Acquire) };
    // SAFETY: the caller's promise.
    unsafe { engine.call(func, stack_bytes, args, results) }
}
