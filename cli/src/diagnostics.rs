//! Every diagnostic janusc prints, whatever produced it (assembler,
//! decoder, verifier, loader, backend, linker, the command line), goes
//! through one type, [`Diagnostic`], and one renderer, in one of two forms:
//!
//! - for people, rustc's look (through annotate-snippets, the renderer rustc
//!   itself uses): `error[CODE]: message`, then `--> file:line:col` and the
//!   source line with a caret under the span, or `--> file` for binary input,
//!   whose messages end in `(at offset 0x..)`;
//! - for tools (`--error-format=json`), one JSON object per line.
//!
//! Colour is decided once, by anstream, from `--color`, `NO_COLOR`,
//! `CLICOLOR_FORCE` and whether standard error is a terminal.

use crate::failure::{Failure, LoadFailure};
use annotate_snippets::{Level as SnippetLevel, Renderer, Snippet};
use janus_bytecode::LoadError;
use std::io::Write;
use std::ops::Range;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// The command fails.
    Error,
    /// Worth knowing; an error under `-D warnings`.
    Warning,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// Where in a text source a diagnostic points, resolved to lines and
/// columns (1-based, columns in characters) with the lines to show.
#[derive(Clone, Debug)]
pub struct SourceSpan {
    /// Byte range in the file.
    pub range: Range<usize>,
    /// Line and column of the range's start.
    pub start: (usize, usize),
    /// Line and column of the range's end.
    pub end: (usize, usize),
    /// The whole lines the range touches.
    excerpt: String,
    /// The range within `excerpt`.
    excerpt_range: Range<usize>,
}

/// A cursor that finds lines and columns by moving from the last offset it
/// resolved, so resolving the spans of many diagnostics in file order costs
/// one pass over the source in all, and no memory per line (counting the
/// newlines before each span took 98 s for 60,000 overlap warnings; an
/// index of every newline took 400 MB for 50 MiB of them).
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// The last offset resolved (a character boundary).
    offset: usize,
    /// Its 1-based line.
    line: usize,
    /// Where that line starts.
    line_start: usize,
}

impl Default for LineIndex {
    fn default() -> LineIndex {
        LineIndex::new()
    }
}

