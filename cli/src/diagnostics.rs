//! Rendering every error once, in one style: `error[CODE]: message`, then
//! where. Assembly errors show `file:line:col`, the source line and a caret
//! (through ariadne); bytecode errors show the file and the byte offset.

use ariadne::{CharSet, Config, IndexType, Label, Report, ReportKind, Source};
use janus_compiler::asm::error::line_col;
use janus_compiler::LoadError;
use std::io::IsTerminal;
use std::ops::Range;
use std::path::PathBuf;

/// Everything that can make a command fail.
#[derive(Debug)]
pub enum Failure {
    /// The command line asks for something impossible.
    Usage(String),
    /// The LLVM backend failed.
    Backend(janus_compiler::llvm::BackendError),
    /// Linking failed.
    Link(janus_compiler::link::LinkError),
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// `read` or `write`.
        action: &'static str,
        /// The host's error.
        error: std::io::Error,
    },
    /// A file was read but is not a valid program.
    Load {
        /// The file.
        path: PathBuf,
        /// Its contents, for showing source lines.
        contents: Vec<u8>,
        /// What is wrong.
        error: LoadError,
    },
}

/// Prints a failure to standard error.
pub fn render(failure: &Failure) {
    let mut err = std::io::stderr().lock();
    let text = format_failure(failure, std::io::stderr().is_terminal());
    use std::io::Write;
    let _ = err.write_all(text.as_bytes());
}

/// Formats a failure; `color` adds ANSI colors for terminals.
pub fn format_failure(failure: &Failure, color: bool) -> String {
    match failure {
        Failure::Usage(message) => format!("error: {message}\n"),
        Failure::Backend(e) => format!("error: {e}\n"),
        Failure::Link(e) => format!("error: {e}\n"),
        Failure::Io {
            path,
            action,
            error,
        } => {
            format!("error: cannot {action} `{}`: {error}\n", path.display())
        }
        Failure::Load {
            path,
            contents,
            error,
        } => {
            let file = path.display().to_string();
            match error {
                LoadError::NotText { .. } => format!("error: {error}\n  --> {file}\n"),
                LoadError::Decode(e) => format!("error[{}]: {e}\n  --> {file}\n", e.code()),
                LoadError::Assemble(errors) => {
                    let src = String::from_utf8_lossy(contents);
                    let mut out = String::new();
                    for e in errors.iter().take(MAX_SHOWN) {
                        out.push_str(&source_report(
                            &file,
                            &src,
                            e.code,
                            &e.message,
                            e.span.clone(),
                            color,
                        ));
                    }
                    out.push_str(&summary(errors.len()));
                    out
                }
                LoadError::Verify { errors, spans } => {
                    let src = String::from_utf8_lossy(contents);
                    let mut out = String::new();
                    for (e, span) in errors.iter().zip(spans).take(MAX_SHOWN) {
                        match span {
                            Some(span) => {
                                let mut message = String::new();
                                if let Some((func, _)) = &e.func {
                                    message.push_str(&format!("function `{func}`: "));
                                }
                                message.push_str(&e.kind.to_string());
                                out.push_str(&source_report(
                                    &file,
                                    &src,
                                    e.code(),
                                    &message,
                                    span.clone(),
                                    color,
                                ));
                            }
                            // Offsets in assembled bytes mean nothing to the
                            // author of the text, so they are left out.
                            None if matches!(error, LoadError::Verify { .. })
                                && is_text(contents) =>
                            {
                                out.push_str(&format!(
                                    "error[{}]: {}\n  --> {file}\n",
                                    e.code(),
                                    e.kind
                                ))
                            }
                            None => {
                                out.push_str(&format!("error[{}]: {e}\n  --> {file}\n", e.code()))
                            }
                        }
                    }
                    out.push_str(&summary(errors.len()));
                    out
                }
            }
        }
    }
}

fn is_text(contents: &[u8]) -> bool {
    !contents.starts_with(b"\0JBC")
}

/// At most this many errors are rendered; the summary gives the total.
const MAX_SHOWN: usize = 50;

fn summary(count: usize) -> String {
    if count > MAX_SHOWN {
        format!("error: {count} errors ({MAX_SHOWN} shown)\n")
    } else if count > 1 {
        format!("error: {count} errors\n")
    } else {
        String::new()
    }
}

/// An ariadne report: header with code and message, `file:line:col`, the
/// source line and a caret under the span.
fn source_report(
    file: &str,
    src: &str,
    code: &str,
    message: &str,
    span: Range<usize>,
    color: bool,
) -> String {
    let span = span.start.min(src.len())..span.end.min(src.len()).max(span.start.min(src.len()));
    let (line, col) = line_col(src, span.start);
    let config = Config::default()
        .with_color(color)
        .with_char_set(if color {
            CharSet::Unicode
        } else {
            CharSet::Ascii
        })
        .with_index_type(IndexType::Byte);
    let mut out = Vec::new();
    let label_span = if span.is_empty() {
        span.start..span.start
    } else {
        span.clone()
    };
    let result = Report::build(ReportKind::Error, (file.to_string(), label_span.clone()))
        .with_config(config)
        .with_code(code)
        .with_message(message)
        .with_label(Label::new((file.to_string(), label_span)).with_message("here"))
        .finish()
        .write((file.to_string(), Source::from(src)), &mut out);
    match result {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(_) => format!("error[{code}]: {message}\n  --> {file}:{line}:{col}\n"),
    }
}
