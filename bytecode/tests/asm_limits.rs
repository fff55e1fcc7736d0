//! The assembler checks the format's module-wide limits itself, before the
//! allocation each bounds, and reports A0018 at the line that crosses one
//! (they used to surface as the decoder's D0013 with a bytecode offset after
//! the whole module was built and encoded). Inputs are generated here.

use janus_bytecode::asm::{assemble, AsmError};
use janus_bytecode::bytecode::limits::{
    MAX_CODE_SIZE, MAX_DATA_SEGMENTS, MAX_EXPORTS, MAX_SIGNATURES, MAX_TABLE_ENTRIES,
};

/// The errors of assembling `src`, which must fail.
fn errors(src: &str) -> Vec<AsmError> {
    match assemble(src) {
        Ok(_) => panic!("assembled"),
        Err(errors) => errors,
    }
}

/// The one-based line of byte `offset`.
fn line_of(src: &str, offset: usize) -> usize {
    src[..offset].matches('\n').count() + 1
}

/// Asserts the only error is one A0018 on line `line`, mentioning `what`.
fn assert_limit_at(src: &str, line: usize, what: &str) {
    let errors = errors(src);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e.code, "A0018", "{e:?}");
    assert!(e.message.contains(what), "{}", e.message);
    assert_eq!(line_of(src, e.span.start), line, "{}", e.message);
}

const MAIN: &str = "func main() -> i32\n    reg r0: i32\n    i32.const r0, 0\n    ret [r0]\nend\n";

#[test]
fn code_past_the_limit_stops_at_the_crossing_instruction() {
    // Each line is 262,155 bytes of code; the 64th crosses 16 MiB.
    let size = 1 + 2 + 4 + 4 + 4 * 65_536;
    let crossing = MAX_CODE_SIZE as usize / size + 1;
    let mut src = String::from("export main\nfunc main() -> i32\n    reg r0: i32\nL:\n");
    for _ in 0..crossing + 10 {
        src.push_str("    br_table r0, L, [65536 x L]\n");
    }
    src.push_str("end\n");
    assert_limit_at(&src, 4 + crossing, "bytes of code");
}

#[test]
fn exports_past_the_limit() {
    let mut src = String::from(MAIN);
    for i in 0..=MAX_EXPORTS {
        src.push_str(&format!("export main as e{i}\n"));
    }
    assert_limit_at(&src, 6 + MAX_EXPORTS as usize, "exports");
}

#[test]
fn data_segments_past_the_limit() {
    let mut src = String::from("memory 2, 2\nexport main\n");
    src.push_str(MAIN);
    for i in 0..=MAX_DATA_SEGMENTS {
        src.push_str(&format!("data {i}, 1\n"));
    }
    assert_limit_at(&src, 8 + MAX_DATA_SEGMENTS as usize, "data segments");
}

#[test]
fn signatures_past_the_limit() {
    // `main`'s is the first; then distinct parameter lists of the four
    // types, shortest first.
    let mut src = String::from("export main\n");
    src.push_str(MAIN);
    let types = ["i32", "i64", "f32", "f64"];
    let mut written = 1;
    'lists: for len in 1..=9 {
        for digits in 0..1u32 << (2 * len) {
            if written > MAX_SIGNATURES {
                break 'lists;
            }
            let params: Vec<&str> = (0..len)
                .map(|d| types[(digits >> (2 * d) & 3) as usize])
                .collect();
            src.push_str(&format!("type ({})\n", params.join(", ")));
            written += 1;
        }
    }
    assert_limit_at(&src, 6 + MAX_SIGNATURES as usize, "signatures");
}

#[test]
fn table_entries_past_the_limit() {
    let mut src = String::from("export main\n");
    src.push_str(MAIN);
    let per_line = 1000;
    let lines = MAX_TABLE_ENTRIES as usize / per_line + 1;
    let row = vec!["main"; per_line].join(", ");
    for _ in 0..lines {
        src.push_str(&format!("table {row}\n"));
    }
    assert_limit_at(
        &src,
        7 + MAX_TABLE_ENTRIES as usize / per_line,
        "function-table entries",
    );
}
