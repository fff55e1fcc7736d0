//! Where compiled code must make a NaN canonical, so that it keeps the VM's
//! exact NaN bits (docs/ISA.md §6.3) without a compare and select after
//! every float operation.
//!
//! The VM's rule: arithmetic that produces a NaN produces the canonical NaN;
//! everything else (moves, selects, block arguments, loads, stores,
//! `reinterpret`, constants, `abs`, `neg`, `copysign`, globals, calls) keeps
//! a NaN's bits. LLVM's float arithmetic gives whatever NaN the hardware and
//! the optimiser give, so the lowering keeps an *arithmetic* value's LLVM
//! bits as they come and canonicalises them only where they can show:
//!
//! - at a **sink**, an operation that shows or moves bits (`store`,
//!   `global.set`, call arguments, returned values, `reinterpret` to an
//!   integer, and the operands of `abs`, `neg` and `copysign`), an
//!   arithmetic operand is canonicalised there;
//! - at a **merge** (a block parameter, or a float `select`) that joins an
//!   arithmetic value with one whose bits are exact (a load, a parameter, a
//!   NaN-boxed constant), the arithmetic input is canonicalised on its way in,
//!   so that the merged value is exact on every path — but only when the
//!   merged value's bits can reach a sink at all.
//!
//! A loop accumulator started from an ordinary constant stays arithmetic,
//! and is canonicalised once, where it is stored, as before this rule.
//!
//! Each value has a [`Kind`]; merges take the join of their inputs, found by
//! a worklist over the merges (each changes kind at most twice), and the
//! values whose bits can reach a sink are found by a backward worklist, so
//! the analysis is linear in the function's size.

use super::{e, R};
use crate::bytecode::{self, PureOp};
use crate::ir::function::{Function, ValueDef};
use crate::ir::instructions::InstData;
use crate::ir::{Block, Value};
use inkwell::types::FloatType;
use inkwell::values::{BasicValue, BasicValueEnum, FloatValue, PointerValue};
use inkwell::FloatPredicate;
use janus_runtime::abi::ValType;
use std::collections::{HashMap, HashSet};

/// What is known of a float value's NaN bits in compiled code. The order is
/// the join's: `Canonical` joins into either other, and an arithmetic value
/// joined with an exact one is made exact (its arithmetic inputs
/// canonicalised).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Never a NaN other than the canonical one, in LLVM bits as in the VM's
    /// (a non-NaN constant, a conversion from an integer, an integer).
    Canonical,
    /// A result of arithmetic: the VM's bits are the LLVM value's bits with
    /// any NaN made canonical.
    Arithmetic,
    /// The VM's bits are the LLVM value's bits, payload and sign included.
    Exact,
}

/// How a pure operation's result relates to NaN bits.
enum FloatResult {
    /// An integer result.
    NotFloat,
    /// Float arithmetic: a NaN result is the canonical NaN in the VM, any NaN
    /// in LLVM.
    Arithmetic,
    /// Never a NaN (a conversion from an integer).
    NeverNan,
    /// Bits from bits (`abs`, `neg`, `copysign`, `reinterpret`): exact, given
    /// exact operands.
    Bits,
    /// A float `select`: a merge of its two value operands.
    Select,
}