impl LineIndex {
    /// A cursor at the start of a source.
    pub fn new() -> LineIndex {
        LineIndex {
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// The 1-based line and column (in characters) of byte `offset`, as
    /// `asm::error::line_col` gives them.
    fn line_col(&mut self, source: &str, offset: usize) -> (usize, usize) {
        let offset = floor_boundary(source, offset.min(source.len()));
        let newlines = |text: &str| text.bytes().filter(|&b| b == b'\n').count();
        if offset >= self.offset {
            let between = &source[self.offset..offset];
            self.line += newlines(between);
            if let Some(i) = between.rfind('\n') {
                self.line_start = self.offset + i + 1;
            }
        } else {
            self.line -= newlines(&source[offset..self.offset]);
            self.line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
        }
        self.offset = offset;
        (
            self.line,
            source[self.line_start..offset].chars().count() + 1,
        )
    }
}

impl SourceSpan {
    /// Resolves `range` in `source` (one span: the CLI resolves many
    /// with one [`LineIndex`]).
    #[cfg(test)]
    pub fn new(source: &str, range: Range<usize>) -> SourceSpan {
        SourceSpan::indexed(source, &mut LineIndex::new(), range)
    }

    /// Resolves `range` in `source`, moving `index` (a cursor over the same
    /// source) there.
    pub fn indexed(source: &str, index: &mut LineIndex, range: Range<usize>) -> SourceSpan {
        let clamp = |i: usize| floor_boundary(source, i.min(source.len()));
        let start = clamp(range.start);
        let end = clamp(range.end).max(start);
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        // A span ending with its line's newline ends on that line.
        let last = if end > start && source.as_bytes()[end - 1] == b'\n' {
            end - 1
        } else {
            end
        };
        let line_end = source[last..].find('\n').map_or(source.len(), |i| last + i);
        let mut excerpt = source[line_start..line_end].to_string();
        let mut excerpt_range = start - line_start..(end - line_start).min(excerpt.len());
        if excerpt.len() > WINDOW {
            (excerpt, excerpt_range) = window(&excerpt, excerpt_range);
        }
        if excerpt_range.is_empty() {
            // An empty span gets a one-character caret (at the line's end
            // when the span is there).
            let next = excerpt[excerpt_range.start..]
                .chars()
                .next()
                .map_or(0, char::len_utf8);
            excerpt_range.end = excerpt_range.start + next;
        }
        SourceSpan {
            range: start..end,
            start: index.line_col(source, start),
            end: index.line_col(source, end),
            excerpt,
            excerpt_range,
        }
    }
}

/// The most bytes of source shown for one diagnostic: a longer line is
/// cut to a window around the span's start, marked with `...` at each cut,
/// so an error on a 50 MB line prints a few hundred bytes, not the line.
const WINDOW: usize = 200;

/// Cuts `text` (the lines a span touches) to [`WINDOW`] bytes around the
/// start of `range`, keeping only the first line, and moves `range` into
/// the cut text.
fn window(text: &str, range: Range<usize>) -> (String, Range<usize>) {
    let line_end = text[range.start..]
        .find('\n')
        .map_or(text.len(), |i| range.start + i);
    let from = floor_boundary(text, range.start.saturating_sub(WINDOW / 4));
    let to = ceil_boundary(text, (from + WINDOW).min(line_end));
    let (lead, tail) = (
        if from > 0 { "..." } else { "" },
        if to < text.len() { "..." } else { "" },
    );
    let cut = format!("{lead}{}{tail}", &text[from..to]);
    let start = range.start - from + lead.len();
    let end = (range.end.min(to) - from + lead.len()).max(start);
    (cut, start..end)
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// A message with every backquoted run longer than [`QUOTE_LIMIT`] bytes
/// shortened to its start and its length, so a message quoting a huge
/// token stays a line long.
fn shorten_quotes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4 * QUOTE_LIMIT));
    let mut rest = message;
    while let Some(open) = rest.find('`') {
        let Some(close) = rest[open + 1..].find('`').map(|i| open + 1 + i) else {
            break;
        };
        let quoted = &rest[open + 1..close];
        out.push_str(&rest[..=open]);
        if quoted.len() > QUOTE_LIMIT {
            let keep = floor_boundary(quoted, QUOTE_LIMIT / 2);
            out.push_str(&format!("{}...` ({} bytes", &quoted[..keep], quoted.len()));
            out.push(')');
            rest = &rest[close + 1..];
            continue;
        }
        out.push_str(quoted);
        out.push('`');
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The longest backquoted text a message shows whole.
const QUOTE_LIMIT: usize = 80;

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One message for the user.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// The stable code (`A0005`, `D0001`, `V0203`, `W0001`), where there is one.
    pub code: Option<&'static str>,
    /// What is wrong and what was expected.
    pub message: String,
    /// The file it is about, as named on the command line.
    pub file: Option<String>,
    /// The byte offset in the file, for binary input.
    pub offset: Option<usize>,
    /// The span in the file, for text input.
    pub span: Option<SourceSpan>,
}

impl Diagnostic {
    /// An error with no code and no location (command-line and I/O errors).
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Error,
            code: None,
            message: message.into(),
            file: None,
            offset: None,
            span: None,
        }
    }
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorFormat {
    /// For people.
    Human,
    /// One JSON object per line.
    Json,
}

/// Prints diagnostics to standard error in the chosen form and colour.
#[derive(Debug)]
pub struct Emitter {
    /// Human or JSON.
    pub format: ErrorFormat,
    /// The `--color` choice.
    pub color: anstream::ColorChoice,
    /// `-q`: no warnings.
    pub quiet: bool,
    /// `-D warnings`: warnings are errors.
    pub deny_warnings: bool,
}

