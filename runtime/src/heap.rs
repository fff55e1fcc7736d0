//! The heap allocator behind `heap.alloc`, `heap.free` and `heap.realloc`.
//!
//! Blocks live in linear memory from the heap base upwards; the bookkeeping
//! lives outside it, so a program cannot corrupt it. Small blocks (at most
//! [`SMALL_MAX`] bytes) are recycled last-freed-first from one list per
//! size, which makes the allocate-free churn of tree and list programs a
//! few instructions each; larger blocks are placed first-fit over an
//! address-ordered free list whose neighbours are coalesced. When nothing
//! fits, the small free blocks are merged back into that list and, failing
//! that, memory grows (up to its maximum) by the pages needed. The same
//! calls give the same addresses in every engine and on every run. Every
//! block is 16-byte aligned, at least 16 bytes, and zero-filled when handed
//! out.

use crate::abi::{HEAP_ALIGN, PAGE_SIZE};
use crate::memory::LinearMemory;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// The largest block size served from the per-size lists.
pub const SMALL_MAX: u32 = 512;

/// The `live` mark of a block of at least `LARGE` granules.
const LARGE: u8 = u8::MAX;

/// Per-size lists: one for each multiple of 16 up to [`SMALL_MAX`].
const BINS: usize = (SMALL_MAX / HEAP_ALIGN) as usize;

/// The allocator's state.
#[derive(Debug, Default, Clone)]
pub struct Heap {
    /// Free blocks outside the per-size lists and below `tail`: address to
    /// size, never adjacent to each other or to the tail (they are
    /// coalesced).
    free: BTreeMap<u32, u32>,
    /// The free space at the top of the heap, `tail..top`: the last block
    /// of the coalescing list, kept apart so allocating from it is a bump.
    tail: u64,
    /// Free small blocks by size (`bins[k]` holds blocks of `16 * (k + 1)`
    /// bytes), the most recently freed last.
    bins: Vec<Vec<u32>>,
    /// Per 16-byte granule from the base: the size in granules of the live
    /// block that starts there, 0 where none does, [`LARGE`] for a block
    /// too large to say (its size is then in `large`). A byte, so the
    /// table is a sixteenth of the heap and stays in cache. Covers the heap
    /// up to `top`.
    live: Vec<u8>,
    /// Sizes of the live blocks marked [`LARGE`].
    large: BTreeMap<u32, u32>,
    /// Bytes in live blocks.
    live_total: u64,
    /// Where the heap starts.
    base: u32,
    /// The memory size (bytes) the heap has taken in so far.
    top: u64,
}

/// `free` or `realloc` of an address that is not a live block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidFree;

fn round_up(size: u32) -> Option<u32> {
    let size = size.max(1);
    size.checked_add(HEAP_ALIGN - 1)
        .map(|s| s & !(HEAP_ALIGN - 1))
}

/// The per-size list of a block size, when it is small.
fn bin_of(size: u32) -> Option<usize> {
    (size <= SMALL_MAX).then(|| (size / HEAP_ALIGN) as usize - 1)
}

/// The block size per-size list `k` holds.
fn bin_size(k: usize) -> u32 {
    (k as u32 + 1) * HEAP_ALIGN
}

impl Heap {
    /// A heap starting at `base` (see `abi::heap_base`).
    pub fn new(base: u32) -> Self {
        Heap {
            free: BTreeMap::new(),
            bins: (0..BINS).map(|_| Vec::new()).collect(),
            live: Vec::new(),
            large: BTreeMap::new(),
            live_total: 0,
            base,
            tail: u64::from(base),
            top: u64::from(base),
        }
    }

    /// The `live` index of a block address, if it could start a block.
    fn granule(&self, addr: u32) -> Option<usize> {
        let offset = addr.checked_sub(self.base)?;
        (offset % HEAP_ALIGN == 0).then_some((offset / HEAP_ALIGN) as usize)
    }

    /// Takes memory between the heap's top and the memory's end into the
    /// free list (memory may have grown through `memory.grow` too).
    fn take_in(&mut self, memory: &LinearMemory) {
        let end = memory
            .size()
            .min(u64::from(u32::MAX) & !u64::from(HEAP_ALIGN - 1));
        if end > self.top {
            self.top = end;
            let granules = ((end - u64::from(self.base)) / u64::from(HEAP_ALIGN)) as usize;
            self.live.resize(granules, 0);
        }
    }

