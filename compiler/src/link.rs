//! Linking an object with the runtime into an executable, through the
//! system's C compiler driver (`cc`, or `--linker`/`JANUS_LINKER`), the way
//! Inko's `linker.rs` does: write both files into a temporary directory, run
//! one readable command there, and hand back the executable's bytes and the
//! command that made them. Where the executable goes is the caller's
//! business (janusc writes all of a build's outputs as one transaction), so
//! a failed link never touches a file outside the temporary directory.

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
    /// More arguments for the linker driver, after janusc's own.
    pub extra_args: Vec<String>,
}

/// A linked executable.
#[derive(Clone, Debug)]
pub struct Linked {
    /// The executable file's bytes.
    pub executable: Vec<u8>,
    /// The command that linked it, shell-quoted, for `janusc build -v`.
    pub command: String,
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
        /// The linker.
        linker: String,
        /// The whole command, shell-quoted.
        command: String,
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
/// an executable, returned as bytes with the command that linked it.
pub fn link(objects: &[&[u8]], runtime: &[u8], options: &LinkOptions) -> Result<Linked, LinkError> {
    run_linker(objects, options, |cmd, dir| {
        let archive = dir.join("libjanus_runtime.a");
        std::fs::write(&archive, runtime).map_err(io(&archive))?;
        cmd.arg(&archive)
            .arg("-Wl,--gc-sections")
            .arg("-Wl,--build-id=sha1");
        if options.static_ {
            cmd.arg("-static");
        }
        if options.strip {
            cmd.arg("-s");
        }
        Ok(())
    })
}

/// Links `objects` into one relocatable object (`cc -r`), for `--emit obj`
/// of a program the backend built as two codegen units.
pub fn link_relocatable(objects: &[&[u8]], options: &LinkOptions) -> Result<Vec<u8>, LinkError> {
    run_linker(objects, options, |cmd, _| {
        cmd.arg("-r").arg("-nostdlib");
        Ok(())
    })
    .map(|linked| linked.executable)
}

/// The I/O error at `path`, as a [`LinkError`].
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LinkError {
    let path = path.to_path_buf();
    move |error| LinkError::Io { path, error }
}

/// Runs the linker driver in a temporary directory: `-o OUT`, `objects`,
/// what `args` adds (it may write more files into the directory), then the
/// user's extra arguments; returns the output's bytes and the command.
fn run_linker(
    objects: &[&[u8]],
    options: &LinkOptions,
    args: impl FnOnce(&mut Command, &Path) -> Result<(), LinkError>,
) -> Result<Linked, LinkError> {
    let dir = tempfile::tempdir().map_err(io(Path::new("<temporary directory>")))?;
    let out = dir.path().join("program");
    let mut objs = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        let path = dir.path().join(format!("program{i}.o"));
        std::fs::write(&path, object).map_err(io(&path))?;
        objs.push(path);
    }
    let linker = options
        .linker
        .clone()
        .or_else(|| std::env::var("JANUS_LINKER").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "cc".to_string());
    let mut cmd = Command::new(&linker);
    cmd.arg("-o").arg(&out).args(&objs);
    args(&mut cmd, dir.path())?;
    cmd.args(&options.extra_args);
    let command = shell_quoted(&cmd);
    let output = cmd.output().map_err(|error| LinkError::NoLinker {
        linker: linker.clone(),
        error,
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let hint = if options.static_ && stderr.contains("cannot find -lc") {
            "hint: --static needs a static C library (Debian: `apt-get install libc6-dev`)\n"
                .to_string()
        } else {
            String::new()
        };
        return Err(LinkError::Failed {
            linker,
            command,
            status: output.status.to_string(),
            stderr,
            hint,
        });
    }
    let executable = std::fs::read(&out).map_err(io(&out))?;
    Ok(Linked {
        executable,
        command,
    })
}

/// A command as a shell would need it typed: words with anything but
/// `[A-Za-z0-9_./=,+-]` in single quotes.
fn shell_quoted(cmd: &Command) -> String {
    let quote = |word: &std::ffi::OsStr| {
        let word = word.to_string_lossy();
        let plain = !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_./=,+-:".contains(c));
        if plain {
            word.into_owned()
        } else {
            format!("'{}'", word.replace('\'', r"'\''"))
        }
    };
    std::iter::once(quote(cmd.get_program()))
        .chain(cmd.get_args().map(quote))
        .collect::<Vec<_>>()
        .join(" ")
}
