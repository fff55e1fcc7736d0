//! The module header of IR text: `memory`, `type`, `data`, `table`,
//! `export` and `global` lines before the first function, spelled as in `.jasm`, and the
//! `copies NAME` of a function header. Names in them are resolved once every
//! function header is read, so they may name any function.

use super::{PResult, Parser};
use crate::asm::lexer::Tok;
use crate::bytecode::{DataKind, DataSegment, Global, MemoryDecl, Signature};
use crate::ir::entities::FuncRef;
use crate::ir::function::{Export, Module, ModuleContext};
use janus_runtime::abi::{ValType, PAGE_SIZE};
use std::ops::Range;

/// The header's directives as written, before names are resolved.
#[derive(Default)]
pub(super) struct Header {
    memory: Option<(MemoryDecl, Range<usize>)>,
    signatures: Vec<Signature>,
    data: Vec<(DataSegment, Range<usize>)>,
    table: Option<Vec<(String, Range<usize>)>>,
    exports: Vec<(String, String, Range<usize>)>,
    pub(super) globals: Vec<Global>,
}

impl Header {
    /// How many data segments the header declares.
    pub(super) fn data_count(&self) -> usize {
        self.data.len()
    }

    /// Resolves function names and checks what the bytecode verifier would:
    /// active data inside the initial memory, each table entry's signature
    /// declared.
    pub(super) fn resolve(self, ctx: &ModuleContext) -> PResult<Module> {
        let func = |name: &str, span: &Range<usize>| {
            ctx.functions
                .iter()
                .position(|(n, _)| n == name)
                .map(FuncRef::new)
                .ok_or_else(|| (span.clone(), format!("unknown function `{name}`")))
        };
        let memory = self.memory.as_ref().map(|(m, _)| *m);
        let size = memory.map_or(0, |m| u64::from(m.initial_pages) * PAGE_SIZE);
        for (seg, span) in &self.data {
            let Some(offset) = seg.address() else {
                continue;
            };
            let end = u64::from(offset) + seg.bytes.len() as u64;
            if end > size {
                return Err((
                    span.clone(),
                    format!(
                        "data segment at {offset:#x} of {} bytes ends past the initial memory ({size} bytes)",
                        seg.bytes.len()
                    ),
                ));
            }
        }
        let mut table = Vec::new();
        for (name, span) in self.table.unwrap_or_default() {
            if name == "null" {
                table.push(None);
                continue;
            }
            let f = func(&name, &span)?;
            let sig = &ctx.functions[f.index()].1;
            if !self.signatures.contains(sig) {
                return Err((
                    span,
                    format!(
                        "table entry `{name}` has signature {sig}, which no `type` line declares"
                    ),
                ));
            }
            table.push(Some(f));
        }
        let mut exports: Vec<Export> = Vec::new();
        for (name, as_name, span) in self.exports {
            if exports.iter().any(|e| e.name == as_name) {
                return Err((span, format!("`{as_name}` is exported twice")));
            }
            exports.push(Export {
                func: func(&name, &span)?,
                name: as_name,
            });
        }
        Ok(Module {
            memory,
            signatures: self.signatures,
            data: self.data.into_iter().map(|(seg, _)| seg).collect(),
            table,
            exports,
            globals: self.globals,
            ..Module::default()
        })
    }
}

/// Resolves each function's `copies NAME`: the original must be a function
/// that is no copy itself, and copies follow every bytecode function (whose
/// indices are the bytecode's).
pub(super) fn resolve_copies(
    ctx: &ModuleContext,
    copies: Vec<Option<(String, Range<usize>)>>,
    spans: &[Range<usize>],
) -> PResult<Vec<Option<FuncRef>>> {
    let originals: Vec<bool> = copies.iter().map(Option::is_none).collect();
    let mut seen_copy = false;
    let mut out = Vec::with_capacity(copies.len());
    for (i, copy) in copies.into_iter().enumerate() {
        let Some((name, span)) = copy else {
            if seen_copy {
                let own = &ctx.functions[i].0;
                return Err((
                    spans[i].clone(),
                    format!("function `{own}` follows a copy: copies come after every bytecode function"),
                ));
            }
            out.push(None);
            continue;
        };
        seen_copy = true;
        let original = ctx
            .functions
            .iter()
            .position(|(n, _)| *n == name)
            .ok_or_else(|| (span.clone(), format!("unknown function `{name}`")))?;
        if !originals[original] {
            return Err((span, format!("`{name}` is itself a copy")));
        }
        if ctx.functions[original].1 != ctx.functions[i].1 {
            return Err((
                span,
                format!(
                    "a copy of `{name}` must have its signature {}",
                    ctx.functions[original].1
                ),
            ));
        }
        out.push(Some(FuncRef::new(original)));
    }
    Ok(out)
}

