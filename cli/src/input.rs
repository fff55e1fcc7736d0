//! Reading a command's input: a file, or standard input for `-`. The format
//! is told by the contents (the `.jbc` magic), never by the name.

use crate::failure::{Failure, LoadFailure};
use janus_bytecode::bytecode::format::MAGIC;
use janus_bytecode::bytecode::limits::MAX_FILE_SIZE;
use janus_bytecode::bytecode::{DecodeError, DecodeErrorKind};
use janus_bytecode::LoadError;
use std::io::{Read, Seek};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// An input file's contents and what names it.
#[derive(Debug)]
pub struct Input {
    /// How diagnostics name it: the path as given, or `<stdin>`.
    pub name: String,
    /// The file's path; `None` for standard input.
    pub path: Option<PathBuf>,
    /// The contents, shared (not copied) with a failed load's
    /// diagnostics, so a rejected input is held in memory once.
    pub bytes: std::sync::Arc<Vec<u8>>,
    /// The file's (device, inode), so no output overwrites it.
    pub identity: Option<(u64, u64)>,
}

impl Input {
    /// Reads `path`, or all of standard input when it is `-`.
    pub fn read(path: &Path) -> Result<Input, Failure> {
        if path == Path::new("-") {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|error| Failure::Io {
                    path: PathBuf::from("<stdin>"),
                    action: "read",
                    error,
                })?;
            return Ok(Input {
                name: "<stdin>".into(),
                path: None,
                bytes: bytes.into(),
                identity: None,
            });
        }
        let io = |error| Failure::Io {
            path: path.to_path_buf(),
            action: "read",
            error,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        let identity = Some((meta.dev(), meta.ino()));
        let size = usize::try_from(meta.len()).unwrap_or(usize::MAX);
        if size > MAX_FILE_SIZE {
            // Bytecode over the loader's limit is refused from its size and
            // magic, without reading the rest (text has no such limit: the
            // assembler bounds what it makes of it).
            let mut head = Vec::new();
            (&mut file)
                .take(MAGIC.len() as u64)
                .read_to_end(&mut head)
                .map_err(io)?;
            if head == MAGIC {
                return Err(Failure::Load(Box::new(LoadFailure {
                    name: path.display().to_string(),
                    contents: head.into(),
                    error: LoadError::Decode(DecodeError {
                        offset: 0,
                        kind: DecodeErrorKind::FileTooLarge { size },
                    }),
                })));
            }
            file.seek(std::io::SeekFrom::Start(0)).map_err(io)?;
        }
        let mut bytes = Vec::with_capacity(size.min(MAX_FILE_SIZE));
        file.read_to_end(&mut bytes).map_err(io)?;
        Ok(Input {
            name: path.display().to_string(),
            path: Some(path.to_path_buf()),
            bytes: bytes.into(),
            identity,
        })
    }

    /// The stem default output names derive from: the file name without
    /// its extension, or `a` for standard input (as `a.out`).
    pub fn stem(&self) -> String {
        self.path
            .as_deref()
            .and_then(Path::file_stem)
            .map_or_else(|| "a".into(), |s| s.to_string_lossy().into_owned())
    }
}
