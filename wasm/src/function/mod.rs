//! Translating one function body: wasm's operand stack becomes typed
//! registers, the way WAMR's fast interpreter, wasm3 and Winch do it.
//!
//! * Each stack depth has one register per type (its *slot*), allocated on
//!   first use; an instruction's result goes to the slot of the depth it is
//!   pushed at, so the stack's shape alone says where every value lives.
//! * `local.get` and constants are lazy: the stack entry names the local or
//!   the constant, and an instruction reads the local's register directly.
//!   A `local.set` that would clobber a pending `local.get` of the same
//!   local first copies the old value into that entry's slot.
//! * At every control-flow boundary (block, loop, if, else, end) the whole
//!   stack is *flushed* into its slots, so the code on every edge into a
//!   label agrees on where the values are; a branch moves the values it
//!   carries into the target's slots.
//! * The last instruction is held back one step, so a `local.set` of the
//!   value it just computed retargets its destination to the local instead
//!   of adding a move.

use crate::error::{Result, WasmError};
use crate::imports::HostFunc;
use crate::module::{val_type, val_types, WasmModule};
use crate::operators;
use janus_bytecode::bytecode::builder::{FuncId, FunctionBuilder, Label};
use janus_bytecode::bytecode::limits::MAX_REGISTERS;
use janus_bytecode::bytecode::{Class, Opcode, Operand, OperandKind, Reg};
use janus_runtime::abi::ValType;
use wasmparser::{BlockType, FunctionBody, Operator};

mod control;

/// What a call to a wasm function index becomes.
#[derive(Clone, Debug)]
pub(crate) enum Callee {
    /// A JanusVM function.
    Function(FuncId),
    /// An import the host provides.
    Host(HostFunc),
}

/// What every function's translation shares.
pub(crate) struct Context<'m, 'a> {
    pub module: &'m WasmModule<'a>,
    /// Per wasm function index.
    pub callees: &'m [Callee],
    /// The JanusVM signature index of each wasm type index.
    pub signatures: &'m [u32],
}

/// Where a stack entry's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    /// Still in the local's register (a lazy `local.get`).
    Local(u32),
    /// A constant not yet written anywhere, as bits.
    Const(u64),
    /// In the slot register of the entry's depth and type.
    Slot,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    ty: ValType,
    value: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameKind {
    Function,
    Block,
    Loop,
    If,
    Else,
}

#[derive(Debug)]
struct Frame {
    kind: FrameKind,
    /// The branch target: the end of a block or if, the start of a loop.
    label: Label,
    /// Where an `if`'s false edge goes, until its `else` is placed.
    else_label: Option<Label>,
    params: Vec<ValType>,
    results: Vec<ValType>,
    /// The stack height below the frame's parameters.
    height: usize,
    /// Whether some branch targets `label`.
    targeted: bool,
}

impl Frame {
    /// The types a branch to this frame carries.
    fn branch_types(&self) -> &[ValType] {
        if self.kind == FrameKind::Loop {
            &self.params
        } else {
            &self.results
        }
    }
}

/// An instruction not yet given to the builder.
#[derive(Debug)]
struct Pending {
    opcode: Opcode,
    operands: Vec<Operand>,
    offset: usize,
}

/// One function's translation in progress.
pub(crate) struct Translator<'c, 'm, 'a> {
    ctx: &'c Context<'m, 'a>,
    f: FunctionBuilder,
    locals: Vec<ValType>,
    stack: Vec<Entry>,
    /// How many entries at the bottom of the stack are known to be in
    /// their slots, so a flush looks only above them.
    clean: usize,
    /// Per local, the stack positions a `local.get` of it was pushed at
    /// (some may since have been popped or written): a `local.set` looks
    /// only there, so neither costs a walk of the whole stack.
    gets: Vec<Vec<usize>>,
    slots: Vec<[Option<Reg>; 4]>,
    /// Per type, a register never written: it holds zero (see `zero`).
    zeros: [Option<Reg>; 4],
    frames: Vec<Frame>,
    unreachable: bool,
    /// Frames opened inside unreachable code, which emit nothing.
    dead_frames: u32,
    /// The file offset of the instruction being translated.
    offset: usize,
    pending: Option<Pending>,
    /// Each emitted instruction's pc and wasm file offset.
    pcs: Vec<(u32, u32)>,
}

