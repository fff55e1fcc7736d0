//! What the WebAssembly front end reports: one enum, each variant with a
//! stable `M` code and the byte offset in the `.wasm` file it is about, so
//! the CLI's one diagnostic renderer prints it like every other stage's
//! errors.

use thiserror::Error;

/// Why a `.wasm` file could not be turned into a JanusVM module.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum WasmError {
    /// wasmparser rejected the module: malformed bytes or a module that
    /// does not validate. The message is wasmparser's.
    #[error("invalid WebAssembly module: {message} (at offset {offset:#x})")]
    Invalid {
        /// wasmparser's message.
        message: String,
        /// Where in the file.
        offset: usize,
    },
    /// The module uses a WebAssembly proposal JanusVM does not implement
    /// (SIMD, threads, memory64, exceptions, GC, reference types...).
    #[error("unsupported WebAssembly feature: {message} (at offset {offset:#x})")]
    UnsupportedFeature {
        /// What wasmparser said is not enabled.
        message: String,
        /// Where in the file.
        offset: usize,
    },
    /// A valid instruction of an enabled feature that the JanusVM ISA has
    /// no counterpart for yet.
    #[error("unsupported WebAssembly instruction `{instruction}`: {why} (at offset {offset:#x})")]
    UnsupportedInstruction {
        /// The instruction's text name.
        instruction: &'static str,
        /// What it belongs to and why it is not translated.
        why: &'static str,
        /// Where in the file.
        offset: usize,
    },
    /// Something a valid module may contain that JanusVM cannot represent:
    /// more registers, parameters or table entries than its limits allow.
    #[error("{what}: JanusVM allows at most {limit} (at offset {offset:#x})")]
    Limit {
        /// What is too large, with its size.
        what: String,
        /// The JanusVM limit.
        limit: u64,
        /// Where in the file.
        offset: usize,
    },
    /// The translated module passes a limit of the JanusVM format (code
    /// or data size, function count); the loader's message says which.
    #[error("the translated module exceeds a JanusVM limit: {message} (at offset {offset:#x})")]
    TooLarge {
        /// The loader's message.
        message: String,
        /// Where in the file (0: the module as a whole).
        offset: usize,
    },
    /// An import JanusVM does not provide.
    #[error("unsupported import `{module}.{name}`: {why} (at offset {offset:#x})")]
    UnsupportedImport {
        /// The import's module name.
        module: String,
        /// The import's field name.
        name: String,
        /// What JanusVM does provide instead.
        why: String,
        /// Where in the file.
        offset: usize,
    },
    /// A host function or global imported with a type other than the
    /// host's (WASI preview 1's, or the spec tests' `spectest` module's).
    #[error("import `{module}.{name}` has type {found}, but the host defines it as {expected} (at offset {offset:#x})")]
    ImportType {
        /// The import's module name.
        module: String,
        /// The function or global.
        name: String,
        /// The type the host gives it.
        expected: String,
        /// The type the module declares.
        found: String,
        /// Where in the file.
        offset: usize,
    },
    /// An active element segment lies outside the table: instantiating the
    /// module would trap before anything runs.
    #[error("active element segment {segment} (entries {start}..{end}) lies outside the table of {size} entries: instantiation traps `out of bounds table access` (at offset {offset:#x})")]
    ElementsOutOfBounds {
        /// The segment's index.
        segment: u32,
        /// Its first entry.
        start: u64,
        /// One past its last entry.
        end: u64,
        /// The table's size.
        size: u64,
        /// Where in the file.
        offset: usize,
    },
    /// `--invoke` names no export, or an argument does not fit its
    /// parameter.
    #[error("{message}")]
    Invoke {
        /// What was expected.
        message: String,
    },
    /// The translation produced a module the JanusVM loader rejects: a bug
    /// in the translator, reported instead of panicking.
    #[error(
        "internal error: the translated module does not load: {message} (at offset {offset:#x})"
    )]
    Internal {
        /// The loader's or builder's message.
        message: String,
        /// Where in the file the function being translated starts (0 when
        /// the module as a whole is at fault).
        offset: usize,
    },
}

impl WasmError {
    /// The stable code: `M0001` malformed or invalid, `M01xx` unsupported
    /// features and limits, `M02xx` imports, `M03xx` instantiation,
    /// `M09xx` internal.
    pub fn code(&self) -> &'static str {
        match self {
            WasmError::Invalid { .. } => "M0001",
            WasmError::UnsupportedFeature { .. } => "M0100",
            WasmError::UnsupportedInstruction { .. } => "M0101",
            WasmError::Limit { .. } => "M0102",
            WasmError::TooLarge { .. } => "M0103",
            WasmError::UnsupportedImport { .. } => "M0200",
            WasmError::ImportType { .. } => "M0201",
            WasmError::ElementsOutOfBounds { .. } => "M0300",
            WasmError::Invoke { .. } => "M0400",
            WasmError::Internal { .. } => "M0900",
        }
    }

    /// The byte offset in the `.wasm` file the error is about.
    pub fn offset(&self) -> usize {
        match self {
            WasmError::Invalid { offset, .. }
            | WasmError::UnsupportedFeature { offset, .. }
            | WasmError::UnsupportedInstruction { offset, .. }
            | WasmError::Limit { offset, .. }
            | WasmError::TooLarge { offset, .. }
            | WasmError::UnsupportedImport { offset, .. }
            | WasmError::ImportType { offset, .. }
            | WasmError::ElementsOutOfBounds { offset, .. }
            | WasmError::Internal { offset, .. } => *offset,
            WasmError::Invoke { .. } => 0,
        }
    }

    /// Classifies a wasmparser error: a proposal that is not enabled is an
    /// unsupported feature, anything else an invalid module.
    pub(crate) fn from_parser(error: wasmparser::BinaryReaderError) -> WasmError {
        let message = error.message().to_string();
        let offset = usize::try_from(error.offset()).unwrap_or(usize::MAX);
        // wasmparser names a disabled proposal in one of these ways; more
        // than one table is what reference types (in WebAssembly 2.0)
        // allow. More than one memory is invalid in 2.0 and stays so.
        let unsupported = [
            "support is not enabled",
            "proposal not enabled",
            "must be enabled",
            "multiple tables",
        ];
        if unsupported.iter().any(|u| message.contains(u)) {
            WasmError::UnsupportedFeature { message, offset }
        } else {
            WasmError::Invalid { message, offset }
        }
    }
}

/// What the front end's fallible steps return.
pub type Result<T> = std::result::Result<T, WasmError>;
