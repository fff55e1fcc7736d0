//! Module-level names, step 2 of the assembler (see [`super`]): data labels
//! (`data msg: "hi"`) and named constants (`const N = 10`), which share one
//! namespace and may be used before their definitions.
//!
//! Data segments are laid out first, in source order: an active segment
//! without an address starts where the previous active one ends (0 for the
//! first); a passive segment has no address and takes no room. Sizes never
//! depend on names (a typed value has its type's width, and `zero N` takes a
//! literal), so one pass fixes every address. Constants are then resolved on
//! demand with an explicit stack, so a cycle is an error, not a hang, and a
//! long chain cannot overflow the call stack. Overlapping segments, usually a
//! hand-counted address gone wrong, are warned about here.

use super::ast::{IntExpr, Item, Placement};
use super::error::{codes, line_col, AsmError, AsmWarning};
use super::line::Span;
use super::literal::{bad_number, parse_int};
use std::collections::{HashMap, HashSet};

/// What a module-level name stands for.
#[derive(Clone, Copy, Debug)]
enum Symbol {
    /// A data label: its segment's index, address (`None` for a passive
    /// segment) and length.
    Data {
        index: u32,
        address: Option<u32>,
        len: u32,
    },
    /// A constant's value.
    Const(i128),
    /// A constant whose definition was reported as an error; its uses are
    /// not reported again.
    Failed,
}

/// The resolved names, and the address of every data segment in item order.
#[derive(Debug, Default)]
pub(super) struct Symbols {
    table: HashMap<String, Symbol>,
    /// Per `data` item, in order: its address, `None` for a passive segment.
    pub(super) addresses: Vec<Option<u32>>,
}

/// Constants are at most 64 bits wide, signed or not: no operand takes more.
const CONST_MIN: i128 = i64::MIN as i128;
const CONST_MAX: i128 = u64::MAX as i128;

impl Symbols {
    /// Lays out the data segments and resolves every constant, reporting
    /// duplicate, undefined and cyclic names, and warning about overlapping
    /// segments. `src` is only read to name lines in warnings.
    pub(super) fn resolve(
        src: &str,
        items: &[(Item, Span)],
        errors: &mut Vec<AsmError>,
        warnings: &mut Vec<AsmWarning>,
    ) -> Symbols {
        let mut symbols = Symbols::default();
        let mut defined: HashMap<String, Span> = HashMap::new();
        let mut define = |name: &str, span: &Span, errors: &mut Vec<AsmError>| -> bool {
            if let Some(first) = defined.get(name) {
                let (line, _) = line_col(src, first.start);
                errors.push(AsmError::new(
                    codes::DUPLICATE_NAME,
                    format!(
                        "`{name}` is defined twice (first on line {line}): constants and data labels share one namespace"
                    ),
                    span.clone(),
                ));
                return false;
            }
            defined.insert(name.to_string(), span.clone());
            true
        };
        // Data layout, and which names are constants.
        let mut segments: Vec<(u32, u32, &Span)> = Vec::new();
        let mut pending: HashMap<&str, (&IntExpr, &Span)> = HashMap::new();
        let mut order: Vec<&str> = Vec::new();
        let mut next: u64 = 0;
        for (item, span) in items {
            match item {
                Item::Data(data) => {
                    let index = symbols.addresses.len() as u32;
                    let address = match data.placement {
                        Placement::At(a) => a,
                        Placement::Passive => {
                            symbols.addresses.push(None);
                            if let Some((name, name_span)) = &data.name {
                                if define(name, name_span, errors) {
                                    let symbol = Symbol::Data {
                                        index,
                                        address: None,
                                        len: data.len as u32,
                                    };
                                    symbols.table.insert(name.clone(), symbol);
                                }
                            }
                            continue;
                        }
                        Placement::Next if next <= u64::from(u32::MAX) => next as u32,
                        Placement::Next => {
                            errors.push(AsmError::new(
                                codes::OUT_OF_RANGE,
                                format!(
                                    "data segment would start at {next:#x}, past the 32-bit address space: give it an address"
                                ),
                                data.name.as_ref().map_or(span, |(_, s)| s).clone(),
                            ));
                            0
                        }
                    };
                    // At most 64 MiB, checked by the parser.
                    let len = data.len as u32;
                    next = u64::from(address) + u64::from(len);
                    symbols.addresses.push(Some(address));
                    segments.push((address, len, span));
                    if let Some((name, name_span)) = &data.name {
                        if define(name, name_span, errors) {
                            let symbol = Symbol::Data {
                                index,
                                address: Some(address),
                                len,
                            };
                            symbols.table.insert(name.clone(), symbol);
                        }
                    }
                }
                Item::Const {
                    name,
                    name_span,
                    value,
                    value_span,
                } => {
                    if define(name, name_span, errors) {
                        pending.insert(name, (value, value_span));
                        order.push(name);
                    }
                }
                Item::Memory { .. }
                | Item::Type(_)
                | Item::Table(_)
                | Item::Export { .. }
                | Item::Global { .. }
                | Item::Func(_) => {}
            }
        }
        for name in order {
            symbols.resolve_const(name, &pending, errors);
        }
        overlap_warnings(src, &segments, warnings);
        symbols
    }

