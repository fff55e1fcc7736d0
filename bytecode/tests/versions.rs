//! Format versions (docs/ISA.md §3): janusc writes version 2 and still
//! reads version 1, which is version 2 without the global section and with
//! at most one result a signature.

use janus_bytecode::bytecode::{decode, encode, DecodeErrorKind};
use janus_bytecode::load;

const HELLO: &str = include_str!("../../samples/hello.jasm");
const GLOBALS: &str = include_str!("../../samples/globals.jasm");
const MULTI_RESULTS: &str = include_str!("../../samples/multi_results.jasm");

fn with_version(bytes: &[u8], version: u32) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[4..8].copy_from_slice(&version.to_le_bytes());
    out
}

#[test]
fn modules_are_written_as_version_2() {
    let loaded = load(HELLO.as_bytes()).expect("hello assembles");
    let bytes = encode(&loaded.module);
    assert_eq!(&bytes[..8], b"\0JBC\x02\0\0\0");
}

#[test]
fn a_version_1_file_loads_as_the_same_module() {
    let loaded = load(HELLO.as_bytes()).expect("hello assembles");
    let v1 = with_version(&encode(&loaded.module), 1);
    let (module, _) = decode(&v1).expect("version 1 decodes");
    assert_eq!(module, loaded.module);
    let reloaded = load(&v1).expect("version 1 loads and verifies");
    assert_eq!(reloaded.module, loaded.module);
}

#[test]
fn globals_need_version_2_and_other_versions_are_refused() {
    let loaded = load(GLOBALS.as_bytes()).expect("globals assembles");
    assert_eq!(loaded.module.globals.len(), 6);
    let v2 = encode(&loaded.module);
    let (module, _) = decode(&v2).expect("version 2 decodes");
    assert_eq!(module, loaded.module);
    let err = decode(&with_version(&v2, 1)).expect_err("no globals in version 1");
    assert!(
        matches!(
            err.kind,
            DecodeErrorKind::SectionTooNew {
                since: 2,
                version: 1,
                ..
            }
        ),
        "{err}"
    );
    for version in [0, 3, u32::MAX] {
        let err = decode(&with_version(&v2, version)).expect_err("unknown version");
        assert_eq!(err.code(), "D0002", "{err}");
        assert_eq!(err.offset, 4);
    }
}

#[test]
fn version_1_files_allow_one_result_at_most() {
    let loaded = load(MULTI_RESULTS.as_bytes()).expect("multi_results assembles");
    assert_eq!(
        loaded.module.signatures[0].to_string(),
        "(i32, i32) -> (i32, i32)"
    );
    let err = decode(&with_version(&loaded.bytes, 1)).expect_err("two results");
    assert_eq!(err.code(), "D0016", "{err}");
    // The first signature's result count: after the header (8), the
    // section id and size (2), the signature count (1), the parameter count
    // and two parameter types (3).
    assert_eq!(err.offset, 14, "{err}");
    let hello = load(HELLO.as_bytes()).expect("hello");
    decode(&with_version(&encode(&hello.module), 1)).expect("one result is version 1");
}

#[test]
fn a_table_entry_version_2_cannot_hold_is_written_so_that_decoding_refuses_it() {
    // Version 2 stores function f as f + 1; for f = u32::MAX that is 2^32.
    let mut module = load(HELLO.as_bytes()).expect("hello assembles").module;
    module.table = vec![Some(0), None, Some(u32::MAX)];
    let err = decode(&encode(&module)).expect_err("2^32 is no u32");
    assert_eq!(err.kind.code(), "D0011", "{err:?}");
    module.table = vec![Some(0), None, Some(u32::MAX - 1)];
    let (decoded, _) = decode(&encode(&module)).expect("decodes");
    assert_eq!(decoded.table, module.table);
}
