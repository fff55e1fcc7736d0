//! Every sample in `samples/` loads, verifies, survives the byte-level round
//! trips (`decode(encode(m)) == m`, `asm(disasm(x)) == x`), has its expected
//! output file, and has its canonical disassembly snapshotted in
//! `snapshots/` (reviewed like code: `cargo insta review`).

use janus_compiler::{asm, bytecode, load};
use std::path::{Path, PathBuf};

fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("samples/ exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jasm"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "expected the samples, found {paths:?}");
    paths
}

#[test]
fn samples_round_trip_byte_for_byte() {
    for path in samples() {
        let source = std::fs::read(&path).expect("readable");
        let loaded = load(&source).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let bytes = bytecode::encode(&loaded.module);
        let (decoded, _) = bytecode::decode(&bytes).expect("own encoding decodes");
        assert_eq!(
            decoded,
            loaded.module,
            "{}: decode(encode(m)) != m",
            path.display()
        );

        let text = asm::disassemble(&loaded.module);
        let again = load(text.as_bytes()).unwrap_or_else(|e| {
            panic!(
                "{}: disassembly does not load: {e:?}\n{text}",
                path.display()
            )
        });
        assert_eq!(
            bytecode::encode(&again.module),
            bytes,
            "{}: asm(disasm(x)) != x",
            path.display()
        );
        assert_eq!(
            asm::disassemble(&again.module),
            text,
            "{}: disassembly is not a fixed point",
            path.display()
        );

        // The bytecode form loads to the same module.
        let from_bytes = load(&bytes).expect("bytecode loads");
        assert_eq!(from_bytes.module, loaded.module);
    }
}

#[test]
fn samples_have_expected_output() {
    for path in samples() {
        let out = path.with_extension("out");
        assert!(
            out.exists(),
            "{} has no expected output {}",
            path.display(),
            out.display()
        );
        let exit = path.with_extension("exit");
        if exit.exists() {
            let text = std::fs::read_to_string(&exit).expect("readable");
            let status: i32 = text
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("{}: not a number", exit.display()));
            assert!(
                (1..=255).contains(&status),
                "{}: exit status {status} out of 1..=255",
                exit.display()
            );
        }
    }
}

#[test]
fn sample_disassembly_snapshots() {
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::glob!("../samples", "*.jasm", |path| {
            let loaded = load(&std::fs::read(path).expect("readable")).expect("loads");
            insta::assert_snapshot!(asm::disassemble_with(&loaded.module, true));
        });
    });
}

#[test]
fn sample_ir_verifies_and_round_trips() {
    use janus_compiler::driver::{self, Options, Wanted};
    use janus_compiler::ir::{parse::parse_module, verify::verify_function};
    let wanted = Wanted {
        ssa_raw: true,
        ssa: true,
        ..Wanted::default()
    };
    for path in samples() {
        let loaded = load(&std::fs::read(&path).expect("readable")).expect("loads");
        let artefacts = driver::compile(&loaded, &Options::default(), wanted).expect("SSA only");
        for (stage, ir) in [
            ("construction", artefacts.ssa_raw),
            ("the pipeline", artefacts.ssa),
        ] {
            let ir = ir.expect("asked for");
            for f in &ir.functions {
                if let Err(e) = verify_function(f, &ir.ctx) {
                    panic!(
                        "{}: IR after {stage} does not verify: {e:?}",
                        path.display()
                    );
                }
            }
            let text = ir.to_string();
            let parsed = parse_module(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                parsed,
                ir,
                "{}: parse(print(f)) != f after {stage}",
                path.display()
            );
        }
    }
}

#[test]
fn sample_ir_snapshots() {
    use janus_compiler::{ssa_text, IrStage};
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::glob!("../samples", "*.jasm", |path| {
            let ir = ssa_text(&std::fs::read(path).expect("readable"), IrStage::Optimized).expect("loads");
            insta::assert_snapshot!(ir);
        });
    });
}
