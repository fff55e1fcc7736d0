//! The IR verifier: run after construction and after every pass in debug and
//! test builds, and on every parsed function. It collects every error, each
//! naming the entity it is about (`v12`, `block3`, `inst7`), and checks:
//! the layout (every block ends in exactly one terminator, the entry has no
//! predecessors and takes the signature's parameters), operand counts and
//! types of every instruction, block-call arity and types at every branch,
//! result types, and that every use is dominated by its definition.

use super::dominance::DominatorTree;
use super::entities::{Block, Inst, Value};
use super::function::{result_types, Function, ModuleContext, ValueDef};
use super::instructions::{def_type, use_types, BlockCall, InstData};
use crate::bytecode::Opcode;
use janus_runtime::abi::{self, ValType};
use std::fmt;

/// One problem, naming the entity it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrError {
    /// The function.
    pub func: String,
    /// The entity: `v3`, `block2`, `inst7 (v5)`.
    pub entity: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for IrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "function `{}`: {}: {}",
            self.func, self.entity, self.message
        )
    }
}

impl std::error::Error for IrError {}

/// Verifies one function; `ctx` gives callee signatures.
pub fn verify_function(func: &Function, ctx: &ModuleContext) -> Result<(), Vec<IrError>> {
    let mut v = Verifier {
        func,
        ctx,
        errors: Vec::new(),
    };
    v.run();
    v.errors.dedup();
    if v.errors.is_empty() {
        Ok(())
    } else {
        Err(v.errors)
    }
}

struct Verifier<'a> {
    func: &'a Function,
    ctx: &'a ModuleContext,
    errors: Vec<IrError>,
}

/// Where an instruction sits: its block and position.
#[derive(Clone, Copy)]
struct Place {
    block: Block,
    pos: usize,
}

