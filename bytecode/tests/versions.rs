//! Format versions (docs/ISA.md §3): janusc writes version 2 and still
//! reads version 1, which is version 2 without the global section, null
//! table entries, the data segments' mode byte (every segment active) and
//! with at most one result a signature.

use janus_bytecode::bytecode::encode::write_leb_u32;
use janus_bytecode::bytecode::{decode, encode, DataKind, DecodeErrorKind};
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

/// A LEB128 integer at `bytes[*at..]`, moving `at` past it.
fn leb(bytes: &[u8], at: &mut usize) -> u32 {
    let mut value = 0u32;
    let mut shift = 0;
    loop {
        let byte = bytes[*at];
        *at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return value;
        }
        shift += 7;
    }
}

/// A version-2 file without a table, its data segments all active, written
/// as version 1: the same bytes but the version and each segment's mode byte.
fn as_version_1(v2: &[u8]) -> Vec<u8> {
    let mut out = with_version(&v2[..8], 1);
    let mut at = 8;
    while at < v2.len() {
        let id = v2[at];
        at += 1;
        let size = leb(v2, &mut at) as usize;
        let payload = &v2[at..at + size];
        at += size;
        let payload = if id == 6 {
            let mut p = 0;
            let mut data = Vec::new();
            let count = leb(payload, &mut p);
            write_leb_u32(&mut data, count);
            for _ in 0..count {
                assert_eq!(payload[p], 0x00, "an active segment");
                let start = p + 1;
                p = start;
                leb(payload, &mut p);
                let len = leb(payload, &mut p) as usize;
                p += len;
                data.extend_from_slice(&payload[start..p]);
            }
            data
        } else {
            payload.to_vec()
        };
        out.push(id);
        write_leb_u32(&mut out, payload.len() as u32);
        out.extend_from_slice(&payload);
    }
    out
}

#[test]
fn a_version_1_file_loads_as_the_same_module() {
    let loaded = load(HELLO.as_bytes()).expect("hello assembles");
    assert_eq!(
        loaded.module.data[0].kind,
        DataKind::Active { offset: 0x10 }
    );
    let v1 = as_version_1(&encode(&loaded.module));
    assert_eq!(
        v1.len() + 1,
        encode(&loaded.module).len(),
        "one mode byte fewer"
    );
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
    let err = decode(&as_version_1(&v2)).expect_err("no globals in version 1");
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
    decode(&as_version_1(&encode(&hello.module))).expect("one result is version 1");
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
