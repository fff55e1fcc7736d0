//! The split between janusc and its LLVM backend library: the janusc
//! executable links no LLVM, the commands that need none work without the
//! library, and those that need it fail clearly when it is missing or is
//! not the library.

mod common;

use common::{dir_with, root, stderr};
use std::path::Path;
use std::process::{Command, Output};

/// Runs janusc in `dir` with `JANUS_LLVM_LIBRARY` set to `library`.
fn janusc_with_library(args: &[&str], dir: &Path, library: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_janusc"))
        .args(args)
        .current_dir(dir)
        .env("JANUS_LLVM_LIBRARY", library)
        .output()
        .expect("janusc runs")
}

#[test]
fn the_janusc_executable_needs_no_llvm() {
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_janusc")).expect("janusc is readable");
    let elf = goblin::elf::Elf::parse(&bytes).expect("janusc is ELF");
    assert!(!elf.libraries.is_empty(), "janusc is linked dynamically");
    let llvm: Vec<&&str> = elf
        .libraries
        .iter()
        .filter(|name| name.to_ascii_lowercase().contains("llvm"))
        .collect();
    assert!(llvm.is_empty(), "janusc needs {llvm:?}");
    // LLVM is linked statically into the library: none of it may reach
    // the executable that way either (its C API and its C++ namespace).
    assert!(!elf.syms.is_empty(), "janusc keeps its symbol table");
    let linked: Vec<&str> = elf
        .syms
        .iter()
        .filter_map(|sym| elf.strtab.get_at(sym.st_name))
        .filter(|name| name.starts_with("LLVM") || name.starts_with("_ZN4llvm"))
        .take(5)
        .collect();
    assert!(linked.is_empty(), "janusc contains LLVM: {linked:?}");
}

#[test]
fn commands_without_llvm_work_without_the_library() {
    let tmp = dir_with(&["samples/hello.jasm"]);
    let missing = tmp.path().join("no-such-libjanus_llvm.so");
    let ok = |args: &[&str]| {
        let out = janusc_with_library(args, tmp.path(), &missing);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out
    };
    ok(&["check", "hello.jasm"]);
    ok(&["asm", "hello.jasm", "-o", "hello.jbc"]);
    ok(&["disasm", "hello.jbc"]);
    ok(&["print", "host-triple"]);
    ok(&["build", "hello.jasm", "--emit", "dep-info"]);
    let out = ok(&["run", "--engine", "interp", "hello.jasm"]);
    assert_eq!(out.stdout, b"Hello, JanusVM!\n");
    // The hybrid engine (run's default) loads the library only to compile.
    let out = ok(&["run", "hello.jasm"]);
    assert_eq!(out.stdout, b"Hello, JanusVM!\n");
    let out = ok(&["-vV"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("LLVM version: unavailable ("), "{text}");
    let out = janusc_with_library(&["inspect", "hello.jbc"], tmp.path(), &missing);
    assert!(
        stderr(&out).contains("not an ELF executable"),
        "inspect reads without the backend: {}",
        stderr(&out)
    );
}

#[test]
fn commands_needing_llvm_name_the_missing_library() {
    let tmp = dir_with(&["samples/hello.jasm"]);
    let missing = tmp.path().join("no-such-libjanus_llvm.so");
    for args in [
        &["build", "hello.jasm", "-o", "hello"][..],
        &["build", "hello.jasm", "--emit", "ssa=-"],
        &["run", "--engine", "jit", "hello.jasm"],
        &["run", "--engine", "aot", "hello.jasm"],
        &["print", "target-list"],
    ] {
        let out = janusc_with_library(args, tmp.path(), &missing);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.starts_with("error: the LLVM backend library is missing")
                && err.contains(&format!("`{}`", missing.display()))
                && err.contains("cargo build --release -p janusc"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    assert!(!tmp.path().join("hello").exists(), "nothing is written");
}

#[test]
fn a_file_that_is_not_the_library_is_refused() {
    let tmp = dir_with(&["samples/hello.jasm"]);
    let not_a_library = root().join("samples/hello.jasm");
    let out = janusc_with_library(&["build", "hello.jasm"], tmp.path(), &not_a_library);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: cannot load the LLVM backend library `"),
        "{err}"
    );
    let libc = [
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/aarch64-linux-gnu/libc.so.6",
    ]
    .into_iter()
    .map(Path::new)
    .find(|p| p.exists());
    if let Some(libc) = libc {
        let out = janusc_with_library(&["build", "hello.jasm"], tmp.path(), libc);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("is not a JanusVM LLVM backend library: it has no symbol `janus_llvm_interface_version`"),
            "{err}"
        );
    }
}

/// The backend library janusc would load: the newer of the one beside it
/// and the one in `deps/` (as `backend::candidates`).
fn backend_library() -> std::path::PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_janusc"));
    let dir = exe.parent().expect("janusc is in a directory");
    [
        dir.join("libjanus_llvm.so"),
        dir.join("deps/libjanus_llvm.so"),
    ]
    .into_iter()
    .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
    .max_by_key(|(modified, _)| *modified)
    .map(|(_, p)| p)
    .expect("cargo built the backend library")
}

#[test]
fn the_library_carries_only_the_three_llvm_targets() {
    // Each object linked into the library that has a static constructor
    // names it `_GLOBAL__sub_I_<source file>`; a source of another target
    // (or of Polly) means the link pulled it in, with its constructors
    // run at every load (llvm::targets says how that happened once).
    let bytes = std::fs::read(backend_library()).expect("the library is readable");
    let elf = goblin::elf::Elf::parse(&bytes).expect("the library is ELF");
    let names: Vec<&str> = elf
        .syms
        .iter()
        .filter_map(|sym| elf.strtab.get_at(sym.st_name))
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("_GLOBAL__sub_I_X86")),
        "the library keeps its symbol table and the x86-64 backend"
    );
    const OTHERS: [&str; 16] = [
        "AMDGPU",
        "ARM",
        "AVR",
        "BPF",
        "Hexagon",
        "Lanai",
        "LoongArch",
        "M68k",
        "MSP430",
        "Mips",
        "NVPTX",
        "PPC",
        "Sparc",
        "SystemZ",
        "WebAssembly",
        "XCore",
    ];
    let foreign: Vec<&&str> = names
        .iter()
        .filter(|n| {
            n.strip_prefix("_GLOBAL__sub_I_")
                .is_some_and(|file| OTHERS.iter().any(|t| file.starts_with(t)))
                || n.starts_with("_ZN5polly")
        })
        .take(5)
        .collect();
    assert!(foreign.is_empty(), "the library links {foreign:?}");
}
