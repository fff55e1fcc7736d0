//! Every sample in `samples/` loads, verifies, survives the byte-level round
//! trips (`decode(encode(m)) == m`, `asm(disasm(x)) == x`), has its expected
//! output file, and has its canonical disassembly snapshotted in
//! `snapshots/` (reviewed like code: `cargo insta review`). Its printed
//! optimised SSA IR is a program on its own: parsed back, it compiles to the
//! same object, and hello, linked from its parsed `.ssa` alone, runs.

use janus_compiler::driver::{self, Options, Wanted, RUNTIME_ARCHIVE};
use janus_compiler::ir::parse::parse_module;
use janus_compiler::ir::verify::verify_function;
use janus_compiler::link::{link, LinkOptions};
use janus_compiler::llvm::{self, OptLevel, Wants};
use janus_compiler::{asm, bytecode, load};
use std::path::{Path, PathBuf};

fn sample_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(name)
}

fn samples() -> Vec<PathBuf> {
    let dir = sample_path("");
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

/// The optimised IR of `path` as `janusc build --emit ssa` prints it, and
/// the object the driver makes from the same IR at `opt`.
fn printed_ssa_and_object(path: &Path, opt: OptLevel) -> (String, Vec<u8>) {
    let loaded = load(&std::fs::read(path).expect("readable")).expect("loads");
    let options = Options {
        opt,
        ..Options::default()
    };
    let wanted = Wanted {
        ssa: true,
        object: true,
        ..Wanted::default()
    };
    let artefacts = driver::compile(&loaded, &options, wanted).expect("compiles");
    let ssa = artefacts.ssa.expect("asked for").to_string();
    (ssa, artefacts.object.expect("asked for"))
}

/// Parses and verifies `text`, as a user compiling a `.ssa` file would.
fn parse_verified(text: &str, what: &Path) -> janus_compiler::ir::Module {
    let module = parse_module(text).unwrap_or_else(|e| panic!("{}: {e}", what.display()));
    for f in &module.functions {
        if let Err(errors) = verify_function(f, &module.ctx) {
            panic!("{}: {} does not verify: {errors:?}", what.display(), f.name);
        }
    }
    module
}

#[test]
fn every_printed_sample_compiles_to_the_same_object() {
    for path in samples() {
        let (text, object) = printed_ssa_and_object(&path, OptLevel::O0);
        let parsed = parse_verified(&text, &path);
        let products = llvm::compile(&parsed, None, OptLevel::O0, Wants::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            products.objects == [object.clone()],
            "{}: the parsed .ssa gives another object",
            path.display()
        );
    }
    // And at -O2, where the recursion ring is inlined.
    let path = sample_path("fib.jasm");
    let (text, object) = printed_ssa_and_object(&path, OptLevel::O2);
    let products = llvm::compile(
        &parse_verified(&text, &path),
        None,
        OptLevel::O2,
        Wants::default(),
    )
    .expect("compiles");
    assert!(
        products.objects == [object.clone()],
        "fib at -O2: another object"
    );
}

#[test]
fn hello_runs_from_its_parsed_ssa_alone() {
    let path = sample_path("hello.jasm");
    let (text, _) = printed_ssa_and_object(&path, OptLevel::O2);
    let dir = tempfile::tempdir().expect("temporary directory");
    let ssa_file = dir.path().join("hello.ssa");
    std::fs::write(&ssa_file, &text).expect("write .ssa");
    let text = std::fs::read_to_string(&ssa_file).expect("read .ssa");
    let module = parse_verified(&text, &ssa_file);
    let products = llvm::compile(&module, None, OptLevel::O2, Wants::default()).expect("compiles");
    let linked = link(
        &products
            .objects
            .iter()
            .map(Vec::as_slice)
            .collect::<Vec<_>>(),
        RUNTIME_ARCHIVE,
        &LinkOptions::default(),
    )
    .expect("links");
    let exe = dir.path().join("hello");
    std::fs::write(&exe, &linked.executable).expect("write executable");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let out = std::process::Command::new(&exe).output().expect("runs");
    let expected = std::fs::read(sample_path("hello.out")).expect("hello.out");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}
