//! The module frame around the lowered functions: the runtime's
//! prototypes, the `janus_vm` state, one LLVM function per IR function, the
//! function table, data segments, names, the module descriptor the runtime
//! reads and C `main`. Everything here comes from the IR module alone
//! ([`ir::Module`]'s header fields), so a parsed `.ssa` file lowers as well
//! as one fresh from the bytecode. Function bodies are `function`'s.
//!
//! Copies a pass made (the recursion ring) are functions like any other
//! here; only the descriptor's name table and function count are the
//! bytecode functions', as trap messages index them.

use super::{basic, e, FnLowering, LowerError};
use crate::bytecode::{active_data, Signature};
use crate::ir;
use crate::ir::instructions::InstData;
use crate::llvm::units::Plan;
use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::types::{BasicMetadataTypeEnum, BasicType, BasicTypeEnum, FunctionType, StructType};
use inkwell::values::{
    BasicMetadataValueEnum, BasicValue, FunctionValue, GlobalValue, PointerValue,
};
use inkwell::{AddressSpace, GlobalVisibility};
use janus_runtime::abi::{self, Rt, RtType, ValType};

/// What every function's lowering shares: the LLVM module and the
/// program-wide values in it.
pub(super) struct Frame<'ctx> {
    /// The LLVM context everything is made in.
    pub(super) context: &'ctx Context,
    /// The LLVM module being built.
    pub(super) module: Module<'ctx>,
    /// The runtime functions, indexed by [`Rt`].
    pub(super) runtime: Vec<FunctionValue<'ctx>>,
    /// The LLVM function of each IR function the unit defines or refers
    /// to, by the IR's index (copies included).
    pub(super) functions: Vec<Option<FunctionValue<'ctx>>>,
    /// The runtime's `janus_vm` state: memory base and size.
    pub(super) vm: PointerValue<'ctx>,
    /// The type of `janus_vm`.
    pub(super) vm_type: StructType<'ctx>,
    /// The function table `janus.table`.
    pub(super) table: GlobalValue<'ctx>,
    /// The LLVM global of each IR global this unit uses, by index.
    pub(super) globals: Vec<Option<PointerValue<'ctx>>>,
    /// The type of a table entry: (function pointer, signature index,
    /// frame bytes of a call of it).
    pub(super) table_entry: StructType<'ctx>,
    /// Each IR function's frame bytes, by the IR's index.
    pub(super) frame_bytes: Vec<u32>,
    /// The table's number of entries.
    pub(super) table_len: u32,
    /// The module's signatures, which `call_indirect` compares by index.
    pub(super) signatures: Vec<Signature>,
    /// Callee names, for error messages that print an instruction.
    pub(super) ctx: ir::ModuleContext,
    /// Whether memory accesses get explicit `bounds` checks.
    pub(super) check_bounds: bool,
    /// The memory's size in bytes when it can never change (its initial
    /// and maximum sizes are equal): bounds checks then compare against a
    /// constant, which LLVM folds wherever it can bound the address.
    pub(super) fixed_size: Option<u64>,
}

/// The LLVM type of a value of type `ty`.
pub(super) fn llvm_type<'ctx>(context: &'ctx Context, ty: ValType) -> BasicTypeEnum<'ctx> {
    match ty {
        ValType::I32 => context.i32_type().into(),
        ValType::I64 => context.i64_type().into(),
        ValType::F32 => context.f32_type().into(),
        ValType::F64 => context.f64_type().into(),
    }
}

/// The signature index a null table entry holds: no module has this many
/// signatures (their limit is 65,536), and it is not the `u32::MAX` a
/// `table_check` of an undeclared signature expects.
pub(super) const NULL_ENTRY_SIGNATURE: u32 = u32::MAX - 1;

/// The integer type a global of type `ty` is stored in: its width.
pub(super) fn global_storage(context: &Context, ty: ValType) -> inkwell::types::IntType<'_> {
    match ty {
        ValType::I32 | ValType::F32 => context.i32_type(),
        ValType::I64 | ValType::F64 => context.i64_type(),
    }
}