    fn insert_free(&mut self, mut addr: u32, mut size: u32) {
        if let Some((&prev, &prev_size)) = self.free.range(..addr).next_back() {
            if u64::from(prev) + u64::from(prev_size) == u64::from(addr) {
                self.free.remove(&prev);
                addr = prev;
                size += prev_size;
            }
        }
        let end = u64::from(addr) + u64::from(size);
        if end == self.tail {
            self.tail = u64::from(addr);
            return;
        }
        if let Some(next_size) = self.free.remove(&(end as u32)) {
            size += next_size;
        }
        self.free.insert(addr, size);
    }

    /// Returns a block that is no longer live to the free lists.
    fn release(&mut self, addr: u32, size: u32) {
        match bin_of(size) {
            Some(k) => self.bins[k].push(addr),
            None => self.insert_free(addr, size),
        }
    }

    /// Moves every small free block into the coalescing list, so their
    /// space can serve other sizes. Returns whether there were any.
    fn consolidate(&mut self) -> bool {
        let mut any = false;
        for k in 0..BINS {
            let size = bin_size(k);
            for addr in core::mem::take(&mut self.bins[k]) {
                self.insert_free(addr, size);
                any = true;
            }
        }
        any
    }

    /// The lowest free block of at least `size` bytes: from the list, else
    /// the tail.
    fn first_fit(&self, size: u32) -> Option<(u32, u32)> {
        self.free
            .iter()
            .find(|(_, &s)| s >= size)
            .map(|(&a, &s)| (a, s))
            .or_else(|| {
                let room = self.tail_room();
                (room >= size).then_some((self.tail as u32, room))
            })
    }

    /// The bytes free at the top, `tail..top` (under 4 GiB: `top` is).
    fn tail_room(&self) -> u32 {
        (self.top - self.tail) as u32
    }

    /// Takes the first `size` bytes of the free block `(addr, block)` that
    /// `first_fit` found, leaving the rest free.
    fn take(&mut self, addr: u32, block: u32, size: u32) {
        if u64::from(addr) == self.tail {
            self.tail += u64::from(size);
            return;
        }
        self.free.remove(&addr);
        if block > size {
            self.free.insert(addr + size, block - size);
        }
    }

    /// A free block of at least `size` bytes from the coalescing list,
    /// merging the small blocks and then growing memory when none is there.
    fn find(&mut self, memory: &mut LinearMemory, size: u32) -> Option<(u32, u32)> {
        if let Some(block) = self.first_fit(size) {
            return Some(block);
        }
        if self.consolidate() {
            if let Some(block) = self.first_fit(size) {
                return Some(block);
            }
        }
        // Grow by what the tail lacks.
        let need = u64::from(size).saturating_sub(self.top - self.tail);
        let pages = need.div_ceil(PAGE_SIZE);
        if pages > u64::from(u32::MAX) || memory.grow(pages as u32) < 0 {
            return None;
        }
        self.take_in(memory);
        self.first_fit(size)
    }

    /// Records a block as live.
    fn mark_live(&mut self, addr: u32, size: u32) {
        let g = self.granule(addr).expect("heap blocks are aligned");
        let granules = size / HEAP_ALIGN;
        self.live[g] = match u8::try_from(granules) {
            Ok(small) if small < LARGE => small,
            _ => {
                self.large.insert(addr, size);
                LARGE
            }
        };
        self.live_total += u64::from(size);
    }

    /// Allocates a zero-filled block of at least `size` bytes; 0 when memory
    /// cannot hold it even at its maximum size.
    pub fn alloc(&mut self, memory: &mut LinearMemory, size: u32) -> u32 {
        let Some(size) = round_up(size) else { return 0 };
        self.take_in(memory);
        let recycled = bin_of(size).and_then(|k| self.bins[k].pop());
        let addr = match recycled {
            Some(addr) => addr,
            None => {
                let Some((addr, block)) = self.find(memory, size) else {
                    return 0;
                };
                self.take(addr, block, size);
                addr
            }
        };
        self.mark_live(addr, size);
        if let Some(bytes) = memory.slice_mut(addr, size) {
            if size <= SMALL_MAX {
                // Whole 16-byte stores: a call to memset costs more than
                // the few stores a small block needs.
                for granule in bytes.chunks_exact_mut(HEAP_ALIGN as usize) {
                    granule.copy_from_slice(&[0; HEAP_ALIGN as usize]);
                }
            } else {
                bytes.fill(0);
            }
        }
        addr
    }

