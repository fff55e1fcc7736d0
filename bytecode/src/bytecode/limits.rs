//! The format's limits. Each is checked by the loader (or the verifier) with
//! its own error, so a hostile file cannot make the toolchain allocate or loop
//! beyond them, and each is documented in `docs/ISA.md`.

/// Largest `.jbc` file the loader accepts, in bytes.
pub const MAX_FILE_SIZE: usize = 256 << 20;
/// Most signatures in a module.
pub const MAX_SIGNATURES: u32 = 65_536;
/// Most parameters of one signature (and so arguments of one call): what a
/// register list's one-byte count can hold.
pub const MAX_PARAMS: u32 = u8::MAX as u32;
/// Most functions in a module.
pub const MAX_FUNCTIONS: u32 = 1_000_000;
/// Most registers of one function, parameters included: what a register
/// operand's `u16` can number (r0 ..= r65534).
pub const MAX_REGISTERS: u32 = u16::MAX as u32;
/// Largest code of one function, in bytes.
pub const MAX_CODE_SIZE: u32 = 16 << 20;
/// Most entries of the function table.
pub const MAX_TABLE_ENTRIES: u32 = 1_000_000;
/// Most exports.
pub const MAX_EXPORTS: u32 = 65_536;
/// Most data segments.
pub const MAX_DATA_SEGMENTS: u32 = 65_536;
/// Longest function, export or label name, in bytes.
pub const MAX_NAME_LEN: u32 = 1_024;
/// Most targets of one `br_table`.
pub const MAX_BR_TABLE: u32 = 65_536;
/// Most results of one signature (and so of one `call` or `ret`): what a
/// register list holds. Format version 1 allows at most one.
pub const MAX_RESULTS: u32 = 255;
/// Most label names in a module.
pub const MAX_LABEL_NAMES: u32 = 1_000_000;
/// Entries in the source section: one per instruction at most.
pub const MAX_SOURCE_OFFSETS: u32 = 16 << 20;
/// Most bytes in all data segments together.
pub const MAX_DATA_SIZE: u32 = 64 << 20;
/// Most globals in a module.
pub const MAX_GLOBALS: u32 = 1_000_000;
