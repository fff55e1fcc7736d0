//! `libjanus_llvm.so`, janusc's LLVM backend as a shared library: the one
//! part of the toolchain that contains LLVM (linked statically into it),
//! loaded by `janusc` with `dlopen` only for the commands that compile
//! (`build`, `run --engine jit|aot|all`, the hybrid engine's first
//! compile, `print target-list`). Every other command starts without
//! relocating LLVM or running its static constructors.
//!
//! Its interface is a small C ABI ([`protocol`]'s symbols): an interface
//! version, and entry points that take a request's bytes and return a
//! response's, which the caller gives back to [`janus_llvm_free`]. Behind it
//! is the one pipeline entry point, `janus_compiler::driver` ([`serve`]).

pub mod protocol;
mod serve;

use protocol::{BackendFailure, Fact, Message};
use protocol::{CompileRequest, CompileResponse, RunJitRequest};
use protocol::{TierCompileRequest, TierOpenRequest, TierOpenResponse};
use std::panic::{self, AssertUnwindSafe};

/// The protocol version this library speaks ([`protocol::INTERFACE_VERSION`]).
#[no_mangle]
pub extern "C" fn janus_llvm_interface_version() -> u32 {
    protocol::INTERFACE_VERSION
}

/// Compiles: a [`CompileRequest`]'s bytes in, a [`CompileResponse`]'s out.
///
/// # Safety
/// `request` points to `request_len` readable bytes and `response_len` to a
/// writable `usize`; the result goes back to [`janus_llvm_free`] with the
/// length written there.
#[no_mangle]
pub unsafe extern "C" fn janus_llvm_compile(
    request: *const u8,
    request_len: usize,
    response_len: *mut usize,
) -> *mut u8 {
    let failed = |failure| CompileResponse {
        link_command: None,
        result: Err(failure),
    };
    // SAFETY: the caller's promise, passed on.
    unsafe {
        answer(
            request,
            request_len,
            response_len,
            failed,
            |request: CompileRequest| serve::compile(&request),
        )
    }
}

/// Runs a program under the JIT: a [`RunJitRequest`]'s bytes in, a
/// [`protocol::RunJitResponse`]'s out. A program that traps or calls `exit` ends the
/// process from inside the runtime, as an executable does, and this never
/// returns.
///
/// # Safety
/// As [`janus_llvm_compile`].
#[no_mangle]
pub unsafe extern "C" fn janus_llvm_run_jit(
    request: *const u8,
    request_len: usize,
    response_len: *mut usize,
) -> *mut u8 {
    // SAFETY: the caller's promise, passed on.
    unsafe {
        answer(
            request,
            request_len,
            response_len,
            Err,
            |request: RunJitRequest| serve::run_jit(&request),
        )
    }
}

/// A fact about the backend: a [`Fact`]'s bytes in, a [`protocol::FactResponse`]'s
/// out.
///
/// # Safety
/// As [`janus_llvm_compile`].
#[no_mangle]
pub unsafe extern "C" fn janus_llvm_fact(
    request: *const u8,
    request_len: usize,
    response_len: *mut usize,
) -> *mut u8 {
    // SAFETY: the caller's promise, passed on.
    unsafe {
        answer(request, request_len, response_len, Err, |fact: Fact| {
            Ok::<_, BackendFailure>(serve::fact(fact))
        })
    }
}

/// Opens a tiered session for the hybrid engine: a [`TierOpenRequest`]'s
/// bytes in, a [`TierOpenResponse`]'s out, whose handle names the session
/// to [`janus_llvm_tier_compile`] and [`janus_llvm_tier_close`].
///
/// # Safety
/// As [`janus_llvm_compile`].
#[no_mangle]
pub unsafe extern "C" fn janus_llvm_tier_open(
    request: *const u8,
    request_len: usize,
    response_len: *mut usize,
) -> *mut u8 {
    // SAFETY: the caller's promise, passed on.
    unsafe {
        answer(
            request,
            request_len,
            response_len,
            Err,
            |request: TierOpenRequest| -> TierOpenResponse {
                let session = serve::tier_open(&request)?;
                Ok(Box::into_raw(Box::new(session)) as u64)
            },
        )
    }
}

/// Compiles in a tiered session: a [`TierCompileRequest`]'s bytes in, a
/// [`protocol::TierCompileResponse`]'s out.
///
/// # Safety
/// `handle` is one [`janus_llvm_tier_open`] returned and not yet closed,
/// used by one thread at a time; the rest as [`janus_llvm_compile`].
#[no_mangle]
pub unsafe extern "C" fn janus_llvm_tier_compile(
    handle: u64,
    request: *const u8,
    request_len: usize,
    response_len: *mut usize,
) -> *mut u8 {
    // SAFETY: the caller's promise: a live session no other thread uses.
    let session = unsafe { &mut *(handle as *mut janus_compiler::llvm::tier::Session) };
    // SAFETY: the caller's promise, passed on.
    unsafe {
        answer(
            request,
            request_len,
            response_len,
            Err,
            |request: TierCompileRequest| serve::tier_compile(session, &request),
        )
    }
}

/// Closes a tiered session. Its code stays mapped, so code compiled in it
/// that is still running or still referred to keeps working.
///
/// # Safety
/// `handle` is one [`janus_llvm_tier_open`] returned, closed once, and no
/// other thread is using it.
#[no_mangle]
pub unsafe extern "C" fn janus_llvm_tier_close(handle: u64) {
    // SAFETY: the box `janus_llvm_tier_open` leaked, freed once.
    drop(unsafe { Box::from_raw(handle as *mut janus_compiler::llvm::tier::Session) });
}

/// Frees a response this library returned.
///
/// # Safety
/// `response` and `len` are exactly what one entry point returned and
/// wrote, and are freed once.
#[no_mangle]
pub unsafe extern "C" fn janus_llvm_free(response: *mut u8, len: usize) {
    // SAFETY: the pointer and length of a boxed slice `answer` leaked.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(response, len)) });
}

/// Decodes the request, answers it with `handle` (a malformed request or a
/// panic becoming the response `failed` makes, so nothing unwinds into the
/// caller), and hands the response's bytes out.
///
/// # Safety
/// As [`janus_llvm_compile`].
unsafe fn answer<Request: Message, Response: Message>(
    request: *const u8,
    request_len: usize,
    response_len: *mut usize,
    failed: impl Fn(BackendFailure) -> Response,
    handle: impl FnOnce(Request) -> Response,
) -> *mut u8 {
    let request = match request_len {
        0 => &[][..],
        // SAFETY: the caller promises `request_len` readable bytes.
        _ => unsafe { std::slice::from_raw_parts(request, request_len) },
    };
    let response = match Request::from_bytes(request) {
        Ok(request) => panic::catch_unwind(AssertUnwindSafe(|| handle(request)))
            .unwrap_or_else(|payload| failed(serve::panicked(payload.as_ref()))),
        Err(error) => failed(serve::malformed(error)),
    };
    let response = Box::into_raw(response.to_bytes().into_boxed_slice());
    // SAFETY: the caller promises a writable `usize`.
    unsafe { response_len.write(response.len()) };
    response.cast::<u8>()
}
