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

use super::entities::{Block, FuncRef, Inst, Value};
use super::function::{Export, Function, Module, ModuleContext, ValueDef};
use super::instructions::{use_types, BlockCall, InstData};
use crate::bytecode::{
    self as bc, CallOp, Class, ControlOp, Opcode, Operand, OperandKind, PureOp, Reg, TrapCondition,
};
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
        data_segments: module.data.len(),
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
                &code.at(pcs[i]).expect("blocks hold instructions"),
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
    ssa::remove_trivial_params(&mut func);
    super::passes::renumber::renumber(&mut func);
    func
}
