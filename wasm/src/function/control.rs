//! The translator's control flow, calls and local writes: the parts that
//! move values between the stack's slots and the registers of locals,
//! branch targets and callees.

use super::{Callee, FrameKind, Translator, Value};
use crate::error::{Result, WasmError};
use crate::imports::{HostFunc, ENOSYS};
use crate::module::val_types;
use janus_bytecode::bytecode::limits::MAX_BR_TABLE;
use janus_bytecode::bytecode::{Opcode, Operand};
use janus_runtime::abi::ValType;
use std::collections::HashMap;
use wasmparser::{BrTable, Operator};

impl<'a> Translator<'_, '_, 'a> {
    /// An instruction in unreachable code: only the nesting matters.
    pub(super) fn dead(&mut self, op: &Operator<'a>) -> Result<()> {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                self.dead_frames += 1;
                Ok(())
            }
            Operator::Else if self.dead_frames == 0 => self.else_(),
            Operator::End if self.dead_frames == 0 => self.end(),
            Operator::End => {
                self.dead_frames -= 1;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub(super) fn else_(&mut self) -> Result<()> {
        let index = self.frame_index(0)?;
        if !self.unreachable {
            self.flush()?;
            let label = self.frames[index].label;
            self.frames[index].targeted = true;
            self.jump(label)?;
        }
        let frame = &mut self.frames[index];
        frame.kind = FrameKind::Else;
        let else_label = frame.else_label.take();
        let (height, params) = (frame.height, frame.params.clone());
        if let Some(label) = else_label {
            self.place(label)?;
        }
        self.reset(height, &params);
        self.unreachable = false;
        Ok(())
    }

    pub(super) fn end(&mut self) -> Result<()> {
        if !self.unreachable {
            self.flush()?;
        }
        let frame = self
            .frames
            .pop()
            .ok_or_else(|| self.internal("`end` without a frame"))?;
        // A branch to a loop goes to its start, not past its end.
        let mut reachable = !self.unreachable || (frame.targeted && frame.kind != FrameKind::Loop);
        if let Some(label) = frame.else_label {
            // An `if` without `else`: its false edge arrives here with the
            // parameters, which are the results, in their slots.
            self.place(label)?;
            reachable = true;
        }
        if frame.kind != FrameKind::Loop && frame.targeted {
            self.place(frame.label)?;
        }
        self.reset(frame.height, &frame.results);
        self.unreachable = !reachable;
        if frame.kind == FrameKind::Function && reachable {
            let regs = (0..frame.results.len())
                .map(|i| self.reg_of(i))
                .collect::<Result<Vec<_>>>()?;
            self.emit(Opcode::Ret, vec![Operand::Regs(regs)])?;
            self.unreachable = true;
        }
        Ok(())
    }

    pub(super) fn br_if(&mut self, depth: u32) -> Result<()> {
        let cond = self.pop_reg()?;
        let target = self.frame_index(depth)?;
        if self.frames[target].kind != FrameKind::Function && !self.needs_moves(target) {
            self.frames[target].targeted = true;
            let label = self.frames[target].label;
            return self.emit(
                Opcode::BrIf,
                vec![Operand::Reg(cond), Operand::U32(label.0)],
            );
        }
        let skip = self.f.label();
        self.emit(
            Opcode::BrIfz,
            vec![Operand::Reg(cond), Operand::U32(skip.0)],
        )?;
        self.branch(target)?;
        self.place(skip)
    }

    pub(super) fn br_table(&mut self, table: &BrTable<'a>) -> Result<()> {
        if table.len() >= MAX_BR_TABLE {
            return Err(WasmError::Limit {
                what: format!("a `br_table` with {} targets", table.len()),
                limit: (MAX_BR_TABLE - 1).into(),
                offset: self.offset,
            });
        }
        let index = self.pop_reg()?;
        let mut depths = Vec::with_capacity(table.len() as usize + 1);
        for depth in table.targets() {
            depths.push(depth.map_err(WasmError::from_parser)?);
        }
        depths.push(table.default());
        // Each target reached directly, or through a stub that moves the
        // carried values first; one stub per distinct target.
        let mut stubs: HashMap<u32, _> = HashMap::new();
        let mut labels = Vec::with_capacity(depths.len());
        for &depth in &depths {
            let target = self.frame_index(depth)?;
            if self.frames[target].kind != FrameKind::Function && !self.needs_moves(target) {
                self.frames[target].targeted = true;
                labels.push(self.frames[target].label);
            } else {
                let next = self.f.label();
                labels.push(*stubs.entry(depth).or_insert(next));
            }
        }
        let default = labels.pop().expect("the default target was pushed");
        self.emit(
            Opcode::BrTable,
            vec![
                Operand::Reg(index),
                Operand::U32(default.0),
                Operand::Labels(labels.iter().map(|l| l.0).collect()),
            ],
        )?;
        let mut stubs: Vec<_> = stubs.into_iter().collect();
        stubs.sort_by_key(|&(depth, _)| depth);
        for (depth, stub) in stubs {
            self.place(stub)?;
            let target = self.frame_index(depth)?;
            self.branch(target)?;
        }
        self.unreachable = true;
        Ok(())
    }

    pub(super) fn local_set(&mut self, local: u32, tee: bool) -> Result<()> {
        let ty = self.local_type(local)?;
        let top = self.top(1)?;
        let mut clobbers = false;
        let positions = self
            .gets
            .get_mut(local as usize)
            .map(std::mem::take)
            .unwrap_or_default();
        for i in positions {
            if i < top && self.stack[i].value == Value::Local(local) {
                self.materialize(i)?;
                clobbers = true;
            }
        }
        let entry = self.stack[top];
        match entry.value {
            Value::Local(l) if l == local => {}
            Value::Slot if !clobbers && self.retarget(top, local) => {}
            _ => self.write_entry(top, local as u16)?,
        }
        self.truncate(top);
        if tee {
            self.push(ty, Value::Local(local));
        }
        Ok(())
    }

    /// Makes the held-back instruction write `local` instead of entry
    /// `top`'s slot, when that instruction is what computed the entry.
    fn retarget(&mut self, top: usize, local: u32) -> bool {
        let slot = self.slot(top, self.stack[top].ty);
        match &mut self.pending {
            Some(p)
                if matches!(
                    p.opcode.operands().first(),
                    Some(janus_bytecode::bytecode::OperandKind::Def(_))
                ) && p.operands.first() == Some(&Operand::Reg(slot)) =>
            {
                p.operands[0] = Operand::Reg(local as u16);
                true
            }
            _ => false,
        }
    }

    pub(super) fn call(&mut self, func: u32) -> Result<()> {
        let callee = self
            .ctx
            .callees
            .get(func as usize)
            .cloned()
            .ok_or_else(|| self.internal("unknown function"))?;
        let ty = self.ctx.module.func_type(func);
        let params = ty.params().len();
        let results = val_types(ty.results(), self.offset)?;
        let args = self.pop_regs(params)?;
        match callee {
            Callee::Function(id) => {
                let regs: Vec<_> = results.iter().map(|&t| self.push_slot(t)).collect();
                self.emit(
                    Opcode::Call,
                    vec![Operand::U32(id.0), Operand::Regs(regs), Operand::Regs(args)],
                )
            }
            Callee::Host(HostFunc::Device(code)) => {
                let result = self.push_slot(ValType::I32);
                self.emit(
                    Opcode::Dev,
                    vec![
                        Operand::Dev(code),
                        Operand::Regs(vec![result]),
                        Operand::Regs(args),
                    ],
                )
            }
            Callee::Host(HostFunc::Exit) => {
                self.unreachable = true;
                self.regs(Opcode::Exit, &args)
            }
            Callee::Host(HostFunc::Unimplemented) => {
                self.push(ValType::I32, Value::Const(ENOSYS as u32 as u64));
                Ok(())
            }
            Callee::Host(HostFunc::Discard) => Ok(()),
        }
    }

    pub(super) fn call_indirect(&mut self, type_index: u32) -> Result<()> {
        let ty = self
            .ctx
            .module
            .types
            .get(type_index as usize)
            .ok_or_else(|| self.internal("unknown type"))?;
        let params = ty.params().len();
        let results = val_types(ty.results(), self.offset)?;
        let sig = self.ctx.signatures[type_index as usize];
        let index = self.pop_reg()?;
        let args = self.pop_regs(params)?;
        let regs: Vec<_> = results.iter().map(|&t| self.push_slot(t)).collect();
        self.emit(
            Opcode::CallIndirect,
            vec![
                Operand::U32(sig),
                Operand::Reg(index),
                Operand::Regs(regs),
                Operand::Regs(args),
            ],
        )
    }
}
