//! A command's outputs, written as one transaction, so that janusc never
//! loses a file.
//!
//! Every output is planned before any work is done ([`Outputs::plan`]):
//! that is where an output naming an input, two outputs naming one path, a
//! missing directory and binary data for standard output are refused. Once
//! the work has produced every output's bytes, each is staged
//! ([`Outputs::stage`]) in a temporary file beside its target, created with
//! the mode the umask gives (0666 or 0777 before the umask), and only when
//! every output is staged does [`Outputs::commit`] rename them into place. A
//! failure before that point leaves every existing file as it was, and the
//! temporary files are removed when the `Outputs` is dropped.
//!
//! A target that exists and is not a regular file (a character device such
//! as `/dev/null`, a FIFO, a socket) is written in place: opened for
//! writing, never renamed over and never removed.

use crate::failure::Failure;
use crate::input::Input;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What an output holds, which decides its mode and whether it may go to
/// standard output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// Text (assembly, IR, dependency rules): mode 0666 before the umask.
    Text,
    /// Binary data a pipe can carry (`.jbc` bytecode): mode 0666.
    Bytes,
    /// An object file: mode 0666, never to a terminal or pipe.
    Object,
    /// An executable: mode 0777 before the umask, never to standard output.
    Executable,
    /// A static library archive: mode 0666, never to standard output.
    Archive,
}

impl Content {
    fn mode(self) -> u32 {
        match self {
            Content::Executable => 0o777,
            Content::Text | Content::Bytes | Content::Object | Content::Archive => 0o666,
        }
    }

    /// Whether standard output may carry this content.
    fn streams(self) -> bool {
        match self {
            Content::Text | Content::Bytes => true,
            Content::Object | Content::Executable | Content::Archive => false,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Content::Text => "text",
            Content::Bytes => "bytecode",
            Content::Object => "an object file",
            Content::Executable => "an executable",
            Content::Archive => "a static library",
        }
    }
}

/// A planned output: an index into [`Outputs`].
#[derive(Clone, Copy, Debug)]
pub struct Slot(usize);

/// Where a planned output goes.
enum Target {
    /// Standard output.
    Stdout,
    /// A path that does not exist or is a regular file: staged in a
    /// temporary file and renamed over it.
    Replace(PathBuf),
    /// A path that exists and is not a regular file: written in place.
    InPlace(PathBuf),
}

/// One output's state.
struct Planned {
    target: Target,
    content: Content,
    staged: Option<Staged>,
}

enum Staged {
    Temp(tempfile::TempPath),
    Bytes(Vec<u8>),
}

/// The outputs of one command.
pub struct Outputs {
    /// Identities (device, inode) of the inputs, with their names.
    inputs: Vec<((u64, u64), String)>,
    planned: Vec<Planned>,
}

impl Outputs {
    /// Outputs for a command that read `inputs`; none may be overwritten.
    pub fn new(inputs: &[&Input]) -> Outputs {
        let inputs = inputs
            .iter()
            .filter_map(|input| Some((input.identity?, input.name.clone())))
            .collect();
        Outputs {
            inputs,
            planned: Vec::new(),
        }
    }

    /// Plans an output at `path` (`-` is standard output), checking all that
    /// can be checked before the work: that standard output may carry
    /// `content`, that the path names no input and no other output, and that
    /// its directory exists.
    pub fn plan(&mut self, path: &Path, content: Content) -> Result<Slot, Failure> {
        let target = if path == Path::new("-") {
            if !content.streams() {
                return Err(Failure::Usage(format!(
                    "{} cannot be written to standard output (`-`): name a file",
                    content.noun()
                )));
            }
            Target::Stdout
        } else {
            self.check_not_input(path)?;
            check_directory(path)?;
            match std::fs::metadata(path) {
                Ok(meta) if !meta.is_file() && !meta.is_dir() => Target::InPlace(path.into()),
                Ok(meta) if meta.is_dir() => {
                    return Err(Failure::Usage(format!(
                        "cannot write `{}`: it is a directory",
                        path.display()
                    )))
                }
                _ => Target::Replace(path.into()),
            }
        };
        for other in &self.planned {
            let same = match (&other.target, &target) {
                (Target::Stdout, Target::Stdout) => true,
                (
                    Target::Replace(a) | Target::InPlace(a),
                    Target::Replace(b) | Target::InPlace(b),
                ) => same_path(a, b),
                _ => false,
            };
            if same {
                return Err(Failure::Usage(format!(
                    "two outputs are both to be written to `{}`: give each its own path",
                    path.display()
                )));
            }
        }
        self.planned.push(Planned {
            target,
            content,
            staged: None,
        });
        Ok(Slot(self.planned.len() - 1))
    }

