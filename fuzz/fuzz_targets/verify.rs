//! The verifier on well-formed but hostile modules (see `janus_fuzz::hostile`):
//! every built module encodes and decodes back to itself; the verifier never
//! panics and its errors point inside the file; `load` agrees with it; a
//! module it accepts keeps the verifier's promises (`janus_fuzz::promise`) and
//! survives what follows it without LLVM: the disassembler
//! round trip byte for byte, and, when its work is statically bounded, two
//! interpreter runs with the same outcome.
#![no_main]

use arbitrary::Unstructured;
use janus_bytecode::bytecode::{decode, encode};
use janus_bytecode::{asm, load, verify, LoadError};
use janus_fuzz::{hostile, promise, run};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(module) = hostile::module(&mut Unstructured::new(data)) else {
        return;
    };
    let bytes = encode(&module);
    let (decoded, offsets) = decode(&bytes).expect("a built module is a well-formed container");
    assert_eq!(decoded, module, "decode(encode(m)) == m");
    match verify::verify(&decoded, &offsets) {
        Err(errors) => {
            assert!(!errors.is_empty(), "a rejection names at least one error");
            for e in &errors {
                assert!(e.offset <= bytes.len(), "{e} points past the file's end");
                assert!(!e.to_string().is_empty());
            }
            match load(&bytes) {
                Err(LoadError::Verify { errors: again, .. }) => assert_eq!(again, errors),
                other => panic!("the verifier rejected the module, load gave {other:?}"),
            }
        }
        Ok(()) => {
            promise::check(&decoded);
            let loaded = load(&bytes).expect("the verifier accepted the module, so load does");
            assert_eq!(loaded.module, decoded);
            let text = asm::disassemble(&decoded);
            let (again, _, _) = asm::assemble(&text).unwrap_or_else(|e| {
                panic!("the disassembly of a verified module assembles: {e:?}\n{text}")
            });
            assert_eq!(encode(&again), bytes, "asm(disasm(m)) == m\n{text}");
            if run::step_bound(&decoded).is_some() {
                let first = run::run(&decoded);
                assert_eq!(run::run(&decoded), first, "a bounded run is deterministic");
            }
        }
    }
});
