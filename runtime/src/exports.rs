//! The runtime's C ABI: the `janus_` functions generated code calls, listed
//! with their signatures in `abi::RUNTIME_FUNCTIONS`, and the `janus_vm`
//! state it reads. One program runs per process: the machine is a global,
//! touched only by the program's thread.

use crate::abi::{ModuleDescriptor, TrapKind, VmState};
use crate::console;
use crate::devices;
use crate::machine::Machine;
use crate::stack;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;

/// The VM state generated code reads: memory base and size.
#[allow(non_upper_case_globals)]
#[no_mangle]
pub static mut janus_vm: VmState = VmState {
    base: core::ptr::null_mut(),
    size: 0,
};

pub(crate) struct Global(pub(crate) UnsafeCell<Option<Machine>>);

// SAFETY: one program thread touches the machine (see the module doc).
unsafe impl Sync for Global {}

pub(crate) static MACHINE: Global = Global(UnsafeCell::new(None));

/// The running program's machine.
///
/// # Safety
/// Only the program's thread may call this, while `janus_start` runs.
unsafe fn machine() -> &'static mut Machine {
    // SAFETY: the caller is the program's thread; start installed a machine.
    unsafe {
        (*MACHINE.0.get())
            .as_mut()
            .expect("janus_start installed the machine")
    }
}

pub(crate) fn sync_vm(m: &Machine) {
    // SAFETY: the program's thread is the only reader and writer.
    unsafe {
        janus_vm.base = m.memory.base();
        janus_vm.size = m.memory.size();
    }
}

/// Copies the installed machine's memory base and size to [`janus_vm`],
/// where compiled code reads them: for a host (janusc's tiered
/// interpreter) that changes the machine's memory without these exports.
/// Does nothing while no machine is installed.
pub fn sync_vm_state() {
    // SAFETY: program thread (see the module doc).
    if let Some(m) = unsafe { (*MACHINE.0.get()).as_ref() } {
        sync_vm(m);
    }
}

/// Flushes output, restores the terminal and ends the process with
/// `status & 0xff`.
fn finish(status: i32) -> ! {
    // SAFETY: program thread; then the process ends.
    unsafe {
        if let Some(m) = (*MACHINE.0.get()).as_mut() {
            m.shutdown();
        }
        libc::_exit(status & 0xff)
    }
}

/// The raw bytes of an environment variable (checked, UTF-8 included, by
/// `DeviceConfig::from_env`, as under the interpreter).
fn env(name: &str) -> Option<Vec<u8>> {
    let c = alloc::ffi::CString::new(name).ok()?;
    // SAFETY: getenv with a C string; the result is copied at once.
    unsafe {
        let p = libc::getenv(c.as_ptr());
        if p.is_null() {
            return None;
        }
        Some(core::ffi::CStr::from_ptr(p).to_bytes().to_vec())
    }
}

/// Exit status for a program that could not start (a bad device option).
const STARTUP_FAILURE: i32 = 125;

extern "C" fn run_entry(arg: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: `arg` is the descriptor passed to janus_start, alive until join.
    let descriptor = unsafe { &*(arg as *const ModuleDescriptor) };
    let status = (descriptor.entry)();
    status as isize as *mut libc::c_void
}