    fn check_not_input(&self, path: &Path) -> Result<(), Failure> {
        let Ok(meta) = std::fs::metadata(path) else {
            return Ok(());
        };
        let identity = (meta.dev(), meta.ino());
        match self.inputs.iter().find(|(id, _)| *id == identity) {
            Some((_, name)) => Err(Failure::Usage(format!(
                "the output `{}` is the input `{name}`: writing it would destroy the input; choose another output path with -o",
                path.display()
            ))),
            None => Ok(()),
        }
    }

    /// Stages an output's bytes: in a temporary file beside its target, or
    /// in memory for standard output and for targets written in place.
    pub fn stage(&mut self, slot: Slot, bytes: Vec<u8>) -> Result<(), Failure> {
        let planned = &mut self.planned[slot.0];
        planned.staged = Some(match &planned.target {
            Target::Stdout | Target::InPlace(_) => Staged::Bytes(bytes),
            Target::Replace(path) => {
                let io = |error| Failure::Io {
                    path: path.clone(),
                    action: "write",
                    error,
                };
                let mut file = tempfile::Builder::new()
                    .prefix(".janusc-")
                    .permissions(std::fs::Permissions::from_mode(planned.content.mode()))
                    .tempfile_in(directory_of(path))
                    .map_err(io)?;
                file.write_all(&bytes).map_err(io)?;
                file.as_file().sync_data().map_err(io)?;
                Staged::Temp(file.into_temp_path())
            }
        });
        Ok(())
    }

    /// Moves every staged output into place: temporary files renamed over
    /// their targets, then in-place targets written, then standard output.
    /// Every planned output must have been staged.
    pub fn commit(mut self) -> Result<(), Failure> {
        let mut stdout = Vec::new();
        for planned in &mut self.planned {
            let staged = planned
                .staged
                .take()
                .expect("every planned output is staged before commit");
            match (&planned.target, staged) {
                (Target::Replace(path), Staged::Temp(temp)) => {
                    temp.persist(path).map_err(|e| Failure::Io {
                        path: path.clone(),
                        action: "write",
                        error: e.error,
                    })?;
                }
                (Target::InPlace(path), Staged::Bytes(bytes)) => {
                    let io = |error| Failure::Io {
                        path: path.clone(),
                        action: "write",
                        error,
                    };
                    let mut file = std::fs::OpenOptions::new()
                        .write(true)
                        .open(path)
                        .map_err(io)?;
                    file.write_all(&bytes).map_err(io)?;
                }
                (Target::Stdout, Staged::Bytes(bytes)) => stdout.push(bytes),
                (Target::Replace(_), Staged::Bytes(_))
                | (Target::InPlace(_) | Target::Stdout, Staged::Temp(_)) => {
                    unreachable!("stage() matches the staging to the target")
                }
            }
        }
        for bytes in stdout {
            write_stdout(&bytes)?;
        }
        Ok(())
    }
}

/// Writes bytes to standard output. (A closed pipe ends the process
/// quietly: `main` restores SIGPIPE's default action, as rustc does.)
pub fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|error| Failure::Io {
            path: PathBuf::from("<stdout>"),
            action: "write",
            error,
        })
}

fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The output's directory must exist: reported as such, never through a
/// temporary file's name.
fn check_directory(path: &Path) -> Result<(), Failure> {
    let dir = directory_of(path);
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(Failure::Usage(format!(
            "cannot write `{}`: `{}` is not a directory",
            path.display(),
            dir.display()
        ))),
        Err(_) => Err(Failure::Usage(format!(
            "cannot write `{}`: directory `{}/` does not exist",
            path.display(),
            dir.display()
        ))),
    }
}

/// Whether two output paths name one file: the same file when both exist,
/// else the same path once the directory is resolved.
fn same_path(a: &Path, b: &Path) -> bool {
    if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        return (x.dev(), x.ino()) == (y.dev(), y.ino());
    }
    let resolve = |p: &Path| {
        std::fs::canonicalize(directory_of(p))
            .ok()
            .map(|d| d.join(p.file_name().unwrap_or_default()))
    };
    match (resolve(a), resolve(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}