fn type_index(ty: ValType) -> usize {
    match ty {
        ValType::I32 => 0,
        ValType::I64 => 1,
        ValType::F32 => 2,
        ValType::F64 => 3,
    }
}

fn mov(ty: ValType) -> Opcode {
    match ty {
        ValType::I32 => Opcode::I32Mov,
        ValType::I64 => Opcode::I64Mov,
        ValType::F32 => Opcode::F32Mov,
        ValType::F64 => Opcode::F64Mov,
    }
}

fn constant(ty: ValType, reg: Reg, bits: u64) -> (Opcode, Vec<Operand>) {
    let (opcode, value) = match ty {
        ValType::I32 => (Opcode::I32Const, Operand::I32(bits as u32 as i32)),
        ValType::I64 => (Opcode::I64Const, Operand::I64(bits as i64)),
        ValType::F32 => (Opcode::F32Const, Operand::F32(bits as u32)),
        ValType::F64 => (Opcode::F64Const, Operand::F64(bits)),
    };
    (opcode, vec![Operand::Reg(reg), value])
}

fn select(ty: ValType) -> Opcode {
    match ty {
        ValType::I32 => Opcode::I32Select,
        ValType::I64 => Opcode::I64Select,
        ValType::F32 => Opcode::F32Select,
        ValType::F64 => Opcode::F64Select,
    }
}

fn global_get(ty: ValType) -> Opcode {
    match ty {
        ValType::I32 => Opcode::I32GlobalGet,
        ValType::I64 => Opcode::I64GlobalGet,
        ValType::F32 => Opcode::F32GlobalGet,
        ValType::F64 => Opcode::F64GlobalGet,
    }
}

fn global_set(ty: ValType) -> Opcode {
    match ty {
        ValType::I32 => Opcode::I32GlobalSet,
        ValType::I64 => Opcode::I64GlobalSet,
        ValType::F32 => Opcode::F32GlobalSet,
        ValType::F64 => Opcode::F64GlobalSet,
    }
}

impl<'c, 'm, 'a> Translator<'c, 'm, 'a> {
    /// Starts translating the body of `func` (a wasm function index) into
    /// the JanusVM function being built by `f`.
    pub(crate) fn new(ctx: &'c Context<'m, 'a>, f: FunctionBuilder) -> Self {
        Translator {
            ctx,
            f,
            locals: Vec::new(),
            stack: Vec::new(),
            clean: 0,
            gets: Vec::new(),
            slots: Vec::new(),
            zeros: [None; 4],
            frames: Vec::new(),
            unreachable: false,
            dead_frames: 0,
            offset: 0,
            pending: None,
            pcs: Vec::new(),
        }
    }

