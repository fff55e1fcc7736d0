//! The IR text parser: reads what [`super::write`] prints, so
//! `parse(print(f)) == f`, and lets tests and users write IR by hand.
//!
//! A module's header (memory, types, data, table, exports) comes first and
//! is optional; names in it are resolved once every function header is read.
//! Names are kept as written (`v7` is value 7, `block2` block 2), so forward
//! references need no second pass and verifier errors name what the author
//! wrote. Printed text is dense, so parsing it rebuilds the same tables.
//! Errors give `line:col` and what was expected. Types are not checked here:
//! the IR verifier does that.

mod constant;
mod header;
mod operands;

use super::entities::{Block, FuncRef, Inst, Value};
use super::function::{
    result_types, BlockData, Function, Module, ModuleContext, ValueData, ValueDef,
};
use super::instructions::InstData;
use crate::asm::error::line_col;
use crate::asm::lexer::{lex, Tok, Token};
use crate::asm::literal::parse_int;
use crate::bytecode::limits::{MAX_CODE_SIZE, MAX_REGISTERS};
use crate::bytecode::{Class, Opcode, Signature};
use header::{resolve_copies, Header};
use janus_runtime::abi::{self, TrapKind, ValType};
use std::fmt;
use std::ops::Range;

/// A syntax error in IR text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What was expected, and what was found.
    pub message: String,
}

impl fmt::Display for IrParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for IrParseError {}

/// Largest entity number accepted in text, so `v4000000000` cannot make the
/// parser allocate gigabytes.
const MAX_ENTITY: u32 = 1 << 24;

/// Parses a module's text: an optional header (the directives
/// [`super::write::write_header`] prints), then one or more functions.
pub fn parse_module(text: &str) -> Result<Module, IrParseError> {
    let (tokens, lex_errors) = lex(text);
    let err = |span: &Range<usize>, message: String| {
        let (line, col) = line_col(text, span.start);
        IrParseError { line, col, message }
    };
    if let Some(e) = lex_errors.first() {
        return Err(err(&e.span, e.message.clone()));
    }
    let mut p = Parser {
        tokens: &tokens,
        pos: 0,
        block_uses: Vec::new(),
    };
    let mut header = Header::default();
    loop {
        p.skip_newlines();
        if p.at_eof() || !p.directive(&mut header).map_err(|(s, m)| err(&s, m))? {
            break;
        }
    }
    let functions_start = p.pos;
    // Function headers first, so calls may name functions defined later.
    let mut ctx = ModuleContext {
        globals: header.globals.iter().map(|g| (g.ty, g.mutable)).collect(),
        data_segments: header.data_count(),
        ..ModuleContext::default()
    };
    let mut copies = Vec::new();
    let mut spans = Vec::new();
    loop {
        p.skip_newlines();
        if p.at_eof() {
            break;
        }
        let name_span = tokens[(p.pos + 1).min(tokens.len() - 1)].span.clone();
        let (name, sig, copy_of, _) = p.header().map_err(|(s, m)| err(&s, m))?;
        spans.push(name_span);
        if ctx.functions.iter().any(|(n, _)| *n == name) {
            return Err(err(
                &p.prev_span(),
                format!("function `{name}` is defined twice"),
            ));
        }
        ctx.functions.push((name, sig));
        copies.push(copy_of);
        p.skip_body().map_err(|(s, m)| err(&s, m))?;
    }
    let copies = resolve_copies(&ctx, copies, &spans).map_err(|(s, m)| err(&s, m))?;
    let mut module = header.resolve(&ctx).map_err(|(s, m)| err(&s, m))?;
    p.pos = functions_start;
    let mut functions = Vec::new();
    loop {
        p.skip_newlines();
        if p.at_eof() {
            break;
        }
        let mut f = p.function(&ctx).map_err(|(s, m)| err(&s, m))?;
        f.copy_of = copies[functions.len()];
        functions.push(f);
    }
    if functions.is_empty() {
        let (line, col) = if functions_start > 0 {
            line_col(text, p.peek().span.start)
        } else {
            (1, 1)
        };
        return Err(IrParseError {
            line,
            col,
            message: "expected `function`, found end of input".into(),
        });
    }
    module.ctx = ctx;
    module.functions = functions;
    Ok(module)
}

