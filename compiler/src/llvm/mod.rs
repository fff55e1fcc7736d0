//! The LLVM backend: SSA IR to a native object, through inkwell on LLVM 19.
//! The only place inkwell appears (revmc's backend split).
//!
//! `lower` turns each IR function into LLVM IR (block parameters become
//! phis; every check becomes a branch to a cold trap call that names the
//! function and pc) and its `frame` adds what an executable needs around
//! the program, all of it read from the IR module: the module descriptor the
//! runtime reads, the function table, the data segments, and a C `main`
//! that hands everything to `janus_start`. Then the
//! new pass manager optimises (`default<O2>` and so on) and the target
//! machine emits an object. No JanusVM program can reach LLVM undefined
//! behaviour: division, remainder, shifts and conversions are lowered with
//! the VM's guards, and memory accesses only happen after their `bounds`.

pub mod guard;
pub mod jit;
mod lower;
mod split;

use crate::bytecode::Signature;
use crate::ir::{self, FuncRef};
use crate::meta::{CodeSizes, CODE_SECTION};
use inkwell::context::Context;
use inkwell::module::{FlagBehavior, Linkage};
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{
    CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::AddressSpace;
use inkwell::OptimizationLevel;
use std::collections::HashSet;
use thiserror::Error;

/// An optimisation level, as `-O0` ... `-O3`, `-Os`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OptLevel {
    /// No optimisation: fastest compile.
    O0,
    /// Light optimisation.
    O1,
    /// The default for `janusc build`.
    #[default]
    O2,
    /// Aggressive optimisation.
    O3,
    /// Optimise for size.
    Os,
}

impl OptLevel {
    /// Parses `0`, `1`, `2`, `3` or `s`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "0" => OptLevel::O0,
            "1" => OptLevel::O1,
            "2" => OptLevel::O2,
            "3" => OptLevel::O3,
            "s" => OptLevel::Os,
            _ => return None,
        })
    }

    /// The level's spelling after `-O`.
    pub fn name(self) -> &'static str {
        match self {
            OptLevel::O0 => "0",
            OptLevel::O1 => "1",
            OptLevel::O2 => "2",
            OptLevel::O3 => "3",
            OptLevel::Os => "s",
        }
    }

    pub(crate) fn pipeline(self) -> &'static str {
        match self {
            OptLevel::O0 => "default<O0>",
            OptLevel::O1 => "default<O1>",
            OptLevel::O2 => "default<O2>",
            OptLevel::O3 => "default<O3>",
            OptLevel::Os => "default<Os>",
        }
    }

    pub(crate) fn codegen(self) -> OptimizationLevel {
        match self {
            OptLevel::O0 => OptimizationLevel::None,
            OptLevel::O1 => OptimizationLevel::Less,
            OptLevel::O2 | OptLevel::Os => OptimizationLevel::Default,
            OptLevel::O3 => OptimizationLevel::Aggressive,
        }
    }
}

/// What to produce besides the object.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wants {
    /// LLVM IR text before optimisation.
    pub llvm_ir_raw: bool,
    /// LLVM IR text after optimisation.
    pub llvm_ir: bool,
    /// Assembly text.
    pub asm: bool,
}

/// The backend's products.
#[derive(Clone, Debug, Default)]
pub struct Products {
    /// The object file.
    pub object: Vec<u8>,
    /// LLVM IR before optimisation, if asked for.
    pub llvm_ir_raw: Option<String>,
    /// LLVM IR after optimisation, if asked for.
    pub llvm_ir: Option<String>,
    /// Assembly, if asked for.
    pub asm: Option<Vec<u8>>,
    /// The object of the functions built with the reduced pipeline, if
    /// any: a second codegen unit, linked beside [`Products::object`].
    pub reduced_object: Option<Vec<u8>>,
    /// The functions built with the reduced pipeline, and why.
    pub reduced: Vec<guard::Reduced>,
}

