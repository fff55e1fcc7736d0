//! Bytecode instructions to IR: each instruction by its class in the opcode
//! table, with the checks its trap conditions need emitted in front of it
//! (a `bounds` before every load and store, `trapz`/`trapnz` before
//! division and checked conversion), each carrying the instruction's pc.

use super::*;

impl Builder<'_> {
    pub(super) fn emit(&mut self, block: Block, data: InstData, pc: u32) -> Option<Value> {
        let inst = self.func.append(self.ctx, block, data, pc);
        self.func.dfg.first_result(inst)
    }

    /// Emits a call (direct or through the table) between its depth
    /// accounting, and defines result register `results[i]` as its result
    /// `i`.
    fn call(&mut self, block: Block, data: InstData, results: &[Reg], pc: u32) {
        self.emit(block, InstData::DepthEnter, pc);
        let inst = self.func.append(self.ctx, block, data, pc);
        self.emit(block, InstData::DepthLeave, pc);
        for (n, &r) in results.iter().enumerate() {
            let v = self.func.dfg.inst_results(inst)[n];
            self.def_var(block, r, v);
        }
    }

    pub(super) fn value(&mut self, block: Block, data: InstData, pc: u32) -> Value {
        self.emit(block, data, pc)
            .expect("instruction has a result")
    }

    pub(super) fn konst(&mut self, block: Block, ty: ValType, bits: u64, pc: u32) -> Value {
        self.value(block, InstData::Const { ty, bits }, pc)
    }

    pub(super) fn pure(&mut self, block: Block, op: PureOp, args: Vec<Value>, pc: u32) -> Value {
        self.value(block, InstData::Pure { op, args }, pc)
    }

    pub(super) fn trap_if(
        &mut self,
        block: Block,
        kind: TrapKind,
        cond: Value,
        nonzero: bool,
        pc: u32,
    ) {
        self.emit(
            block,
            InstData::TrapIf {
                kind,
                cond,
                nonzero,
            },
            pc,
        );
    }

    pub(super) fn reg_operand(inst: &bc::Inst, i: usize) -> Reg {
        match &inst.operands[i] {
            Operand::Reg(r) => *r,
            other => unreachable!(
                "verified operand {i} of {} is a register, found {other:?}",
                inst.opcode
            ),
        }
    }

    pub(super) fn u32_operand(inst: &bc::Inst, i: usize) -> u32 {
        match &inst.operands[i] {
            Operand::U32(v) => *v,
            other => unreachable!(
                "verified operand {i} of {} is a u32, found {other:?}",
                inst.opcode
            ),
        }
    }

    pub(super) fn regs_operand(inst: &bc::Inst, i: usize) -> &[Reg] {
        match &inst.operands[i] {
            Operand::Regs(r) => r,
            other => unreachable!(
                "verified operand {i} of {} is a register list, found {other:?}",
                inst.opcode
            ),
        }
    }

    /// Translates one bytecode instruction at the end of `block`. `target`
    /// maps a label pc to its block; `next` gives the fallthrough block.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn translate(
        &mut self,
        block: Block,
        inst: &bc::Inst,
        pc: u32,
        last_in_block: bool,
        target: impl Fn(u32) -> Block,
        next: impl Fn() -> Block,
    ) {
        let op = inst.opcode;
        let kinds = op.operands();
        let uses = |this: &mut Self, from: usize| -> Vec<Value> {
            (from..kinds.len())
                .filter(|&i| matches!(kinds[i], OperandKind::Use(_)))
                .map(|i| this.use_var(block, Self::reg_operand(inst, i)))
                .collect()
        };
        match op.class() {
            Class::Constant => {
                let dst = Self::reg_operand(inst, 0);
                let (ty, bits) = match inst.operands[1] {
                    Operand::I32(v) => (ValType::I32, u64::from(v as u32)),
                    Operand::I64(v) => (ValType::I64, v as u64),
                    Operand::F32(b) => (ValType::F32, u64::from(b)),
                    Operand::F64(b) => (ValType::F64, b),
                    ref other => unreachable!("constant operand {other:?}"),
                };
                let v = self.konst(block, ty, bits, pc);
                self.def_var(block, dst, v);
            }
            Class::Copy => {
                let v = self.use_var(block, Self::reg_operand(inst, 1));
                self.def_var(block, Self::reg_operand(inst, 0), v);
            }
            Class::GlobalGet => {
                let ty =
                    crate::ir::instructions::def_type(op).expect("a global.get defines a register");
                let global = Self::u32_operand(inst, 1);
                let v = self.value(block, InstData::GlobalGet { ty, global }, pc);
                self.def_var(block, Self::reg_operand(inst, 0), v);
            }
            Class::GlobalSet => {
                let global = Self::u32_operand(inst, 0);
                let value = self.use_var(block, Self::reg_operand(inst, 1));
                self.emit(block, InstData::GlobalSet { global, value }, pc);
            }
            Class::MemoryInit => {
                let segment = Self::u32_operand(inst, 0);
                let args = [1, 2, 3].map(|i| self.use_var(block, Self::reg_operand(inst, i)));
                self.emit(block, InstData::MemoryInit { segment, args }, pc);
            }
            Class::DataDrop => {
                let segment = Self::u32_operand(inst, 0);
                self.emit(block, InstData::DataDrop { segment }, pc);
            }
            Class::Pure(p) => {
                let args = uses(self, 1);
                self.guard(block, p, &args, pc);
                let v = self.pure(block, p, args, pc);
                self.def_var(block, Self::reg_operand(inst, 0), v);
            }
            Class::Load(access) => {
                let addr = self.use_var(block, Self::reg_operand(inst, 1));
                let offset = Self::u32_operand(inst, 2);
                self.emit(
                    block,
                    InstData::Bounds {
                        addr,
                        end: u64::from(offset) + access.size(),
                    },
                    pc,
                );
                let v = self.value(block, InstData::Load { op, addr, offset }, pc);
                self.def_var(block, Self::reg_operand(inst, 0), v);
            }
            Class::Store(access) => {
                let value = self.use_var(block, Self::reg_operand(inst, 0));
                let addr = self.use_var(block, Self::reg_operand(inst, 1));
                let offset = Self::u32_operand(inst, 2);
                self.emit(
                    block,
                    InstData::Bounds {
                        addr,
                        end: u64::from(offset) + access.size(),
                    },
                    pc,
                );
                self.emit(
                    block,
                    InstData::Store {
                        op,
                        value,
                        addr,
                        offset,
                    },
                    pc,
                );
            }
            Class::Runtime(r) => {
                let has_def = matches!(kinds.first(), Some(OperandKind::Def(_)));
                let args = uses(self, 0);
                let result = self.emit(block, InstData::Runtime { op: r, args }, pc);
                if has_def {
                    let v = result.expect("runtime call with a result");
                    self.def_var(block, Self::reg_operand(inst, 0), v);
                }
            }
            Class::Device => {
                let code = match inst.operands[0] {
                    Operand::Dev(c) => c,
                    ref other => unreachable!("device operand {other:?}"),
                };
                let args: Vec<Value> = Self::regs_operand(inst, 2)
                    .iter()
                    .map(|&r| self.use_var(block, r))
                    .collect();
                let v = self.value(block, InstData::Dev { op: code, args }, pc);
                let results = Self::regs_operand(inst, 1);
                if let Some(&r) = results.first() {
                    self.def_var(block, r, v);
                }
            }
            Class::Call(CallOp::Call) => {
                let func = FuncRef(Self::u32_operand(inst, 0));
                let args: Vec<Value> = Self::regs_operand(inst, 2)
                    .iter()
                    .map(|&r| self.use_var(block, r))
                    .collect();
                let results = Self::regs_operand(inst, 1);
                self.call(block, InstData::Call { func, args }, results, pc);
            }
            Class::Call(CallOp::CallIndirect) => {
                let sig =
                    Box::new(self.module.signatures[Self::u32_operand(inst, 0) as usize].clone());
                let index = self.use_var(block, Self::reg_operand(inst, 1));
                let args: Vec<Value> = Self::regs_operand(inst, 3)
                    .iter()
                    .map(|&r| self.use_var(block, r))
                    .collect();
                self.emit(
                    block,
                    InstData::TableCheck {
                        sig: sig.clone(),
                        index,
                    },
                    pc,
                );
                let results = Self::regs_operand(inst, 2);
                let call = InstData::CallIndirect { sig, index, args };
                self.call(block, call, results, pc);
            }
            Class::Control(c) => match c {
                ControlOp::Nop => {}
                ControlOp::Jump => {
                    let dest = BlockCall {
                        block: target(Self::u32_operand(inst, 0)),
                        args: vec![],
                    };
                    self.branch(block, InstData::Jump { dest }, pc);
                }
                ControlOp::BrIf | ControlOp::BrIfz => {
                    let cond = self.use_var(block, Self::reg_operand(inst, 0));
                    let taken = BlockCall {
                        block: target(Self::u32_operand(inst, 1)),
                        args: vec![],
                    };
                    let fall = BlockCall {
                        block: next(),
                        args: vec![],
                    };
                    let (then_dest, else_dest) = if c == ControlOp::BrIf {
                        (taken, fall)
                    } else {
                        (fall, taken)
                    };
                    self.branch(
                        block,
                        InstData::Brif {
                            cond,
                            then_dest,
                            else_dest,
                        },
                        pc,
                    );
                }
                ControlOp::BrTable => {
                    let index = self.use_var(block, Self::reg_operand(inst, 0));
                    let default = BlockCall {
                        block: target(Self::u32_operand(inst, 1)),
                        args: vec![],
                    };
                    let targets = match &inst.operands[2] {
                        Operand::Labels(pcs) => pcs
                            .iter()
                            .map(|&pc| BlockCall {
                                block: target(pc),
                                args: vec![],
                            })
                            .collect(),
                        other => unreachable!("jump table operand {other:?}"),
                    };
                    self.branch(
                        block,
                        InstData::BrTable {
                            index,
                            default,
                            targets,
                        },
                        pc,
                    );
                }
                ControlOp::Ret => {
                    let args = Self::regs_operand(inst, 0)
                        .iter()
                        .map(|&r| self.use_var(block, r))
                        .collect();
                    self.emit(block, InstData::Return { args }, pc);
                }
                ControlOp::Exit => {
                    let status = self.use_var(block, Self::reg_operand(inst, 0));
                    self.emit(block, InstData::Exit { status }, pc);
                }
                ControlOp::Trap => {
                    let code = Self::u32_operand(inst, 0);
                    self.emit(
                        block,
                        InstData::Trap {
                            kind: TrapKind::User,
                            code,
                        },
                        pc,
                    );
                }
                ControlOp::Unreachable => {
                    self.emit(
                        block,
                        InstData::Trap {
                            kind: TrapKind::Unreachable,
                            code: 0,
                        },
                        pc,
                    );
                }
            },
        }
        if last_in_block && !op.is_terminator() && !matches!(op, Opcode::BrIf | Opcode::BrIfz) {
            self.branch(
                block,
                InstData::Jump {
                    dest: BlockCall {
                        block: next(),
                        args: vec![],
                    },
                },
                pc,
            );
        }
    }

    /// The checks a pure operation's precondition needs, one per trap
    /// condition the opcode table gives it, in the table's order: a
    /// non-zero divisor, no `MIN / -1`, a float that converts.
    pub(super) fn guard(&mut self, block: Block, op: PureOp, args: &[Value], pc: u32) {
        use PureOp::{
            F32Ge, F32Gt, F32Lt, F32Ne, F64Ge, F64Gt, F64Lt, F64Ne, I32And, I32Eq, I64Eq,
        };
        for &condition in op.opcode().traps() {
            match condition {
                TrapCondition::DivisorZero => {
                    self.trap_if(block, TrapKind::DivideByZero, args[1], false, pc);
                }
                TrapCondition::SignedOverflow => {
                    let ty = use_types(op)[0];
                    let (min, minus_one, eq) = if ty == ValType::I32 {
                        (u64::from(i32::MIN as u32), u64::from(u32::MAX), I32Eq)
                    } else {
                        (i64::MIN as u64, u64::MAX, I64Eq)
                    };
                    let min_c = self.konst(block, ty, min, pc);
                    let neg_c = self.konst(block, ty, minus_one, pc);
                    let a_min = self.pure(block, eq, vec![args[0], min_c], pc);
                    let b_neg = self.pure(block, eq, vec![args[1], neg_c], pc);
                    let both = self.pure(block, I32And, vec![a_min, b_neg], pc);
                    self.trap_if(block, TrapKind::IntegerOverflow, both, true, pc);
                }
                TrapCondition::Conversion(range) => {
                    let x = args[0];
                    let (ne, gt, ge, lt) = if range.source == ValType::F32 {
                        (F32Ne, F32Gt, F32Ge, F32Lt)
                    } else {
                        (F64Ne, F64Gt, F64Ge, F64Lt)
                    };
                    let nan = self.pure(block, ne, vec![x, x], pc);
                    self.trap_if(block, TrapKind::InvalidConversion, nan, true, pc);
                    let lo = self.float_const(block, range.source, range.lo, pc);
                    let hi = self.float_const(block, range.source, range.hi, pc);
                    let above = self.pure(
                        block,
                        if range.lo_inclusive { ge } else { gt },
                        vec![x, lo],
                        pc,
                    );
                    let below = self.pure(block, lt, vec![x, hi], pc);
                    let inside = self.pure(block, I32And, vec![above, below], pc);
                    self.trap_if(block, TrapKind::IntegerOverflow, inside, false, pc);
                }
                // Not conditions of pure operations: memory, heap, calls and
                // traps are checked by their own IR instructions.
                TrapCondition::OutOfBounds
                | TrapCondition::InvalidFree
                | TrapCondition::CallDepth
                | TrapCondition::TableEntry
                | TrapCondition::Unreachable
                | TrapCondition::User => {}
            }
        }
    }

    pub(super) fn float_const(&mut self, block: Block, ty: ValType, value: f64, pc: u32) -> Value {
        let bits = if ty == ValType::F32 {
            u64::from((value as f32).to_bits())
        } else {
            value.to_bits()
        };
        self.konst(block, ty, bits, pc)
    }
}
