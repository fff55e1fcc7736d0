//! Everything that can make a command fail, as the driver sees it; the
//! diagnostics module turns each into what the user reads.

use janus_compiler::LoadError;
use std::path::PathBuf;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The command line asks for something impossible.
    Usage(String),
    /// `run --engine all`: the engines ran the program to different results.
    Disagree {
        /// The engine every other is compared with.
        first: &'static str,
        /// The engine that differs from it.
        other: &'static str,
        /// How they differ: `stdout differs at byte 3`, `exit status 0 vs 1`...
        what: String,
    },
    /// The LLVM backend failed.
    Backend(janus_compiler::llvm::BackendError),
    /// Linking failed.
    Link(janus_compiler::link::LinkError),
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// `read`, `write`, `run`...
        action: &'static str,
        /// The host's error.
        error: std::io::Error,
    },
    /// A file was read but is not a valid program.
    Load(Box<LoadFailure>),
    /// A `.wasm` file JanusVM cannot translate.
    Wasm {
        /// The file as the command line named it.
        name: String,
        /// What is wrong, with its code and file offset.
        error: Box<janus_wasm::WasmError>,
    },
    /// The diagnostics were already printed (warnings denied by
    /// `-D warnings`); only the exit status remains.
    Reported,
}

impl From<janus_compiler::driver::DriverError> for Failure {
    fn from(error: janus_compiler::driver::DriverError) -> Self {
        use janus_compiler::driver::DriverError;
        match error {
            DriverError::Backend(e) => Failure::Backend(e),
            DriverError::Link(e) => Failure::Link(e),
            DriverError::NoRuntime { .. } => Failure::Usage(error.to_string()),
        }
    }
}

/// A file that is not a valid program.
#[derive(Debug)]
pub struct LoadFailure {
    /// The file as the command line named it (`<stdin>` for `-`).
    pub name: String,
    /// Its contents, for showing source lines.
    pub contents: std::sync::Arc<Vec<u8>>,
    /// What is wrong.
    pub error: LoadError,
}
