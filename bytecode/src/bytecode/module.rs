//! The in-memory form of a JanusVM module: what the decoder produces, the
//! encoder and disassembler consume, and the builder and assembler construct.
//!
//! It mirrors the `.jbc` sections one to one, so that encoding is a plain walk
//! and `decode(encode(m)) == m` holds for every module. Nothing here is checked
//! on construction: a `Module` may be ill-typed until the verifier accepts it.

use super::code::Code;
use super::opcodes::{Opcode, OperandKind};
use janus_runtime::abi::ValType;

/// A register number within a function; registers `0..params` hold the
/// parameters.
pub type Reg = u16;

/// A function's parameter and result types. A function returns any number
/// of values up to [`MAX_RESULTS`](super::limits::MAX_RESULTS) (format
/// version 2; a version-1 file holds at most one).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Signature {
    /// Parameter types, in order.
    pub params: Vec<ValType>,
    /// Result types, in order; empty for a function that returns nothing.
    pub results: Vec<ValType>,
}

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(")?;
        write_types(f, &self.params)?;
        f.write_str(")")?;
        if !self.results.is_empty() {
            write!(f, " -> {}", ResultTypes(&self.results))?;
        }
        Ok(())
    }
}

/// A result list as assembly and the IR write it after `->`: `T` for one
/// type, `(T, U, ...)` for several (and nothing for none).
#[derive(Clone, Copy, Debug)]
pub struct ResultTypes<'a>(pub &'a [ValType]);

impl std::fmt::Display for ResultTypes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            [one] => write!(f, "{one}"),
            types => {
                f.write_str("(")?;
                write_types(f, types)?;
                f.write_str(")")
            }
        }
    }
}

fn write_types(f: &mut std::fmt::Formatter<'_>, types: &[ValType]) -> std::fmt::Result {
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{t}")?;
    }
    Ok(())
}

/// The linear memory's declared size, in 64 KiB pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryDecl {
    /// Pages present when the program starts.
    pub initial_pages: u32,
    /// Pages `memory.grow` may reach at most.
    pub max_pages: u32,
}

/// One operand of a decoded instruction; which variant appears where is fixed
/// by the opcode's [`OperandKind`]s.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// A register (for `Def` and `Use`).
    Reg(Reg),
    /// A 32-bit constant.
    I32(i32),
    /// A 64-bit constant.
    I64(i64),
    /// A binary32 constant's bits (bits, so NaN payloads survive exactly).
    F32(u32),
    /// A binary64 constant's bits.
    F64(u64),
    /// A memory offset, a trap code, a label pc, a function or signature index.
    U32(u32),
    /// A jump table's target pcs.
    Labels(Vec<u32>),
    /// A register list (call results, arguments, returned values).
    Regs(Vec<Reg>),
    /// A device operation code.
    Dev(u16),
}

/// One instruction: an opcode and its operands in the order of
/// [`Opcode::operands`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Inst {
    /// The operation.
    pub opcode: Opcode,
    /// Its operands, one per [`OperandKind`] of the opcode.
    pub operands: Vec<Operand>,
}

impl Inst {
    /// The instruction's size in bytes once encoded.
    pub fn encoded_size(&self) -> u32 {
        let mut size = 1u32;
        for (kind, operand) in self.opcode.operands().iter().zip(&self.operands) {
            size += match (kind, operand) {
                (OperandKind::LabelTable, Operand::Labels(l)) => 4 + 4 * l.len() as u32,
                (OperandKind::Results | OperandKind::Args, Operand::Regs(r)) => {
                    1 + 2 * r.len() as u32
                }
                (kind, _) => fixed_operand_size(*kind),
            };
        }
        size
    }

    /// The jump targets (label pcs) of the instruction, in operand order.
    pub fn targets(&self) -> Vec<u32> {
        let mut targets = Vec::new();
        for (kind, operand) in self.opcode.operands().iter().zip(&self.operands) {
            match (kind, operand) {
                (OperandKind::Label, Operand::U32(pc)) => targets.push(*pc),
                (OperandKind::LabelTable, Operand::Labels(pcs)) => targets.extend(pcs),
                _ => {}
            }
        }
        targets
    }
}