impl Verifier<'_> {
    fn error(&mut self, entity: impl fmt::Display, message: impl Into<String>) {
        self.errors.push(IrError {
            func: self.func.name.clone(),
            entity: entity.to_string(),
            message: message.into(),
        });
    }

    fn inst_name(&self, inst: Inst) -> String {
        let results = self.func.dfg.inst_results(inst);
        if results.is_empty() {
            return inst.to_string();
        }
        let names: Vec<String> = results.iter().map(|r| r.to_string()).collect();
        format!("{inst} ({})", names.join(", "))
    }

    fn run(&mut self) {
        let f = self.func;
        let dfg = &f.dfg;
        let nblocks = dfg.blocks.len();
        let ninsts = dfg.insts.len();
        let Some(entry) = f.layout.entry() else {
            self.error("function", "has no blocks: expected an entry block");
            return;
        };
        // Layout shape, and where every instruction is.
        let mut place: Vec<Option<Place>> = vec![None; ninsts];
        let mut in_layout = vec![false; nblocks];
        for &b in &f.layout.blocks {
            if b.index() >= nblocks {
                self.error(b, "is in the layout but not in the function");
                return;
            }
            if std::mem::replace(&mut in_layout[b.index()], true) {
                self.error(b, "appears twice in the layout");
            }
            let insts = f.layout.block_insts(b);
            if insts.is_empty() {
                self.error(b, "is empty: expected instructions ending in a terminator");
            }
            for (pos, &inst) in insts.iter().enumerate() {
                if inst.index() >= ninsts {
                    self.error(b, format!("holds {inst}, which does not exist"));
                    continue;
                }
                if place[inst.index()].is_some() {
                    self.error(self.inst_name(inst), "appears twice in the layout");
                }
                place[inst.index()] = Some(Place { block: b, pos });
                let last = pos + 1 == insts.len();
                let term = dfg.insts[inst.index()].is_terminator();
                if term && !last {
                    self.error(
                        self.inst_name(inst),
                        format!("is a terminator in the middle of {b}"),
                    );
                }
                if !term && last {
                    self.error(
                        b,
                        format!(
                            "ends with {}, which is not a terminator",
                            self.inst_name(inst)
                        ),
                    );
                }
            }
        }
        let entry_params: Vec<ValType> = dfg
            .params(entry)
            .iter()
            .map(|&p| dfg.value_type(p))
            .collect();
        if entry_params != f.signature.params {
            self.error(
                entry,
                format!(
                    "entry block parameters ({}) differ from the signature's {}",
                    types(&entry_params),
                    f.signature
                ),
            );
        }
        let dom = DominatorTree::compute(f);
        if !dom.preds[entry.index()].is_empty() {
            self.error(entry, "the entry block has predecessors");
        }
        for &b in &f.layout.blocks {
            for &inst in f.layout.block_insts(b) {
                if inst.index() < ninsts {
                    self.inst(
                        inst,
                        Place {
                            block: b,
                            pos: place[inst.index()].map_or(0, |p| p.pos),
                        },
                        &place,
                        &in_layout,
                        &dom,
                    );
                }
            }
        }
    }

    fn value_ok(&mut self, user: &str, v: Value) -> Option<ValType> {
        if v.index() >= self.func.dfg.values.len() {
            self.error(user, format!("uses {v}, which does not exist"));
            return None;
        }
        Some(self.func.dfg.value_type(v))
    }

    /// Checks that the definition of `v` dominates a use at `at`.
    fn dominated(
        &mut self,
        user: &str,
        v: Value,
        at: Place,
        place: &[Option<Place>],
        in_layout: &[bool],
        dom: &DominatorTree,
    ) {
        if !dom.is_reachable(at.block) {
            return;
        }
        let ok = match self.func.dfg.values[v.index()].def {
            ValueDef::Param(b, n) => {
                if !in_layout.get(b.index()).copied().unwrap_or(false)
                    || self.func.dfg.params(b).get(n) != Some(&v)
                {
                    self.error(
                        user,
                        format!("uses {v}, a parameter of {b}, which is not in the function"),
                    );
                    return;
                }
                dom.dominates(b, at.block)
            }
            ValueDef::Result(def, _) => match place.get(def.index()).copied().flatten() {
                None => {
                    self.error(
                        user,
                        format!("uses {v}, whose instruction {def} is not in the function"),
                    );
                    return;
                }
                Some(d) if d.block == at.block => d.pos < at.pos,
                Some(d) => dom.dominates(d.block, at.block),
            },
        };
        if !ok {
            self.error(
                user,
                format!("uses {v}, whose definition does not dominate this use"),
            );
        }
    }

    fn inst(
        &mut self,
        inst: Inst,
        at: Place,
        place: &[Option<Place>],
        in_layout: &[bool],
        dom: &DominatorTree,
    ) {
        let dfg = &self.func.dfg;
        let data = &dfg.insts[inst.index()];
        let name = self.inst_name(inst);

        // Operand types, branch arguments aside.
        let expected: Result<Vec<ValType>, String> = match data {
            InstData::Const { ty, bits } => {
                let fits =
                    matches!(ty, ValType::I64 | ValType::F64) || *bits <= u64::from(u32::MAX);
                if fits {
                    Ok(vec![])
                } else {
                    Err(format!("constant bits {bits:#x} do not fit {ty}"))
                }
            }
            InstData::Load { op, .. } if !op.is_load() => Err(format!("`{op}` is not a load")),
            InstData::Store { op, .. } if !op.is_store() => Err(format!("`{op}` is not a store")),
            InstData::Pure { op, .. } => Ok(use_types(*op)),
            InstData::Runtime { op, .. } => Ok(use_types(*op)),
            InstData::Load { .. } | InstData::Bounds { .. } => Ok(vec![ValType::I32]),
            InstData::Store { op, .. } => Ok(use_types(*op)),
            // A divisor check tests the divisor itself, of either integer width.
            InstData::TrapIf { cond, .. }
                if dfg
                    .values
                    .get(cond.index())
                    .is_some_and(|d| d.ty == ValType::I64) =>
            {
                Ok(vec![ValType::I64])
            }
            InstData::TrapIf { .. } | InstData::TableCheck { .. } | InstData::Exit { .. } => {
                Ok(vec![ValType::I32])
            }
            InstData::DepthEnter | InstData::DepthLeave | InstData::Trap { .. } => Ok(vec![]),
            InstData::GlobalGet { ty, global } => match self.ctx.global(*global) {
                Some((found, _)) if found == *ty => Ok(vec![]),
                Some((found, _)) => Err(format!("reads global g{global} of type {found} as {ty}")),
                None => Err(format!("reads global g{global}, which does not exist")),
            },
            InstData::GlobalSet { global, .. } => match self.ctx.global(*global) {
                Some((ty, true)) => Ok(vec![ty]),
                Some((_, false)) => Err(format!("writes global g{global}, which is constant")),
                None => Err(format!("writes global g{global}, which does not exist")),
            },
            InstData::MemoryInit { segment, .. } | InstData::DataDrop { segment }
                if *segment as usize >= self.ctx.data_segments =>
            {
                Err(format!("names data{segment}, which does not exist"))
            }
            InstData::MemoryInit { .. } => Ok(vec![ValType::I32; 3]),
            InstData::DataDrop { .. } => Ok(vec![]),
            InstData::Call { func, .. } => match self.ctx.signature(*func) {
                Some(sig) => Ok(sig.params.clone()),
                None => Err(format!("calls {func}, which does not exist")),
            },
            InstData::CallIndirect { sig, .. } => Ok(std::iter::once(ValType::I32)
                .chain(sig.params.iter().copied())
                .collect()),
            InstData::Dev { op, .. } => match abi::device_op_by_code(*op) {
                Some(d) => Ok(d.params.to_vec()),
                None => Err(format!("unknown device operation {op:#06x}")),
            },
            InstData::Return { .. } => Ok(self.func.signature.results.clone()),
            InstData::Jump { .. } => Ok(vec![]),
            InstData::Brif { .. } | InstData::BrTable { .. } => Ok(vec![ValType::I32]),
        };
        let plain_args: Vec<Value> = match data {
            InstData::Jump { .. } => vec![],
            InstData::Brif { cond, .. } => vec![*cond],
            InstData::BrTable { index, .. } => vec![*index],
            other => other.args(),
        };
        match expected {
            Err(message) => self.error(&name, message),
            Ok(expected) => {
                if expected.len() != plain_args.len() {
                    self.error(
                        &name,
                        format!(
                            "takes {} operands, found {}",
                            expected.len(),
                            plain_args.len()
                        ),
                    );
                }
                for (i, (&v, &ty)) in plain_args.iter().zip(&expected).enumerate() {
                    if let Some(found) = self.value_ok(&name, v) {
                        if found != ty {
                            self.error(
                                &name,
                                format!("operand {i} is {v} of type {found}, expected {ty}"),
                            );
                        }
                    }
                }
            }
        }
        for &v in &plain_args {
            if v.index() < dfg.values.len() {
                self.dominated(&name, v, at, place, in_layout, dom);
            }
        }
        for dest in data.destinations() {
            self.block_call(&name, dest, at, place, in_layout, dom);
        }

        // The results.
        let results = dfg.inst_results(inst);
        let expected = result_types(self.ctx, data);
        match (results, expected) {
            ([], [ty]) => self.error(&name, format!("has no result: expected one of type {ty}")),
            ([r], []) => self.error(&name, format!("has result {r} but produces no value")),
            _ if results.len() != expected.len() => self.error(
                &name,
                format!(
                    "has {} results, expected {} ({})",
                    results.len(),
                    expected.len(),
                    types(expected)
                ),
            ),
            _ => {
                for (n, (&r, &ty)) in results.iter().zip(expected).enumerate() {
                    let Some(found) = self.value_ok(&name, r) else {
                        continue;
                    };
                    if found != ty {
                        self.error(&name, format!("result {r} has type {found}, expected {ty}"));
                    }
                    if dfg.values[r.index()].def != ValueDef::Result(inst, n) {
                        let place = if results.len() == 1 {
                            String::new()
                        } else {
                            format!(" as its result {n}")
                        };
                        self.error(
                            &name,
                            format!("result {r} is not defined by this instruction{place}"),
                        );
                    }
                }
            }
        }
    }

    fn block_call(
        &mut self,
        user: &str,
        call: &BlockCall,
        at: Place,
        place: &[Option<Place>],
        in_layout: &[bool],
        dom: &DominatorTree,
    ) {
        let b = call.block;
        if !in_layout.get(b.index()).copied().unwrap_or(false) {
            self.error(
                user,
                format!("branches to {b}, which is not in the function"),
            );
            return;
        }
        let params = self.func.dfg.params(b).to_vec();
        if params.len() != call.args.len() {
            self.error(
                user,
                format!(
                    "passes {} arguments to {b}, which takes {}",
                    call.args.len(),
                    params.len()
                ),
            );
        }
        for (&a, &p) in call.args.iter().zip(&params) {
            if let Some(found) = self.value_ok(user, a) {
                let ty = self.func.dfg.value_type(p);
                if found != ty {
                    self.error(
                        user,
                        format!("passes {a} of type {found} to {b}'s parameter {p} of type {ty}"),
                    );
                }
                self.dominated(user, a, at, place, in_layout, dom);
            }
        }
    }
}

fn types(ts: &[ValType]) -> String {
    ts.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
}

/// `def_type` re-exported for the parser's result checks.
pub fn op_result(op: Opcode) -> Option<ValType> {
    def_type(op)
}
