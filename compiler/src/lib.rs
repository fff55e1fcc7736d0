//! The JanusVM compiler: from a verified bytecode module to native code.
//!
//! The SSA IR ([`ir`]: construction, passes, printer and parser), the LLVM
//! backend and JIT ([`llvm`]), linking ([`link`]), the metadata embedded in
//! executables ([`meta`]) and reading it back ([`inspect`]), both from the
//! LLVM-free `janus-meta` crate and re-exported here, and the one
//! pipeline entry point over all of them ([`driver`]), which also carries
//! the runtime archive executables are linked with. The bytecode
//! stage is the `janus-bytecode` crate, re-exported here ([`bytecode`],
//! [`asm`], [`verify`], [`load`]) so a user of the compiler needs one crate.

pub mod driver;
pub mod ir;
pub mod link;
pub mod llvm;

pub use janus_meta as meta;
pub use janus_meta::inspect;

pub use janus_bytecode::{asm, bytecode, load, verify, LoadError, Loaded, SourceKind};

/// Which IR [`ssa_text`] prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrStage {
    /// As constructed from the bytecode (`--emit ssa-raw`).
    Raw,
    /// After the pass pipeline (`--emit ssa`).
    Optimized,
}

/// Loads a `.jbc` or `.jasm` file's contents and prints its SSA IR: the one
/// call a user needs to snapshot their own bytecode's IR.
///
/// ```
/// let src = b"export main\nfunc main() -> i32\n    reg r0: i32\n    ret [r0]\nend\n";
/// let ir = janus_compiler::ssa_text(src, janus_compiler::IrStage::Optimized).unwrap();
/// assert!(ir.starts_with("type () -> i32\nexport main\n\nfunction main() -> i32 {"));
/// ```
pub fn ssa_text(contents: &[u8], stage: IrStage) -> Result<String, LoadError> {
    let loaded = load(contents)?;
    let wanted = driver::Wanted {
        ssa_raw: stage == IrStage::Raw,
        ssa: stage == IrStage::Optimized,
        ..driver::Wanted::default()
    };
    let artefacts = driver::compile(&loaded, &driver::Options::default(), wanted)
        .expect("SSA alone never reaches the backend");
    let module = artefacts.ssa.or(artefacts.ssa_raw);
    Ok(module.expect("asked for").to_string())
}