/// The LLVM type of a program function: the frame bytes of the active
/// calls, its own included, first (an `i32` every function receives from
/// its caller, so checking the call stack's size touches no memory), then
/// the signature's parameters. It returns nothing, its one result, or for
/// several results a literal struct of them, which the caller takes apart
/// with `extractvalue` (LLVM returns a struct in registers when the
/// target's convention allows, else through memory).
pub(super) fn fn_type<'ctx>(context: &'ctx Context, sig: &Signature) -> FunctionType<'ctx> {
    let params: Vec<BasicMetadataTypeEnum> = std::iter::once(context.i32_type().into())
        .chain(sig.params.iter().map(|&t| llvm_type(context, t).into()))
        .collect();
    match sig.results.as_slice() {
        [] => context.void_type().fn_type(&params, false),
        [t] => llvm_type(context, *t).fn_type(&params, false),
        several => {
            let fields: Vec<BasicTypeEnum> =
                several.iter().map(|&t| llvm_type(context, t)).collect();
            context.struct_type(&fields, false).fn_type(&params, false)
        }
    }
}

/// The type of the runtime's `janus_vm` state: memory base and size.
pub(super) fn vm_type(context: &Context) -> StructType<'_> {
    let ptr = context.ptr_type(AddressSpace::default());
    context.struct_type(&[ptr.into(), context.i64_type().into()], false)
}

/// Declares the runtime's functions in `module`, and gives the pointer to
/// its `janus_vm` state. With `jit`, both are at the addresses it gives:
/// each function an internal thunk calling its address, the state a
/// constant pointer.
pub(super) fn declare_runtime<'ctx>(
    context: &'ctx Context,
    module: &Module<'ctx>,
    jit: Option<&dyn Fn(&str) -> usize>,
) -> Result<(Vec<FunctionValue<'ctx>>, PointerValue<'ctx>), LowerError> {
    let i32t = context.i32_type();
    let i64t = context.i64_type();
    let ptr = context.ptr_type(AddressSpace::default());
    // Runtime functions, from the list the runtime exports.
    let noreturn = Attribute::get_named_enum_kind_id("noreturn");
    let cold = Attribute::get_named_enum_kind_id("cold");
    let nounwind = Attribute::get_named_enum_kind_id("nounwind");
    let runtime: Vec<FunctionValue> = abi::RUNTIME_FUNCTIONS
        .iter()
        .map(|f| {
            let rt = |t: RtType| -> BasicMetadataTypeEnum {
                match t {
                    RtType::I32 => i32t.into(),
                    RtType::I64 => i64t.into(),
                    RtType::Ptr => ptr.into(),
                }
            };
            let params: Vec<BasicMetadataTypeEnum> = f.params.iter().map(|&t| rt(t)).collect();
            let ty = match f.result {
                Some(RtType::I32) => i32t.fn_type(&params, false),
                Some(RtType::I64) => i64t.fn_type(&params, false),
                Some(RtType::Ptr) => ptr.fn_type(&params, false),
                None => context.void_type().fn_type(&params, false),
            };
            let func = module.add_function(f.symbol, ty, Some(Linkage::External));
            func.add_attribute(
                AttributeLoc::Function,
                context.create_enum_attribute(nounwind, 0),
            );
            if f.noreturn {
                func.add_attribute(
                    AttributeLoc::Function,
                    context.create_enum_attribute(noreturn, 0),
                );
                func.add_attribute(
                    AttributeLoc::Function,
                    context.create_enum_attribute(cold, 0),
                );
            }
            func
        })
        .collect();

    let vm = match jit {
        // In-process, the runtime is at known addresses: the state is a
        // constant pointer, and each runtime function an internal thunk
        // that LLVM inlines, so the JIT's code refers only to itself.
        Some(address) => {
            for (f, info) in runtime.iter().zip(abi::RUNTIME_FUNCTIONS) {
                f.set_linkage(Linkage::Internal);
                let builder = context.create_builder();
                builder.position_at_end(context.append_basic_block(*f, "thunk"));
                let target = i64t
                    .const_int(address(info.symbol) as u64, false)
                    .const_to_pointer(ptr);
                let args: Vec<BasicMetadataValueEnum> =
                    f.get_param_iter().map(Into::into).collect();
                let call = builder
                    .build_indirect_call(f.get_type(), target, &args, "")
                    .map_err(e)?;
                match call.try_as_basic_value() {
                    inkwell::values::ValueKind::Basic(v) if !info.noreturn => {
                        builder.build_return(Some(&v))
                    }
                    _ if info.noreturn => builder.build_unreachable(),
                    _ => builder.build_return(None),
                }
                .map_err(e)?;
            }
            i64t.const_int(address("janus_vm") as u64, false)
                .const_to_pointer(ptr)
        }
        None => {
            let vm = module.add_global(vm_type(context), None, "janus_vm");
            vm.set_linkage(Linkage::External);
            vm.as_pointer_value()
        }
    };
    Ok((runtime, vm))
}

