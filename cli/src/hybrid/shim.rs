//! TEMPORARY, until branch `tier-compiler` is merged: the janusc-side API
//! of the compiler side (`crate::backend::TierSession` and its protocol
//! messages) with the exact signatures agreed, so the engine builds and its
//! interpreter side is tested first. `open` fails, so every run stays
//! interpreted. Deleted at the merge.

use crate::failure::Failure;

/// The protocol messages (`crate::backend::protocol`).
pub mod protocol {
    /// Opens a tiering session on a loaded module.
    pub struct TierOpenRequest {
        /// The loaded module's `.jbc` bytes.
        pub module: Vec<u8>,
        /// The `-O` level.
        pub opt: String,
        /// Symbol addresses in janusc.
        pub addresses: Vec<(String, u64)>,
    }
    /// Compiles one function, with an OSR entry at a loop header.
    pub struct TierCompileRequest {
        /// The function.
        pub func: u32,
        /// The loop header's bytecode pc, for an OSR entry.
        pub osr_pc: Option<u32>,
    }
    /// Compiled code.
    pub struct TierCode {
        /// `NativeEntry`.
        pub native: u64,
        /// `BoxedEntry`.
        pub boxed: u64,
        /// `OsrEntry`.
        pub osr: Option<u64>,
        /// How long it took.
        pub compile_nanos: u64,
        /// Bytecode functions the unit holds.
        pub functions: Vec<u32>,
    }
}

/// A compiler thread's session.
pub struct TierSession {
    _private: (),
}

impl TierSession {
    /// Opens a session.
    pub fn open(_request: &protocol::TierOpenRequest) -> Result<TierSession, Failure> {
        Err(Failure::Usage(
            "the tiering backend is not merged yet".into(),
        ))
    }

    /// Compiles a function.
    pub fn compile(
        &mut self,
        _request: &protocol::TierCompileRequest,
    ) -> Result<protocol::TierCode, Failure> {
        Err(Failure::Usage(
            "the tiering backend is not merged yet".into(),
        ))
    }
}
