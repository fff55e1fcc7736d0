//! Everything that can make a command fail, as the driver sees it; the
//! diagnostics module turns each into what the user reads.

use crate::backend::protocol::{BackendFailure, FailureKind};
use crate::backend::CallError;
use janus_bytecode::LoadError;
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
    /// The LLVM backend or the link failed, as the backend library says.
    Backend(BackendFailure),
    /// The backend library could not be loaded or called.
    Library(CallError),
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

impl From<BackendFailure> for Failure {
    fn from(failure: BackendFailure) -> Self {
        match failure.kind {
            FailureKind::Usage => Failure::Usage(failure.message),
            FailureKind::Backend | FailureKind::Link | FailureKind::Internal => {
                Failure::Backend(failure)
            }
        }
    }
}

impl From<CallError> for Failure {
    fn from(error: CallError) -> Self {
        match error {
            CallError::Failed(failure) => failure.into(),
            other => Failure::Library(other),
        }
    }
}

impl From<crate::backend::LibraryError> for Failure {
    fn from(error: crate::backend::LibraryError) -> Self {
        Failure::Library(error.into())
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