type PResult<T> = Result<T, (Range<usize>, String)>;

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
    /// Blocks named by branches in the current function, and where.
    block_uses: Vec<(Block, Range<usize>)>,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> &'t Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn at_eof(&self) -> bool {
        self.pos >= self.tokens.len() - 1 && self.peek().tok == Tok::Newline
    }

    fn prev_span(&self) -> Range<usize> {
        self.tokens[self.pos.saturating_sub(1)].span.clone()
    }

    fn next(&mut self) -> &'t Token {
        let t = self.peek();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn skip_newlines(&mut self) {
        while self.pos < self.tokens.len() - 1 && self.peek().tok == Tok::Newline {
            self.pos += 1;
        }
    }

    fn fail<T>(&self, what: &str) -> PResult<T> {
        let t = self.peek();
        let found = if self.pos >= self.tokens.len() - 1 && t.tok == Tok::Newline {
            "end of input".to_string()
        } else {
            t.tok.describe()
        };
        Err((t.span.clone(), format!("expected {what}, found {found}")))
    }

    fn expect(&mut self, tok: Tok, what: &str) -> PResult<()> {
        if self.peek().tok == tok {
            self.next();
            Ok(())
        } else {
            self.fail(what)
        }
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if &self.peek().tok == tok {
            self.next();
            true
        } else {
            false
        }
    }

    fn ident(&mut self, what: &str) -> PResult<String> {
        match &self.peek().tok {
            Tok::Ident(s) => {
                self.next();
                Ok(s.clone())
            }
            _ => self.fail(what),
        }
    }

    fn numbered(&mut self, prefix: &str, what: &str) -> PResult<u32> {
        let t = self.peek();
        if let Tok::Ident(s) = &t.tok {
            if let Some(n) = s
                .strip_prefix(prefix)
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            {
                return match n.parse::<u32>() {
                    Ok(n) if n < MAX_ENTITY => {
                        self.next();
                        Ok(n)
                    }
                    _ => Err((
                        t.span.clone(),
                        format!("`{s}` is out of range: numbers stop at {MAX_ENTITY}"),
                    )),
                };
            }
        }
        self.fail(what)
    }

    fn value(&mut self) -> PResult<Value> {
        self.numbered("v", "a value like `v3`").map(Value)
    }

    fn block(&mut self) -> PResult<Block> {
        self.numbered("block", "a block like `block2`").map(Block)
    }

    fn ty(&mut self) -> PResult<ValType> {
        let t = self.peek();
        let name = self.ident("a type (i32, i64, f32, f64)")?;
        ValType::from_name(&name).ok_or((
            t.span.clone(),
            format!("unknown type `{name}`: expected i32, i64, f32 or f64"),
        ))
    }

    fn sig(&mut self) -> PResult<Signature> {
        self.expect(Tok::LParen, "`(` to start a signature")?;
        let mut params = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                params.push(self.ty()?);
                if self.eat(&Tok::RParen) {
                    break;
                }
                self.expect(Tok::Comma, "`,` or `)`")?;
            }
        }
        let mut results = Vec::new();
        if self.eat(&Tok::Arrow) {
            if self.eat(&Tok::LParen) {
                loop {
                    results.push(self.ty()?);
                    if self.eat(&Tok::RParen) {
                        break;
                    }
                    self.expect(Tok::Comma, "`,` or `)`")?;
                }
            } else {
                results.push(self.ty()?);
            }
        }
        Ok(Signature { params, results })
    }

    fn number(&mut self, what: &str) -> PResult<(i128, Range<usize>)> {
        let t = self.peek();
        match &t.tok {
            Tok::Number(text) => match parse_int(text) {
                Some(v) => {
                    self.next();
                    Ok((v, t.span.clone()))
                }
                None => Err((t.span.clone(), format!("expected {what}, found `{text}`"))),
            },
            _ => self.fail(what),
        }
    }

    fn u32_number(&mut self, what: &str) -> PResult<u32> {
        let (v, span) = self.number(what)?;
        u32::try_from(v).map_err(|_| {
            (
                span,
                format!("{what} `{v}` is out of range: expected 0..=4294967295"),
            )
        })
    }

    /// `function NAME(T, ...) -> T [copies NAME] [frame N]`
    #[allow(clippy::type_complexity)]
    fn header(&mut self) -> PResult<(String, Signature, Option<(String, Range<usize>)>, u32)> {
        let kw = self.ident("`function`")?;
        if kw != "function" {
            return Err((
                self.prev_span(),
                format!("expected `function`, found `{kw}`"),
            ));
        }
        let name = self.ident("the function's name")?;
        let sig = self.sig()?;
        let copy_of = if matches!(&self.peek().tok, Tok::Ident(w) if w == "copies") {
            self.next();
            let span = self.peek().span.clone();
            Some((self.ident("the name of the function copied")?, span))
        } else {
            None
        };
        let mut frame_bytes = abi::MIN_FRAME_BYTES;
        if matches!(&self.peek().tok, Tok::Ident(w) if w == "frame") {
            self.next();
            let span = self.peek().span.clone();
            frame_bytes = self.u32_number("a frame size")?;
            // The largest frame a verified function has, so that a sum of
            // frames the call stack allows plus one more fits in a u32.
            let most = abi::frame_bytes(MAX_REGISTERS, MAX_CODE_SIZE);
            if !(abi::MIN_FRAME_BYTES..=most).contains(&frame_bytes) {
                return Err((
                    span,
                    format!(
                        "frame `{frame_bytes}` is out of range: expected {}..={most} bytes",
                        abi::MIN_FRAME_BYTES
                    ),
                ));
            }
        }
        Ok((name, sig, copy_of, frame_bytes))
    }

    fn skip_body(&mut self) -> PResult<()> {
        self.expect(Tok::LBrace, "`{` after the signature")?;
        while !self.eat(&Tok::RBrace) {
            if self.at_eof() {
                return self.fail("`}` to close the function");
            }
            self.next();
        }
        Ok(())
    }

    fn end_line(&mut self) -> PResult<()> {
        if self.peek().tok == Tok::Newline {
            self.next();
            Ok(())
        } else {
            self.fail("end of line")
        }
    }

    fn function(&mut self, ctx: &ModuleContext) -> PResult<Function> {
        let (name, sig, _, frame_bytes) = self.header()?;
        self.expect(Tok::LBrace, "`{` after the signature")?;
        self.end_line()?;
        let mut f = Function::new(&name, sig);
        f.frame_bytes = frame_bytes;
        let mut values: Vec<Option<ValueData>> = Vec::new();
        let mut blocks: Vec<Option<BlockData>> = Vec::new();
        let mut uses: Vec<(Value, Range<usize>)> = Vec::new();
        let mut current: Option<Block> = None;
        loop {
            self.skip_newlines();
            if self.eat(&Tok::RBrace) {
                break;
            }
            if self.at_eof() {
                return self.fail("`}` to close the function");
            }
            let start = self.peek().span.clone();
            // A block header: `blockN(params):`
            if let Tok::Ident(s) = &self.peek().tok {
                if s.starts_with("block")
                    && self
                        .tokens
                        .get(self.pos + 1)
                        .is_some_and(|t| matches!(t.tok, Tok::Colon | Tok::LParen))
                {
                    let b = self.block()?;
                    let slot = grow(&mut blocks, b.index());
                    if slot.is_some() {
                        return Err((start, format!("{b} is defined twice")));
                    }
                    let mut params = Vec::new();
                    if self.eat(&Tok::LParen) {
                        loop {
                            let span = self.peek().span.clone();
                            let v = self.value()?;
                            self.expect(Tok::Colon, "`:` and the parameter's type")?;
                            let ty = self.ty()?;
                            define(
                                &mut values,
                                v,
                                ValueData {
                                    ty,
                                    def: ValueDef::Param(b, params.len()),
                                },
                                span,
                            )?;
                            params.push(v);
                            if self.eat(&Tok::RParen) {
                                break;
                            }
                            self.expect(Tok::Comma, "`,` or `)`")?;
                        }
                    }
                    self.expect(Tok::Colon, "`:` after the block header")?;
                    self.end_line()?;
                    *grow(&mut blocks, b.index()) = Some(BlockData { params });
                    f.layout.append_block(b);
                    current = Some(b);
                    continue;
                }
            }
            let Some(block) = current else {
                return Err((
                    start,
                    "expected a block header like `block0:` before the first instruction".into(),
                ));
            };
            // An instruction: `[vN, ... =] operation @pc`
            let mut results = Vec::new();
            if matches!(
                self.tokens.get(self.pos + 1).map(|t| &t.tok),
                Some(Tok::Equals | Tok::Comma)
            ) {
                loop {
                    let span = self.peek().span.clone();
                    results.push((self.value()?, span));
                    if self.eat(&Tok::Equals) {
                        break;
                    }
                    self.expect(Tok::Comma, "`,` or `=` after a result")?;
                }
            }
            let op_span = self.peek().span.clone();
            let data = self.inst(ctx, &mut uses)?;
            self.expect(Tok::At, "`@pc` at the end of the instruction")?;
            let pc = self.u32_number("a pc")?;
            self.end_line()?;
            let types = result_types(ctx, &data);
            let inst = Inst::new(f.dfg.insts.len());
            match (results.as_slice(), types) {
                ([(v, span), ..], []) => {
                    return Err((
                        span.clone(),
                        format!("{v} = ...: this instruction produces no value"),
                    ))
                }
                ([], [ty]) => {
                    return Err((
                        op_span,
                        format!("expected `vN = ` before an instruction that produces an {ty}"),
                    ))
                }
                _ if results.len() != types.len() => {
                    return Err((
                        results.first().map_or(op_span, |(_, span)| span.clone()),
                        format!(
                            "this instruction produces {} values ({}): expected {} before `=`, found {}",
                            types.len(),
                            types.iter().map(|t| t.name()).collect::<Vec<_>>().join(", "),
                            types.len(),
                            results.len()
                        ),
                    ))
                }
                _ => {}
            }
            for (n, ((v, span), &ty)) in results.iter().zip(types).enumerate() {
                let def = ValueDef::Result(inst, n);
                define(&mut values, *v, ValueData { ty, def }, span.clone())?;
            }
            let result_values: Vec<Value> = results.iter().map(|(v, _)| *v).collect();
            f.dfg.insts.push(data);
            f.dfg.push_results(&result_values);
            f.dfg.pcs.push(pc);
            f.layout.append_inst(block, inst);
        }
        for (v, span) in uses {
            if values.get(v.index()).is_none_or(|d| d.is_none()) {
                return Err((span, format!("{v} is used but never defined")));
            }
        }
        for (b, span) in std::mem::take(&mut self.block_uses) {
            if blocks.get(b.index()).is_none_or(|d| d.is_none()) {
                return Err((
                    span,
                    format!("{b} is a branch destination but is never defined"),
                ));
            }
        }
        // Unwritten numbers become unused placeholders; renumbering drops them.
        f.dfg.values = values
            .into_iter()
            .map(|d| {
                d.unwrap_or(ValueData {
                    ty: ValType::I32,
                    def: ValueDef::Param(Block(u32::MAX), 0),
                })
            })
            .collect();
        f.dfg.blocks = blocks.into_iter().map(Option::unwrap_or_default).collect();
        Ok(f)
    }

    fn trap_kind(&mut self) -> PResult<TrapKind> {
        let span = self.peek().span.clone();
        let name = self.ident("a trap kind like `divide_by_zero`")?;
        TrapKind::from_ident(&name).ok_or_else(|| (span, format!("unknown trap kind `{name}`")))
    }

    fn inst(
        &mut self,
        ctx: &ModuleContext,
        uses: &mut Vec<(Value, Range<usize>)>,
    ) -> PResult<InstData> {
        let span = self.peek().span.clone();
        let word = self.ident("an instruction")?;
        if let Some(ty) = word.strip_prefix("const.") {
            let ty = ValType::from_name(ty)
                .ok_or((span.clone(), format!("unknown constant type in `{word}`")))?;
            let bits = self.constant(ty)?;
            return Ok(InstData::Const { ty, bits });
        }
        if let Some(ty) = word.strip_prefix("global.get.") {
            let ty = ValType::from_name(ty)
                .ok_or((span.clone(), format!("unknown global type in `{word}`")))?;
            let global = self.global_ref()?;
            return Ok(InstData::GlobalGet { ty, global });
        }
        Ok(match word.as_str() {
            "global.set" => {
                let global = self.global_ref()?;
                self.expect(Tok::Comma, "`,` and the value written")?;
                InstData::GlobalSet {
                    global,
                    value: self.use_value(uses)?,
                }
            }
            "bounds" => {
                let addr = self.use_value(uses)?;
                self.expect(Tok::Comma, "`,` and the access's end")?;
                let (end, end_span) = self.number("the access's end")?;
                let end = u64::try_from(end)
                    .map_err(|_| (end_span, "the access's end must be 0 or more".to_string()))?;
                InstData::Bounds { addr, end }
            }
            "trapz" | "trapnz" => {
                let cond = self.use_value(uses)?;
                self.expect(Tok::Comma, "`,` and the trap kind")?;
                let kind = self.trap_kind()?;
                InstData::TrapIf {
                    kind,
                    cond,
                    nonzero: word == "trapnz",
                }
            }
            "depth_enter" => InstData::DepthEnter,
            "depth_leave" => InstData::DepthLeave,
            "call" => {
                let name_span = self.peek().span.clone();
                let name = self.ident("the callee's name")?;
                let index = ctx
                    .functions
                    .iter()
                    .position(|(n, _)| *n == name)
                    .ok_or((name_span, format!("unknown function `{name}`")))?;
                self.expect(Tok::LParen, "`(` and the arguments")?;
                let args = self.values_list(Tok::RParen, uses)?;
                InstData::Call {
                    func: FuncRef::new(index),
                    args,
                }
            }
            "table_check" => {
                let index = self.use_value(uses)?;
                self.expect(Tok::Comma, "`,` and the expected signature")?;
                InstData::TableCheck {
                    sig: Box::new(self.sig()?),
                    index,
                }
            }
            "call_indirect" => {
                let sig = Box::new(self.sig()?);
                self.expect(Tok::Comma, "`,` and the table index")?;
                let index = self.use_value(uses)?;
                self.expect(Tok::LParen, "`(` and the arguments")?;
                let args = self.values_list(Tok::RParen, uses)?;
                InstData::CallIndirect { sig, index, args }
            }
            "dev" => {
                let name_span = self.peek().span.clone();
                let name = self.ident("a device operation like `console.write`")?;
                let op = abi::device_op_by_name(&name)
                    .ok_or((name_span, format!("unknown device operation `{name}`")))?;
                self.expect(Tok::LParen, "`(` and the arguments")?;
                InstData::Dev {
                    op: op.code(),
                    args: self.values_list(Tok::RParen, uses)?,
                }
            }
            "jump" => InstData::Jump {
                dest: self.block_call(uses)?,
            },
            "brif" => {
                let cond = self.use_value(uses)?;
                self.expect(Tok::Comma, "`,` and the branch taken when non-zero")?;
                let then_dest = self.block_call(uses)?;
                self.expect(Tok::Comma, "`,` and the branch taken when zero")?;
                InstData::Brif {
                    cond,
                    then_dest,
                    else_dest: self.block_call(uses)?,
                }
            }
            "br_table" => {
                let index = self.use_value(uses)?;
                self.expect(Tok::Comma, "`,` and the default destination")?;
                let default = self.block_call(uses)?;
                self.expect(Tok::Comma, "`,` and the table `[...]`")?;
                self.expect(Tok::LBracket, "`[` to open the table")?;
                let mut targets = Vec::new();
                if !self.eat(&Tok::RBracket) {
                    loop {
                        targets.push(self.block_call(uses)?);
                        if self.eat(&Tok::RBracket) {
                            break;
                        }
                        self.expect(Tok::Comma, "`,` or `]`")?;
                    }
                }
                InstData::BrTable {
                    index,
                    default,
                    targets,
                }
            }
            "return" => InstData::Return {
                args: self.operands_until_at(uses)?,
            },
            "exit" => InstData::Exit {
                status: self.use_value(uses)?,
            },
            "trap" => {
                let kind = self.trap_kind()?;
                let code = if kind == TrapKind::User {
                    self.u32_number("the user trap's code")?
                } else {
                    0
                };
                InstData::Trap { kind, code }
            }
            mnemonic => {
                let op = Opcode::from_mnemonic(mnemonic)
                    .ok_or((span.clone(), format!("unknown instruction `{mnemonic}`")))?;
                match op.class() {
                    Class::Load(_) => {
                        let addr = self.use_value(uses)?;
                        self.expect(Tok::Comma, "`,` and the offset")?;
                        InstData::Load {
                            op,
                            addr,
                            offset: self.u32_number("an offset")?,
                        }
                    }
                    Class::Store(_) => {
                        let value = self.use_value(uses)?;
                        self.expect(Tok::Comma, "`,` and the address")?;
                        let addr = self.use_value(uses)?;
                        self.expect(Tok::Comma, "`,` and the offset")?;
                        InstData::Store {
                            op,
                            value,
                            addr,
                            offset: self.u32_number("an offset")?,
                        }
                    }
                    Class::Runtime(op) => InstData::Runtime {
                        op,
                        args: self.operands_until_at(uses)?,
                    },
                    Class::Pure(op) => InstData::Pure {
                        op,
                        args: self.operands_until_at(uses)?,
                    },
                    Class::MemoryInit => {
                        let segment = self.data_ref()?;
                        let mut arg = |what| -> PResult<Value> {
                            self.expect(Tok::Comma, what)?;
                            self.use_value(uses)
                        };
                        let args = [
                            arg("`,` and the address")?,
                            arg("`,` and the offset in the segment")?,
                            arg("`,` and the length")?,
                        ];
                        InstData::MemoryInit { segment, args }
                    }
                    Class::DataDrop => InstData::DataDrop {
                        segment: self.data_ref()?,
                    },
                    // Spelled with their own IR syntax above, or gone after
                    // construction (constants become `const.T`, moves names).
                    Class::Control(_)
                    | Class::Call(_)
                    | Class::Device
                    | Class::Constant
                    | Class::Copy
                    | Class::GlobalGet
                    | Class::GlobalSet => {
                        return Err((
                            span,
                            format!("`{mnemonic}` is a bytecode instruction with no IR form"),
                        ));
                    }
                }
            }
        })
    }
}

fn grow<T: Default>(v: &mut Vec<T>, i: usize) -> &mut T {
    if v.len() <= i {
        v.resize_with(i + 1, T::default);
    }
    &mut v[i]
}

fn define(
    values: &mut Vec<Option<ValueData>>,
    v: Value,
    data: ValueData,
    span: Range<usize>,
) -> PResult<()> {
    let slot = grow(values, v.index());
    if slot.is_some() {
        return Err((span, format!("{v} is defined twice")));
    }
    *slot = Some(data);
    Ok(())
}
