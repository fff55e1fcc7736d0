//! The pipeline as one call, in the manner of Cranelift's `Context`: a
//! verified bytecode module and [`Options`] in, every artefact that
//! [`Wanted`] names out ([`Artefacts`]), computing only what is asked.
//!
//! The steps are a plain list (QBE's `main.c`): SSA construction
//! ([`ir::construct`]), the pass pipeline ([`ir::passes`]), the LLVM backend
//! ([`llvm`]: raw and optimised LLVM IR, assembly, object), the executable's
//! metadata ([`Metadata`]) and the link ([`link`]) against the runtime
//! archive this library carries ([`RUNTIME_ARCHIVE`], built by
//! `compiler/build.rs` from `runtime/staticlib/`). `janusc build`,
//! `run --engine aot`, `run --engine jit` ([`run_jit`]), the benchmarks and
//! the tests all come through here, so they cannot drift apart; a Rust user
//! gets an executable without the CLI:
//!
//! ```
//! use janus_compiler::driver::{self, Options, Wanted};
//!
//! let source = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/hello.jasm"))?;
//! let loaded = janus_compiler::load(&source)?;
//! let options = Options { opt: janus_compiler::llvm::OptLevel::O0, ..Options::default() };
//! let artefacts = driver::compile(&loaded, &options, Wanted::EXECUTABLE)?;
//! let executable = artefacts.executable.expect("asked for").executable;
//! assert!(executable.starts_with(b"\x7fELF"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Executables are byte-reproducible: the same module and options give the
//! same bytes (the object carries no paths or times, the link adds a
//! content-derived build id).

use crate::bytecode;
use crate::ir;
use crate::link::{link, link_relocatable, LinkError, LinkOptions, Linked};
use crate::llvm::{self, BackendError, BoundsChecks, OptLevel};
use crate::meta::Metadata;
use crate::Loaded;
use std::borrow::Cow;
use thiserror::Error;

/// The runtime's static library for [`RUNTIME_TARGET`], linked into every
/// executable: carried inside the library so linking needs nothing but a C
/// compiler driver.
pub static RUNTIME_ARCHIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libjanus_runtime.a"));

/// The target triple [`RUNTIME_ARCHIVE`] was built for (cargo's spelling of
/// the host, e.g. `x86_64-unknown-linux-gnu`).
pub const RUNTIME_TARGET: &str = env!("JANUS_RUNTIME_TARGET");

/// How to compile: everything but the program and which artefacts to make.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The LLVM optimisation level (`-O`); also recorded in the metadata.
    pub opt: OptLevel,
    /// The target triple; the host when `None`. Executables need
    /// [`RUNTIME_TARGET`] (or LLVM's spelling of the host).
    pub target: Option<String>,
    /// How memory accesses are checked; anything but the default is for
    /// measurement only.
    pub bounds: BoundsChecks,
    /// How to link the executable.
    pub link: LinkOptions,
}

/// Which artefacts [`compile`] makes; each costs only the steps it needs
/// (SSA alone never starts LLVM; an object alone never links).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// The SSA IR as constructed (`--emit ssa-raw`).
    pub ssa_raw: bool,
    /// The SSA IR after the pass pipeline (`--emit ssa`).
    pub ssa: bool,
    /// LLVM IR text before LLVM's passes (`--emit llvm-ir-raw`).
    pub llvm_ir_raw: bool,
    /// LLVM IR text after LLVM's passes (`--emit llvm-ir`).
    pub llvm_ir: bool,
    /// Assembly text (`--emit asm`).
    pub asm: bool,
    /// The object file (`--emit obj`).
    pub object: bool,
    /// The linked executable (`--emit exe`).
    pub executable: bool,
}

impl Wanted {
    /// Only the executable.
    pub const EXECUTABLE: Wanted = Wanted {
        ssa_raw: false,
        ssa: false,
        llvm_ir_raw: false,
        llvm_ir: false,
        asm: false,
        object: false,
        executable: true,
    };

    /// Whether any wanted artefact needs the LLVM backend.
    pub fn needs_backend(self) -> bool {
        self.llvm_ir_raw || self.llvm_ir || self.asm || self.object || self.executable
    }
}

