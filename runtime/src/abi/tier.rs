//! The tiering ABI: what the hybrid engine's interpreter (in janusc) and
//! the code the LLVM backend library compiles for it, one function at a
//! time, agree on. Written once here, as the rest of the ABI is.
//!
//! **Values in slots.** Wherever values cross between the tiers they travel
//! as 64-bit slots, as the interpreter holds its registers: an `i32` is
//! zero-extended, an `f32` is its bits zero-extended, an `i64` and an `f64`
//! (its bits) fill the slot. A reader of an `i32` or `f32` slot uses its
//! low 32 bits only.
//!
//! **Where shared state lives.** janusc runs one program per process; its
//! runtime (this crate, linked into janusc) is the one compiled code calls:
//! the backend maps every symbol of `RUNTIME_FUNCTIONS`, `janus_vm`, and
//! the three tier symbols below to addresses janusc gives it. The program's
//! globals are an array of slots at [`GLOBALS_SYMBOL`] (global `i` at byte
//! `8 × i`, its value in the slot's low bytes, little-endian), and
//! [`FUNCTIONS_SYMBOL`] is an array of one pointer-sized slot per bytecode
//! function: null while the function has no compiled code, else its
//! [`NativeEntry`]. janusc writes a slot once (release order) when the
//! function's code is ready; compiled code reads it (acquire or
//! monotonic) at each call of a function outside its own module, and calls
//! [`InterpCall`] at [`INTERP_CALL_SYMBOL`] while it is null.
//!
//! **Stack accounting.** `stack_bytes` is everywhere the frame bytes of the
//! active calls with the callee's (or, for an OSR entry, the function's
//! own) frame included, as the hidden first parameter of every compiled
//! function is (`docs/ISA.md` §6.5): the caller checked it against
//! `MAX_STACK_BYTES` before the call.
//!
//! **Ends.** A trap or an `exit` in compiled code ends the process from
//! inside the runtime (`janus_trap`, `janus_exit`), as in an executable; the
//! interpreter, when it runs below compiled code, ends it the same way.

/// The symbol whose address is the globals' slot array.
pub const GLOBALS_SYMBOL: &str = "janus.tier.globals";

/// The symbol whose address is the per-function array of native entries.
pub const FUNCTIONS_SYMBOL: &str = "janus.tier.functions";

/// The symbol whose address is janusc's [`InterpCall`].
pub const INTERP_CALL_SYMBOL: &str = "janus.tier.interp_call";

/// How the interpreter calls a compiled function: `args` holds its
/// parameters and `results` has room for its results, as slots.
pub type BoxedEntry = unsafe extern "C" fn(stack_bytes: u32, args: *const u64, results: *mut u64);

/// How the interpreter moves a running call into compiled code at a loop
/// header (on-stack replacement): `registers` holds every register of the
/// function as slots, as they are just before the instruction at the
/// header's pc runs, then one more slot: the header's index among those
/// the entry serves (`Function::loop_headers_from` of the header it was
/// compiled for); the entry runs the rest of the call and writes its
/// results.
pub type OsrEntry =
    unsafe extern "C" fn(stack_bytes: u32, registers: *const u64, results: *mut u64);

/// How compiled code calls a function that has no compiled code yet:
/// janusc runs it (interpreting it, or compiling it first) and writes its
/// results.
pub type InterpCall =
    unsafe extern "C" fn(func: u32, stack_bytes: u32, args: *const u64, results: *mut u64);

/// What a [`FUNCTIONS_SYMBOL`] slot holds: the address of the function as
/// every compiled function is called, `(i32 stack_bytes, params...) ->
/// results` in the C calling convention (one result returned as itself,
/// several as a struct), the form the backend's `frame::fn_type` gives.
pub type NativeEntry = *const ();