    /// Translates the body and returns the finished builder and each
    /// instruction's (pc, wasm offset).
    pub(crate) fn translate(
        mut self,
        func: u32,
        body: &FunctionBody<'a>,
    ) -> Result<(FunctionBuilder, Vec<(u32, u32)>)> {
        let start = usize::try_from(body.range().start).unwrap_or(usize::MAX);
        self.offset = start;
        let ty = self.ctx.module.func_type(func);
        self.locals = val_types(ty.params(), start)?;
        let results = val_types(ty.results(), start)?;
        let mut locals = body.get_locals_reader().map_err(WasmError::from_parser)?;
        for _ in 0..locals.get_count() {
            let at = usize::try_from(locals.original_position()).unwrap_or(usize::MAX);
            let (count, ty) = locals.read().map_err(WasmError::from_parser)?;
            let ty = val_type(ty, at)?;
            let total = self.locals.len() as u64 + u64::from(count);
            if total > u64::from(MAX_REGISTERS) {
                return Err(WasmError::Limit {
                    what: format!("a function with {total} parameters and locals"),
                    limit: MAX_REGISTERS.into(),
                    offset: at,
                });
            }
            for _ in 0..count {
                self.locals.push(ty);
                self.f.reg(ty);
            }
        }
        self.gets = vec![Vec::new(); self.locals.len()];
        let label = self.f.label();
        self.frames.push(Frame {
            kind: FrameKind::Function,
            label,
            else_label: None,
            params: Vec::new(),
            results,
            height: 0,
            targeted: false,
        });
        let mut reader = body
            .get_operators_reader()
            .map_err(WasmError::from_parser)?;
        while !reader.eof() {
            let (op, at) = reader.read_with_offset().map_err(WasmError::from_parser)?;
            self.offset = usize::try_from(at).unwrap_or(usize::MAX);
            self.operator(&op)?;
        }
        self.flush_pending()?;
        if self.f.register_count() > MAX_REGISTERS as usize {
            return Err(WasmError::Limit {
                what: format!(
                    "function {func} needs {} registers for its locals and operand stack",
                    self.f.register_count()
                ),
                limit: MAX_REGISTERS.into(),
                offset: start,
            });
        }
        Ok((self.f, self.pcs))
    }

    fn internal(&self, error: impl std::fmt::Display) -> WasmError {
        WasmError::Internal {
            message: error.to_string(),
            offset: self.offset,
        }
    }

    fn flush_pending(&mut self) -> Result<()> {
        if let Some(p) = self.pending.take() {
            self.pcs.push((self.f.pc(), p.offset as u32));
            let (opcode, operands) = (p.opcode, p.operands);
            self.f
                .inst(opcode, operands)
                .map_err(|e| self.internal(e))?;
        }
        Ok(())
    }

    fn emit(&mut self, opcode: Opcode, operands: Vec<Operand>) -> Result<()> {
        self.flush_pending()?;
        self.pending = Some(Pending {
            opcode,
            operands,
            offset: self.offset,
        });
        Ok(())
    }

    fn regs(&mut self, opcode: Opcode, regs: &[Reg]) -> Result<()> {
        self.emit(opcode, regs.iter().map(|&r| Operand::Reg(r)).collect())
    }

    fn place(&mut self, label: Label) -> Result<()> {
        self.flush_pending()?;
        self.f.place(label).map_err(|e| self.internal(e))
    }

    fn jump(&mut self, label: Label) -> Result<()> {
        self.emit(Opcode::Jump, vec![Operand::U32(label.0)])
    }

    fn slot(&mut self, depth: usize, ty: ValType) -> Reg {
        if self.slots.len() <= depth {
            self.slots.resize(depth + 1, [None; 4]);
        }
        match self.slots[depth][type_index(ty)] {
            Some(reg) => reg,
            None => {
                let reg = self.f.reg(ty);
                self.slots[depth][type_index(ty)] = Some(reg);
                reg
            }
        }
    }

    /// Writes entry `i`'s value into `target`.
    fn write_entry(&mut self, i: usize, target: Reg) -> Result<()> {
        let Entry { ty, value } = self.stack[i];
        match value {
            Value::Local(l) => self.regs(mov(ty), &[target, l as Reg]),
            Value::Const(bits) => {
                let (opcode, operands) = constant(ty, target, bits);
                self.emit(opcode, operands)
            }
            Value::Slot => {
                let source = self.slot(i, ty);
                if source == target {
                    Ok(())
                } else {
                    self.regs(mov(ty), &[target, source])
                }
            }
        }
    }

    /// Moves entry `i` into its slot.
    fn materialize(&mut self, i: usize) -> Result<()> {
        if self.stack[i].value != Value::Slot {
            let target = self.slot(i, self.stack[i].ty);
            self.write_entry(i, target)?;
            self.stack[i].value = Value::Slot;
        }
        Ok(())
    }

