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
//! functions from the IR module's header (declarations, the function table,
//! data, the module descriptor and C `main`); `tier` builds instead the
//! module of one tiered compile for the hybrid engine (boxed and OSR
//! wrappers, dispatch thunks, globals in the interpreter's slots, no data,
//! descriptor or `main`) from the same pieces; `function` lowers one
//! function's blocks and instructions; `select` picks the LLVM instructions
//! for each `pure` operation; `runtime` marshals the calls into the runtime
//! for memory, heap and device operations; `nan` finds where a float's NaN
//! must be made canonical to keep the VM's exact NaN bits; `bounds` which
//! bounds checks of a stretch of code are made with one test per base. Recursion rings are no longer
//! the backend's: the `recursion_ring` IR pass makes the copies, which are
//! ordinary functions here.

mod bounds;
mod frame;
mod function;
mod funnel;
mod nan;
mod runtime;
mod select;
mod tier;

pub use frame::lower_unit;
pub use tier::{lower_tier_unit, TierUnit};

use super::LowerError;
use crate::bytecode::{Extend, PureOp, RuntimeOp};
use crate::ir::function::Function;
use crate::ir::instructions::{def_type, BlockCall, InstData};
use crate::ir::write::write_inst;
use crate::ir::{Block, Inst, Value};
use frame::{fn_type, llvm_type, Frame};
use inkwell::basic_block::BasicBlock;
use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::intrinsics::Intrinsic;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{
    BasicMetadataValueEnum, BasicValue, BasicValueEnum, FloatValue, FunctionValue, IntValue,
    PhiValue, PointerValue,
};
use inkwell::{AddressSpace, FloatPredicate, IntPredicate};
use janus_runtime::abi::{self, vm_field, Rt, TrapKind, ValType, MAX_STACK_BYTES, PAGE_SIZE};
use std::collections::{HashMap, HashSet};

/// The LLVM symbol of the program's function `name`.
pub(super) fn function_symbol(name: &str) -> String {
    format!("janus.fn.{name}")
}

/// What lowering one step gives: LLVM's or an invariant's complaint as
/// text, which [`FnLowering::lower`] turns into a [`LowerError`] naming the
/// function and instruction.
type R<T> = Result<T, String>;

/// An LLVM builder error's text.
fn e<E: std::fmt::Display>(err: E) -> String {
    err.to_string()
}

/// The value a call returns.
fn basic<'ctx>(v: inkwell::values::ValueKind<'ctx>) -> R<BasicValueEnum<'ctx>> {
    match v {
        inkwell::values::ValueKind::Basic(b) => Ok(b),
        inkwell::values::ValueKind::Instruction(_) => Err("expected a value-returning call".into()),
    }
}

/// The lowering of one IR function into its LLVM function.
struct FnLowering<'a, 'ctx> {
    frame: &'a Frame<'ctx>,
    c: &'ctx Context,
    b: Builder<'ctx>,
    func: FunctionValue<'ctx>,
    index: u32,
    blocks: HashMap<Block, BasicBlock<'ctx>>,
    phis: HashMap<Block, Vec<PhiValue<'ctx>>>,
    funnels: HashMap<Block, funnel::Funnel<'ctx>>,
    values: Vec<Option<BasicValueEnum<'ctx>>>,
    base: PointerValue<'ctx>,
    size_slot: PointerValue<'ctx>,
    traps: HashMap<(u32, u32, u32), BasicBlock<'ctx>>,
    alloca_point: BasicBlock<'ctx>,
    /// Where a float's NaN is made canonical (see `nan`).
    nan: nan::NanPlan,
    /// Which bounds checks are made together (see `bounds`).
    bounds: bounds::BoundsPlan,
}

fn narrow_int(c: &Context, bits: u32) -> inkwell::types::IntType<'_> {
    match bits {
        8 => c.i8_type(),
        16 => c.i16_type(),
        _ => c.i32_type(),
    }
}
