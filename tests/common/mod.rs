//! Helpers shared by the end-to-end tests. Each test binary uses some of
//! them, so the unused rest is allowed.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the janusc under test in `dir`.
pub fn janusc(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_janusc"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("janusc runs")
}

/// A temporary directory holding copies of workspace files (by file name).
pub fn dir_with(files: &[&str]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for file in files {
        let name = Path::new(file).file_name().expect("name");
        std::fs::copy(root().join(file), tmp.path().join(name)).expect("copy");
    }
    tmp
}

/// A command's standard error, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A command's standard output, as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// The `.jasm` programs of a directory, sorted, except those with a
/// `.harness` file: they need a device set up around them, and
/// `tests/devices.rs` runs them.
pub fn programs(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .expect("directory exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "jasm") && !p.with_extension("harness").exists()
        })
        .collect();
    v.sort();
    v
}
