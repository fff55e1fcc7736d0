//! The JIT: the same lowering and pipeline as AOT, compiled in-process with
//! LLVM's MCJIT and run. The runtime functions and the `janus_vm` state are
//! the ones linked into this process (the runtime crate), mapped into the
//! JIT module by address, so compiled and interpreted programs share one
//! runtime implementation.

use super::codegen::TargetSpec;
use super::units::{self, Pipeline};
use super::{guard, lower, BackendError, OptLevel};
use crate::ir;
use inkwell::context::Context;
use inkwell::memory_manager::McjitMemoryManager;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{CodeModel, InitializationConfig, Target, TargetMachine};
use inkwell::OptimizationLevel;
use janus_runtime::abi::Rt;
use janus_runtime::exports;
use std::ffi::CString;

/// The address of each runtime function in this process, by [`Rt`]: the
/// runtime's own table, shared with the hybrid engine.
pub(crate) use janus_runtime::host::runtime_address;

/// Every runtime function, for mapping them all.
pub(crate) const ALL_RUNTIME: &[Rt] = Rt::ALL;

/// Compiles and runs a program's `main` in this process with `args` (the
/// first is the program's name); returns its exit status. A trap or `exit`
/// ends the process from inside the runtime, as in an executable.
///
/// The program is cut into the same codegen units as an AOT build
/// (`units`), each an LLVM module of one context that MCJIT links to the
/// others, so the JIT's build time is linear in the program's size too. A
/// reduced unit gets the reduced pipeline; MCJIT has one code generator for
/// all its modules, so when there is one it is LLVM's `-O0` code generator
/// for the whole program, as `-O2`'s is super-linear on big functions.
pub fn run(ir: &ir::Module, opt: OptLevel, args: &[String]) -> Result<i32, BackendError> {
    Target::initialize_native(&InitializationConfig::default()).map_err(BackendError::Llvm)?;
    let llvm = |e: String| BackendError::Llvm(e);
    let plan = units::plan(ir, opt);
    let level = if plan.units.iter().any(|u| u.pipeline == Pipeline::Reduced) {
        OptimizationLevel::None
    } else {
        opt.codegen()
    };
    let triple = TargetMachine::get_default_triple();
    let target = TargetSpec::new(&super::host_triple());
    let machine = target.jit_machine(level).map_err(llvm)?;
    let context = Context::create();
    let address = |symbol: &str| -> usize {
        if symbol == "janus_vm" {
            return std::ptr::addr_of!(exports::janus_vm) as usize;
        }
        ALL_RUNTIME
            .iter()
            .find(|f| f.info().symbol == symbol)
            .map_or(0, |&f| runtime_address(f))
    };
    let mut modules = Vec::with_capacity(plan.units.len());
    for (unit, spec) in plan.units.iter().enumerate() {
        let module = lower::lower_unit(&context, ir, &plan, unit, true, Some(&address))?;
        target.pin(&context, &module);
        module.set_triple(&triple);
        module.set_data_layout(&machine.get_target_data().get_data_layout());
        module
            .verify()
            .map_err(|e| BackendError::Invalid(e.to_string()))?;
        let pipeline = match spec.pipeline {
            Pipeline::Full => opt.pipeline(),
            Pipeline::Reduced => guard::REDUCED_PIPELINE,
        };
        module
            .run_passes(pipeline, &machine, PassBuilderOptions::create())
            .map_err(|e| llvm(e.to_string()))?;
        modules.push(module);
    }
    // The small code model, as in executables: direct calls and 32-bit
    // addresses. The code refers only to itself (the runtime is reached
    // through constant addresses), and the arena keeps all of it in the low
    // 2 GiB that 32-bit absolute addresses reach.
    let (first, rest) = modules
        .split_first()
        .ok_or_else(|| llvm("no codegen unit".into()))?;
    let engine = first
        .create_mcjit_execution_engine_with_memory_manager(
            Arena::new()?,
            level,
            CodeModel::Small,
            false,
            false,
        )
        .map_err(|e| llvm(e.to_string()))?;
    for module in rest {
        engine
            .add_module(module)
            .map_err(|()| llvm("MCJIT refused a codegen unit".into()))?;
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

/// The JIT's memory: one reservation in the low 2 GiB, handed out in order
/// a page at a time. Code pages become read-execute when LLVM finalizes.
#[derive(Debug)]
struct Arena {
    base: *mut u8,
    size: usize,
    used: usize,
    code: Vec<(usize, usize)>,
}

/// On x86-64, non-PIC small-code-model code takes addresses as 32-bit
/// absolute values: the arena must sit in the low 2 GiB. Elsewhere (AArch64's
/// ADRP reaches 4 GiB around the code) anywhere will do.
#[cfg(target_arch = "x86_64")]
const LOW_MEMORY: libc::c_int = libc::MAP_32BIT;
#[cfg(not(target_arch = "x86_64"))]
const LOW_MEMORY: libc::c_int = 0;

impl Arena {
    /// The reservation: address space only (`MAP_NORESERVE`), pages are
    /// used as code and data fill them. 512 MiB holds the code of a
    /// 1,000,000-instruction function at `-O0` many times over (an
    /// executable's code for one is 25–64 MB) and fits in the 1 GiB window
    /// Linux gives `MAP_32BIT`.
    const SIZE: usize = 512 << 20;

    fn new() -> Result<Self, BackendError> {
        // SAFETY: an anonymous private mapping, checked below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                Self::SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | LOW_MEMORY,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(BackendError::Llvm(
                "cannot reserve low memory for JIT code".into(),
            ));
        }
        Ok(Arena {
            base: base.cast(),
            size: Self::SIZE,
            used: 0,
            code: Vec::new(),
        })
    }

    fn allocate(&mut self, size: usize) -> *mut u8 {
        let start = self.used;
        let end = (start + size.max(1)).div_ceil(4096) * 4096;
        if end > self.size {
            return std::ptr::null_mut();
        }
        self.used = end;
        // SAFETY: start < size, inside the mapping.
        unsafe { self.base.add(start) }
    }
}

impl McjitMemoryManager for Arena {
    fn allocate_code_section(
        &mut self,
        size: usize,
        _alignment: u32,
        _id: u32,
        _name: &str,
    ) -> *mut u8 {
        let p = self.allocate(size);
        if !p.is_null() {
            self.code.push((
                p as usize - self.base as usize,
                size.max(1).div_ceil(4096) * 4096,
            ));
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
        self.allocate(size)
    }

    fn finalize_memory(&mut self) -> Result<(), String> {
        for &(offset, len) in &self.code {
            // SAFETY: page-aligned ranges inside the mapping.
            let ok = unsafe {
                libc::mprotect(
                    self.base.add(offset).cast(),
                    len,
                    libc::PROT_READ | libc::PROT_EXEC,
                )
            };
            if ok != 0 {
                return Err("cannot make JIT code executable".into());
            }
        }
        Ok(())
    }

    fn destroy(&mut self) {
        // SAFETY: unmapping the reservation made in `new`, once.
        unsafe {
            libc::munmap(self.base.cast(), self.size);
        }
    }
}
