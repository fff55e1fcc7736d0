//! Every malformed input in `tests/bad/` must make `janusc check` fail with
//! status 1 and exactly the diagnostics in the file's `.err` twin: the stable
//! code, the message and the location (byte offset for bytecode,
//! line:column and caret for assembly). No input may panic (status 101).
//! The `.wasm` fixtures were made with wabt's `wat2wasm` (`--no-check` for
//! the invalid one) or written byte by byte; `wasm-objdump -x` shows them.
//!
//! To accept new diagnostics after reviewing them: `JANUS_BLESS=1 cargo test
//! --test bad_inputs`, then read the `.err` diff like code.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The classes the instruction-set issue names, each of which must have a
/// fixture here.
const REQUIRED: &[&str] = &[
    "bad_magic.jbc",
    "unsupported_version.jbc",
    "truncated.jbc",
    "trailing_bytes.jbc",
    "section_past_end.jbc",
    "duplicate_section.jbc",
    "out_of_order_section.jbc",
    "overlong_integer.jbc",
    "count_past_end.jbc",
    "function_index_out_of_range.jbc",
    "unknown_opcode.jbc",
    "jump_outside_function.jasm",
    "jump_mid_instruction.jasm",
    "falls_off_end.jasm",
    "type_mismatch.jasm",
    "wrong_arity.jasm",
    "missing_main.jasm",
    "main_wrong_type.jasm",
    "register_out_of_range.jasm",
    "data_outside_memory.jasm",
    "limit_exceeded.jbc",
    "invalid_utf8_name.jbc",
    "duplicate_export.jasm",
    "unknown_mnemonic.jasm",
    "duplicate_label.jasm",
    "undefined_label.jasm",
    "immediate_out_of_range.jasm",
    "unterminated_string.jasm",
    "global_unknown.jasm",
    "global_duplicate.jasm",
    "global_immutable_set.jasm",
    "global_type_mismatch.jasm",
    "global_in_version_1.jbc",
    "global_bad_mutability.jbc",
    "global_out_of_range.jbc",
    "global_duplicate_name.jbc",
    "results_ret_count.jasm",
    "results_call_count.jasm",
    "results_call_indirect_count.jasm",
    "results_type_mismatch.jasm",
    "results_duplicate_register.jasm",
    "results_too_many.jasm",
    "results_empty_list.jasm",
    "results_limit_exceeded.jbc",
    "bad_result_count.jbc",
    "data_bad_mode.jbc",
    "data_unknown_segment.jasm",
    "data_index_out_of_range.jasm",
    "data_passive_address.jasm",
    "wasm_truncated.wasm",
    "wasm_bad_version.wasm",
    "wasm_overlong_leb.wasm",
    "wasm_unknown_opcode.wasm",
    "wasm_type_mismatch.wasm",
    "wasm_simd.wasm",
    "wasm_threads.wasm",
    "wasm_memory64.wasm",
    "wasm_exceptions.wasm",
    "wasm_reference_types.wasm",
    "wasm_table_copy.wasm",
    "wasm_too_many_params.wasm",
    "wasm_import_env.wasm",
    "wasm_wasi_wrong_type.wasm",
    "wasm_elem_out_of_bounds.wasm",
];

#[test]
fn every_bad_input_gets_its_exact_diagnostic() {
    let root = workspace();
    let dir = root.join("tests/bad");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/bad exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("jasm" | "jbc" | "wasm")
            )
        })
        .collect();
    inputs.sort();
    for name in REQUIRED {
        assert!(dir.join(name).exists(), "tests/bad/{name} is missing");
    }
    let bless = std::env::var_os("JANUS_BLESS").is_some();
    let mut failures = Vec::new();
    for input in &inputs {
        let relative = input.strip_prefix(&root).expect("inside the workspace");
        let output = Command::new(env!("CARGO_BIN_EXE_janusc"))
            .arg("check")
            .arg(relative)
            .current_dir(&root)
            .output()
            .expect("janusc runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let expected_path = input.with_extension(format!(
            "{}.err",
            input
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
        ));
        if output.status.code() != Some(1) {
            failures.push(format!(
                "{}: exit status {:?}, expected 1\n{stderr}",
                relative.display(),
                output.status.code()
            ));
            continue;
        }
        if !output.stdout.is_empty() {
            failures.push(format!("{}: printed to stdout", relative.display()));
        }
        if bless {
            std::fs::write(&expected_path, &stderr).expect("write .err");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == stderr => {}
            Ok(expected) => failures.push(format!(
                "{}: diagnostics differ\n--- expected\n{expected}--- actual\n{stderr}",
                relative.display()
            )),
            Err(_) => failures.push(format!(
                "{}: no {} file",
                relative.display(),
                expected_path.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