/// Why the backend failed.
#[derive(Debug, Error)]
pub enum BackendError {
    /// LLVM does not know the target triple, or this janusc was built
    /// without its backend.
    #[error("unknown target `{triple}`: {message}; this janusc emits objects for {}", supported.join(", "))]
    UnknownTarget {
        /// The triple asked for.
        triple: String,
        /// LLVM's reason.
        message: String,
        /// What [`target_list`] returns: the triples that would work.
        supported: Vec<String>,
    },
    /// This janusc has no runtime for the target, so it cannot link for it.
    #[error(
        "no JanusVM runtime is built for target `{triple}`: this janusc links for `{host}` only"
    )]
    NoRuntime {
        /// The triple asked for.
        triple: String,
        /// The host triple.
        host: String,
    },
    /// The IR could not be lowered.
    #[error(transparent)]
    Lower(#[from] LowerError),
    /// The generated LLVM IR is invalid: a compiler bug.
    #[error("internal error: generated LLVM IR does not verify: {0}")]
    Invalid(String),
    /// LLVM failed to optimise or emit.
    #[error("LLVM failed: {0}")]
    Llvm(String),
}

/// Why an IR module could not be lowered to LLVM IR. For IR built from
/// verified bytecode only `Inst`, `Function` and `Frame` can happen, and
/// they are compiler bugs; the others reject a hand-written or parsed
/// module whose header does not make a program.
#[derive(Debug, Error)]
pub enum LowerError {
    /// Lowering an instruction failed.
    #[error("cannot lower `{inst}` (@{pc}) in function `{function}`: {message}")]
    Inst {
        /// The function's name.
        function: String,
        /// The instruction, as the IR printer spells it.
        inst: String,
        /// Its bytecode pc.
        pc: u32,
        /// What went wrong.
        message: String,
    },
    /// Lowering a function failed outside any one instruction.
    #[error("cannot lower function `{function}`: {message}")]
    Function {
        /// The function's name.
        function: String,
        /// What went wrong.
        message: String,
    },
    /// Building the program's frame (table, data, descriptor, `main`) failed.
    #[error("cannot lower the module frame: {message}")]
    Frame {
        /// What went wrong.
        message: String,
    },
    /// The module exports no `main`.
    #[error("the module exports no `main`")]
    NoMain,
    /// The exported `main` does not have the entry point's signature.
    #[error("`main` has signature {signature}, expected () -> i32")]
    MainSignature {
        /// Its signature.
        signature: Signature,
    },
    /// The header names a function the module does not have.
    #[error("{what} names {func}, which the module does not have")]
    UnknownFunction {
        /// Where it is named.
        what: &'static str,
        /// The missing function.
        func: FuncRef,
    },
    /// A table entry's signature is not in the module's signature table.
    #[error("table entry {entry} (`{function}`) has signature {signature}, which the module's types do not list")]
    UndeclaredSignature {
        /// The entry's index.
        entry: usize,
        /// The function it holds.
        function: String,
        /// Its signature.
        signature: Signature,
    },
}

impl From<String> for LowerError {
    /// An LLVM builder failure in the module frame.
    fn from(message: String) -> Self {
        LowerError::Frame { message }
    }
}

/// The architectures JanusVM lowers for, as (LLVM target name, triple
/// prefix): 64-bit and little-endian, like the VM's own memory layout.
const ARCHITECTURES: [(&str, &str); 3] = [
    ("aarch64", "aarch64"),
    ("riscv64", "riscv64"),
    ("x86-64", "x86_64"),
];

/// Registers every LLVM backend this janusc was built with (inkwell's
/// `target-*` features in `compiler/Cargo.toml`); idempotent.
fn initialize_targets() {
    let config = InitializationConfig::default();
    Target::initialize_x86(&config);
    Target::initialize_aarch64(&config);
    Target::initialize_riscv(&config);
}

