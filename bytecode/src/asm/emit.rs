//! Step 3 of the assembler (see [`super`]): declares every function, then
//! emits each body through the [`ModuleBuilder`], which patches labels.
//! References to functions, labels, device operations, constants and data
//! labels are resolved here, and [`SourceMap`] records where each part of the
//! module came from, down to each operand, so the verifier's errors can point
//! back at the text.

use super::ast::{BodyLine, DataPiece, FuncItem, IntExpr, Item, RawOperand};
use super::error::{codes, line_col, AsmError};
use super::line::{immediate_kind, Span};
use super::literal::{parse_f32, parse_f64};
use super::parser::{body_lines, describe_kind};
use super::symbols::{describe, Symbols};
use crate::bytecode::builder::{FuncId, FunctionBuilder, Label, ModuleBuilder};
use crate::bytecode::limits::{
    MAX_BR_TABLE, MAX_CODE_SIZE, MAX_DATA_SEGMENTS, MAX_EXPORTS, MAX_FUNCTIONS, MAX_GLOBALS,
    MAX_LABEL_NAMES, MAX_REGISTERS, MAX_SIGNATURES, MAX_TABLE_ENTRIES,
};
use crate::bytecode::{Inst, Module, Opcode, Operand, OperandKind, Signature};
use janus_runtime::abi;
use std::collections::{HashMap, HashSet};

/// Source spans of what the assembler emitted, so errors found later (by the
/// verifier) can point at the source line, or the operand, that caused them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    /// Per function: the span of its `func` line.
    pub functions: Vec<Span>,
    /// Per function, per instruction: the instruction's span. Operand spans
    /// are found again from the text when an error needs one
    /// ([`SourceMap::operands`]), so the map costs 16 bytes an instruction.
    pub instructions: Vec<Vec<Span>>,
    /// Per function: each named label and the span of its `name:`.
    pub labels: Vec<Vec<Span>>,
    /// Per signature: the span that introduced it (a `type` or `func` line,
    /// or the inline signature of a `call_indirect`).
    pub signatures: Vec<Span>,
    /// Per table entry.
    pub table: Vec<Span>,
    /// Per export.
    pub exports: Vec<Span>,
    /// Per data segment.
    pub data: Vec<Span>,
    /// The `memory` directive.
    pub memory: Option<Span>,
    /// Per global: its `global` line.
    pub globals: Vec<Span>,
}

impl SourceMap {
    /// Where each operand (in the opcode's operand order) of instruction
    /// `index` of function `func` is written in `src`, the text this map was
    /// made from: the instruction's line is parsed again.
    pub fn operands(&self, src: &str, func: usize, index: usize) -> Option<Vec<OperandSpan>> {
        let span = self.instructions.get(func)?.get(index)?;
        let operands = super::parser::instruction_operands(src, span.start)?;
        Some(operands.iter().map(operand_span).collect())
    }
}

/// Where one operand is written: the whole operand and, for a register list
/// or jump table, each element (the elements of a repeat `N x label` all
/// point at the repeat).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperandSpan {
    /// The operand.
    pub span: Span,
    /// Its elements, for a list operand; empty otherwise.
    pub elements: Vec<Span>,
}

/// The names a body's operands may use.
struct Scope<'a> {
    functions: &'a HashMap<&'a str, FuncId>,
    globals: &'a HashMap<&'a str, u32>,
    symbols: &'a Symbols,
}

impl Scope<'_> {
    fn global(&self, name: &str, span: &Span) -> Result<u32, AsmError> {
        self.globals.get(name).copied().ok_or_else(|| {
            AsmError::new(
                codes::UNKNOWN_GLOBAL,
                format!("unknown global `{name}`: no `global {name}: …` in this file"),
                span.clone(),
            )
        })
    }

    fn function(&self, name: &str, span: &Span) -> Result<FuncId, AsmError> {
        self.functions.get(name).copied().ok_or_else(|| {
            AsmError::new(
                codes::UNKNOWN_FUNCTION,
                format!("unknown function `{name}`: no `func {name}` in this file"),
                span.clone(),
            )
        })
    }
}

