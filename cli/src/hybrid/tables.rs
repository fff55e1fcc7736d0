//! What compiled code and the tiered interpreter read to find compiled
//! code: the per-function native entries ([`FUNCTIONS_SYMBOL`]'s array,
//! which compiled code calls through), the boxed entries the interpreter
//! calls, and the OSR entries (each entering at any of the loop headers
//! its loop reaches, `Function::loop_headers_from`). Each is written once,
//! when its code is ready, with release order, after the code itself.
//!
//! [`FUNCTIONS_SYMBOL`]: janus_runtime::abi::tier::FUNCTIONS_SYMBOL

use janus_bytecode::bytecode::Module;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Compiled code's addresses, by function.
pub struct Tables {
    /// Each function's `NativeEntry`, 0 while it has none.
    pub functions: Box<[AtomicUsize]>,
    /// Each function's `BoxedEntry`, 0 while it has none.
    pub boxed: Box<[AtomicUsize]>,
    /// `OsrEntry`s by function, each with the loop headers it enters at
    /// (it takes the index of one in that list).
    osr: Mutex<HashMap<u32, Vec<(usize, Vec<u32>)>>>,
    /// The program, for its functions' loop headers.
    module: &'static Module,
}

/// What one compile made ready.
#[derive(Clone, Copy, Debug)]
pub struct Ready {
    /// The function's `NativeEntry`; 0 (none: a loop's compile makes only
    /// the OSR entry) leaves the slot as it is.
    pub native: usize,
    /// Its `BoxedEntry`; 0 likewise.
    pub boxed: usize,
    /// Its `OsrEntry`, with the loop header it was compiled for.
    pub osr: Option<(u32, usize)>,
}

impl Tables {
    /// Empty tables for the functions of `module`.
    pub fn new(module: &'static Module) -> Tables {
        let count = module.functions.len();
        let zeros = || (0..count).map(|_| AtomicUsize::new(0)).collect();
        Tables {
            functions: zeros(),
            boxed: zeros(),
            osr: Mutex::new(HashMap::new()),
            module,
        }
    }

    /// Publishes `func`'s compiled code; entries a function already has
    /// stay (each slot is written once). Returns the loop headers the OSR
    /// entry enters at (none without one), for the report.
    pub fn publish(&self, func: u32, ready: Ready) -> Vec<u32> {
        let i = func as usize;
        let _ = self.functions[i].compare_exchange(
            0,
            ready.native,
            Ordering::Release,
            Ordering::Relaxed,
        );
        let _ =
            self.boxed[i].compare_exchange(0, ready.boxed, Ordering::Release, Ordering::Relaxed);
        let Some((pc, entry)) = ready.osr else {
            return Vec::new();
        };
        let headers = self.module.functions[i].loop_headers_from(pc);
        self.osr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(func)
            .or_default()
            .push((entry, headers.clone()));
        headers
    }

    /// `func`'s boxed entry, 0 for none.
    pub fn boxed(&self, func: u32) -> usize {
        self.boxed[func as usize].load(Ordering::Acquire)
    }

    /// An OSR entry of `func` that enters at the loop header at `pc`, if
    /// one is ready, and the index of that header it takes.
    pub fn osr(&self, func: u32, pc: u32) -> Option<(usize, u32)> {
        let osr = self.osr.lock().unwrap_or_else(|e| e.into_inner());
        osr.get(&func)?.iter().find_map(|(entry, headers)| {
            let header = headers.binary_search(&pc).ok()?;
            Some((*entry, header as u32))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two functions; `main`'s one loop header is `loop`.
    const PROGRAM: &str = "export main
func f() -> i32
    reg r0: i32
    i32.const r0, 1
    ret [r0]
end
func main() -> i32
    reg r0..r1: i32
    i32.const r0, 3
loop:
    i32.const r1, 1
    i32.sub r0, r0, r1
    br_if r0, loop
    ret [r0]
end
";

    #[test]
    fn entries_are_written_once() {
        let module: &'static Module = Box::leak(Box::new(
            janus_bytecode::load(PROGRAM.as_bytes())
                .expect("valid")
                .module,
        ));
        let header = module.functions[1].loop_headers_from(0)[0];
        let t = Tables::new(module);
        assert_eq!(t.boxed(1), 0);
        assert_eq!(t.osr(1, header), None);
        t.publish(
            1,
            Ready {
                native: 1,
                boxed: 2,
                osr: Some((header, 3)),
            },
        );
        t.publish(
            1,
            Ready {
                native: 7,
                boxed: 8,
                osr: Some((header, 9)),
            },
        );
        assert_eq!(t.boxed(1), 2);
        assert_eq!(t.functions[1].load(Ordering::Acquire), 1);
        // Both entries are kept; the first one found serves.
        assert_eq!(t.osr(1, header), Some((3, 0)));
        assert_eq!(t.osr(1, header + 1), None, "not a loop header");
        assert_eq!(t.osr(0, 0), None);
        assert_eq!(t.boxed(0), 0);
    }
}