    /// The register holding entry `i`'s value, writing a constant to its slot.
    fn reg_of(&mut self, i: usize) -> Result<Reg> {
        match self.stack[i].value {
            Value::Local(l) => Ok(l as Reg),
            // Every register but the parameters starts at zero on each
            // call (ISA §2), so a zero operand reads a register nothing
            // writes instead of costing a `T.const` (clang addresses
            // globals as `i32.const 0` plus an offset).
            Value::Const(0) => Ok(self.zero(self.stack[i].ty)),
            Value::Const(_) => {
                self.materialize(i)?;
                Ok(self.slot(i, self.stack[i].ty))
            }
            Value::Slot => Ok(self.slot(i, self.stack[i].ty)),
        }
    }

    /// The register of type `ty` that no instruction writes: zero (`+0.0`)
    /// throughout the call.
    fn zero(&mut self, ty: ValType) -> Reg {
        match self.zeros[type_index(ty)] {
            Some(reg) => reg,
            None => {
                let reg = self.f.reg(ty);
                self.zeros[type_index(ty)] = Some(reg);
                reg
            }
        }
    }

    fn top(&self, n: usize) -> Result<usize> {
        self.stack
            .len()
            .checked_sub(n)
            .ok_or_else(|| self.internal("operand stack underflow"))
    }

    /// The registers of the top `n` entries, which are popped.
    fn pop_regs(&mut self, n: usize) -> Result<Vec<Reg>> {
        let base = self.top(n)?;
        let regs = (base..self.stack.len())
            .map(|i| self.reg_of(i))
            .collect::<Result<Vec<_>>>()?;
        self.truncate(base);
        Ok(regs)
    }

    fn pop_reg(&mut self) -> Result<Reg> {
        Ok(self.pop_regs(1)?[0])
    }

    fn push_slot(&mut self, ty: ValType) -> Reg {
        let reg = self.slot(self.stack.len(), ty);
        self.stack.push(Entry {
            ty,
            value: Value::Slot,
        });
        reg
    }

    fn push(&mut self, ty: ValType, value: Value) {
        if let Value::Local(l) = value {
            if let Some(positions) = self.gets.get_mut(l as usize) {
                positions.push(self.stack.len());
            }
        }
        self.stack.push(Entry { ty, value });
    }

    fn truncate(&mut self, len: usize) {
        self.stack.truncate(len);
        self.clean = self.clean.min(len);
    }

    fn flush(&mut self) -> Result<()> {
        for i in self.clean..self.stack.len() {
            self.materialize(i)?;
        }
        self.clean = self.stack.len();
        Ok(())
    }

    /// Resets the stack above `height` to `types` in their slots.
    fn reset(&mut self, height: usize, types: &[ValType]) {
        self.truncate(height);
        for &ty in types {
            self.push(ty, Value::Slot);
        }
    }

    fn block_type(&self, ty: BlockType) -> Result<(Vec<ValType>, Vec<ValType>)> {
        match ty {
            BlockType::Empty => Ok((Vec::new(), Vec::new())),
            BlockType::Type(t) => Ok((Vec::new(), vec![val_type(t, self.offset)?])),
            BlockType::FuncType(i) => {
                let ty = self
                    .ctx
                    .module
                    .types
                    .get(i as usize)
                    .ok_or_else(|| self.internal("unknown block type"))?;
                Ok((
                    val_types(ty.params(), self.offset)?,
                    val_types(ty.results(), self.offset)?,
                ))
            }
        }
    }

    fn open(&mut self, kind: FrameKind, ty: BlockType) -> Result<()> {
        let (params, results) = self.block_type(ty)?;
        self.flush()?;
        let height = self.top(params.len())?;
        let label = self.f.label();
        if kind == FrameKind::Loop {
            self.place(label)?;
        }
        self.frames.push(Frame {
            kind,
            label,
            else_label: None,
            params,
            results,
            height,
            targeted: false,
        });
        Ok(())
    }

    /// The frame `depth` levels out from the innermost.
    fn frame_index(&self, depth: u32) -> Result<usize> {
        self.frames
            .len()
            .checked_sub(1 + depth as usize)
            .ok_or_else(|| self.internal("branch depth out of range"))
    }

