//! The machine stack compiled programs run on (AOT executables and the
//! JIT): one reservation of [`NATIVE_STACK_BYTES`] (address space only;
//! pages are committed as the stack grows into them) above a guard region
//! that is never accessible, and a `SIGSEGV` handler that tells a fault in
//! that guard from any other.
//!
//! The VM's frame accounting (`abi::frame_bytes`) stops every program long
//! before its frames could fill the reservation, and every compiled
//! function probes each page of a large frame (LLVM's `probe-stack`), so a
//! frame cannot step over the guard. Should a machine stack run past the
//! reservation anyway, the process says so on stderr and exits with
//! [`NATIVE_STACK_OVERFLOW_STATUS`] instead of dying of a bare `SIGSEGV`.
//! Other faults go to the handler that was there before (the default, or
//! Rust's in janusc), unchanged.

use crate::abi::{NATIVE_STACK_BYTES, NATIVE_STACK_OVERFLOW_STATUS};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Bytes of the inaccessible region below the stack: frames of code that
/// does not probe (libc, a runtime function) still land in it.
pub const GUARD_BYTES: usize = 1 << 20;

/// Bytes of the stack the fault handler runs on (the thread's own stack is
/// the one that overflowed).
const SIGNAL_STACK_BYTES: usize = 256 << 10;

/// What the handler prints, once, before the process exits.
const MESSAGE: &[u8] = b"janus: native stack overflow: compiled code ran into the guard below its machine stack (an engine limit, not a trap of the program)\n";

/// The guard of the running program's stack, `[start, end)`; both 0 when
/// no program runs.
static GUARD_START: AtomicUsize = AtomicUsize::new(0);
static GUARD_END: AtomicUsize = AtomicUsize::new(0);

struct Previous(UnsafeCell<Option<libc::sigaction>>);

// SAFETY: written by `run` before the program thread starts and after it
// ends; read by the handler only while the program runs.
unsafe impl Sync for Previous {}

/// The `SIGSEGV` disposition `run` replaced.
static PREVIOUS: Previous = Previous(UnsafeCell::new(None));

/// A reserved stack and its guard, unmapped when dropped.
pub struct Stack {
    /// Start of the mapping: the guard, then the stack.
    mapping: *mut libc::c_void,
    /// Bytes of the stack above the guard.
    size: usize,
}

impl Stack {
    /// Reserves `size` bytes of stack (page-aligned) above a guard.
    pub fn reserve(size: usize) -> Result<Stack, &'static str> {
        // SAFETY: an anonymous private mapping, checked below.
        let mapping = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                GUARD_BYTES + size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if mapping == libc::MAP_FAILED {
            return Err("cannot reserve the program's machine stack");
        }
        let stack = Stack { mapping, size };
        // SAFETY: the guard is the first GUARD_BYTES of the mapping.
        if unsafe { libc::mprotect(mapping, GUARD_BYTES, libc::PROT_NONE) } != 0 {
            return Err("cannot protect the guard below the program's machine stack");
        }
        Ok(stack)
    }

    /// The stack compiled programs get: [`NATIVE_STACK_BYTES`].
    pub fn for_program() -> Result<Stack, &'static str> {
        Stack::reserve(NATIVE_STACK_BYTES)
    }

    fn guard(&self) -> (usize, usize) {
        let start = self.mapping as usize;
        (start, start + GUARD_BYTES)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // SAFETY: unmapping the mapping `reserve` made, once.
        unsafe {
            libc::munmap(self.mapping, GUARD_BYTES + self.size);
        }
    }
}

/// What the program thread needs: the entry and its argument.
struct Start {
    entry: extern "C" fn(*mut libc::c_void) -> *mut libc::c_void,
    arg: *mut libc::c_void,
}

