//! Verified bytecode to SSA IR.
//!
//! Registers become SSA variables with the algorithm of Braun, Buchwald,
//! Hack, Leißa, Mallon and Zwinkau, "Simple and Efficient Construction of
//! Static Single Assignment Form" (CC 2013): `def_var` records a register's
//! current value in a block, `use_var` finds it (adding block parameters
//! where control flow merges), and `seal_block` completes a block's
//! parameters once all its predecessors are known. Two departures from the
//! paper's presentation, both for hostile inputs: the lookup walks
//! predecessor chains with an explicit worklist instead of recursion, so a
//! function with a million blocks cannot overflow the stack; and trivial
//! parameters (the paper's trivial phis) are removed in one sweep after
//! construction rather than during it.
//!
//! Registers read before any write are the zero constant of their type. Every
//! check the VM performs is emitted as its own instruction, carrying the pc of
//! the bytecode instruction it belongs to. Time is linear in the size of the
//! function (hash-map lookups aside).

use super::entities::{Block, FuncRef, Inst, Value};
use super::function::{Export, Function, Module, ModuleContext, ValueDef};
use super::instructions::{is_mov, is_pure_opcode, BlockCall, InstData};
use crate::bytecode::{self as bc, Opcode, Operand, OperandKind, Reg};
use janus_runtime::abi::{TrapKind, ValType};
use rustc_hash::FxHashMap;

/// Placeholder for a block argument whose value is still being looked up.
const PENDING: Value = Value(u32::MAX);

/// Builds the IR of every function of a verified module, and copies what
/// the backend needs besides code (memory, signatures, data, table,
/// exports), so the IR module stands on its own.
pub fn build_module(module: &bc::Module) -> Module {
    let ctx = context(module);
    let functions = (0..module.functions.len())
        .map(|i| build_function(module, &ctx, i))
        .collect();
    Module {
        memory: module.memory,
        signatures: module.signatures.clone(),
        data: module.data.clone(),
        table: module.table.iter().map(|&f| FuncRef(f)).collect(),
        exports: module
            .exports
            .iter()
            .map(|e| Export {
                name: e.name.clone(),
                func: FuncRef(e.func),
            })
            .collect(),
        ctx,
        functions,
    }
}

/// The callee table of a bytecode module.
pub fn context(module: &bc::Module) -> ModuleContext {
    ModuleContext {
        functions: module
            .functions
            .iter()
            .map(|f| (f.name.clone(), module.signatures[f.sig as usize].clone()))
            .collect(),
    }
}

/// An edge into a block: the branch instruction and which of its
/// destinations.
#[derive(Clone, Copy, Debug)]
struct Edge {
    from: Block,
    branch: Inst,
    dest: usize,
}

struct Builder<'a> {
    ctx: &'a ModuleContext,
    module: &'a bc::Module,
    func: Function,
    registers: &'a [ValType],
    defs: FxHashMap<(Block, Reg), Value>,
    preds: Vec<Vec<Edge>>,
    expected_preds: Vec<usize>,
    sealed: Vec<bool>,
    incomplete: Vec<Vec<(Reg, Value)>>,
    entry: Block,
    zeros: [Option<Value>; 4],
}

