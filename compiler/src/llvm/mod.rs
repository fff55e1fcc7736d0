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

mod codegen;
pub mod guard;
pub mod jit;
mod lower;
pub mod targets;
pub mod tier;
pub mod units;

use crate::bytecode::Signature;
use crate::ir::{self, FuncRef};
use inkwell::targets::{InitializationConfig, Target, TargetMachine};
use inkwell::OptimizationLevel;
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
    /// The objects, one per codegen unit (`units`), in unit order: one
    /// for any program under [`units::MAX_UNIT_INSTRUCTIONS`] without a
    /// reduced function. Linked together they are the program.
    pub objects: Vec<Vec<u8>>,
    /// LLVM IR before optimisation, if asked for.
    pub llvm_ir_raw: Option<String>,
    /// LLVM IR after optimisation, if asked for.
    pub llvm_ir: Option<String>,
    /// Assembly, if asked for.
    pub asm: Option<Vec<u8>>,
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
    /// A tiered compile was asked for something the program does not have
    /// (a function, an OSR entry at a pc that starts no block, an address).
    #[error("cannot compile for the hybrid engine: {0}")]
    Tier(String),
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
    let spec = codegen::TargetSpec::new(triple.unwrap_or(&host));
    spec.machine(opt.codegen())
        .map_err(|message| BackendError::UnknownTarget {
            triple: spec.triple.clone(),
            message,
            supported: target_list(),
        })?;
    let plan = units::plan(ir, opt);
    let built = codegen::build_all(ir, &plan, &spec, opt, wants, bounds)?;

    // Several units' texts in one: each after a line naming it.
    let count = built.len();
    let heading = |unit: usize| {
        let pipeline = match plan.units[unit].pipeline {
            units::Pipeline::Full => "the full pipeline",
            units::Pipeline::Reduced => {
                "the reduced pipeline (`janusc build -v` lists its functions)"
            }
        };
        format!(
            "; ---- codegen unit {} of {count}: {} functions, {pipeline} ----\n\n",
            unit + 1,
            plan.units[unit].functions.len()
        )
    };
    let join = |texts: Vec<Option<String>>| -> Option<String> {
        let texts: Option<Vec<String>> = texts.into_iter().collect();
        let texts = texts?;
        if count == 1 {
            return texts.into_iter().next();
        }
        Some(
            texts
                .into_iter()
                .enumerate()
                .map(|(unit, text)| heading(unit) + &text)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    let mut products = Products {
        llvm_ir_raw: join(built.iter().map(|u| u.llvm_ir_raw.clone()).collect()),
        llvm_ir: join(built.iter().map(|u| u.llvm_ir.clone()).collect()),
        asm: join(
            built
                .iter()
                .map(|u| {
                    u.asm
                        .as_ref()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                })
                .collect(),
        )
        .map(|text| {
            text.replace("; ---- codegen unit", "# ---- codegen unit")
                .into_bytes()
        }),
        objects: Vec::with_capacity(count),
        reduced: plan.reduced,
    };
    products.objects = built.into_iter().map(|u| u.object).collect();
    Ok(products)
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