/// Declares and emits everything parsed; see the module doc for the order.
pub(super) fn emit(
    src: &str,
    items: &[(Item, Span)],
    symbols: &Symbols,
    errors: &mut Vec<AsmError>,
) -> (Module, SourceMap) {
    let mut mb = ModuleBuilder::new();
    let mut map = SourceMap::default();
    let mut functions: HashMap<&str, FuncId> = HashMap::new();
    let mut globals: HashMap<&str, u32> = HashMap::new();
    let note_sig = |mb: &mut ModuleBuilder,
                    map: &mut SourceMap,
                    errors: &mut Vec<AsmError>,
                    sig: Signature,
                    span: &Span| {
        let index = mb.signature(sig) as usize;
        if index == map.signatures.len() {
            map.signatures.push(span.clone());
            errors.extend(crossed(index + 1, MAX_SIGNATURES, "signatures", span));
        }
    };
    let mut data_index = 0;
    for (item, span) in items {
        match item {
            Item::Memory { initial, max } => {
                mb.memory(*initial, *max);
                map.memory = Some(span.clone());
            }
            Item::Type(sig) => note_sig(&mut mb, &mut map, errors, sig.clone(), span),
            Item::Data(data) => {
                let address = symbols.addresses[data_index];
                data_index += 1;
                let mut bytes = Vec::with_capacity(data.len);
                for piece in &data.pieces {
                    match data_piece(piece, symbols, &mut bytes) {
                        Ok(()) => {}
                        Err(e) => errors.push(e),
                    }
                }
                match address {
                    Some(address) => mb.data(address, bytes),
                    None => mb.passive_data(bytes),
                };
                map.data.push(span.clone());
                let count = map.data.len();
                errors.extend(crossed(count, MAX_DATA_SEGMENTS, "data segments", span));
            }
            Item::Func(f) => {
                let sig = Signature {
                    params: f.params.clone(),
                    results: f.results.clone(),
                };
                note_sig(&mut mb, &mut map, errors, sig, span);
                if functions.contains_key(f.name.as_str()) {
                    errors.push(AsmError::new(
                        codes::DUPLICATE_FUNCTION,
                        format!("function `{}` is defined twice", f.name),
                        span.clone(),
                    ));
                    continue;
                }
                let id = mb.declare(&f.name, &f.params, &f.results);
                functions.insert(&f.name, id);
                map.functions.push(span.clone());
                let count = map.functions.len();
                errors.extend(crossed(count, MAX_FUNCTIONS, "functions", span));
            }
            Item::Global {
                name,
                ty,
                mutable,
                value,
                value_span,
            } => {
                if let Some(&first) = globals.get(name.as_str()) {
                    let (line, _) = line_col(src, map.globals[first as usize].start);
                    errors.push(AsmError::new(
                        codes::DUPLICATE_GLOBAL,
                        format!("global `{name}` is defined twice (first on line {line})"),
                        span.clone(),
                    ));
                    continue;
                }
                let bits = match immediate(immediate_kind(*ty), value, value_span, symbols) {
                    Ok(Operand::I32(v)) => u64::from(v as u32),
                    Ok(Operand::F32(v)) => u64::from(v),
                    Ok(Operand::I64(v)) => v as u64,
                    Ok(Operand::F64(v)) => v,
                    Ok(
                        Operand::Reg(_)
                        | Operand::U32(_)
                        | Operand::Labels(_)
                        | Operand::Regs(_)
                        | Operand::Dev(_),
                    ) => unreachable!("immediate() of a typed value is that value"),
                    Err(e) => {
                        errors.push(e);
                        0
                    }
                };
                let index = mb.global(name, *ty, *mutable, bits);
                globals.insert(name, index);
                map.globals.push(span.clone());
                errors.extend(crossed(map.globals.len(), MAX_GLOBALS, "globals", span));
            }
            Item::Table(_) | Item::Export { .. } | Item::Const { .. } => {}
        }
    }
    let scope = Scope {
        functions: &functions,
        globals: &globals,
        symbols,
    };
    for (item, span) in items {
        match item {
            Item::Table(names) => {
                for (name, name_span) in names {
                    // `null` is an empty entry, whatever the functions are called.
                    let entry = if name == "null" {
                        Ok(None)
                    } else {
                        scope.function(name, name_span).map(Some)
                    };
                    match entry {
                        Ok(id) => {
                            match id {
                                Some(id) => mb.table(&[id]),
                                None => mb.table_nulls(1),
                            };
                            map.table.push(name_span.clone());
                            let count = map.table.len();
                            let what = "function-table entries";
                            errors.extend(crossed(count, MAX_TABLE_ENTRIES, what, name_span));
                        }
                        Err(e) => errors.push(e),
                    }
                }
            }
            Item::Export { func, name } => match scope.function(func, span) {
                Ok(id) => {
                    mb.export(name, id);
                    map.exports.push(span.clone());
                    let count = map.exports.len();
                    errors.extend(crossed(count, MAX_EXPORTS, "exports", span));
                }
                Err(e) => errors.push(e),
            },
            Item::Memory { .. }
            | Item::Type(_)
            | Item::Data(_)
            | Item::Const { .. }
            | Item::Global { .. }
            | Item::Func(_) => {}
        }
    }
    let mut seen = HashSet::new();
    // Named labels in the module so far, held to MAX_LABEL_NAMES.
    let mut label_count = 0;
    for (item, _) in items {
        let Item::Func(f) = item else { continue };
        if !seen.insert(f.name.as_str()) {
            continue;
        }
        let id = functions[f.name.as_str()];
        match emit_body(src, &mut mb, id, f, &scope, &mut map, &mut label_count) {
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

/// A0018 when `count` has just passed `limit` (so it is reported once, at
/// the line that crosses it); `what` names the things counted.
fn crossed(count: usize, limit: u32, what: &str, span: &Span) -> Option<AsmError> {
    (count == limit as usize + 1).then(|| {
        AsmError::new(
            codes::LIMIT,
            format!("more than {limit} {what} in the module: the limit is {limit}"),
            span.clone(),
        )
    })
}

/// Appends a data piece's bytes, little-endian for typed values.
fn data_piece(piece: &DataPiece, symbols: &Symbols, out: &mut Vec<u8>) -> Result<(), AsmError> {
    let (ty, raw, span) = match piece {
        DataPiece::Bytes(bytes) => {
            out.extend_from_slice(bytes);
            return Ok(());
        }
        DataPiece::Zero(count) => {
            out.resize(out.len() + count, 0);
            return Ok(());
        }
        DataPiece::Value { ty, raw, span } => (ty, raw, span),
    };
    match immediate(immediate_kind(*ty), raw, span, symbols)? {
        Operand::I32(v) => out.extend_from_slice(&v.to_le_bytes()),
        Operand::I64(v) => out.extend_from_slice(&v.to_le_bytes()),
        Operand::F32(v) => out.extend_from_slice(&v.to_le_bytes()),
        Operand::F64(v) => out.extend_from_slice(&v.to_le_bytes()),
        Operand::Reg(_)
        | Operand::U32(_)
        | Operand::Labels(_)
        | Operand::Regs(_)
        | Operand::Dev(_) => {
            unreachable!("immediate() of a typed value is that value")
        }
    }
    Ok(())
}

fn emit_body<'s>(
    src: &'s str,
    mb: &mut ModuleBuilder,
    id: FuncId,
    f: &FuncItem,
    scope: &Scope,
    map: &mut SourceMap,
    label_count: &mut usize,
) -> Result<Vec<Span>, Vec<AsmError>> {
    let mut errors = Vec::new();
    let mut body = mb.body(id);
    for &ty in &f.registers[f.params.len()..] {
        body.reg(ty);
    }
    // Every label of the function, created up front so jumps may go forward.
    // Keyed by the label's text in the source, so the body's lines need not
    // be kept.
    let mut labels: HashMap<&'s str, Label> = HashMap::new();
    for span in &f.labels {
        let name = &src[span.clone()];
        {
            *label_count += 1;
            if let Some(e) = crossed(*label_count, MAX_LABEL_NAMES, "label names", span) {
                errors.push(e);
                return Err(errors);
            }
            if labels.contains_key(name) {
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
    map.labels.push(f.labels.clone());
    // `@pc` references become labels placed at that pc, checked after.
    let mut pc_labels: HashMap<u32, (Label, Span)> = HashMap::new();
    let mut spans = Vec::new();
    for (line, span) in body_lines(src, f) {
        match line {
            BodyLine::Label(name) => {
                if let Some(&label) = labels.get(name.as_str()) {
                    if body.place(label).is_err() {
                        // Reported above as a duplicate.
                    }
                }
            }
            BodyLine::PcLabel(pc) => {
                if pc != body.pc() {
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
                let mut names = Names {
                    labels: &labels,
                    pc_labels: &mut pc_labels,
                    scope,
                    map,
                };
                match resolve(&mut body, opcode, &operands, &mut names, mb) {
                    Ok(resolved) => {
                        let inst = Inst {
                            opcode,
                            operands: resolved,
                        };
                        // Checked before the code grows: one short line
                        // (`br_table r0, L, [65536 x L]`) is 262 KB of code.
                        let size = u64::from(body.pc()) + u64::from(inst.encoded_size());
                        if size > u64::from(MAX_CODE_SIZE) {
                            errors.push(AsmError::new(
                                codes::LIMIT,
                                format!(
                                    "function `{}` has more than {MAX_CODE_SIZE} bytes of code from this instruction on: the limit is {MAX_CODE_SIZE}",
                                    f.name
                                ),
                                span.clone(),
                            ));
                            return Err(errors);
                        }
                        if let Err(e) = body.inst(opcode, inst.operands) {
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

fn operand_span((raw, span): &(RawOperand, Span)) -> OperandSpan {
    let elements = match raw {
        RawOperand::List(items) => items.iter().map(|(_, s)| s.clone()).collect(),
        RawOperand::Reg(_)
        | RawOperand::Int(_)
        | RawOperand::Float { .. }
        | RawOperand::Name(_)
        | RawOperand::Pc(_)
        | RawOperand::Sig(_) => Vec::new(),
    };
    OperandSpan {
        span: span.clone(),
        elements,
    }
}

/// What an instruction's operands can name, and where to note inline
/// signatures.
struct Names<'a, 'b> {
    labels: &'a HashMap<&'a str, Label>,
    pc_labels: &'a mut HashMap<u32, (Label, Span)>,
    scope: &'a Scope<'b>,
    map: &'a mut SourceMap,
}

impl Names<'_, '_> {
    fn label(
        &mut self,
        raw: &RawOperand,
        span: &Span,
        body: &mut FunctionBuilder,
    ) -> Result<u32, AsmError> {
        match raw {
            RawOperand::Name(name) => {
                self.labels.get(name.as_str()).map(|l| l.0).ok_or_else(|| {
                    AsmError::new(
                        codes::UNDEFINED_LABEL,
                        format!("undefined label `{name}`: no `{name}:` in this function"),
                        span.clone(),
                    )
                })
            }
            RawOperand::Pc(pc) => {
                let entry = self
                    .pc_labels
                    .entry(*pc)
                    .or_insert_with(|| (body.label(), span.clone()));
                Ok(entry.0 .0)
            }
            RawOperand::Reg(_)
            | RawOperand::Int(_)
            | RawOperand::Float { .. }
            | RawOperand::List(_)
            | RawOperand::Sig(_) => Err(AsmError::new(
                codes::EXPECTED,
                "expected a label",
                span.clone(),
            )),
        }
    }
}

fn resolve(
    body: &mut FunctionBuilder,
    opcode: Opcode,
    operands: &[(RawOperand, Span)],
    names: &mut Names,
    mb: &mut ModuleBuilder,
) -> Result<Vec<Operand>, AsmError> {
    let mut out = Vec::with_capacity(operands.len());
    for (&kind, (raw, span)) in opcode.operands().iter().zip(operands) {
        let operand = match (kind, raw) {
            (OperandKind::Def(_) | OperandKind::Use(_), RawOperand::Reg(r)) => Operand::Reg(*r),
            (OperandKind::Label, raw) => Operand::U32(names.label(raw, span, body)?),
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
                    ids.push(names.label(raw, span, body)?);
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
            (OperandKind::Func, RawOperand::Name(name)) => {
                Operand::U32(names.scope.function(name, span)?.0)
            }
            (OperandKind::Global, RawOperand::Name(name)) => {
                Operand::U32(names.scope.global(name, span)?)
            }
            (OperandKind::Data, RawOperand::Name(name)) => {
                Operand::U32(names.scope.symbols.segment(name, span)?)
            }
            (OperandKind::Sig, RawOperand::Sig(sig)) => {
                let index = mb.signature(sig.clone());
                if index as usize == names.map.signatures.len() {
                    names.map.signatures.push(span.clone());
                    if let Some(e) = crossed(index as usize + 1, MAX_SIGNATURES, "signatures", span)
                    {
                        return Err(e);
                    }
                }
                Operand::U32(index)
            }
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
            (kind, raw) => immediate(kind, raw, span, names.scope.symbols)?,
        };
        out.push(operand);
    }
    Ok(out)
}

/// Converts a numeric operand to its encoded form, checking its range.
fn immediate(
    kind: OperandKind,
    raw: &RawOperand,
    span: &Span,
    symbols: &Symbols,
) -> Result<Operand, AsmError> {
    let int = |expr: &IntExpr, min: i128, max: i128, what: &str| -> Result<i128, AsmError> {
        // A constant whose definition failed is already reported.
        let Some(v) = symbols.eval(expr, span, what)? else {
            return Ok(0);
        };
        if v < 0 && min == 0 && what == "an offset" {
            return Err(AsmError::new(
                codes::OUT_OF_RANGE,
                format!(
                    "an offset {} is negative: offsets are unsigned (0..={max}); subtract from the base register first (`i32.sub`) and use a non-negative offset",
                    describe(expr, v)
                ),
                span.clone(),
            ));
        }
        if v < min || v > max {
            return Err(AsmError::new(
                codes::OUT_OF_RANGE,
                format!(
                    "{what} {} is out of range: expected {min}..={max}",
                    describe(expr, v)
                ),
                span.clone(),
            ));
        }
        Ok(v)
    };
    Ok(match (kind, raw) {
        (OperandKind::ImmI32, RawOperand::Int(e)) => {
            Operand::I32(int(e, i32::MIN.into(), u32::MAX.into(), "an i32")? as u32 as i32)
        }
        (OperandKind::ImmI64, RawOperand::Int(e)) => {
            Operand::I64(int(e, i64::MIN.into(), u64::MAX.into(), "an i64")? as u64 as i64)
        }
        (OperandKind::Offset, RawOperand::Int(e)) => {
            Operand::U32(int(e, 0, u32::MAX.into(), "an offset")? as u32)
        }
        (OperandKind::TrapCode, RawOperand::Int(e)) => {
            Operand::U32(int(e, 0, u32::MAX.into(), "a trap code")? as u32)
        }
        (OperandKind::Data, RawOperand::Int(e)) => {
            Operand::U32(int(e, 0, u32::MAX.into(), "a data segment index")? as u32)
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
