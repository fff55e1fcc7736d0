//! The LLVM module of one tiered compile, for the hybrid engine
//! (`runtime::abi::tier` is the contract): the functions it compiles, a
//! boxed wrapper per entry the interpreter calls, a dispatch thunk for
//! every other function they call or the table names, the function table,
//! and the globals at the interpreter's slot array. No data, descriptor or
//! C `main`: the interpreter's machine already holds memory and data.
//!
//! A thunk has its function's native signature: it loads the function's
//! slot of the [`FUNCTIONS_SYMBOL`] array (acquire), calls it when it
//! holds compiled code, and otherwise spills the arguments as slots and
//! calls the [`INTERP_CALL_SYMBOL`] function, reading the results back
//! from slots. Everything is reached through constant addresses, so the
//! module refers to nothing outside itself.

use super::frame::{self, Frame};
use super::{e, R};
use crate::ir;
use crate::llvm::LowerError;
use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::values::{
    BasicMetadataValueEnum, BasicValue, BasicValueEnum, FunctionValue, IntValue, PointerValue,
};
use inkwell::{AddressSpace, AtomicOrdering};
use janus_runtime::abi::tier::{FUNCTIONS_SYMBOL, GLOBALS_SYMBOL, INTERP_CALL_SYMBOL};
use janus_runtime::abi::ValType;

/// What one tiered unit holds.
#[derive(Clone, Debug)]
pub struct TierUnit<'a> {
    /// The functions it compiles, by IR index.
    pub defined: &'a [usize],
    /// Those of them whose address is asked for by symbol (external, named
    /// as [`super::function_symbol`] names them); the rest are internal.
    pub external: &'a [usize],
    /// The boxed wrappers, `void(i32 stack_bytes, ptr args, ptr results)`:
    /// (the IR function each calls, the wrapper's symbol).
    pub boxed: &'a [(usize, String)],
}

/// Builds the module of `unit`. `address` gives the address of every
/// runtime symbol, `janus_vm` and the three tier symbols.
pub fn lower_tier_unit<'ctx>(
    context: &'ctx Context,
    ir: &ir::Module,
    unit: &TierUnit<'_>,
    address: &dyn Fn(&str) -> usize,
) -> Result<Module<'ctx>, LowerError> {
    let module = context.create_module("janus.tier");
    let i64t = context.i64_type();
    let ptr = context.ptr_type(AddressSpace::default());
    let (runtime, vm) = frame::declare_runtime(context, &module, Some(address))?;
    let (mut needed, globals_used) = frame::uses(ir, unit.defined);
    for f in ir.table.iter().flatten() {
        if let Some(slot) = needed.get_mut(f.index()) {
            *slot = true;
        }
    }
    let mut defined = vec![false; ir.functions.len()];
    for &index in unit.defined {
        defined[index] = true;
    }
    let functions: Vec<Option<FunctionValue>> = ir
        .functions
        .iter()
        .enumerate()
        .map(|(index, f)| needed[index].then(|| frame::declare_function(context, &module, f)))
        .collect();
    for &index in unit.external {
        if let Some(f) = functions.get(index).copied().flatten() {
            f.set_linkage(Linkage::External);
        }
    }

    // The table, its entries this unit's functions and thunks.
    let table_entry = frame::table_entry_type(context);
    let table = module.add_global(
        table_entry.array_type(ir.table.len() as u32),
        None,
        "janus.table",
    );
    frame::private_constant(table, &frame::table_entries(context, ir, &functions)?);

    // Mutable globals live in the interpreter's slots; constant ones are
    // private constants LLVM folds.
    let slots = address(GLOBALS_SYMBOL) as u64;
    let globals: Vec<Option<PointerValue>> = ir
        .globals
        .iter()
        .enumerate()
        .map(|(index, g)| {
            if !globals_used[index] {
                return None;
            }
            if g.mutable {
                return Some(
                    i64t.const_int(slots + 8 * index as u64, false)
                        .const_to_pointer(ptr),
                );
            }
            let ty = frame::global_storage(context, g.ty);
            let global = module.add_global(ty, None, &format!("janus.global.{index}"));
            frame::private_constant(global, &ty.const_int(g.init, false));
            Some(global.as_pointer_value())
        })
        .collect();

    let frame = Frame {
        context,
        module,
        runtime,
        functions,
        vm,
        vm_type: frame::vm_type(context),
        table,
        table_entry,
        frame_bytes: ir.functions.iter().map(|f| f.frame_bytes).collect(),
        table_len: ir.table.len() as u32,
        globals,
        signatures: ir.signatures.clone(),
        ctx: ir.ctx.clone(),
        check_bounds: true,
        fixed_size: frame::fixed_size(ir),
    };
    frame::lower_functions(&frame, ir, unit.defined)?;
    let frame_error = |message: String| LowerError::Frame { message };
    for index in (0..ir.functions.len()).filter(|&i| needed[i] && !defined[i]) {
        thunk(&frame, ir, index, address).map_err(frame_error)?;
    }
    for (index, symbol) in unit.boxed {
        boxed(&frame, ir, *index, symbol).map_err(frame_error)?;
    }
    frame::probe_stack(context, &frame.module);
    Ok(frame.module)
}

