//! Any bytes given to the loader (decoder and verifier) must give a module or
//! an error, never a panic, a hang or an allocation out of proportion to the
//! input; a module it accepts must keep the verifier's promises and
//! re-encode to the same bytes, but for the header's version: janusc writes
//! version 2 and reads version 1 too, which is version 2 without globals.
#![no_main]

use janus_bytecode::{bytecode, load, SourceKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = load(data) {
        janus_fuzz::promise::check(&loaded.module);
        if loaded.kind == SourceKind::Bytecode {
            let version = u32::from_le_bytes(data[4..8].try_into().expect("a header"));
            assert!(
                version == 2 || (version == 1 && loaded.module.globals.is_empty()),
                "accepted version {version} with {} globals",
                loaded.module.globals.len()
            );
            let mut again = bytecode::encode(&loaded.module);
            again[4..8].copy_from_slice(&data[4..8]);
            assert_eq!(
                again, data,
                "an accepted file has exactly one encoding in its version"
            );
        }
    }
});
