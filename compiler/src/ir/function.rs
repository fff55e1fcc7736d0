//! An IR function: what it computes (the data-flow graph) kept apart from
//! where (the layout: block order and instruction order), as in Cranelift's
//! `ir/dfg.rs` and `ir/layout.rs`. Passes that only reorder or delete touch
//! the layout; passes that rewrite operands touch the graph.

use super::entities::{Block, FuncRef, Inst, Value};
use super::instructions::{def_type, InstData};
use crate::bytecode::{DataSegment, Global, MemoryDecl, Signature};
use janus_runtime::abi::{self, ValType};

/// Where a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueDef {
    /// The result of an instruction.
    Result(Inst),
    /// Parameter `n` of a block.
    Param(Block, usize),
}

/// A value's type and definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ValueData {
    /// Its type.
    pub ty: ValType,
    /// Where it is defined.
    pub def: ValueDef,
}

/// A block's parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BlockData {
    /// Parameter values, in order.
    pub params: Vec<Value>,
}

/// The data-flow graph: every instruction, value and block of a function,
/// indexed by their handles, whether or not the layout still holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataFlowGraph {
    /// Instructions.
    pub insts: Vec<InstData>,
    /// Each instruction's result, if it has one.
    pub results: Vec<Option<Value>>,
    /// Each instruction's bytecode pc, for traps and debug information.
    pub pcs: Vec<u32>,
    /// Values.
    pub values: Vec<ValueData>,
    /// Blocks.
    pub blocks: Vec<BlockData>,
}

impl DataFlowGraph {
    /// A new block with no parameters.
    pub fn make_block(&mut self) -> Block {
        self.blocks.push(BlockData::default());
        Block::new(self.blocks.len() - 1)
    }

    /// Appends a parameter of type `ty` to `block`.
    pub fn append_param(&mut self, block: Block, ty: ValType) -> Value {
        let n = self.blocks[block.index()].params.len();
        let v = Value::new(self.values.len());
        self.values.push(ValueData {
            ty,
            def: ValueDef::Param(block, n),
        });
        self.blocks[block.index()].params.push(v);
        v
    }

    /// Creates an instruction (not yet in the layout) with an optional result.
    pub fn make_inst(&mut self, data: InstData, result: Option<ValType>, pc: u32) -> Inst {
        let inst = Inst::new(self.insts.len());
        self.insts.push(data);
        self.pcs.push(pc);
        let value = result.map(|ty| {
            let v = Value::new(self.values.len());
            self.values.push(ValueData {
                ty,
                def: ValueDef::Result(inst),
            });
            v
        });
        self.results.push(value);
        inst
    }

    /// The instruction's data.
    pub fn inst(&self, inst: Inst) -> &InstData {
        &self.insts[inst.index()]
    }

    /// The instruction's result, if any.
    pub fn result(&self, inst: Inst) -> Option<Value> {
        self.results[inst.index()]
    }

    /// A value's type.
    pub fn value_type(&self, v: Value) -> ValType {
        self.values[v.index()].ty
    }

    /// A block's parameters.
    pub fn params(&self, block: Block) -> &[Value] {
        &self.blocks[block.index()].params
    }

    /// The constant bits of `v`, if it is the result of a `const`.
    pub fn constant(&self, v: Value) -> Option<u64> {
        match self.values[v.index()].def {
            ValueDef::Result(inst) => match self.insts[inst.index()] {
                InstData::Const { bits, .. } => Some(bits),
                _ => None,
            },
            ValueDef::Param(..) => None,
        }
    }
}

/// Block order, and instruction order within each block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// The blocks, in order; the first is the entry.
    pub blocks: Vec<Block>,
    /// The instructions of each block (indexed by block), in order.
    pub insts: Vec<Vec<Inst>>,
}

impl Layout {
    /// Appends `block` to the block order.
    pub fn append_block(&mut self, block: Block) {
        if self.insts.len() <= block.index() {
            self.insts.resize(block.index() + 1, Vec::new());
        }
        self.blocks.push(block);
    }

    /// Appends `inst` to `block`.
    pub fn append_inst(&mut self, block: Block, inst: Inst) {
        if self.insts.len() <= block.index() {
            self.insts.resize(block.index() + 1, Vec::new());
        }
        self.insts[block.index()].push(inst);
    }

    /// The entry block.
    pub fn entry(&self) -> Option<Block> {
        self.blocks.first().copied()
    }

    /// The instructions of `block`.
    pub fn block_insts(&self, block: Block) -> &[Inst] {
        self.insts.get(block.index()).map_or(&[], |v| v.as_slice())
    }

    /// The last instruction of `block`, its terminator in a valid function.
    pub fn terminator(&self, block: Block) -> Option<Inst> {
        self.block_insts(block).last().copied()
    }
}

