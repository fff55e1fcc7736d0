//! Where tiered code lives: one process-wide reservation in the low 2 GiB,
//! shared by every execution engine of every session, as a bump allocator
//! behind a `Mutex`. Each engine gets a small [`TierMemory`] that takes its
//! sections from it and makes its own code pages executable; nothing is
//! ever unmapped, so code stays valid for as long as the process runs (the
//! engines are kept alive anyway, for their sessions' lives).
//!
//! Why one reservation: small-code-model code takes its own addresses as
//! 32-bit absolute values on x86-64, so it must sit in the low 2 GiB, and
//! Linux gives `MAP_32BIT` a 1 GiB window; one reservation per engine (as
//! the whole-program JIT's `Arena`) would run out after a few compiles.

use inkwell::memory_manager::McjitMemoryManager;
use std::sync::Mutex;

/// On x86-64, the low 2 GiB; elsewhere anywhere (AArch64's ADRP reaches
/// 4 GiB around the code).
#[cfg(target_arch = "x86_64")]
const LOW_MEMORY: libc::c_int = libc::MAP_32BIT;
#[cfg(not(target_arch = "x86_64"))]
const LOW_MEMORY: libc::c_int = 0;

/// The page size sections are rounded to, so that code and data never
/// share a page (code pages become read-execute): the system's.
fn page() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096).max(4096)
}

/// The shared reservation: 256 MiB of address space (`MAP_NORESERVE`),
/// half the 1 GiB `MAP_32BIT` window, leaving the rest to the
/// whole-program JIT. A tiered unit is a function and its inlined callees,
/// a few pages of code and data, so it holds tens of thousands of units.
pub const RESERVATION: usize = 256 << 20;

/// The reservation's base and how much of it is handed out.
struct Reservation {
    base: usize,
    used: usize,
}

/// The process's reservation, made at the first allocation.
static SHARED: Mutex<Option<Reservation>> = Mutex::new(None);

/// `size` bytes (rounded up to pages) of the shared reservation, or null
/// when it is full or cannot be made.
fn allocate(size: usize) -> *mut u8 {
    let mut shared = SHARED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if shared.is_none() {
        // SAFETY: an anonymous private mapping, checked below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                RESERVATION,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | LOW_MEMORY,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        *shared = Some(Reservation {
            base: base as usize,
            used: 0,
        });
    }
    let Some(reservation) = shared.as_mut() else {
        return std::ptr::null_mut();
    };
    let length = size.max(1).div_ceil(page()) * page();
    if reservation.used + length > RESERVATION {
        return std::ptr::null_mut();
    }
    let start = reservation.base + reservation.used;
    reservation.used += length;
    start as *mut u8
}

/// One execution engine's sections, taken from the shared reservation.
#[derive(Debug, Default)]
pub struct TierMemory {
    /// The code sections (page-aligned start, length in pages' bytes), to
    /// make executable when LLVM finalizes.
    code: Vec<(usize, usize)>,
}

impl McjitMemoryManager for TierMemory {
    fn allocate_code_section(
        &mut self,
        size: usize,
        _alignment: u32,
        _id: u32,
        _name: &str,
    ) -> *mut u8 {
        let p = allocate(size);
        if !p.is_null() {
            self.code
                .push((p as usize, size.max(1).div_ceil(page()) * page()));
        }
        p
    }

    fn allocate_data_section(
        &mut self,
        size: usize,
        _alignment: u32,
        _id: u32,
        _name: &str,
        _read_only: bool,
    ) -> *mut u8 {
        allocate(size)
    }

    fn finalize_memory(&mut self) -> Result<(), String> {
        for &(start, len) in &self.code {
            // SAFETY: page-aligned ranges of the reservation this engine
            // was given and nothing else uses.
            let ok = unsafe {
                libc::mprotect(
                    start as *mut libc::c_void,
                    len,
                    libc::PROT_READ | libc::PROT_EXEC,
                )
            };
            if ok != 0 {
                return Err("cannot make tiered code executable".into());
            }
        }
        Ok(())
    }

    /// Keeps the memory: other engines share the reservation, and the
    /// code may still be running.
    fn destroy(&mut self) {}
}
