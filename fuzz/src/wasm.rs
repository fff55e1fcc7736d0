//! WebAssembly modules for the `wasm_translate` target: `wasm-smith` drawn
//! from the fuzzer's bytes, restricted to what `janus_wasm::features()`
//! translates (the same restrictions as `tests/wasm_diff/smith.rs`, the
//! differential test's generator), so every module it makes is valid and
//! the translator may reject it only as unsupported or too large.

use arbitrary::{Result, Unstructured};
use wasm_smith::{Config, InstructionKind, InstructionKinds, Module};

/// A configuration of the supported features; sizes and the trap policy
/// come from `u`.
pub fn config(u: &mut Unstructured) -> Result<Config> {
    Ok(Config {
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
        // table.copy, table.init and elem.drop are not translated.
        allowed_instructions: InstructionKinds::new(&[
            InstructionKind::Numeric,
            InstructionKind::Parametric,
            InstructionKind::Variable,
            InstructionKind::Memory,
            InstructionKind::Control,
        ]),
        max_imports: 0,
        max_memories: 1,
        max_tables: 1,
        max_memory32_bytes: u.int_in_range(0..=1u64 << 24)?,
        max_table_elements: u.int_in_range(0..=10_000)?,
        max_funcs: u.int_in_range(0..=64)?,
        max_instructions: u.int_in_range(0..=1000)?,
        max_nesting_depth: u.int_in_range(0..=64)?,
        export_everything: u.arbitrary()?,
        canonicalize_nans: u.arbitrary()?,
        disallow_traps: u.arbitrary()?,
        ..Config::default()
    })
}

/// A module's bytes.
pub fn module(u: &mut Unstructured) -> Result<Vec<u8>> {
    let config = config(u)?;
    Ok(Module::new(config, u)?.to_bytes())
}
