//! The commit janusc is built from, for `janusc -vV`, and the target the
//! runtime archive is built for (`janusc print host-triple`). (The archive
//! itself is built by the compiler library's build script and carried by
//! `janus_compiler::driver`, inside the backend library.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    commit_info(&manifest_dir);
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    println!("cargo:rustc-env=JANUS_RUNTIME_TARGET={target}");
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
