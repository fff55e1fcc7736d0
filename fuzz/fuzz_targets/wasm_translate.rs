//! The WebAssembly front end on any bytes and on `wasm-smith` modules:
//! `janus_wasm::translate` never panics, its errors point inside the file,
//! and every translation it gives loads (the JanusVM loader and verifier
//! accept it) and keeps the verifier's promises (`janus_fuzz::promise`).
//! The input is first taken as a `.wasm` file as it is (the seeds are
//! modules: truncated, damaged and mutated ones reach the parser), then as
//! wasm-smith's choices for a valid module of the supported features
//! (`janus_fuzz::wasm`), which the translator may reject only as
//! unsupported (M01xx), never as invalid.
#![no_main]

use arbitrary::Unstructured;
use janus_fuzz::{promise, wasm};
use janus_wasm::Options;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check(data, false);
    if let Ok(bytes) = wasm::module(&mut Unstructured::new(data)) {
        check(&bytes, true);
    }
});

/// Translates and loads `bytes`; `valid` says wasm-smith made them.
fn check(bytes: &[u8], valid: bool) {
    match janus_wasm::translate(bytes, &Options::default()) {
        Ok(translation) => match janus_wasm::load_translation(&translation) {
            Ok(loaded) => promise::check(&loaded.module),
            // A JanusVM format limit (code size, function count) is a
            // rejection, not a bug.
            Err(e) if e.code() == "M0103" => {}
            Err(e) => panic!("a translation does not load: {e}"),
        },
        Err(e) => {
            assert!(e.offset() <= bytes.len(), "{e} points past the file's end");
            assert_ne!(e.code(), "M0900", "internal error: {e}");
            if valid {
                assert!(
                    e.code().starts_with("M01") || e.code() == "M0300",
                    "a valid wasm-smith module of the supported features is rejected: {e}"
                );
            }
        }
    }
}
