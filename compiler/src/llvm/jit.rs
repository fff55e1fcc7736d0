//! The JIT: the same lowering and pipeline as AOT, compiled in-process with
//! LLVM's MCJIT and run. The runtime functions and the `janus_vm` state are
//! the ones linked into this process (the runtime crate), mapped into the
//! JIT module by address, so compiled and interpreted programs share one
//! runtime implementation.

use super::{lower, BackendError, OptLevel};
use crate::bytecode;
use crate::ir;
use inkwell::context::Context;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{CodeModel, InitializationConfig, RelocMode, Target, TargetMachine};
use janus_runtime::abi::Rt;
use janus_runtime::exports;
use std::ffi::CString;

/// The address of each runtime function in this process, by [`Rt`].
fn runtime_address(f: Rt) -> usize {
    match f {
        Rt::Start => exports::janus_start as *const () as usize,
        Rt::Trap => exports::janus_trap as *const () as usize,
        Rt::Exit => exports::janus_exit as *const () as usize,
        Rt::MemoryGrow => exports::janus_memory_grow as *const () as usize,
        Rt::MemoryCopy => exports::janus_memory_copy as *const () as usize,
        Rt::MemoryFill => exports::janus_memory_fill as *const () as usize,
        Rt::HeapAlloc => exports::janus_heap_alloc as *const () as usize,
        Rt::HeapFree => exports::janus_heap_free as *const () as usize,
        Rt::HeapRealloc => exports::janus_heap_realloc as *const () as usize,
        Rt::Device => exports::janus_device as *const () as usize,
    }
}

/// Every runtime function, for mapping them all.
const ALL_RUNTIME: [Rt; 10] = [
    Rt::Start,
    Rt::Trap,
    Rt::Exit,
    Rt::MemoryGrow,
    Rt::MemoryCopy,
    Rt::MemoryFill,
    Rt::HeapAlloc,
    Rt::HeapFree,
    Rt::HeapRealloc,
    Rt::Device,
];

/// Compiles and runs a program's `main` in this process with `args` (the
/// first is the program's name); returns its exit status. A trap or `exit`
/// ends the process from inside the runtime, as in an executable.
pub fn run(
    bc: &bytecode::Module,
    ir: &ir::Module,
    opt: OptLevel,
    args: &[String],
) -> Result<i32, BackendError> {
    Target::initialize_native(&InitializationConfig::default()).map_err(BackendError::Llvm)?;
    let triple = TargetMachine::get_default_triple();
    let target = Target::from_triple(&triple).map_err(|e| BackendError::Llvm(e.to_string()))?;
    let cpu = TargetMachine::get_host_cpu_name().to_string();
    let features = TargetMachine::get_host_cpu_features().to_string();
    let machine = target
        .create_target_machine(
            &triple,
            &cpu,
            &features,
            opt.codegen(),
            RelocMode::Default,
            CodeModel::JITDefault,
        )
        .ok_or_else(|| BackendError::Llvm("no target machine for the host".into()))?;
    let context = Context::create();
    let module = lower::lower_module(&context, bc, ir, true).map_err(BackendError::Invalid)?;
    module.set_triple(&triple);
    module.set_data_layout(&machine.get_target_data().get_data_layout());
    module
        .verify()
        .map_err(|e| BackendError::Invalid(e.to_string()))?;
    module
        .run_passes(opt.pipeline(), &machine, PassBuilderOptions::create())
        .map_err(|e| BackendError::Llvm(e.to_string()))?;
    let engine = module
        .create_jit_execution_engine(opt.codegen())
        .map_err(|e| BackendError::Llvm(e.to_string()))?;
    for f in ALL_RUNTIME {
        if let Some(decl) = module.get_function(f.info().symbol) {
            engine.add_global_mapping(&decl, runtime_address(f));
        }
    }
    if let Some(vm) = module.get_global("janus_vm") {
        engine.add_global_mapping(&vm, std::ptr::addr_of!(exports::janus_vm) as usize);
    }
    type Main = unsafe extern "C" fn(i32, *const *const u8) -> i32;
    // SAFETY: `main` is the C entry point lower_module emits, of type Main.
    let main = unsafe { engine.get_function::<Main>("main") }
        .map_err(|e| BackendError::Llvm(e.to_string()))?;
    let c_args: Vec<CString> = args
        .iter()
        .map(|a| CString::new(a.as_bytes()).unwrap_or_default())
        .collect();
    let argv: Vec<*const u8> = c_args.iter().map(|a| a.as_ptr().cast()).collect();
    // SAFETY: argv holds argc valid C strings that outlive the call.
    Ok(unsafe { main.call(argv.len() as i32, argv.as_ptr()) })
}
