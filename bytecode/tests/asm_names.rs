//! The assembler's conveniences of issue 11 (data labels, `len()`, named
//! constants, `N x label` jump-table repeats, the negative-offset message and
//! the overlapping-data warning), each checked against the plain spelling it
//! stands for: the module must be the same, byte for byte.

use janus_bytecode::asm::{assemble, disassemble, AsmError, AsmWarning};
use janus_bytecode::bytecode::limits::MAX_PARAMS;
use janus_bytecode::bytecode::{encode, Module, Operand};
use proptest::prelude::*;

fn module(src: &str) -> (Module, Vec<AsmWarning>) {
    let (module, _, warnings) = assemble(src).unwrap_or_else(|e| panic!("{src}\n{e:?}"));
    (module, warnings)
}

fn errors(src: &str) -> Vec<AsmError> {
    assemble(src)
        .err()
        .unwrap_or_else(|| panic!("assembled:\n{src}"))
}

/// The text of the first error's span, its code and message.
fn first_error(src: &str) -> (&'static str, String, String) {
    let e = &errors(src)[0];
    (e.code, e.message.clone(), src[e.span.clone()].to_string())
}

/// A one-function program around `body` with module lines `head`.
fn program(head: &str, body: &str) -> String {
    format!(
        "memory 1, 1\n{head}\nexport main\nfunc main() -> i32\n    reg r0..r3: i32\n    reg r4: i64\n{body}\n    i32.const r0, 0\n    ret [r0]\nend\n"
    )
}

fn same(a: &str, b: &str) {
    let (ma, _) = module(a);
    let (mb, _) = module(b);
    assert_eq!(encode(&ma), encode(&mb), "\n{a}\nis not\n{b}");
}

#[test]
fn data_labels_are_placed_one_after_another() {
    same(
        &program(
            "data a: \"hello\"\ndata b: i32 7, \"x\"\ndata 0x100, \"y\"\ndata c: zero 3",
            "    i32.const r1, a\n    i32.const r2, b\n    i32.const r3, c\n    i32.const r1, len(b)",
        ),
        &program(
            "data 0x0, \"hello\"\ndata 0x5, i32 7, \"x\"\ndata 0x100, \"y\"\ndata 0x101, zero 3",
            "    i32.const r1, 0\n    i32.const r2, 5\n    i32.const r3, 257\n    i32.const r1, 5",
        ),
    );
}

#[test]
fn a_data_label_may_give_its_address_and_be_used_before_it() {
    same(
        &program(
            "data ptrs: i32 msg, i32 len(msg)\ndata msg 0x40: \"hi\"\ndata after: \"!\"",
            "    i32.const r1, after\n    i32.load r2, r1, msg",
        ),
        &program(
            "data 0x0, i32 0x40, i32 2\ndata 0x40, \"hi\"\ndata 0x42, \"!\"",
            "    i32.const r1, 0x42\n    i32.load r2, r1, 64",
        ),
    );
}

#[test]
fn constants_fit_any_integer_operand_and_chain() {
    same(
        &program(
            "const BIG = 0x1_0000_0000\nconst N = M\nconst M = -5\nconst CODE = 7\nconst SIZE = len(s)\ndata s: \"abc\"",
            "    i64.const r4, BIG\n    i32.const r1, N\n    i32.const r2, SIZE\n    i32.load r3, r1, CODE\n    br_if r0, done\n    trap CODE\ndone:",
        ),
        &program(
            "data 0x0, \"abc\"",
            "    i64.const r4, 4294967296\n    i32.const r1, -5\n    i32.const r2, 3\n    i32.load r3, r1, 7\n    br_if r0, done\n    trap 7\ndone:",
        ),
    );
}

#[test]
fn table_repeats_expand_in_place() {
    let (m, _) = module(&program(
        "",
        "    br_table r0, d, [a, 3 x b, 0 x a, @0, 2 x d]\na:\n    jmp d\nb:\n    jmp d\nd:",
    ));
    let Operand::Labels(targets) = m.functions[0]
        .code
        .iter()
        .next()
        .expect("an instruction")
        .operands[2]
        .clone()
    else {
        panic!("br_table has a label list")
    };
    let pcs = m.functions[0].pcs();
    let (a, b, d) = (pcs[1], pcs[2], pcs[3]);
    assert_eq!(targets, [a, b, b, b, 0, d, d]);
    // The disassembly spells every entry out, and reads back the same.
    let text = disassemble(&m);
    assert!(text.contains("[a, b, b, b, @0, d, d]"), "{text}");
    let (again, _) = module(&text);
    assert_eq!(encode(&again), encode(&m));
}