/// Builds the LLVM module of codegen unit `unit` of `plan`: the functions
/// it defines, declarations of those it calls in other units, and, in the
/// first unit, the program's frame. With `jit`, runtime symbols are at the
/// addresses it gives (see [`crate::llvm::jit`]).
pub fn lower_unit<'ctx>(
    context: &'ctx Context,
    ir: &ir::Module,
    plan: &Plan,
    unit: usize,
    check_bounds: bool,
    jit: Option<&dyn Fn(&str) -> usize>,
) -> Result<Module<'ctx>, LowerError> {
    let module = context.create_module("janus");
    let has_frame = unit == 0;
    let defined = &plan.units[unit].functions;
    let (runtime, vm) = declare_runtime(context, &module, jit)?;
    let vm_type = vm_type(context);

    // Program functions, named after their bytecode names: internal, or
    // external and hidden where another unit refers to them. A unit
    // declares only what it defines or refers to, in the IR's order
    // (copies, the recursion ring, follow the bytecode functions).
    let (mut needed, mut globals_used) = uses(ir, defined);
    if has_frame {
        globals_used.fill(true);
        for f in ir.table.iter().flatten().copied().chain(ir.export("main")) {
            if let Some(slot) = needed.get_mut(f.index()) {
                *slot = true;
            }
        }
    }
    let functions: Vec<Option<FunctionValue>> = ir
        .functions
        .iter()
        .enumerate()
        .map(|(index, f)| {
            if !needed[index] {
                return None;
            }
            let func = declare_function(context, &module, f);
            if plan.unit_of[index] != unit || plan.shared[index] {
                share(func.as_global_value());
            }
            Some(func)
        })
        .collect();

    // The function table: (function pointer, signature index, frame
    // bytes) per entry.
    let table_entry = table_entry_type(context);
    let table_type = table_entry.array_type(ir.table.len() as u32);
    let table = module.add_global(table_type, None, "janus.table");
    table.set_constant(true);
    if has_frame {
        let entries = table_entries(context, ir, &functions)?;
        private_constant(table, &entries);
    }
    if plan.is_split() {
        share(table);
    }

    // Globals, each held in an integer of its width (a float's bits, NaN
    // payloads included, go in and out by bitcasts). A constant one is a
    // private constant in every unit that reads it, so LLVM folds it; a
    // mutable one is defined by the first unit and declared by the others.
    let globals: Vec<Option<PointerValue>> = ir
        .globals
        .iter()
        .enumerate()
        .map(|(index, g)| {
            if !globals_used[index] {
                return None;
            }
            let ty = global_storage(context, g.ty);
            let global = module.add_global(ty, None, &format!("janus.global.{index}"));
            if has_frame || !g.mutable {
                global.set_initializer(&ty.const_int(g.init, false));
                global.set_linkage(Linkage::Internal);
                global.set_constant(!g.mutable);
            }
            if g.mutable && plan.is_split() {
                share(global);
            }
            Some(global.as_pointer_value())
        })
        .collect();

    let frame = Frame {
        context,
        module,
        runtime,
        functions,
        vm,
        vm_type,
        table,
        table_entry,
        frame_bytes: ir.functions.iter().map(|f| f.frame_bytes).collect(),
        table_len: ir.table.len() as u32,
        globals,
        signatures: ir.signatures.clone(),
        ctx: ir.ctx.clone(),
        check_bounds,
        fixed_size: fixed_size(ir),
    };
    lower_functions(&frame, ir, defined)?;
    if has_frame {
        frame.descriptor_and_main(ir)?;
    }
    probe_stack(context, &frame.module);
    Ok(frame.module)
}

