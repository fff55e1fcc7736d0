//! IR to LLVM IR, one function at a time (the program's frame around them
//! is [`super::frame`]'s).
//!
//! Memory: the base is loaded once per function (it never moves); the size
//! lives in a local slot reloaded after every call that may grow memory, so
//! LLVM keeps it in a register and can hoist `bounds` checks out of loops.
//! Each check is a conditional branch to a cold block calling `janus_trap`
//! with the trap, the function's index and the bytecode pc.

use super::frame::{fn_type, llvm_type, Frame};
use super::LowerError;
use crate::bytecode::{self, Opcode};
use crate::ir::function::Function;
use crate::ir::instructions::{def_type, BlockCall, InstData};
use crate::ir::write::write_inst;
use crate::ir::{Block, Inst, Value};
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
use janus_runtime::abi::{self, vm_field, Rt, TrapKind, ValType, MAX_CALL_DEPTH, PAGE_SIZE};
use std::collections::HashMap;

/// What lowering one step gives: LLVM's or an invariant's complaint as
/// text, which [`FnLowering::lower`] turns into a [`LowerError`] naming the
/// function and instruction.
pub(super) type R<T> = Result<T, String>;

/// An LLVM builder error's text.
pub(super) fn e<E: std::fmt::Display>(err: E) -> String {
    err.to_string()
}
/// The value a call returns.
pub(super) fn basic<'ctx>(v: inkwell::values::ValueKind<'ctx>) -> R<BasicValueEnum<'ctx>> {
    match v {
        inkwell::values::ValueKind::Basic(b) => Ok(b),
        inkwell::values::ValueKind::Instruction(_) => Err("expected a value-returning call".into()),
    }
}

/// The lowering of one IR function into its LLVM function.
pub(super) struct FnLowering<'a, 'ctx> {
    frame: &'a Frame<'ctx>,
    c: &'ctx Context,
    b: Builder<'ctx>,
    func: FunctionValue<'ctx>,
    index: u32,
    blocks: HashMap<Block, BasicBlock<'ctx>>,
    phis: HashMap<Block, Vec<PhiValue<'ctx>>>,
    values: Vec<Option<BasicValueEnum<'ctx>>>,
    base: PointerValue<'ctx>,
    size_slot: PointerValue<'ctx>,
    traps: HashMap<(u32, u32, u32), BasicBlock<'ctx>>,
    alloca_point: BasicBlock<'ctx>,
}

impl<'a, 'ctx> FnLowering<'a, 'ctx> {
    /// Prepares to lower `f` into `func`; its traps name bytecode function
    /// `index` (for a copy, the function it copies).
    pub(super) fn new(
        frame: &'a Frame<'ctx>,
        index: usize,
        func: FunctionValue<'ctx>,
        f: &Function,
    ) -> R<Self> {
        let c = frame.context;
        let b = c.create_builder();
        // A prologue block for allocas and the memory base, then the IR's blocks.
        let prologue = c.append_basic_block(func, "prologue");
        let mut blocks = HashMap::new();
        for &block in &f.layout.blocks {
            blocks.insert(block, c.append_basic_block(func, &block.to_string()));
        }
        b.position_at_end(prologue);
        let vm = frame.vm;
        let base_ptr = b
            .build_struct_gep(frame.vm_type, vm, vm_field::BASE, "base.ptr")
            .map_err(e)?;
        let base = b
            .build_load(c.ptr_type(AddressSpace::default()), base_ptr, "base")
            .map_err(e)?
            .into_pointer_value();
        let size_slot = b.build_alloca(c.i64_type(), "size.slot").map_err(e)?;
        let this = FnLowering {
            frame,
            c,
            b,
            func,
            index: index as u32,
            blocks,
            phis: HashMap::new(),
            values: vec![None; f.dfg.values.len()],
            base,
            size_slot,
            traps: HashMap::new(),
            alloca_point: prologue,
        };
        this.reload_size()?;
        Ok(this)
    }

    fn reload_size(&self) -> R<()> {
        if self.frame.fixed_size.is_some() {
            return Ok(());
        }
        let vm = self.frame.vm;
        let size_ptr = self
            .b
            .build_struct_gep(self.frame.vm_type, vm, vm_field::SIZE, "size.ptr")
            .map_err(e)?;
        let size = self
            .b
            .build_load(self.c.i64_type(), size_ptr, "size")
            .map_err(e)?;
        self.b.build_store(self.size_slot, size).map_err(e)?;
        Ok(())
    }

    /// Lowers the function's body; an error names the function and, where
    /// there is one, the instruction.
    pub(super) fn lower(mut self, f: &Function) -> Result<(), LowerError> {
        self.prepare(f).map_err(|message| LowerError::Function {
            function: f.name.clone(),
            message,
        })?;
        for &block in &f.layout.blocks {
            self.b.position_at_end(self.blocks[&block]);
            for &inst in f.layout.block_insts(block) {
                let pc = f.dfg.pcs[inst.index()];
                let result = self
                    .inst(f, f.dfg.inst(inst), pc)
                    .map_err(|message| self.inst_error(f, inst, message))?;
                if let (Some(v), Some(r)) = (result, f.dfg.result(inst)) {
                    self.values[r.index()] = Some(v);
                }
            }
        }
        Ok(())
    }

