//! The modules and calls of one seed: a `wasm-smith` module restricted to
//! what `janus_wasm::features()` translates, and deterministic arguments
//! for every exported function whose parameters are all numbers.
//!
//! Everything is a function of the seed alone (janus-generate's SplitMix64
//! stream feeds `arbitrary`), so a failing seed is a reproducer:
//! `JANUS_WASM_DIFF_START=N JANUS_WASM_DIFF_SEEDS=1` runs it again.

use crate::driver::Call;
use crate::wasm_diff::rewrite::{rewrite, CHECKSUM};
use arbitrary::Unstructured;
use janus_generate::Rng;
use janus_runtime::abi::ValType;
use wasm_smith::{Config, InstructionKind, InstructionKinds, Module};

/// The loop and call budget `ensure_termination` gives instantiation and,
/// through the rewrite's wrappers, each call from outside: small enough
/// that recursion ends (trapping `unreachable`) before any engine's call
/// stack does, and that a call which would not stop ends soon.
pub const TERMINATION_FUEL: i32 = 1000;

/// How many argument sets each exported function is called with.
const CALLS_PER_EXPORT: usize = 2;

/// At most this many calls per module (a module can export many functions).
const MAX_CALLS: usize = 24;

/// The generator's configuration for a seed: only the supported features,
/// no imports, at most one small memory and one table, NaNs canonicalized
/// so float results are deterministic. Every fourth seed disallows traps,
/// so those modules run long sequences of calls that all complete.
pub fn config(rng: &mut Rng) -> Config {
    Config {
        // What janus-wasm translates.
        reference_types_enabled: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        tail_call_enabled: false,
        gc_enabled: false,
        memory64_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        custom_descriptors_enabled: false,
        compact_imports_enabled: false,
        multi_value_enabled: true,
        bulk_memory_enabled: true,
        sign_extension_ops_enabled: true,
        saturating_float_to_int_enabled: true,
        // No table.* instructions (table.copy, table.init, elem.drop are
        // not translated); call_indirect is a control instruction.
        allowed_instructions: InstructionKinds::new(&[
            InstructionKind::Numeric,
            InstructionKind::Parametric,
            InstructionKind::Variable,
            InstructionKind::Memory,
            InstructionKind::Control,
        ]),
        max_imports: 0,
        max_memories: 1,
        max_memory32_bytes: 4 << 16,
        memory_max_size_required: true,
        max_tables: 1,
        max_table_elements: 64,
        min_types: 2,
        min_funcs: 3,
        max_funcs: 16,
        max_exports: 32,
        export_everything: true,
        canonicalize_nans: true,
        disallow_traps: rng.below(4) == 0,
        ..Config::default()
    }
}

/// One seed's module.
pub struct Case {
    /// The binary module the engines run.
    pub bytes: Vec<u8>,
    /// The same module as wasmi runs it (`rewrite`: select conditions
    /// through a global).
    pub oracle_bytes: Vec<u8>,
    /// Calls of exported functions, in the order they are made.
    pub calls: Vec<Call>,
    /// The call of the memory checksum the rewrite added (made after the
    /// calls), if it added one.
    pub checksum: Option<Call>,
    /// Reads of exported globals (made after the calls).
    pub globals: Vec<Call>,
}

/// Generates seed `seed`'s module and calls; `Err` says why wasm-smith
/// made none (too few bytes for its choices, for instance).
pub fn case(seed: u64) -> Result<Case, String> {
    let mut rng = Rng(seed ^ 0x6a09_e667_f3bc_c908);
    let config = config(&mut rng);
    let size = 1024 + rng.below(16 << 10);
    let data: Vec<u8> = (0..size).map(|_| rng.next() as u8).collect();
    let mut module =
        Module::new(config, &mut Unstructured::new(&data)).map_err(|e| e.to_string())?;
    let fuel = module
        .ensure_termination(TERMINATION_FUEL as u32)
        .map_err(|e| e.to_string())?;
    let generated = module.to_bytes();
    let refill = Some((fuel, TERMINATION_FUEL));
    let bytes = rewrite(&generated, refill, false)?;
    let oracle_bytes = rewrite(&generated, refill, true)?;
    let (mut functions, globals) = exports(&bytes)?;
    let checksum = functions
        .iter()
        .any(|(name, _)| name == CHECKSUM)
        .then(|| Call::Invoke {
            name: CHECKSUM.to_string(),
            args: Vec::new(),
        });
    functions.retain(|(name, _)| name != CHECKSUM);
    let mut calls = Vec::new();
    for _ in 0..CALLS_PER_EXPORT {
        for (name, params) in &functions {
            let args = params
                .iter()
                .map(|&ty| (ty, argument(&mut rng, ty)))
                .collect();
            calls.push(Call::Invoke {
                name: name.clone(),
                args,
            });
        }
    }
    calls.truncate(MAX_CALLS);
    let globals = globals.into_iter().map(|name| Call::Get { name }).collect();
    Ok(Case {
        bytes,
        oracle_bytes,
        calls,
        checksum,
        globals,
    })
}

