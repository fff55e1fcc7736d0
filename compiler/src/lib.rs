//! The JanusVM toolchain library.
//!
//! The pipeline's front door lives here: the bytecode format
//! ([`bytecode`]: opcode table, module, `.jbc` encoder and loader, builder),
//! the text assembly ([`asm`]: assembler and disassembler) and the verifier
//! ([`verify`]). [`load`] is the one entry point the CLI and the engines use
//! to turn a file of either format into a verified module.

pub mod asm;
pub mod bytecode;
pub mod generate;
pub mod inspect;
pub mod interp;
pub mod ir;
pub mod link;
pub mod llvm;
pub mod load;
pub mod meta;
pub mod verify;

pub use load::{load, LoadError, Loaded, SourceKind};

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
/// assert!(ir.starts_with("function main() -> i32 {"));
/// ```
pub fn ssa_text(contents: &[u8], stage: IrStage) -> Result<String, LoadError> {
    let loaded = load(contents)?;
    let mut module = ir::construct::build_module(&loaded.module);
    if stage == IrStage::Optimized {
        ir::passes::optimize_module(&mut module, &loaded.module);
    }
    Ok(module.to_string())
}
