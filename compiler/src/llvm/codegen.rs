//! Building the codegen units `units` plans: each is lowered into its own
//! LLVM context and module, optimised, and emitted as an object, on as
//! many threads as the machine has cores (a unit's work touches nothing
//! another's does). The products are put together in unit order, so the
//! output is the same bytes whichever thread finishes first.

use super::units::{Pipeline, Plan};
use super::{guard, lower, BackendError, BoundsChecks, OptLevel, Wants};
use crate::ir;
use crate::meta::{CodeSizes, CODE_SECTION};
use inkwell::attributes::AttributeLoc;
use inkwell::context::Context;
use inkwell::module::{FlagBehavior, Linkage, Module};
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{CodeModel, FileType, RelocMode, Target, TargetMachine, TargetTriple};
use inkwell::AddressSpace;
use inkwell::OptimizationLevel;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The machine a build is for: a triple LLVM knows, with the CPU and
/// features janusc targets on it.
#[derive(Clone, Debug)]
pub(super) struct TargetSpec {
    /// The target triple.
    pub(super) triple: String,
    /// A generic CPU of the triple's architecture.
    cpu: &'static str,
    /// The features every machine of the target has.
    features: &'static str,
}

impl TargetSpec {
    /// The spec for `triple`. A generic CPU: the executable must run on any
    /// machine of the target, and the output must not depend on the build
    /// machine. RISC-V Linux means RV64GC with hard-float calling
    /// conventions (lp64d, set as the `target-abi` module flag), what its
    /// distributions' libraries use.
    pub(super) fn new(triple: &str) -> Self {
        let (cpu, features) = if triple.starts_with("x86_64") {
            ("x86-64", "")
        } else if triple.starts_with("riscv64") {
            ("generic-rv64", "+m,+a,+f,+d,+c")
        } else {
            ("generic", "")
        };
        TargetSpec {
            triple: triple.to_string(),
            cpu,
            features,
        }
    }

    /// Pins every function `module` defines to the spec's CPU and features
    /// (the `target-cpu` and `target-features` attributes, which code
    /// generation follows function by function). For the in-process
    /// engines: MCJIT makes a target machine of its own, with no CPU, whose
    /// code would otherwise be for the architecture's oldest machine while
    /// the IR passes had tuned it for the machine they were given.
    pub(super) fn pin(&self, context: &Context, module: &Module) {
        let cpu = context.create_string_attribute("target-cpu", self.cpu);
        let features = (!self.features.is_empty())
            .then(|| context.create_string_attribute("target-features", self.features));
        let mut next = module.get_first_function();
        while let Some(function) = next {
            if function.count_basic_blocks() > 0 {
                function.add_attribute(AttributeLoc::Function, cpu);
                if let Some(features) = features {
                    function.add_attribute(AttributeLoc::Function, features);
                }
            }
            next = function.get_next_function();
        }
    }

    /// A target machine for the spec at code-generation `level`, or LLVM's
    /// reason there is none.
    pub(super) fn machine(&self, level: OptimizationLevel) -> Result<TargetMachine, String> {
        self.machine_with(level, RelocMode::PIC, CodeModel::Default)
    }

    /// The target machine the in-process engines run their IR passes with:
    /// the spec's CPU and features, LLVM's default relocation model and its
    /// JIT code model (MCJIT generates the code, [`TargetSpec::pin`]).
    pub(super) fn jit_machine(&self, level: OptimizationLevel) -> Result<TargetMachine, String> {
        self.machine_with(level, RelocMode::Default, CodeModel::JITDefault)
    }

    fn machine_with(
        &self,
        level: OptimizationLevel,
        reloc: RelocMode,
        model: CodeModel,
    ) -> Result<TargetMachine, String> {
        let triple = TargetTriple::create(&self.triple);
        let target = Target::from_triple(&triple).map_err(|e| e.to_string())?;
        target
            .create_target_machine(&triple, self.cpu, self.features, level, reloc, model)
            .ok_or_else(|| "no target machine".to_string())
    }
}

