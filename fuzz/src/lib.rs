//! Support for the cargo-fuzz targets in `fuzz_targets/`: the structure-aware
//! module builder the `verify` target draws from ([`hostile`]) and the
//! bounded interpreter run it gives every module the verifier accepts
//! ([`run`]).

pub mod hostile;
pub mod run;
