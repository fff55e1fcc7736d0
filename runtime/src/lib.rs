//! The JanusVM runtime.
//!
//! Built both as a static library, linked into every executable `janusc build`
//! produces, and as an rlib that the compiler, the interpreter and the JIT use
//! directly, so that every engine shares one implementation of memory, heap and
//! devices. Today it holds [`abi`]: the facts the compiler and the runtime must
//! agree on (trap kinds and their exit statuses, the device operation table,
//! memory-layout constants), written once so neither side can drift.

pub mod abi;