    /// Whether a branch to frame `target` must move values.
    fn needs_moves(&self, target: usize) -> bool {
        let frame = &self.frames[target];
        let n = frame.branch_types().len();
        let base = self.stack.len().saturating_sub(n);
        base != frame.height || self.stack[base..].iter().any(|e| e.value != Value::Slot)
    }

    /// Moves the values a branch to frame `target` carries into its slots.
    fn branch_moves(&mut self, target: usize) -> Result<()> {
        let height = self.frames[target].height;
        let n = self.frames[target].branch_types().len();
        let base = self.top(n)?;
        for k in 0..n {
            let ty = self.stack[base + k].ty;
            let reg = self.slot(height + k, ty);
            if base + k != height || self.stack[base + k].value != Value::Slot {
                self.write_entry(base + k, reg)?;
            }
        }
        Ok(())
    }

    /// The code a taken branch runs: a return for the function's frame,
    /// else the moves and a jump.
    fn branch(&mut self, target: usize) -> Result<()> {
        if self.frames[target].kind == FrameKind::Function {
            let n = self.frames[target].results.len();
            let base = self.top(n)?;
            // The entries are not marked as written: this code runs only
            // on the branch's edge, and the fall-through path may still
            // need them where they are.
            let mut regs = Vec::with_capacity(n);
            for i in base..self.stack.len() {
                let reg = match self.stack[i].value {
                    Value::Local(l) => l as Reg,
                    Value::Const(_) | Value::Slot => {
                        let slot = self.slot(i, self.stack[i].ty);
                        self.write_entry(i, slot)?;
                        slot
                    }
                };
                regs.push(reg);
            }
            return self.emit(Opcode::Ret, vec![Operand::Regs(regs)]);
        }
        self.branch_moves(target)?;
        self.frames[target].targeted = true;
        let label = self.frames[target].label;
        self.jump(label)
    }

    fn operator(&mut self, op: &Operator<'a>) -> Result<()> {
        if self.unreachable {
            return self.dead(op);
        }
        if let Some(opcode) = operators::stack_opcode(op) {
            let kinds = opcode.operands();
            let uses = kinds.len() - 1;
            let OperandKind::Def(ty) = kinds[0] else {
                return Err(self.internal("a stack operator without a result"));
            };
            let mut regs = self.pop_regs(uses)?;
            regs.insert(0, self.push_slot(ty));
            return self.regs(opcode, &regs);
        }
        if let Some((opcode, memarg)) = operators::memory_opcode(op) {
            let offset = u32::try_from(memarg.offset).map_err(|e| self.internal(e))?;
            let operands = match opcode.class() {
                Class::Load(_) => {
                    let OperandKind::Def(ty) = opcode.operands()[0] else {
                        return Err(self.internal("a load without a result"));
                    };
                    let addr = self.pop_reg()?;
                    let dst = self.push_slot(ty);
                    vec![Operand::Reg(dst), Operand::Reg(addr), Operand::U32(offset)]
                }
                _ => {
                    let regs = self.pop_regs(2)?;
                    vec![
                        Operand::Reg(regs[1]),
                        Operand::Reg(regs[0]),
                        Operand::U32(offset),
                    ]
                }
            };
            return self.emit(opcode, operands);
        }
        self.structured(op)
    }

