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
//!
//! Two jobs, two files: `ssa` is the Braun et al. builder (variables,
//! sealing, the predecessor walk, block parameters and their removal) and
//! never looks at an instruction; `translate` walks the bytecode instructions,
//! reading the opcode table for each one's class, access and trap
//! conditions, and emits IR through the builder.

mod ssa;
mod translate;

use super::dominance::DominatorTree;
use super::entities::{Block, FuncRef, Inst, Value};
use super::function::{Export, Function, Module, ModuleContext, ValueDef};
use super::instructions::{use_types, BlockCall, InstData};
use crate::bytecode::{
    self as bc, CallOp, Class, ControlOp, Opcode, Operand, OperandKind, PureOp, Reg, TrapCondition,
};
use janus_runtime::abi::{self, TrapKind, ValType};
use rustc_hash::FxHashMap;

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
        table: module.table.iter().map(|&f| f.map(FuncRef)).collect(),
        exports: module
            .exports
            .iter()
            .map(|e| Export {
                name: e.name.clone(),
                func: FuncRef(e.func),
            })
            .collect(),
        globals: module.globals.clone(),
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
        globals: module.globals.iter().map(|g| (g.ty, g.mutable)).collect(),
    }
}

struct Builder<'a> {
    ctx: &'a ModuleContext,
    module: &'a bc::Module,
    func: Function,
    registers: &'a [ValType],
    /// Each register's value at the current point of the walk, `None`
    /// before anything dominating it wrote the register.
    current: Vec<Option<Value>>,
    /// (register, value before) for every write of the walk's open blocks.
    undo: Vec<(Reg, Option<Value>)>,
    /// The register each block parameter merges, per block, in order.
    merges: Vec<Vec<Reg>>,
    /// Each block's terminator, once emitted.
    terminators: Vec<Option<Inst>>,
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
        let inst = code.at(pcs[i_end]).expect("blocks end at instructions");
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
    func.frame_bytes = abi::frame_bytes(bfunc.registers.len() as u32, code.size());
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

    // The control-flow graph of the blocks, their dominator tree, and the
    // blocks that write each register, sorted by register.
    let blocks = func.dfg.blocks.len();
    let mut start_of = vec![None; blocks];
    let mut succs = vec![Vec::new(); blocks];
    let mut writes: Vec<(Reg, Block)> = Vec::new();
    if needs_separate_entry {
        succs[entry.index()].push(block_of[&0]);
    }
    for &start in &order {
        let block = block_of[&start];
        start_of[block.index()] = Some(start);
        let end = block_end(start);
        succs[block.index()] = successors(end).into_iter().map(|s| block_of[&s]).collect();
        for &pc in &pcs[start..=end] {
            let inst = code.at(pc).expect("blocks hold instructions");
            for (kind, operand) in inst.opcode.operands().iter().zip(&inst.operands) {
                match (kind, operand) {
                    (OperandKind::Def(_), Operand::Reg(r)) => writes.push((*r, block)),
                    (OperandKind::Results, Operand::Regs(rs)) => {
                        writes.extend(rs.iter().map(|&r| (r, block)));
                    }
                    _ => {}
                }
            }
        }
    }
    writes.sort_unstable();
    writes.dedup();
    let dom = DominatorTree::of_graph(Some(entry), &succs);

    let mut builder = Builder {
        ctx,
        module,
        func,
        registers: &bfunc.registers,
        current: vec![None; bfunc.registers.len()],
        undo: Vec::new(),
        merges: vec![Vec::new(); blocks],
        terminators: vec![None; blocks],
        entry,
        zeros: [None; 4],
    };
    for (i, &ty) in sig.params.iter().enumerate() {
        let p = builder.func.dfg.append_param(entry, ty);
        builder.def_var(entry, i as Reg, p);
    }
    builder.place_params(&writes, &dom);
    if needs_separate_entry {
        builder.branch(
            entry,
            InstData::Jump {
                dest: BlockCall {
                    block: block_of[&0],
                    args: vec![],
                },
            },
            0,
        );
    }

    // Dominator-tree preorder: every block after its dominators, so each
    // read finds its register's value in `current`.
    let mut walk: Vec<(Block, Option<usize>)> = vec![(entry, None)];
    while let Some((block, open)) = walk.pop() {
        if let Some(mark) = open {
            builder.leave_block(mark);
            continue;
        }
        let mark = builder.start_block(block);
        walk.push((block, Some(mark)));
        if let Some(start) = start_of[block.index()] {
            let end = block_end(start);
            for i in start..=end {
                builder.translate(
                    block,
                    &code.at(pcs[i]).expect("blocks hold instructions"),
                    pcs[i],
                    i == end,
                    |pc| block_of[&index_of_pc(pc)],
                    || block_of[&(i + 1)],
                );
            }
        }
        builder.finish_block(block);
        walk.extend(dom.children[block.index()].iter().rev().map(|&c| (c, None)));
    }
    let mut func = builder.func;
    ssa::remove_dead_params(&mut func);
    ssa::remove_trivial_params(&mut func);
    super::passes::renumber::renumber(&mut func);
    func
}
