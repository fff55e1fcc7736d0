//! Every verifier error on `.jasm` input points back at the text: the operand
//! at fault where the verifier names one, else the instruction, directive or
//! label behind it. One program per error kind that text can produce; the
//! kinds the assembler rules out before the verifier runs (V0101 duplicate
//! signatures are merged, V0102 is A0018, V0105-V0107, V0109, V0207, V0209, V0210, V0301,
//! V0306 and V0307 need indices, names or orders the assembler chooses itself,
//! V0108 is A0011 first) can only come from `.jbc` files, which have no spans.

use janus_bytecode::{load, LoadError};

/// The code and the spanned text of every verifier error of `src`.
fn spans(src: &str) -> Vec<(&'static str, String)> {
    match load(src.as_bytes()) {
        Err(LoadError::Verify { errors, spans }) => errors
            .iter()
            .zip(spans)
            .map(|(e, span)| {
                let span = span.unwrap_or_else(|| panic!("{e} has no span"));
                (e.code(), src[span].to_string())
            })
            .collect(),
        other => panic!("expected verifier errors for\n{src}\ngot {other:?}"),
    }
}

fn one(src: &str, code: &str, text: &str) {
    let found = spans(src);
    assert!(
        found.iter().any(|(c, t)| *c == code && t == text),
        "expected {code} at `{text}` in\n{src}\nfound {found:?}"
    );
}

const MAIN: &str = "export main\nfunc main() -> i32\n    reg r0..r1: i32\n    reg r2: f64\n";

fn body(lines: &str) -> String {
    format!("{MAIN}{lines}\nend\n")
}

#[test]
fn module_level_errors_point_at_their_directive() {
    one(
        &format!("memory 1, 70000\n{}", body("    ret [r0]")),
        "V0103",
        "memory 1, 70000",
    );
    one(
        &format!("memory 2, 1\n{}", body("    ret [r0]")),
        "V0104",
        "memory 2, 1",
    );
    one(
        &format!("export main\n{}", body("    ret [r0]")),
        "V0302",
        "export main",
    );
    one(
        "func helper() -> i32\n    reg r0: i32\n    ret [r0]\nend\n",
        "V0303",
        "func helper() -> i32",
    );
    one(
        "export main\nfunc main()\n    ret []\nend\n",
        "V0304",
        "export main",
    );
    one(
        &format!(
            "memory 1, 1\ndata 0xfffe, \"abc\"\n{}",
            body("    ret [r0]")
        ),
        "V0305",
        "data 0xfffe, \"abc\"",
    );
    one(
        &format!("data far 0x20000: \"x\"\n{}", body("    ret [r0]")),
        "V0305",
        "data far 0x20000: \"x\"",
    );
}

#[test]
fn a_label_before_end_points_at_the_label() {
    one(&body("    ret [r0]\ndone:"), "V0308", "done");
}

#[test]
fn function_errors_point_at_the_func_line() {
    one(&format!("{MAIN}end\n"), "V0201", "func main() -> i32");
}

#[test]
fn code_errors_point_at_the_operand() {
    one(&body("    i32.const r0, 1"), "V0202", "i32.const r0, 1");
    one(&body("    f64.add r2, r2, r1\n    ret [r0]"), "V0203", "r1");
    one(&body("    ret [r2]"), "V0203", "r2");
    one(&body("    i32.add r0, r0, r9\n    ret [r0]"), "V0204", "r9");
    one(&body("    jmp @1000"), "V0205", "@1000");
    one(&body("    jmp @3\n    ret [r0]"), "V0206", "@3");
    one(
        &body("    br_table r0, end, [end, 2 x @1000]\nend:\n    ret [r0]"),
        "V0205",
        "2 x @1000",
    );
    one(&body("    ret [r0, r1]"), "V0208", "[r0, r1]");
    one(
        &body("    i32.const r1, 1\n    dev console.write, [r0], [r1, r2, r0]\n    ret [r0]"),
        "V0203",
        "r2",
    );
}

#[test]
fn one_bad_register_named_twice_is_one_error_at_its_first_use() {
    assert_eq!(
        spans(&body("    i64.add r2, r2, r2\n    ret [r0]")),
        [("V0203", "r2".to_string())]
    );
}