/// The target triples this janusc can emit objects for (`--emit obj` or
/// `asm` with `--target`), one Linux triple per LLVM backend it was built
/// with, sorted: `aarch64-unknown-linux-gnu`, `riscv64-unknown-linux-gnu`,
/// `x86_64-unknown-linux-gnu`. Asked of LLVM's target registry, so the list
/// is what the linked LLVM really has. Executables additionally need a
/// runtime for the target, which janusc carries for the host only.
pub fn target_list() -> Vec<String> {
    initialize_targets();
    let mut registered = Vec::new();
    let mut next = Target::get_first();
    while let Some(target) = next {
        if target.has_target_machine() && target.has_asm_backend() {
            registered.push(target.get_name().to_string_lossy().into_owned());
        }
        next = target.get_next();
    }
    let mut triples: Vec<String> = ARCHITECTURES
        .iter()
        .filter(|(name, _)| registered.iter().any(|r| r == name))
        .map(|(_, arch)| format!("{arch}-unknown-linux-gnu"))
        .collect();
    triples.sort();
    triples
}

/// The version of the LLVM janusc is running with, e.g. `19.1.7`, asked of
/// LLVM itself (`LLVMGetVersion`, through inkwell), so it names the shared
/// library actually loaded rather than the one janusc was built against.
pub fn llvm_version() -> String {
    let (major, minor, patch) = inkwell::support::get_llvm_version();
    format!("{major}.{minor}.{patch}")
}

/// The host's target triple, normalised.
pub fn host_triple() -> String {
    TargetMachine::get_default_triple()
        .as_str()
        .to_string_lossy()
        .into_owned()
}

/// How memory accesses are checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BoundsChecks {
    /// Every `bounds` is a compare and a branch to a trap: the VM's semantics.
    #[default]
    Explicit,
    /// No checks at all. Out-of-bounds accesses then have no defined
    /// behaviour, so this is only for measuring what checks cost (the most a
    /// guard-page scheme could save); janusc never offers it.
    OmittedForMeasurement,
}

/// Compiles a module's IR to an object for `triple` (the host when `None`).
/// The IR module carries everything the program needs (memory, data, table,
/// exports, signatures), so a parsed `.ssa` file compiles as well; its
/// functions must pass [`ir::verify::verify_function`].
pub fn compile(
    ir: &ir::Module,
    triple: Option<&str>,
    opt: OptLevel,
    wants: Wants,
) -> Result<Products, BackendError> {
    compile_with(ir, triple, opt, wants, BoundsChecks::Explicit)
}

