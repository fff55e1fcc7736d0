//! Any bytes given to the loader (decoder and verifier) must give a module or
//! an error, never a panic, a hang or an allocation out of proportion to the
//! input; a module it accepts must keep the verifier's promises and
//! re-encode to the same bytes.
#![no_main]

use janus_bytecode::{bytecode, load, SourceKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = load(data) {
        janus_fuzz::promise::check(&loaded.module);
        if loaded.kind == SourceKind::Bytecode {
            assert_eq!(
                bytecode::encode(&loaded.module),
                data,
                "an accepted file has exactly one encoding"
            );
        }
    }
});