    /// The size of the live block at `addr`.
    fn live_size(&self, addr: u32) -> Result<u32, InvalidFree> {
        let g = self.granule(addr).ok_or(InvalidFree)?;
        match self.live.get(g) {
            None | Some(0) => Err(InvalidFree),
            Some(&LARGE) => self.large.get(&addr).copied().ok_or(InvalidFree),
            Some(&granules) => Ok(u32::from(granules) * HEAP_ALIGN),
        }
    }

    /// Forgets a live block of `size` bytes at `addr`.
    fn unmark_live(&mut self, addr: u32, size: u32) {
        let g = self.granule(addr).expect("a live block");
        if self.live[g] == LARGE {
            self.large.remove(&addr);
        }
        self.live[g] = 0;
        self.live_total -= u64::from(size);
    }

    /// Frees a live block; 0 is a no-op.
    pub fn free(&mut self, addr: u32) -> Result<(), InvalidFree> {
        if addr == 0 {
            return Ok(());
        }
        let size = self.live_size(addr)?;
        self.unmark_live(addr, size);
        self.release(addr, size);
        Ok(())
    }

    /// Resizes a live block (0 allocates), keeping its contents up to the
    /// smaller size; new bytes are zero. `Ok(0)` when there is no room, the
    /// old block then still live.
    pub fn realloc(
        &mut self,
        memory: &mut LinearMemory,
        addr: u32,
        size: u32,
    ) -> Result<u32, InvalidFree> {
        if addr == 0 {
            return Ok(self.alloc(memory, size));
        }
        let old = self.live_size(addr)?;
        let Some(new) = round_up(size) else {
            return Ok(0);
        };
        if new <= old {
            if new < old {
                self.unmark_live(addr, old);
                self.mark_live(addr, new);
                self.release(addr + new, old - new);
            }
            return Ok(addr);
        }
        self.take_in(memory);
        let end = addr + old;
        let next = if u64::from(end) == self.tail {
            Some(self.tail_room())
        } else {
            self.free.get(&end).copied()
        };
        if let Some(next) = next {
            if u64::from(old) + u64::from(next) >= u64::from(new) {
                self.take(end, next, new - old);
                self.unmark_live(addr, old);
                self.mark_live(addr, new);
                if let Some(bytes) = memory.slice_mut(end, new - old) {
                    bytes.fill(0);
                }
                return Ok(addr);
            }
        }
        let moved = self.alloc(memory, new);
        if moved == 0 {
            return Ok(0);
        }
        memory
            .bytes_mut()
            .copy_within(addr as usize..(addr + old) as usize, moved as usize);
        self.free(addr)?;
        Ok(moved)
    }

    /// Bytes in live blocks.
    pub fn live_bytes(&self) -> u64 {
        self.live_total
    }

    /// Bytes in free blocks, and the largest free block: fragmentation is
    /// `1 - largest / free`.
    pub fn free_bytes(&self) -> (u64, u32) {
        let binned = self.bins.iter().enumerate().map(|(k, b)| {
            let size = bin_size(k);
            (
                b.len() as u64 * u64::from(size),
                if b.is_empty() { 0 } else { size },
            )
        });
        let (mut total, mut largest) = binned.fold((0, 0), |(t, l), (bt, bl)| (t + bt, l.max(bl)));
        for &s in self.free.values().chain([&self.tail_room()]) {
            total += u64::from(s);
            largest = largest.max(s);
        }
        (total, largest)
    }

    /// The heap's base.
    pub fn base(&self) -> u32 {
        self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    #[derive(Debug, Clone)]
    enum Op {
        Alloc(u32),
        Free(usize),
        Realloc(usize, u32),
        FreeBogus(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u32..5000).prop_map(Op::Alloc),
            (0usize..64).prop_map(Op::Free),
            ((0usize..64), (0u32..9000)).prop_map(|(i, s)| Op::Realloc(i, s)),
            (1u32..200_000).prop_map(Op::FreeBogus),
        ]
    }