/// Branch weights saying a condition is almost never true.
fn rarely_true(c: &Context) -> inkwell::values::MetadataValue<'_> {
    let weight = |w: u64| c.i32_type().const_int(w, false).into();
    c.metadata_node(&[
        c.metadata_string("branch_weights").into(),
        weight(1),
        weight(1 << 20),
    ])
}

/// `v`, of type `ty`, as a slot.
fn to_slot<'ctx>(
    c: &'ctx Context,
    b: &Builder<'ctx>,
    ty: ValType,
    v: BasicValueEnum<'ctx>,
) -> R<IntValue<'ctx>> {
    let i64t = c.i64_type();
    Ok(match ty {
        ValType::I32 => b
            .build_int_z_extend(v.into_int_value(), i64t, "")
            .map_err(e)?,
        ValType::I64 => v.into_int_value(),
        ValType::F32 => {
            let bits = b
                .build_bit_cast(v, c.i32_type(), "")
                .map_err(e)?
                .into_int_value();
            b.build_int_z_extend(bits, i64t, "").map_err(e)?
        }
        ValType::F64 => b.build_bit_cast(v, i64t, "").map_err(e)?.into_int_value(),
    })
}

/// The value of type `ty` a slot holds.
fn from_slot<'ctx>(
    c: &'ctx Context,
    b: &Builder<'ctx>,
    ty: ValType,
    slot: IntValue<'ctx>,
) -> R<BasicValueEnum<'ctx>> {
    Ok(match ty {
        ValType::I32 => b
            .build_int_truncate(slot, c.i32_type(), "")
            .map_err(e)?
            .into(),
        ValType::I64 => slot.into(),
        ValType::F32 => {
            let bits = b.build_int_truncate(slot, c.i32_type(), "").map_err(e)?;
            b.build_bit_cast(bits, c.f32_type(), "").map_err(e)?
        }
        ValType::F64 => b.build_bit_cast(slot, c.f64_type(), "").map_err(e)?,
    })
}

/// The address of slot `i` of the slot array at `base`.
fn slot_at<'ctx>(
    c: &'ctx Context,
    b: &Builder<'ctx>,
    base: PointerValue<'ctx>,
    i: usize,
) -> R<PointerValue<'ctx>> {
    let index = c.i64_type().const_int(i as u64, false);
    // SAFETY (LLVM): the caller's array has a slot per value.
    unsafe { b.build_in_bounds_gep(c.i64_type(), base, &[index], "slot") }.map_err(e)
}

/// Stores `values`, of types `types`, as slots at `base`.
fn store_slots<'ctx>(
    c: &'ctx Context,
    b: &Builder<'ctx>,
    base: PointerValue<'ctx>,
    types: &[ValType],
    values: &[BasicValueEnum<'ctx>],
) -> R<()> {
    for (i, (&ty, &v)) in types.iter().zip(values).enumerate() {
        let slot = to_slot(c, b, ty, v)?;
        b.build_store(slot_at(c, b, base, i)?, slot).map_err(e)?;
    }
    Ok(())
}

/// Loads values of types `types` from the slots at `base`.
fn load_slots<'ctx>(
    c: &'ctx Context,
    b: &Builder<'ctx>,
    base: PointerValue<'ctx>,
    types: &[ValType],
) -> R<Vec<BasicValueEnum<'ctx>>> {
    types
        .iter()
        .enumerate()
        .map(|(i, &ty)| {
            let slot = b
                .build_load(c.i64_type(), slot_at(c, b, base, i)?, "")
                .map_err(e)?
                .into_int_value();
            from_slot(c, b, ty, slot)
        })
        .collect()
}

/// Returns `values` from the function being built: nothing, one value, or
/// the struct of several.
fn build_results<'ctx>(b: &Builder<'ctx>, values: &[BasicValueEnum<'ctx>]) -> R<()> {
    match values {
        [] => b.build_return(None),
        [v] => b.build_return(Some(v)),
        several => b.build_aggregate_return(several),
    }
    .map_err(e)?;
    Ok(())
}

/// The values a call returned: none, itself, or its struct's fields.
fn call_results<'ctx>(
    b: &Builder<'ctx>,
    call: inkwell::values::CallSiteValue<'ctx>,
    count: usize,
) -> R<Vec<BasicValueEnum<'ctx>>> {
    let value = match call.try_as_basic_value() {
        inkwell::values::ValueKind::Basic(v) => v,
        inkwell::values::ValueKind::Instruction(_) => return Ok(Vec::new()),
    };
    if count == 1 {
        return Ok(vec![value]);
    }
    (0..count as u32)
        .map(|i| {
            b.build_extract_value(value.into_struct_value(), i, "")
                .map_err(e)
        })
        .collect()
}