    /// A [`LowerError::Inst`] for `inst` of `f`.
    fn inst_error(&self, f: &Function, inst: Inst, message: String) -> LowerError {
        let mut text = String::new();
        if let Some(r) = f.dfg.result(inst) {
            text = format!("{r} = ");
        }
        write_inst(&mut text, f.dfg.inst(inst), &self.frame.ctx);
        LowerError::Inst {
            function: f.name.clone(),
            inst: text,
            pc: f.dfg.pcs[inst.index()],
            message,
        }
    }

    /// Maps the entry block's parameters to the function's, makes every
    /// other block's phis and enters the entry block.
    fn prepare(&mut self, f: &Function) -> R<()> {
        let entry = f.layout.entry().ok_or("functions have an entry block")?;
        // Parameters of the entry block are the function's parameters.
        for (i, &p) in f.dfg.params(entry).iter().enumerate() {
            self.values[p.index()] = Some(
                self.func
                    .get_nth_param(i as u32 + 1)
                    .ok_or("parameter count")?,
            );
        }
        // Phis for every other block's parameters, made up front so branches
        // lowered earlier can feed them.
        for &block in &f.layout.blocks {
            if block == entry {
                continue;
            }
            self.b.position_at_end(self.blocks[&block]);
            let mut phis = Vec::new();
            for &p in f.dfg.params(block) {
                let phi = self
                    .b
                    .build_phi(llvm_type(self.c, f.dfg.value_type(p)), &p.to_string())
                    .map_err(e)?;
                self.values[p.index()] = Some(phi.as_basic_value());
                phis.push(phi);
            }
            self.phis.insert(block, phis);
        }
        self.b.position_at_end(self.alloca_point);
        self.b
            .build_unconditional_branch(self.blocks[&entry])
            .map_err(e)?;
        Ok(())
    }

