//! Verified bytecode to SSA IR.
//!
//! Registers become SSA variables as Cytron, Ferrante, Rosen, Wegman and
//! Zadeck construct them ("Efficiently Computing Static Single Assignment
//! Form and the Control Dependence Graph", TOPLAS 1991): the blocks and
//! their edges are known from the bytecode before any instruction is
//! translated, so each register gets a block parameter at the iterated
//! dominance frontier of the blocks that write it, and the blocks are then
//! translated in dominator-tree preorder with each register's current value
//! in one slot (`def_var` writes it, `use_var` reads it, an undo log puts
//! it back when the walk leaves a block). Parameters nothing reads are then
//! dropped and trivial ones (all arguments one value) removed. Nothing
//! recurses, so a function with a million blocks cannot overflow the stack.
//!
//! Registers read before any write are the zero constant of their type. Every
//! check the VM performs is emitted as its own instruction, carrying the pc of
//! the bytecode instruction it belongs to. Time and memory are linear in the
//! size of the function plus its dominance frontiers and block parameters,
//! whatever the number of registers: a register read a million blocks after
//! it was written costs one slot lookup (Braun et al.'s on-demand walks,
//! used before, cost an entry per register and block in between).
//!
//! Two jobs, two files: `ssa` is the builder (register values, block
//! parameters at the dominance frontiers, the walk's bookkeeping, the
//! removal of dead and trivial parameters) and never looks at an
//! instruction; `translate` walks the bytecode instructions, reading the
//! opcode table for each one's class, access and trap conditions, and emits
//! IR through the builder.

mod header_constants;
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
use thiserror::Error;

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
        source: module.source.as_ref().map(|s| trap_sites(module, s)),
    }
}

/// The entries of a source map at instructions that can trap: all a trap
/// message needs, so executables carry no more of it than that.
fn trap_sites(module: &bc::Module, source: &bc::SourceMap) -> bc::SourceMap {
    let mut offsets = Vec::new();
    let mut entries = source.offsets.iter().peekable();
    for (index, func) in module.functions.iter().enumerate() {
        let index = index as u32;
        if entries.peek().is_none() {
            break;
        }
        for (inst, pc) in func.code.iter().zip(func.pcs()) {
            while entries.peek().is_some_and(|o| (o.func, o.pc) < (index, pc)) {
                entries.next();
            }
            if let Some(&&o) = entries.peek() {
                if (o.func, o.pc) == (index, pc) && !inst.opcode.traps().is_empty() {
                    offsets.push(o);
                }
            }
        }
    }
    bc::SourceMap {
        kind: source.kind.clone(),
        offsets,
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

struct Builder<'a> {
    ctx: &'a ModuleContext,
    module: &'a bc::Module,
    func: Function,
    registers: &'a [ValType],
    /// Each register's value at the current point of the walk, `None`
    /// before anything dominating it wrote the register.
    current: Vec<Option<Value>>,
    /// (register, value before) for the first write of each register in
    /// each of the walk's open blocks.
    undo: Vec<(Reg, Option<Value>)>,
    /// The block (index + 1) that last wrote each register.
    written_in: Vec<u32>,
    /// The register each block parameter merges, per block, in order.
    merges: Vec<Vec<Reg>>,
    /// Each block's terminator, once emitted.
    terminators: Vec<Option<Inst>>,
    entry: Block,
    zeros: [Option<Value>; 4],
}

/// Builds the IR of function `index` of a verified module.
pub fn build_function(module: &bc::Module, ctx: &ModuleContext, index: usize) -> Function {
    build(module, ctx, index, None)
}

/// Why an on-stack-replacement entry cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum OsrError {
    /// The module has no function of that index.
    #[error("the module has no function {index}")]
    NoFunction {
        /// The index asked for.
        index: usize,
    },
    /// The pc does not start a block of the function's code.
    #[error("pc {pc} of function `{function}` does not start a block (a jump target or the instruction after a branch)")]
    NotABlock {
        /// The function's name.
        function: String,
        /// The pc asked for.
        pc: u32,
    },
}

/// Builds the IR of function `index` of a verified module entered at the
/// instruction at `header_pc` (a loop header) with every register's value
/// given: an on-stack-replacement entry. Its signature takes the
/// registers' types in order and returns the function's results; its entry
/// block's parameters define every register (but those that hold one
/// known constant at the header, `header_constants`, which are that
/// constant) and it jumps to the block at `header_pc`, and only what that
/// block reaches is built. It is a copy of
/// the function ([`Function::copy_of`]): traps name the original and keep
/// their pcs, and a call of it costs the original's frame.
pub fn build_osr_function(
    module: &bc::Module,
    ctx: &ModuleContext,
    index: usize,
    header_pc: u32,
) -> Result<Function, OsrError> {
    let bfunc = module
        .functions
        .get(index)
        .ok_or(OsrError::NoFunction { index })?;
    let pcs = bfunc.pcs();
    let not_a_block = || OsrError::NotABlock {
        function: bfunc.name.clone(),
        pc: header_pc,
    };
    let headers = bfunc.loop_headers_from(header_pc);
    if headers.binary_search(&header_pc).is_err() {
        return Err(not_a_block());
    }
    let starts: Vec<usize> = headers
        .iter()
        .map(|pc| {
            pcs[..bfunc.code.len()]
                .binary_search(pc)
                .expect("verified targets start instructions")
        })
        .collect();
    Ok(build(
        module,
        ctx,
        index,
        Some(Osr {
            headers: &starts,
            asked: header_pc,
        }),
    ))
}