/// The encoded size of an operand kind whose size does not depend on its value
/// (list kinds report their fixed header).
pub const fn fixed_operand_size(kind: OperandKind) -> u32 {
    match kind {
        OperandKind::Def(_) | OperandKind::Use(_) | OperandKind::DevOp => 2,
        OperandKind::ImmI32 | OperandKind::ImmF32 => 4,
        OperandKind::ImmI64 | OperandKind::ImmF64 => 8,
        OperandKind::Offset | OperandKind::TrapCode | OperandKind::Label => 4,
        OperandKind::Func | OperandKind::Sig | OperandKind::Global | OperandKind::Data => 4,
        OperandKind::LabelTable => 4,
        OperandKind::Results | OperandKind::Args => 1,
    }
}

/// A function: its name, signature, registers and code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// The function's name, unique in the module.
    pub name: String,
    /// Index of its signature in [`Module::signatures`].
    pub sig: u32,
    /// The type of every register; the first ones are the parameters.
    pub registers: Vec<ValType>,
    /// The instructions, in order, held encoded (see [`Code`]); each starts
    /// at the pc that is the sum of the encoded sizes before it.
    pub code: Code,
}

impl Function {
    /// The pc of every instruction, in order, and the code size at the end.
    pub fn pcs(&self) -> Vec<u32> {
        self.code.pcs()
    }

    /// The loop headers reachable from the instruction at `pc` (itself
    /// included), but those inside the loop `pc` heads: pcs that some
    /// backward jump (one whose target is at or before it) targets, sorted,
    /// each once. Where the hybrid engine can move a running call into
    /// compiled code: the OSR entry compiled for a loop at `pc` serves them
    /// all, the header chosen by its index in this list. The loop's own
    /// inner headers are left out because entering one would give the loop
    /// a second entry, which LLVM cannot optimise as a loop (the running
    /// call reaches `pc` again at the loop's next iteration anyway).
    /// Linear in the code's size.
    pub fn loop_headers_from(&self, pc: u32) -> Vec<u32> {
        let insts: Vec<(u32, Inst)> = self.code.with_pcs().collect();
        let index_of = |pc: u32| insts.binary_search_by_key(&pc, |(at, _)| *at).ok();
        let Some(start) = index_of(pc) else {
            return Vec::new();
        };
        let successors = |i: usize| -> Vec<usize> {
            let (_, inst) = &insts[i];
            let mut next: Vec<usize> = inst.targets().into_iter().filter_map(index_of).collect();
            if !inst.opcode.is_terminator() && i + 1 < insts.len() {
                next.push(i + 1);
            }
            next
        };
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); insts.len()];
        for i in 0..insts.len() {
            for s in successors(i) {
                preds[s].push(i);
            }
        }
        // The loop `pc` heads: what reaches one of its backward jumps
        // without passing through `pc`.
        let mut in_loop = vec![false; insts.len()];
        in_loop[start] = true;
        let mut work: Vec<usize> = preds[start]
            .iter()
            .copied()
            .filter(|&p| insts[p].0 >= pc)
            .collect();
        while let Some(i) = work.pop() {
            if !in_loop[i] {
                in_loop[i] = true;
                work.extend(preds[i].iter().copied());
            }
        }
        let mut reached = vec![false; insts.len()];
        let mut work = vec![start];
        reached[start] = true;
        let mut headers = Vec::new();
        while let Some(i) = work.pop() {
            let (at, inst) = &insts[i];
            for target in inst.targets() {
                let inner = target != pc && index_of(target).is_some_and(|t| in_loop[t]);
                if target <= *at && !inner {
                    headers.push(target);
                }
            }
            for n in successors(i) {
                if !reached[n] {
                    reached[n] = true;
                    work.push(n);
                }
            }
        }
        headers.sort_unstable();
        headers.dedup();
        headers
    }
}

/// Bytes a program starts with: copied into linear memory before `main`
/// runs (an active segment) or kept for `memory.init` (a passive one).
/// Active and passive segments share one index space, in section order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSegment {
    /// Whether and where the segment is copied at start.
    pub kind: DataKind,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl DataSegment {
    /// The address an active segment is copied to; `None` for a passive one.
    pub fn address(&self) -> Option<u32> {
        match self.kind {
            DataKind::Active { offset } => Some(offset),
            DataKind::Passive => None,
        }
    }
}

