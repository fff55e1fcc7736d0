//! Every malformed IR text in `tests/bad-ir/` must be rejected with exactly
//! the errors in its `.err` twin: parse errors with `line:col` and what was
//! expected; verifier errors, all of them, each naming its entity.
//! `JANUS_BLESS=1 cargo test --test bad_ir` rewrites the `.err` files; review
//! the diff like code.

use janus_compiler::ir::parse::parse_module;
use janus_compiler::ir::verify::verify_function;
use std::path::Path;

fn diagnose(text: &str) -> String {
    let module = match parse_module(text) {
        Ok(m) => m,
        Err(e) => return format!("parse error: {e}\n"),
    };
    let mut out = String::new();
    for f in &module.functions {
        if let Err(errors) = verify_function(f, &module.ctx) {
            for e in errors {
                out.push_str(&format!("verify error: {e}\n"));
            }
        }
    }
    out
}

#[test]
fn every_bad_ir_file_gets_its_exact_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bad-ir");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/bad-ir exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ssa"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 15,
        "expected the bad-IR corpus, found {}",
        files.len()
    );
    let bless = std::env::var_os("JANUS_BLESS").is_some();
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let got = diagnose(&text);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if got.is_empty() {
            failures.push(format!("{name}: accepted"));
            continue;
        }
        let expected_path = path.with_extension("err");
        if bless {
            std::fs::write(&expected_path, &got).expect("write .err");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == got => {}
            Ok(expected) => {
                failures.push(format!("{name}:\n--- expected\n{expected}--- got\n{got}"))
            }
            Err(_) => failures.push(format!("{name}: no .err file")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
