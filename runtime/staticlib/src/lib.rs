//! The JanusVM runtime as a freestanding static library: the runtime crate
//! plus the two things only a `no_std` archive may define, a panic handler
//! (a runtime bug: report and abort) and a global allocator over libc's
//! `malloc`. Everything else, and every exported `janus_` symbol, is in
//! `janus-runtime`.
#![no_std]

pub use janus_runtime::exports;

use core::alloc::{GlobalAlloc, Layout};

struct Malloc;

unsafe impl GlobalAlloc for Malloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: posix_memalign with a power-of-two alignment of at least a
        // pointer's size is always valid to call; a failure returns null.
        unsafe {
            let mut out: *mut libc::c_void = core::ptr::null_mut();
            let align = layout.align().max(core::mem::size_of::<usize>());
            if libc::posix_memalign(&mut out, align, layout.size()) != 0 {
                return core::ptr::null_mut();
            }
            out.cast()
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from posix_memalign above.
        unsafe { libc::free(ptr.cast()) }
    }
}

#[global_allocator]
static ALLOCATOR: Malloc = Malloc;

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    const MESSAGE: &[u8] = b"janus: internal runtime error\n";
    // SAFETY: writing a static buffer to fd 2, then ending the process.
    unsafe {
        libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
        libc::abort()
    }
}

/// The precompiled `core` and `alloc` refer to the unwinding personality
/// even though this archive aborts on panic and never unwinds; this empty
/// definition satisfies the reference.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}
