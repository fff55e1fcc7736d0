//! IR to LLVM IR, one function at a time, plus the program's frame: the
//! function table, data segments, names, the module descriptor and C `main`.
//!
//! Memory: the base is loaded once per function (it never moves); the size
//! lives in a local slot reloaded after every call that may grow memory, so
//! LLVM keeps it in a register and can hoist `bounds` checks out of loops.
//! Each check is a conditional branch to a cold block calling `janus_trap`
//! with the trap, the function's index and the bytecode pc.
//!
//! The lowering is split by job: `frame` builds the module around the
//! functions (declarations, the recursion rings, the function table, data,
//! the module descriptor and C `main`); `function` lowers one function's
//! blocks and instructions; `select` picks the LLVM instructions for each
//! `pure` operation; `runtime` marshals the calls into the runtime for
//! memory, heap and device operations.

mod frame;
mod function;
mod runtime;
mod select;

use crate::bytecode::{self, Extend, PureOp, RuntimeOp, Signature};
use crate::ir::function::Function;
use crate::ir::instructions::{def_type, BlockCall, InstData};
use crate::ir::{self, Block, Value};
use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::basic_block::BasicBlock;
use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::intrinsics::Intrinsic;
use inkwell::module::{Linkage, Module};
use inkwell::types::{BasicMetadataTypeEnum, BasicType, BasicTypeEnum, FunctionType, StructType};
use inkwell::values::{
    BasicMetadataValueEnum, BasicValue, BasicValueEnum, FloatValue, FunctionValue, GlobalValue,
    IntValue, PhiValue, PointerValue,
};
use inkwell::{AddressSpace, FloatPredicate, IntPredicate};
use janus_runtime::abi::{
    self, vm_field, Rt, RtType, TrapKind, ValType, MAX_CALL_DEPTH, PAGE_SIZE,
};
use std::collections::HashMap;

type R<T> = Result<T, String>;

fn e<E: std::fmt::Display>(err: E) -> String {
    err.to_string()
}

/// Copies of a self-recursive function's body, the original included (see
/// `lower_module`).
const RECURSION_COPIES: usize = 3;

struct Frame<'ctx> {
    context: &'ctx Context,
    module: Module<'ctx>,
    runtime: Vec<FunctionValue<'ctx>>,
    functions: Vec<FunctionValue<'ctx>>,
    vm: PointerValue<'ctx>,
    vm_type: StructType<'ctx>,
    table: GlobalValue<'ctx>,
    table_entry: StructType<'ctx>,
    table_len: u32,
    signatures: Vec<Signature>,
    check_bounds: bool,
    /// The memory's size in bytes when it can never change (its initial
    /// and maximum sizes are equal): bounds checks then compare against a
    /// constant, which LLVM folds wherever it can bound the address.
    fixed_size: Option<u64>,
}

fn llvm_type<'ctx>(context: &'ctx Context, ty: ValType) -> BasicTypeEnum<'ctx> {
    match ty {
        ValType::I32 => context.i32_type().into(),
        ValType::I64 => context.i64_type().into(),
        ValType::F32 => context.f32_type().into(),
        ValType::F64 => context.f64_type().into(),
    }
}

/// The LLVM type of a program function: the call depth first (an `i32`
/// every function receives from its caller, so checking the depth limit
/// touches no memory), then the signature's parameters.
fn fn_type<'ctx>(context: &'ctx Context, sig: &Signature) -> FunctionType<'ctx> {
    let params: Vec<BasicMetadataTypeEnum> = std::iter::once(context.i32_type().into())
        .chain(sig.params.iter().map(|&t| llvm_type(context, t).into()))
        .collect();
    match sig.result {
        Some(t) => llvm_type(context, t).fn_type(&params, false),
        None => context.void_type().fn_type(&params, false),
    }
}

pub use frame::lower_module;

fn basic<'ctx>(v: inkwell::values::ValueKind<'ctx>) -> R<BasicValueEnum<'ctx>> {
    match v {
        inkwell::values::ValueKind::Basic(b) => Ok(b),
        inkwell::values::ValueKind::Instruction(_) => Err("expected a value-returning call".into()),
    }
}

struct FnLowering<'a, 'ctx> {
    frame: &'a Frame<'ctx>,
    c: &'ctx Context,
    b: Builder<'ctx>,
    func: FunctionValue<'ctx>,
    index: u32,
    self_callee: FunctionValue<'ctx>,
    blocks: HashMap<Block, BasicBlock<'ctx>>,
    phis: HashMap<Block, Vec<PhiValue<'ctx>>>,
    values: Vec<Option<BasicValueEnum<'ctx>>>,
    base: PointerValue<'ctx>,
    size_slot: PointerValue<'ctx>,
    traps: HashMap<(u32, u32, u32), BasicBlock<'ctx>>,
    alloca_point: BasicBlock<'ctx>,
}

fn narrow_int(c: &Context, bits: u32) -> inkwell::types::IntType<'_> {
    match bits {
        8 => c.i8_type(),
        16 => c.i16_type(),
        _ => c.i32_type(),
    }
}