    fn val(&self, v: Value) -> R<BasicValueEnum<'ctx>> {
        self.values
            .get(v.index())
            .copied()
            .flatten()
            .ok_or_else(|| format!("{v} used before it is lowered"))
    }

    fn int(&self, v: Value) -> R<IntValue<'ctx>> {
        Ok(self.val(v)?.into_int_value())
    }

    fn float(&self, v: Value) -> R<FloatValue<'ctx>> {
        Ok(self.val(v)?.into_float_value())
    }

    fn i32c(&self, v: u64) -> IntValue<'ctx> {
        self.c.i32_type().const_int(v, false)
    }

    fn i64c(&self, v: u64) -> IntValue<'ctx> {
        self.c.i64_type().const_int(v, false)
    }

    /// A cold block that traps with `kind` at `pc`, shared per site.
    fn trap_block(&mut self, kind: TrapKind, pc: u32, code: u32) -> R<BasicBlock<'ctx>> {
        if let Some(&bb) = self.traps.get(&(kind.code(), pc, code)) {
            return Ok(bb);
        }
        let here = self.b.get_insert_block().ok_or("builder is positioned")?;
        let bb = self
            .c
            .append_basic_block(self.func, &format!("trap.{}.{pc}", kind.ident()));
        self.b.position_at_end(bb);
        let args = [
            self.i32c(kind.code().into()),
            self.i32c(self.index.into()),
            self.i32c(pc.into()),
            self.i32c(code.into()),
        ];
        let args: Vec<BasicMetadataValueEnum> = args.iter().map(|&a| a.into()).collect();
        self.b
            .build_call(self.frame.rt(Rt::Trap), &args, "")
            .map_err(e)?;
        self.b.build_unreachable().map_err(e)?;
        self.b.position_at_end(here);
        self.traps.insert((kind.code(), pc, code), bb);
        Ok(bb)
    }

    /// Branches to a trap when `cond` (an i1) holds; continues in a new block.
    fn trap_when(&mut self, cond: IntValue<'ctx>, kind: TrapKind, pc: u32) -> R<()> {
        let trap = self.trap_block(kind, pc, 0)?;
        let cont = self.c.append_basic_block(self.func, "ok");
        self.b
            .build_conditional_branch(cond, trap, cont)
            .map_err(e)?;
        self.b.position_at_end(cont);
        Ok(())
    }

    /// Traps with the code a runtime call returned, unless it is 0.
    fn trap_on_code(&mut self, code: IntValue<'ctx>, pc: u32) -> R<()> {
        let failed = self
            .b
            .build_int_compare(IntPredicate::NE, code, self.i32c(0), "failed")
            .map_err(e)?;
        let trap = self.c.append_basic_block(self.func, "trap.runtime");
        let cont = self.c.append_basic_block(self.func, "ok");
        self.b
            .build_conditional_branch(failed, trap, cont)
            .map_err(e)?;
        self.b.position_at_end(trap);
        let args: Vec<BasicMetadataValueEnum> = vec![
            code.into(),
            self.i32c(self.index.into()).into(),
            self.i32c(pc.into()).into(),
            self.i32c(0).into(),
        ];
        self.b
            .build_call(self.frame.rt(Rt::Trap), &args, "")
            .map_err(e)?;
        self.b.build_unreachable().map_err(e)?;
        self.b.position_at_end(cont);
        Ok(())
    }

    fn call_rt(
        &self,
        f: Rt,
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> R<Option<BasicValueEnum<'ctx>>> {
        let call = self.b.build_call(self.frame.rt(f), args, "").map_err(e)?;
        Ok(match call.try_as_basic_value() {
            inkwell::values::ValueKind::Basic(b) => Some(b),
            inkwell::values::ValueKind::Instruction(_) => None,
        })
    }

    fn alloca(&self, ty: BasicTypeEnum<'ctx>, name: &str) -> R<PointerValue<'ctx>> {
        let here = self.b.get_insert_block().ok_or("positioned")?;
        match self.alloca_point.get_first_instruction() {
            Some(first) => self.b.position_before(&first),
            None => self.b.position_at_end(self.alloca_point),
        }
        let slot = self.b.build_alloca(ty, name).map_err(e)?;
        self.b.position_at_end(here);
        Ok(slot)
    }

    fn intrinsic(&self, name: &str, types: &[BasicTypeEnum<'ctx>]) -> R<FunctionValue<'ctx>> {
        Intrinsic::find(name)
            .and_then(|i| i.get_declaration(&self.frame.module, types))
            .ok_or_else(|| format!("LLVM intrinsic {name} is missing"))
    }

    fn call_intrinsic(
        &self,
        name: &str,
        types: &[BasicTypeEnum<'ctx>],
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> R<BasicValueEnum<'ctx>> {
        let f = self.intrinsic(name, types)?;
        basic(
            self.b
                .build_call(f, args, "")
                .map_err(e)?
                .try_as_basic_value(),
        )
    }

    /// `r` unless it is a NaN, then the canonical NaN of its type.
    fn canonical(&self, r: FloatValue<'ctx>) -> R<BasicValueEnum<'ctx>> {
        let ty = r.get_type();
        let nan_bits = if ty == self.c.f32_type() {
            self.c
                .i32_type()
                .const_int(u64::from(bytecode::semantics::CANONICAL_NAN_F32), false)
        } else {
            self.i64c(bytecode::semantics::CANONICAL_NAN_F64)
        };
        let nan = self.b.build_bit_cast(nan_bits, ty, "nan").map_err(e)?;
        let is_nan = self
            .b
            .build_float_compare(FloatPredicate::UNO, r, r, "isnan")
            .map_err(e)?;
        self.b
            .build_select(is_nan, nan, r.as_basic_value_enum(), "canon")
            .map_err(e)
    }

    fn bool_to_i32(&self, b: IntValue<'ctx>) -> R<BasicValueEnum<'ctx>> {
        Ok(self
            .b
            .build_int_z_extend(b, self.c.i32_type(), "")
            .map_err(e)?
            .into())
    }

    fn current_size(&self) -> R<IntValue<'ctx>> {
        if let Some(size) = self.frame.fixed_size {
            return Ok(self.i64c(size));
        }
        Ok(self
            .b
            .build_load(self.c.i64_type(), self.size_slot, "size")
            .map_err(e)?
            .into_int_value())
    }

    /// `base + zext(addr) + offset`.
    fn address(&self, addr: Value, offset: u32) -> R<PointerValue<'ctx>> {
        let a = self
            .b
            .build_int_z_extend(self.int(addr)?, self.c.i64_type(), "")
            .map_err(e)?;
        let ea = self
            .b
            .build_int_add(a, self.i64c(offset.into()), "ea")
            .map_err(e)?;
        // SAFETY (LLVM): the access was bounds-checked against the memory.
        unsafe {
            self.b
                .build_gep(self.c.i8_type(), self.base, &[ea], "p")
                .map_err(e)
        }
    }

    /// Adds the phi inputs of a branch edge from the current block.
    fn edge(&mut self, call: &BlockCall, from: BasicBlock<'ctx>) -> R<()> {
        let phis = self.phis.get(&call.block).cloned().unwrap_or_default();
        for (phi, &arg) in phis.iter().zip(&call.args) {
            let v = self.val(arg)?;
            phi.add_incoming(&[(&v as &dyn BasicValue, from)]);
        }
        Ok(())
    }

    /// The LLVM block an edge jumps to: the destination itself, or a new
    /// block in between when the same destination already takes an edge from
    /// this terminator (a phi tells edges apart only by their source block).
    fn edge_target(&mut self, call: &BlockCall, taken: &mut Vec<Block>) -> R<BasicBlock<'ctx>> {
        let dest = self.blocks[&call.block];
        let from = self.b.get_insert_block().ok_or("positioned")?;
        if !taken.contains(&call.block) {
            taken.push(call.block);
            self.edge(call, from)?;
            return Ok(dest);
        }
        let split = self.c.append_basic_block(self.func, "edge");
        self.b.position_at_end(split);
        self.b.build_unconditional_branch(dest).map_err(e)?;
        self.edge(call, split)?;
        self.b.position_at_end(from);
        Ok(split)
    }

    fn inst(&mut self, f: &Function, data: &InstData, pc: u32) -> R<Option<BasicValueEnum<'ctx>>> {
        let b = &self.b;
        Ok(match data {
            InstData::Const { ty, bits } => Some(match ty {
                ValType::I32 => self.i32c(*bits).into(),
                ValType::I64 => self.i64c(*bits).into(),
                ValType::F32 => b
                    .build_bit_cast(self.i32c(*bits), self.c.f32_type(), "")
                    .map_err(e)?,
                ValType::F64 => b
                    .build_bit_cast(self.i64c(*bits), self.c.f64_type(), "")
                    .map_err(e)?,
            }),
            InstData::Pure { op, args } => Some(self.pure(*op, args)?),
            InstData::Load { op, addr, offset } => {
                let p = self.address(*addr, *offset)?;
                let (mem_ty, extend): (BasicTypeEnum, Option<bool>) = load_shape(self.c, *op);
                let loaded = b.build_load(mem_ty, p, "load").map_err(e)?;
                loaded
                    .as_instruction_value()
                    .ok_or("a load")?
                    .set_alignment(1)
                    .map_err(e)?;
                let result_ty = llvm_type(self.c, def_type(*op).ok_or("loads have a result")?);
                Some(match extend {
                    None => loaded,
                    Some(true) => b
                        .build_int_s_extend(loaded.into_int_value(), result_ty.into_int_type(), "")
                        .map_err(e)?
                        .into(),
                    Some(false) => b
                        .build_int_z_extend(loaded.into_int_value(), result_ty.into_int_type(), "")
                        .map_err(e)?
                        .into(),
                })
            }
            InstData::Store {
                op,
                value,
                addr,
                offset,
            } => {
                let p = self.address(*addr, *offset)?;
                let v = self.val(*value)?;
                let v: BasicValueEnum = match store_width(*op) {
                    Some(bits) => b
                        .build_int_truncate(v.into_int_value(), narrow_int(self.c, bits), "")
                        .map_err(e)?
                        .into(),
                    // A stored float's bits become visible: any NaN is the
                    // canonical one (docs/ISA.md, "NaN bits").
                    None if matches!(op, Opcode::F32Store | Opcode::F64Store) => {
                        self.canonical(v.into_float_value())?
                    }
                    None => v,
                };
                let st = b.build_store(p, v).map_err(e)?;
                st.set_alignment(1).map_err(e)?;
                None
            }
            InstData::Bounds { .. } if !self.frame.check_bounds => None,
            InstData::Bounds { addr, end } => {
                let a = b
                    .build_int_z_extend(self.int(*addr)?, self.c.i64_type(), "")
                    .map_err(e)?;
                let last = b.build_int_add(a, self.i64c(*end), "end").map_err(e)?;
                let size = self.current_size()?;
                let out = self
                    .b
                    .build_int_compare(IntPredicate::UGT, last, size, "oob")
                    .map_err(e)?;
                self.trap_when(out, TrapKind::OutOfBounds, pc)?;
                None
            }
            InstData::TrapIf {
                kind,
                cond,
                nonzero,
            } => {
                let c = self.int(*cond)?;
                let zero = c.get_type().const_zero();
                let pred = if *nonzero {
                    IntPredicate::NE
                } else {
                    IntPredicate::EQ
                };
                let hit = b.build_int_compare(pred, c, zero, "check").map_err(e)?;
                self.trap_when(hit, *kind, pc)?;
                None
            }
            InstData::DepthEnter => {
                let d = self.depth()?;
                let full = b
                    .build_int_compare(
                        IntPredicate::UGE,
                        d,
                        self.i32c(MAX_CALL_DEPTH.into()),
                        "deep",
                    )
                    .map_err(e)?;
                self.trap_when(full, TrapKind::StackOverflow, pc)?;
                None
            }
            // The callee's depth is an argument: nothing to undo.
            InstData::DepthLeave => None,
            InstData::Call { func, args } => {
                let callee = self.frame.functions[func.index()];
                let args = self.call_args(args)?;
                let call = self.b.build_call(callee, &args, "").map_err(e)?;
                self.reload_size()?;
                match call.try_as_basic_value() {
                    inkwell::values::ValueKind::Basic(v) => Some(v),
                    inkwell::values::ValueKind::Instruction(_) => None,
                }
            }
            InstData::TableCheck { sig, index } => {
                let idx = self.int(*index)?;
                let len = self.i32c(self.frame.table_len.into());
                let outside = b
                    .build_int_compare(IntPredicate::UGE, idx, len, "outside")
                    .map_err(e)?;
                self.trap_when(outside, TrapKind::TableOutOfBounds, pc)?;
                let entry = self.table_entry(idx)?;
                let sig_ptr = self
                    .b
                    .build_struct_gep(self.frame.table_entry, entry, 1, "sig.ptr")
                    .map_err(e)?;
                let found = self
                    .b
                    .build_load(self.c.i32_type(), sig_ptr, "sig")
                    .map_err(e)?
                    .into_int_value();
                let expected = self
                    .frame
                    .signatures
                    .iter()
                    .position(|s| s == sig)
                    .map_or(u32::MAX as u64, |i| i as u64);
                let differs = self
                    .b
                    .build_int_compare(IntPredicate::NE, found, self.i32c(expected), "mismatch")
                    .map_err(e)?;
                self.trap_when(differs, TrapKind::SignatureMismatch, pc)?;
                None
            }
            InstData::CallIndirect { sig, index, args } => {
                let entry = self.table_entry(self.int(*index)?)?;
                let fn_ptr_ptr = b
                    .build_struct_gep(self.frame.table_entry, entry, 0, "fn.ptr")
                    .map_err(e)?;
                let fn_ptr = b
                    .build_load(self.c.ptr_type(AddressSpace::default()), fn_ptr_ptr, "fn")
                    .map_err(e)?
                    .into_pointer_value();
                let args = self.call_args(args)?;
                let call = self
                    .b
                    .build_indirect_call(fn_type(self.c, sig), fn_ptr, &args, "")
                    .map_err(e)?;
                self.reload_size()?;
                match call.try_as_basic_value() {
                    inkwell::values::ValueKind::Basic(v) => Some(v),
                    inkwell::values::ValueKind::Instruction(_) => None,
                }
            }
            InstData::Runtime { op, args } => self.runtime(*op, args, pc)?,
            InstData::Dev { op, args } => self.device(f, *op, args, pc)?,
            InstData::Jump { dest } => {
                let mut taken = Vec::new();
                let target = self.edge_target(dest, &mut taken)?;
                self.b.build_unconditional_branch(target).map_err(e)?;
                None
            }
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                let c = self.int(*cond)?;
                let truth = b
                    .build_int_compare(IntPredicate::NE, c, self.i32c(0), "cond")
                    .map_err(e)?;
                let mut taken = Vec::new();
                let t = self.edge_target(then_dest, &mut taken)?;
                let f2 = self.edge_target(else_dest, &mut taken)?;
                self.b.build_conditional_branch(truth, t, f2).map_err(e)?;
                None
            }
            InstData::BrTable {
                index,
                default,
                targets,
            } => {
                let idx = self.int(*index)?;
                let mut taken = Vec::new();
                let d = self.edge_target(default, &mut taken)?;
                let mut cases = Vec::new();
                for (i, t) in targets.iter().enumerate() {
                    cases.push((self.i32c(i as u64), self.edge_target(t, &mut taken)?));
                }
                self.b.build_switch(idx, d, &cases).map_err(e)?;
                None
            }
            InstData::Return { args } => {
                match args.first() {
                    Some(&v) => self.b.build_return(Some(&self.val(v)?)).map_err(e)?,
                    None => self.b.build_return(None).map_err(e)?,
                };
                None
            }
            InstData::Exit { status } => {
                self.call_rt(Rt::Exit, &[self.int(*status)?.into()])?;
                self.b.build_unreachable().map_err(e)?;
                None
            }
            InstData::Trap { kind, code } => {
                let args = [
                    self.i32c(kind.code().into()),
                    self.i32c(self.index.into()),
                    self.i32c(pc.into()),
                    self.i32c((*code).into()),
                ];
                let args: Vec<BasicMetadataValueEnum> = args.iter().map(|&a| a.into()).collect();
                self.call_rt(Rt::Trap, &args)?;
                self.b.build_unreachable().map_err(e)?;
                None
            }
        })
    }

    /// This function's call depth (its hidden first parameter).
    fn depth(&self) -> R<IntValue<'ctx>> {
        Ok(self
            .func
            .get_nth_param(0)
            .ok_or("the depth parameter")?
            .into_int_value())
    }

    /// A call's arguments: the callee's depth (one more than ours), then the
    /// program's arguments.
    fn call_args(&self, args: &[Value]) -> R<Vec<BasicMetadataValueEnum<'ctx>>> {
        let next = self
            .b
            .build_int_add(self.depth()?, self.i32c(1), "depth")
            .map_err(e)?;
        std::iter::once(Ok(next.into()))
            .chain(args.iter().map(|&a| self.val(a).map(Into::into)))
            .collect()
    }

    fn table_entry(&self, idx: IntValue<'ctx>) -> R<PointerValue<'ctx>> {
        let table = self.frame.table.as_pointer_value();
        let idx64 = self
            .b
            .build_int_z_extend(idx, self.c.i64_type(), "")
            .map_err(e)?;
        // SAFETY (LLVM): indices are checked against the table length first.
        unsafe {
            self.b
                .build_gep(self.frame.table_entry, table, &[idx64], "entry")
                .map_err(e)
        }
    }

    fn runtime(&mut self, op: Opcode, args: &[Value], pc: u32) -> R<Option<BasicValueEnum<'ctx>>> {
        let a: Vec<BasicMetadataValueEnum> = args
            .iter()
            .map(|&v| self.int(v).map(Into::into))
            .collect::<R<_>>()?;
        Ok(match op {
            Opcode::MemorySize => {
                let size = self.current_size()?;
                let pages = self
                    .b
                    .build_int_unsigned_div(size, self.i64c(PAGE_SIZE), "")
                    .map_err(e)?;
                Some(
                    self.b
                        .build_int_truncate(pages, self.c.i32_type(), "pages")
                        .map_err(e)?
                        .into(),
                )
            }
            Opcode::MemoryGrow => {
                let r = self.call_rt(Rt::MemoryGrow, &a)?;
                self.reload_size()?;
                r
            }
            Opcode::MemoryCopy | Opcode::MemoryFill => {
                let rt = if op == Opcode::MemoryCopy {
                    Rt::MemoryCopy
                } else {
                    Rt::MemoryFill
                };
                let code = self
                    .call_rt(rt, &a)?
                    .ok_or("runtime returns a code")?
                    .into_int_value();
                self.trap_on_code(code, pc)?;
                None
            }
            Opcode::HeapAlloc => {
                let r = self.call_rt(Rt::HeapAlloc, &a)?;
                self.reload_size()?;
                r
            }
            Opcode::HeapFree => {
                let code = self
                    .call_rt(Rt::HeapFree, &a)?
                    .ok_or("runtime returns a code")?
                    .into_int_value();
                self.trap_on_code(code, pc)?;
                None
            }
            Opcode::HeapRealloc => {
                let out = self.alloca(self.c.i32_type().into(), "realloc.out")?;
                let mut with_out = a.clone();
                with_out.push(out.into());
                let code = self
                    .call_rt(Rt::HeapRealloc, &with_out)?
                    .ok_or("runtime returns a code")?
                    .into_int_value();
                self.trap_on_code(code, pc)?;
                self.reload_size()?;
                Some(
                    self.b
                        .build_load(self.c.i32_type(), out, "realloc")
                        .map_err(e)?,
                )
            }
            other => return Err(format!("`{other}` is not a runtime operation")),
        })
    }

    fn device(
        &mut self,
        f: &Function,
        op: u16,
        args: &[Value],
        pc: u32,
    ) -> R<Option<BasicValueEnum<'ctx>>> {
        let i64t = self.c.i64_type();
        let slots = self.alloca(i64t.array_type(args.len().max(1) as u32).into(), "dev.args")?;
        for (i, &a) in args.iter().enumerate() {
            let v = self.val(a)?;
            let as_i64 = match f.dfg.value_type(a) {
                ValType::I32 => self
                    .b
                    .build_int_z_extend(v.into_int_value(), i64t, "")
                    .map_err(e)?,
                ValType::I64 => v.into_int_value(),
                ValType::F32 => {
                    let bits = self
                        .b
                        .build_bit_cast(v, self.c.i32_type(), "")
                        .map_err(e)?
                        .into_int_value();
                    self.b.build_int_z_extend(bits, i64t, "").map_err(e)?
                }
                ValType::F64 => self
                    .b
                    .build_bit_cast(v, i64t, "")
                    .map_err(e)?
                    .into_int_value(),
            };
            // SAFETY (LLVM): i < args.len() = the array's length.
            let slot = unsafe {
                self.b
                    .build_gep(i64t, slots, &[self.i64c(i as u64)], "")
                    .map_err(e)?
            };
            self.b.build_store(slot, as_i64).map_err(e)?;
        }
        let out = self.alloca(i64t.into(), "dev.out")?;
        let code = self
            .call_rt(
                Rt::Device,
                &[self.i32c(op.into()).into(), slots.into(), out.into()],
            )?
            .ok_or("runtime returns a code")?
            .into_int_value();
        self.trap_on_code(code, pc)?;
        let raw = self
            .b
            .build_load(i64t, out, "dev")
            .map_err(e)?
            .into_int_value();
        let result = abi::device_op_by_code(op)
            .ok_or("verified device operation")?
            .result;
        Ok(Some(match result {
            ValType::I32 => self
                .b
                .build_int_truncate(raw, self.c.i32_type(), "")
                .map_err(e)?
                .into(),
            ValType::I64 => raw.into(),
            ValType::F32 => {
                let bits = self
                    .b
                    .build_int_truncate(raw, self.c.i32_type(), "")
                    .map_err(e)?;
                self.b
                    .build_bit_cast(bits, self.c.f32_type(), "")
                    .map_err(e)?
            }
            ValType::F64 => self
                .b
                .build_bit_cast(raw, self.c.f64_type(), "")
                .map_err(e)?,
        }))
    }

    fn pure(&mut self, op: Opcode, args: &[Value]) -> R<BasicValueEnum<'ctx>> {
        use Opcode::*;
        let b = &self.b;
        let i = |n: usize| self.int(args[n]);
        let fl = |n: usize| self.float(args[n]);
        let icmp = |p: IntPredicate| -> R<BasicValueEnum<'ctx>> {
            let c = b.build_int_compare(p, i(0)?, i(1)?, "").map_err(e)?;
            self.bool_to_i32(c)
        };
        let fcmp = |p: FloatPredicate| -> R<BasicValueEnum<'ctx>> {
            let c = b.build_float_compare(p, fl(0)?, fl(1)?, "").map_err(e)?;
            self.bool_to_i32(c)
        };
        let width = |v: IntValue<'ctx>| u64::from(v.get_type().get_bit_width());
        let masked = |v: IntValue<'ctx>, count: IntValue<'ctx>| -> R<IntValue<'ctx>> {
            let mask = count.get_type().const_int(width(v) - 1, false);
            b.build_and(count, mask, "count").map_err(e)
        };
        let r: BasicValueEnum = match op {
            I32Select | I64Select | F32Select | F64Select => {
                let c = b
                    .build_int_compare(IntPredicate::NE, i(0)?, self.i32c(0), "")
                    .map_err(e)?;
                b.build_select(c, self.val(args[1])?, self.val(args[2])?, "")
                    .map_err(e)?
            }
            I32Add | I64Add => b.build_int_add(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32Sub | I64Sub => b.build_int_sub(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32Mul | I64Mul => b.build_int_mul(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32DivS | I64DivS => b.build_int_signed_div(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32DivU | I64DivU => b
                .build_int_unsigned_div(i(0)?, i(1)?, "")
                .map_err(e)?
                .into(),
            I32RemU | I64RemU => b
                .build_int_unsigned_rem(i(0)?, i(1)?, "")
                .map_err(e)?
                .into(),
            I32RemS | I64RemS => {
                // MIN rem -1 is 0 in the VM and undefined for LLVM's srem.
                let (x, y) = (i(0)?, i(1)?);
                let minus_one = y.get_type().const_all_ones();
                let is_m1 = b
                    .build_int_compare(IntPredicate::EQ, y, minus_one, "")
                    .map_err(e)?;
                let safe = b
                    .build_select(is_m1, y.get_type().const_int(1, false), y, "")
                    .map_err(e)?
                    .into_int_value();
                let r = b.build_int_signed_rem(x, safe, "").map_err(e)?;
                b.build_select(is_m1, y.get_type().const_zero(), r, "")
                    .map_err(e)?
            }
            I32And | I64And => b.build_and(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32Or | I64Or => b.build_or(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32Xor | I64Xor => b.build_xor(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32Shl | I64Shl => b
                .build_left_shift(i(0)?, masked(i(0)?, i(1)?)?, "")
                .map_err(e)?
                .into(),
            I32ShrS | I64ShrS => b
                .build_right_shift(i(0)?, masked(i(0)?, i(1)?)?, true, "")
                .map_err(e)?
                .into(),
            I32ShrU | I64ShrU => b
                .build_right_shift(i(0)?, masked(i(0)?, i(1)?)?, false, "")
                .map_err(e)?
                .into(),
            I32Rotl | I64Rotl | I32Rotr | I64Rotr => {
                let name = if matches!(op, I32Rotl | I64Rotl) {
                    "llvm.fshl"
                } else {
                    "llvm.fshr"
                };
                let x = i(0)?;
                self.call_intrinsic(
                    name,
                    &[x.get_type().into()],
                    &[x.into(), x.into(), i(1)?.into()],
                )?
            }
            I32Not | I64Not => b.build_not(i(0)?, "").map_err(e)?.into(),
            I32Clz | I64Clz | I32Ctz | I64Ctz => {
                let name = if matches!(op, I32Clz | I64Clz) {
                    "llvm.ctlz"
                } else {
                    "llvm.cttz"
                };
                let x = i(0)?;
                let defined_at_zero = self.c.bool_type().const_zero();
                self.call_intrinsic(
                    name,
                    &[x.get_type().into()],
                    &[x.into(), defined_at_zero.into()],
                )?
            }
            I32Popcnt | I64Popcnt => {
                let x = i(0)?;
                self.call_intrinsic("llvm.ctpop", &[x.get_type().into()], &[x.into()])?
            }
            I32Eqz | I64Eqz => {
                let x = i(0)?;
                let c = b
                    .build_int_compare(IntPredicate::EQ, x, x.get_type().const_zero(), "")
                    .map_err(e)?;
                self.bool_to_i32(c)?
            }
            I32Eq | I64Eq => icmp(IntPredicate::EQ)?,
            I32Ne | I64Ne => icmp(IntPredicate::NE)?,
            I32LtS | I64LtS => icmp(IntPredicate::SLT)?,
            I32LtU | I64LtU => icmp(IntPredicate::ULT)?,
            I32LeS | I64LeS => icmp(IntPredicate::SLE)?,
            I32LeU | I64LeU => icmp(IntPredicate::ULE)?,
            I32GtS | I64GtS => icmp(IntPredicate::SGT)?,
            I32GtU | I64GtU => icmp(IntPredicate::UGT)?,
            I32GeS | I64GeS => icmp(IntPredicate::SGE)?,
            I32GeU | I64GeU => icmp(IntPredicate::UGE)?,

            F32Add | F64Add => b.build_float_add(fl(0)?, fl(1)?, "").map_err(e)?.into(),
            F32Sub | F64Sub => b.build_float_sub(fl(0)?, fl(1)?, "").map_err(e)?.into(),
            F32Mul | F64Mul => b.build_float_mul(fl(0)?, fl(1)?, "").map_err(e)?.into(),
            F32Div | F64Div => b.build_float_div(fl(0)?, fl(1)?, "").map_err(e)?.into(),
            F32Min | F64Min | F32Max | F64Max => {
                let name = if matches!(op, F32Min | F64Min) {
                    "llvm.minimum"
                } else {
                    "llvm.maximum"
                };
                let x = fl(0)?;
                self.call_intrinsic(name, &[x.get_type().into()], &[x.into(), fl(1)?.into()])?
            }
            F32Copysign | F64Copysign => {
                // The sign source is a place a NaN's bits show: canonical.
                let x = fl(0)?;
                let sign = self.canonical(fl(1)?)?;
                self.call_intrinsic(
                    "llvm.copysign",
                    &[x.get_type().into()],
                    &[x.into(), sign.into()],
                )?
            }
            F32Abs | F64Abs => {
                let x = fl(0)?;
                self.call_intrinsic("llvm.fabs", &[x.get_type().into()], &[x.into()])?
            }
            F32Neg | F64Neg => b.build_float_neg(fl(0)?, "").map_err(e)?.into(),
            F32Sqrt | F64Sqrt | F32Floor | F64Floor | F32Ceil | F64Ceil | F32Trunc | F64Trunc
            | F32Nearest | F64Nearest => {
                let name = match op {
                    F32Sqrt | F64Sqrt => "llvm.sqrt",
                    F32Floor | F64Floor => "llvm.floor",
                    F32Ceil | F64Ceil => "llvm.ceil",
                    F32Trunc | F64Trunc => "llvm.trunc",
                    _ => "llvm.roundeven",
                };
                let x = fl(0)?;
                self.call_intrinsic(name, &[x.get_type().into()], &[x.into()])?
            }
            F32Eq | F64Eq => fcmp(FloatPredicate::OEQ)?,
            F32Ne | F64Ne => fcmp(FloatPredicate::UNE)?,
            F32Lt | F64Lt => fcmp(FloatPredicate::OLT)?,
            F32Le | F64Le => fcmp(FloatPredicate::OLE)?,
            F32Gt | F64Gt => fcmp(FloatPredicate::OGT)?,
            F32Ge | F64Ge => fcmp(FloatPredicate::OGE)?,

            I32WrapI64 => b
                .build_int_truncate(i(0)?, self.c.i32_type(), "")
                .map_err(e)?
                .into(),
            I64ExtendI32S => b
                .build_int_s_extend(i(0)?, self.c.i64_type(), "")
                .map_err(e)?
                .into(),
            I64ExtendI32U => b
                .build_int_z_extend(i(0)?, self.c.i64_type(), "")
                .map_err(e)?
                .into(),
            I32Extend8S | I32Extend16S | I64Extend8S | I64Extend16S | I64Extend32S => {
                let bits = match op {
                    I32Extend8S | I64Extend8S => 8,
                    I32Extend16S | I64Extend16S => 16,
                    _ => 32,
                };
                let x = i(0)?;
                let narrow = b
                    .build_int_truncate(x, narrow_int(self.c, bits), "")
                    .map_err(e)?;
                b.build_int_s_extend(narrow, x.get_type(), "")
                    .map_err(e)?
                    .into()
            }
            I32TruncF32S | I32TruncF64S | I64TruncF32S | I64TruncF64S => {
                let to = llvm_type(self.c, def_type(op).ok_or("result")?).into_int_type();
                b.build_float_to_signed_int(fl(0)?, to, "")
                    .map_err(e)?
                    .into()
            }
            I32TruncF32U | I32TruncF64U | I64TruncF32U | I64TruncF64U => {
                let to = llvm_type(self.c, def_type(op).ok_or("result")?).into_int_type();
                b.build_float_to_unsigned_int(fl(0)?, to, "")
                    .map_err(e)?
                    .into()
            }
            I32TruncSatF32S | I32TruncSatF64S | I64TruncSatF32S | I64TruncSatF64S
            | I32TruncSatF32U | I32TruncSatF64U | I64TruncSatF32U | I64TruncSatF64U => {
                let signed = matches!(
                    op,
                    I32TruncSatF32S | I32TruncSatF64S | I64TruncSatF32S | I64TruncSatF64S
                );
                let to = llvm_type(self.c, def_type(op).ok_or("result")?);
                let x = fl(0)?;
                let name = if signed {
                    "llvm.fptosi.sat"
                } else {
                    "llvm.fptoui.sat"
                };
                self.call_intrinsic(name, &[to, x.get_type().into()], &[x.into()])?
            }
            F32ConvertI32S | F32ConvertI64S | F64ConvertI32S | F64ConvertI64S => {
                let to = llvm_type(self.c, def_type(op).ok_or("result")?).into_float_type();
                b.build_signed_int_to_float(i(0)?, to, "")
                    .map_err(e)?
                    .into()
            }
            F32ConvertI32U | F32ConvertI64U | F64ConvertI32U | F64ConvertI64U => {
                let to = llvm_type(self.c, def_type(op).ok_or("result")?).into_float_type();
                b.build_unsigned_int_to_float(i(0)?, to, "")
                    .map_err(e)?
                    .into()
            }
            F32DemoteF64 => b
                .build_float_trunc(fl(0)?, self.c.f32_type(), "")
                .map_err(e)?
                .into(),
            F64PromoteF32 => b
                .build_float_ext(fl(0)?, self.c.f64_type(), "")
                .map_err(e)?
                .into(),
            I32ReinterpretF32 | I64ReinterpretF64 => {
                // A float's bits become visible: any NaN is the canonical one.
                let to = llvm_type(self.c, def_type(op).ok_or("result")?);
                let v = self.canonical(fl(0)?)?;
                b.build_bit_cast(v, to, "").map_err(e)?
            }
            F32ReinterpretI32 | F64ReinterpretI64 => {
                let to = llvm_type(self.c, def_type(op).ok_or("result")?);
                b.build_bit_cast(self.val(args[0])?, to, "").map_err(e)?
            }
            other => return Err(format!("`{other}` is not a pure operation")),
        };
        Ok(r)
    }
}

/// The in-memory type of a load and how it extends: `None` for a full-width
/// load, `Some(true)` to sign-extend, `Some(false)` to zero-extend.
fn load_shape(c: &Context, op: Opcode) -> (BasicTypeEnum<'_>, Option<bool>) {
    use Opcode::*;
    match op {
        I32Load => (c.i32_type().into(), None),
        I64Load => (c.i64_type().into(), None),
        F32Load => (c.f32_type().into(), None),
        F64Load => (c.f64_type().into(), None),
        I32Load8S | I64Load8S => (c.i8_type().into(), Some(true)),
        I32Load8U | I64Load8U => (c.i8_type().into(), Some(false)),
        I32Load16S | I64Load16S => (c.i16_type().into(), Some(true)),
        I32Load16U | I64Load16U => (c.i16_type().into(), Some(false)),
        I64Load32S => (c.i32_type().into(), Some(true)),
        _ => (c.i32_type().into(), Some(false)),
    }
}

/// The stored width of a narrow store, `None` for a full-width one.
fn store_width(op: Opcode) -> Option<u32> {
    use Opcode::*;
    match op {
        I32Store8 | I64Store8 => Some(8),
        I32Store16 | I64Store16 => Some(16),
        I64Store32 => Some(32),
        _ => None,
    }
}

fn narrow_int(c: &Context, bits: u32) -> inkwell::types::IntType<'_> {
    match bits {
        8 => c.i8_type(),
        16 => c.i16_type(),
        _ => c.i32_type(),
    }
}