/// What one codegen unit gives.
#[derive(Debug, Default)]
pub(super) struct UnitProducts {
    /// The unit's object, its code table filled in.
    pub(super) object: Vec<u8>,
    /// LLVM IR before optimisation, if asked for.
    pub(super) llvm_ir_raw: Option<String>,
    /// LLVM IR after optimisation, if asked for.
    pub(super) llvm_ir: Option<String>,
    /// Assembly, if asked for.
    pub(super) asm: Option<Vec<u8>>,
}

/// The stack each unit's thread gets: LLVM recurses over big functions
/// more deeply than a spawned thread's default 2 MiB allows.
const UNIT_STACK: usize = 64 << 20;

/// Builds every unit of `plan`, in parallel, returning their products in
/// unit order; the first error in unit order wins.
pub(super) fn build_all(
    ir: &ir::Module,
    plan: &Plan,
    spec: &TargetSpec,
    opt: OptLevel,
    wants: Wants,
    bounds: BoundsChecks,
) -> Result<Vec<UnitProducts>, BackendError> {
    let build = |unit| build_unit(ir, plan, unit, spec, opt, wants, bounds);
    let count = plan.units.len();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count);
    if workers <= 1 {
        return (0..count).map(build).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Result<UnitProducts, BackendError>>>> =
        (0..count).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let work = || loop {
                let unit = next.fetch_add(1, Ordering::Relaxed);
                if unit >= count {
                    break;
                }
                let result = build(unit);
                if let Ok(mut slot) = results[unit].lock() {
                    *slot = Some(result);
                }
            };
            let spawned = std::thread::Builder::new()
                .name("janusc-codegen".into())
                .stack_size(UNIT_STACK)
                .spawn_scoped(scope, work);
            if spawned.is_err() {
                // No thread to be had: this one does the work.
                work();
            }
        }
    });
    results
        .into_iter()
        .enumerate()
        .map(|(unit, slot)| {
            slot.into_inner().ok().flatten().unwrap_or_else(|| {
                Err(BackendError::Llvm(format!(
                    "codegen unit {unit} was not built"
                )))
            })
        })
        .collect()
}

/// Lowers, optimises and emits unit `unit` of `plan`.
fn build_unit(
    ir: &ir::Module,
    plan: &Plan,
    unit: usize,
    spec: &TargetSpec,
    opt: OptLevel,
    wants: Wants,
    bounds: BoundsChecks,
) -> Result<UnitProducts, BackendError> {
    let (pipeline, level) = match plan.units[unit].pipeline {
        Pipeline::Full => (opt.pipeline(), opt.codegen()),
        Pipeline::Reduced => (guard::REDUCED_PIPELINE, OptimizationLevel::None),
    };
    let llvm = |e: String| BackendError::Llvm(e);
    let machine = spec.machine(level).map_err(llvm)?;
    let context = Context::create();
    let module = lower::lower_unit(
        &context,
        ir,
        plan,
        unit,
        bounds == BoundsChecks::Explicit,
        None,
    )?;
    module.set_triple(&TargetTriple::create(&spec.triple));
    module.set_data_layout(&machine.get_target_data().get_data_layout());
    if spec.triple.starts_with("riscv64") {
        module.add_metadata_flag(
            "target-abi",
            FlagBehavior::Error,
            context.metadata_string("lp64d"),
        );
    }
    module
        .verify()
        .map_err(|e| BackendError::Invalid(e.to_string()))?;
    let mut products = UnitProducts::default();
    if wants.llvm_ir_raw {
        products.llvm_ir_raw = Some(module.print_to_string().to_string());
    }
    module
        .run_passes(pipeline, &machine, PassBuilderOptions::create())
        .map_err(|e| llvm(e.to_string()))?;
    add_code_table(&context, &module);
    if wants.llvm_ir {
        products.llvm_ir = Some(module.print_to_string().to_string());
    }
    let emit = |module: &Module, kind| {
        machine
            .write_to_memory_buffer(module, kind)
            .map(|buf| buf.as_slice().to_vec())
            .map_err(|e| llvm(e.to_string()))
    };
    // Code generation changes the module it runs on (CodeGenPrepare and
    // the instruction selector rewrite IR in place), and a second run over
    // the changed module produces different code: a stack slot given a
    // 16-byte-aligned vector store at an 8-byte offset crashed an
    // executable built with `--emit exe,asm`. The assembly is therefore
    // generated from a copy, and the object from the module as optimised.
    if wants.asm {
        products.asm = Some(emit(&module.clone(), FileType::Assembly)?);
    }
    products.object = emit(&module, FileType::Object)?;
    CodeSizes::fill(&mut products.object).map_err(BackendError::Invalid)?;
    Ok(products)
}