/// Which functions and globals the functions `defined` (IR indices) use:
/// the functions themselves and their direct callees, and the globals they
/// read or write, as flags by index.
pub(super) fn uses(ir: &ir::Module, defined: &[usize]) -> (Vec<bool>, Vec<bool>) {
    let mut needed = vec![false; ir.functions.len()];
    let mut globals_used = vec![false; ir.globals.len()];
    for &index in defined {
        needed[index] = true;
        let f = &ir.functions[index];
        for &inst in f.layout.insts.iter().flatten() {
            let slot = match f.dfg.inst(inst) {
                InstData::Call { func, .. } => needed.get_mut(func.index()),
                InstData::GlobalGet { global, .. } | InstData::GlobalSet { global, .. } => {
                    globals_used.get_mut(*global as usize)
                }
                _ => None,
            };
            if let Some(slot) = slot {
                *slot = true;
            }
        }
    }
    (needed, globals_used)
}

/// Declares the LLVM function of IR function `f`: internal, `nounwind`,
/// named after it.
pub(super) fn declare_function<'ctx>(
    context: &'ctx Context,
    module: &Module<'ctx>,
    f: &ir::Function,
) -> FunctionValue<'ctx> {
    let nounwind = Attribute::get_named_enum_kind_id("nounwind");
    let func = module.add_function(
        &super::function_symbol(&f.name),
        fn_type(context, &f.signature),
        Some(Linkage::Internal),
    );
    func.add_attribute(
        AttributeLoc::Function,
        context.create_enum_attribute(nounwind, 0),
    );
    func
}

/// The type of a function table entry: (function pointer, signature
/// index, frame bytes of a call of it).
pub(super) fn table_entry_type(context: &Context) -> StructType<'_> {
    let i32t = context.i32_type();
    let ptr = context.ptr_type(AddressSpace::default());
    context.struct_type(&[ptr.into(), i32t.into(), i32t.into()], false)
}

/// The function table's contents, its entries pointing at `functions`
/// (which declares every function the table names).
pub(super) fn table_entries<'ctx>(
    context: &'ctx Context,
    ir: &ir::Module,
    functions: &[Option<FunctionValue<'ctx>>],
) -> Result<inkwell::values::ArrayValue<'ctx>, LowerError> {
    let i32t = context.i32_type();
    let ptr = context.ptr_type(AddressSpace::default());
    let table_entry = table_entry_type(context);
    let entries = ir
        .table
        .iter()
        .enumerate()
        .map(|(entry, &f)| {
            // A null entry: no function, and a signature index no
            // signature has, so `table_check` finds it on its slow path.
            let Some(f) = f else {
                return Ok(table_entry.const_named_struct(&[
                    ptr.const_null().into(),
                    i32t.const_int(u64::from(NULL_ENTRY_SIGNATURE), false)
                        .into(),
                    i32t.const_zero().into(),
                ]));
            };
            let (func, sig) = functions
                .get(f.index())
                .copied()
                .flatten()
                .zip(ir.ctx.signature(f))
                .ok_or(LowerError::UnknownFunction {
                    what: "the function table",
                    func: f,
                })?;
            let sig = ir.signatures.iter().position(|s| s == sig).ok_or_else(|| {
                LowerError::UndeclaredSignature {
                    entry,
                    function: ir.ctx.name(f).unwrap_or_default().to_string(),
                    signature: sig.clone(),
                }
            })?;
            let frame_bytes = ir.functions[f.index()].frame_bytes;
            Ok(table_entry.const_named_struct(&[
                func.as_global_value().as_pointer_value().into(),
                i32t.const_int(sig as u64, false).into(),
                i32t.const_int(u64::from(frame_bytes), false).into(),
            ]))
        })
        .collect::<Result<Vec<_>, LowerError>>()?;
    Ok(table_entry.const_array(&entries))
}

/// The memory's size in bytes when it can never change.
pub(super) fn fixed_size(ir: &ir::Module) -> Option<u64> {
    match ir.memory {
        None => Some(0),
        Some(m) if m.initial_pages == m.max_pages => {
            Some(u64::from(m.initial_pages) * janus_runtime::abi::PAGE_SIZE)
        }
        Some(_) => None,
    }
}

