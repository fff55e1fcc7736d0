//! The translator on small modules written in the text format: each test
//! calls an export through a `main` built with `translate_with` and checks
//! the result the reference interpreter computes (the exit status is the
//! result's low byte, so results are chosen below 256), or the trap.
//! Every module is encoded and loaded, so the verifier checks the
//! translation too.

use janus_bytecode::bytecode::builder::ModuleBuilder;
use janus_bytecode::bytecode::{Opcode, Operand};
use janus_interp::Outcome;
use janus_runtime::abi::{TrapKind, ValType};
use janus_wasm::{Options, WasmError};

/// Runs export `name` with i32 arguments and returns how the program ended.
fn call(wat: &str, name: &str, args: &[i32]) -> Outcome {
    let bytes = wat::parse_str(wat).expect("test modules are valid text");
    let name = name.to_string();
    let args = args.to_vec();
    let translation = janus_wasm::translate_with(
        &bytes,
        &Options::default(),
        |mb: &mut ModuleBuilder, instance| {
            let (_, func, sig) = instance.export(&name).expect("the export exists").clone();
            let main = mb.declare(&instance.fresh_name("main"), &[], &[ValType::I32]);
            let mut f = mb.body(main);
            f.call(instance.init, &[], &[]).unwrap();
            let regs: Vec<_> = args.iter().map(|_| f.reg(ValType::I32)).collect();
            for (reg, value) in regs.iter().zip(&args) {
                f.inst(
                    Opcode::I32Const,
                    vec![Operand::Reg(*reg), Operand::I32(*value)],
                )
                .unwrap();
            }
            let results: Vec<_> = sig.results.iter().map(|&t| f.reg(t)).collect();
            f.call(func, &results, &regs).unwrap();
            // The first result, or 0 for none, is the exit status.
            let status = match results.first() {
                Some(&r) => r,
                None => {
                    let r = f.reg(ValType::I32);
                    f.inst(Opcode::I32Const, vec![Operand::Reg(r), Operand::I32(0)])
                        .unwrap();
                    r
                }
            };
            f.ret(&[status]).unwrap();
            mb.define(f).unwrap();
            mb.export("main", main);
            Ok(())
        },
    )
    .expect("the module translates");
    let loaded = janus_wasm::load_translation(&translation).expect("the translation loads");
    let mut machine = janus_interp::machine_for(&loaded.module, Vec::new()).unwrap();
    janus_interp::run(&loaded.module, &mut machine)
}

fn status(wat: &str, name: &str, args: &[i32]) -> i32 {
    match call(wat, name, args) {
        Outcome::Exit(status) => status,
        trap => panic!("expected a result, got {trap:?}"),
    }
}

fn trap(wat: &str, name: &str, args: &[i32]) -> TrapKind {
    match call(wat, name, args) {
        Outcome::Trap { kind, .. } => kind,
        exit => panic!("expected a trap, got {exit:?}"),
    }
}

#[test]
fn arithmetic_and_locals() {
    let wat = r#"(module (func (export "f") (param i32 i32) (result i32)
        (local i32)
        (local.set 2 (i32.mul (local.get 0) (local.get 1)))
        (i32.sub (local.get 2) (i32.const 3))))"#;
    assert_eq!(status(wat, "f", &[6, 7]), 39);
}

#[test]
fn a_pending_local_get_survives_a_set_of_that_local() {
    // The first `local.get 0` is still pending when `local.set 0` writes
    // the local: it must see the old value (5), not the new one (100).
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        local.get 0
        (local.set 0 (i32.const 100))
        local.get 0
        i32.sub))"#;
    assert_eq!(status(wat, "f", &[105]), 5);
    let tee = r#"(module (func (export "f") (param i32) (result i32)
        local.get 0
        (local.tee 0 (i32.const 7))
        i32.add
        local.get 0
        i32.add))"#;
    assert_eq!(status(tee, "f", &[10]), 24);
}

