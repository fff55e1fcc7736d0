//! The line parser, step 1 of the assembler (see [`super`]): every line
//! becomes an [`Item`] (a module directive, or a function with its register
//! declarations and body lines). Syntax errors are collected per line and
//! parsing goes on with the next line. Names are not resolved here, so a
//! label, function, constant or data label may be used before its definition.

use super::ast::{BodyLine, DataItem, DataPiece, FuncItem, IntExpr, Item, Placement, RawOperand};
use super::error::{codes, AsmError};
use super::lexer::{Lexer, Tok};
use super::line::{
    expected, immediate_kind, misplaced, parse_params, parse_reg, parse_results, parse_sig,
    parse_type, Line, Span,
};
use super::literal::number_u64;
use crate::bytecode::limits::{MAX_BR_TABLE, MAX_DATA_SIZE};
use crate::bytecode::{Opcode, OperandKind};
use janus_runtime::abi::ValType;

/// Parses every line; a function's item is emitted at its `end`, with the
/// span of its `func` line. Each line is lexed twice: once to find lexical
/// errors (a line with one is reported once, not parsed), then token by token
/// as the parser reads it. A function's body lines are parsed here for their
/// errors and dropped: only the source range of the body is kept
/// ([`FuncItem::lines`]), and the emitter parses those lines again one at a
/// time ([`body_lines`]), so no whole-file token or instruction list is ever
/// held.
pub(super) fn parse(src: &str, errors: &mut Vec<AsmError>) -> Vec<(Item, Span)> {
    let mut items = Vec::new();
    let mut current: Option<(FuncItem, Span)> = None;
    // Bytes in all data segments so far, held to the format's limit line by
    // line, so no directive makes the assembler allocate past it.
    let mut data_total = 0usize;
    let mut start = 0;
    loop {
        let Some((span, next, blank)) = scan_line(src, start, errors) else {
            start = next_line(src, start);
            if start >= src.len() {
                break;
            }
            continue;
        };
        let mut line = Line::at(src, start);
        let in_function = current.is_some();
        if !blank {
            if let Err(e) = parse_line(&mut line, span, &mut items, &mut current, &mut data_total) {
                errors.push(e);
            }
        }
        if let Some((func, _)) = current.as_mut() {
            if !in_function {
                func.lines = next..next;
            } else {
                func.body_seen |= !func.body.is_empty();
                for (line, span) in func.body.drain(..) {
                    if let BodyLine::Label(_) = line {
                        func.labels.push(span);
                    }
                }
                func.lines.end = next;
            }
        }
        if next >= src.len() {
            break;
        }
        start = next;
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

/// The start of the line after the one starting at `start`.
fn next_line(src: &str, start: usize) -> usize {
    src[start..].find('\n').map_or(src.len(), |n| start + n + 1)
}

/// Lexes the line starting at `start` without keeping its tokens: its span
/// (first token to newline) and the next line's start, or `None` when it has
/// lexical errors, which are appended to `errors`; and whether it is blank
/// (no token but its newline: nothing to parse).
fn scan_line(src: &str, start: usize, errors: &mut Vec<AsmError>) -> Option<(Span, usize, bool)> {
    let mut lexer = Lexer::scanning(src, start);
    let before = errors.len();
    let mut first: Option<Span> = None;
    let newline = loop {
        match lexer.next_token(errors) {
            Some(t) if t.tok == Tok::Newline => break t.span,
            Some(t) => {
                first.get_or_insert(t.span);
            }
            None => break src.len()..src.len(),
        }
    };
    if errors.len() > before {
        return None;
    }
    let blank = first.is_none();
    let first = first.unwrap_or(newline.clone());
    Some((
        first.start..newline.start.max(first.end),
        newline.end,
        blank,
    ))
}

/// The operands of the instruction whose mnemonic starts at byte `start`
/// of `src`, parsed again (for [`super::SourceMap::operands`]).
pub(super) fn instruction_operands(src: &str, start: usize) -> Option<Vec<(RawOperand, Span)>> {
    let mut line = Line::at(src, start);
    let (word, _) = line.ident("an instruction").ok()?;
    let opcode = Opcode::from_mnemonic(&word)?;
    parse_operands(&mut line, opcode).ok()
}

/// The body lines of a function the parser accepted, parsed again one source
/// line at a time: each label and instruction with its span, in order.
pub(super) fn body_lines<'a>(
    src: &'a str,
    func: &FuncItem,
) -> impl Iterator<Item = (BodyLine, Span)> + 'a {
    let mut scratch = Some((
        FuncItem {
            name: func.name.clone(),
            params: func.params.clone(),
            results: func.results.clone(),
            registers: func.params.clone(),
            body: Vec::new(),
            body_seen: false,
            lines: func.lines.clone(),
            labels: Vec::new(),
        },
        0..0,
    ));
    let end = func.lines.end;
    let mut start = func.lines.start;
    let mut pending = std::collections::VecDeque::new();
    let mut items = Vec::new();
    let mut data_total = 0;
    std::iter::from_fn(move || loop {
        if let Some(line) = pending.pop_front() {
            return Some(line);
        }
        if start >= end {
            return None;
        }
        let next = next_line(src, start);
        let mut line = Line::at(src, start);
        // The parser accepted these lines once, so they lex and parse again
        // without errors; `reg` lines replay into the scratch item. A body
        // line's span is not needed: labels and instructions carry their own.
        let _ = parse_line(&mut line, 0..0, &mut items, &mut scratch, &mut data_total);
        {
            if let Some((f, _)) = scratch.as_mut() {
                f.body_seen |= !f.body.is_empty();
                pending.extend(f.body.drain(..));
            }
        }
        start = next;
    })
}