impl Parser<'_> {
    /// One header directive, if the line starts with one: `memory I, M`,
    /// `type SIG`, `data OFFSET, "BYTES"`, `data passive, "BYTES"`, `table F, ...`,
    /// `export F [as NAME]`, `global [mut] NAME: T = VALUE`. Returns
    /// whether it read one.
    pub(super) fn directive(&mut self, header: &mut Header) -> PResult<bool> {
        let start = self.peek().span.clone();
        let Tok::Ident(word) = &self.peek().tok else {
            return Ok(false);
        };
        match word.as_str() {
            "memory" => {
                self.next();
                if header.memory.is_some() {
                    return Err((start, "`memory` is declared twice".into()));
                }
                let initial_pages = self.u32_number("the initial size in pages")?;
                self.expect(Tok::Comma, "`,` and the maximum size in pages")?;
                let max_pages = self.u32_number("the maximum size in pages")?;
                if initial_pages > max_pages {
                    return Err((
                        start,
                        format!("memory's initial size of {initial_pages} pages exceeds its maximum of {max_pages}"),
                    ));
                }
                let m = MemoryDecl {
                    initial_pages,
                    max_pages,
                };
                header.memory = Some((m, start));
            }
            "type" => {
                self.next();
                let sig = self.sig()?;
                if header.signatures.contains(&sig) {
                    return Err((start, format!("type {sig} is declared twice")));
                }
                header.signatures.push(sig);
            }
            "data" => {
                self.next();
                let kind = if matches!(&self.peek().tok, Tok::Ident(w) if w == "passive") {
                    self.next();
                    DataKind::Passive
                } else {
                    let offset = self.u32_number("the segment's address or `passive`")?;
                    DataKind::Active { offset }
                };
                self.expect(Tok::Comma, "`,` and the segment's bytes")?;
                let bytes = match &self.peek().tok {
                    Tok::Str(bytes) => bytes.clone(),
                    _ => return self.fail("a string of the segment's bytes"),
                };
                self.next();
                header.data.push((DataSegment { kind, bytes }, start));
            }
            "table" => {
                self.next();
                if header.table.is_some() {
                    return Err((start, "`table` is declared twice".into()));
                }
                let mut entries = Vec::new();
                loop {
                    let span = self.peek().span.clone();
                    entries.push((self.ident("a function's name")?, span));
                    if !self.eat(&Tok::Comma) {
                        break;
                    }
                }
                header.table = Some(entries);
            }
            "export" => {
                self.next();
                let span = self.peek().span.clone();
                let name = self.ident("the exported function's name")?;
                let as_name = if matches!(&self.peek().tok, Tok::Ident(w) if w == "as") {
                    self.next();
                    self.ident("the name to export it as")?
                } else {
                    name.clone()
                };
                header.exports.push((name, as_name, span));
            }
            "global" => {
                self.next();
                // `mut` is the keyword unless a `:` follows it (a constant
                // global named `mut`), as in the assembler.
                let mutable = matches!(&self.peek().tok, Tok::Ident(w) if w == "mut")
                    && self
                        .tokens
                        .get(self.pos + 1)
                        .is_some_and(|t| t.tok != Tok::Colon);
                if mutable {
                    self.next();
                }
                let span = self.peek().span.clone();
                let name = self.ident("the global's name")?;
                if header.globals.iter().any(|g| g.name == name) {
                    return Err((span, format!("global `{name}` is declared twice")));
                }
                self.expect(Tok::Colon, "`:` and the global's type")?;
                let ty_span = self.peek().span.clone();
                let ty_name = self.ident("the global's type")?;
                let ty = ValType::from_name(&ty_name)
                    .ok_or((ty_span, format!("unknown type `{ty_name}`")))?;
                self.expect(Tok::Equals, "`=` and the global's initial value")?;
                let init = self.constant(ty)?;
                header.globals.push(Global {
                    name,
                    ty,
                    mutable,
                    init,
                });
            }
            _ => return Ok(false),
        }
        self.end_line()?;
        Ok(true)
    }

    /// A data segment's index, written `dataN`.
    pub(super) fn data_ref(&mut self) -> PResult<u32> {
        self.numbered("data", "a data segment `dataN`")
    }

    /// A global's index, written `gN`.
    pub(super) fn global_ref(&mut self) -> PResult<u32> {
        let span = self.peek().span.clone();
        let word = self.ident("a global `gN`")?;
        word.strip_prefix('g')
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|_| !word[1..].starts_with('+'))
            .ok_or((span, format!("expected a global `gN`, found `{word}`")))
    }
}
