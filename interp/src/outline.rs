//! What the dispatch loop runs out of line: `call_indirect`'s checks and
//! the runtime's memory and heap operations.

use janus_bytecode::bytecode::{Module, RuntimeOp};
use janus_runtime::abi::TrapKind;
use janus_runtime::machine::Machine;

/// The function `call_indirect` calls through table entry `index`, checked
/// in the order docs/ISA.md §6.5 gives, or its trap. Out of line: inlined,
/// the table's address would be a loop invariant the dispatch loop reloads
/// for every op.
#[inline(never)]
pub(crate) fn indirect_callee(module: &Module, sig: u32, index: u32) -> Result<u32, TrapKind> {
    let entry = *module
        .table
        .get(index as usize)
        .ok_or(TrapKind::TableOutOfBounds)?;
    let target = entry.ok_or(TrapKind::NullTableEntry)?;
    if module.functions[target as usize].sig != sig {
        return Err(TrapKind::SignatureMismatch);
    }
    Ok(target)
}

/// A memory or heap operation on its (up to three) operands: its result,
/// if it has one, or its trap.
pub(crate) fn runtime(
    machine: &mut Machine,
    op: RuntimeOp,
    a: [u32; 3],
) -> Result<Option<u64>, TrapKind> {
    match op {
        RuntimeOp::MemorySize => Ok(Some(u64::from(machine.memory.pages()))),
        RuntimeOp::MemoryGrow => Ok(Some(u64::from(machine.memory.grow(a[0]) as u32))),
        RuntimeOp::MemoryCopy => machine.memory_copy(a[0], a[1], a[2]).map(|()| None),
        RuntimeOp::MemoryFill => machine.memory_fill(a[0], a[1] as u8, a[2]).map(|()| None),
        RuntimeOp::HeapAlloc => Ok(Some(u64::from(
            machine.heap.alloc(&mut machine.memory, a[0]),
        ))),
        RuntimeOp::HeapFree => machine
            .heap
            .free(a[0])
            .map(|()| None)
            .map_err(|_| TrapKind::InvalidFree),
        RuntimeOp::HeapRealloc => machine
            .heap
            .realloc(&mut machine.memory, a[0], a[1])
            .map(|v| Some(u64::from(v)))
            .map_err(|_| TrapKind::InvalidFree),
    }
}