/// What [`compile`] made: each field is `Some` exactly when [`Wanted`] asked
/// for it.
#[derive(Clone, Debug, Default)]
pub struct Artefacts {
    /// The SSA IR as constructed; `Display` prints its text.
    pub ssa_raw: Option<ir::Module>,
    /// The SSA IR after the pass pipeline; `Display` prints its text.
    pub ssa: Option<ir::Module>,
    /// LLVM IR text before LLVM's passes.
    pub llvm_ir_raw: Option<String>,
    /// LLVM IR text after LLVM's passes.
    pub llvm_ir: Option<String>,
    /// Assembly text.
    pub asm: Option<Vec<u8>>,
    /// The object file.
    pub object: Option<Vec<u8>>,
    /// The executable's bytes and the command that linked it.
    pub executable: Option<Linked>,
    /// The functions the backend built with the reduced pipeline, and why
    /// (`janusc build -v` prints them).
    pub reduced: Vec<llvm::guard::Reduced>,
    /// How many codegen units the backend cut the program into (0 when
    /// the backend did not run; `janusc build -v` prints it above 1).
    pub units: usize,
}

/// Why compiling failed.
#[derive(Debug, Error)]
pub enum DriverError {
    /// The LLVM backend failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// An executable was asked for a target this library has no runtime for.
    #[error("no JanusVM runtime is built for target `{triple}`: this library links for `{runtime}` only (ask for an object or assembly instead)")]
    NoRuntime {
        /// The triple asked for.
        triple: String,
        /// [`RUNTIME_TARGET`].
        runtime: &'static str,
    },
    /// Linking failed.
    #[error(transparent)]
    Link(#[from] LinkError),
}

/// A verified bytecode module with its `.jbc` encoding, which the
/// executable's metadata hashes: from a [`Loaded`] (the loader's bytes, no
/// work) or a bare [`bytecode::Module`] (encoded when an executable needs
/// it).
#[derive(Clone, Debug)]
pub struct Program<'a> {
    module: &'a bytecode::Module,
    encoding: Option<&'a [u8]>,
}

impl<'a> From<&'a Loaded> for Program<'a> {
    fn from(loaded: &'a Loaded) -> Self {
        Program {
            module: &loaded.module,
            encoding: Some(&loaded.bytes),
        }
    }
}

impl<'a> From<&'a bytecode::Module> for Program<'a> {
    fn from(module: &'a bytecode::Module) -> Self {
        Program {
            module,
            encoding: None,
        }
    }
}

impl Program<'_> {
    /// The module's one `.jbc` encoding.
    fn encoding(&self) -> Cow<'_, [u8]> {
        match self.encoding {
            Some(bytes) => {
                debug_assert_eq!(bytecode::encode(self.module), bytes, "one encoding");
                Cow::Borrowed(bytes)
            }
            None => Cow::Owned(bytecode::encode(self.module)),
        }
    }
}

/// Whether [`RUNTIME_ARCHIVE`] can link for `triple`.
fn has_runtime(triple: &str) -> bool {
    triple == RUNTIME_TARGET || triple == llvm::host_triple()
}

