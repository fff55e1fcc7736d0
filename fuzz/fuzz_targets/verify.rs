//! The verifier on well-formed but hostile modules (see `janus_fuzz::hostile`):
//! every built module encodes and decodes back to itself; the verifier never
//! panics and its errors point inside the file; `load` agrees with it; a
//! module it accepts keeps the verifier's promises (`janus_fuzz::promise`) and
//! survives what follows it without LLVM: the disassembler
//! round trip byte for byte, and, when its work is statically bounded, two
//! interpreter runs with the same outcome. Some inputs then damage the
//! encoding where only bytes can be wrong (`janus_fuzz::damage`), and the
//! decoder must give exactly the error expected, or, for a version-1 header
//! without globals, the same module and `load` the same verdict.
#![no_main]

use arbitrary::Unstructured;
use janus_bytecode::bytecode::{decode, encode, FileOffsets, Module};
use janus_bytecode::verify::VerifyError;
use janus_bytecode::{asm, load, verify, LoadError};
use janus_fuzz::damage::{self, Damaged, Expect};
use janus_fuzz::{hostile, promise, run};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(module) = hostile::module(&mut u) else {
        return;
    };
    let bytes = encode(&module);
    let (decoded, offsets) = decode(&bytes).expect("a built module is a well-formed container");
    assert_eq!(decoded, module, "decode(encode(m)) == m");
    let verdict = verify::verify(&decoded, &offsets);
    match &verdict {
        Err(errors) => {
            assert!(!errors.is_empty(), "a rejection names at least one error");
            for e in errors {
                assert!(e.offset <= bytes.len(), "{e} points past the file's end");
                assert!(!e.to_string().is_empty());
            }
            match load(&bytes) {
                Err(LoadError::Verify { errors: again, .. }) => assert_eq!(&again, errors),
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
    if let Ok(Some(damaged)) = damage::damage(&mut u, &decoded, &bytes, &offsets) {
        check_damaged(&damaged, &decoded, &offsets, &verdict);
    }
});

/// Decodes and loads `damaged`, the encoding of `module` (with `offsets` and
/// the verifier's `verdict`) changed, and checks the result is the one
/// expected.
fn check_damaged(
    damaged: &Damaged,
    module: &Module,
    offsets: &FileOffsets,
    verdict: &Result<(), Vec<VerifyError>>,
) {
    match (&damaged.expect, decode(&damaged.bytes)) {
        (Expect::Error { code, offset }, Err(e)) => {
            assert_eq!((e.code(), e.offset), (*code, *offset), "{e}");
            match load(&damaged.bytes) {
                Err(LoadError::Decode(again)) => assert_eq!(again, e),
                other => panic!("the decoder refused the file, load gave {other:?}"),
            }
        }
        (Expect::Same, Ok((again, again_offsets))) => {
            assert_eq!(&again, module, "version 1 decodes as version 2");
            assert_eq!(&again_offsets, offsets);
            match (load(&damaged.bytes), verdict) {
                (Ok(loaded), Ok(())) => assert_eq!(&loaded.module, module),
                (Err(LoadError::Verify { errors, .. }), Err(expected)) => {
                    assert_eq!(&errors, expected)
                }
                (other, _) => panic!("version 1 of the module: load gave {other:?}"),
            }
        }
        (expect, got) => panic!("expected {expect:?}, the decoder gave {got:?}"),
    }
}
