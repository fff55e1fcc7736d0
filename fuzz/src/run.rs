//! Running an accepted module in the interpreter, only when that is cheap
//! and provably bounded, since the interpreter has no step budget of its own.
//!
//! The interpreter trusts the verifier (it reads registers through raw
//! pointers), so running what the verifier accepted is how a gap in the
//! verifier shows up as a crash. A module is run only when its work has a
//! small static bound: every jump goes forward, the call graph (direct calls,
//! and every table entry for `call_indirect`) has no cycle, and so each
//! function executes at most its own instructions plus its callees' bound
//! per call site; the bound of `main` must be at most [`MAX_STEPS`]. It must
//! use no device (no output, files, sockets or clocks) and declare at most
//! [`MAX_PAGES`] pages, so `memory.fill` and `memory.copy` stay small.

use janus_bytecode::bytecode::{Module, Opcode, Operand};
use janus_interp::Outcome;
use janus_runtime::config::DeviceConfig;
use janus_runtime::machine::Machine;

/// The most instructions a run may execute, by the static bound.
pub const MAX_STEPS: u64 = 100_000;
/// The most pages of memory a run may declare.
pub const MAX_PAGES: u32 = 4;

/// The static bound on the instructions `main` executes, or `None` when
/// there is none (a backward jump, a call cycle, a device) or the module is
/// too big to run cheaply. `module` must be verified.
pub fn step_bound(module: &Module) -> Option<u64> {
    if module.memory.is_some_and(|m| m.max_pages > MAX_PAGES) {
        return None;
    }
    let n = module.functions.len();
    // Callees of each function, and whether its code may loop or use a device.
    let mut callees: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (f, func) in module.functions.iter().enumerate() {
        for (inst, pc) in func.code.iter().zip(func.pcs()) {
            match inst.opcode {
                Opcode::Dev => return None,
                Opcode::Call => {
                    if let Some(Operand::U32(callee)) = inst.operands.first() {
                        callees[f].push(*callee as usize);
                    }
                }
                Opcode::CallIndirect => {
                    callees[f].extend(module.table.iter().flatten().map(|&t| t as usize))
                }
                _ => {}
            }
            if inst.targets().iter().any(|&target| target <= pc) {
                return None;
            }
        }
    }
    // Bounds in post-order of an explicit-stack depth-first walk; a function
    // met again while still on the stack is a cycle.
    const UNSEEN: u8 = 0;
    const ON_STACK: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNSEEN; n];
    let mut bound = vec![0u64; n];
    let main = module.export("main")? as usize;
    let mut stack = vec![(main, 0usize)];
    state[main] = ON_STACK;
    while let Some(top) = stack.last_mut() {
        let f = top.0;
        if let Some(&callee) = callees[f].get(top.1) {
            top.1 += 1;
            match state[callee] {
                UNSEEN => {
                    state[callee] = ON_STACK;
                    stack.push((callee, 0));
                }
                ON_STACK => return None,
                _ => {}
            }
            continue;
        }
        let own = module.functions[f].code.len() as u64;
        bound[f] = callees[f]
            .iter()
            .fold(own, |sum, &c| sum.saturating_add(bound[c]));
        state[f] = DONE;
        stack.pop();
    }
    Some(bound[main]).filter(|&b| b <= MAX_STEPS)
}

/// Runs a verified, bounded module's `main` on a machine with no devices
/// attached.
pub fn run(module: &Module) -> Outcome {
    let memory = module.memory.unwrap_or_default();
    let heap_base = janus_runtime::abi::heap_base(module.active_data());
    let names = module.functions.iter().map(|f| f.name.clone()).collect();
    let mut machine = Machine::new(
        memory.initial_pages,
        memory.max_pages,
        heap_base,
        Vec::new(),
        names,
        DeviceConfig::default(),
    )
    .expect("a machine of at most MAX_PAGES pages with no devices can be set up");
    for seg in &module.data {
        assert!(
            machine.start_segment(seg.address(), &seg.bytes),
            "verified data fits in memory"
        );
    }
    janus_interp::run(module, &mut machine)
}