/// Runs `entry(arg)` on a thread whose stack is `stack`, with the guard's
/// handler installed for as long as it runs, and returns what it returned.
///
/// # Safety
/// One program at a time: `run` must not be called again before it
/// returns. `entry` must be safe to call with `arg` on another thread.
pub unsafe fn run(
    stack: &Stack,
    entry: extern "C" fn(*mut libc::c_void) -> *mut libc::c_void,
    arg: *mut libc::c_void,
) -> Result<*mut libc::c_void, &'static str> {
    let (start, end) = stack.guard();
    GUARD_START.store(start, Ordering::SeqCst);
    GUARD_END.store(end, Ordering::SeqCst);
    // SAFETY: per the contract, no handler reads PREVIOUS yet.
    unsafe { install() }?;
    let mut start_info = Start { entry, arg };
    // SAFETY: creating and joining one thread on a stack that outlives it.
    let result = unsafe {
        let mut attr: libc::pthread_attr_t = core::mem::zeroed();
        libc::pthread_attr_init(&mut attr);
        let stack_start = (stack.mapping as *mut u8).add(GUARD_BYTES).cast();
        let set = libc::pthread_attr_setstack(&mut attr, stack_start, stack.size);
        let mut thread: libc::pthread_t = 0;
        let created = if set == 0 {
            libc::pthread_create(
                &mut thread,
                &attr,
                program_thread,
                (&mut start_info as *mut Start).cast(),
            )
        } else {
            set
        };
        libc::pthread_attr_destroy(&mut attr);
        if created != 0 {
            Err("cannot start the program's thread")
        } else {
            let mut ret: *mut libc::c_void = core::ptr::null_mut();
            libc::pthread_join(thread, &mut ret);
            Ok(ret)
        }
    };
    // SAFETY: the program thread has ended, so no handler of ours runs.
    unsafe { restore() };
    GUARD_START.store(0, Ordering::SeqCst);
    GUARD_END.store(0, Ordering::SeqCst);
    result
}

/// Installs [`on_fault`] for `SIGSEGV`, keeping what was there.
///
/// # Safety
/// No handler of ours may be running.
unsafe fn install() -> Result<(), &'static str> {
    // SAFETY: a zeroed sigaction is valid; the fields are set below.
    let mut action: libc::sigaction = unsafe { core::mem::zeroed() };
    action.sa_sigaction = on_fault as *const () as usize;
    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
    // SAFETY: a zeroed sigaction is valid for sigaction to fill.
    let mut previous: libc::sigaction = unsafe { core::mem::zeroed() };
    // SAFETY: valid pointers; sa_mask is emptied before use.
    unsafe {
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGSEGV, &action, &mut previous) != 0 {
            return Err("cannot install the machine stack's guard handler");
        }
        *PREVIOUS.0.get() = Some(previous);
    }
    Ok(())
}

/// Puts back the disposition [`install`] replaced.
///
/// # Safety
/// No handler of ours may be running.
unsafe fn restore() {
    // SAFETY: per the contract, PREVIOUS is not read concurrently.
    unsafe {
        if let Some(previous) = (*PREVIOUS.0.get()).take() {
            libc::sigaction(libc::SIGSEGV, &previous, core::ptr::null_mut());
        }
    }
}

/// The program thread: gives itself a signal stack, then runs the entry.
extern "C" fn program_thread(arg: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: `run` passes a Start that outlives this thread.
    let start = unsafe { &*(arg as *const Start) };
    // SAFETY: an anonymous private mapping, checked below; registered as
    // this thread's signal stack and released after the entry returns.
    unsafe {
        let signal_stack = libc::mmap(
            core::ptr::null_mut(),
            SIGNAL_STACK_BYTES,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        let usable = signal_stack != libc::MAP_FAILED;
        if usable {
            let ss = libc::stack_t {
                ss_sp: signal_stack,
                ss_flags: 0,
                ss_size: SIGNAL_STACK_BYTES,
            };
            libc::sigaltstack(&ss, core::ptr::null_mut());
        }
        let result = (start.entry)(start.arg);
        if usable {
            let off = libc::stack_t {
                ss_sp: core::ptr::null_mut(),
                ss_flags: libc::SS_DISABLE,
                ss_size: 0,
            };
            libc::sigaltstack(&off, core::ptr::null_mut());
            libc::munmap(signal_stack, SIGNAL_STACK_BYTES);
        }
        result
    }
}

/// The `SIGSEGV` handler: a fault in the guard ends the process with
/// [`NATIVE_STACK_OVERFLOW_STATUS`]; any other fault goes back to the
/// previous disposition, which handles it when the instruction faults again.
extern "C" fn on_fault(
    _signal: libc::c_int,
    info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let address = unsafe { (*info).si_addr() } as usize;
    let (start, end) = (
        GUARD_START.load(Ordering::Relaxed),
        GUARD_END.load(Ordering::Relaxed),
    );
    if (start..end).contains(&address) {
        // SAFETY: write and _exit are async-signal-safe.
        unsafe {
            libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
            libc::_exit(NATIVE_STACK_OVERFLOW_STATUS);
        }
    }
    // SAFETY: sigaction is async-signal-safe; PREVIOUS is set while we run.
    unsafe {
        match &*PREVIOUS.0.get() {
            Some(previous) => {
                libc::sigaction(libc::SIGSEGV, previous, core::ptr::null_mut());
            }
            None => {
                libc::signal(libc::SIGSEGV, libc::SIG_DFL);
            }
        }
    }
}
