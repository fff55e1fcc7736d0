//! janusc's side of the LLVM backend library (`backend/lib.rs`, built as
//! `libjanus_llvm.so`): find it, `dlopen` it the first time a command needs
//! LLVM, check that it speaks this janusc's [`protocol`], and call it.
//!
//! The janusc executable links no LLVM, so `check`, `asm`, `disasm`,
//! `inspect` and `run --engine interp` start as fast as any small program;
//! only `build`, the JIT and the LLVM facts of `print` pay for loading it.
//! The library is `$JANUS_LLVM_LIBRARY` when that is set (and only then);
//! otherwise the one beside the janusc executable (where `cargo build` and
//! `make build` put it) or the one in `deps/` beside it (where `cargo test`
//! leaves it, without refreshing the first), whichever was built last, so
//! a test run never uses a library older than the janusc it tests. It is
//! never unloaded: LLVM does not support it.

pub mod protocol;

use protocol::{
    BackendFailure, CompileRequest, CompileResponse, Entry, Fact, FactResponse, Free, Message,
    RunJitRequest, RunJitResponse, TierClose, TierCode, TierCompileEntry, TierCompileRequest,
    TierCompileResponse, TierOpenRequest, TierOpenResponse,
};
use std::cell::Cell;
use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use thiserror::Error;

/// The environment variable naming the library's path.
pub const LIBRARY_VARIABLE: &str = "JANUS_LLVM_LIBRARY";

/// Why the backend library cannot be used.
#[derive(Clone, Debug, Error)]
pub enum LibraryError {
    /// No file at any of the places it is looked for.
    #[error("the LLVM backend library is missing: janusc needs `{file}` for this command and looked for it at {}; build it with `cargo build --release -p janusc` (it is put beside janusc) or point {LIBRARY_VARIABLE} at it", list(.tried))]
    NotFound {
        /// [`protocol::LIBRARY_FILE`].
        file: &'static str,
        /// Every path tried, in order.
        tried: Vec<PathBuf>,
    },
    /// `dlopen` refused the file.
    #[error("cannot load the LLVM backend library `{}`: {reason}", .path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// `dlerror`'s message.
        reason: String,
    },
    /// The file lacks one of the protocol's symbols.
    #[error("`{}` is not a JanusVM LLVM backend library: it has no symbol `{symbol}`", .path.display())]
    Symbol {
        /// The file.
        path: PathBuf,
        /// The missing symbol.
        symbol: String,
    },
    /// The library speaks another version of the protocol.
    #[error("the LLVM backend library `{}` speaks interface version {found}, this janusc version {expected}: rebuild both with `cargo build --release -p janusc`", .path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u32,
        /// [`protocol::INTERFACE_VERSION`].
        expected: u32,
    },
}

/// Why a call into the backend did not give an answer.
#[derive(Clone, Debug, Error)]
pub enum CallError {
    /// The library could not be loaded.
    #[error(transparent)]
    Library(#[from] LibraryError),
    /// The library answered with bytes that are no response.
    #[error("the LLVM backend library `{}` sent a malformed response: {error}", .path.display())]
    Malformed {
        /// The library.
        path: PathBuf,
        /// What is wrong with it.
        error: protocol::ProtocolError,
    },
    /// The library could not give a fact (it is broken).
    #[error(transparent)]
    Failed(#[from] BackendFailure),
}

/// The loaded library's entry points.
#[derive(Debug)]
pub struct Backend {
    path: PathBuf,
    compile: Entry,
    run_jit: Entry,
    fact: Entry,
    tier_open: Entry,
    tier_compile: TierCompileEntry,
    tier_close: TierClose,
    free: Free,
}

/// The library, loaded the first time [`backend`] is called.
static BACKEND: OnceLock<Result<Backend, LibraryError>> = OnceLock::new();

/// The backend library, loaded on first use.
pub fn backend() -> Result<&'static Backend, LibraryError> {
    BACKEND.get_or_init(open).as_ref().map_err(Clone::clone)
}

impl Backend {
    /// Compiles, as `janus_compiler::driver::compile` does.
    pub fn compile(&self, request: &CompileRequest) -> Result<CompileResponse, CallError> {
        self.call(self.compile, request)
    }