#[test]
fn a_set_of_a_computed_value_writes_the_local_directly() {
    // `local.set` retargets the add: the loop still counts correctly.
    let wat = r#"(module (func (export "f") (param i32) (result i32) (local i32)
        (loop $l
          (local.set 1 (i32.add (local.get 1) (local.get 0)))
          (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
          (br_if $l (local.get 0)))
        local.get 1))"#;
    assert_eq!(status(wat, "f", &[10]), 55);
}

#[test]
fn blocks_carry_results_and_branches_move_them() {
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        i32.const 1
        (block (result i32)
          i32.const 10
          (br_if 0 (i32.const 20) (local.get 0))
          drop
          drop
          i32.const 30)
        i32.add))"#;
    assert_eq!(status(wat, "f", &[1]), 21);
    assert_eq!(status(wat, "f", &[0]), 31);
}

#[test]
fn br_table_reaches_targets_of_different_heights() {
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        (block $a (result i32)
          i32.const 100
          (block $b (result i32)
            i32.const 7
            (block $c (result i32)
              (br_table $c $b $a (i32.const 3) (local.get 0)))
            i32.add)
          i32.add)))"#;
    // $c carries 3 at the height it is at: 100 + 7 + 3; $b carries it two
    // levels out: 100 + 3; $a (and the default) carries it out: 3.
    assert_eq!(status(wat, "f", &[0]), 110);
    assert_eq!(status(wat, "f", &[1]), 103);
    assert_eq!(status(wat, "f", &[2]), 3);
    assert_eq!(status(wat, "f", &[9]), 3);
}

#[test]
fn if_else_with_parameters_and_multiple_results() {
    let wat = r#"(module
        (func $divmod (param i32 i32) (result i32 i32)
          (i32.div_u (local.get 0) (local.get 1))
          (i32.rem_u (local.get 0) (local.get 1)))
        (func (export "f") (param i32) (result i32)
          (call $divmod (i32.const 47) (i32.const 10))
          local.get 0
          (if (param i32 i32) (result i32)
            (then i32.mul)
            (else i32.sub))))"#;
    assert_eq!(status(wat, "f", &[1]), 28);
    // 4 - 7, as the exit status (low byte) shows it.
    assert_eq!(status(wat, "f", &[0]), 253);
}

#[test]
fn an_if_without_else_passes_its_parameters_through() {
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        i32.const 5
        local.get 0
        (if (param i32) (result i32) (then i32.const 2 i32.mul))))"#;
    assert_eq!(status(wat, "f", &[1]), 10);
    assert_eq!(status(wat, "f", &[0]), 5);
}

#[test]
fn select_return_and_unreachable_code() {
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        (if (i32.eqz (local.get 0)) (then (return (i32.const 9))))
        (select (i32.const 1) (i32.const 2) (i32.lt_s (local.get 0) (i32.const 5)))
        return
        i32.const 77
        drop))"#;
    assert_eq!(status(wat, "f", &[0]), 9);
    assert_eq!(status(wat, "f", &[3]), 1);
    assert_eq!(status(wat, "f", &[6]), 2);
}

#[test]
fn memory_data_globals_and_indirect_calls() {
    let wat = r#"(module
        (memory 1)
        (data (i32.const 16) "\2a\00\00\00")
        (global $g (mut i32) (i32.const 3))
        (type $t (func (param i32) (result i32)))
        (table 3 funcref)
        (elem (i32.const 1) $double $inc)
        (func $double (param i32) (result i32) (i32.add (local.get 0) (local.get 0)))
        (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
        (func (export "f") (param i32) (result i32)
          (global.set $g (i32.add (global.get $g) (i32.load (i32.const 16))))
          (call_indirect (type $t) (global.get $g) (local.get 0))))"#;
    assert_eq!(status(wat, "f", &[1]), 90);
    assert_eq!(status(wat, "f", &[2]), 46);
    assert_eq!(trap(wat, "f", &[0]), TrapKind::NullTableEntry);
    assert_eq!(trap(wat, "f", &[3]), TrapKind::TableOutOfBounds);
}

