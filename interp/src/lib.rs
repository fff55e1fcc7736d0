//! The reference interpreter: runs verified bytecode directly, the
//! independent implementation the compiler is checked against.
//!
//! Each function is decoded once (`decode.rs`) into [`op::Op`]s, one per
//! instruction or fused group (`fuse.rs`), with register numbers made
//! frame slots and jump targets made offsets, so the dispatch loop
//! (`exec.rs`) does no decoding, no allocation and no map lookups. Every
//! pure operation has its own op, computed by
//! `bytecode::semantics::eval_inline`, the executable definition of the VM's
//! arithmetic; memory, heap and devices are the runtime's [`Machine`],
//! shared with compiled code.
//!
//! The same loop, monomorphised with tiering on ([`tier`]), is the
//! interpreter of the hybrid engine: it calls compiled code where a function
//! has some, counts calls and backward jumps, moves hot loops to compiled
//! code by on-stack replacement, and runs re-entrantly below compiled code.

#[macro_use]
mod op;
mod decode;
mod exec;
mod fuse;
mod outline;
pub mod tier;

pub use exec::{run, Program};
use janus_bytecode::bytecode::Module;
use janus_runtime::abi::{self, TrapKind};
use janus_runtime::machine::Machine;

/// How a program run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `main` returned or `exit` ran: the status (already `& 0xff`).
    Exit(i32),
    /// A trap.
    Trap {
        /// Which.
        kind: TrapKind,
        /// The function's index.
        func: u32,
        /// The bytecode pc.
        pc: u32,
        /// The user code, for user traps.
        code: u32,
    },
}

/// The trap message every engine prints.
pub fn trap_message(module: &Module, kind: TrapKind, func: u32, pc: u32, code: u32) -> String {
    let name = module
        .functions
        .get(func as usize)
        .map_or("?", |f| f.name.as_str());
    let source = module
        .source
        .as_ref()
        .and_then(|s| Some((s.kind.as_str(), s.lookup(func, pc)?)));
    janus_runtime::machine::trap_text(kind, code, name, pc, source)
}

/// The machine a module runs on, with device options from the environment.
pub fn machine_for(module: &Module, args: Vec<Vec<u8>>) -> Result<Machine, String> {
    // Raw bytes, as `janus_start` reads them: a value that is not UTF-8 is
    // an error under every engine, not an unset variable here.
    let config = janus_runtime::config::DeviceConfig::from_env(|k| {
        std::env::var_os(k).map(std::ffi::OsString::into_encoded_bytes)
    })?;
    let memory = module.memory.unwrap_or_default();
    let heap_base = abi::heap_base(module.active_data());
    let names = module.functions.iter().map(|f| f.name.clone()).collect();
    let mut m = Machine::new(
        memory.initial_pages,
        memory.max_pages,
        heap_base,
        args,
        names,
        config,
    )?;
    for seg in &module.data {
        m.start_segment(seg.address(), &seg.bytes);
    }
    m.source = module
        .source
        .as_ref()
        .map(|s| janus_runtime::machine::TrapSource {
            kind: s.kind.clone(),
            offsets: s.offsets.iter().map(|o| (o.func, o.pc, o.offset)).collect(),
        });
    Ok(m)
}