    /// Runs a program under the JIT in this process; returns only when the
    /// program returns from `main` or cannot run.
    pub fn run_jit(&self, request: &RunJitRequest) -> Result<RunJitResponse, CallError> {
        self.call(self.run_jit, request)
    }

    /// A fact about the backend.
    pub fn fact(&self, fact: Fact) -> Result<Vec<u8>, CallError> {
        let response: FactResponse = self.call(self.fact, &fact)?;
        Ok(response?)
    }

    /// Sends `request`'s bytes to `entry`, copies the response and frees
    /// the library's copy.
    fn call<Response: Message>(
        &self,
        entry: Entry,
        request: &impl Message,
    ) -> Result<Response, CallError> {
        // SAFETY: `entry` is one of the protocol's entry points of a library
        // whose interface version matched; the request lives across the call
        // and `len` is a writable usize, as the protocol requires.
        self.exchange(request, |bytes, len, out| unsafe { entry(bytes, len, out) })
    }

    /// Sends `request`'s bytes through `send` (an entry point given the
    /// bytes, their length and where to write the response's), copies the
    /// response and frees the library's copy.
    fn exchange<Response: Message>(
        &self,
        request: &impl Message,
        send: impl FnOnce(*const u8, usize, *mut usize) -> *mut u8,
    ) -> Result<Response, CallError> {
        let request = request.to_bytes();
        let mut len = 0usize;
        let response = send(request.as_ptr(), request.len(), &mut len);
        let bytes = match len {
            0 => Vec::new(),
            // SAFETY: the library returned `len` readable bytes at `response`.
            _ => unsafe { std::slice::from_raw_parts(response, len) }.to_vec(),
        };
        // SAFETY: exactly the pointer and length the entry point gave, once.
        unsafe { (self.free)(response, len) };
        Response::from_bytes(&bytes).map_err(|error| CallError::Malformed {
            path: self.path.clone(),
            error,
        })
    }
}

/// A tiered session of the hybrid engine in the backend library: a program
/// opened once, then compiled one function (and OSR entry) at a time. Used
/// by one thread at a time (`Send`, not `Sync`); closed when dropped, its
/// code staying valid until the process exits.
#[derive(Debug)]
pub struct TierSession {
    handle: u64,
    backend: &'static Backend,
    /// Not `Sync`: the library's session is not to be used by two threads
    /// at once.
    _one_thread: PhantomData<Cell<()>>,
}

impl TierSession {
    /// Opens a session on `request`'s program, loading the library on
    /// first use.
    pub fn open(request: &TierOpenRequest) -> Result<TierSession, crate::failure::Failure> {
        let backend = backend()?;
        let response: TierOpenResponse = backend.call(backend.tier_open, request)?;
        Ok(TierSession {
            handle: response?,
            backend,
            _one_thread: PhantomData,
        })
    }

    /// Compiles a function, and optionally its OSR entry, returning their
    /// addresses in this process.
    pub fn compile(
        &mut self,
        request: &TierCompileRequest,
    ) -> Result<TierCode, crate::failure::Failure> {
        let (entry, handle) = (self.backend.tier_compile, self.handle);
        // SAFETY: `handle` is this session's, open, and `&mut self` keeps
        // other threads out; the rest as for every entry point.
        let response: TierCompileResponse =
            self.backend.exchange(request, |bytes, len, out| unsafe {
                entry(handle, bytes, len, out)
            })?;
        Ok(response?)
    }
}

impl Drop for TierSession {
    fn drop(&mut self) {
        // SAFETY: the handle the library gave this session, closed once.
        unsafe { (self.backend.tier_close)(self.handle) };
    }
}

/// The places the library is looked for, in order.
fn candidates() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os(LIBRARY_VARIABLE) {
        return vec![PathBuf::from(path)];
    }
    let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    else {
        return Vec::new();
    };
    vec![
        dir.join(protocol::LIBRARY_FILE),
        dir.join("deps").join(protocol::LIBRARY_FILE),
    ]
}