/// Exported functions with numeric parameters (name, parameter types) and
/// exported numeric globals, as wasmi's parser reads the module.
/// Exported functions (name, parameter types) and global names.
type Exports = (Vec<(String, Vec<ValType>)>, Vec<String>);

fn exports(bytes: &[u8]) -> Result<Exports, String> {
    let engine = wasmi::Engine::default();
    let module =
        wasmi::Module::new(&engine, bytes).map_err(|e| format!("wasmi rejects it: {e}"))?;
    let mut functions = Vec::new();
    let mut globals = Vec::new();
    for export in module.exports() {
        match export.ty() {
            wasmi::ExternType::Func(ty) => {
                let params: Option<Vec<ValType>> =
                    ty.params().iter().map(|&t| numeric(t)).collect();
                let numeric_results = ty.results().iter().all(|&t| numeric(t).is_some());
                if let (Some(params), true) = (params, numeric_results) {
                    functions.push((export.name().to_string(), params));
                }
            }
            wasmi::ExternType::Global(ty) => {
                if numeric(ty.content()).is_some() {
                    globals.push(export.name().to_string());
                }
            }
            wasmi::ExternType::Memory(_) | wasmi::ExternType::Table(_) => {}
        }
    }
    Ok((functions, globals))
}

/// The JanusVM type of a numeric wasm type.
pub fn numeric(ty: wasmi::ValType) -> Option<ValType> {
    match ty {
        wasmi::ValType::I32 => Some(ValType::I32),
        wasmi::ValType::I64 => Some(ValType::I64),
        wasmi::ValType::F32 => Some(ValType::F32),
        wasmi::ValType::F64 => Some(ValType::F64),
        wasmi::ValType::V128 | wasmi::ValType::FuncRef | wasmi::ValType::ExternRef => None,
    }
}

/// An argument's bits: mostly edge values (zero, one, all ones, the
/// extremes, small addresses, infinities, a NaN, tiny floats), sometimes
/// random bits.
fn argument(rng: &mut Rng, ty: ValType) -> u64 {
    const INTS: &[u64] = &[
        0,
        1,
        2,
        7,
        8,
        16,
        255,
        4096,
        65_535,
        65_536,
        u64::MAX,
        u64::MAX - 1,
    ];
    const F32S: &[u32] = &[
        0,
        0x8000_0000,
        0x3f80_0000,
        0xbf80_0000,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0x0000_0001,
        0x4f00_0000,
        0x4b00_0000,
        0x7f7f_ffff,
    ];
    const F64S: &[u64] = &[
        0,
        0x8000_0000_0000_0000,
        0x3ff0_0000_0000_0000,
        0xbff0_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x7ff8_0000_0000_0000,
        0x0000_0000_0000_0001,
        0x41e0_0000_0000_0000,
        0x43e0_0000_0000_0000,
        0x7fef_ffff_ffff_ffff,
    ];
    let random = rng.below(4) == 0;
    let bits = rng.next();
    match ty {
        ValType::I32 if random => bits & 0xffff_ffff,
        ValType::I32 => INTS[rng.below(INTS.len())] & 0xffff_ffff,
        ValType::I64 if random => bits,
        ValType::I64 => INTS[rng.below(INTS.len())],
        ValType::F32 if random => bits & 0xffff_ffff,
        ValType::F32 => u64::from(F32S[rng.below(F32S.len())]),
        ValType::F64 if random => bits,
        ValType::F64 => F64S[rng.below(F64S.len())],
    }
}
