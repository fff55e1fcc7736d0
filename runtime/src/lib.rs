//! The JanusVM runtime.
//!
//! Linked into every executable `janusc build` produces (as the static
//! library built from `staticlib/`), and used as a Rust library by the
//! compiler, the interpreter and the JIT, so that every engine shares one
//! implementation of memory, heap and devices. [`abi`] holds what the compiler
//! and the runtime must agree on, written once; [`exports`] is the C ABI
//! generated code calls.
//!
//! The crate is `no_std` (with `alloc`) so executables stay small: it talks
//! to the host through libc only.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod abi;
pub mod atomic_file;
pub mod config;
pub mod console;
pub mod devices;
pub mod disk;
pub mod display;
pub mod exports;
pub mod heap;
pub mod host;
pub mod keyboard;
pub mod machine;
pub mod memory;
pub mod net;
pub mod png;
pub mod random;
pub mod stack;
pub mod wasi;