/// Everything a function needs to know about the others it may call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleContext {
    /// Each function's name and signature, indexed by [`FuncRef`].
    pub functions: Vec<(String, Signature)>,
    /// Each global's type and mutability, by index: what `global.get`
    /// and `global.set` are checked against.
    pub globals: Vec<(ValType, bool)>,
    /// How many data segments the module has: what `memory.init` and
    /// `data.drop` are checked against.
    pub data_segments: usize,
}

impl ModuleContext {
    /// The signature of a callee.
    pub fn signature(&self, f: FuncRef) -> Option<&Signature> {
        self.functions.get(f.index()).map(|(_, s)| s)
    }

    /// The type and mutability of global `global`.
    pub fn global(&self, global: u32) -> Option<(ValType, bool)> {
        self.globals.get(global as usize).copied()
    }

    /// The name of a callee.
    pub fn name(&self, f: FuncRef) -> Option<&str> {
        self.functions.get(f.index()).map(|(n, _)| n.as_str())
    }
}

/// One function in SSA form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// Its name (the bytecode function's, or for a copy, a new one).
    pub name: String,
    /// Its signature.
    pub signature: Signature,
    /// `None` for a bytecode function; for a copy made by a pass (the
    /// recursion ring), the bytecode function it copies, whose index trap
    /// messages name.
    pub copy_of: Option<FuncRef>,
    /// What it computes.
    pub dfg: DataFlowGraph,
    /// In which order.
    pub layout: Layout,
}

impl Function {
    /// An empty function.
    pub fn new(name: &str, signature: Signature) -> Self {
        Function {
            name: name.to_string(),
            signature,
            copy_of: None,
            dfg: DataFlowGraph::default(),
            layout: Layout::default(),
        }
    }

    /// Adds an instruction at the end of `block`, with the result type its
    /// operation implies (callee and device results looked up in `ctx`).
    pub fn append(&mut self, ctx: &ModuleContext, block: Block, data: InstData, pc: u32) -> Inst {
        let ty = result_type(ctx, &data);
        let inst = self.dfg.make_inst(data, ty, pc);
        self.layout.append_inst(block, inst);
        inst
    }
}

/// The type of the value an instruction produces, if it produces one.
pub fn result_type(ctx: &ModuleContext, data: &InstData) -> Option<ValType> {
    match data {
        InstData::Const { ty, .. } | InstData::GlobalGet { ty, .. } => Some(*ty),
        InstData::Pure { op, .. } => def_type(*op),
        InstData::Load { op, .. } => def_type(*op),
        InstData::Runtime { op, .. } => def_type(*op),
        InstData::Call { func, .. } => ctx.signature(*func).and_then(|s| s.result),
        InstData::CallIndirect { sig, .. } => sig.result,
        InstData::Dev { op, .. } => abi::device_op_by_code(*op).map(|d| d.result),
        _ => None,
    }
}

/// A function visible by name outside the module; `main` is the entry point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The exported name.
    pub name: String,
    /// The function.
    pub func: FuncRef,
}

/// The IR of a whole program: what the backend needs besides code (the
/// memory, signature table, data, function table and exports, copied from
/// the bytecode module) and the functions. The bytecode functions come
/// first, indexed like the bytecode's; copies that passes add
/// ([`Function::copy_of`]) follow them. So a printed module is a program on
/// its own: parsed back, it compiles without the bytecode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Module {
    /// The linear memory, if the program has one.
    pub memory: Option<MemoryDecl>,
    /// The signature table, in the bytecode's order: the function table's
    /// entries and `table_check` compare positions in it.
    pub signatures: Vec<Signature>,
    /// Data segments, applied in order before `main` runs.
    pub data: Vec<DataSegment>,
    /// The function table `call_indirect` indexes; `None` is a null entry.
    pub table: Vec<Option<FuncRef>>,
    /// Exported functions.
    pub exports: Vec<Export>,
    /// The globals, as the bytecode declares them: `global.get` and
    /// `global.set` name them by index.
    pub globals: Vec<Global>,
    /// Callee names and signatures.
    pub ctx: ModuleContext,
    /// The functions: the bytecode's, in order, then copies.
    pub functions: Vec<Function>,
}

impl Module {
    /// The function exported under `name`, if any.
    pub fn export(&self, name: &str) -> Option<FuncRef> {
        self.exports.iter().find(|e| e.name == name).map(|e| e.func)
    }

    /// How many functions come from the bytecode (the rest are copies).
    pub fn bytecode_functions(&self) -> usize {
        self.functions
            .iter()
            .take_while(|f| f.copy_of.is_none())
            .count()
    }

    /// The index trap messages give for function `f`: its own, or for a
    /// copy, the index of the function it copies.
    pub fn trap_index(&self, f: FuncRef) -> FuncRef {
        self.functions
            .get(f.index())
            .and_then(|func| func.copy_of)
            .unwrap_or(f)
    }
}