impl Emitter {
    /// Prints `diagnostics`, then (for people) a count when several errors
    /// were found, of which at most [`MAX_SHOWN`] are shown.
    pub fn emit(&self, diagnostics: &[Diagnostic], total_errors: usize) {
        let mut text = String::new();
        let shown: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| !(self.quiet && d.level == Level::Warning))
            .take(MAX_SHOWN)
            .collect();
        match self.format {
            ErrorFormat::Human => {
                for d in &shown {
                    text.push_str(&render_human(d, true));
                }
                text.push_str(&summary(total_errors));
            }
            ErrorFormat::Json => {
                for d in &shown {
                    text.push_str(&render_json(d));
                    text.push('\n');
                }
            }
        }
        let mut stderr = anstream::AutoStream::new(std::io::stderr().lock(), self.color);
        let _ = stderr.write_all(text.as_bytes());
        let _ = stderr.flush();
    }

    /// Prints warnings; under `-D warnings` they are printed as errors and
    /// the command fails.
    pub fn warn(&self, warnings: Vec<Diagnostic>) -> Result<(), Failure> {
        if warnings.is_empty() {
            return Ok(());
        }
        if self.deny_warnings {
            let count = warnings.len();
            let errors: Vec<Diagnostic> = warnings
                .into_iter()
                .map(|mut d| {
                    d.level = Level::Error;
                    d.message.push_str(" (a warning, denied by -D warnings)");
                    d
                })
                .collect();
            self.emit(&errors, count);
            return Err(Failure::Reported);
        }
        self.emit(&warnings, 0);
        Ok(())
    }

    /// Prints a failure's diagnostics.
    pub fn fail(&self, failure: &Failure) {
        let diagnostics = diagnostics_of(failure);
        let errors = match failure {
            Failure::Load(load) => load_error_count(&load.error),
            _ => diagnostics.len(),
        };
        self.emit(&diagnostics, errors);
    }
}

/// At most this many diagnostics are printed; the summary gives the total.
pub const MAX_SHOWN: usize = 50;

fn summary(count: usize) -> String {
    if count > MAX_SHOWN {
        format!("error: {count} errors ({MAX_SHOWN} shown)\n")
    } else if count > 1 {
        format!("error: {count} errors\n")
    } else {
        String::new()
    }
}

fn load_error_count(error: &LoadError) -> usize {
    match error {
        LoadError::Assemble(errors) => errors.len(),
        LoadError::Verify { errors, .. } => errors.len(),
        LoadError::NotText { .. } | LoadError::Decode(_) => 1,
    }
}

/// The diagnostics a failure stands for.
pub fn diagnostics_of(failure: &Failure) -> Vec<Diagnostic> {
    match failure {
        Failure::Reported => Vec::new(),
        Failure::Usage(message) => vec![Diagnostic::error(message.clone())],
        Failure::Disagree { first, other, what } => vec![Diagnostic::error(format!(
            "engines disagree: {first} and {other}: {what}"
        ))],
        Failure::Backend(e) => vec![Diagnostic::error(e.to_string())],
        Failure::Library(e) => vec![Diagnostic::error(e.to_string())],
        Failure::Io {
            path,
            action,
            error,
        } => vec![Diagnostic::error(format!(
            "cannot {action} `{}`: {error}",
            path.display()
        ))],
        Failure::Load(load) => load_diagnostics(load),
        Failure::Wasm { name, error } => vec![Diagnostic {
            level: Level::Error,
            code: Some(error.code()),
            message: error.to_string(),
            file: Some(name.clone()),
            offset: Some(error.offset()),
            span: None,
        }],
    }
}

fn load_diagnostics(load: &LoadFailure) -> Vec<Diagnostic> {
    let file = Some(load.name.clone());
    let text = || String::from_utf8_lossy(&load.contents);
    let at = |code, message: String, offset| Diagnostic {
        level: Level::Error,
        code,
        message,
        file: file.clone(),
        offset,
        span: None,
    };
    match &load.error {
        LoadError::NotText { offset } => {
            vec![at(None, load.error.to_string(), Some(*offset))]
        }
        LoadError::Decode(e) => vec![at(Some(e.code()), e.to_string(), Some(e.offset))],
        LoadError::Assemble(errors) => {
            let src = text();
            let mut index = LineIndex::new();
            errors
                .iter()
                .take(MAX_SHOWN)
                .map(|e| Diagnostic {
                    span: Some(SourceSpan::indexed(&src, &mut index, e.span.clone())),
                    ..at(Some(e.code), e.message.clone(), None)
                })
                .collect()
        }
        LoadError::Verify { errors, spans } => {
            let src = text();
            let mut index = LineIndex::new();
            let is_text = !load.contents.starts_with(b"\0JBC");
            errors
                .iter()
                .zip(spans)
                .take(MAX_SHOWN)
                .map(|(e, span)| match span {
                    Some(span) => {
                        let func = e
                            .func
                            .as_ref()
                            .map(|(f, _)| format!("function `{f}`: "))
                            .unwrap_or_default();
                        Diagnostic {
                            span: Some(SourceSpan::indexed(&src, &mut index, span.clone())),
                            ..at(Some(e.code()), format!("{func}{}", e.kind), None)
                        }
                    }
                    // Offsets in assembled bytes mean nothing to the author
                    // of the text, so they are left out.
                    None if is_text => at(Some(e.code()), e.kind.to_string(), None),
                    None => at(Some(e.code()), e.to_string(), Some(e.offset)),
                })
                .collect()
        }
    }
}

