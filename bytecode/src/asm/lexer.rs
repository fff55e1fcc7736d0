//! Splits `.jasm` text into tokens with byte spans. Line structure matters to
//! the grammar, so newlines are tokens; comments run from `;` to the end of the
//! line.

use super::error::{codes, AsmError};
use crate::bytecode::limits::MAX_NAME_LEN;
use std::ops::Range;

/// One token.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A name: mnemonic, directive, register, function, label, type.
    /// May contain `.` between other name characters (`i32.add`).
    Ident(String),
    /// A number as written, sign included: the parser reads it by the
    /// operand's type.
    Number(String),
    /// A string literal's bytes, escapes decoded.
    Str(Vec<u8>),
    /// `:`
    Colon,
    /// `,`
    Comma,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `->`
    Arrow,
    /// `..`
    DotDot,
    /// `@`
    At,
    /// `-` not followed by a digit (as in `-inf`).
    Minus,
    /// `=` (the SSA IR's `v1 = ...`).
    Equals,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// End of a line.
    Newline,
}

impl Tok {
    /// How the token reads in "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Number(s) => format!("number `{s}`"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Colon => "`:`".to_string(),
            Tok::Comma => "`,`".to_string(),
            Tok::LParen => "`(`".to_string(),
            Tok::RParen => "`)`".to_string(),
            Tok::LBracket => "`[`".to_string(),
            Tok::RBracket => "`]`".to_string(),
            Tok::Arrow => "`->`".to_string(),
            Tok::DotDot => "`..`".to_string(),
            Tok::At => "`@`".to_string(),
            Tok::Minus => "`-`".to_string(),
            Tok::Equals => "`=`".to_string(),
            Tok::LBrace => "`{`".to_string(),
            Tok::RBrace => "`}`".to_string(),
            Tok::Newline => "end of line".to_string(),
        }
    }
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Its byte range in the source.
    pub span: Range<usize>,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Tokenizes a whole source. Lexical errors are collected; the tokens of the
/// rest of the file are still returned so the parser can report more. The
/// assembler does not call this: it lexes a line at a time with [`Lexer`],
/// so no file makes it hold more than a line's lookahead of tokens.
pub fn lex(src: &str) -> (Vec<Token>, Vec<AsmError>) {
    let mut tokens = Vec::new();
    let mut errors = Vec::new();
    let mut lexer = Lexer::at(src, 0);
    while let Some(token) = lexer.next_token(&mut errors) {
        tokens.push(token);
    }
    tokens.push(Token {
        tok: Tok::Newline,
        span: src.len()..src.len(),
    });
    (tokens, errors)
}

/// A cursor that reads one token at a time, from any line start.
#[derive(Clone, Debug)]
pub struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    /// Whether names and numbers carry their text (else they are empty:
    /// a scan for errors allocates nothing for them).
    keep: bool,
}

