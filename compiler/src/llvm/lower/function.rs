//! One function's lowering: its blocks and their phis (block parameters),
//! the memory base and size, trap blocks, and the instruction-by-instruction
//! walk that hands `pure` operations to `select` and runtime and
//! device operations to `runtime`.

use super::*;

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
            funnels: funnel::plan(f),
            values: vec![None; f.dfg.values.len()],
            base,
            size_slot,
            traps: HashMap::new(),
            alloca_point: prologue,
            nan: nan::NanPlan::of(f),
            bounds: bounds::BoundsPlan::of(f),
        };
        this.reload_size()?;
        Ok(this)
    }

    pub(super) fn reload_size(&self) -> R<()> {
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
            let insts = f.layout.block_insts(block);
            for (k, &inst) in insts.iter().enumerate() {
                let pc = f.dfg.pcs[inst.index()];
                let next = insts.get(k + 1).map(|&i| f.dfg.inst(i));
                self.inst(f, inst, next, pc)
                    .and_then(|v| self.bind_results(v, f.dfg.inst_results(inst)))
                    .map_err(|message| self.inst_error(f, inst, message))?;
            }
        }
        Ok(())
    }

    /// Makes the LLVM value an instruction gave its IR results: a single
    /// result is the value itself, several are the fields of the struct a
    /// call returned.
    fn bind_results(&mut self, value: Option<BasicValueEnum<'ctx>>, results: &[Value]) -> R<()> {
        match (value, results) {
            (_, []) => {}
            (Some(v), [r]) => self.values[r.index()] = Some(v),
            (Some(BasicValueEnum::StructValue(fields)), several) => {
                for (n, r) in several.iter().enumerate() {
                    let field = self
                        .b
                        .build_extract_value(fields, n as u32, &r.to_string())
                        .map_err(e)?;
                    self.values[r.index()] = Some(field);
                }
            }
            (_, several) => {
                return Err(format!(
                    "the instruction gave no value for its {} results",
                    several.len()
                ))
            }
        }
        Ok(())
    }

    /// A [`LowerError::Inst`] for `inst` of `f`.
    fn inst_error(&self, f: &Function, inst: Inst, message: String) -> LowerError {
        let mut text = String::new();
        let results = f.dfg.inst_results(inst);
        if !results.is_empty() {
            let names: Vec<String> = results.iter().map(|r| r.to_string()).collect();
            text = format!("{} = ", names.join(", "));
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

    pub(super) fn val(&self, v: Value) -> R<BasicValueEnum<'ctx>> {
        self.values
            .get(v.index())
            .copied()
            .flatten()
            .ok_or_else(|| format!("{v} used before it is lowered"))
    }

    pub(super) fn int(&self, v: Value) -> R<IntValue<'ctx>> {
        Ok(self.val(v)?.into_int_value())
    }

    pub(super) fn float(&self, v: Value) -> R<FloatValue<'ctx>> {
        Ok(self.val(v)?.into_float_value())
    }

    pub(super) fn i32c(&self, v: u64) -> IntValue<'ctx> {
        self.c.i32_type().const_int(v, false)
    }

    pub(super) fn i64c(&self, v: u64) -> IntValue<'ctx> {
        self.c.i64_type().const_int(v, false)
    }

    /// A cold block that traps with `kind` at `pc`, shared per site.
    pub(super) fn trap_block(&mut self, kind: TrapKind, pc: u32, code: u32) -> R<BasicBlock<'ctx>> {
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
    pub(super) fn trap_when(&mut self, cond: IntValue<'ctx>, kind: TrapKind, pc: u32) -> R<()> {
        let trap = self.trap_block(kind, pc, 0)?;
        let cont = self.c.append_basic_block(self.func, "ok");
        self.b
            .build_conditional_branch(cond, trap, cont)
            .map_err(e)?;
        self.b.position_at_end(cont);
        Ok(())
    }

    /// Traps with the code a runtime call returned, unless it is 0.
    pub(super) fn trap_on_code(&mut self, code: IntValue<'ctx>, pc: u32) -> R<()> {
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

    pub(super) fn call_rt(
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

    pub(super) fn alloca(&self, ty: BasicTypeEnum<'ctx>, name: &str) -> R<PointerValue<'ctx>> {
        let here = self.b.get_insert_block().ok_or("positioned")?;
        match self.alloca_point.get_first_instruction() {
            Some(first) => self.b.position_before(&first),
            None => self.b.position_at_end(self.alloca_point),
        }
        let slot = self.b.build_alloca(ty, name).map_err(e)?;
        self.b.position_at_end(here);
        Ok(slot)
    }

    pub(super) fn intrinsic(
        &self,
        name: &str,
        types: &[BasicTypeEnum<'ctx>],
    ) -> R<FunctionValue<'ctx>> {
        Intrinsic::find(name)
            .and_then(|i| i.get_declaration(&self.frame.module, types))
            .ok_or_else(|| format!("LLVM intrinsic {name} is missing"))
    }

    pub(super) fn call_intrinsic(
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

    pub(super) fn bool_to_i32(&self, b: IntValue<'ctx>) -> R<BasicValueEnum<'ctx>> {
        Ok(self
            .b
            .build_int_z_extend(b, self.c.i32_type(), "")
            .map_err(e)?
            .into())
    }

    pub(super) fn current_size(&self) -> R<IntValue<'ctx>> {
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
    pub(super) fn address(&self, addr: Value, offset: u32) -> R<PointerValue<'ctx>> {
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
    pub(super) fn edge(&mut self, call: &BlockCall, from: BasicBlock<'ctx>) -> R<()> {
        let phis = self.phis.get(&call.block).cloned().unwrap_or_default();
        for (i, (phi, &arg)) in phis.iter().zip(&call.args).enumerate() {
            let canonical = self.nan.canonical_on_edge(arg, call.block, i);
            let v = self.merge_input(arg, canonical)?;
            phi.add_incoming(&[(&v as &dyn BasicValue, from)]);
        }
        Ok(())
    }

    /// The LLVM block an edge jumps to: the destination itself, or a new
    /// block in between when the same destination already takes an edge from
    /// this terminator (a phi tells edges apart only by their source block).
    pub(super) fn edge_target(
        &mut self,
        call: &BlockCall,
        taken: &mut HashSet<Block>,
    ) -> R<BasicBlock<'ctx>> {
        if let Some(funnel) = self.funnel_edge(call)? {
            return Ok(funnel);
        }
        let dest = self.blocks[&call.block];
        let from = self.b.get_insert_block().ok_or("positioned")?;
        if taken.insert(call.block) {
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

    /// Lowers one instruction; `next` is the one after it in the block
    /// (`depth_enter` counts the call that follows it).
    pub(super) fn inst(
        &mut self,
        f: &Function,
        inst: Inst,
        next: Option<&InstData>,
        pc: u32,
    ) -> R<Option<BasicValueEnum<'ctx>>> {
        let data = f.dfg.inst(inst);
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
            InstData::GlobalGet { ty, global } => {
                let global = self.frame.global(*global)?;
                let storage = frame::global_storage(self.c, *ty);
                let bits = b.build_load(storage, global, "global").map_err(e)?;
                Some(match ty {
                    ValType::I32 | ValType::I64 => bits,
                    ValType::F32 | ValType::F64 => b
                        .build_bit_cast(bits, llvm_type(self.c, *ty), "")
                        .map_err(e)?,
                })
            }
            InstData::GlobalSet { global, value } => {
                let global = self.frame.global(*global)?;
                let v = self.exact(*value)?;
                let bits = match v {
                    BasicValueEnum::FloatValue(f) => {
                        let width = f.get_type().get_bit_width();
                        let storage = if width == 32 {
                            self.c.i32_type()
                        } else {
                            self.c.i64_type()
                        };
                        b.build_bit_cast(f, storage, "").map_err(e)?
                    }
                    other => other,
                };
                b.build_store(global, bits).map_err(e)?;
                None
            }
            InstData::Pure { op, args } => {
                Some(self.pure(*op, args, f.dfg.inst_results(inst).first().copied())?)
            }
            InstData::Load { op, addr, offset } => {
                let p = self.address(*addr, *offset)?;
                let access = op.access().ok_or("a load has an access")?;
                let result_ty = llvm_type(self.c, def_type(*op).ok_or("loads have a result")?);
                let (mem_ty, extend): (BasicTypeEnum, Option<bool>) = match access.extend {
                    Extend::Full | Extend::Wrap => (result_ty, None),
                    Extend::Sign => (narrow_int(self.c, access.bits()).into(), Some(true)),
                    Extend::Zero => (narrow_int(self.c, access.bits()).into(), Some(false)),
                };
                let loaded = b.build_load(mem_ty, p, "load").map_err(e)?;
                loaded
                    .as_instruction_value()
                    .ok_or("a load")?
                    .set_alignment(1)
                    .map_err(e)?;
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
                let access = op.access().ok_or("a store has an access")?;
                match access.extend {
                    Extend::Wrap => {
                        let v = b
                            .build_int_truncate(
                                self.int(*value)?,
                                narrow_int(self.c, access.bits()),
                                "",
                            )
                            .map_err(e)?;
                        b.build_store(p, v)
                            .map_err(e)?
                            .set_alignment(1)
                            .map_err(e)?;
                    }
                    Extend::Full | Extend::Sign | Extend::Zero => self.store_exact(p, *value)?,
                }
                None
            }
            InstData::Bounds { .. } if !self.frame.check_bounds => None,
            InstData::Bounds { .. } if self.bounds.is_covered(inst) => None,
            InstData::Bounds { .. } if self.bounds.has_window(inst) => {
                let window = self.bounds.take_window(inst).ok_or("the window is there")?;
                self.check_window(&window)?;
                None
            }
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
            // The call it comes right before decides the frame it counts.
            InstData::DepthEnter => {
                let call = next.ok_or("`depth_enter` ends its block: expected a call after it")?;
                let used = self.callee_stack_bytes(call)?;
                let full = b
                    .build_int_compare(
                        IntPredicate::UGT,
                        used,
                        self.i32c(MAX_STACK_BYTES.into()),
                        "stack.full",
                    )
                    .map_err(e)?;
                self.trap_when(full, TrapKind::StackOverflow, pc)?;
                None
            }
            // The callee's frame bytes are an argument: nothing to undo.
            InstData::DepthLeave => None,
            InstData::Call { func, args } => {
                let callee = self.frame.function(func.index())?;
                let args = self.call_args(data, args)?;
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
                    .position(|s| *s == **sig)
                    .map_or(u32::MAX as u64, |i| i as u64);
                let differs = self
                    .b
                    .build_int_compare(IntPredicate::NE, found, self.i32c(expected), "mismatch")
                    .map_err(e)?;
                // A null entry's signature matches none (NULL_ENTRY_SIGNATURE),
                // so the common path is one compare; only a mismatch asks
                // whether the entry is null, the trap checked first.
                let null_trap = self.trap_block(TrapKind::NullTableEntry, pc, 0)?;
                let mismatch_trap = self.trap_block(TrapKind::SignatureMismatch, pc, 0)?;
                let slow = self.c.append_basic_block(self.func, "table.slow");
                let cont = self.c.append_basic_block(self.func, "ok");
                self.b
                    .build_conditional_branch(differs, slow, cont)
                    .map_err(e)?;
                self.b.position_at_end(slow);
                let fn_ptr = self.entry_function(entry)?;
                let null = self.b.build_is_null(fn_ptr, "null").map_err(e)?;
                self.b
                    .build_conditional_branch(null, null_trap, mismatch_trap)
                    .map_err(e)?;
                self.b.position_at_end(cont);
                None
            }
            InstData::CallIndirect { sig, index, args } => {
                let entry = self.table_entry(self.int(*index)?)?;
                let fn_ptr = self.entry_function(entry)?;
                let args = self.call_args(data, args)?;
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
            InstData::MemoryInit { segment, args } => self.memory_init(*segment, args, pc)?,
            InstData::DataDrop { segment } => {
                self.call_rt(Rt::DataDrop, &[self.i32c((*segment).into()).into()])?;
                None
            }
            InstData::Dev { op, args } => self.device(f, *op, args, pc)?,
            InstData::Jump { dest } => {
                let mut taken = HashSet::new();
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
                let mut taken = HashSet::new();
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
                let mut taken = HashSet::new();
                let d = self.edge_target(default, &mut taken)?;
                let mut cases = Vec::new();
                for (i, t) in targets.iter().enumerate() {
                    cases.push((self.i32c(i as u64), self.edge_target(t, &mut taken)?));
                }
                self.b.build_switch(idx, d, &cases).map_err(e)?;
                None
            }
            InstData::Return { args } => {
                match args.as_slice() {
                    [] => self.b.build_return(None).map_err(e)?,
                    [v] => self.b.build_return(Some(&self.exact(*v)?)).map_err(e)?,
                    several => {
                        let values = several
                            .iter()
                            .map(|&v| self.exact(v))
                            .collect::<R<Vec<_>>>()?;
                        self.b.build_aggregate_return(&values).map_err(e)?
                    }
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

    /// The frame bytes of the active calls, this one's included (the
    /// function's hidden first parameter).
    pub(super) fn stack_bytes(&self) -> R<IntValue<'ctx>> {
        Ok(self
            .func
            .get_nth_param(0)
            .ok_or("the stack-bytes parameter")?
            .into_int_value())
    }

    /// The frame bytes of the active calls once `call` has started: ours
    /// plus the callee's frame, a constant for a direct call and read from
    /// the table entry for an indirect one. It cannot wrap: ours are at
    /// most `MAX_STACK_BYTES` and a frame at most 17,301,496 bytes (the
    /// verifier's limits; the IR parser's range for `frame`).
    pub(super) fn callee_stack_bytes(&self, call: &InstData) -> R<IntValue<'ctx>> {
        let frame = match call {
            InstData::Call { func, .. } => self.i32c(
                self.frame
                    .frame_bytes
                    .get(func.index())
                    .copied()
                    .ok_or("the callee's frame size")?
                    .into(),
            ),
            InstData::CallIndirect { index, .. } => {
                let entry = self.table_entry(self.int(*index)?)?;
                let frame_ptr = self
                    .b
                    .build_struct_gep(self.frame.table_entry, entry, 2, "frame.ptr")
                    .map_err(e)?;
                self.b
                    .build_load(self.c.i32_type(), frame_ptr, "frame")
                    .map_err(e)?
                    .into_int_value()
            }
            _ => return Err("`depth_enter` must come right before a call".into()),
        };
        self.b
            .build_int_nuw_add(self.stack_bytes()?, frame, "stack.bytes")
            .map_err(e)
    }

    /// A call's arguments: the frame bytes in use once it starts, then the
    /// program's arguments.
    pub(super) fn call_args(
        &self,
        call: &InstData,
        args: &[Value],
    ) -> R<Vec<BasicMetadataValueEnum<'ctx>>> {
        let used = self.callee_stack_bytes(call)?;
        std::iter::once(Ok(used.into()))
            .chain(args.iter().map(|&a| self.exact(a).map(Into::into)))
            .collect()
    }

    /// The function pointer a table entry holds (null for a null entry).
    fn entry_function(&self, entry: PointerValue<'ctx>) -> R<PointerValue<'ctx>> {
        let fn_ptr_ptr = self
            .b
            .build_struct_gep(self.frame.table_entry, entry, 0, "fn.ptr")
            .map_err(e)?;
        Ok(self
            .b
            .build_load(self.c.ptr_type(AddressSpace::default()), fn_ptr_ptr, "fn")
            .map_err(e)?
            .into_pointer_value())
    }

    pub(super) fn table_entry(&self, idx: IntValue<'ctx>) -> R<PointerValue<'ctx>> {
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
}