    /// Resolves `name` and every constant it depends on, depth first.
    fn resolve_const<'a>(
        &mut self,
        name: &'a str,
        pending: &HashMap<&'a str, (&'a IntExpr, &'a Span)>,
        errors: &mut Vec<AsmError>,
    ) {
        let mut stack: Vec<&'a str> = vec![name];
        let mut on_stack: HashSet<&'a str> = HashSet::new();
        while let Some(&top) = stack.last() {
            if self.table.contains_key(top) {
                stack.pop();
                continue;
            }
            on_stack.insert(top);
            let (expr, span) = pending[top];
            let value = match expr {
                IntExpr::Name(dep) if !self.table.contains_key(dep.as_str()) => {
                    match pending.get_key_value(dep.as_str()) {
                        Some((&dep, _)) if on_stack.contains(dep) => {
                            errors.push(AsmError::new(
                                codes::CONSTANT_CYCLE,
                                format!("constant `{top}` depends on itself through `{dep}`"),
                                span.clone(),
                            ));
                            Symbol::Failed
                        }
                        Some((&dep, _)) => {
                            stack.push(dep);
                            continue;
                        }
                        None => self.failed(expr, span, errors),
                    }
                }
                IntExpr::Name(_) | IntExpr::Len(_) | IntExpr::Literal(_) => {
                    match self.eval(expr, span, "an integer") {
                        Ok(Some(v)) if (CONST_MIN..=CONST_MAX).contains(&v) => Symbol::Const(v),
                        Ok(Some(v)) => {
                            errors.push(AsmError::new(
                                codes::OUT_OF_RANGE,
                                format!(
                                    "constant `{top}` = {v} is out of range: expected {CONST_MIN}..={CONST_MAX}"
                                ),
                                span.clone(),
                            ));
                            Symbol::Failed
                        }
                        Ok(None) => Symbol::Failed,
                        Err(e) => {
                            errors.push(e);
                            Symbol::Failed
                        }
                    }
                }
            };
            self.table.insert(top.to_string(), value);
            on_stack.remove(top);
            stack.pop();
        }
    }

    fn failed(&self, expr: &IntExpr, span: &Span, errors: &mut Vec<AsmError>) -> Symbol {
        if let Err(e) = self.eval(expr, span, "an integer") {
            errors.push(e);
        }
        Symbol::Failed
    }

    /// The value of an integer as written; `what` names the operand in
    /// errors. `Ok(None)` is a constant whose definition already failed.
    pub(super) fn eval(
        &self,
        expr: &IntExpr,
        span: &Span,
        what: &str,
    ) -> Result<Option<i128>, AsmError> {
        let undefined = |name: &str| {
            AsmError::new(
                codes::UNDEFINED_NAME,
                format!(
                    "undefined name `{name}`: no `const {name} = …` or `data {name}: …` in this file"
                ),
                span.clone(),
            )
        };
        match expr {
            IntExpr::Literal(text) => parse_int(text)
                .map(Some)
                .ok_or_else(|| bad_number(text, span, what)),
            IntExpr::Name(name) => match self.table.get(name.as_str()) {
                Some(Symbol::Data {
                    address: Some(address),
                    ..
                }) => Ok(Some(i128::from(*address))),
                Some(Symbol::Data { address: None, .. }) => Err(AsmError::new(
                    codes::PASSIVE_ADDRESS,
                    format!(
                        "data segment `{name}` is passive, so it has no address: copy it into memory with `memory.init {name}, …` (`len({name})` is its length)"
                    ),
                    span.clone(),
                )),
                Some(Symbol::Const(v)) => Ok(Some(*v)),
                Some(Symbol::Failed) => Ok(None),
                None => Err(undefined(name)),
            },
            IntExpr::Len(name) => match self.table.get(name.as_str()) {
                Some(Symbol::Data { len, .. }) => Ok(Some(i128::from(*len))),
                Some(Symbol::Const(_) | Symbol::Failed) => Err(AsmError::new(
                    codes::EXPECTED,
                    format!("`len({name})` needs a data label, but `{name}` is a constant"),
                    span.clone(),
                )),
                None => Err(undefined(name)),
            },
        }
    }

    /// The index of the data segment a `memory.init` or `data.drop`
    /// operand names by its label.
    pub(super) fn segment(&self, name: &str, span: &Span) -> Result<u32, AsmError> {
        let message = match self.table.get(name) {
            Some(Symbol::Data { index, .. }) => return Ok(*index),
            Some(Symbol::Const(_) | Symbol::Failed) => format!(
                "`{name}` is a constant, not a data segment: name a data label or write the segment's index"
            ),
            None => format!(
                "unknown data segment `{name}`: no `data {name}: …` or `data passive {name}: …` in this file"
            ),
        };
        Err(AsmError::new(codes::UNKNOWN_DATA, message, span.clone()))
    }
}

