//! Builds the runtime's static library (runtime/staticlib, its own
//! workspace, `panic = "abort"`) and leaves it in OUT_DIR, so janusc can carry
//! it inside itself and link executables with nothing else installed.

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
    commit_info(&manifest_dir);
}

/// The commit janusc is built from, for `janusc -vV`: `unknown` outside a
/// git checkout. Rebuilt when HEAD or the branch it names moves.
fn commit_info(dir: &Path) {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let hash = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let date = git(&["log", "-1", "--format=%cs"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=JANUS_COMMIT_HASH={hash}");
    println!("cargo:rustc-env=JANUS_COMMIT_DATE={date}");
    for path in ["HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={}", dir.join(p).display());
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(p) = git(&["rev-parse", "--git-path", &branch]) {
            println!("cargo:rerun-if-changed={}", dir.join(p).display());
        }
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to)
        .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
}