/// Builds the IR of function `index` of a verified module.
pub fn build_function(module: &bc::Module, ctx: &ModuleContext, index: usize) -> Function {
    let bfunc = &module.functions[index];
    let sig = module.signatures[bfunc.sig as usize].clone();
    let pcs = bfunc.pcs();
    let code = &bfunc.code;
    let n = code.len();
    let index_of_pc = |pc: u32| {
        pcs[..n]
            .binary_search(&pc)
            .expect("verified targets start instructions")
    };

    // Leaders: the first instruction, every target, everything after a
    // branch or terminator.
    let mut leader = vec![false; n + 1];
    leader[0] = true;
    for (i, inst) in code.iter().enumerate() {
        for t in inst.targets() {
            leader[index_of_pc(t)] = true;
        }
        if inst.opcode.is_terminator() || matches!(inst.opcode, Opcode::BrIf | Opcode::BrIfz) {
            leader[i + 1] = true;
        }
    }
    let successors = |i_end: usize| -> Vec<usize> {
        let inst = &code[i_end];
        let mut s: Vec<usize> = inst.targets().into_iter().map(index_of_pc).collect();
        if !inst.opcode.is_terminator() {
            s.push(i_end + 1);
        }
        s
    };
    let block_end = |start: usize| -> usize {
        let mut i = start;
        while !leader[i + 1] {
            i += 1;
        }
        i
    };

    // Reachable bytecode blocks in reverse postorder, found without recursion.
    let mut order = Vec::new();
    let mut visited = vec![false; n];
    let mut stack: Vec<(usize, Vec<usize>)> = Vec::new();
    visited[0] = true;
    stack.push((0, successors(block_end(0))));
    while let Some((start, succs)) = stack.last_mut() {
        if let Some(s) = succs.pop() {
            if !visited[s] {
                visited[s] = true;
                let next = successors(block_end(s));
                stack.push((s, next));
            }
        } else {
            order.push(*start);
            stack.pop();
        }
    }
    order.reverse();

    let mut func = Function::new(&bfunc.name, sig.clone());
    let mut block_of = FxHashMap::default();
    let needs_separate_entry = code.iter().any(|inst| inst.targets().contains(&0));
    let entry = func.dfg.make_block();
    func.layout.append_block(entry);
    if !needs_separate_entry {
        block_of.insert(0usize, entry);
    }
    for &start in &order {
        if start == 0 && !needs_separate_entry {
            continue;
        }
        let b = func.dfg.make_block();
        func.layout.append_block(b);
        block_of.insert(start, b);
    }

    let blocks = func.dfg.blocks.len();
    let mut builder = Builder {
        ctx,
        module,
        func,
        registers: &bfunc.registers,
        defs: FxHashMap::default(),
        preds: vec![Vec::new(); blocks],
        expected_preds: vec![0; blocks],
        sealed: vec![false; blocks],
        incomplete: vec![Vec::new(); blocks],
        entry,
        zeros: [None; 4],
    };
    for &start in &order {
        for s in successors(block_end(start)) {
            builder.expected_preds[block_of[&s].index()] += 1;
        }
    }
    for (i, &ty) in sig.params.iter().enumerate() {
        let p = builder.func.dfg.append_param(entry, ty);
        builder.defs.insert((entry, i as Reg), p);
    }
    builder.seal(entry);
    if needs_separate_entry {
        builder.expected_preds[block_of[&0].index()] += 1;
        let target = block_of[&0];
        builder.branch(
            entry,
            InstData::Jump {
                dest: BlockCall {
                    block: target,
                    args: vec![],
                },
            },
            0,
        );
        builder.try_seal(target);
    }

    for &start in &order {
        let block = block_of[&start];
        builder.try_seal(block);
        let end = block_end(start);
        for i in start..=end {
            builder.translate(
                block,
                &code[i],
                pcs[i],
                i == end,
                |pc| block_of[&index_of_pc(pc)],
                || block_of[&(i + 1)],
            );
        }
    }
    for &start in &order {
        builder.try_seal(block_of[&start]);
    }
    let mut func = builder.func;
    remove_trivial_params(&mut func);
    super::passes::renumber::renumber(&mut func);
    func
}