/// How an integer reads in an out-of-range message: the literal itself, or
/// the name and its value.
pub(super) fn describe(expr: &IntExpr, value: i128) -> String {
    match expr {
        IntExpr::Literal(text) => format!("`{text}`"),
        IntExpr::Name(name) => format!("`{name}` (= {value})"),
        IntExpr::Len(name) => format!("`len({name})` (= {value})"),
    }
}

/// W0001 for every segment that starts before an earlier-placed one ends,
/// in address order; the warning points at the later line of the two.
fn overlap_warnings(src: &str, segments: &[(u32, u32, &Span)], warnings: &mut Vec<AsmWarning>) {
    let mut sorted: Vec<usize> = (0..segments.len()).filter(|&i| segments[i].1 > 0).collect();
    sorted.sort_by_key(|&i| (segments[i].0, i));
    let end = |i: usize| u64::from(segments[i].0) + u64::from(segments[i].1);
    let mut reach: Option<usize> = None; // the segment reaching furthest so far
    for i in sorted {
        if let Some(r) = reach {
            if u64::from(segments[i].0) < end(r) {
                let (later, earlier) = if segments[i].2.start >= segments[r].2.start {
                    (i, r)
                } else {
                    (r, i)
                };
                let (line, _) = line_col(src, segments[earlier].2.start);
                warnings.push(AsmWarning::new(
                    codes::OVERLAPPING_DATA,
                    format!(
                        "data segment {:#x}..{:#x} overlaps the segment {:#x}..{:#x} on line {line}: the later one overwrites the bytes they share",
                        segments[later].0,
                        end(later),
                        segments[earlier].0,
                        end(earlier),
                    ),
                    segments[later].2.clone(),
                ));
            }
            if end(i) > end(r) {
                reach = Some(i);
            }
        } else {
            reach = Some(i);
        }
    }
    warnings.sort_by_key(|w| w.span.start);
}
