//! Linear memory: reserved once at its maximum size, so its base never moves
//! and generated code can keep the base in a register; pages are made
//! accessible as the memory grows. Every byte starts at zero.

use crate::abi::PAGE_SIZE;

/// A program's linear memory.
#[derive(Debug)]
pub struct LinearMemory {
    base: *mut u8,
    size: u64,
    max: u64,
    reserved: usize,
}

// The memory is owned by one program, which runs on one thread at a time.
unsafe impl Send for LinearMemory {}

impl LinearMemory {
    /// Reserves `max_pages` and makes `initial_pages` accessible. `None` if
    /// the host refuses the reservation or `initial_pages > max_pages`.
    pub fn new(initial_pages: u32, max_pages: u32) -> Option<Self> {
        if initial_pages > max_pages {
            return None;
        }
        let max = u64::from(max_pages) * PAGE_SIZE;
        let reserved = usize::try_from(max).ok()?;
        let base = if reserved == 0 {
            core::ptr::NonNull::<u64>::dangling().as_ptr().cast()
        } else {
            // SAFETY: an anonymous private mapping with no access; checked below.
            let p = unsafe {
                libc::mmap(
                    core::ptr::null_mut(),
                    reserved,
                    libc::PROT_NONE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                return None;
            }
            p.cast()
        };
        let mut memory = LinearMemory {
            base,
            size: 0,
            max,
            reserved,
        };
        if memory.grow(initial_pages) < 0 {
            return None;
        }
        Some(memory)
    }

    /// The address of byte 0.
    pub fn base(&self) -> *mut u8 {
        self.base
    }

    /// The current size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The current size in pages.
    pub fn pages(&self) -> u32 {
        (self.size / PAGE_SIZE) as u32
    }

    /// Grows by `delta` pages; the old page count, or -1 (and no change) past
    /// the maximum or if the host refuses.
    pub fn grow(&mut self, delta: u32) -> i32 {
        let old = self.pages();
        let new_size = self.size + u64::from(delta) * PAGE_SIZE;
        if new_size > self.max {
            return -1;
        }
        if delta > 0 {
            // SAFETY: [size, new_size) lies inside the reservation.
            let ok = unsafe {
                libc::mprotect(
                    self.base.add(self.size as usize).cast(),
                    (new_size - self.size) as usize,
                    libc::PROT_READ | libc::PROT_WRITE,
                )
            };
            if ok != 0 {
                return -1;
            }
        }
        self.size = new_size;
        old as i32
    }

    /// Whether `[addr, addr + len)` lies inside the memory.
    pub fn in_bounds(&self, addr: u32, len: u64) -> bool {
        u64::from(addr) + len <= self.size
    }

    /// The accessible bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: [base, base + size) is mapped read-write and owned by self.
        unsafe { core::slice::from_raw_parts(self.base, self.size as usize) }
    }

    /// The accessible bytes, mutably.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, and `&mut self` makes the borrow unique.
        unsafe { core::slice::from_raw_parts_mut(self.base, self.size as usize) }
    }

    /// `len` bytes at `addr`, if in bounds.
    pub fn slice(&self, addr: u32, len: u32) -> Option<&[u8]> {
        self.in_bounds(addr, u64::from(len))
            .then(|| &self.bytes()[addr as usize..addr as usize + len as usize])
    }

    /// `len` bytes at `addr`, mutably, if in bounds.
    pub fn slice_mut(&mut self, addr: u32, len: u32) -> Option<&mut [u8]> {
        if !self.in_bounds(addr, u64::from(len)) {
            return None;
        }
        Some(&mut self.bytes_mut()[addr as usize..addr as usize + len as usize])
    }
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        if self.reserved > 0 {
            // SAFETY: unmapping exactly the reservation made in `new`.
            unsafe {
                libc::munmap(self.base.cast(), self.reserved);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_its_maximum_and_no_further_and_starts_zeroed() {
        let mut m = LinearMemory::new(1, 3).expect("reserve");
        assert_eq!(m.pages(), 1);
        assert!(m.bytes().iter().all(|&b| b == 0));
        m.bytes_mut()[65_535] = 7;
        assert_eq!(m.grow(2), 1);
        assert_eq!(m.pages(), 3);
        assert_eq!(m.bytes()[65_535], 7);
        assert_eq!(m.grow(1), -1);
        assert!(m.in_bounds(3 * 65_536 - 4, 4));
        assert!(!m.in_bounds(3 * 65_536 - 3, 4));
        assert!(!m.in_bounds(u32::MAX, 8));
        let empty = LinearMemory::new(0, 0).expect("no memory");
        assert_eq!(empty.size(), 0);
        assert!(LinearMemory::new(2, 1).is_none());
    }
}
