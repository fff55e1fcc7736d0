//! Support for the cargo-fuzz targets in `fuzz_targets/`: the structure-aware
//! module builder the `verify` target draws from ([`hostile`]), the changes
//! only an encoding can carry that it makes to the built module's bytes
//! ([`damage`]) and the bounded interpreter run it gives every module the
//! verifier accepts ([`run`]), and the verifier's promises checked again on
//! every accepted module by all four targets ([`promise`]); and the
//! `wasm-smith` configuration of the WebAssembly features JanusVM translates
//! that the `wasm_translate` target draws modules from ([`wasm`]).

pub mod damage;
pub mod hostile;
pub mod promise;
pub mod run;
pub mod wasm;