#[test]
fn traps_keep_their_kinds() {
    let wat = r#"(module (memory 1)
        (func (export "div") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
        (func (export "load") (param i32) (result i32) (i32.load offset=4 (local.get 0)))
        (func (export "unreachable") (param i32) (result i32) unreachable))"#;
    assert_eq!(trap(wat, "div", &[0]), TrapKind::DivideByZero);
    assert_eq!(status(wat, "load", &[65528]), 0);
    assert_eq!(trap(wat, "load", &[65529]), TrapKind::OutOfBounds);
    assert_eq!(trap(wat, "unreachable", &[0]), TrapKind::Unreachable);
}

#[test]
fn a_data_segment_past_memory_traps_at_start_after_the_earlier_ones() {
    let wat = r#"(module (memory 1)
        (data (i32.const 0) "\01")
        (data (i32.const 65535) "\01\02")
        (func (export "f") (result i32) (i32.load8_u (i32.const 0))))"#;
    assert_eq!(trap(wat, "f", &[]), TrapKind::OutOfBounds);
}

#[test]
fn the_start_function_runs_before_exports() {
    let wat = r#"(module (global $g (mut i32) (i32.const 0))
        (func $s (global.set $g (i32.const 42)))
        (start $s)
        (func (export "f") (result i32) (global.get $g)))"#;
    assert_eq!(status(wat, "f", &[]), 42);
}

fn error(wat: &str) -> WasmError {
    let bytes = wat::parse_str(wat).expect("valid text");
    janus_wasm::translate(&bytes, &Options::default()).expect_err("rejected")
}

#[test]
fn unsupported_features_and_imports_are_coded_errors() {
    let simd = error(r#"(module (func (result v128) (v128.const i64x2 0 0)))"#);
    assert_eq!(simd.code(), "M0100", "{simd}");
    let import = error(r#"(module (import "env" "f" (func)))"#);
    assert_eq!(import.code(), "M0200", "{import}");
    assert!(import.to_string().contains("env.f"), "{import}");
    let wasi = error(r#"(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32))))"#);
    assert_eq!(wasi.code(), "M0201", "{wasi}");
    let table_copy = error(
        r#"(module (table 2 funcref) (func (table.copy (i32.const 0) (i32.const 1) (i32.const 1))))"#,
    );
    assert_eq!(table_copy.code(), "M0101", "{table_copy}");
}

#[test]
fn malformed_and_invalid_modules_give_wasmparsers_message_and_offset() {
    let truncated = janus_wasm::translate(b"\0asm\x01\0\0\0\x01", &Options::default()).unwrap_err();
    assert_eq!(truncated.code(), "M0001");
    assert_eq!(truncated.offset(), 9, "{truncated}");
    let invalid = error(r#"(module (func (result i32) (i64.const 1)))"#);
    assert_eq!(invalid.code(), "M0001");
    assert!(invalid.to_string().contains("type mismatch"), "{invalid}");
}

#[test]
fn a_deep_stack_across_many_blocks_translates_in_linear_time() {
    // 30,000 pending `local.get`s below 30,000 nested blocks, each of which
    // flushes the stack, then 30,000 `local.set`s of the local they read:
    // walking the whole stack at each would take about 10^9 steps.
    let n = 30_000;
    let mut wat =
        String::from(r#"(module (func (export "f") (param i32) (result i32) (local i32)"#);
    wat.push_str(&" local.get 0".repeat(n));
    wat.push_str(&" block".repeat(n));
    wat.push_str(&" end".repeat(n));
    wat.push_str(&" local.tee 0 local.set 0".repeat(n / 2));
    wat.push_str(&" drop".repeat(n - n / 2 - 1));
    wat.push_str("))");
    let started = std::time::Instant::now();
    assert_eq!(status(&wat, "f", &[3]), 3);
    assert!(
        started.elapsed().as_secs() < 10,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn export_names_with_empty_dotted_parts_become_identifiers() {
    // Found by tests/wasm_differential.rs (seed 8, export "\10@."): a `.`
    // was kept even where it left an empty part, and the loader rejected
    // the JanusVM export name.
    for name in ["f.", "a..b", ".x", "..", &".".repeat(300)] {
        let wat = format!(r#"(module (func (export "{name}") (result i32) (i32.const 7)))"#);
        assert_eq!(status(&wat, name, &[]), 7, "{name:?}");
    }
}
