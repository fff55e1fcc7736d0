//! The assembler: `.jasm` text to a [`Module`], in three steps (parse, resolve
//! names, emit), the way Cranelift's and QBE's text readers work.
//!
//! 1. Parse: every line becomes an [`Item`] (a module directive, or a function
//!    with its register declarations and body lines). Syntax errors are
//!    collected per line and parsing goes on with the next line.
//! 2. Declare: module items are applied in source order (so `type` lines fix
//!    signature order, as the disassembler prints them) and every function is
//!    declared, so calls may name functions defined later.
//! 3. Emit: each body goes through the [`ModuleBuilder`], which patches labels;
//!    references to functions, labels and device operations are resolved here.
//!
//! Typing is not checked here: the verifier does that on the encoded module,
//! and [`SourceMap`] lets its errors point back at source lines.

use super::error::{codes, AsmError};
use super::lexer::{lex, Tok, Token};
use crate::bytecode::builder::{FuncId, FunctionBuilder, Label, ModuleBuilder};
use crate::bytecode::limits::{MAX_BR_TABLE, MAX_DATA_SIZE, MAX_PARAMS, MAX_REGISTERS};
use crate::bytecode::{Module, Opcode, Operand, OperandKind, Reg, Signature};
use janus_runtime::abi::{self, ValType};
use std::collections::HashMap;
use std::ops::Range;

type Span = Range<usize>;

/// Source spans of what the assembler emitted, so errors found later (by the
/// verifier) can point at the source line that caused them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    /// Per function: the span of its `func` line.
    pub functions: Vec<Span>,
    /// Per function, per instruction: the instruction's span.
    pub instructions: Vec<Vec<Span>>,
    /// Per signature: the span that introduced it.
    pub signatures: Vec<Span>,
    /// Per table entry.
    pub table: Vec<Span>,
    /// Per export.
    pub exports: Vec<Span>,
    /// Per data segment.
    pub data: Vec<Span>,
    /// The `memory` directive.
    pub memory: Option<Span>,
}

/// Assembles `.jasm` source text into a module, or returns every error found.
pub fn assemble(src: &str) -> Result<(Module, SourceMap), Vec<AsmError>> {
    let (tokens, mut errors) = lex(src);
    // A line with a lexical error is reported once, not parsed again.
    let mut bad_offsets: Vec<usize> = errors.iter().map(|e| e.span.start).collect();
    bad_offsets.sort_unstable();
    let items = parse(&tokens, &bad_offsets, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let result = emit(&items, &mut errors);
    if errors.is_empty() {
        Ok(result)
    } else {
        errors.sort_by_key(|e| e.span.start);
        Err(errors)
    }
}

/// A register list element, a label reference, or any other operand before
/// names are resolved.
#[derive(Clone, Debug)]
enum RawOperand {
    Reg(Reg),
    Number(String),
    Float { negative: bool, text: String },
    Name(String),
    Pc(u32),
    List(Vec<(RawOperand, Span)>),
    Sig(Signature),
}

#[derive(Clone, Debug)]
enum BodyLine {
    Label(String),
    PcLabel(u32),
    Inst {
        opcode: Opcode,
        operands: Vec<(RawOperand, Span)>,
    },
}

#[derive(Clone, Debug)]
struct FuncItem {
    name: String,
    params: Vec<ValType>,
    result: Option<ValType>,
    registers: Vec<ValType>,
    body: Vec<(BodyLine, Span)>,
}

#[derive(Clone, Debug)]
enum Item {
    Memory { initial: u32, max: u32 },
    Type(Signature),
    Table(Vec<(String, Span)>),
    Export { func: String, name: String },
    Data { address: u32, bytes: Vec<u8> },
    Func(FuncItem),
}

/// A cursor over one line's tokens.
struct Line<'t> {
    tokens: &'t [Token],
    pos: usize,
}

