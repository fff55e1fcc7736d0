//! A cursor over one line's tokens and the small pieces of grammar every
//! directive and instruction shares: registers, types and signatures. Lines
//! matter to the grammar, so each cursor stops at its line's newline token.

use super::error::{codes, AsmError};
use super::lexer::{Tok, Token};
use crate::bytecode::limits::{MAX_PARAMS, MAX_REGISTERS};
use crate::bytecode::{Reg, Signature};
use janus_runtime::abi::ValType;
use std::ops::Range;

pub(super) type Span = Range<usize>;

/// A cursor over one line's tokens; the last token is always the newline.
pub(super) struct Line<'t> {
    pub(super) tokens: &'t [Token],
    pub(super) pos: usize,
}

impl<'t> Line<'t> {
    pub(super) fn peek(&self) -> &'t Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    /// The token after the next one (the newline at the end of the line).
    pub(super) fn peek2(&self) -> &'t Token {
        &self.tokens[(self.pos + 1).min(self.tokens.len() - 1)]
    }

    pub(super) fn next(&mut self) -> &'t Token {
        let t = self.peek();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    pub(super) fn at_end(&self) -> bool {
        self.peek().tok == Tok::Newline
    }

    pub(super) fn eat(&mut self, tok: &Tok) -> bool {
        if &self.peek().tok == tok {
            self.next();
            true
        } else {
            false
        }
    }

    pub(super) fn expect(&mut self, tok: Tok, what: &str) -> Result<Span, AsmError> {
        let t = self.peek();
        if t.tok == tok {
            self.next();
            Ok(t.span.clone())
        } else {
            Err(expected(what, t))
        }
    }

    pub(super) fn ident(&mut self, what: &str) -> Result<(String, Span), AsmError> {
        let t = self.peek();
        match &t.tok {
            Tok::Ident(s) => {
                self.next();
                Ok((s.clone(), t.span.clone()))
            }
            _ => Err(expected(what, t)),
        }
    }

    /// The end of the span of the last token consumed (at least `start`).
    pub(super) fn consumed_end(&self, start: usize) -> usize {
        self.tokens[self.pos.saturating_sub(1)].span.end.max(start)
    }

    pub(super) fn end(&mut self) -> Result<(), AsmError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(expected("end of line", self.peek()))
        }
    }
}

/// A0005: `found` where the grammar wants `what`.
pub(super) fn expected(what: &str, found: &Token) -> AsmError {
    AsmError::new(
        codes::EXPECTED,
        format!("expected {what}, found {}", found.tok.describe()),
        found.span.clone(),
    )
}

/// A0013: something that belongs inside a function found outside one.
pub(super) fn misplaced(what: &str, span: &Span) -> AsmError {
    AsmError::new(
        codes::MISPLACED,
        format!("{what} outside a function: expected it between `func` and `end`"),
        span.clone(),
    )
}

pub(super) fn parse_reg(name: &str, span: &Span) -> Result<Reg, AsmError> {
    let digits = name
        .strip_prefix('r')
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    let Some(digits) = digits else {
        return Err(AsmError::new(
            codes::EXPECTED,
            format!("expected a register `r<N>`, found `{name}`"),
            span.clone(),
        ));
    };
    match digits.parse::<u32>() {
        Ok(n) if n < MAX_REGISTERS => Ok(n as Reg),
        _ => Err(AsmError::new(
            codes::LIMIT,
            format!("register `{name}` is out of range: a function has at most {MAX_REGISTERS} registers"),
            span.clone(),
        )),
    }
}

pub(super) fn parse_type(line: &mut Line) -> Result<ValType, AsmError> {
    let (name, span) = line.ident("a type (i32, i64, f32, f64)")?;
    ValType::from_name(&name).ok_or_else(|| {
        AsmError::new(
            codes::UNKNOWN_TYPE,
            format!("unknown type `{name}`: expected i32, i64, f32 or f64"),
            span,
        )
    })
}

/// `(T, T) -> T` with the result optional.
pub(super) fn parse_sig(line: &mut Line) -> Result<Signature, AsmError> {
    line.expect(Tok::LParen, "`(` to start a signature")?;
    let params = parse_params(line, "a signature", |line| {
        let at = line.peek().span.clone();
        Ok((parse_type(line)?, at))
    })?;
    let result = parse_result(line)?;
    Ok(Signature { params, result })
}

/// The rest of a parameter list after its `(`: items read by `item` (which
/// returns each type and the span a too-long list is reported at), separated
/// by `,`, up to the `)`, at most `MAX_PARAMS` of them. `what` names the
/// list's owner for that error ("a signature", "a function").
pub(super) fn parse_params(
    line: &mut Line,
    what: &str,
    mut item: impl FnMut(&mut Line) -> Result<(ValType, Span), AsmError>,
) -> Result<Vec<ValType>, AsmError> {
    let mut params = Vec::new();
    if line.eat(&Tok::RParen) {
        return Ok(params);
    }
    loop {
        let (ty, at) = item(line)?;
        params.push(ty);
        if params.len() > MAX_PARAMS as usize {
            return Err(AsmError::new(
                codes::LIMIT,
                format!("too many parameters: {what} has at most {MAX_PARAMS}"),
                at,
            ));
        }
        if line.eat(&Tok::RParen) {
            return Ok(params);
        }
        line.expect(Tok::Comma, "`,` or `)`")?;
    }
}

/// An optional `-> T` result type.
pub(super) fn parse_result(line: &mut Line) -> Result<Option<ValType>, AsmError> {
    if line.eat(&Tok::Arrow) {
        Ok(Some(parse_type(line)?))
    } else {
        Ok(None)
    }
}
