//! Linking an object with the runtime into an executable, through the
//! system's C compiler driver (`cc`, or `--linker`/`JANUS_LINKER`), the way
//! Inko's `linker.rs` does: write both files into a temporary directory, run
//! one readable command, and move the result into place only when it
//! succeeded, so a failure never leaves a broken or truncated executable.

use std::path::{Path, PathBuf};
use std::process::Command;
use thiserror::Error;

/// How to link.
#[derive(Clone, Debug, Default)]
pub struct LinkOptions {
    /// The linker driver; `JANUS_LINKER` or `cc` when `None`.
    pub linker: Option<String>,
    /// A fully static executable (needs a static libc).
    pub static_: bool,
    /// Strip symbols.
    pub strip: bool,
}

/// Why linking failed.
#[derive(Debug, Error)]
pub enum LinkError {
    /// The linker could not be started.
    #[error("cannot run the linker `{linker}`: {error}: install a C compiler driver (Debian: `apt-get install gcc`) or name one with --linker or JANUS_LINKER")]
    NoLinker {
        /// The command.
        linker: String,
        /// The host's error.
        error: std::io::Error,
    },
    /// The linker ran and failed.
    #[error("linking with `{linker}` failed ({status}):\n{stderr}{hint}")]
    Failed {
        /// The command.
        linker: String,
        /// Its exit status.
        status: String,
        /// What it printed.
        stderr: String,
        /// What to do about it, when known.
        hint: String,
    },
    /// Files could not be written or moved.
    #[error("cannot write `{path}`: {error}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The host's error.
        error: std::io::Error,
    },
}

/// Links `objects` (the program, its metadata) with the runtime archive into
/// the executable `output`.
pub fn link(
    objects: &[&[u8]],
    runtime: &[u8],
    output: &Path,
    options: &LinkOptions,
) -> Result<(), LinkError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| LinkError::Io { path, error }
    };
    let dir = tempfile::tempdir().map_err(io(Path::new("<temporary directory>")))?;
    let archive = dir.path().join("libjanus_runtime.a");
    let exe = dir.path().join("program");
    let mut objs = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        let path = dir.path().join(format!("program{i}.o"));
        std::fs::write(&path, object).map_err(io(&path))?;
        objs.push(path);
    }
    std::fs::write(&archive, runtime).map_err(io(&archive))?;
    let linker = options
        .linker
        .clone()
        .or_else(|| std::env::var("JANUS_LINKER").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "cc".to_string());
    let mut cmd = Command::new(&linker);
    cmd.arg("-o")
        .arg(&exe)
        .args(&objs)
        .arg(&archive)
        .arg("-Wl,--gc-sections")
        .arg("-Wl,--build-id=sha1");
    if options.static_ {
        cmd.arg("-static");
    }
    if options.strip {
        cmd.arg("-s");
    }
    let out = cmd.output().map_err(|error| LinkError::NoLinker {
        linker: linker.clone(),
        error,
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let hint = if options.static_ && stderr.contains("cannot find -lc") {
            "hint: --static needs a static C library (Debian: `apt-get install libc6-dev`)\n"
                .to_string()
        } else {
            String::new()
        };
        return Err(LinkError::Failed {
            linker,
            status: out.status.to_string(),
            stderr,
            hint,
        });
    }
    // Move into place: rename within one filesystem, else copy.
    if std::fs::rename(&exe, output).is_err() {
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let staged = tempfile::NamedTempFile::new_in(&parent).map_err(io(output))?;
        std::fs::copy(&exe, staged.path()).map_err(io(output))?;
        staged.persist(output).map_err(|e| LinkError::Io {
            path: output.to_path_buf(),
            error: e.error,
        })?;
        set_executable(output).map_err(io(output))?;
    }
    Ok(())
}

fn set_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path)?.permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms)
}