/// [`compile`] with a choice of bounds checking.
pub fn compile_with(
    ir: &ir::Module,
    triple: Option<&str>,
    opt: OptLevel,
    wants: Wants,
    bounds: BoundsChecks,
) -> Result<Products, BackendError> {
    initialize_targets();
    let host = host_triple();
    let triple_text = triple.unwrap_or(&host).to_string();
    let triple = TargetTriple::create(&triple_text);
    let unknown = |message: String| BackendError::UnknownTarget {
        triple: triple_text.clone(),
        message,
        supported: target_list(),
    };
    let target = Target::from_triple(&triple).map_err(|e| unknown(e.to_string()))?;
    // A generic CPU: the executable must run on any machine of the target,
    // and the output must not depend on the build machine. RISC-V Linux
    // means RV64GC with hard-float calling conventions (lp64d, set below as
    // the `target-abi` module flag), what its distributions' libraries use.
    let (cpu, features) = if triple_text.starts_with("x86_64") {
        ("x86-64", "")
    } else if triple_text.starts_with("riscv64") {
        ("generic-rv64", "+m,+a,+f,+d,+c")
    } else {
        ("generic", "")
    };
    // The program's machine, and the reduced unit's (`guard`): the same
    // target at another code-generation level.
    let machine_at = |level: OptimizationLevel| {
        target
            .create_target_machine(
                &triple,
                cpu,
                features,
                level,
                RelocMode::PIC,
                CodeModel::Default,
            )
            .ok_or_else(|| unknown("no target machine".into()))
    };
    let machine = machine_at(opt.codegen())?;

    let context = Context::create();
    let module = lower::lower_module(&context, ir, bounds == BoundsChecks::Explicit, None)?;
    module.set_triple(&triple);
    module.set_data_layout(&machine.get_target_data().get_data_layout());
    if triple_text.starts_with("riscv64") {
        module.add_metadata_flag(
            "target-abi",
            FlagBehavior::Error,
            context.metadata_string("lp64d"),
        );
    }
    module
        .verify()
        .map_err(|e| BackendError::Invalid(e.to_string()))?;

    let mut products = Products::default();
    if wants.llvm_ir_raw {
        products.llvm_ir_raw = Some(module.print_to_string().to_string());
    }
    products.reduced = guard::plan(ir, opt);
    let reduced_names: HashSet<String> = products
        .reduced
        .iter()
        .map(|r| lower::function_symbol(&r.function))
        .collect();
    let reduced_unit = if reduced_names.is_empty() {
        None
    } else {
        let unit = split::split_off(&module, &reduced_names, &machine)?;
        let reduced_machine = machine_at(OptimizationLevel::None)?;
        Some((unit, reduced_machine))
    };
    module
        .run_passes(opt.pipeline(), &machine, PassBuilderOptions::create())
        .map_err(|e| BackendError::Llvm(e.to_string()))?;
    add_code_table(&context, &module);
    if let Some((unit, reduced_machine)) = &reduced_unit {
        unit.run_passes(
            guard::REDUCED_PIPELINE,
            reduced_machine,
            PassBuilderOptions::create(),
        )
        .map_err(|e| BackendError::Llvm(e.to_string()))?;
        add_code_table(&context, unit);
    }
    // Both units in one text: the program's, then the reduced functions'.
    let units: Vec<(&inkwell::module::Module, &TargetMachine)> =
        std::iter::once((&module, &machine))
            .chain(reduced_unit.iter().map(|(u, m)| (u, m)))
            .collect();
    if wants.llvm_ir {
        let texts: Vec<String> = units
            .iter()
            .map(|(u, _)| u.print_to_string().to_string())
            .collect();
        products.llvm_ir = Some(texts.join(REDUCED_UNIT_SEPARATOR));
    }
    if wants.asm {
        let mut asm = Vec::new();
        for (i, (unit, machine)) in units.iter().enumerate() {
            if i > 0 {
                asm.extend_from_slice(REDUCED_UNIT_SEPARATOR.replace(';', "#").as_bytes());
            }
            let buf = machine
                .write_to_memory_buffer(unit, FileType::Assembly)
                .map_err(|e| BackendError::Llvm(e.to_string()))?;
            asm.extend_from_slice(buf.as_slice());
        }
        products.asm = Some(asm);
    }
    for (i, (unit, machine)) in units.iter().enumerate() {
        let buf = machine
            .write_to_memory_buffer(unit, FileType::Object)
            .map_err(|e| BackendError::Llvm(e.to_string()))?;
        let mut object = buf.as_slice().to_vec();
        CodeSizes::fill(&mut object).map_err(BackendError::Invalid)?;
        if i == 0 {
            products.object = object;
        } else {
            products.reduced_object = Some(object);
        }
    }
    Ok(products)
}

/// What separates the program's unit from the reduced functions' unit in
/// emitted LLVM IR and assembly (`#` for `;` in assembly).
const REDUCED_UNIT_SEPARATOR: &str =
    "\n; ---- the functions built with the reduced pipeline (`janusc build -v` lists them), a second codegen unit ----\n\n";

/// Adds the [`CODE_SECTION`] table, every size zero, listing the functions
/// the optimised module still defines (program functions, recursion copies,
/// `janus.entry`, C `main`) in the order LLVM emits them; [`compile_with`]
/// fills the sizes in once the object exists. It is in `llvm.used`, so on
/// ELF the section is flagged `SHF_GNU_RETAIN` and `--gc-sections` keeps
/// it, though nothing refers to it. Emitted assembly shows the zeros.
fn add_code_table<'ctx>(context: &'ctx Context, module: &inkwell::module::Module<'ctx>) {
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
    fn a_module_without_main_is_a_lowering_error() {
        let text = "function f() -> i32 {\nblock0:\n    v0 = const.i32 0 @0\n    return v0 @7\n}\n";
        let module = ir::parse::parse_module(text).expect("parses");
        let err = compile(&module, None, OptLevel::O0, Wants::default()).expect_err("no main");
        assert!(
            matches!(err, BackendError::Lower(LowerError::NoMain)),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "the module exports no `main`");
    }
}