/// The human form: rustc's look.
fn render_human(d: &Diagnostic, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let level = match d.level {
        Level::Error => SnippetLevel::Error,
        Level::Warning => SnippetLevel::Warning,
    };
    let text = shorten_quotes(&d.message);
    let mut message = level.title(&text);
    if let Some(code) = d.code {
        message = message.id(code);
    }
    let (Some(file), Some(span)) = (&d.file, &d.span) else {
        let mut out = renderer.render(message).to_string();
        out.push('\n');
        if let Some(file) = &d.file {
            // The style annotate-snippets gives its own `-->`.
            let arrow = if styled {
                anstyle::Style::new()
                    .bold()
                    .fg_color(Some(anstyle::AnsiColor::BrightBlue.into()))
            } else {
                anstyle::Style::new()
            };
            out.push_str(&format!("  {arrow}-->{arrow:#} {file}\n"));
        }
        return out;
    };
    let snippet = Snippet::source(&span.excerpt)
        .line_start(span.start.0)
        .origin(file)
        .fold(false)
        .annotation(level.span(span.excerpt_range.clone()));
    let mut out = renderer.render(message.snippet(snippet)).to_string();
    out.push('\n');
    out
}

/// The JSON form: one object, with every location field known.
fn render_json(d: &Diagnostic) -> String {
    let mut object = serde_json::Map::new();
    let mut put = |key: &str, value: serde_json::Value| {
        object.insert(key.to_string(), value);
    };
    put("$message_type", "diagnostic".into());
    put("level", d.level.name().into());
    put("code", d.code.map_or(serde_json::Value::Null, Into::into));
    put("message", shorten_quotes(&d.message).into());
    put(
        "file",
        d.file.clone().map_or(serde_json::Value::Null, Into::into),
    );
    let offset = d.offset.or(d.span.as_ref().map(|s| s.range.start));
    put("offset", offset.map_or(serde_json::Value::Null, Into::into));
    if let Some(span) = &d.span {
        put("line", span.start.0.into());
        put("column", span.start.1.into());
        put("end_offset", span.range.end.into());
        put("end_line", span.end.0.into());
        put("end_column", span.end.1.into());
    }
    put("rendered", render_human(d, false).into());
    serde_json::Value::Object(object).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_index_places_every_offset_as_line_col_does() {
        let source = "a\n\nél: x\n  ret [r0]\nno newline at the end";
        let mut index = LineIndex::new();
        // Forwards, then backwards, then in jumps.
        let offsets = (0..=source.len() + 2)
            .chain((0..=source.len()).rev())
            .chain([30, 2, 17, 0, 33]);
        for offset in offsets {
            assert_eq!(
                index.line_col(source, offset),
                janus_bytecode::asm::error::line_col(source, offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn a_long_line_shows_a_window_around_the_span() {
        let line = format!("{}BAD{}\n", "a".repeat(10_000), "b".repeat(10_000));
        let span = SourceSpan::new(&line, 10_000..10_003);
        assert!(span.excerpt.len() <= WINDOW + 6, "{}", span.excerpt.len());
        assert!(span.excerpt.starts_with("...") && span.excerpt.ends_with("..."));
        assert_eq!(&span.excerpt[span.excerpt_range.clone()], "BAD");
        assert_eq!(span.start, (1, 10_001), "the location is the real one");
        let short = SourceSpan::new("i32.add r0 r1\n", 11..13);
        assert_eq!(
            (short.excerpt.as_str(), short.excerpt_range),
            ("i32.add r0 r1", 11..13)
        );
    }

    #[test]
    fn huge_quoted_tokens_are_shortened() {
        let message = format!("expected `,`, found `{}`", "x".repeat(1_000_000));
        let short = shorten_quotes(&message);
        assert!(short.len() < 200, "{short}");
        assert!(
            short.starts_with("expected `,`, found `xxx")
                && short.ends_with("...` (1000000 bytes)")
        );
        assert_eq!(shorten_quotes("plain `r1` and `r2`"), "plain `r1` and `r2`");
        assert_eq!(shorten_quotes("odd ` quote"), "odd ` quote");
    }
}
