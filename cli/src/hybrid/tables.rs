//! What compiled code and the tiered interpreter read to find compiled
//! code: the per-function native entries ([`FUNCTIONS_SYMBOL`]'s array,
//! which compiled code calls through), the boxed entries the interpreter
//! calls, and the OSR entries by loop header. Each is written once, when
//! its code is ready, with release order, after the code itself.
//!
//! [`FUNCTIONS_SYMBOL`]: janus_runtime::abi::tier::FUNCTIONS_SYMBOL

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Compiled code's addresses, by function.
pub struct Tables {
    /// Each function's `NativeEntry`, 0 while it has none.
    pub functions: Box<[AtomicUsize]>,
    /// Each function's `BoxedEntry`, 0 while it has none.
    pub boxed: Box<[AtomicUsize]>,
    /// `OsrEntry`s by function and loop header pc.
    osr: Mutex<HashMap<(u32, u32), usize>>,
}

/// What one compile made ready.
#[derive(Clone, Copy, Debug)]
pub struct Ready {
    /// The function's `NativeEntry`; 0 (none: a loop's compile makes only
    /// the OSR entry) leaves the slot as it is.
    pub native: usize,
    /// Its `BoxedEntry`; 0 likewise.
    pub boxed: usize,
    /// Its `OsrEntry` at a loop header, with the header's pc.
    pub osr: Option<(u32, usize)>,
}

impl Tables {
    /// Empty tables for `functions` functions.
    pub fn new(functions: usize) -> Tables {
        let zeros = || (0..functions).map(|_| AtomicUsize::new(0)).collect();
        Tables {
            functions: zeros(),
            boxed: zeros(),
            osr: Mutex::new(HashMap::new()),
        }
    }

    /// Publishes `func`'s compiled code; entries a function already has
    /// stay (each slot is written once).
    pub fn publish(&self, func: u32, ready: Ready) {
        let i = func as usize;
        let _ = self.functions[i].compare_exchange(
            0,
            ready.native,
            Ordering::Release,
            Ordering::Relaxed,
        );
        let _ =
            self.boxed[i].compare_exchange(0, ready.boxed, Ordering::Release, Ordering::Relaxed);
        if let Some((pc, entry)) = ready.osr {
            self.osr
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry((func, pc))
                .or_insert(entry);
        }
    }

    /// `func`'s boxed entry, 0 for none.
    pub fn boxed(&self, func: u32) -> usize {
        self.boxed[func as usize].load(Ordering::Acquire)
    }

    /// Whether `func` has an OSR entry at any loop header.
    pub fn has_osr(&self, func: u32) -> bool {
        self.osr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .any(|&(f, _)| f == func)
    }

    /// `func`'s OSR entry at the loop header at `pc`, if ready.
    pub fn osr(&self, func: u32, pc: u32) -> Option<usize> {
        self.osr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(func, pc))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_written_once() {
        let t = Tables::new(2);
        assert_eq!(t.boxed(1), 0);
        t.publish(
            1,
            Ready {
                native: 1,
                boxed: 2,
                osr: Some((5, 3)),
            },
        );
        t.publish(
            1,
            Ready {
                native: 7,
                boxed: 8,
                osr: Some((5, 9)),
            },
        );
        assert_eq!(t.boxed(1), 2);
        assert_eq!(t.functions[1].load(Ordering::Acquire), 1);
        assert_eq!(t.osr(1, 5), Some(3));
        assert_eq!(t.osr(1, 6), None);
        assert_eq!(t.boxed(0), 0);
    }
}