impl Builder<'_> {
    fn ty(&self, reg: Reg) -> ValType {
        self.registers[reg as usize]
    }

    fn def_var(&mut self, block: Block, reg: Reg, v: Value) {
        self.defs.insert((block, reg), v);
    }

    fn emit(&mut self, block: Block, data: InstData, pc: u32) -> Option<Value> {
        let inst = self.func.append(self.ctx, block, data, pc);
        self.func.dfg.result(inst)
    }

    fn value(&mut self, block: Block, data: InstData, pc: u32) -> Value {
        self.emit(block, data, pc)
            .expect("instruction has a result")
    }

    fn konst(&mut self, block: Block, ty: ValType, bits: u64, pc: u32) -> Value {
        self.value(block, InstData::Const { ty, bits }, pc)
    }

    fn pure(&mut self, block: Block, op: Opcode, args: Vec<Value>, pc: u32) -> Value {
        self.value(block, InstData::Pure { op, args }, pc)
    }

    fn trap_if(&mut self, block: Block, kind: TrapKind, cond: Value, nonzero: bool, pc: u32) {
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

    /// Emits a terminator and records its edges.
    fn branch(&mut self, block: Block, data: InstData, pc: u32) {
        let dests: Vec<Block> = data.destinations().iter().map(|d| d.block).collect();
        let inst = self.func.append(self.ctx, block, data, pc);
        for (i, dest) in dests.into_iter().enumerate() {
            self.preds[dest.index()].push(Edge {
                from: block,
                branch: inst,
                dest: i,
            });
        }
    }

    fn try_seal(&mut self, block: Block) {
        if !self.sealed[block.index()]
            && self.preds[block.index()].len() == self.expected_preds[block.index()]
        {
            self.seal(block);
        }
    }

    /// `seal_block`: every predecessor is known, so the parameters made while
    /// they were not get their arguments.
    fn seal(&mut self, block: Block) {
        self.sealed[block.index()] = true;
        let pending = std::mem::take(&mut self.incomplete[block.index()]);
        for (reg, param) in pending {
            self.add_param_operands(block, reg, param);
        }
    }

    fn zero(&mut self, ty: ValType) -> Value {
        let slot = ValType::ALL
            .iter()
            .position(|&t| t == ty)
            .expect("a value type");
        if let Some(v) = self.zeros[slot] {
            return v;
        }
        let inst = self
            .func
            .dfg
            .make_inst(InstData::Const { ty, bits: 0 }, Some(ty), 0);
        let insts = &mut self.func.layout.insts[self.entry.index()];
        let at = insts
            .iter()
            .take_while(|i| matches!(self.func.dfg.insts[i.index()], InstData::Const { .. }))
            .count();
        insts.insert(at, inst);
        let v = self.func.dfg.result(inst).expect("const has a result");
        self.zeros[slot] = Some(v);
        v
    }

    /// `use_var`: the value register `reg` holds at the end of (or, while it
    /// is being filled, at the current point of) `block`.
    fn use_var(&mut self, block: Block, reg: Reg) -> Value {
        if let Some(&v) = self.defs.get(&(block, reg)) {
            return v;
        }
        let v = self.lookup(block, reg);
        v
    }

    /// The non-local part of `use_var`, without recursion: follows
    /// single-predecessor chains, and for merges makes a parameter whose
    /// arguments are looked up through a worklist.
    fn lookup(&mut self, block: Block, reg: Reg) -> Value {
        let mut work = Vec::new();
        let result = self.lookup_one(block, reg, &mut work);
        self.drain(reg, work);
        result
    }

    /// Makes room for argument `slot` on every edge into `block` and queues
    /// the lookups that will fill them.
    fn request_operands(
        &mut self,
        block: Block,
        slot: usize,
        work: &mut Vec<(Block, Edge, usize)>,
    ) {
        for i in 0..self.preds[block.index()].len() {
            let edge = self.preds[block.index()][i];
            self.push_edge_arg(edge, PENDING, slot);
            work.push((edge.from, edge, slot));
        }
    }

    /// Fills queued edge arguments with the value `reg` has at the end of
    /// each edge's source, queueing further lookups as parameters appear.
    fn drain(&mut self, reg: Reg, mut work: Vec<(Block, Edge, usize)>) {
        while let Some((from, edge, slot)) = work.pop() {
            let v = match self.defs.get(&(from, reg)) {
                Some(&v) => v,
                None => self.lookup_one(from, reg, &mut work),
            };
            self.push_edge_arg(edge, v, slot);
        }
    }

    fn lookup_one(
        &mut self,
        start: Block,
        reg: Reg,
        work: &mut Vec<(Block, Edge, usize)>,
    ) -> Value {
        let mut path = Vec::new();
        let mut block = start;
        let value = loop {
            if let Some(&v) = self.defs.get(&(block, reg)) {
                break v;
            }
            let b = block.index();
            if !self.sealed[b] {
                let p = self.func.dfg.append_param(block, self.ty(reg));
                self.incomplete[b].push((reg, p));
                self.def_var(block, reg, p);
                break p;
            }
            match self.preds[b].len() {
                0 => {
                    let z = self.zero(self.ty(reg));
                    self.def_var(block, reg, z);
                    break z;
                }
                1 => {
                    path.push(block);
                    block = self.preds[b][0].from;
                }
                _ => {
                    let p = self.func.dfg.append_param(block, self.ty(reg));
                    self.def_var(block, reg, p);
                    let slot = self.func.dfg.params(block).len() - 1;
                    self.request_operands(block, slot, work);
                    break p;
                }
            }
        };
        for b in path {
            self.def_var(b, reg, value);
        }
        value
    }

    fn add_param_operands(&mut self, block: Block, reg: Reg, param: Value) {
        let slot = match self.func.dfg.values[param.index()].def {
            ValueDef::Param(_, n) => n,
            ValueDef::Result(_) => unreachable!("incomplete parameters are parameters"),
        };
        let mut work = Vec::new();
        self.request_operands(block, slot, &mut work);
        self.drain(reg, work);
    }

    fn edge_args(&mut self, edge: Edge) -> &mut Vec<Value> {
        let data = &mut self.func.dfg.insts[edge.branch.index()];
        &mut data
            .destinations_mut()
            .into_iter()
            .nth(edge.dest)
            .expect("edge destination exists")
            .args
    }

    /// Makes room for argument `slot` of an edge (arguments arrive in
    /// parameter order, but a slot may be filled later).
    fn push_edge_arg(&mut self, edge: Edge, v: Value, slot: usize) {
        let args = self.edge_args(edge);
        if args.len() <= slot {
            args.resize(slot + 1, PENDING);
        }
        args[slot] = v;
    }

    fn reg_operand(inst: &bc::Inst, i: usize) -> Reg {
        match &inst.operands[i] {
            Operand::Reg(r) => *r,
            other => unreachable!(
                "verified operand {i} of {} is a register, found {other:?}",
                inst.opcode
            ),
        }
    }

    fn u32_operand(inst: &bc::Inst, i: usize) -> u32 {
        match &inst.operands[i] {
            Operand::U32(v) => *v,
            other => unreachable!(
                "verified operand {i} of {} is a u32, found {other:?}",
                inst.opcode
            ),
        }
    }

    fn regs_operand(inst: &bc::Inst, i: usize) -> &[Reg] {
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
    fn translate(
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
        match op {
            Opcode::Nop => {}
            Opcode::I32Const | Opcode::I64Const | Opcode::F32Const | Opcode::F64Const => {
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
            _ if is_mov(op) => {
                let v = self.use_var(block, Self::reg_operand(inst, 1));
                self.def_var(block, Self::reg_operand(inst, 0), v);
            }
            _ if is_pure_opcode(op) => {
                let args = uses(self, 1);
                self.guard(block, op, &args, pc);
                let v = self.pure(block, op, args, pc);
                self.def_var(block, Self::reg_operand(inst, 0), v);
            }
            Opcode::I32Load
            | Opcode::I32Load8S
            | Opcode::I32Load8U
            | Opcode::I32Load16S
            | Opcode::I32Load16U
            | Opcode::I64Load
            | Opcode::I64Load8S
            | Opcode::I64Load8U
            | Opcode::I64Load16S
            | Opcode::I64Load16U
            | Opcode::I64Load32S
            | Opcode::I64Load32U
            | Opcode::F32Load
            | Opcode::F64Load => {
                let addr = self.use_var(block, Self::reg_operand(inst, 1));
                let offset = Self::u32_operand(inst, 2);
                self.emit(
                    block,
                    InstData::Bounds {
                        addr,
                        end: u64::from(offset) + op.access_size(),
                    },
                    pc,
                );
                let v = self.value(block, InstData::Load { op, addr, offset }, pc);
                self.def_var(block, Self::reg_operand(inst, 0), v);
            }
            Opcode::I32Store
            | Opcode::I32Store8
            | Opcode::I32Store16
            | Opcode::I64Store
            | Opcode::I64Store8
            | Opcode::I64Store16
            | Opcode::I64Store32
            | Opcode::F32Store
            | Opcode::F64Store => {
                let value = self.use_var(block, Self::reg_operand(inst, 0));
                let addr = self.use_var(block, Self::reg_operand(inst, 1));
                let offset = Self::u32_operand(inst, 2);
                self.emit(
                    block,
                    InstData::Bounds {
                        addr,
                        end: u64::from(offset) + op.access_size(),
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
            Opcode::MemorySize
            | Opcode::MemoryGrow
            | Opcode::MemoryCopy
            | Opcode::MemoryFill
            | Opcode::HeapAlloc
            | Opcode::HeapFree
            | Opcode::HeapRealloc => {
                let has_def = matches!(kinds.first(), Some(OperandKind::Def(_)));
                let args = uses(self, 0);
                let result = self.emit(block, InstData::Runtime { op, args }, pc);
                if has_def {
                    let v = result.expect("runtime call with a result");
                    self.def_var(block, Self::reg_operand(inst, 0), v);
                }
            }
            Opcode::Dev => {
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
            Opcode::Call => {
                let func = FuncRef(Self::u32_operand(inst, 0));
                let args: Vec<Value> = Self::regs_operand(inst, 2)
                    .iter()
                    .map(|&r| self.use_var(block, r))
                    .collect();
                self.emit(block, InstData::DepthEnter, pc);
                let result = self.emit(block, InstData::Call { func, args }, pc);
                self.emit(block, InstData::DepthLeave, pc);
                if let (Some(v), Some(&r)) = (result, Self::regs_operand(inst, 1).first()) {
                    self.def_var(block, r, v);
                }
            }
            Opcode::CallIndirect => {
                let sig = self.module.signatures[Self::u32_operand(inst, 0) as usize].clone();
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
                self.emit(block, InstData::DepthEnter, pc);
                let result = self.emit(block, InstData::CallIndirect { sig, index, args }, pc);
                self.emit(block, InstData::DepthLeave, pc);
                if let (Some(v), Some(&r)) = (result, Self::regs_operand(inst, 2).first()) {
                    self.def_var(block, r, v);
                }
            }
            Opcode::Jump => {
                let dest = BlockCall {
                    block: target(Self::u32_operand(inst, 0)),
                    args: vec![],
                };
                self.branch(block, InstData::Jump { dest }, pc);
            }
            Opcode::BrIf | Opcode::BrIfz => {
                let cond = self.use_var(block, Self::reg_operand(inst, 0));
                let taken = BlockCall {
                    block: target(Self::u32_operand(inst, 1)),
                    args: vec![],
                };
                let fall = BlockCall {
                    block: next(),
                    args: vec![],
                };
                let (then_dest, else_dest) = if op == Opcode::BrIf {
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
            Opcode::BrTable => {
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
            Opcode::Ret => {
                let args = Self::regs_operand(inst, 0)
                    .iter()
                    .map(|&r| self.use_var(block, r))
                    .collect();
                self.emit(block, InstData::Return { args }, pc);
            }
            Opcode::Exit => {
                let status = self.use_var(block, Self::reg_operand(inst, 0));
                self.emit(block, InstData::Exit { status }, pc);
            }
            Opcode::Trap => {
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
            Opcode::Unreachable => {
                self.emit(
                    block,
                    InstData::Trap {
                        kind: TrapKind::Unreachable,
                        code: 0,
                    },
                    pc,
                );
            }
            other => unreachable!("`{other}` has no translation"),
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

    /// The checks a pure operation's precondition needs: a non-zero divisor,
    /// no `MIN / -1`, a float that converts.
    fn guard(&mut self, block: Block, op: Opcode, args: &[Value], pc: u32) {
        use Opcode::*;
        match op {
            I32DivU | I32RemU | I32RemS | I64DivU | I64RemU | I64RemS => {
                self.trap_if(block, TrapKind::DivideByZero, args[1], false, pc);
            }
            I32DivS | I64DivS => {
                self.trap_if(block, TrapKind::DivideByZero, args[1], false, pc);
                let (ty, min, eq, and) = if op == I32DivS {
                    (ValType::I32, u64::from(i32::MIN as u32), I32Eq, I32And)
                } else {
                    (ValType::I64, i64::MIN as u64, I64Eq, I32And)
                };
                let minus_one = if ty == ValType::I32 {
                    u64::from(u32::MAX)
                } else {
                    u64::MAX
                };
                let min_c = self.konst(block, ty, min, pc);
                let neg_c = self.konst(block, ty, minus_one, pc);
                let a_min = self.pure(block, eq, vec![args[0], min_c], pc);
                let b_neg = self.pure(block, eq, vec![args[1], neg_c], pc);
                let both = self.pure(block, and, vec![a_min, b_neg], pc);
                self.trap_if(block, TrapKind::IntegerOverflow, both, true, pc);
            }
            _ => {
                if let Some(range) = conversion_range(op) {
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
            }
        }
    }

    fn float_const(&mut self, block: Block, ty: ValType, value: f64, pc: u32) -> Value {
        let bits = if ty == ValType::F32 {
            u64::from((value as f32).to_bits())
        } else {
            value.to_bits()
        };
        self.konst(block, ty, bits, pc)
    }
}

/// The values a checked float-to-int conversion accepts: `lo < x < hi` (or
/// `lo <= x` where `lo` is exactly the target's minimum), as in WebAssembly.
pub struct ConversionRange {
    /// The float type converted from.
    pub source: ValType,
    /// The lower bound.
    pub lo: f64,
    /// Whether `lo` itself converts.
    pub lo_inclusive: bool,
    /// The (exclusive) upper bound.
    pub hi: f64,
}

/// The range of a checked conversion opcode, or `None` for other opcodes.
pub fn conversion_range(op: Opcode) -> Option<ConversionRange> {
    use Opcode::*;
    let two31 = 2147483648.0;
    let two32 = 4294967296.0;
    let two63 = 9223372036854775808.0;
    let two64 = 18446744073709551616.0;
    let r = |source, lo, lo_inclusive, hi| {
        Some(ConversionRange {
            source,
            lo,
            lo_inclusive,
            hi,
        })
    };
    match op {
        I32TruncF32S => r(ValType::F32, -two31, true, two31),
        I32TruncF32U => r(ValType::F32, -1.0, false, two32),
        I32TruncF64S => r(ValType::F64, -two31 - 1.0, false, two31),
        I32TruncF64U => r(ValType::F64, -1.0, false, two32),
        I64TruncF32S => r(ValType::F32, -two63, true, two63),
        I64TruncF32U => r(ValType::F32, -1.0, false, two64),
        I64TruncF64S => r(ValType::F64, -two63, true, two63),
        I64TruncF64U => r(ValType::F64, -1.0, false, two64),
        _ => None,
    }
}

/// Removes block parameters whose arguments are all one value (or the
/// parameter itself), repeating until none is left: the paper's trivial phi
/// removal, done once after construction.
fn remove_trivial_params(func: &mut Function) {
    let nvalues = func.dfg.values.len();
    let mut alias: Vec<Value> = (0..nvalues).map(Value::new).collect();
    fn resolve(alias: &[Value], mut v: Value) -> Value {
        while alias[v.index()] != v {
            v = alias[v.index()];
        }
        v
    }
    // Incoming edges of every block.
    let mut incoming: Vec<Vec<(Inst, usize)>> = vec![Vec::new(); func.dfg.blocks.len()];
    for &b in &func.layout.blocks {
        if let Some(term) = func.layout.terminator(b) {
            for (i, d) in func.dfg.insts[term.index()]
                .destinations()
                .iter()
                .enumerate()
            {
                incoming[d.block.index()].push((term, i));
            }
        }
    }
    let entry = func.layout.entry();
    let mut removed: Vec<Vec<bool>> = func
        .dfg
        .blocks
        .iter()
        .map(|b| vec![false; b.params.len()])
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for &b in &func.layout.blocks {
            if Some(b) == entry {
                continue;
            }
            for (slot, &p) in func.dfg.blocks[b.index()].params.iter().enumerate() {
                if removed[b.index()][slot] {
                    continue;
                }
                let mut same: Option<Value> = None;
                let mut trivial = true;
                for &(inst, dest) in &incoming[b.index()] {
                    let arg = func.dfg.insts[inst.index()].destinations()[dest].args[slot];
                    let arg = resolve(&alias, arg);
                    if arg == p || Some(arg) == same {
                        continue;
                    }
                    if same.is_some() {
                        trivial = false;
                        break;
                    }
                    same = Some(arg);
                }
                if trivial {
                    if let Some(s) = same {
                        alias[p.index()] = s;
                        removed[b.index()][slot] = true;
                        changed = true;
                    }
                }
            }
        }
    }
    // Drop removed parameters and their arguments, then rewrite every use.
    for &b in &func.layout.blocks {
        let keep: Vec<bool> = removed[b.index()].iter().map(|r| !r).collect();
        if keep.iter().all(|&k| k) {
            continue;
        }
        let params = std::mem::take(&mut func.dfg.blocks[b.index()].params);
        func.dfg.blocks[b.index()].params = params
            .into_iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(p, _)| p)
            .collect();
        for &(inst, dest) in &incoming[b.index()] {
            let d = &mut func.dfg.insts[inst.index()].destinations_mut()[dest];
            let args = std::mem::take(&mut d.args);
            d.args = args
                .into_iter()
                .zip(&keep)
                .filter(|(_, &k)| k)
                .map(|(a, _)| a)
                .collect();
        }
    }
    for &b in &func.layout.blocks {
        for &inst in &func.layout.insts[b.index()] {
            func.dfg.insts[inst.index()].map_args(|v| resolve(&alias, v));
        }
    }
}