/// Each pure operation's [`FloatResult`].
fn float_result(op: PureOp) -> FloatResult {
    use PureOp::*;
    match op {
        F32Select | F64Select => FloatResult::Select,
        F32Add | F32Sub | F32Mul | F32Div | F32Min | F32Max | F32Sqrt | F32Floor | F32Ceil
        | F32Trunc | F32Nearest | F64Add | F64Sub | F64Mul | F64Div | F64Min | F64Max | F64Sqrt
        | F64Floor | F64Ceil | F64Trunc | F64Nearest | F32DemoteF64 | F64PromoteF32 => {
            FloatResult::Arithmetic
        }
        F32Copysign | F32Abs | F32Neg | F64Copysign | F64Abs | F64Neg | F32ReinterpretI32
        | F64ReinterpretI64 => FloatResult::Bits,
        F32ConvertI32S | F32ConvertI32U | F32ConvertI64S | F32ConvertI64U | F64ConvertI32S
        | F64ConvertI32U | F64ConvertI64S | F64ConvertI64U => FloatResult::NeverNan,
        I32Select | I64Select | I32Add | I32Sub | I32Mul | I32DivS | I32DivU | I32RemS
        | I32RemU | I32And | I32Or | I32Xor | I32Shl | I32ShrS | I32ShrU | I32Rotl | I32Rotr
        | I32Not | I32Clz | I32Ctz | I32Popcnt | I32Eqz | I32Eq | I32Ne | I32LtS | I32LtU
        | I32LeS | I32LeU | I32GtS | I32GtU | I32GeS | I32GeU | I64Add | I64Sub | I64Mul
        | I64DivS | I64DivU | I64RemS | I64RemU | I64And | I64Or | I64Xor | I64Shl | I64ShrS
        | I64ShrU | I64Rotl | I64Rotr | I64Not | I64Clz | I64Ctz | I64Popcnt | I64Eqz | I64Eq
        | I64Ne | I64LtS | I64LtU | I64LeS | I64LeU | I64GtS | I64GtU | I64GeS | I64GeU | F32Eq
        | F32Ne | F32Lt | F32Le | F32Gt | F32Ge | F64Eq | F64Ne | F64Lt | F64Le | F64Gt | F64Ge
        | I32WrapI64 | I64ExtendI32S | I64ExtendI32U | I32Extend8S | I32Extend16S | I64Extend8S
        | I64Extend16S | I64Extend32S | I32TruncF32S | I32TruncF32U | I32TruncF64S
        | I32TruncF64U | I64TruncF32S | I64TruncF32U | I64TruncF64S | I64TruncF64U
        | I32TruncSatF32S | I32TruncSatF32U | I32TruncSatF64S | I32TruncSatF64U
        | I64TruncSatF32S | I64TruncSatF32U | I64TruncSatF64S | I64TruncSatF64U
        | I32ReinterpretF32 | I64ReinterpretF64 => FloatResult::NotFloat,
    }
}

/// Whether a pure operation's float operands are sinks: their bits show in
/// its result.
fn shows_bits(op: PureOp) -> bool {
    use PureOp::*;
    matches!(
        op,
        F32Copysign
            | F32Abs
            | F32Neg
            | F64Copysign
            | F64Abs
            | F64Neg
            | I32ReinterpretF32
            | I64ReinterpretF64
    )
}

/// Whether a constant of type `ty` with `bits` is a NaN other than the
/// canonical one.
fn is_noncanonical_nan(ty: ValType, bits: u64) -> bool {
    use crate::bytecode::semantics::{CANONICAL_NAN_F32, CANONICAL_NAN_F64};
    match ty {
        ValType::F32 => f32::from_bits(bits as u32).is_nan() && bits as u32 != CANONICAL_NAN_F32,
        ValType::F64 => f64::from_bits(bits).is_nan() && bits != CANONICAL_NAN_F64,
        ValType::I32 | ValType::I64 => false,
    }
}

/// One function's canonicalisation points; see the module documentation.
pub(super) struct NanPlan {
    /// Each value's kind, by value index.
    kinds: Vec<Kind>,
    /// The float `select`s whose arithmetic operands are canonicalised.
    exact_selects: HashSet<Value>,
    /// The blocks with parameters whose arithmetic arguments are
    /// canonicalised, and which of their parameters those are.
    exact_params: HashMap<Block, Vec<bool>>,
}