    /// Runs ops against the heap and a model (live blocks with their
    /// contents), checking every invariant after each; returns the addresses.
    fn run(ops: &[Op]) -> Vec<u32> {
        let mut memory = LinearMemory::new(1, 4).expect("memory");
        let mut heap = Heap::new(64);
        let mut model: Vec<(u32, u32, u8)> = Vec::new(); // addr, requested size, fill byte
        let mut addresses = Vec::new();
        for (step, op) in ops.iter().enumerate() {
            let fill = (step % 251) as u8 + 1;
            match *op {
                Op::Alloc(size) => {
                    let a = heap.alloc(&mut memory, size);
                    addresses.push(a);
                    if a != 0 {
                        assert_eq!(a % 16, 0);
                        assert!(a >= 64);
                        let bytes = memory.slice_mut(a, size).expect("block inside memory");
                        assert!(bytes.iter().all(|&b| b == 0), "fresh blocks are zeroed");
                        bytes.fill(fill);
                        model.push((a, size, fill));
                    }
                }
                Op::Free(i) if !model.is_empty() => {
                    let (a, _, _) = model.remove(i % model.len());
                    assert_eq!(heap.free(a), Ok(()));
                    assert_eq!(heap.free(a), Err(InvalidFree), "double free is caught");
                }
                Op::Realloc(i, size) if !model.is_empty() => {
                    let i = i % model.len();
                    let (a, old, byte) = model[i];
                    let b = heap.realloc(&mut memory, a, size).expect("live block");
                    addresses.push(b);
                    if b != 0 {
                        // Requested bytes survive; bytes past the old block
                        // (the request rounded up to 16) are zero; the slack
                        // in between is the old block's own.
                        let keep = old.min(size) as usize;
                        let old_block = round_up(old).expect("small") as usize;
                        let bytes = memory.slice(b, size).expect("inside memory");
                        assert!(bytes[..keep].iter().all(|&x| x == byte), "contents kept");
                        assert!(
                            bytes[old_block.min(size as usize)..]
                                .iter()
                                .all(|&x| x == 0),
                            "growth is zeroed"
                        );
                        memory.slice_mut(b, size).expect("inside").fill(fill);
                        model[i] = (b, size, fill);
                    }
                }
                Op::FreeBogus(a) => {
                    if !model.iter().any(|&(m, _, _)| m == a) {
                        assert_eq!(heap.free(a), Err(InvalidFree));
                    }
                }
                _ => {}
            }
            // Live blocks never overlap and keep their contents.
            let mut sorted = model.clone();
            sorted.sort();
            for w in sorted.windows(2) {
                assert!(
                    u64::from(w[0].0) + u64::from(w[0].1.max(1)) <= u64::from(w[1].0),
                    "overlap: {w:?}"
                );
            }
            for &(a, size, byte) in &model {
                assert!(memory
                    .slice(a, size)
                    .expect("inside")
                    .iter()
                    .all(|&x| x == byte));
            }
        }
        addresses
    }

    proptest! {
        #[test]
        fn heap_matches_its_model_and_is_deterministic(ops in proptest::collection::vec(op(), 1..120)) {
            let first = run(&ops);
            let second = run(&ops);
            prop_assert_eq!(first, second);
        }
    }

    #[test]
    fn small_blocks_are_recycled_last_freed_first() {
        let mut memory = LinearMemory::new(1, 1).expect("memory");
        let mut heap = Heap::new(16);
        let a = heap.alloc(&mut memory, 24);
        let b = heap.alloc(&mut memory, 32);
        heap.free(a).expect("live");
        heap.free(b).expect("live");
        assert_eq!(heap.alloc(&mut memory, 30), b);
        assert_eq!(heap.alloc(&mut memory, 17), a);
        assert_eq!(heap.free(a + 16), Err(InvalidFree), "inside a block");
    }

    #[test]
    fn small_free_blocks_merge_when_nothing_else_fits() {
        let mut memory = LinearMemory::new(1, 1).expect("memory");
        let mut heap = Heap::new(16);
        let a = heap.alloc(&mut memory, 100);
        let b = heap.alloc(&mut memory, 100);
        let rest = heap.alloc(&mut memory, 65536 - 16 - 224);
        assert_ne!(rest, 0, "the rest of the page");
        assert_eq!(heap.alloc(&mut memory, 16), 0, "the page is full");
        heap.free(a).expect("live");
        heap.free(b).expect("live");
        assert_eq!(heap.alloc(&mut memory, 200), a, "a and b coalesced");
        heap.free(rest).expect("live");
        assert_eq!(heap.alloc(&mut memory, 70_000), 0, "past the maximum");
    }
}
