//! Hosting compiled code in a process that is not an executable janusc
//! built: janusc's hybrid engine and lazy JIT, where code the LLVM backend
//! compiles while the program runs calls this crate's [`exports`] as an
//! executable's code does, on the same machine as janusc's interpreter.
//!
//! The host installs its [`Machine`] as the one the exports use
//! ([`install`]), gives the backend the address of each export
//! ([`runtime_address`], [`vm_state_address`]), and runs the program on the
//! reserved machine stack compiled code needs ([`run_on_program_stack`]),
//! as `janus_start` does for an executable, minus the descriptor.

use crate::abi::Rt;
use crate::exports::{self, MACHINE};
use crate::machine::Machine;
use crate::stack;

/// Installs `machine` as the one every export works on (replacing any
/// earlier one) and publishes its memory to `janus_vm`; a pointer to it,
/// valid until [`uninstall`].
///
/// # Safety
/// Only the program's thread may touch the installed machine, and only
/// through the returned pointer or the exports, one use at a time; no
/// reference from an earlier [`install`] may be used again.
pub unsafe fn install(machine: Machine) -> *mut Machine {
    // SAFETY: per the contract, nothing else uses the global now.
    unsafe {
        let slot = &mut *MACHINE.0.get();
        *slot = Some(machine);
        let m = slot.as_mut().expect("just installed");
        exports::sync_vm(m);
        m
    }
}

/// Shuts the installed machine down (flushes output, restores the
/// terminal) and removes it.
///
/// # Safety
/// As for [`install`]: the program has ended, and no pointer to the machine
/// is used again.
pub unsafe fn uninstall() {
    // SAFETY: per the contract.
    unsafe {
        if let Some(mut m) = (*MACHINE.0.get()).take() {
            m.shutdown();
        }
    }
}

/// The address of the export that implements `f`, for the backend to call.
pub fn runtime_address(f: Rt) -> usize {
    match f {
        Rt::Start => exports::janus_start as *const () as usize,
        Rt::Trap => exports::janus_trap as *const () as usize,
        Rt::Exit => exports::janus_exit as *const () as usize,
        Rt::MemoryGrow => exports::janus_memory_grow as *const () as usize,
        Rt::MemoryCopy => exports::janus_memory_copy as *const () as usize,
        Rt::MemoryFill => exports::janus_memory_fill as *const () as usize,
        Rt::MemoryInit => exports::janus_memory_init as *const () as usize,
        Rt::DataDrop => exports::janus_data_drop as *const () as usize,
        Rt::HeapAlloc => exports::janus_heap_alloc as *const () as usize,
        Rt::HeapFree => exports::janus_heap_free as *const () as usize,
        Rt::HeapRealloc => exports::janus_heap_realloc as *const () as usize,
        Rt::Device => exports::janus_device as *const () as usize,
        Rt::WasiFiles => exports::janus_wasi_files as *const () as usize,
    }
}

/// The address of `janus_vm`, the memory base and size compiled code reads.
pub fn vm_state_address() -> usize {
    core::ptr::addr_of!(exports::janus_vm) as usize
}

/// What the program thread runs.
struct Job<'a> {
    body: &'a mut dyn FnMut() -> i32,
    status: i32,
}

extern "C" fn run_job(arg: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: `run_on_program_stack` passes its Job, alive until the join.
    let job = unsafe { &mut *(arg as *mut Job) };
    job.status = (job.body)();
    core::ptr::null_mut()
}

/// Runs `body` on a thread with the reserved machine stack compiled code
/// needs (and the guard's handler, `stack.rs`); what it returned.
///
/// # Safety
/// One program at a time (see `stack::run`); `body` must be safe to run on
/// another thread while this one waits.
pub unsafe fn run_on_program_stack(body: &mut dyn FnMut() -> i32) -> Result<i32, &'static str> {
    let stack = stack::Stack::for_program()?;
    let mut job = Job { body, status: 0 };
    // SAFETY: per the contract; `job` outlives the thread.
    unsafe { stack::run(&stack, run_job, (&mut job as *mut Job).cast()) }?;
    Ok(job.status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_function_has_an_address() {
        assert_eq!(Rt::ALL.len(), crate::abi::RUNTIME_FUNCTIONS.len());
        for &f in Rt::ALL {
            assert_ne!(runtime_address(f), 0, "{f:?}");
        }
        assert_ne!(vm_state_address(), 0);
    }

    #[test]
    fn a_body_runs_on_the_program_stack() {
        let mut deep = || {
            // More than a default thread's 8 MiB of stack, touched.
            let big = [1u8; 16 << 20];
            i32::from(std::hint::black_box(&big)[1 << 23])
        };
        // SAFETY: one program at a time in this test binary's tests of it.
        assert_eq!(unsafe { run_on_program_stack(&mut deep) }, Ok(1));
    }
}