impl NanPlan {
    /// The plan for `f`.
    pub(super) fn of(f: &Function) -> NanPlan {
        let n = f.dfg.values.len();
        let mut kinds = vec![Kind::Canonical; n];
        let mut edges = Vec::new(); // (input, merge)
        let mut sinks = Vec::new();
        let float = |v: Value| matches!(f.dfg.value_type(v), ValType::F32 | ValType::F64);
        if let Some(entry) = f.layout.entry() {
            for &p in f.dfg.params(entry) {
                kinds[p.index()] = Kind::Exact;
            }
        }
        for &block in &f.layout.blocks {
            for &inst in f.layout.block_insts(block) {
                let data = f.dfg.inst(inst);
                let results = f.dfg.inst_results(inst);
                let result = results.first().copied().filter(|&r| float(r));
                let mut sink = |v: Value| {
                    if float(v) {
                        sinks.push(v)
                    }
                };
                match data {
                    InstData::Const { ty, bits } => {
                        if let Some(r) = result {
                            if is_noncanonical_nan(*ty, *bits) {
                                kinds[r.index()] = Kind::Exact;
                            }
                        }
                    }
                    InstData::Pure { op, args } => {
                        if shows_bits(*op) {
                            args.iter().for_each(|&a| sink(a));
                        }
                        if let Some(r) = result {
                            match float_result(*op) {
                                FloatResult::NotFloat | FloatResult::NeverNan => {}
                                FloatResult::Arithmetic => kinds[r.index()] = Kind::Arithmetic,
                                FloatResult::Bits => kinds[r.index()] = Kind::Exact,
                                FloatResult::Select => {
                                    edges.push((args[1], r));
                                    edges.push((args[2], r));
                                }
                            }
                        }
                    }
                    InstData::Load { .. }
                    | InstData::GlobalGet { .. }
                    | InstData::Runtime { .. }
                    | InstData::Dev { .. } => {
                        if let Some(r) = result {
                            kinds[r.index()] = Kind::Exact;
                        }
                    }
                    InstData::Call { args, .. } | InstData::CallIndirect { args, .. } => {
                        args.iter().for_each(|&a| sink(a));
                        for &r in results {
                            kinds[r.index()] = Kind::Exact;
                        }
                    }
                    InstData::Store { value, .. } | InstData::GlobalSet { value, .. } => {
                        sink(*value)
                    }
                    InstData::Return { args } => args.iter().for_each(|&a| sink(a)),
                    InstData::Jump { .. } | InstData::Brif { .. } | InstData::BrTable { .. } => {
                        for dest in data.destinations() {
                            let params = f.dfg.params(dest.block);
                            for (&param, &arg) in params.iter().zip(&dest.args) {
                                if float(param) {
                                    edges.push((arg, param));
                                }
                            }
                        }
                    }
                    InstData::Bounds { .. }
                    | InstData::MemoryInit { .. }
                    | InstData::DataDrop { .. }
                    | InstData::TrapIf { .. }
                    | InstData::DepthEnter
                    | InstData::DepthLeave
                    | InstData::TableCheck { .. }
                    | InstData::Exit { .. }
                    | InstData::Trap { .. } => {}
                }
            }
        }
        let merges_of = Csr::new(n, edges.iter().map(|&(input, merge)| (input, merge)));
        let inputs_of = Csr::new(n, edges.iter().map(|&(input, merge)| (merge, input)));

        // Forward: a merge's kind is the join of its inputs'.
        let mut work: Vec<Value> = edges.iter().map(|&(_, merge)| merge).collect();
        while let Some(merge) = work.pop() {
            let join = inputs_of
                .get(merge)
                .iter()
                .map(|&input| kinds[input.index()])
                .max()
                .unwrap_or(Kind::Canonical);
            if join != kinds[merge.index()] {
                kinds[merge.index()] = join;
                work.extend_from_slice(merges_of.get(merge));
            }
        }

        // Backward: the values whose bits reach a sink.
        let mut demanded = vec![false; n];
        let mut work = sinks;
        while let Some(v) = work.pop() {
            if !std::mem::replace(&mut demanded[v.index()], true) {
                work.extend_from_slice(inputs_of.get(v));
            }
        }

        // The merges that must be exact: demanded, and joining exact bits
        // with arithmetic.
        let exact = |merge: Value| demanded[merge.index()] && kinds[merge.index()] == Kind::Exact;
        let mut exact_selects = HashSet::new();
        let mut exact_params: HashMap<Block, Vec<bool>> = HashMap::new();
        for &(input, merge) in &edges {
            if !exact(merge) || kinds[input.index()] != Kind::Arithmetic {
                continue;
            }
            match f.dfg.values[merge.index()].def {
                ValueDef::Result(..) => {
                    exact_selects.insert(merge);
                }
                ValueDef::Param(block, index) => {
                    let flags = exact_params
                        .entry(block)
                        .or_insert_with(|| vec![false; f.dfg.params(block).len()]);
                    flags[index] = true;
                }
            }
        }
        NanPlan {
            kinds,
            exact_selects,
            exact_params,
        }
    }

    /// Whether `v`, used where its bits show, must be canonicalised first.
    pub(super) fn canonical_at_sink(&self, v: Value) -> bool {
        self.kinds[v.index()] == Kind::Arithmetic
    }

    /// Whether `v`, passed to parameter `index` of `block`, must be
    /// canonicalised on the way.
    pub(super) fn canonical_on_edge(&self, v: Value, block: Block, index: usize) -> bool {
        self.kinds[v.index()] == Kind::Arithmetic
            && self
                .exact_params
                .get(&block)
                .is_some_and(|flags| flags[index])
    }