/// Compiles `program` to every artefact `wanted` names.
pub fn compile<'a>(
    program: impl Into<Program<'a>>,
    options: &Options,
    wanted: Wanted,
) -> Result<Artefacts, DriverError> {
    let program = program.into();
    let bc = program.module;
    if let (true, Some(t)) = (wanted.executable, &options.target) {
        if !has_runtime(t) {
            return Err(DriverError::NoRuntime {
                triple: t.clone(),
                runtime: RUNTIME_TARGET,
            });
        }
    }
    let mut artefacts = Artefacts::default();
    let mut ir = ir::construct::build_module(bc);
    if wanted.ssa_raw {
        artefacts.ssa_raw = Some(ir.clone());
    }
    if !(wanted.ssa || wanted.needs_backend()) {
        return Ok(artefacts);
    }
    ir::passes::optimize_module(&mut ir);
    if wanted.needs_backend() {
        let products = llvm::compile_with(
            &ir,
            options.target.as_deref(),
            options.opt,
            llvm::Wants {
                llvm_ir_raw: wanted.llvm_ir_raw,
                llvm_ir: wanted.llvm_ir,
                asm: wanted.asm,
            },
            options.bounds,
        )?;
        artefacts.llvm_ir_raw = products.llvm_ir_raw;
        artefacts.llvm_ir = products.llvm_ir;
        artefacts.asm = products.asm;
        artefacts.reduced = products.reduced;
        artefacts.units = products.objects.len();
        let mut objects = products.objects;
        if wanted.executable {
            let meta = Metadata::new(&program.encoding(), bc, options.opt.name())
                .to_object(options.target.as_deref().unwrap_or(RUNTIME_TARGET));
            let mut inputs: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
            inputs.push(&meta);
            let linked = link(&inputs, RUNTIME_ARCHIVE, &options.link)?;
            artefacts.executable = Some(linked);
        }
        if wanted.object {
            artefacts.object = Some(match objects.len() {
                1 => objects.remove(0),
                _ => {
                    let inputs: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
                    link_relocatable(&inputs, &options.link)?
                }
            });
        }
    }
    if wanted.ssa {
        artefacts.ssa = Some(ir);
    }
    Ok(artefacts)
}

/// Compiles `program` to the optimised SSA [`compile`] makes, then through
/// LLVM's JIT for the host at `opt`, and runs its `main` in this process
/// with `args` (the first is the program's name); returns its exit status.
/// A trap or `exit` ends the process from inside the runtime, as in an
/// executable.
pub fn run_jit<'a>(
    program: impl Into<Program<'a>>,
    opt: OptLevel,
    args: &[String],
) -> Result<i32, DriverError> {
    let program = program.into();
    let wanted = Wanted {
        ssa: true,
        ..Wanted::default()
    };
    let ir = compile(program.clone(), &Options::default(), wanted)?.ssa;
    let ir = ir.expect("asked for");
    Ok(llvm::jit::run(&ir, opt, args)?)
}

/// Opens `program` for the hybrid engine's tiered compiles at `opt`
/// ([`llvm::tier::Session`]): its IR is built and optimised once, as for
/// [`run_jit`], and functions are then compiled one at a time. `addresses`
/// gives this process's address of every runtime symbol, `janus_vm` and
/// the three `abi::tier` symbols.
pub fn open_tier<'a>(
    program: impl Into<Program<'a>>,
    opt: OptLevel,
    addresses: &dyn Fn(&str) -> Option<usize>,
) -> Result<llvm::tier::Session, DriverError> {
    let program = program.into();
    Ok(llvm::tier::Session::open(
        program.module.clone(),
        opt,
        addresses,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &[u8] = b"export main\nfunc main() -> i32\n    reg r0: i32\n    ret [r0]\nend\n";

    #[test]
    fn only_what_is_wanted_is_made() {
        let loaded = crate::load(MAIN).expect("loads");
        let wanted = Wanted {
            ssa_raw: true,
            ..Wanted::default()
        };
        let artefacts = compile(&loaded, &Options::default(), wanted).expect("SSA only");
        assert!(artefacts.ssa_raw.is_some());
        assert!(artefacts.ssa.is_none() && artefacts.object.is_none());
        let wanted = Wanted {
            asm: true,
            ..Wanted::default()
        };
        let artefacts = compile(&loaded, &Options::default(), wanted).expect("compiles");
        assert!(artefacts.asm.is_some());
        assert!(artefacts.object.is_none() && artefacts.executable.is_none());
        assert!(artefacts.llvm_ir.is_none() && artefacts.ssa.is_none());
    }

    #[test]
    fn an_executable_for_a_target_without_a_runtime_is_refused() {
        let loaded = crate::load(MAIN).expect("loads");
        let foreign = if RUNTIME_TARGET.starts_with("aarch64") {
            "x86_64-unknown-linux-gnu"
        } else {
            "aarch64-unknown-linux-gnu"
        };
        let options = Options {
            target: Some(foreign.into()),
            ..Options::default()
        };
        let err = compile(&loaded, &options, Wanted::EXECUTABLE).expect_err("no runtime");
        assert!(
            matches!(&err, DriverError::NoRuntime { triple, .. } if triple == foreign),
            "{err:?}"
        );
    }
}