/// Where an on-stack-replacement entry enters: every loop header the one
/// it was asked for reaches (`bc::Function::loop_headers_from`, as
/// instruction indices, in order), chosen by an extra `i32` parameter
/// after the registers, the header's index in that list; and the header
/// it was asked for, which names it.
#[derive(Clone, Copy)]
struct Osr<'h> {
    headers: &'h [usize],
    asked: u32,
}

/// Which instructions start a block: the first, every target, everything
/// after a branch or terminator (one more entry than instructions).
fn leaders(code: &bc::Code, pcs: &[u32]) -> Vec<bool> {
    let n = code.len();
    let index_of_pc = |pc: u32| {
        pcs[..n]
            .binary_search(&pc)
            .expect("verified targets start instructions")
    };
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
    leader
}

/// Builds function `index`, entered at its start or, for `osr`, at one of
/// its loop headers with every register a parameter.
fn build(module: &bc::Module, ctx: &ModuleContext, index: usize, osr: Option<Osr>) -> Function {
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

    let leader = leaders(code, &pcs);
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

    // Reachable bytecode blocks in reverse postorder, found without
    // recursion. An OSR entry's walk starts at its headers, the entry
    // block standing for a root above them.
    let roots: Vec<usize> = match osr {
        None => vec![0],
        Some(o) => o.headers.to_vec(),
    };
    let mut order = Vec::new();
    let mut visited = vec![false; n];
    let mut stack: Vec<(usize, Vec<usize>)> = Vec::new();
    for &root in roots.iter().rev() {
        if visited[root] {
            continue;
        }
        visited[root] = true;
        stack.push((root, successors(block_end(root))));
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
    }
    order.reverse();

    let mut func = match osr {
        None => Function::new(&bfunc.name, sig.clone()),
        Some(o) => {
            let mut params = bfunc.registers.clone();
            params.push(ValType::I32);
            let osr_sig = bc::Signature {
                params,
                results: sig.results.clone(),
            };
            let mut f = Function::new(&format!("{}.osr.{}", bfunc.name, o.asked), osr_sig);
            f.copy_of = Some(FuncRef(index as u32));
            f
        }
    };
    func.frame_bytes = abi::frame_bytes(bfunc.registers.len() as u32, code.size());
    let mut block_of = FxHashMap::default();
    // An OSR entry's header is a loop's, so the entry, which no branch may
    // target, is a block of its own.
    let needs_separate_entry = osr.is_some() || code.iter().any(|inst| inst.targets().contains(&0));
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

    // The blocks' control-flow graph, their dominator tree and frontiers,
    // and the registers written where writes can merge.
    let blocks = func.dfg.blocks.len();
    let mut spans = vec![None; blocks];
    let mut succs = vec![Vec::new(); blocks];
    if needs_separate_entry {
        succs[entry.index()] = roots.iter().map(|r| block_of[r]).collect();
    }
    for &start in &order {
        let block = block_of[&start];
        let end = block_end(start);
        spans[block.index()] = Some((start, end));
        succs[block.index()] = successors(end).into_iter().map(|s| block_of[&s]).collect();
    }
    // One block merges nothing (most small functions): no tree to build.
    let (children, frontiers, writes) = if blocks == 1 {
        (vec![Vec::new()], vec![Vec::new()], Vec::new())
    } else {
        let dom = DominatorTree::of_graph(Some(entry), &succs);
        let frontiers = dom.frontiers();
        let writes = ssa::merging_writes(code, &pcs, &spans, &frontiers, bfunc.registers.len());
        (dom.children, frontiers, writes)
    };

    let mut builder = Builder {
        ctx,
        module,
        func,
        registers: &bfunc.registers,
        current: vec![None; bfunc.registers.len()],
        undo: Vec::new(),
        written_in: vec![0; bfunc.registers.len()],
        merges: vec![Vec::new(); blocks],
        terminators: vec![None; blocks],
        entry,
        zeros: [None; 4],
    };
    let defined = match osr {
        None => &sig.params,
        Some(_) => &bfunc.registers,
    };
    let constants = match osr {
        None => Vec::new(),
        Some(o) => {
            let starts: Vec<usize> = (0..n).filter(|&i| leader[i]).collect();
            header_constants::constants_at_headers(
                code,
                &pcs,
                bfunc.registers.len(),
                sig.params.len(),
                o.headers,
                &starts,
                block_end,
                successors,
            )
        }
    };
    for (i, &ty) in defined.iter().enumerate() {
        let p = builder.func.dfg.append_param(entry, ty);
        let v = match constants.get(i).copied().flatten() {
            Some(bits) => builder.konst(entry, ty, bits, 0),
            None => p,
        };
        builder.def_var(entry, i as Reg, v);
    }
    let selector = osr.map(|_| builder.func.dfg.append_param(entry, ValType::I32));
    builder.place_params(&writes, &frontiers);
    if needs_separate_entry {
        let to = |start: &usize| BlockCall {
            block: block_of[start],
            args: vec![],
        };
        let data = match (selector, roots.as_slice()) {
            (Some(index), [first, _, ..]) => InstData::BrTable {
                index,
                default: to(first),
                targets: roots.iter().map(to).collect(),
            },
            (_, [first, ..]) => InstData::Jump { dest: to(first) },
            (_, []) => unreachable!("a function or an OSR entry has a first block"),
        };
        builder.branch(entry, data, 0);
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
        if let Some((start, end)) = spans[block.index()] {
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
        walk.extend(children[block.index()].iter().rev().map(|&c| (c, None)));
    }
    // The walk's bookkeeping goes before the clean-up allocates its own.
    let mut func = {
        let done = builder;
        done.func
    };
    drop((children, frontiers, writes, succs, spans));
    ssa::remove_dead_params(&mut func);
    ssa::remove_trivial_params(&mut func);
    super::passes::renumber::renumber(&mut func);
    func
}

#[cfg(test)]
mod tests;