impl<'t> Line<'t> {
    fn peek(&self) -> &'t Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> &'t Token {
        let t = self.peek();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn at_end(&self) -> bool {
        self.peek().tok == Tok::Newline
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if &self.peek().tok == tok {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<Span, AsmError> {
        let t = self.peek();
        if t.tok == tok {
            self.next();
            Ok(t.span.clone())
        } else {
            Err(expected(what, t))
        }
    }

    fn ident(&mut self, what: &str) -> Result<(String, Span), AsmError> {
        let t = self.peek();
        match &t.tok {
            Tok::Ident(s) => {
                self.next();
                Ok((s.clone(), t.span.clone()))
            }
            _ => Err(expected(what, t)),
        }
    }

    fn end(&mut self) -> Result<(), AsmError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(expected("end of line", self.peek()))
        }
    }
}

fn expected(what: &str, found: &Token) -> AsmError {
    AsmError::new(
        codes::EXPECTED,
        format!("expected {what}, found {}", found.tok.describe()),
        found.span.clone(),
    )
}

fn parse_reg(name: &str, span: &Span) -> Result<Reg, AsmError> {
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

fn parse_type(line: &mut Line) -> Result<ValType, AsmError> {
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
fn parse_sig(line: &mut Line) -> Result<Signature, AsmError> {
    line.expect(Tok::LParen, "`(` to start a signature")?;
    let mut params = Vec::new();
    if !line.eat(&Tok::RParen) {
        loop {
            params.push(parse_type(line)?);
            if line.eat(&Tok::RParen) {
                break;
            }
            line.expect(Tok::Comma, "`,` or `)`")?;
        }
    }
    let result = if line.eat(&Tok::Arrow) {
        Some(parse_type(line)?)
    } else {
        None
    };
    Ok(Signature { params, result })
}

/// Reads an unsigned number of at most `max`; `what` names it in errors.
fn number_u64(text: &str, span: &Span, max: u64, what: &str) -> Result<u64, AsmError> {
    let value = parse_int(text).ok_or_else(|| bad_number(text, span, what))?;
    if value < 0 || value > i128::from(max) {
        return Err(AsmError::new(
            codes::OUT_OF_RANGE,
            format!("{what} `{text}` is out of range: expected 0..={max}"),
            span.clone(),
        ));
    }
    Ok(value as u64)
}

fn bad_number(text: &str, span: &Span, what: &str) -> AsmError {
    AsmError::new(
        codes::BAD_NUMBER,
        format!("expected {what}, found `{text}`"),
        span.clone(),
    )
}

/// Parses decimal or `0x` hexadecimal, with an optional sign and `_`
/// separators, to an i128 so every operand's range can be checked after.
pub(crate) fn parse_int(text: &str) -> Option<i128> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let cleaned: String = rest.chars().filter(|&c| c != '_').collect();
    let magnitude = if let Some(hex) = cleaned.strip_prefix("0x") {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) || hex.len() > 20 {
            return None;
        }
        i128::from_str_radix(hex, 16).ok()?
    } else {
        if cleaned.is_empty() || !cleaned.bytes().all(|b| b.is_ascii_digit()) || cleaned.len() > 30
        {
            return None;
        }
        cleaned.parse::<i128>().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Parses every line; a function's item is emitted at its `end`, with the
/// span of its `func` line.
fn parse(tokens: &[Token], skip: &[usize], errors: &mut Vec<AsmError>) -> Vec<(Item, Span)> {
    let mut items = Vec::new();
    let mut current: Option<(FuncItem, Span)> = None;
    for line_tokens in tokens.split_inclusive(|t| t.tok == Tok::Newline) {
        let last = &line_tokens[line_tokens.len() - 1];
        let span = line_tokens[0].span.start..last.span.start.max(line_tokens[0].span.end);
        let first_at_or_after = skip.partition_point(|&o| o < span.start);
        if skip
            .get(first_at_or_after)
            .is_some_and(|&o| o <= last.span.end)
        {
            continue;
        }
        let mut line = Line {
            tokens: line_tokens,
            pos: 0,
        };
        if let Err(e) = parse_line(&mut line, span, &mut items, &mut current) {
            errors.push(e);
        }
    }
    if let Some((func, span)) = current {
        errors.push(AsmError::new(
            codes::MISSING_END,
            format!(
                "function `{}` has no `end`: expected `end` after its last instruction",
                func.name
            ),
            span,
        ));
    }
    items
}

fn parse_line(
    line: &mut Line,
    span: Span,
    items: &mut Vec<(Item, Span)>,
    current: &mut Option<(FuncItem, Span)>,
) -> Result<(), AsmError> {
    // Labels: `name:` or `@pc:`, any number, before an instruction.
    loop {
        let t = line.peek();
        let next = line.tokens.get(line.pos + 1).map(|t| &t.tok);
        match (&t.tok, next) {
            (Tok::Ident(name), Some(Tok::Colon)) => {
                let Some((func, _)) = current.as_mut() else {
                    return Err(misplaced("a label", &t.span));
                };
                func.body
                    .push((BodyLine::Label(name.clone()), t.span.clone()));
                line.next();
                line.next();
            }
            (Tok::At, _) => {
                let at = line.next().span.clone();
                let n = line.peek();
                let Tok::Number(text) = &n.tok else {
                    return Err(expected("a pc after `@`", n));
                };
                let pc = number_u64(text, &n.span, u32::MAX.into(), "a pc")? as u32;
                line.next();
                line.expect(Tok::Colon, "`:` after a pc label")?;
                let Some((func, _)) = current.as_mut() else {
                    return Err(misplaced("a label", &at));
                };
                func.body
                    .push((BodyLine::PcLabel(pc), at.start..n.span.end));
            }
            _ => break,
        }
    }
    if line.at_end() {
        return Ok(());
    }
    let (word, word_span) = line.ident("an instruction or directive")?;
    let module_level = |what: &str| -> Result<(), AsmError> {
        if current.is_some() {
            Err(AsmError::new(
                codes::MISPLACED,
                format!(
                    "`{what}` is a module directive: expected it outside a function (after `end`)"
                ),
                word_span.clone(),
            ))
        } else {
            Ok(())
        }
    };
    match word.as_str() {
        "memory" => {
            module_level("memory")?;
            let initial = page_count(line, "the initial page count")?;
            line.expect(
                Tok::Comma,
                "`,` between the initial and maximum page counts",
            )?;
            let max = page_count(line, "the maximum page count")?;
            line.end()?;
            items.push((Item::Memory { initial, max }, span));
        }
        "type" => {
            module_level("type")?;
            let sig = parse_sig(line)?;
            line.end()?;
            items.push((Item::Type(sig), span));
        }
        "table" => {
            module_level("table")?;
            let mut names = vec![line.ident("a function name")?];
            while line.eat(&Tok::Comma) {
                names.push(line.ident("a function name")?);
            }
            line.end()?;
            items.push((Item::Table(names), span));
        }
        "export" => {
            module_level("export")?;
            let (func, _) = line.ident("the name of the function to export")?;
            let name = match &line.peek().tok {
                Tok::Ident(w) if w == "as" => {
                    line.next();
                    line.ident("the exported name after `as`")?.0
                }
                _ => func.clone(),
            };
            line.end()?;
            items.push((Item::Export { func, name }, span));
        }
        "data" => {
            module_level("data")?;
            let t = line.next();
            let Tok::Number(text) = &t.tok else {
                return Err(expected("the data segment's address", t));
            };
            let address = number_u64(text, &t.span, u32::MAX.into(), "an address")? as u32;
            let mut bytes = Vec::new();
            while line.eat(&Tok::Comma) {
                data_item(line, &mut bytes)?;
                if bytes.len() > MAX_DATA_SIZE as usize {
                    return Err(AsmError::new(
                        codes::LIMIT,
                        format!("data segment is larger than the limit of {MAX_DATA_SIZE} bytes"),
                        span,
                    ));
                }
            }
            line.end()?;
            items.push((Item::Data { address, bytes }, span));
        }
        "func" => {
            module_level("func")?;
            let (name, _) = line.ident("the function's name")?;
            line.expect(Tok::LParen, "`(` before the parameters")?;
            let mut params = Vec::new();
            if !line.eat(&Tok::RParen) {
                loop {
                    let (reg, reg_span) = line.ident("a parameter `rN: type`")?;
                    let n = parse_reg(&reg, &reg_span)?;
                    if usize::from(n) != params.len() {
                        return Err(AsmError::new(
                            codes::REGISTER_ORDER,
                            format!(
                                "parameter `{reg}` is out of order: expected r{}",
                                params.len()
                            ),
                            reg_span,
                        ));
                    }
                    line.expect(Tok::Colon, "`:` and the parameter's type")?;
                    params.push(parse_type(line)?);
                    if params.len() > MAX_PARAMS as usize {
                        return Err(AsmError::new(
                            codes::LIMIT,
                            format!("too many parameters: a function has at most {MAX_PARAMS}"),
                            reg_span,
                        ));
                    }
                    if line.eat(&Tok::RParen) {
                        break;
                    }
                    line.expect(Tok::Comma, "`,` or `)`")?;
                }
            }
            let result = if line.eat(&Tok::Arrow) {
                Some(parse_type(line)?)
            } else {
                None
            };
            line.end()?;
            let registers = params.clone();
            *current = Some((
                FuncItem {
                    name,
                    params,
                    result,
                    registers,
                    body: Vec::new(),
                },
                span,
            ));
        }
        "end" => {
            line.end()?;
            let Some((func, func_span)) = current.take() else {
                return Err(misplaced("`end`", &word_span));
            };
            items.push((Item::Func(func), func_span));
        }
        "reg" => {
            let Some((func, _)) = current.as_mut() else {
                return Err(misplaced("`reg`", &word_span));
            };
            if !func.body.is_empty() {
                return Err(AsmError::new(
                    codes::MISPLACED,
                    "register declarations must come before the function's first instruction or label",
                    word_span,
                ));
            }
            let (first, first_span) = line.ident("a register")?;
            let first = parse_reg(&first, &first_span)?;
            let last = if line.eat(&Tok::DotDot) {
                let (last, last_span) = line.ident("the last register of the range")?;
                let last = parse_reg(&last, &last_span)?;
                if last < first {
                    return Err(AsmError::new(
                        codes::REGISTER_ORDER,
                        "register range runs backwards",
                        last_span,
                    ));
                }
                last
            } else {
                first
            };
            line.expect(Tok::Colon, "`:` and the registers' type")?;
            let ty = parse_type(line)?;
            line.end()?;
            if usize::from(first) != func.registers.len() {
                return Err(AsmError::new(
                    codes::REGISTER_ORDER,
                    format!(
                        "register r{first} declared out of order: expected r{} next",
                        func.registers.len()
                    ),
                    first_span,
                ));
            }
            func.registers
                .extend(std::iter::repeat(ty).take(usize::from(last - first) + 1));
        }
        mnemonic => {
            let Some(opcode) = Opcode::from_mnemonic(mnemonic) else {
                return Err(AsmError::new(
                    codes::UNKNOWN_MNEMONIC,
                    format!("unknown instruction or directive `{mnemonic}`"),
                    word_span,
                ));
            };
            let Some((func, _)) = current.as_mut() else {
                return Err(AsmError::new(
                    codes::MISPLACED,
                    format!("instruction `{mnemonic}` outside a function: expected it between `func` and `end`"),
                    word_span,
                ));
            };
            let operands = parse_operands(line, opcode)?;
            let inst_span = word_span.start
                ..line.tokens[line.pos.saturating_sub(1).max(0)]
                    .span
                    .end
                    .max(word_span.end);
            func.body
                .push((BodyLine::Inst { opcode, operands }, inst_span));
        }
    }
    Ok(())
}

fn misplaced(what: &str, span: &Span) -> AsmError {
    AsmError::new(
        codes::MISPLACED,
        format!("{what} outside a function: expected it between `func` and `end`"),
        span.clone(),
    )
}

fn page_count(line: &mut Line, what: &str) -> Result<u32, AsmError> {
    let t = line.next();
    let Tok::Number(text) = &t.tok else {
        return Err(expected(what, t));
    };
    Ok(number_u64(text, &t.span, u32::MAX.into(), "a page count")? as u32)
}

/// One item of a `data` directive: a string, a byte, `zero N`, or a typed
/// little-endian value (`i32 V`, `i64 V`, `f32 V`, `f64 V`).
fn data_item(line: &mut Line, out: &mut Vec<u8>) -> Result<(), AsmError> {
    let t = line.next();
    match &t.tok {
        Tok::Str(bytes) => out.extend_from_slice(bytes),
        Tok::Number(text) => out.push(number_u64(text, &t.span, 255, "a byte")? as u8),
        Tok::Ident(word) if word == "zero" => {
            let n = line.next();
            let Tok::Number(text) = &n.tok else {
                return Err(expected("a byte count after `zero`", n));
            };
            let count = number_u64(text, &n.span, MAX_DATA_SIZE.into(), "a byte count")?;
            out.resize(out.len() + count as usize, 0);
        }
        Tok::Ident(word) if ValType::from_name(word).is_some() => {
            let ty = ValType::from_name(word).unwrap_or(ValType::I32);
            let operand = match ty {
                ValType::I32 => OperandKind::ImmI32,
                ValType::I64 => OperandKind::ImmI64,
                ValType::F32 => OperandKind::ImmF32,
                ValType::F64 => OperandKind::ImmF64,
            };
            let (raw, span) = parse_operand(line, operand)?;
            match immediate(operand, &raw, &span)? {
                Operand::I32(v) => out.extend_from_slice(&v.to_le_bytes()),
                Operand::I64(v) => out.extend_from_slice(&v.to_le_bytes()),
                Operand::F32(v) => out.extend_from_slice(&v.to_le_bytes()),
                Operand::F64(v) => out.extend_from_slice(&v.to_le_bytes()),
                _ => {}
            }
        }
        _ => {
            return Err(expected(
                "a string, a byte, `zero N` or a typed value like `i32 7`",
                t,
            ))
        }
    }
    Ok(())
}

fn parse_operands(line: &mut Line, opcode: Opcode) -> Result<Vec<(RawOperand, Span)>, AsmError> {
    let kinds = opcode.operands();
    let mut operands = Vec::with_capacity(kinds.len());
    for (i, &kind) in kinds.iter().enumerate() {
        if i > 0 {
            line.expect(
                Tok::Comma,
                &format!("`,` and operand {} of `{opcode}`", i + 1),
            )?;
        }
        operands.push(parse_operand(line, kind)?);
    }
    line.end().map_err(|e| {
        AsmError::new(
            codes::EXPECTED,
            format!("{}: `{opcode}` takes {} operands", e.message, kinds.len()),
            e.span,
        )
    })?;
    Ok(operands)
}

fn describe_kind(kind: OperandKind) -> &'static str {
    match kind {
        OperandKind::Def(_) | OperandKind::Use(_) => "a register",
        OperandKind::ImmI32 | OperandKind::ImmI64 => "an integer",
        OperandKind::ImmF32 | OperandKind::ImmF64 => "a float",
        OperandKind::Offset => "an offset",
        OperandKind::TrapCode => "a trap code",
        OperandKind::Label => "a label",
        OperandKind::LabelTable => "a list of labels `[a, b]`",
        OperandKind::Func => "a function name",
        OperandKind::Sig => "a signature `(types) -> type`",
        OperandKind::Results | OperandKind::Args => "a register list `[r1, r2]`",
        OperandKind::DevOp => "a device operation like `console.write`",
    }
}

fn parse_operand(line: &mut Line, kind: OperandKind) -> Result<(RawOperand, Span), AsmError> {
    let t = line.peek();
    let start = t.span.start;
    let what = describe_kind(kind);
    let raw = match kind {
        OperandKind::Def(_) | OperandKind::Use(_) => {
            let (name, span) = line.ident(what)?;
            RawOperand::Reg(parse_reg(&name, &span)?)
        }
        OperandKind::ImmI32 | OperandKind::ImmI64 | OperandKind::Offset | OperandKind::TrapCode => {
            match &t.tok {
                Tok::Number(text) => {
                    line.next();
                    RawOperand::Number(text.clone())
                }
                _ => return Err(expected(what, t)),
            }
        }
        OperandKind::ImmF32 | OperandKind::ImmF64 => {
            let negative = line.eat(&Tok::Minus);
            let t = line.next();
            match &t.tok {
                Tok::Number(text) if !negative => RawOperand::Float {
                    negative,
                    text: text.clone(),
                },
                Tok::Ident(word) if word == "inf" => RawOperand::Float {
                    negative,
                    text: word.clone(),
                },
                Tok::Ident(word) if word == "nan" => {
                    let mut text = word.clone();
                    if line.eat(&Tok::Colon) {
                        let p = line.next();
                        let Tok::Number(payload) = &p.tok else {
                            return Err(expected("a NaN payload like 0x1", p));
                        };
                        text = format!("nan:{payload}");
                    }
                    RawOperand::Float { negative, text }
                }
                _ => return Err(expected(what, t)),
            }
        }
        OperandKind::Label => match &t.tok {
            Tok::Ident(name) => {
                line.next();
                RawOperand::Name(name.clone())
            }
            Tok::At => {
                line.next();
                let n = line.next();
                let Tok::Number(text) = &n.tok else {
                    return Err(expected("a pc after `@`", n));
                };
                RawOperand::Pc(number_u64(text, &n.span, u32::MAX.into(), "a pc")? as u32)
            }
            _ => return Err(expected(what, t)),
        },
        OperandKind::Func | OperandKind::DevOp => RawOperand::Name(line.ident(what)?.0),
        OperandKind::Sig => RawOperand::Sig(parse_sig(line)?),
        OperandKind::LabelTable | OperandKind::Results | OperandKind::Args => {
            line.expect(Tok::LBracket, what)?;
            let element = if kind == OperandKind::LabelTable {
                OperandKind::Label
            } else {
                OperandKind::Use(ValType::I32)
            };
            let mut list = Vec::new();
            if !line.eat(&Tok::RBracket) {
                loop {
                    list.push(parse_operand(line, element)?);
                    if line.eat(&Tok::RBracket) {
                        break;
                    }
                    line.expect(Tok::Comma, "`,` or `]`")?;
                }
            }
            RawOperand::List(list)
        }
    };
    let end = line.tokens[line.pos.saturating_sub(1)].span.end.max(start);
    Ok((raw, start..end))
}

/// Converts a numeric operand to its encoded form, checking its range.
fn immediate(kind: OperandKind, raw: &RawOperand, span: &Span) -> Result<Operand, AsmError> {
    let int = |text: &str, min: i128, max: i128, what: &str| -> Result<i128, AsmError> {
        let v = parse_int(text).ok_or_else(|| bad_number(text, span, what))?;
        if v < min || v > max {
            return Err(AsmError::new(
                codes::OUT_OF_RANGE,
                format!("{what} `{text}` is out of range: expected {min}..={max}"),
                span.clone(),
            ));
        }
        Ok(v)
    };
    Ok(match (kind, raw) {
        (OperandKind::ImmI32, RawOperand::Number(t)) => {
            Operand::I32(int(t, i32::MIN.into(), u32::MAX.into(), "an i32")? as u32 as i32)
        }
        (OperandKind::ImmI64, RawOperand::Number(t)) => {
            Operand::I64(int(t, i64::MIN.into(), u64::MAX.into(), "an i64")? as u64 as i64)
        }
        (OperandKind::Offset, RawOperand::Number(t)) => {
            Operand::U32(int(t, 0, u32::MAX.into(), "an offset")? as u32)
        }
        (OperandKind::TrapCode, RawOperand::Number(t)) => {
            Operand::U32(int(t, 0, u32::MAX.into(), "a trap code")? as u32)
        }
        (OperandKind::ImmF32, RawOperand::Float { negative, text }) => {
            Operand::F32(parse_f32(*negative, text, span)?)
        }
        (OperandKind::ImmF64, RawOperand::Float { negative, text }) => {
            Operand::F64(parse_f64(*negative, text, span)?)
        }
        _ => {
            return Err(AsmError::new(
                codes::EXPECTED,
                format!("expected {}", describe_kind(kind)),
                span.clone(),
            ))
        }
    })
}

fn float_error(text: &str, span: &Span) -> AsmError {
    AsmError::new(
        codes::BAD_NUMBER,
        format!("expected a float (like 1.5, -2e-3, inf, nan or nan:0x1), found `{text}`"),
        span.clone(),
    )
}

pub(crate) fn parse_f64(negative: bool, text: &str, span: &Span) -> Result<u64, AsmError> {
    let sign = if negative { 1u64 << 63 } else { 0 };
    if text == "inf" {
        return Ok(sign | 0x7ff0_0000_0000_0000);
    }
    if let Some(payload) = nan_payload(text, span, (1u64 << 52) - 1)? {
        return Ok(sign | 0x7ff0_0000_0000_0000 | payload);
    }
    if !is_decimal_float(text) {
        return Err(float_error(text, span));
    }
    text.parse::<f64>()
        .map(f64::to_bits)
        .map_err(|_| float_error(text, span))
}

pub(crate) fn parse_f32(negative: bool, text: &str, span: &Span) -> Result<u32, AsmError> {
    let sign = if negative { 1u32 << 31 } else { 0 };
    if text == "inf" {
        return Ok(sign | 0x7f80_0000);
    }
    if let Some(payload) = nan_payload(text, span, (1u64 << 23) - 1)? {
        return Ok(sign | 0x7f80_0000 | payload as u32);
    }
    if !is_decimal_float(text) {
        return Err(float_error(text, span));
    }
    text.parse::<f32>()
        .map(f32::to_bits)
        .map_err(|_| float_error(text, span))
}

/// `nan` (the canonical quiet NaN) or `nan:0xPAYLOAD` (a non-zero mantissa).
fn nan_payload(text: &str, span: &Span, max: u64) -> Result<Option<u64>, AsmError> {
    if text == "nan" {
        return Ok(Some(max / 2 + 1));
    }
    let Some(payload) = text.strip_prefix("nan:") else {
        return Ok(None);
    };
    match parse_int(payload) {
        Some(p) if p >= 1 && p <= i128::from(max) && payload.starts_with("0x") => {
            Ok(Some(p as u64))
        }
        _ => Err(AsmError::new(
            codes::OUT_OF_RANGE,
            format!("NaN payload `{payload}` is out of range: expected 0x1..={max:#x}"),
            span.clone(),
        )),
    }
}

/// Rust's float parser also takes `inf`, `NaN` and `infinity`; the assembly
/// spells those one way only, so digits are required here.
fn is_decimal_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    body.starts_with(|c: char| c.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
}

/// Declares and emits everything parsed; see the module doc for the order.
fn emit(items: &[(Item, Span)], errors: &mut Vec<AsmError>) -> (Module, SourceMap) {
    let mut mb = ModuleBuilder::new();
    let mut map = SourceMap::default();
    let mut functions: HashMap<&str, FuncId> = HashMap::new();
    let note_sig = |mb: &mut ModuleBuilder, map: &mut SourceMap, sig: Signature, span: &Span| {
        let index = mb.signature(sig) as usize;
        if index == map.signatures.len() {
            map.signatures.push(span.clone());
        }
    };
    for (item, span) in items {
        match item {
            Item::Memory { initial, max } => {
                mb.memory(*initial, *max);
                map.memory = Some(span.clone());
            }
            Item::Type(sig) => note_sig(&mut mb, &mut map, sig.clone(), span),
            Item::Data { address, bytes } => {
                mb.data(*address, bytes.clone());
                map.data.push(span.clone());
            }
            Item::Func(f) => {
                let sig = Signature {
                    params: f.params.clone(),
                    result: f.result,
                };
                note_sig(&mut mb, &mut map, sig, span);
                if functions.contains_key(f.name.as_str()) {
                    errors.push(AsmError::new(
                        codes::DUPLICATE_FUNCTION,
                        format!("function `{}` is defined twice", f.name),
                        span.clone(),
                    ));
                    continue;
                }
                let id = mb.declare(&f.name, &f.params, f.result);
                functions.insert(&f.name, id);
                map.functions.push(span.clone());
            }
            Item::Table(_) | Item::Export { .. } => {}
        }
    }
    let lookup = |name: &str, span: &Span| -> Result<FuncId, AsmError> {
        functions.get(name).copied().ok_or_else(|| {
            AsmError::new(
                codes::UNKNOWN_FUNCTION,
                format!("unknown function `{name}`: no `func {name}` in this file"),
                span.clone(),
            )
        })
    };
    for (item, span) in items {
        match item {
            Item::Table(names) => {
                for (name, name_span) in names {
                    match lookup(name, name_span) {
                        Ok(id) => {
                            mb.table(&[id]);
                            map.table.push(name_span.clone());
                        }
                        Err(e) => errors.push(e),
                    }
                }
            }
            Item::Export { func, name } => match lookup(func, span) {
                Ok(id) => {
                    mb.export(name, id);
                    map.exports.push(span.clone());
                }
                Err(e) => errors.push(e),
            },
            _ => {}
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (item, _) in items {
        let Item::Func(f) = item else { continue };
        if !seen.insert(f.name.as_str()) {
            continue;
        }
        let id = functions[f.name.as_str()];
        match emit_body(&mut mb, id, f, &lookup, &mut map) {
            Ok(spans) => map.instructions.push(spans),
            Err(mut e) => {
                errors.append(&mut e);
                map.instructions.push(Vec::new());
            }
        }
    }
    match mb.finish() {
        Ok(module) => (module, map),
        Err(e) => {
            // A body that failed is left undefined; its errors are reported.
            if errors.is_empty() {
                errors.push(AsmError::new(codes::EXPECTED, e.to_string(), 0..0));
            }
            (Module::default(), map)
        }
    }
}

fn emit_body(
    mb: &mut ModuleBuilder,
    id: FuncId,
    f: &FuncItem,
    lookup: &dyn Fn(&str, &Span) -> Result<FuncId, AsmError>,
    map: &mut SourceMap,
) -> Result<Vec<Span>, Vec<AsmError>> {
    let mut errors = Vec::new();
    let mut body = mb.body(id);
    for &ty in &f.registers[f.params.len()..] {
        body.reg(ty);
    }
    // Every label of the function, created up front so jumps may go forward.
    let mut labels: HashMap<&str, Label> = HashMap::new();
    for (line, span) in &f.body {
        if let BodyLine::Label(name) = line {
            if labels.contains_key(name.as_str()) {
                errors.push(AsmError::new(
                    codes::DUPLICATE_LABEL,
                    format!("label `{name}` is defined twice in `{}`", f.name),
                    span.clone(),
                ));
            } else {
                labels.insert(name, body.named_label(name));
            }
        }
    }
    // `@pc` references become labels placed at that pc, checked after.
    let mut pc_labels: HashMap<u32, (Label, Span)> = HashMap::new();
    let mut spans = Vec::new();
    for (line, span) in &f.body {
        match line {
            BodyLine::Label(name) => {
                if let Some(&label) = labels.get(name.as_str()) {
                    if body.place(label).is_err() {
                        // Reported above as a duplicate.
                    }
                }
            }
            BodyLine::PcLabel(pc) => {
                if *pc != body.pc() {
                    errors.push(AsmError::new(
                        codes::PC_MISMATCH,
                        format!(
                            "label `@{pc}` is at pc {}: a `@N:` label must stand where the pc is N",
                            body.pc()
                        ),
                        span.clone(),
                    ));
                }
            }
            BodyLine::Inst { opcode, operands } => {
                match resolve(
                    &mut body,
                    *opcode,
                    operands,
                    &labels,
                    &mut pc_labels,
                    lookup,
                    mb,
                ) {
                    Ok(resolved) => {
                        if let Err(e) = body.inst(*opcode, resolved) {
                            errors.push(AsmError::new(
                                codes::EXPECTED,
                                e.to_string(),
                                span.clone(),
                            ));
                        }
                        spans.push(span.clone());
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
    }
    if body.register_count() > MAX_REGISTERS as usize {
        errors.push(AsmError::new(
            codes::LIMIT,
            format!(
                "function `{}` declares {} registers: the limit is {MAX_REGISTERS}",
                f.name,
                body.register_count()
            ),
            map.functions.get(id.0 as usize).cloned().unwrap_or(0..0),
        ));
    }
    // `@pc` references name the pc itself; whether an instruction starts
    // there is the verifier's question.
    for (pc, (label, _)) in pc_labels {
        body.place_at(label, pc);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Err(e) = mb.define(body) {
        return Err(vec![AsmError::new(
            codes::EXPECTED,
            e.to_string(),
            map.functions.get(id.0 as usize).cloned().unwrap_or(0..0),
        )]);
    }
    Ok(spans)
}

#[allow(clippy::too_many_arguments)]
fn resolve(
    body: &mut FunctionBuilder,
    opcode: Opcode,
    operands: &[(RawOperand, Span)],
    labels: &HashMap<&str, Label>,
    pc_labels: &mut HashMap<u32, (Label, Span)>,
    lookup: &dyn Fn(&str, &Span) -> Result<FuncId, AsmError>,
    mb: &mut ModuleBuilder,
) -> Result<Vec<Operand>, AsmError> {
    let mut label =
        |raw: &RawOperand, span: &Span, body: &mut FunctionBuilder| -> Result<u32, AsmError> {
            match raw {
                RawOperand::Name(name) => labels.get(name.as_str()).map(|l| l.0).ok_or_else(|| {
                    AsmError::new(
                        codes::UNDEFINED_LABEL,
                        format!("undefined label `{name}`: no `{name}:` in this function"),
                        span.clone(),
                    )
                }),
                RawOperand::Pc(pc) => {
                    let entry = pc_labels
                        .entry(*pc)
                        .or_insert_with(|| (body.label(), span.clone()));
                    Ok(entry.0 .0)
                }
                _ => Err(AsmError::new(
                    codes::EXPECTED,
                    "expected a label",
                    span.clone(),
                )),
            }
        };
    let mut out = Vec::with_capacity(operands.len());
    for (&kind, (raw, span)) in opcode.operands().iter().zip(operands) {
        let operand = match (kind, raw) {
            (OperandKind::Def(_) | OperandKind::Use(_), RawOperand::Reg(r)) => Operand::Reg(*r),
            (OperandKind::Label, raw) => Operand::U32(label(raw, span, body)?),
            (OperandKind::LabelTable, RawOperand::List(items)) => {
                if items.len() > MAX_BR_TABLE as usize {
                    return Err(AsmError::new(
                        codes::LIMIT,
                        format!(
                            "jump table has {} targets: the limit is {MAX_BR_TABLE}",
                            items.len()
                        ),
                        span.clone(),
                    ));
                }
                let mut ids = Vec::with_capacity(items.len());
                for (raw, span) in items {
                    ids.push(label(raw, span, body)?);
                }
                Operand::Labels(ids)
            }
            (OperandKind::Results | OperandKind::Args, RawOperand::List(items)) => {
                if items.len() > 255 {
                    return Err(AsmError::new(
                        codes::LIMIT,
                        "register list has more than 255 registers",
                        span.clone(),
                    ));
                }
                Operand::Regs(
                    items
                        .iter()
                        .filter_map(|(r, _)| {
                            if let RawOperand::Reg(r) = r {
                                Some(*r)
                            } else {
                                None
                            }
                        })
                        .collect(),
                )
            }
            (OperandKind::Func, RawOperand::Name(name)) => Operand::U32(lookup(name, span)?.0),
            (OperandKind::Sig, RawOperand::Sig(sig)) => Operand::U32(mb.signature(sig.clone())),
            (OperandKind::DevOp, RawOperand::Name(name)) => match abi::device_op_by_name(name) {
                Some(op) => Operand::Dev(op.code()),
                None => {
                    return Err(AsmError::new(
                        codes::UNKNOWN_DEVICE_OP,
                        format!(
                        "unknown device operation `{name}`: see the device table in docs/ISA.md"
                    ),
                        span.clone(),
                    ))
                }
            },
            (kind, raw) => immediate(kind, raw, span)?,
        };
        out.push(operand);
    }
    Ok(out)
}
