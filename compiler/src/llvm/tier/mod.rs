//! Tiered compiles for the hybrid engine: a [`Session`] holds a program's
//! optimised IR and compiles one function at a time (or a function's
//! on-stack-replacement entry at a loop header) into code the interpreter
//! calls, following `janus_runtime::abi::tier`.
//!
//! A compile is one LLVM module (`lower::lower_tier_unit`): the function
//! itself (external: its [`TierCode::native`] entry) and `janus.boxed.F`
//! (its [`TierCode::boxed`] entry), or for a loop only the OSR entry
//! function and `janus.osr.F.PC` ([`TierCode::osr`]); internal copies of
//! its callees of up to [`MAX_CALLEE_COPY_INSTRUCTIONS`] each and
//! [`MAX_CALLEE_INSTRUCTIONS`] in all, so LLVM inlines across calls as in
//! AOT, and a dispatch thunk for every other function. The IR passes and the
//! LLVM pipeline are the JIT's at the session's `-O` level; a function over
//! the guardrails' limits (`guard`) is compiled alone with the reduced
//! pipeline and LLVM's `-O0` code generator.
//!
//! Each compile gets its own LLVM context and MCJIT engine, kept for the
//! session's life; their code lives in one process-wide reservation in the
//! low 2 GiB (`memory`). Targets are initialised and engines created under
//! one process-wide lock, as LLVM's target registry is not safe to
//! initialise from several threads at once; everything else runs in
//! parallel across sessions.

mod memory;

use super::codegen::TargetSpec;
use super::lower::{self, TierUnit};
use super::{guard, units, BackendError, OptLevel};
use crate::bytecode as bc;
use crate::ir::{self, construct, passes, FuncRef};
use inkwell::context::Context;
use inkwell::execution_engine::ExecutionEngine;
use inkwell::module::Module;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{CodeModel, InitializationConfig, Target, TargetMachine};
use inkwell::OptimizationLevel;
use janus_runtime::abi::{self, tier};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub use memory::RESERVATION;

/// The most IR instructions of callees a unit copies in besides the
/// function compiled (and its OSR entry and recursion-ring copies, always
/// in): enough for the small helpers that inlining pays for, little
/// enough that a compile stays a few milliseconds.
pub const MAX_CALLEE_INSTRUCTIONS: usize = 4_000;

/// The largest callee (in IR instructions) a unit copies in. LLVM's -O2
/// inliner takes a callee this size only at its one call site, where the
/// call it saves is small beside the body; the copy itself is compiled
/// again in every unit that calls it. Every callee of the benchmarks is
/// under 110; wasi-libc's `dlmalloc` (1,916) and `memcpy` (487) made a C
/// program's `main` under the JIT a 500 ms compile.
pub const MAX_CALLEE_COPY_INSTRUCTIONS: usize = 400;

/// The addresses one tiered compile returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierCode {
    /// The function's [`tier::NativeEntry`]; 0 for a loop's compile
    /// (only its OSR entry).
    pub native: u64,
    /// Its [`tier::BoxedEntry`]; 0 for a loop's compile.
    pub boxed: u64,
    /// The [`tier::OsrEntry`] at the loop header asked for, if one was.
    pub osr: Option<u64>,
    /// How long the compile took, in nanoseconds.
    pub compile_nanos: u64,
    /// The bytecode functions whose code the unit holds, the function
    /// compiled first.
    pub functions: Vec<u32>,
}

/// One compile's LLVM objects, kept alive as long as its code may run.
/// Dropped in field order: the module's handle, the engine (which owns the
/// module), then the context they were made in.
struct Compiled {
    _module: Module<'static>,
    _engine: ExecutionEngine<'static>,
    _context: Box<Context>,
}

/// A program opened for tiered compiles: its IR, built once, and the code
/// compiled so far. Used by one thread at a time; movable between threads.
pub struct Session {
    bytecode: bc::Module,
    ir: ir::Module,
    opt: OptLevel,
    facts: passes::Facts,
    addresses: HashMap<String, usize>,
    /// The CPU compiled for: an executable's (generic), as AOT's code is.
    spec: TargetSpec,
    machine: TargetMachine,
    /// The IR index of each OSR entry function built, by the function and
    /// the loop header it was asked for (it enters at every loop header
    /// that one reaches).
    osr: HashMap<(u32, u32), usize>,
    /// How many IR instructions of callees a unit may copy in.
    callee_budget: usize,
    compiled: Vec<Compiled>,
}

// SAFETY: a session's LLVM objects (its target machine, and each compile's
// context, module and engine) are created, used and dropped only through
// `&mut self` or by dropping the session, so only by the one thread that
// holds it; no LLVM object is shared with another session. LLVM allows
// objects of distinct contexts to be used from distinct threads.
unsafe impl Send for Session {}

