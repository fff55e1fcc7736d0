//! The WebAssembly front end: a `.wasm` module in, a verified JanusVM module
//! out.
//!
//! wasmparser validates the module first (WebAssembly 2.0 without SIMD and
//! reference types: MVP, mutable globals, sign extension, non-trapping
//! float-to-int, multi-value and bulk memory), so translation only ever
//! sees valid code. [`module`] reads the sections, [`function`] turns each
//! body's operand stack into registers, [`imports`] maps WASI preview 1 onto
//! the `wasi` device, and [`entry`] builds `main`: it applies what
//! instantiation does at run time (data segments that do not fit, the start
//! function) and then calls the `_start` export. The result is encoded and
//! loaded by the same hostile-input loader and verifier every `.jbc` file
//! goes through, so a translator bug surfaces as an error, never as a
//! module the engines would misrun.

pub mod entry;
pub mod error;
mod function;
pub mod imports;
pub mod invoke;
mod module;
mod operators;

pub use entry::Instance;
pub use error::{Result, WasmError};
pub use imports::Options;

use janus_bytecode::bytecode::builder::ModuleBuilder;
use janus_bytecode::bytecode::{self, Module};
use janus_bytecode::Loaded;
use wasmparser::{Validator, WasmFeatures};

/// The four bytes every binary WebAssembly module starts with.
pub const MAGIC: [u8; 4] = *b"\0asm";

/// Whether a file is a binary WebAssembly module (by its magic).
pub fn is_wasm(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// The WebAssembly features JanusVM translates.
pub fn features() -> WasmFeatures {
    WasmFeatures::WASM1
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
}

/// A translated module and where its code came from.
#[derive(Clone, Debug)]
pub struct Translation {
    /// The JanusVM module.
    pub module: Module,
    /// For each JanusVM function, each instruction's pc and the file offset
    /// of the wasm instruction it was translated from, in pc order (empty
    /// for functions the translator made up).
    pub offsets: Vec<Vec<(u32, u32)>>,
    /// The wasm function index each JanusVM function translates, if any.
    pub wasm_functions: Vec<Option<u32>>,
    /// The module's function exports: wasm name, JanusVM function index.
    pub exports: Vec<(String, u32)>,
}

/// Validates a `.wasm` module with wasmparser.
pub fn validate(bytes: &[u8]) -> Result<()> {
    Validator::new_with_features(features())
        .validate_all(bytes)
        .map(drop)
        .map_err(WasmError::from_parser)
}

/// Translates a `.wasm` module into a JanusVM module whose `main` runs what
/// instantiation runs and then the `_start` export, and returns 0.
pub fn translate(bytes: &[u8], options: &Options) -> Result<Translation> {
    translate_with(bytes, options, entry::default_main)
}

/// Translates a `.wasm` module, letting `main` build the `main` function
/// (the spec-test runner makes one that calls exports with arguments).
pub fn translate_with(
    bytes: &[u8],
    options: &Options,
    main: impl FnOnce(&mut ModuleBuilder, &Instance) -> Result<()>,
) -> Result<Translation> {
    validate(bytes)?;
    let wasm = module::WasmModule::read(bytes, options)?;
    entry::build(&wasm, main)
}

/// Translates, encodes and loads a `.wasm` module: the same loader and
/// verifier as `.jbc` input, so what the engines get is checked.
pub fn load(bytes: &[u8], options: &Options) -> Result<(Loaded, Translation)> {
    let translation = translate(bytes, options)?;
    let loaded = load_translation(&translation)?;
    Ok((loaded, translation))
}

/// Like [`load`], with a `main` that calls export `name` with `args` and
/// prints its results instead of running `_start` (`janusc run --invoke`).
pub fn load_invoke(
    bytes: &[u8],
    options: &Options,
    name: &str,
    args: &[String],
) -> Result<(Loaded, Translation)> {
    let translation = translate_with(bytes, options, invoke::invoke_main(name, args))?;
    let loaded = load_translation(&translation)?;
    Ok((loaded, translation))
}

/// Encodes and loads a translated module.
pub fn load_translation(translation: &Translation) -> Result<Loaded> {
    let encoded = bytecode::encode(&translation.module);
    janus_bytecode::load(&encoded).map_err(|error| match error {
        janus_bytecode::LoadError::Decode(e) if e.code() == "D0013" => WasmError::TooLarge {
            message: e.to_string(),
            offset: 0,
        },
        other => WasmError::Internal {
            message: match &other {
                janus_bytecode::LoadError::Verify { errors, .. } => errors
                    .iter()
                    .take(3)
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
                e => e.to_string(),
            },
            offset: 0,
        },
    })
}