/// Sets up the program's machine from its descriptor and the process
/// arguments, runs `main` on a thread with the reserved machine stack
/// (`stack`), and returns the exit status.
///
/// # Safety
/// `descriptor` must point to a valid descriptor emitted by janusc, and
/// `argv` to `argc` NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn janus_start(
    descriptor: *const ModuleDescriptor,
    argc: i32,
    argv: *const *const u8,
) -> i32 {
    // SAFETY: per the contract above.
    let d = unsafe { &*descriptor };
    let mut args = Vec::new();
    if argc >= 2 {
        // SAFETY: argv holds argc C strings.
        let first = unsafe { core::ffi::CStr::from_ptr((*argv.add(1)).cast()) };
        if first.to_bytes() == b"--janus-help" {
            console::write_fd(1, crate::config::HELP.as_bytes());
            return 0;
        }
    }
    for i in 1..argc.max(0) as usize {
        // SAFETY: argv holds argc C strings.
        let s = unsafe { core::ffi::CStr::from_ptr((*argv.add(i)).cast()) };
        args.push(s.to_bytes().to_vec());
    }
    let mut names = Vec::with_capacity(d.function_count as usize);
    for i in 0..d.function_count as usize {
        // SAFETY: the descriptor lists function_count C strings.
        let s = unsafe { core::ffi::CStr::from_ptr((*d.function_names.add(i)).cast()) };
        names.push(String::from_utf8_lossy(s.to_bytes()).into_owned());
    }
    let config = match crate::config::DeviceConfig::from_env(env) {
        Ok(c) => c,
        Err(message) => {
            console::write_fd(2, alloc::format!("janus: {message}\n").as_bytes());
            return STARTUP_FAILURE;
        }
    };
    let mut m = match Machine::new(
        d.initial_pages,
        d.max_pages,
        d.heap_base,
        args,
        names,
        config,
    ) {
        Ok(m) => m,
        Err(message) => {
            console::write_fd(2, alloc::format!("janus: {message}\n").as_bytes());
            return STARTUP_FAILURE;
        }
    };
    for i in 0..d.data_count as usize {
        // SAFETY: the descriptor lists data_count segments.
        let seg = unsafe { &*d.data.add(i) };
        // SAFETY: each segment's bytes are len bytes long.
        let bytes = unsafe { core::slice::from_raw_parts(seg.bytes, seg.len as usize) };
        m.start_segment((seg.passive == 0).then_some(seg.offset), bytes);
    }
    if !d.source_kind.is_null() {
        // SAFETY: a non-null kind is a C string, and `source` holds
        // source_len bytes.
        let (kind, bytes) = unsafe {
            (
                core::ffi::CStr::from_ptr(d.source_kind.cast()),
                core::slice::from_raw_parts(d.source, d.source_len as usize),
            )
        };
        m.source = Some(crate::machine::TrapSource {
            kind: String::from_utf8_lossy(kind.to_bytes()).into_owned(),
            offsets: crate::abi::decode_source_offsets(bytes),
        });
    }
    let stack = match stack::Stack::for_program() {
        Ok(s) => s,
        Err(message) => {
            console::write_fd(2, alloc::format!("janus: {message}\n").as_bytes());
            return STARTUP_FAILURE;
        }
    };
    sync_vm(&m);
    // SAFETY: before the program thread starts, this thread owns everything.
    unsafe {
        *MACHINE.0.get() = Some(m);
    }
    // SAFETY: one program per process; run_entry reads the descriptor,
    // which outlives the thread.
    let status = match unsafe { stack::run(&stack, run_entry, descriptor as *mut libc::c_void) } {
        Ok(ret) => ret as isize as i32,
        Err(message) => {
            console::write_fd(2, alloc::format!("janus: {message}\n").as_bytes());
            STARTUP_FAILURE
        }
    };
    // SAFETY: the program thread has ended.
    unsafe {
        if let Some(m) = (*MACHINE.0.get()).as_mut() {
            m.shutdown();
        }
    }
    status & 0xff
}

/// Stops the program with a trap: flushes output, prints
/// `janus: trap: <kind> in function `<name>` at pc <n>` and exits with the
/// trap's status.
#[no_mangle]
pub extern "C" fn janus_trap(kind: u32, func: u32, pc: u32, code: u32) -> ! {
    let kind = TrapKind::from_code(kind).unwrap_or(TrapKind::Unreachable);
    // SAFETY: called from the program's thread.
    let message = match unsafe { (*MACHINE.0.get()).as_mut() } {
        Some(m) => {
            m.shutdown();
            m.trap_message(kind, func, pc, code)
        }
        None => alloc::format!("janus: trap: {} at pc {pc}", kind.name()),
    };
    let mut line = message.into_bytes();
    line.push(b'\n');
    console::write_fd(2, &line);
    // SAFETY: ending the process.
    unsafe { libc::_exit(kind.exit_status()) }
}

/// Ends the program with a status (the `exit` instruction).
#[no_mangle]
pub extern "C" fn janus_exit(status: i32) -> ! {
    finish(status)
}

/// `memory.grow`: the old page count, or -1.
#[no_mangle]
pub extern "C" fn janus_memory_grow(delta: u32) -> i32 {
    // SAFETY: program thread.
    let m = unsafe { machine() };
    let old = m.memory.grow(delta);
    sync_vm(m);
    old
}

