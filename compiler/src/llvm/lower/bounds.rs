//! Bounds checks of a stretch of straight-line code made together: one
//! compare per address base, instead of one per access.
//!
//! WebAssembly compilers address a structure's fields as `base + k` with an
//! `i32.add` each, so a loop body checks `zext((base + k) mod 2^32) + end`
//! for every field: an add, a compare and a branch per access, which LLVM
//! cannot merge because the 32-bit add may wrap. But if `zext(base) +
//! reach <= size`, with `reach` the largest `k + end` of the stretch, no add
//! wraps and every access is inside memory. So a **window** — consecutive
//! instructions of one block from a check up to the next instruction that
//! can trap otherwise or has an effect beyond memory (a call, a device or
//! runtime operation, a branch) — gets one test per base at its first
//! check, branching to a cold path that runs the window's checks one by one
//! in program order, traps at the first that fails with its pc, and
//! otherwise returns to the fast path, which has no other checks.
//!
//! The trap is the one the program reaches first, with its pc: between the
//! window's first check and any other, only pure operations, loads and
//! stores run, and none of them can trap. What differs is that stores
//! between two checks have not happened when the later one traps, which
//! nothing can observe: a trap ends the program (docs/ISA.md §6.9).

use super::{e, R};
use crate::bytecode::PureOp;
use crate::ir::function::{Function, ValueDef};
use crate::ir::instructions::InstData;
use crate::ir::{Inst, Value};
use inkwell::values::IntValue;
use inkwell::IntPredicate;
use janus_runtime::abi::{TrapKind, ValType};
use std::collections::{HashMap, HashSet};

/// One bounds check of a window: the access at `base + offset` (a 32-bit
/// add) whose end is `end` bytes past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Check {
    /// The address's base value (the address itself when it is no add).
    pub base: Value,
    /// The constant the address adds to `base`, below 2^31.
    pub offset: u32,
    /// The access's end relative to the address (offset plus size).
    pub end: u64,
    /// The bytecode pc the check traps with.
    pub pc: u32,
}

/// One window: its checks in program order, and per base the reach that
/// proves them all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Window {
    /// Every check of the window, in program order.
    pub checks: Vec<Check>,
    /// Each base once, in first-use order, with the largest `offset + end`
    /// of its checks.
    pub reaches: Vec<(Value, u64)>,
}

/// The windows of one function.
#[derive(Debug, Default)]
pub(super) struct BoundsPlan {
    /// The window each window's first check opens.
    windows: HashMap<Inst, Window>,
    /// The later checks of every window, which the first one's test covers.
    covered: HashSet<Inst>,
}

impl BoundsPlan {
    /// Finds the windows of `f`: those of at least two checks on fewer bases
    /// than checks (a window of one check per base would cost as much).
    pub(super) fn of(f: &Function) -> BoundsPlan {
        let mut plan = BoundsPlan::default();
        for &block in &f.layout.blocks {
            let mut defined_here: HashMap<Value, usize> = HashMap::new();
            let mut open: Vec<(Inst, Check)> = Vec::new();
            let mut start = 0usize;
            for (k, &inst) in f.layout.block_insts(block).iter().enumerate() {
                match f.dfg.inst(inst) {
                    InstData::Bounds { addr, end } => {
                        let (base, offset) = split_address(f, *addr);
                        // The base must be known where the window's test is.
                        let known_at_start = defined_here.get(&base).is_none_or(|&d| d < start);
                        if !known_at_start {
                            plan.close(std::mem::take(&mut open));
                        }
                        if open.is_empty() {
                            start = k;
                        }
                        let pc = f.dfg.pcs[inst.index()];
                        open.push((
                            inst,
                            Check {
                                base,
                                offset,
                                end: *end,
                                pc,
                            },
                        ));
                    }
                    data if stays_in_window(data) => {}
                    _ => plan.close(std::mem::take(&mut open)),
                }
                for &r in f.dfg.inst_results(inst) {
                    defined_here.insert(r, k);
                }
            }
            plan.close(open);
        }
        plan
    }