    /// Everything but the one-to-one operators.
    fn structured(&mut self, op: &Operator<'a>) -> Result<()> {
        match *op {
            Operator::Nop => Ok(()),
            Operator::Unreachable => {
                self.unreachable = true;
                self.emit(Opcode::Unreachable, Vec::new())
            }
            Operator::Block { blockty } => self.open(FrameKind::Block, blockty),
            Operator::Loop { blockty } => self.open(FrameKind::Loop, blockty),
            Operator::If { blockty } => {
                let cond = self.pop_reg()?;
                self.open(FrameKind::If, blockty)?;
                let else_label = self.f.label();
                self.frames.last_mut().expect("just pushed").else_label = Some(else_label);
                self.emit(
                    Opcode::BrIfz,
                    vec![Operand::Reg(cond), Operand::U32(else_label.0)],
                )
            }
            Operator::Else => self.else_(),
            Operator::End => self.end(),
            Operator::Br { relative_depth } => {
                let target = self.frame_index(relative_depth)?;
                self.branch(target)?;
                self.unreachable = true;
                Ok(())
            }
            Operator::BrIf { relative_depth } => self.br_if(relative_depth),
            Operator::BrTable { ref targets } => self.br_table(targets),
            Operator::Return => {
                self.branch(0)?;
                self.unreachable = true;
                Ok(())
            }
            Operator::Call { function_index } => self.call(function_index),
            Operator::CallIndirect { type_index, .. } => self.call_indirect(type_index),
            Operator::Drop => {
                let top = self.top(1)?;
                self.truncate(top);
                Ok(())
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let ty = self.stack[self.top(3)?].ty;
                let regs = self.pop_regs(3)?;
                let dst = self.push_slot(ty);
                self.regs(select(ty), &[dst, regs[2], regs[0], regs[1]])
            }
            Operator::LocalGet { local_index } => {
                let ty = self.local_type(local_index)?;
                self.push(ty, Value::Local(local_index));
                Ok(())
            }
            Operator::LocalSet { local_index } => self.local_set(local_index, false),
            Operator::LocalTee { local_index } => self.local_set(local_index, true),
            Operator::GlobalGet { global_index } => {
                let ty = self.global_type(global_index)?;
                let dst = self.push_slot(ty);
                self.emit(
                    global_get(ty),
                    vec![Operand::Reg(dst), Operand::U32(global_index)],
                )
            }
            Operator::GlobalSet { global_index } => {
                let ty = self.global_type(global_index)?;
                let value = self.pop_reg()?;
                self.emit(
                    global_set(ty),
                    vec![Operand::U32(global_index), Operand::Reg(value)],
                )
            }
            Operator::I32Const { value } => {
                self.push(ValType::I32, Value::Const(value as u32 as u64));
                Ok(())
            }
            Operator::I64Const { value } => {
                self.push(ValType::I64, Value::Const(value as u64));
                Ok(())
            }
            Operator::F32Const { value } => {
                self.push(ValType::F32, Value::Const(value.bits() as u64));
                Ok(())
            }
            Operator::F64Const { value } => {
                self.push(ValType::F64, Value::Const(value.bits()));
                Ok(())
            }
            Operator::MemorySize { .. } => {
                let dst = self.push_slot(ValType::I32);
                self.regs(Opcode::MemorySize, &[dst])
            }
            Operator::MemoryGrow { .. } => {
                let pages = self.pop_reg()?;
                let dst = self.push_slot(ValType::I32);
                self.regs(Opcode::MemoryGrow, &[dst, pages])
            }
            Operator::MemoryCopy { .. } => {
                let regs = self.pop_regs(3)?;
                self.regs(Opcode::MemoryCopy, &regs)
            }
            Operator::MemoryFill { .. } => {
                let regs = self.pop_regs(3)?;
                self.regs(Opcode::MemoryFill, &regs)
            }
            Operator::MemoryInit { data_index, .. } => {
                let regs = self.pop_regs(3)?;
                let mut operands = vec![Operand::U32(data_index)];
                operands.extend(regs.into_iter().map(Operand::Reg));
                self.emit(Opcode::MemoryInit, operands)
            }
            Operator::DataDrop { data_index } => {
                self.emit(Opcode::DataDrop, vec![Operand::U32(data_index)])
            }
            ref other => {
                let (instruction, why) = operators::unsupported(other);
                Err(WasmError::UnsupportedInstruction {
                    instruction,
                    why,
                    offset: self.offset,
                })
            }
        }
    }

    fn local_type(&self, local: u32) -> Result<ValType> {
        self.locals
            .get(local as usize)
            .copied()
            .ok_or_else(|| self.internal("unknown local"))
    }

    fn global_type(&self, global: u32) -> Result<ValType> {
        self.ctx
            .module
            .globals
            .get(global as usize)
            .map(|g| g.ty)
            .ok_or_else(|| self.internal("unknown global"))
    }
}