/// `memory.copy`: 0, or the trap code.
#[no_mangle]
pub extern "C" fn janus_memory_copy(dst: u32, src: u32, len: u32) -> u32 {
    // SAFETY: program thread.
    let m = unsafe { machine() };
    m.memory_copy(dst, src, len).err().map_or(0, TrapKind::code)
}

/// `memory.fill`: 0, or the trap code.
#[no_mangle]
pub extern "C" fn janus_memory_fill(addr: u32, byte: u32, len: u32) -> u32 {
    // SAFETY: program thread.
    let m = unsafe { machine() };
    m.memory_fill(addr, byte as u8, len)
        .err()
        .map_or(0, TrapKind::code)
}

/// `memory.init`: 0, or the trap code.
#[no_mangle]
pub extern "C" fn janus_memory_init(segment: u32, dst: u32, src: u32, len: u32) -> u32 {
    // SAFETY: program thread.
    let m = unsafe { machine() };
    m.memory_init(segment, dst, src, len)
        .err()
        .map_or(0, TrapKind::code)
}

/// `data.drop`: releases a data segment's bytes.
#[no_mangle]
pub extern "C" fn janus_data_drop(segment: u32) {
    // SAFETY: program thread.
    let m = unsafe { machine() };
    m.data_drop(segment);
}

/// `heap.alloc`: an address, or 0.
#[no_mangle]
pub extern "C" fn janus_heap_alloc(size: u32) -> u32 {
    // SAFETY: program thread.
    let m = unsafe { machine() };
    let a = m.heap.alloc(&mut m.memory, size);
    sync_vm(m);
    a
}

/// `heap.free`: 0, or the trap code.
#[no_mangle]
pub extern "C" fn janus_heap_free(addr: u32) -> u32 {
    // SAFETY: program thread.
    let m = unsafe { machine() };
    match m.heap.free(addr) {
        Ok(()) => 0,
        Err(_) => TrapKind::InvalidFree.code(),
    }
}

/// `heap.realloc`: 0 with the new address in `*out`, or the trap code.
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn janus_heap_realloc(addr: u32, size: u32, out: *mut u32) -> u32 {
    // SAFETY: program thread.
    let m = unsafe { machine() };
    let result = m.heap.realloc(&mut m.memory, addr, size);
    sync_vm(m);
    match result {
        Ok(a) => {
            // SAFETY: per the contract.
            unsafe { *out = a };
            0
        }
        Err(_) => TrapKind::InvalidFree.code(),
    }
}

/// A device operation: 0 with the result in `*out`, or the trap code.
///
/// # Safety
/// `args` must hold the operation's argument count of 64-bit slots, `out`
/// must be writable.
#[no_mangle]
pub unsafe extern "C" fn janus_device(op: u32, args: *const u64, out: *mut u64) -> u32 {
    // SAFETY: per the contract.
    unsafe { device_through(devices::call_core, op, args, out) }
}

/// A WASI file operation (`abi::is_wasi_file_op`): 0 with the result in
/// `*out`, or the trap code. Kept apart from [`janus_device`] so that only
/// executables making these calls link the file system's code.
///
/// # Safety
/// As for [`janus_device`].
#[no_mangle]
pub unsafe extern "C" fn janus_wasi_files(op: u32, args: *const u64, out: *mut u64) -> u32 {
    // SAFETY: per the contract.
    unsafe { device_through(devices::call_wasi_files, op, args, out) }
}

/// Runs device operation `op` through `call` on the program's machine.
///
/// # Safety
/// As for [`janus_device`].
unsafe fn device_through(
    call: fn(&mut crate::machine::Machine, u16, &[u64]) -> Result<u64, crate::abi::TrapKind>,
    op: u32,
    args: *const u64,
    out: *mut u64,
) -> u32 {
    // SAFETY: program thread.
    let m = unsafe { machine() };
    let n = crate::abi::device_shape(op as u16).map_or(0, |d| usize::from(d.params));
    // SAFETY: per the contract.
    let args = unsafe { core::slice::from_raw_parts(args, n) };
    match call(m, op as u16, args) {
        Ok(v) => {
            // SAFETY: per the contract.
            unsafe { *out = v };
            0
        }
        Err(kind) => kind.code(),
    }
}
