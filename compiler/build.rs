//! Builds the runtime's static library (runtime/staticlib, its own
//! workspace, `panic = "abort"`) and leaves it in OUT_DIR, so the compiler
//! library carries it (`driver::RUNTIME_ARCHIVE`) and links executables with
//! nothing else installed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let runtime = manifest_dir.join("../runtime");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    for path in [
        "Cargo.toml",
        "src",
        "staticlib/Cargo.toml",
        "staticlib/Cargo.lock",
        "staticlib/src",
    ] {
        println!("cargo:rerun-if-changed={}", runtime.join(path).display());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = out_dir.join("runtime-target");
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "--target",
            &target,
            "--manifest-path",
        ])
        .arg(runtime.join("staticlib/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("LLVM_SYS_191_PREFIX")
        .status()
        .expect("run cargo to build the runtime");
    assert!(
        status.success(),
        "building the runtime static library failed"
    );
    let archive = target_dir.join(&target).join("release/libjanus_runtime.a");
    copy(&archive, &out_dir.join("libjanus_runtime.a"));
    println!("cargo:rustc-env=JANUS_RUNTIME_TARGET={target}");
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to)
        .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
}
