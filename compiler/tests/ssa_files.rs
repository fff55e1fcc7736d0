//! A printed `.ssa` file is a program on its own: the IR module carries the
//! memory, signatures, data, table and exports in its header. Every sample's
//! optimised IR, printed and parsed back, compiles through the backend to
//! the same object as the IR it was printed from, and hello, linked from
//! nothing but its parsed `.ssa` and the runtime, prints `hello.out`.

use janus_compiler::driver::{self, Options, Wanted, RUNTIME_ARCHIVE};
use janus_compiler::ir::parse::parse_module;
use janus_compiler::ir::verify::verify_function;
use janus_compiler::link::{link, LinkOptions};
use janus_compiler::llvm::{self, OptLevel, Wants};
use janus_compiler::{ir, load};
use std::path::{Path, PathBuf};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(name)
}

fn samples() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(sample(""))
        .expect("samples/ exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jasm"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "expected the samples, found {paths:?}");
    paths
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
fn parse_verified(text: &str, what: &Path) -> ir::Module {
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
            products.object == object,
            "{}: the parsed .ssa gives another object",
            path.display()
        );
    }
    // And at -O2, where the recursion ring is inlined.
    let path = sample("fib.jasm");
    let (text, object) = printed_ssa_and_object(&path, OptLevel::O2);
    let products = llvm::compile(
        &parse_verified(&text, &path),
        None,
        OptLevel::O2,
        Wants::default(),
    )
    .expect("compiles");
    assert!(products.object == object, "fib at -O2: another object");
}

#[test]
fn hello_runs_from_its_parsed_ssa_alone() {
    let path = sample("hello.jasm");
    let (text, _) = printed_ssa_and_object(&path, OptLevel::O2);
    let dir = tempfile::tempdir().expect("temporary directory");
    let ssa_file = dir.path().join("hello.ssa");
    std::fs::write(&ssa_file, &text).expect("write .ssa");
    let text = std::fs::read_to_string(&ssa_file).expect("read .ssa");
    let module = parse_verified(&text, &ssa_file);
    let products = llvm::compile(&module, None, OptLevel::O2, Wants::default()).expect("compiles");
    let linked = link(
        &[&products.object],
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
    let expected = std::fs::read(sample("hello.out")).expect("hello.out");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn a_module_without_main_is_a_lowering_error() {
    let text = "function f() -> i32 {\nblock0:\n    v0 = const.i32 0                        @0\n    return v0                               @7\n}\n";
    let module = parse_module(text).expect("parses");
    let err = llvm::compile(&module, None, OptLevel::O0, Wants::default()).expect_err("no main");
    assert!(
        matches!(err, llvm::BackendError::Lower(llvm::LowerError::NoMain)),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "the module exports no `main`");
}