fn parse_line(
    line: &mut Line,
    span: Span,
    items: &mut Vec<(Item, Span)>,
    current: &mut Option<(FuncItem, Span)>,
    data_total: &mut usize,
) -> Result<(), AsmError> {
    // Labels: `name:` or `@pc:`, any number, before an instruction.
    loop {
        let t = line.peek();
        let colon = line.peek2().tok == Tok::Colon;
        match (&t.tok, colon) {
            (Tok::Ident(name), true) => {
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
            let data = data_directive(line, &span)?;
            let before = *data_total;
            *data_total += data.len;
            // Reported once, at the line that crosses the limit.
            if *data_total > MAX_DATA_SIZE as usize && before <= MAX_DATA_SIZE as usize {
                return Err(AsmError::new(
                    codes::LIMIT,
                    format!(
                        "data segments hold {} bytes up to here, over the limit of {MAX_DATA_SIZE} bytes for all segments together",
                        *data_total
                    ),
                    span,
                ));
            }
            items.push((Item::Data(data), span));
        }
        "const" => {
            module_level("const")?;
            let (name, name_span) = line.ident("the constant's name")?;
            line.expect(Tok::Equals, "`=` and the constant's value")?;
            let start = line.peek().span.start;
            let value = int_expr(
                line,
                "the constant's value (an integer, a constant, a data label or `len(label)`)",
            )?;
            let value_span = start..line.consumed_end(start);
            line.end()?;
            items.push((
                Item::Const {
                    name,
                    name_span,
                    value,
                    value_span,
                },
                span,
            ));
        }
        "global" => {
            module_level("global")?;
            // `mut` is the keyword unless a `:` follows it: `global mut: T =
            // V` declares a constant global named `mut`.
            let mutable = match &line.peek().tok {
                Tok::Ident(w) if w == "mut" && line.peek2().tok != Tok::Colon => {
                    line.next();
                    true
                }
                _ => false,
            };
            let (name, _) = line.ident("the global's name")?;
            line.expect(Tok::Colon, "`:` and the global's type")?;
            let ty = parse_type(line)?;
            line.expect(Tok::Equals, "`=` and the global's initial value")?;
            let (value, value_span) = parse_operand(line, immediate_kind(ty))?;
            line.end()?;
            items.push((
                Item::Global {
                    name,
                    ty,
                    mutable,
                    value,
                    value_span,
                },
                span,
            ));
        }
        "func" => {
            module_level("func")?;
            let (name, _) = line.ident("the function's name")?;
            line.expect(Tok::LParen, "`(` before the parameters")?;
            let mut count = 0;
            let params = parse_params(line, "a function", |line| {
                let (reg, reg_span) = line.ident("a parameter `rN: type`")?;
                let n = parse_reg(&reg, &reg_span)?;
                if usize::from(n) != count {
                    return Err(AsmError::new(
                        codes::REGISTER_ORDER,
                        format!("parameter `{reg}` is out of order: expected r{count}"),
                        reg_span,
                    ));
                }
                count += 1;
                line.expect(Tok::Colon, "`:` and the parameter's type")?;
                Ok((parse_type(line)?, reg_span))
            })?;
            let results = parse_results(line)?;
            line.end()?;
            let registers = params.clone();
            *current = Some((
                FuncItem {
                    name,
                    params,
                    results,
                    registers,
                    body: Vec::new(),
                    body_seen: false,
                    lines: 0..0,
                    labels: Vec::new(),
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
            if func.body_seen || !func.body.is_empty() {
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
            let inst_span = word_span.start..line.consumed_end(word_span.end);
            func.body
                .push((BodyLine::Inst { opcode, operands }, inst_span));
        }
    }
    Ok(())
}

fn page_count(line: &mut Line, what: &str) -> Result<u32, AsmError> {
    let t = line.next();
    let Tok::Number(text) = &t.tok else {
        return Err(expected(what, t));
    };
    Ok(number_u64(text, &t.span, u32::MAX.into(), "a page count")? as u32)
}

/// A data directive after its `data` word: `ADDR, item, …` (the original
/// form), `NAME: item, …` (placed after the previous segment),
/// `NAME ADDR: item, …`, or a passive segment, `passive, item, …` or
/// `passive NAME: item, …`. `passive` is the keyword only where a `,` or a
/// name follows it: `data passive: …` labels an active segment `passive`.
fn data_directive(line: &mut Line, span: &Span) -> Result<DataItem, AsmError> {
    let t = line.next();
    let (name, placement) = match &t.tok {
        Tok::Number(text) => {
            let address = number_u64(text, &t.span, u32::MAX.into(), "an address")? as u32;
            (None, Placement::At(address))
        }
        Tok::Ident(word) if word == "passive" && line.peek_ref().tok == Tok::Comma => {
            (None, Placement::Passive)
        }
        Tok::Ident(word) if word == "passive" && matches!(line.peek_ref().tok, Tok::Ident(_)) => {
            let (name, name_span) = line.ident("the passive segment's label")?;
            line.expect(
                Tok::Colon,
                "`:` and the passive segment's contents (a passive segment has no address)",
            )?;
            (Some((name, name_span)), Placement::Passive)
        }
        Tok::Ident(word)
            if word == "passive" && !matches!(line.peek_ref().tok, Tok::Colon | Tok::Number(_)) =>
        {
            return Err(expected(
                "`,` and the passive segment's contents (`data passive, …`) or its label (`data passive NAME: …`)",
                line.peek(),
            ));
        }
        Tok::Ident(name) => {
            let a = line.peek();
            let placement = match &a.tok {
                Tok::Number(text) => {
                    line.next();
                    let address = number_u64(text, &a.span, u32::MAX.into(), "an address")?;
                    Placement::At(address as u32)
                }
                _ => Placement::Next,
            };
            line.expect(Tok::Colon, "`:` and the data label's contents")?;
            (Some((name.clone(), t.span.clone())), placement)
        }
        _ => {
            return Err(expected(
                "the data segment's address, label or `passive` (`data 0x10, …`, `data msg: …`, `data passive, …`)",
                t,
            ))
        }
    };
    let mut data = DataItem {
        name,
        placement,
        pieces: Vec::new(),
        len: 0,
    };
    // The labelled forms start with an item; the address form with a comma.
    let mut first = data.name.is_some();
    while first || line.eat(&Tok::Comma) {
        first = false;
        let piece = data_item(line)?;
        data.len += piece.len();
        data.pieces.push(piece);
        if data.len > MAX_DATA_SIZE as usize {
            return Err(AsmError::new(
                codes::LIMIT,
                format!("data segment is larger than the limit of {MAX_DATA_SIZE} bytes"),
                span.clone(),
            ));
        }
    }
    line.end()?;
    Ok(data)
}

/// One item of a `data` directive: a string, a byte, `zero N`, or a typed
/// little-endian value (`i32 V`, `i64 V`, `f32 V`, `f64 V`), where an integer
/// value may name a constant or data label.
fn data_item(line: &mut Line) -> Result<DataPiece, AsmError> {
    let t = line.next();
    Ok(match &t.tok {
        Tok::Str(bytes) => DataPiece::Bytes(bytes.clone()),
        Tok::Number(text) => {
            DataPiece::Bytes(vec![number_u64(text, &t.span, 255, "a byte")? as u8])
        }
        Tok::Ident(word) if word == "zero" => {
            let n = line.next();
            let Tok::Number(text) = &n.tok else {
                return Err(expected("a byte count after `zero`", n));
            };
            let count = number_u64(text, &n.span, MAX_DATA_SIZE.into(), "a byte count")?;
            DataPiece::Zero(count as usize)
        }
        Tok::Ident(word) if ValType::from_name(word).is_some() => {
            let ty = ValType::from_name(word).unwrap_or(ValType::I32);
            let (raw, span) = parse_operand(line, immediate_kind(ty))?;
            DataPiece::Value { ty, raw, span }
        }
        _ => {
            return Err(expected(
                "a string, a byte, `zero N` or a typed value like `i32 7`",
                t,
            ))
        }
    })
}

/// An integer: a literal, a constant or data label name, or `len(label)`.
fn int_expr(line: &mut Line, what: &str) -> Result<IntExpr, AsmError> {
    let t = line.peek();
    match &t.tok {
        Tok::Number(text) => {
            line.next();
            Ok(IntExpr::Literal(text.clone()))
        }
        Tok::Ident(word) if word == "len" && line.peek2().tok == Tok::LParen => {
            line.next();
            line.next();
            let (name, _) = line.ident("a data label inside `len(…)`")?;
            line.expect(Tok::RParen, "`)` after the data label")?;
            Ok(IntExpr::Len(name))
        }
        Tok::Ident(name) => {
            line.next();
            Ok(IntExpr::Name(name.clone()))
        }
        _ => Err(expected(what, t)),
    }
}

/// One jump-table element: a label, `@pc`, or `N x label` for N copies.
/// Appends to `list`, keeping the table within [`MAX_BR_TABLE`] entries.
fn table_element(line: &mut Line, list: &mut Vec<(RawOperand, Span)>) -> Result<(), AsmError> {
    let t = line.peek();
    let Tok::Number(text) = &t.tok else {
        list.push(parse_operand(line, OperandKind::Label)?);
        return Ok(());
    };
    if !matches!(&line.peek2().tok, Tok::Ident(x) if x == "x") {
        return Err(expected(
            "`x` after a repeat count, as in `3 x label`",
            line.peek2(),
        ));
    }
    let count = number_u64(text, &t.span, MAX_BR_TABLE.into(), "a repeat count")? as usize;
    line.next();
    line.next();
    let (label, label_span) = parse_operand(line, OperandKind::Label)?;
    let span = t.span.start..label_span.end;
    if list.len() + count > MAX_BR_TABLE as usize {
        return Err(AsmError::new(
            codes::LIMIT,
            format!("jump table has more than {MAX_BR_TABLE} targets: the limit is {MAX_BR_TABLE}"),
            span,
        ));
    }
    list.extend(std::iter::repeat((label, span)).take(count));
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

pub(super) fn describe_kind(kind: OperandKind) -> &'static str {
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
        OperandKind::Global => "a global's name",
        OperandKind::Data => "a data segment's label or index",
    }
}

/// Most registers a result or argument list holds (its count is a byte).
const MAX_REGISTER_LIST: usize = 255;

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
            RawOperand::Int(int_expr(line, what)?)
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
        OperandKind::Func | OperandKind::DevOp | OperandKind::Global => {
            RawOperand::Name(line.ident(what)?.0)
        }
        OperandKind::Data => match &t.tok {
            Tok::Number(text) => {
                line.next();
                RawOperand::Int(IntExpr::Literal(text.clone()))
            }
            Tok::Ident(name) => {
                line.next();
                RawOperand::Name(name.clone())
            }
            _ => return Err(expected(what, t)),
        },
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
                    if kind == OperandKind::LabelTable {
                        table_element(line, &mut list)?;
                    } else {
                        list.push(parse_operand(line, element)?);
                        // Refused as soon as it is too long, so a huge
                        // list costs no more than its first 256 items.
                        if list.len() > MAX_REGISTER_LIST {
                            return Err(AsmError::new(
                                codes::LIMIT,
                                format!(
                                    "register list has more than {MAX_REGISTER_LIST} registers"
                                ),
                                start..line.consumed_end(start),
                            ));
                        }
                    }
                    if line.eat(&Tok::RBracket) {
                        break;
                    }
                    line.expect(Tok::Comma, "`,` or `]`")?;
                }
            }
            RawOperand::List(list)
        }
    };
    Ok((raw, start..line.consumed_end(start)))
}
