//! The WebAssembly core spec test suite, run through the front end and
//! every engine: each non-SIMD script in `../shared/wasm-testsuite/` (the
//! folder beside the checkout; CI has it) is parsed with the `wast` crate,
//! its modules translated with the `spectest` host module, and its
//! assertions run under the interpreter and the JIT, and under AOT -O2 for
//! every module with a trap or float assertion. The table per file and
//! directive kind is printed and written to `tests/wasm-spec.md`.
//!
//! The test fails when a file listed in [`COMPLETE`] has any failed or
//! unsupported directive, or when any directive fails in a file outside
//! [`KNOWN_FAILURES`]: a regression anywhere shows. `WASM_SPEC_ONLY=a,b`
//! runs only the named scripts (without writing the report).

mod common;
mod spec;

use spec::{FileReport, Tally};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Scripts every directive of which passes.
const COMPLETE: &[&str] = &[
    "address.wast",
    "align.wast",
    "binary-leb128.wast",
    "block.wast",
    "br.wast",
    "br_if.wast",
    "call.wast",
    "comments.wast",
    "const.wast",
    "conversions.wast",
    "custom.wast",
    "endianness.wast",
    "f32.wast",
    "f32_bitwise.wast",
    "f32_cmp.wast",
    "f64.wast",
    "f64_bitwise.wast",
    "f64_cmp.wast",
    "fac.wast",
    "float_exprs.wast",
    "float_literals.wast",
    "float_memory.wast",
    "float_misc.wast",
    "forward.wast",
    "func.wast",
    "func_ptrs.wast",
    "i32.wast",
    "i64.wast",
    "if.wast",
    "inline-module.wast",
    "int_exprs.wast",
    "int_literals.wast",
    "labels.wast",
    "left-to-right.wast",
    "load.wast",
    "local_get.wast",
    "local_set.wast",
    "local_tee.wast",
    "loop.wast",
    "memory.wast",
    "memory_copy.wast",
    "memory_fill.wast",
    "memory_grow.wast",
    "memory_init.wast",
    "memory_redundancy.wast",
    "memory_size.wast",
    "memory_trap.wast",
    "nop.wast",
    "return.wast",
    "skip-stack-guard-page.wast",
    "stack.wast",
    "start.wast",
    "store.wast",
    "switch.wast",
    "token.wast",
    "tokens.wast",
    "traps.wast",
    "type.wast",
    "unreachable.wast",
    "unwind.wast",
    "utf8-custom-section-id.wast",
    "utf8-import-field.wast",
    "utf8-import-module.wast",
    "utf8-invalid-encoding.wast",
];

/// Scripts with failing directives, and why (the report lists each).
const KNOWN_FAILURES: &[(&str, &str)] = &[];

fn suite_dir() -> PathBuf {
    common::root().join("../shared/wasm-testsuite")
}

fn render(results: &BTreeMap<String, FileReport>) -> String {
    let mut s = String::from(
        "# WebAssembly spec suite\n\n\
         Written by `tests/wasm_spec.rs` (`make test`): every non-SIMD script of the WebAssembly 2.0 core \
         test suite (`../shared/wasm-testsuite`, snapshot 3a04b2c), translated by `janus-wasm` and run under \
         the interpreter and the JIT, and under AOT -O2 for every module with a trap or float assertion. \
         A directive passes when it passes under every engine that ran it; *unsupported* counts what the \
         front end rejects by design (reference types, SIMD, linking between modules), and the reasons \
         are tallied below.\n\n",
    );
    let mut totals: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut all = Tally::default();
    for report in results.values() {
        for (kind, t) in &report.tallies {
            let e = totals.entry(kind).or_default();
            e.passed += t.passed;
            e.failed += t.failed;
            e.unsupported += t.unsupported;
            all.passed += t.passed;
            all.failed += t.failed;
            all.unsupported += t.unsupported;
        }
    }
    s.push_str("## Totals\n\n| kind | passed | failed | unsupported |\n|:--|--:|--:|--:|\n");
    for (kind, t) in &totals {
        s.push_str(&format!(
            "| {kind} | {} | {} | {} |\n",
            t.passed, t.failed, t.unsupported
        ));
    }
    s.push_str(&format!(
        "| **all** | **{}** | **{}** | **{}** |\n\n",
        all.passed, all.failed, all.unsupported
    ));
    let complete: Vec<&str> = results
        .iter()
        .filter(|(_, r)| {
            r.tallies
                .values()
                .all(|t| t.failed == 0 && t.unsupported == 0)
        })
        .map(|(name, _)| name.as_str())
        .collect();
    s.push_str(&format!(
        "{} of {} scripts pass completely: {}.\n\n",
        complete.len(),
        results.len(),
        complete.join(", ")
    ));
    s.push_str("## Per script\n\n| script | kind | passed | failed | unsupported |\n|:--|:--|--:|--:|--:|\n");
    for (file, report) in results {
        for (kind, t) in &report.tallies {
            s.push_str(&format!(
                "| {file} | {kind} | {} | {} | {} |\n",
                t.passed, t.failed, t.unsupported
            ));
        }
    }
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for report in results.values() {
        for (why, n) in &report.unsupported {
            *reasons.entry(why).or_default() += n;
        }
    }
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    s.push_str("\n## Why directives are unsupported\n\n| reason | directives |\n|:--|--:|\n");
    for (why, n) in reasons {
        s.push_str(&format!("| {} | {n} |\n", why.replace('|', "\\|")));
    }
    s.push_str("\n## Failures\n\n");
    for (file, report) in results {
        for f in &report.failures {
            s.push_str(&format!("- {file} {}\n", f.replace('\n', " ")));
        }
    }
    s
}

#[test]
fn wasm_spec_suite() {
    let dir = suite_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!(
            "wasm spec suite skipped: no {}; put the WebAssembly testsuite's .wast files in ../shared/wasm-testsuite beside the checkout",
            dir.display()
        );
        return;
    };
    let only: Option<Vec<String>> = std::env::var("WASM_SPEC_ONLY")
        .ok()
        .map(|v| v.split(',').map(str::to_string).collect());
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wast"))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with("simd_")
                && only.as_ref().is_none_or(|o| {
                    o.iter()
                        .any(|n| name.trim_end_matches(".wast") == n.trim_end_matches(".wast"))
                })
        })
        .collect();
    files.sort();
    let janusc = Path::new(env!("CARGO_BIN_EXE_janusc"));
    let work = tempfile::tempdir().expect("tempdir");
    let next = AtomicUsize::new(0);
    let results = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(i) else { break };
                let name = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("?")
                    .to_string();
                let report = spec::run_file(file, janusc, &work.path().join(&name));
                results.lock().expect("no panics").insert(name, report);
            });
        }
    });
    let results = results.into_inner().expect("no panics");
    let text = render(&results);
    println!("{text}");
    if only.is_none() {
        std::fs::write(common::root().join("tests/wasm-spec.md"), &text)
            .expect("writes tests/wasm-spec.md");
    }
    let mut problems = Vec::new();
    for name in COMPLETE {
        if let Some(r) = results.get(*name) {
            if r.tallies
                .values()
                .any(|t| t.failed > 0 || t.unsupported > 0)
            {
                problems.push(format!("{name} no longer passes completely"));
            }
        }
    }
    for (name, report) in &results {
        let failed: usize = report.tallies.values().map(|t| t.failed).sum();
        if failed > 0 && !KNOWN_FAILURES.iter().any(|(n, _)| n == name) {
            problems.push(format!(
                "{name}: {failed} directives fail: {}",
                report.failures.first().map_or("", |f| f.as_str())
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