/// Serialises LLVM's target initialisation and MCJIT engine creation
/// (which initialises the native target again) across sessions.
static LLVM_SETUP: Mutex<()> = Mutex::new(());

/// Every symbol a session needs an address for.
fn required_symbols() -> impl Iterator<Item = &'static str> {
    abi::RUNTIME_FUNCTIONS.iter().map(|f| f.symbol).chain([
        "janus_vm",
        tier::GLOBALS_SYMBOL,
        tier::FUNCTIONS_SYMBOL,
        tier::INTERP_CALL_SYMBOL,
    ])
}

impl Session {
    /// Opens `module` (verified bytecode) for tiered compiles at `opt`:
    /// builds and optimises its IR once. `addresses` gives the address of
    /// every runtime function's symbol, `janus_vm`, and the three
    /// `abi::tier` symbols in this process.
    pub fn open(
        module: bc::Module,
        opt: OptLevel,
        addresses: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<Session, BackendError> {
        let addresses = required_symbols()
            .map(|symbol| {
                addresses(symbol)
                    .map(|a| (symbol.to_string(), a))
                    .ok_or_else(|| BackendError::Tier(format!("no address for `{symbol}`")))
            })
            .collect::<Result<HashMap<_, _>, _>>()?;
        let spec = TargetSpec::new(&super::host_triple());
        let machine = {
            let _setup = LLVM_SETUP.lock().unwrap_or_else(|p| p.into_inner());
            Target::initialize_native(&InitializationConfig::default())
                .map_err(BackendError::Llvm)?;
            spec.jit_machine(opt.codegen())
                .map_err(BackendError::Llvm)?
        };
        let mut ir = construct::build_module(&module);
        passes::optimize_module(&mut ir);
        Ok(Session {
            facts: passes::Facts::of(&ir),
            bytecode: module,
            ir,
            opt,
            addresses,
            spec,
            machine,
            osr: HashMap::new(),
            callee_budget: MAX_CALLEE_INSTRUCTIONS,
            compiled: Vec::new(),
        })
    }

    /// Sets how many IR instructions of callees later units may copy in
    /// ([`MAX_CALLEE_INSTRUCTIONS`] when not set; 0 compiles each function
    /// alone, every call going through its dispatch thunk).
    pub fn set_callee_budget(&mut self, instructions: usize) {
        self.callee_budget = instructions;
    }

    /// The session's IR: the program's, plus the OSR entries built so far.
    pub fn ir(&self) -> &ir::Module {
        &self.ir
    }

    /// Compiles bytecode function `func` or, with `osr_pc`, only its OSR
    /// entry at that loop header, and returns the entries made. The code
    /// stays valid for the session's life.
    pub fn compile(&mut self, func: u32, osr_pc: Option<u32>) -> Result<TierCode, BackendError> {
        let started = Instant::now();
        if func as usize >= self.bytecode.functions.len() {
            return Err(BackendError::Tier(format!(
                "the module has no function {func}"
            )));
        }
        let f = func as usize;
        let osr = osr_pc.map(|pc| self.osr_function(func, pc)).transpose()?;
        // A loop's compile is of its OSR entry alone: the call it moves
        // over never needs the function's own entries, and leaving them out
        // halves the compile (mandelbrot's main: 41 ms -> 19 ms). Calls get
        // the function when they reach their own threshold.
        let roots: Vec<usize> = match osr {
            Some(entry) => vec![entry],
            None => vec![f],
        };
        let reduced = roots
            .iter()
            .any(|&r| guard::excess(&self.ir.functions[r], self.opt).is_some());
        let defined = self.unit_functions(&roots, reduced);
        let name = self.ir.functions[f].name.clone();
        let boxed_symbol = format!("janus.boxed.{name}");
        let osr_symbol = osr_pc.map(|pc| format!("janus.osr.{name}.{pc}"));
        let boxed = match (osr, &osr_symbol) {
            (Some(index), Some(symbol)) => vec![(index, symbol.clone())],
            _ => vec![(f, boxed_symbol.clone())],
        };
        let unit = TierUnit {
            defined: &defined,
            external: if osr.is_some() { &[] } else { &[f] },
            boxed: &boxed,
        };

        let context = Box::new(Context::create());
        // SAFETY: the context is boxed (it never moves) and kept in
        // `Compiled` after the module and engine made in it, which are
        // dropped first; nothing else borrows it.
        let context_ref: &'static Context = unsafe { &*(&*context as *const Context) };
        let addresses = &self.addresses;
        let address = |symbol: &str| addresses.get(symbol).copied().unwrap_or(0);
        let module = lower::lower_tier_unit(context_ref, &self.ir, &unit, &address)?;
        self.spec.pin(context_ref, &module);
        module.set_triple(&TargetMachine::get_default_triple());
        module.set_data_layout(&self.machine.get_target_data().get_data_layout());
        module
            .verify()
            .map_err(|e| BackendError::Invalid(e.to_string()))?;
        let (pipeline, level) = if reduced {
            (guard::REDUCED_PIPELINE, OptimizationLevel::None)
        } else {
            (self.opt.pipeline(), self.opt.codegen())
        };
        module
            .run_passes(pipeline, &self.machine, PassBuilderOptions::create())
            .map_err(|e| BackendError::Llvm(e.to_string()))?;
        let engine = {
            let _setup = LLVM_SETUP.lock().unwrap_or_else(|p| p.into_inner());
            module
                .create_mcjit_execution_engine_with_memory_manager(
                    memory::TierMemory::default(),
                    level,
                    CodeModel::Small,
                    false,
                    false,
                )
                .map_err(|e| BackendError::Llvm(e.to_string()))?
        };
        let lookup = |symbol: &str| -> Result<u64, BackendError> {
            engine
                .get_function_address(symbol)
                .map(|a| a as u64)
                .map_err(|e| BackendError::Llvm(format!("`{symbol}`: {e}")))
        };
        let (native, boxed_entry) = match osr {
            Some(_) => (0, 0),
            None => (
                lookup(&lower::function_symbol(&name))?,
                lookup(&boxed_symbol)?,
            ),
        };
        let osr_entry = osr_symbol.as_deref().map(lookup).transpose()?;
        let mut functions: Vec<u32> = Vec::new();
        for &index in &defined {
            let original = self.ir.trap_index(FuncRef::new(index)).index() as u32;
            if !functions.contains(&original) {
                functions.push(original);
            }
        }
        self.compiled.push(Compiled {
            _module: module,
            _engine: engine,
            _context: context,
        });
        Ok(TierCode {
            native,
            boxed: boxed_entry,
            osr: osr_entry,
            compile_nanos: started.elapsed().as_nanos() as u64,
            functions,
        })
    }

    /// The IR index of function `func`'s OSR entry asked for at `pc` (it
    /// enters at any loop header `pc` reaches), built (and optimised by the
    /// IR passes) the first time it is asked for.
    fn osr_function(&mut self, func: u32, pc: u32) -> Result<usize, BackendError> {
        if let Some(&index) = self.osr.get(&(func, pc)) {
            return Ok(index);
        }
        let mut f = construct::build_osr_function(&self.bytecode, &self.ir.ctx, func as usize, pc)
            .map_err(|e| BackendError::Tier(e.to_string()))?;
        while self.ir.ctx.functions.iter().any(|(n, _)| *n == f.name) {
            f.name.push('_');
        }
        passes::optimize(&mut f, &self.ir.ctx, self.facts);
        let index = self.ir.functions.len();
        self.ir
            .ctx
            .functions
            .push((f.name.clone(), f.signature.clone()));
        self.ir.functions.push(f);
        self.osr.insert((func, pc), index);
        Ok(index)
    }

    /// The functions a unit of `roots` defines: the roots, their
    /// recursion-ring copies, and (unless `reduced`) callees reached by
    /// direct calls, breadth first, while they fit in
    /// the callee budget and are not over the guardrails.
    fn unit_functions(&self, roots: &[usize], reduced: bool) -> Vec<usize> {
        let ir = &self.ir;
        let mut defined: Vec<usize> = roots.to_vec();
        let originals: Vec<FuncRef> = roots
            .iter()
            .map(|&r| ir.trap_index(FuncRef::new(r)))
            .collect();
        for (index, f) in ir.functions.iter().enumerate() {
            let ring = f.copy_of.is_some_and(|o| originals.contains(&o))
                && !self.osr.values().any(|&o| o == index);
            if ring && !defined.contains(&index) {
                defined.push(index);
            }
        }
        if reduced {
            return defined;
        }
        let mut budget = self.callee_budget;
        let mut next = 0;
        while next < defined.len() {
            let f = &ir.functions[defined[next]];
            next += 1;
            for &inst in f.layout.insts.iter().flatten() {
                let ir::instructions::InstData::Call { func, .. } = f.dfg.inst(inst) else {
                    continue;
                };
                let callee = func.index();
                if defined.contains(&callee) {
                    continue;
                }
                let Some(g) = ir.functions.get(callee) else {
                    continue;
                };
                let size = units::instructions(g);
                if size <= budget.min(MAX_CALLEE_COPY_INSTRUCTIONS)
                    && guard::excess(g, self.opt).is_none()
                {
                    budget -= size;
                    defined.push(callee);
                }
            }
        }
        defined
    }
}

#[cfg(test)]
mod tests;