/// The newest of the candidates that exist (the first among equals).
fn newest(candidates: &[PathBuf]) -> Option<PathBuf> {
    let mut found: Option<(&PathBuf, std::time::SystemTime)> = None;
    for path in candidates {
        let Ok(metadata) = std::fs::metadata(path) else {
            continue;
        };
        if !metadata.is_file() {
            continue;
        }
        let built = metadata.modified().unwrap_or(std::time::UNIX_EPOCH);
        match found {
            Some((_, newest)) if built <= newest => {}
            _ => found = Some((path, built)),
        }
    }
    found.map(|(path, _)| path.clone())
}

/// Finds, loads and checks the library.
fn open() -> Result<Backend, LibraryError> {
    let tried = candidates();
    let Some(path) = newest(&tried) else {
        return Err(LibraryError::NotFound {
            file: protocol::LIBRARY_FILE,
            tried,
        });
    };
    let name = CString::new(path.as_os_str().as_bytes()).map_err(|_| LibraryError::Open {
        path: path.clone(),
        reason: "the path holds a NUL byte".into(),
    })?;
    // SAFETY: `name` is a NUL-terminated path; loading runs the library's
    // initialisers (LLVM's static constructors), which is what is wanted.
    let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if handle.is_null() {
        return Err(LibraryError::Open {
            path,
            reason: dl_error(),
        });
    }
    let symbol = |name: &CStr| {
        // SAFETY: `handle` is a live handle from dlopen, never closed.
        let address = unsafe { libc::dlsym(handle, name.as_ptr()) };
        match address.is_null() {
            true => Err(LibraryError::Symbol {
                path: path.clone(),
                symbol: name.to_string_lossy().into_owned(),
            }),
            false => Ok(address),
        }
    };
    let version = symbol(protocol::VERSION_SYMBOL)?;
    // SAFETY: the protocol gives this symbol the type `extern "C" fn() -> u32`
    // in every version.
    let version: extern "C" fn() -> u32 = unsafe { std::mem::transmute(version) };
    let found = version();
    if found != protocol::INTERFACE_VERSION {
        return Err(LibraryError::Version {
            path,
            found,
            expected: protocol::INTERFACE_VERSION,
        });
    }
    let entry = |name: &CStr| -> Result<Entry, LibraryError> {
        // SAFETY: in this interface version the symbol is an `Entry`.
        symbol(name)
            .map(|address| unsafe { std::mem::transmute::<*mut libc::c_void, Entry>(address) })
    };
    let free = symbol(protocol::FREE_SYMBOL)?;
    Ok(Backend {
        compile: entry(protocol::COMPILE_SYMBOL)?,
        run_jit: entry(protocol::RUN_JIT_SYMBOL)?,
        fact: entry(protocol::FACT_SYMBOL)?,
        tier_open: entry(protocol::TIER_OPEN_SYMBOL)?,
        // SAFETY: in this interface version the symbol is a TierCompileEntry.
        tier_compile: unsafe {
            std::mem::transmute::<*mut libc::c_void, TierCompileEntry>(symbol(
                protocol::TIER_COMPILE_SYMBOL,
            )?)
        },
        // SAFETY: in this interface version the symbol is a TierClose.
        tier_close: unsafe {
            std::mem::transmute::<*mut libc::c_void, TierClose>(symbol(
                protocol::TIER_CLOSE_SYMBOL,
            )?)
        },
        // SAFETY: in this interface version the symbol is a `Free`.
        free: unsafe { std::mem::transmute::<*mut libc::c_void, Free>(free) },
        path,
    })
}

/// `dlerror`'s message for the last failed call.
fn dl_error() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string valid until the
    // next dl call on this thread; it is copied at once.
    let message = unsafe { libc::dlerror() };
    if message.is_null() {
        return "unknown error".into();
    }
    // SAFETY: non-NULL, so a NUL-terminated string.
    unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned()
}

/// `a`, `a` and `b`, or `a`, `b` and `c`, each path in backticks.
fn list(paths: &[PathBuf]) -> String {
    let quoted: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
    match quoted.as_slice() {
        [] => "no place (the janusc executable's directory is unknown)".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests;