/// An array of `n` slots (at least one) on the stack of the function being
/// built, allocated in its entry block.
fn slot_array<'ctx>(c: &'ctx Context, b: &Builder<'ctx>, n: usize) -> R<PointerValue<'ctx>> {
    b.build_alloca(c.i64_type().array_type(n.max(1) as u32), "slots")
        .map_err(e)
}

/// The body of the dispatch thunk of function `index`: its compiled code
/// if its slot has any, else the interpreter.
fn thunk(
    frame: &Frame<'_>,
    ir: &ir::Module,
    index: usize,
    address: &dyn Fn(&str) -> usize,
) -> R<()> {
    let c = frame.context;
    let ptr = c.ptr_type(AddressSpace::default());
    let i32t = c.i32_type();
    let i64t = c.i64_type();
    let func = frame.function(index)?;
    func.set_linkage(Linkage::Private);
    let sig = &ir.functions[index].signature;
    let target = ir.trap_index(ir::FuncRef::new(index)).index();
    let b = c.create_builder();
    let entry = c.append_basic_block(func, "entry");
    let compiled = c.append_basic_block(func, "compiled");
    let interpreted = c.append_basic_block(func, "interpreted");
    b.position_at_end(entry);
    let args = slot_array(c, &b, sig.params.len())?;
    let results = slot_array(c, &b, sig.results.len())?;
    let slot = i64t
        .const_int(address(FUNCTIONS_SYMBOL) as u64 + 8 * target as u64, false)
        .const_to_pointer(ptr);
    let native = b.build_load(ptr, slot, "native").map_err(e)?;
    let load = native
        .as_instruction_value()
        .ok_or("the slot's load is an instruction")?;
    load.set_atomic_ordering(AtomicOrdering::Acquire)
        .map_err(e)?;
    load.set_alignment(8).map_err(e)?;
    let native = native.into_pointer_value();
    let null = b.build_is_null(native, "uncompiled").map_err(e)?;
    b.build_conditional_branch(null, interpreted, compiled)
        .map_err(e)?
        .set_metadata(rarely_true(c), c.get_kind_id("prof"))
        .map_err(e)?;

    let params: Vec<BasicValueEnum> = func.get_param_iter().collect();
    b.position_at_end(compiled);
    let call_args: Vec<BasicMetadataValueEnum> = params.iter().map(|&p| p.into()).collect();
    let call = b
        .build_indirect_call(func.get_type(), native, &call_args, "")
        .map_err(e)?;
    let values = call_results(&b, call, sig.results.len())?;
    build_results(&b, &values)?;

    b.position_at_end(interpreted);
    store_slots(c, &b, args, &sig.params, &params[1..])?;
    let interp_type = c
        .void_type()
        .fn_type(&[i32t.into(), i32t.into(), ptr.into(), ptr.into()], false);
    let interp = i64t
        .const_int(address(INTERP_CALL_SYMBOL) as u64, false)
        .const_to_pointer(ptr);
    let stack_bytes = params.first().ok_or("the stack-bytes parameter")?;
    b.build_indirect_call(
        interp_type,
        interp,
        &[
            i32t.const_int(target as u64, false).into(),
            (*stack_bytes).into(),
            args.into(),
            results.into(),
        ],
        "",
    )
    .map_err(e)?;
    let values = load_slots(c, &b, results, &sig.results)?;
    build_results(&b, &values)
}

/// A boxed wrapper `symbol` of function `index`: its parameters from the
/// `args` slots, its results to the `results` slots.
fn boxed(frame: &Frame<'_>, ir: &ir::Module, index: usize, symbol: &str) -> R<()> {
    let c = frame.context;
    let ptr = c.ptr_type(AddressSpace::default());
    let func = frame.function(index)?;
    let sig = &ir.functions[index].signature;
    let ty = c
        .void_type()
        .fn_type(&[c.i32_type().into(), ptr.into(), ptr.into()], false);
    let wrapper = frame
        .module
        .add_function(symbol, ty, Some(Linkage::External));
    let b = c.create_builder();
    b.position_at_end(c.append_basic_block(wrapper, "entry"));
    let param = |i: u32| wrapper.get_nth_param(i).ok_or("a boxed entry's parameter");
    let stack_bytes = param(0)?;
    let args = param(1)?.into_pointer_value();
    let results = param(2)?.into_pointer_value();
    let values = load_slots(c, &b, args, &sig.params)?;
    let call_args: Vec<BasicMetadataValueEnum> = std::iter::once(stack_bytes.into())
        .chain(values.iter().map(|&v| v.into()))
        .collect();
    let call = b.build_call(func, &call_args, "").map_err(e)?;
    let values = call_results(&b, call, sig.results.len())?;
    store_slots(c, &b, results, &sig.results, &values)?;
    b.build_return(None).map_err(e)?;
    Ok(())
}