    /// Records `checks` as a window if making them together pays.
    fn close(&mut self, checks: Vec<(Inst, Check)>) {
        let mut reaches: Vec<(Value, u64)> = Vec::new();
        for (_, c) in &checks {
            let reach = u64::from(c.offset) + c.end;
            match reaches.iter_mut().find(|(b, _)| *b == c.base) {
                Some((_, r)) => *r = (*r).max(reach),
                None => reaches.push((c.base, reach)),
            }
        }
        if checks.len() < 2 || reaches.len() == checks.len() {
            return;
        }
        let (first, _) = checks[0];
        self.covered.extend(checks[1..].iter().map(|(i, _)| *i));
        let checks = checks.into_iter().map(|(_, c)| c).collect();
        self.windows.insert(first, Window { checks, reaches });
    }

    /// The window `inst`, a check, opens, if any, taken out of the plan
    /// (each check is lowered once).
    pub(super) fn take_window(&mut self, inst: Inst) -> Option<Window> {
        self.windows.remove(&inst)
    }

    /// Whether `inst`, a check, opens a window still to be lowered.
    pub(super) fn has_window(&self, inst: Inst) -> bool {
        self.windows.contains_key(&inst)
    }

    /// Whether `inst`, a check, is covered by its window's first check.
    pub(super) fn is_covered(&self, inst: Inst) -> bool {
        self.covered.contains(&inst)
    }
}

/// The lowering of a window's checks.
impl<'ctx> super::FnLowering<'_, 'ctx> {
    /// At a window's first check: one test per base, and on failure the
    /// window's checks in program order, trapping at the first that fails
    /// and otherwise continuing where the test would have.
    pub(super) fn check_window(&mut self, window: &Window) -> R<()> {
        let size = self.current_size()?;
        let mut outside: Option<IntValue<'ctx>> = None;
        for &(base, reach) in &window.reaches {
            let base = self.zext(base)?;
            let end = self
                .b
                .build_int_add(base, self.i64c(reach), "reach")
                .map_err(e)?;
            let out = self
                .b
                .build_int_compare(IntPredicate::UGT, end, size, "oob.any")
                .map_err(e)?;
            outside = Some(match outside {
                Some(o) => self.b.build_or(o, out, "oob.any").map_err(e)?,
                None => out,
            });
        }
        let outside = outside.ok_or("a window has a base")?;
        let slow = self.c.append_basic_block(self.func, "bounds.each");
        let fast = self.c.append_basic_block(self.func, "bounds.ok");
        self.b
            .build_conditional_branch(outside, slow, fast)
            .map_err(e)?
            .set_metadata(self.rarely_true(), self.c.get_kind_id("prof"))
            .map_err(e)?;
        self.b.position_at_end(slow);
        for check in &window.checks {
            let addr = self
                .b
                .build_int_add(
                    self.int(check.base)?,
                    self.i32c(check.offset.into()),
                    "addr",
                )
                .map_err(e)?;
            let addr = self
                .b
                .build_int_z_extend(addr, self.c.i64_type(), "")
                .map_err(e)?;
            let end = self
                .b
                .build_int_add(addr, self.i64c(check.end), "end")
                .map_err(e)?;
            let out = self
                .b
                .build_int_compare(IntPredicate::UGT, end, size, "oob")
                .map_err(e)?;
            self.trap_when(out, TrapKind::OutOfBounds, check.pc)?;
        }
        self.b.build_unconditional_branch(fast).map_err(e)?;
        self.b.position_at_end(fast);
        Ok(())
    }

    /// `v`, an i32, zero-extended to i64.
    fn zext(&self, v: Value) -> R<IntValue<'ctx>> {
        self.b
            .build_int_z_extend(self.int(v)?, self.c.i64_type(), "")
            .map_err(e)
    }
}

/// `addr` as a base and a constant below 2^31 added to it: `(v, k)` when
/// `addr` is `i32.add v, k` (either order) of a constant `k`, else
/// `(addr, 0)`.
fn split_address(f: &Function, addr: Value) -> (Value, u32) {
    let small = |v: Value| {
        f.dfg
            .constant(v)
            .filter(|&bits| f.dfg.value_type(v) == ValType::I32 && bits < 1 << 31)
            .map(|bits| bits as u32)
    };
    if let ValueDef::Result(inst, _) = f.dfg.values[addr.index()].def {
        if let InstData::Pure {
            op: PureOp::I32Add,
            args,
        } = f.dfg.inst(inst)
        {
            if let [a, b] = args[..] {
                if let Some(k) = small(b) {
                    return (a, k);
                }
                if let Some(k) = small(a) {
                    return (b, k);
                }
            }
        }
    }
    (addr, 0)
}