/// Adds the [`CODE_SECTION`] table, every size zero, listing the functions
/// the optimised module still defines (program functions, recursion copies,
/// `janus.entry`, C `main`) in the order LLVM emits them; [`build_unit`]
/// fills the sizes in once the object exists. It is in `llvm.used`, so on
/// ELF the section is flagged `SHF_GNU_RETAIN` and `--gc-sections` keeps
/// it, though nothing refers to it. Emitted assembly shows the zeros. Each
/// unit's object has its own table; the linker concatenates them.
fn add_code_table<'ctx>(context: &'ctx Context, module: &Module<'ctx>) {
    let symbols: Vec<String> = module
        .get_functions()
        .filter(|f| f.count_basic_blocks() > 0)
        .map(|f| f.get_name().to_string_lossy().into_owned())
        .collect();
    let text = CodeSizes::placeholder(symbols.iter().map(String::as_str));
    let value = context.const_string(text.as_bytes(), false);
    let table = module.add_global(value.get_type(), None, "janus.code");
    table.set_initializer(&value);
    table.set_constant(true);
    table.set_linkage(Linkage::Private);
    table.set_section(Some(CODE_SECTION));
    let ptr = context.ptr_type(AddressSpace::default());
    let used = module.add_global(ptr.array_type(1), None, "llvm.used");
    used.set_linkage(Linkage::Appending);
    used.set_section(Some("llvm.metadata"));
    used.set_initializer(&ptr.const_array(&[table.as_pointer_value()]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinning_names_the_cpu_on_definitions_only() {
        let context = Context::create();
        let module = context.create_module("pinned");
        let signature = context.void_type().fn_type(&[], false);
        let defined = module.add_function("defined", signature, None);
        let builder = context.create_builder();
        builder.position_at_end(context.append_basic_block(defined, "entry"));
        builder.build_return(None).expect("a return");
        let declared = module.add_function("declared", signature, None);
        let riscv = TargetSpec::new("riscv64gc-unknown-linux-gnu");
        riscv.pin(&context, &module);
        let attribute = |f: inkwell::values::FunctionValue, key: &str| {
            f.get_string_attribute(AttributeLoc::Function, key)
                .map(|a| a.get_string_value().to_string_lossy().into_owned())
        };
        assert_eq!(
            attribute(defined, "target-cpu").as_deref(),
            Some("generic-rv64")
        );
        assert_eq!(
            attribute(defined, "target-features").as_deref(),
            Some("+m,+a,+f,+d,+c")
        );
        assert_eq!(attribute(declared, "target-cpu"), None);
        let x86 = TargetSpec::new("x86_64-unknown-linux-gnu");
        let other = context.create_module("x86");
        let f = other.add_function("f", signature, None);
        builder.position_at_end(context.append_basic_block(f, "entry"));
        builder.build_return(None).expect("a return");
        x86.pin(&context, &other);
        assert_eq!(attribute(f, "target-cpu").as_deref(), Some("x86-64"));
        assert_eq!(
            attribute(f, "target-features"),
            None,
            "no features: none named"
        );
    }
}