/// Lowers the bodies of the functions `defined` (IR indices) into their
/// declarations in `frame`.
pub(super) fn lower_functions(
    frame: &Frame<'_>,
    ir: &ir::Module,
    defined: &[usize],
) -> Result<(), LowerError> {
    for &index in defined {
        let f = &ir.functions[index];
        let trap_index = ir.trap_index(ir::FuncRef::new(index)).index();
        let func = frame.function(index)?;
        FnLowering::new(frame, trap_index, func, f)
            .map_err(|message| LowerError::Function {
                function: f.name.clone(),
                message,
            })?
            .lower(f)?;
    }
    Ok(())
}

/// Gives every function the unit defines LLVM's inline stack probes, so a
/// frame larger than a page touches each page on its way down and can
/// never step over the guard below the program's stack (`runtime::stack`).
pub(super) fn probe_stack(context: &Context, module: &Module<'_>) {
    let probe = context.create_string_attribute("probe-stack", "inline-asm");
    for f in module.get_functions() {
        if f.count_basic_blocks() > 0 {
            f.add_attribute(AttributeLoc::Function, probe);
        }
    }
}

impl<'ctx> Frame<'ctx> {
    /// The LLVM function of the IR module's function `index`, which this
    /// unit defines or refers to.
    pub(super) fn function(&self, index: usize) -> Result<FunctionValue<'ctx>, String> {
        self.functions
            .get(index)
            .copied()
            .flatten()
            .ok_or_else(|| format!("function {index} is not declared in this codegen unit"))
    }

    /// The address of the IR module's global `index`, which this unit
    /// uses.
    pub(super) fn global(&self, index: u32) -> Result<PointerValue<'ctx>, String> {
        self.globals
            .get(index as usize)
            .copied()
            .flatten()
            .ok_or_else(|| format!("global {index} is not declared in this codegen unit"))
    }

    /// The declaration of runtime function `f`.
    pub(super) fn rt(&self, f: Rt) -> FunctionValue<'ctx> {
        self.runtime[f as usize]
    }

    /// Data, names, the descriptor `janus_module`, and C `main`.
    fn descriptor_and_main(&self, ir: &ir::Module) -> Result<(), LowerError> {
        let c = self.context;
        let i32t = c.i32_type();
        let ptr = c.ptr_type(AddressSpace::default());
        let private_bytes = |name: &str, bytes: &[u8], nul: bool| {
            let value = c.const_string(bytes, nul);
            private_constant(self.module.add_global(value.get_type(), None, name), &value)
                .as_pointer_value()
        };
        // `abi::DataDescriptor`: offset, length, passive, bytes.
        let data_entry = c.struct_type(&[i32t.into(), i32t.into(), i32t.into(), ptr.into()], false);
        let segments: Vec<_> = ir
            .data
            .iter()
            .enumerate()
            .map(|(i, seg)| {
                let bytes = private_bytes(&format!("janus.data.{i}"), &seg.bytes, false);
                let (offset, passive) = match seg.address() {
                    Some(offset) => (offset, 0),
                    None => (0, 1),
                };
                data_entry.const_named_struct(&[
                    i32t.const_int(u64::from(offset), false).into(),
                    i32t.const_int(seg.bytes.len() as u64, false).into(),
                    i32t.const_int(passive, false).into(),
                    bytes.into(),
                ])
            })
            .collect();
        let data = private_constant(
            self.module.add_global(
                data_entry.array_type(segments.len() as u32),
                None,
                "janus.data",
            ),
            &data_entry.const_array(&segments),
        );

        let originals = ir.bytecode_functions();
        let names: Vec<PointerValue> = ir.functions[..originals]
            .iter()
            .enumerate()
            .map(|(i, f)| private_bytes(&format!("janus.name.{i}"), f.name.as_bytes(), true))
            .collect();
        let name_table = private_constant(
            self.module
                .add_global(ptr.array_type(names.len() as u32), None, "janus.names"),
            &ptr.const_array(&names),
        );

        let main_index = ir.export("main").ok_or(LowerError::NoMain)?;
        let main_sig = ir
            .ctx
            .signature(main_index)
            .ok_or(LowerError::UnknownFunction {
                what: "the export `main`",
                func: main_index,
            })?;
        if !main_sig.params.is_empty() || main_sig.results != [ValType::I32] {
            return Err(LowerError::MainSignature {
                signature: main_sig.clone(),
            });
        }
        let heap_base = abi::heap_base(active_data(&ir.data));
        let memory = ir.memory.unwrap_or_default();
        let descriptor_type = c.struct_type(
            &[
                i32t.into(),
                i32t.into(),
                i32t.into(),
                i32t.into(),
                ptr.into(),
                i32t.into(),
                ptr.into(),
                ptr.into(),
                ptr.into(),
                i32t.into(),
                ptr.into(),
            ],
            false,
        );
        // `source_kind`, `source_len`, `source`: the source offsets of the
        // instructions that can trap, for trap messages.
        let (source_kind, source_len, source) = match &ir.source {
            Some(map) if !map.offsets.is_empty() => {
                let bytes = abi::encode_source_offsets(
                    map.offsets.iter().map(|o| (o.func, o.pc, o.offset)),
                );
                (
                    private_bytes("janus.source.kind", map.kind.as_bytes(), true),
                    bytes.len() as u64,
                    private_bytes("janus.source", &bytes, false),
                )
            }
            _ => (ptr.const_null(), 0, ptr.const_null()),
        };
        // The runtime calls `main` through this wrapper, with its frame
        // the only one on the call stack.
        let entry = self.module.add_function(
            "janus.entry",
            i32t.fn_type(&[], false),
            Some(Linkage::Internal),
        );
        let builder = c.create_builder();
        builder.position_at_end(c.append_basic_block(entry, "entry"));
        let main_frame = self.frame_bytes[main_index.index()];
        let status = builder
            .build_call(
                self.function(main_index.index())?,
                &[i32t.const_int(u64::from(main_frame), false).into()],
                "status",
            )
            .map_err(e)?;
        builder
            .build_return(Some(&basic(status.try_as_basic_value())?))
            .map_err(e)?;
        let descriptor = self
            .module
            .add_global(descriptor_type, None, "janus_module");
        descriptor.set_initializer(
            &descriptor_type.const_named_struct(&[
                i32t.const_int(u64::from(memory.initial_pages), false)
                    .into(),
                i32t.const_int(u64::from(memory.max_pages), false).into(),
                i32t.const_int(u64::from(heap_base), false).into(),
                i32t.const_int(ir.data.len() as u64, false).into(),
                data.as_pointer_value().into(),
                i32t.const_int(originals as u64, false).into(),
                name_table.as_pointer_value().into(),
                entry.as_global_value().as_pointer_value().into(),
                source_kind.into(),
                i32t.const_int(source_len, false).into(),
                source.into(),
            ]),
        );
        descriptor.set_constant(true);
        descriptor.set_linkage(Linkage::Private);

        let main_ty = i32t.fn_type(&[i32t.into(), ptr.into()], false);
        let main = self
            .module
            .add_function("main", main_ty, Some(Linkage::External));
        let builder = c.create_builder();
        builder.position_at_end(c.append_basic_block(main, "entry"));
        let argc = main
            .get_nth_param(0)
            .ok_or_else(|| "main has argc".to_string())?;
        let argv = main
            .get_nth_param(1)
            .ok_or_else(|| "main has argv".to_string())?;
        let status = builder
            .build_call(
                self.rt(Rt::Start),
                &[
                    descriptor.as_pointer_value().into(),
                    argc.into(),
                    argv.into(),
                ],
                "status",
            )
            .map_err(e)?;
        let status = basic(status.try_as_basic_value())?;
        builder.build_return(Some(&status)).map_err(e)?;
        Ok(())
    }
}

/// Gives `g` external linkage and hidden visibility: visible to the other
/// codegen units, not outside the executable.
pub(super) fn share(g: GlobalValue<'_>) {
    g.set_linkage(Linkage::External);
    g.set_visibility(GlobalVisibility::Hidden);
}

/// Makes `global` a private constant holding `value` (the frame's tables,
/// data and names are all such globals).
pub(super) fn private_constant<'ctx>(
    global: GlobalValue<'ctx>,
    value: &dyn BasicValue<'ctx>,
) -> GlobalValue<'ctx> {
    global.set_initializer(value);
    global.set_constant(true);
    global.set_linkage(Linkage::Private);
    global
}