/// Whether a window goes on across `data`: it cannot trap, and its only
/// effects are on memory, registers or globals, which a trap makes
/// unobservable.
fn stays_in_window(data: &InstData) -> bool {
    match data {
        InstData::Const { .. }
        | InstData::Pure { .. }
        | InstData::Load { .. }
        | InstData::Store { .. }
        | InstData::GlobalGet { .. }
        | InstData::GlobalSet { .. } => true,
        InstData::Bounds { .. }
        | InstData::TrapIf { .. }
        | InstData::DepthEnter
        | InstData::DepthLeave
        | InstData::Call { .. }
        | InstData::TableCheck { .. }
        | InstData::CallIndirect { .. }
        | InstData::Runtime { .. }
        | InstData::MemoryInit { .. }
        | InstData::DataDrop { .. }
        | InstData::Dev { .. }
        | InstData::Jump { .. }
        | InstData::Brif { .. }
        | InstData::BrTable { .. }
        | InstData::Return { .. }
        | InstData::Exit { .. }
        | InstData::Trap { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::parse::parse_module;

    fn plan(text: &str) -> (Function, BoundsPlan) {
        let mut m = parse_module(text).expect("the test's IR parses");
        let f = m.functions.remove(0);
        let plan = BoundsPlan::of(&f);
        (f, plan)
    }

    /// The checks of block 0, in order.
    fn checks(f: &Function) -> Vec<Inst> {
        let entry = f.layout.entry().expect("entry");
        f.layout
            .block_insts(entry)
            .iter()
            .copied()
            .filter(|&i| matches!(f.dfg.inst(i), InstData::Bounds { .. }))
            .collect()
    }

    const FIELDS: &str = "function f(i32) -> f64 {
block0(v0: i32):
    v1 = const.i32 8 @0
    v2 = i32.add v0, v1 @0
    bounds v2, 8 @1
    v3 = f64.load v2, 0 @1
    bounds v0, 8 @2
    v4 = f64.load v0, 0 @2
    v5 = f64.add v3, v4 @3
    bounds v0, 24 @4
    f64.store v5, v0, 16 @4
    return v5 @5
}
";

    #[test]
    fn fields_of_one_base_are_checked_together_up_to_the_largest_reach() {
        let (f, mut plan) = plan(FIELDS);
        let c = checks(&f);
        let window = plan.take_window(c[0]).expect("a window at the first check");
        assert_eq!(window.reaches, vec![(Value::new(0), 24)]);
        let pcs: Vec<u32> = window.checks.iter().map(|c| c.pc).collect();
        assert_eq!(pcs, vec![1, 2, 4]);
        assert_eq!(window.checks[0].offset, 8);
        assert!(plan.is_covered(c[1]) && plan.is_covered(c[2]));
        assert!(!plan.is_covered(c[0]));
    }

    const SPLIT_BY_A_TRAP: &str = "function f(i32) -> i32 {
block0(v0: i32):
    bounds v0, 4 @0
    v1 = i32.load v0, 0 @0
    trapz v1, divide_by_zero @1
    bounds v0, 8 @2
    v2 = i32.load v0, 4 @2
    return v2 @3
}
";

    #[test]
    fn another_trap_ends_the_window() {
        let (f, mut plan) = plan(SPLIT_BY_A_TRAP);
        let c = checks(&f);
        assert!(plan.take_window(c[0]).is_none());
        assert!(plan.take_window(c[1]).is_none());
        assert!(!plan.is_covered(c[1]));
    }

    const LATE_BASE: &str = "function f(i32) -> i32 {
block0(v0: i32):
    bounds v0, 4 @0
    v1 = i32.load v0, 0 @0
    bounds v1, 4 @1
    v2 = i32.load v1, 0 @1
    bounds v1, 8 @2
    v3 = i32.load v1, 4 @2
    return v3 @3
}
";

    #[test]
    fn a_base_defined_inside_the_window_starts_a_new_one() {
        let (f, mut plan) = plan(LATE_BASE);
        let c = checks(&f);
        // v1 is loaded after the first check, so it cannot be tested there:
        // the first check stays alone, and v1's two checks make a window.
        assert!(plan.take_window(c[0]).is_none());
        let window = plan.take_window(c[1]).expect("v1's window");
        assert_eq!(window.reaches, vec![(Value::new(1), 8)]);
        assert!(plan.is_covered(c[2]));
    }
}