#[test]
fn name_errors_point_at_the_name() {
    let (code, message, text) = first_error(&program("", "    i32.const r1, nope"));
    assert_eq!((code, text.as_str()), ("A0019", "nope"), "{message}");
    let (code, _, text) = first_error(&program("", "    i32.const r1, len(nope)"));
    assert_eq!((code, text.as_str()), ("A0019", "len(nope)"));
    let (code, message, text) = first_error(&program("data x: \"a\"\nconst x = 1", ""));
    assert_eq!((code, text.as_str()), ("A0020", "x"));
    assert!(message.contains("first on line 2"), "{message}");
    let (code, _, text) = first_error(&program("const A = B\nconst B = A", ""));
    assert_eq!((code, text.as_str()), ("A0021", "A"));
    let (code, _, text) = first_error(&program("const A = 1\n", "    i32.const r1, len(A)"));
    assert_eq!((code, text.as_str()), ("A0005", "len(A)"));
    let (code, _, _) = first_error("func f() -> i32\n    const N = 1\nend\n");
    assert_eq!(code, "A0013");
}

#[test]
fn range_errors_point_at_the_use() {
    let src = program("const BIG = 0x1_0000_0000", "    i32.const r1, BIG");
    let (code, message, text) = first_error(&src);
    assert_eq!((code, text.as_str()), ("A0006", "BIG"));
    assert_eq!(
        message,
        "an i32 `BIG` (= 4294967296) is out of range: expected -2147483648..=4294967295"
    );
    let (code, _, text) = first_error(&program("const HUGE = 0x1_0000_0000_0000_0000", ""));
    assert_eq!((code, text.as_str()), ("A0006", "0x1_0000_0000_0000_0000"));
}

#[test]
fn negative_offsets_say_what_to_do() {
    let (code, message, text) = first_error(&program("", "    i32.load r1, r2, -4"));
    assert_eq!((code, text.as_str()), ("A0006", "-4"));
    assert!(
        message.contains("subtract from the base register first"),
        "{message}"
    );
    let (_, message, _) = first_error(&program("const BACK = -8", "    i32.store r1, r2, BACK"));
    assert!(message.contains("`BACK` (= -8)"), "{message}");
}

#[test]
fn overlapping_segments_warn_at_the_later_line() {
    let src = program(
        "data 0x0, \"abcdef\"\ndata 0x10, \"z\"\ndata 0x4, i32 1",
        "",
    );
    let (_, warnings) = module(&src);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert_eq!(w.code, "W0001");
    assert_eq!(&src[w.span.clone()], "data 0x4, i32 1");
    assert_eq!(
        w.message,
        "data segment 0x4..0x8 overlaps the segment 0x0..0x6 on line 2: the later one overwrites the bytes they share"
    );
    assert_eq!(w.line_col(&src), (4, 1));
    // Touching is not overlapping, and labelled segments never overlap.
    let (_, warnings) = module(&program(
        "data 0x0, \"ab\"\ndata 0x2, \"cd\"\ndata x: \"e\"",
        "",
    ));
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn signatures_over_the_parameter_limit_are_assembler_errors() {
    let many = vec!["i32"; MAX_PARAMS as usize + 1].join(", ");
    let (code, _, text) = first_error(&program(&format!("type ({many})"), ""));
    assert_eq!((code, text.as_str()), ("A0018", "i32"));
    let src = program("", &format!("    call_indirect ({many}), r0, [], []"));
    assert_eq!(first_error(&src).0, "A0018");
}

proptest! {
    /// A jump table written with repeats is the table written out.
    #[test]
    fn repeats_equal_the_written_out_table(runs in prop::collection::vec((0usize..4, 0usize..6), 0..8)) {
        let labels = ["a", "b", "c", "d"];
        let short: Vec<String> = runs.iter().map(|&(l, n)| format!("{n} x {}", labels[l])).collect();
        let long: Vec<&str> = runs.iter().flat_map(|&(l, n)| std::iter::repeat(labels[l]).take(n)).collect();
        let body = |table: String| format!("    br_table r0, d, [{table}]\na:\nb:\nc:\nd:");
        let (m1, _) = module(&program("", &body(short.join(", "))));
        let (m2, _) = module(&program("", &body(long.join(", "))));
        prop_assert_eq!(encode(&m1), encode(&m2));
    }
}

/// A register list far over the limit is refused once it passes 255
/// registers, not after the whole list is read (issue 13: a 30 MB `ret`
/// list took 1.97 GB and 14 s before its A0018).
#[test]
fn a_huge_register_list_is_refused_as_soon_as_it_is_too_long() {
    let list = vec!["r0"; 2_000_000].join(", ");
    let source =
        format!("export main\nfunc main() -> i32\n    reg r0: i32\n    ret [{list}]\nend\n");
    let started = std::time::Instant::now();
    let errors = assemble(&source).expect_err("too long");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "A0018");
    assert!(errors[0].message.contains("more than 255 registers"));
    let at = source.find('[').expect("list");
    assert_eq!(errors[0].span.start, at, "points at the list");
    assert!(
        errors[0].span.end < at + 256 * 4 + 8,
        "{:?}",
        errors[0].span
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