    /// Whether `v`, an operand of the float `select` whose result is
    /// `select`, must be canonicalised first.
    pub(super) fn canonical_into_select(&self, v: Value, select: Value) -> bool {
        self.kinds[v.index()] == Kind::Arithmetic && self.exact_selects.contains(&select)
    }
}

/// The canonicalisations the plan asks for, in the function being lowered.
impl<'ctx> super::FnLowering<'_, 'ctx> {
    /// `v` as a sink needs it: with its NaN made canonical where `v` is a
    /// result of arithmetic.
    pub(super) fn exact(&self, v: Value) -> R<BasicValueEnum<'ctx>> {
        let x = self.val(v)?;
        if self.nan.canonical_at_sink(v) {
            self.canonical(x.into_float_value())
        } else {
            Ok(x)
        }
    }

    /// Stores `v` at `p` (unaligned) with the bits the VM's memory gets. An
    /// arithmetic value is stored as it is, and only when it is a NaN is
    /// the canonical NaN stored over it, on a branch marked rarely taken:
    /// a compare and a not-taken branch after the store, rather than a
    /// select before it that LLVM lowers to a blend or a diamond. Nothing
    /// can observe the location between the two stores.
    pub(super) fn store_exact(&mut self, p: PointerValue<'ctx>, v: Value) -> R<()> {
        let x = self.val(v)?;
        self.b
            .build_store(p, x)
            .map_err(e)?
            .set_alignment(1)
            .map_err(e)?;
        if !self.nan.canonical_at_sink(v) {
            return Ok(());
        }
        let x = x.into_float_value();
        let is_nan = self
            .b
            .build_float_compare(FloatPredicate::UNO, x, x, "isnan")
            .map_err(e)?;
        let fix = self.c.append_basic_block(self.func, "nan.store");
        let cont = self.c.append_basic_block(self.func, "stored");
        self.b
            .build_conditional_branch(is_nan, fix, cont)
            .map_err(e)?
            .set_metadata(self.rarely_true(), self.c.get_kind_id("prof"))
            .map_err(e)?;
        self.b.position_at_end(fix);
        let nan = self.canonical_nan(x.get_type())?;
        self.b
            .build_store(p, nan)
            .map_err(e)?
            .set_alignment(1)
            .map_err(e)?;
        self.b.build_unconditional_branch(cont).map_err(e)?;
        self.b.position_at_end(cont);
        Ok(())
    }

    /// `v` as a merge takes it (`canonical` says whether the merge must be
    /// exact and `v` is arithmetic): with its NaN made canonical then.
    pub(super) fn merge_input(&self, v: Value, canonical: bool) -> R<BasicValueEnum<'ctx>> {
        let x = self.val(v)?;
        if canonical {
            self.canonical(x.into_float_value())
        } else {
            Ok(x)
        }
    }

    /// `r` unless it is a NaN, then the canonical NaN of its type.
    fn canonical(&self, r: FloatValue<'ctx>) -> R<BasicValueEnum<'ctx>> {
        let nan = self.canonical_nan(r.get_type())?;
        let is_nan = self
            .b
            .build_float_compare(FloatPredicate::UNO, r, r, "isnan")
            .map_err(e)?;
        let canon = self
            .b
            .build_select(is_nan, nan, r.as_basic_value_enum(), "canon")
            .map_err(e)?;
        if let Some(select) = canon.as_instruction_value() {
            select
                .set_metadata(self.rarely_true(), self.c.get_kind_id("prof"))
                .map_err(e)?;
        }
        Ok(canon)
    }

    /// The canonical NaN of float type `ty`.
    fn canonical_nan(&self, ty: FloatType<'ctx>) -> R<BasicValueEnum<'ctx>> {
        let nan_bits = if ty == self.c.f32_type() {
            self.c
                .i32_type()
                .const_int(u64::from(bytecode::semantics::CANONICAL_NAN_F32), false)
        } else {
            self.i64c(bytecode::semantics::CANONICAL_NAN_F64)
        };
        self.b.build_bit_cast(nan_bits, ty, "nan").map_err(e)
    }

    /// Branch weights saying a condition is almost never true. On a NaN
    /// test they let the code generator turn the select into a compare and
    /// a branch that is predicted not taken (two instructions) instead of a
    /// four-instruction blend, since a NaN result is rare in real programs.
    pub(super) fn rarely_true(&self) -> inkwell::values::MetadataValue<'ctx> {
        let weight = |w: u64| self.c.i32_type().const_int(w, false).into();
        self.c.metadata_node(&[
            self.c.metadata_string("branch_weights").into(),
            weight(1),
            weight(1 << 20),
        ])
    }
}

