//! A cursor over one line's tokens and the small pieces of grammar every
//! directive and instruction shares: registers, types and signatures. Lines
//! matter to the grammar, so each cursor stops at its line's newline token.

use super::error::{codes, AsmError};
use super::lexer::{Lexer, Tok, Token};
use crate::bytecode::limits::{MAX_PARAMS, MAX_REGISTERS, MAX_RESULTS};
use crate::bytecode::{Reg, Signature};
use janus_runtime::abi::ValType;
use std::collections::VecDeque;
use std::ops::Range;

pub(super) type Span = Range<usize>;

/// A cursor over one line's tokens, read from the source as the parser asks
/// for them (at most two ahead), so a line of millions of operands costs only
/// what the parser keeps of it, and every list limit is checked before the
/// rest of the line is read. The last token is always the newline (or the end
/// of the source, read as one); the cursor stays on it.
pub(super) struct Line<'s> {
    lexer: Lexer<'s>,
    ahead: VecDeque<Token>,
    /// The newline once read: every token after it is the newline again.
    newline: Option<Token>,
    /// The end of the last token consumed.
    last_end: usize,
}

impl<'s> Line<'s> {
    /// The line starting at byte `start` of `src`, which has no lexical
    /// errors (the parser checks each line first).
    pub(super) fn at(src: &'s str, start: usize) -> Line<'s> {
        Line {
            lexer: Lexer::at(src, start),
            ahead: VecDeque::new(),
            newline: None,
            last_end: start,
        }
    }

    fn fill(&mut self, n: usize) {
        while self.ahead.len() < n {
            let token = match &self.newline {
                Some(newline) => newline.clone(),
                None => {
                    // Lexical errors were reported by the line's first pass.
                    let mut ignored = Vec::new();
                    let end = self.lexer.pos();
                    let token = self.lexer.next_token(&mut ignored).unwrap_or(Token {
                        tok: Tok::Newline,
                        span: end.max(self.lexer.pos())..end.max(self.lexer.pos()),
                    });
                    if token.tok == Tok::Newline {
                        self.newline = Some(token.clone());
                    }
                    token
                }
            };
            self.ahead.push_back(token);
        }
    }

    /// The next token, cloned: [`Line::peek_ref`] looks without cloning.
    pub(super) fn peek(&mut self) -> Token {
        self.peek_ref().clone()
    }

    /// The next token.
    pub(super) fn peek_ref(&mut self) -> &Token {
        self.fill(1);
        &self.ahead[0]
    }

    /// The token after the next one (the newline at the end of the line).
    pub(super) fn peek2(&mut self) -> &Token {
        self.fill(2);
        &self.ahead[1]
    }

    pub(super) fn next(&mut self) -> Token {
        self.fill(1);
        if self.ahead[0].tok == Tok::Newline {
            return self.ahead[0].clone();
        }
        let t = self.ahead.pop_front().expect("filled");
        self.last_end = t.span.end;
        t
    }

    pub(super) fn at_end(&mut self) -> bool {
        self.peek_ref().tok == Tok::Newline
    }

    pub(super) fn eat(&mut self, tok: &Tok) -> bool {
        if &self.peek_ref().tok == tok {
            self.next();
            true
        } else {
            false
        }
    }

    pub(super) fn expect(&mut self, tok: Tok, what: &str) -> Result<Span, AsmError> {
        let t = self.peek_ref();
        if t.tok == tok {
            Ok(self.next().span)
        } else {
            Err(expected(what, t))
        }
    }

    pub(super) fn ident(&mut self, what: &str) -> Result<(String, Span), AsmError> {
        let t = self.peek_ref();
        match t.tok {
            Tok::Ident(_) => match self.next() {
                Token {
                    tok: Tok::Ident(s),
                    span,
                } => Ok((s, span)),
                t => Err(expected(what, t)),
            },
            _ => Err(expected(what, t)),
        }
    }

    /// The end of the span of the last token consumed (at least `start`).
    pub(super) fn consumed_end(&self, start: usize) -> usize {
        self.last_end.max(start)
    }

    pub(super) fn end(&mut self) -> Result<(), AsmError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(expected("end of line", self.peek_ref()))
        }
    }
}

/// A0005: `found` where the grammar wants `what`.
pub(super) fn expected(what: &str, found: impl std::borrow::Borrow<Token>) -> AsmError {
    let found = found.borrow();
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

/// The immediate operand kind of a value of type `ty`: how a typed data
/// value or a global's initial value is written.
pub(super) fn immediate_kind(ty: ValType) -> crate::bytecode::OperandKind {
    use crate::bytecode::OperandKind;
    match ty {
        ValType::I32 => OperandKind::ImmI32,
        ValType::I64 => OperandKind::ImmI64,
        ValType::F32 => OperandKind::ImmF32,
        ValType::F64 => OperandKind::ImmF64,
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

/// `(T, T) -> T`, `(T) -> (T, T)`, or without `->` for no results.
pub(super) fn parse_sig(line: &mut Line) -> Result<Signature, AsmError> {
    line.expect(Tok::LParen, "`(` to start a signature")?;
    let params = parse_params(line, "a signature", |line| {
        let at = line.peek().span.clone();
        Ok((parse_type(line)?, at))
    })?;
    let results = parse_results(line)?;
    Ok(Signature { params, results })
}

/// The rest of a parameter list after its `(`: items read by `item` (which
/// returns each type and the span a too-long list is reported at), separated
/// by `,`, up to the `)`, at most `MAX_PARAMS` of them. `what` names the
/// list's owner for that error ("a signature", "a function").
pub(super) fn parse_params(
    line: &mut Line,
    what: &str,
    item: impl FnMut(&mut Line) -> Result<(ValType, Span), AsmError>,
) -> Result<Vec<ValType>, AsmError> {
    if line.eat(&Tok::RParen) {
        return Ok(Vec::new());
    }
    type_list(line, MAX_PARAMS, "parameters", what, item)
}

/// A non-empty list of types read by `item`, separated by `,`, up to the
/// `)`, at most `max` of them: past it, A0018 at the item that crosses it,
/// saying `what` has at most `max` `plural`.
fn type_list(
    line: &mut Line,
    max: u32,
    plural: &str,
    what: &str,
    mut item: impl FnMut(&mut Line) -> Result<(ValType, Span), AsmError>,
) -> Result<Vec<ValType>, AsmError> {
    let mut types = Vec::new();
    loop {
        let (ty, at) = item(line)?;
        types.push(ty);
        if types.len() > max as usize {
            return Err(AsmError::new(
                codes::LIMIT,
                format!("too many {plural}: {what} has at most {max}"),
                at,
            ));
        }
        if line.eat(&Tok::RParen) {
            return Ok(types);
        }
        line.expect(Tok::Comma, "`,` or `)`")?;
    }
}

/// The result types after a parameter list: none without `->`, one after
/// `-> T`, several after `-> (T, U, ...)` (at most `MAX_RESULTS`).
pub(super) fn parse_results(line: &mut Line) -> Result<Vec<ValType>, AsmError> {
    if !line.eat(&Tok::Arrow) {
        return Ok(Vec::new());
    }
    if !line.eat(&Tok::LParen) {
        return Ok(vec![parse_type(line)?]);
    }
    if line.peek().tok == Tok::RParen {
        return Err(expected(
            "a result type (leave out `-> ()` for no results)",
            line.peek(),
        ));
    }
    type_list(line, MAX_RESULTS, "results", "a signature", |line| {
        let at = line.peek().span.clone();
        Ok((parse_type(line)?, at))
    })
}