/// How a data segment is used, as in WebAssembly (wasmparser's
/// `DataKind`): an active segment is copied into memory when the program
/// starts and then counts as dropped; a passive one is copied only by
/// `memory.init`, until `data.drop` (format version 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// Copied into memory at `offset` before `main` runs.
    Active {
        /// Address of the first byte.
        offset: u32,
    },
    /// Not copied at start; `memory.init` copies parts of it.
    Passive,
}

/// A function made visible by name outside the module; `main` is the entry point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The exported name.
    pub name: String,
    /// The function's index.
    pub func: u32,
}

/// A name given to a code position, kept so the disassembler can print the
/// labels the author wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelName {
    /// The function's index.
    pub func: u32,
    /// The pc the label marks.
    pub pc: u32,
    /// The label.
    pub name: String,
}

/// A global variable: a typed value outside linear memory that every
/// function reads with `T.global.get` and, if it is mutable, writes with
/// `T.global.set` (format version 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Global {
    /// The global's name, unique among the module's globals.
    pub name: String,
    /// Its type.
    pub ty: ValType,
    /// Whether `T.global.set` may write it.
    pub mutable: bool,
    /// The value it holds when the program starts, as bits (an `i32` or
    /// `f32` in the low 32 bits, the rest zero), so NaN payloads survive.
    pub init: u64,
}

/// Where a module's instructions came from, for a module translated from
/// another format (format version 2): the source format's name (`wasm`)
/// and each instruction's byte offset in the source file. Debug
/// information: trap messages and the disassembler show it, nothing runs
/// differently with it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    /// The source format's name, an identifier (`wasm`).
    pub kind: String,
    /// Instruction origins, sorted by function and pc, one per pc at most.
    pub offsets: Vec<SourceOffset>,
}

/// One instruction's origin in the source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceOffset {
    /// The function's index.
    pub func: u32,
    /// The instruction's pc.
    pub pc: u32,
    /// The byte offset in the source file.
    pub offset: u32,
}

impl SourceMap {
    /// The source offset of the instruction at `pc` of `func`, if recorded.
    pub fn lookup(&self, func: u32, pc: u32) -> Option<u32> {
        self.offsets
            .binary_search_by_key(&(func, pc), |o| (o.func, o.pc))
            .ok()
            .map(|i| self.offsets[i].offset)
    }
}

/// A whole JanusVM program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Module {
    /// Function signatures, referenced by index; no two are equal.
    pub signatures: Vec<Signature>,
    /// The linear memory, if the module declares one.
    pub memory: Option<MemoryDecl>,
    /// The functions, referenced by index.
    pub functions: Vec<Function>,
    /// The function table `call_indirect` indexes: a function per entry,
    /// or `None` for an empty (null) entry (format version 2).
    pub table: Vec<Option<u32>>,
    /// Exported functions.
    pub exports: Vec<Export>,
    /// Data segments, applied in order.
    pub data: Vec<DataSegment>,
    /// Label names (debug information), sorted by function and pc.
    pub label_names: Vec<LabelName>,
    /// Global variables, referenced by index.
    pub globals: Vec<Global>,
    /// Where the instructions came from, for a translated module.
    pub source: Option<SourceMap>,
}

impl Module {
    /// The function exported under `name`, if any.
    pub fn export(&self, name: &str) -> Option<u32> {
        self.exports.iter().find(|e| e.name == name).map(|e| e.func)
    }

    /// The active data segments, as (address, length): what is copied into
    /// memory at start, and what the heap base is computed from.
    pub fn active_data(&self) -> impl Iterator<Item = (u32, usize)> + '_ {
        active_data(&self.data)
    }
}

/// The active segments of `data`, as (address, length).
pub fn active_data(data: &[DataSegment]) -> impl Iterator<Item = (u32, usize)> + '_ {
    data.iter()
        .filter_map(|seg| Some((seg.address()?, seg.bytes.len())))
}