impl<'s> Lexer<'s> {
    /// A lexer reading `src` from byte `pos` (a line start, or 0).
    pub fn at(src: &'s str, pos: usize) -> Lexer<'s> {
        Lexer {
            src,
            pos,
            keep: true,
        }
    }

    /// A lexer that only finds tokens' kinds, spans and errors: names and
    /// numbers come with empty text.
    pub fn scanning(src: &'s str, pos: usize) -> Lexer<'s> {
        Lexer {
            src,
            pos,
            keep: false,
        }
    }

    fn text(&self, range: Range<usize>) -> String {
        if self.keep {
            self.src[range].to_string()
        } else {
            String::new()
        }
    }

    /// Where the next token's search starts.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The next token (a newline is one), or `None` at the end of the
    /// source. Lexical errors met on the way are appended to `errors` and
    /// skipped.
    pub fn next_token(&mut self, errors: &mut Vec<AsmError>) -> Option<Token> {
        let src = self.src;
        let bytes = src.as_bytes();
        let mut i = self.pos;
        let result = loop {
            if i >= bytes.len() {
                break None;
            }
            let c = bytes[i];
            let start = i;
            let single = |tok: Tok| Some((tok, 1));
            let simple = match c {
                b'\n' => single(Tok::Newline),
                b':' => single(Tok::Colon),
                b',' => single(Tok::Comma),
                b'(' => single(Tok::LParen),
                b')' => single(Tok::RParen),
                b'[' => single(Tok::LBracket),
                b']' => single(Tok::RBracket),
                b'@' => single(Tok::At),
                b'=' => single(Tok::Equals),
                b'{' => single(Tok::LBrace),
                b'}' => single(Tok::RBrace),
                b'-' if bytes.get(i + 1) == Some(&b'>') => Some((Tok::Arrow, 2)),
                b'.' if bytes.get(i + 1) == Some(&b'.') => Some((Tok::DotDot, 2)),
                b'-' if !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => single(Tok::Minus),
                _ => None,
            };
            if let Some((tok, len)) = simple {
                i += len;
                break Some(Token {
                    tok,
                    span: start..start + len,
                });
            }
            match c {
                b' ' | b'\t' | b'\r' => i += 1,
                b';' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'"' => match lex_string(src, i) {
                    Ok((value, end)) => {
                        i = end;
                        break Some(Token {
                            tok: Tok::Str(value),
                            span: start..end,
                        });
                    }
                    Err((error, resume)) => {
                        errors.push(error);
                        i = resume;
                    }
                },
                c if c.is_ascii_digit() || c == b'-' || c == b'+' => {
                    i += 1;
                    let hex =
                        bytes[start..].starts_with(b"0x") || bytes[start..].starts_with(b"-0x");
                    while i < bytes.len() {
                        let d = bytes[i];
                        let exponent_sign =
                            (d == b'+' || d == b'-') && !hex && matches!(bytes[i - 1], b'e' | b'E');
                        let fraction_dot =
                            d == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
                        if is_name_char(d) || exponent_sign || fraction_dot {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    break Some(Token {
                        tok: Tok::Number(self.text(start..i)),
                        span: start..i,
                    });
                }
                c if is_name_start(c) => {
                    i += 1;
                    while i < bytes.len() {
                        let d = bytes[i];
                        let inner_dot =
                            d == b'.' && bytes.get(i + 1).is_some_and(|&n| is_name_char(n));
                        if is_name_char(d) || inner_dot {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    // Checked before the name is copied: no name in a module
                    // may be longer, so a longer one is refused here, with
                    // its line, whatever it was meant to name.
                    if i - start > MAX_NAME_LEN as usize {
                        errors.push(AsmError::new(
                            codes::LIMIT,
                            format!(
                                "name of {} bytes is over the limit of {MAX_NAME_LEN} bytes",
                                i - start
                            ),
                            start..i,
                        ));
                        continue;
                    }
                    break Some(Token {
                        tok: Tok::Ident(self.text(start..i)),
                        span: start..i,
                    });
                }
                _ => {
                    let ch = src[i..].chars().next().unwrap_or('?');
                    errors.push(AsmError::new(
                        codes::UNEXPECTED_CHAR,
                        format!("unexpected character {ch:?}: expected an instruction, directive, operand or `;` comment"),
                        i..i + ch.len_utf8(),
                    ));
                    i += ch.len_utf8();
                }
            }
        };
        self.pos = i;
        result
    }
}

/// Lexes the string literal starting at `start` (a `"`). On error, returns the
/// error and where to resume (the end of the line for an unterminated string).
fn lex_string(src: &str, start: usize) -> Result<(Vec<u8>, usize), (AsmError, usize)> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = start + 1;
    let line_end = src[start..].find('\n').map_or(src.len(), |n| start + n);
    let unterminated = || {
        (
            AsmError::new(
                codes::UNTERMINATED_STRING,
                "unterminated string: expected a closing `\"` before the end of the line",
                start..start + 1,
            ),
            line_end,
        )
    };
    loop {
        let Some(&c) = bytes.get(i) else {
            return Err(unterminated());
        };
        match c {
            b'\n' => return Err(unterminated()),
            b'"' => return Ok((out, i + 1)),
            b'\\' => {
                let esc = bytes.get(i + 1).copied();
                let (value, len): (Vec<u8>, usize) = match esc {
                    Some(b'n') => (vec![b'\n'], 2),
                    Some(b't') => (vec![b'\t'], 2),
                    Some(b'r') => (vec![b'\r'], 2),
                    Some(b'0') => (vec![0], 2),
                    Some(b'\\') => (vec![b'\\'], 2),
                    Some(b'"') => (vec![b'"'], 2),
                    Some(b'x') => {
                        let hex = src
                            .get(i + 2..i + 4)
                            .and_then(|h| u8::from_str_radix(h, 16).ok());
                        match hex {
                            Some(v) if src.as_bytes()[i + 2].is_ascii_hexdigit() => (vec![v], 4),
                            _ => {
                                return Err((
                                    AsmError::new(
                                        codes::BAD_ESCAPE,
                                        "bad escape: expected two hex digits after `\\x`",
                                        i..(i + 4).min(line_end),
                                    ),
                                    skip_string(src, i, line_end),
                                ))
                            }
                        }
                    }
                    _ => {
                        return Err((
                            AsmError::new(
                                codes::BAD_ESCAPE,
                                "bad escape: expected one of \\n \\t \\r \\0 \\\\ \\\" \\xNN",
                                i..(i + 2).min(line_end),
                            ),
                            skip_string(src, i, line_end),
                        ))
                    }
                };
                out.extend(value);
                i += len;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// Where to resume after a bad escape: after the string's closing quote, or
/// at the end of the line.
fn skip_string(src: &str, from: usize, line_end: usize) -> usize {
    let bytes = src.as_bytes();
    let mut i = from + 1;
    while i < line_end {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    line_end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        let (tokens, errors) = lex(src);
        assert!(errors.is_empty(), "{errors:?}");
        tokens.into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn names_numbers_and_ranges() {
        assert_eq!(
            toks("reg r1..r3: i64 ; comment"),
            vec![
                Tok::Ident("reg".into()),
                Tok::Ident("r1".into()),
                Tok::DotDot,
                Tok::Ident("r3".into()),
                Tok::Colon,
                Tok::Ident("i64".into()),
                Tok::Newline
            ]
        );
        assert_eq!(
            toks("f64.const r0, -1.5e-3"),
            vec![
                Tok::Ident("f64.const".into()),
                Tok::Ident("r0".into()),
                Tok::Comma,
                Tok::Number("-1.5e-3".into()),
                Tok::Newline
            ]
        );
        assert_eq!(toks("-inf")[..2], [Tok::Minus, Tok::Ident("inf".into())]);
        assert_eq!(toks("-> ")[0], Tok::Arrow);
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(toks(r#""a\n\x41\"""#)[0], Tok::Str(b"a\nA\"".to_vec()));
        let (_, errors) = lex("\"abc\n");
        assert_eq!(errors[0].code, codes::UNTERMINATED_STRING);
        let (_, errors) = lex(r#""\q""#);
        assert_eq!(errors[0].code, codes::BAD_ESCAPE);
    }
}