/// A compressed adjacency list: for each value, the values paired with it.
struct Csr {
    /// Where each value's list starts in `items`; one more entry than values.
    starts: Vec<u32>,
    /// The lists, back to back.
    items: Vec<Value>,
}

impl Csr {
    /// The lists of `n` values from `(key, item)` pairs.
    fn new(n: usize, pairs: impl Iterator<Item = (Value, Value)> + Clone) -> Csr {
        let mut starts = vec![0u32; n + 1];
        for (key, _) in pairs.clone() {
            starts[key.index() + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut items = vec![Value::new(0); starts[n] as usize];
        for (key, item) in pairs {
            items[fill[key.index()] as usize] = item;
            fill[key.index()] += 1;
        }
        Csr { starts, items }
    }

    /// The values paired with `v`.
    fn get(&self, v: Value) -> &[Value] {
        &self.items[self.starts[v.index()] as usize..self.starts[v.index() + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::parse::parse_module;

    /// The plan of the first function of `text`, and that function.
    fn plan(text: &str) -> (Function, NanPlan) {
        let mut m = parse_module(text).expect("the test's IR parses");
        let f = m.functions.remove(0);
        let plan = NanPlan::of(&f);
        (f, plan)
    }

    const ACCUMULATOR: &str = "function f(i32) -> f64 {
block0(v0: i32):
    v1 = const.f64 0.0 @0
    jump block1(v1, v0) @0
block1(v2: f64, v3: i32):
    v4 = const.f64 1.0 @1
    v5 = f64.add v2, v4 @1
    brif v3, block1(v5, v3), block2 @2
block2:
    return v5 @3
}
";

    #[test]
    fn an_accumulator_from_a_constant_is_canonicalised_once_at_its_sink() {
        let (_, plan) = plan(ACCUMULATOR);
        // The add is arithmetic, and so is the loop's parameter: neither is
        // canonicalised in the loop, the returned value is.
        assert!(!plan.canonical_on_edge(Value::new(5), Block::new(1), 0));
        assert!(plan.canonical_at_sink(Value::new(5)));
        assert!(plan.canonical_at_sink(Value::new(2)));
    }

    const LOADED: &str = "function f(i32, f64) -> f64 {
block0(v0: i32, v1: f64):
    jump block1(v1, v0) @0
block1(v2: f64, v3: i32):
    v4 = f64.mul v2, v2 @1
    brif v3, block1(v4, v3), block2 @2
block2:
    return v2 @3
}
";

    #[test]
    fn arithmetic_joining_an_exact_value_is_canonicalised_on_the_way_in() {
        let (_, plan) = plan(LOADED);
        // The parameter may be a NaN-boxed value, so the merge is exact and
        // the product entering it is canonicalised; the merge then needs
        // nothing at the return.
        assert!(plan.canonical_on_edge(Value::new(4), Block::new(1), 0));
        assert!(!plan.canonical_at_sink(Value::new(2)));
    }

    #[test]
    fn a_loop_canonicalises_on_its_exit_edge_not_its_back_edge() {
        // nbody's velocity update: loaded before the loop, updated by
        // arithmetic in it, stored after it.
        let (_, plan) = plan(
            "function f(i32, f64) -> f64 {
block0(v0: i32, v1: f64):
    brif v0, block1(v1, v0), block2(v1) @0
block1(v2: f64, v3: i32):
    v4 = f64.mul v2, v2 @1
    brif v3, block1(v4, v3), block2(v4) @2
block2(v5: f64):
    return v5 @3
}
",
        );
        assert!(!plan.canonical_on_edge(Value::new(4), Block::new(1), 0));
        assert!(plan.canonical_on_edge(Value::new(4), Block::new(2), 0));
    }

    #[test]
    fn a_merge_whose_bits_never_show_is_left_alone() {
        let text = LOADED
            .replace("return v2 @3", "v5 = f64.lt v2, v2 @3\n    return v5 @4")
            .replace("-> f64", "-> i32");
        let (_, plan) = plan(&text);
        assert!(!plan.canonical_on_edge(Value::new(4), Block::new(1), 0));
    }
}
