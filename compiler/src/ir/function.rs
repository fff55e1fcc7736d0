//! An IR function: what it computes (the data-flow graph) kept apart from
//! where (the layout: block order and instruction order), as in Cranelift's
//! `ir/dfg.rs` and `ir/layout.rs`. Passes that only reorder or delete touch
//! the layout; passes that rewrite operands touch the graph.

use super::entities::{Block, FuncRef, Inst, Value};
use super::instructions::{def_types, InstData};
use crate::bytecode::{DataSegment, Global, MemoryDecl, Signature};
use janus_runtime::abi::{self, ValType};

/// Where a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueDef {
    /// Result `n` of an instruction (0 for all but a call's later results).
    Result(Inst, usize),
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

/// An instruction's results in 8 bytes, however many there are, so the
/// common case (none or one) costs what an `Option<Value>` would: no
/// results, one value held here, or (for a call returning several) `len`
/// values in the graph's result pool. Read it through
/// [`DataFlowGraph::inst_results`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResultList {
    /// The only result when `len` is 1; the first pool index when it is 2
    /// or more; unused when 0.
    head: Value,
    /// How many results.
    len: u32,
}

/// The data-flow graph: every instruction, value and block of a function,
/// indexed by their handles, whether or not the layout still holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataFlowGraph {
    /// Instructions.
    pub insts: Vec<InstData>,
    /// Each instruction's results (see [`DataFlowGraph::inst_results`]).
    pub results: Vec<ResultList>,
    /// The results of instructions with more than one, each list in one run.
    pub result_pool: Vec<Value>,
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

    /// Creates an instruction (not yet in the layout) with a new result
    /// value of each of `types`.
    pub fn make_inst(&mut self, data: InstData, types: &[ValType], pc: u32) -> Inst {
        let inst = Inst::new(self.insts.len());
        self.insts.push(data);
        self.pcs.push(pc);
        let first = new_results(&mut self.values, inst, types);
        self.push_list((first..self.values.len()).map(Value::new));
        inst
    }

    /// Creates an instruction (not yet in the layout) with the results its
    /// operation produces (callee and device results looked up in `ctx`).
    pub fn make_inst_for(&mut self, ctx: &ModuleContext, data: InstData, pc: u32) -> Inst {
        let inst = Inst::new(self.insts.len());
        self.insts.push(data);
        self.pcs.push(pc);
        let types = result_types(ctx, &self.insts[inst.index()]);
        let first = new_results(&mut self.values, inst, types);
        self.push_list((first..self.values.len()).map(Value::new));
        inst
    }

    /// Records `values` as the results of the next instruction, the one
    /// `insts` is about to hold at index `results.len()` (the parser and
    /// renumbering build graphs this way; the values' `ValueData` are the
    /// caller's to push).
    pub fn push_results(&mut self, values: &[Value]) {
        self.push_list(values.iter().copied());
    }

    fn push_list(&mut self, mut values: impl ExactSizeIterator<Item = Value>) {
        let list = match values.len() {
            0 => ResultList {
                head: Value(0),
                len: 0,
            },
            1 => ResultList {
                head: values.next().unwrap_or(Value(0)),
                len: 1,
            },
            len => {
                let head = Value::new(self.result_pool.len());
                self.result_pool.extend(values);
                ResultList {
                    head,
                    len: len as u32,
                }
            }
        };
        self.results.push(list);
    }

    /// The instruction's data.
    pub fn inst(&self, inst: Inst) -> &InstData {
        &self.insts[inst.index()]
    }

    /// The instruction's results, in order: none, one, or a call's several.
    pub fn inst_results(&self, inst: Inst) -> &[Value] {
        let Some(list) = self.results.get(inst.index()) else {
            return &[];
        };
        match list.len {
            0 => &[],
            1 => std::slice::from_ref(&list.head),
            n => {
                let start = list.head.index();
                self.result_pool
                    .get(start..start + n as usize)
                    .unwrap_or(&[])
            }
        }
    }

    /// The instruction's first result, if any (its only one, but for a call
    /// returning several).
    pub fn first_result(&self, inst: Inst) -> Option<Value> {
        self.inst_results(inst).first().copied()
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
            ValueDef::Result(inst, _) => match self.insts[inst.index()] {
                InstData::Const { bits, .. } => Some(bits),
                _ => None,
            },
            ValueDef::Param(..) => None,
        }
    }
}

/// Appends a result value of each of `types` for `inst` to `values`;
/// returns the first one's index.
fn new_results(values: &mut Vec<ValueData>, inst: Inst, types: &[ValType]) -> usize {
    let first = values.len();
    values.extend(types.iter().enumerate().map(|(n, &ty)| ValueData {
        ty,
        def: ValueDef::Result(inst, n),
    }));
    first
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
    /// What a call of it costs of the call stack, from the bytecode
    /// function's registers and code size (`abi::frame_bytes`); a copy
    /// costs what its original does.
    pub frame_bytes: u32,
    /// What it computes.
    pub dfg: DataFlowGraph,
    /// In which order.
    pub layout: Layout,
}

impl Function {
    /// An empty function, with the smallest frame.
    pub fn new(name: &str, signature: Signature) -> Self {
        Function {
            name: name.to_string(),
            signature,
            copy_of: None,
            frame_bytes: abi::MIN_FRAME_BYTES,
            dfg: DataFlowGraph::default(),
            layout: Layout::default(),
        }
    }

    /// Adds an instruction at the end of `block`, with the results its
    /// operation implies (callee and device results looked up in `ctx`).
    pub fn append(&mut self, ctx: &ModuleContext, block: Block, data: InstData, pc: u32) -> Inst {
        let inst = self.dfg.make_inst_for(ctx, data, pc);
        self.layout.append_inst(block, inst);
        inst
    }
}

/// The types of the values an instruction produces, in order: one for an
/// operation, a callee's results for a call, none for the rest.
pub fn result_types<'a>(ctx: &'a ModuleContext, data: &'a InstData) -> &'a [ValType] {
    match data {
        InstData::Const { ty, .. } | InstData::GlobalGet { ty, .. } => std::slice::from_ref(ty),
        InstData::Pure { op, .. } => def_types(*op),
        InstData::Load { op, .. } => def_types(*op),
        InstData::Runtime { op, .. } => def_types(*op),
        InstData::Call { func, .. } => ctx.signature(*func).map_or(&[], |s| &s.results),
        InstData::CallIndirect { sig, .. } => &sig.results,
        InstData::Dev { op, .. } => {
            abi::device_op_by_code(*op).map_or(&[], |d| std::slice::from_ref(&d.result))
        }
        _ => &[],
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
    /// Where the bytecode's instructions came from, for trap messages: debug
    /// information the IR text does not carry (its instructions have no
    /// pcs), so a module parsed from text has none.
    pub source: Option<janus_bytecode::bytecode::SourceMap>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lists_cost_what_one_optional_result_did() {
        assert_eq!(std::mem::size_of::<ResultList>(), 8);
        assert_eq!(
            std::mem::size_of::<ResultList>(),
            std::mem::size_of::<Option<Value>>()
        );
        // A signature's result list would make `call_indirect` the largest
        // instruction; boxed, `brif` (two block calls) stays the largest.
        assert_eq!(std::mem::size_of::<InstData>(), 72);
    }

    #[test]
    fn results_come_back_in_order_however_many() {
        let mut dfg = DataFlowGraph::default();
        let none = dfg.make_inst(InstData::DepthEnter, &[], 0);
        let one = dfg.make_inst(InstData::DepthLeave, &[ValType::I64], 0);
        let types = [ValType::F32, ValType::I32, ValType::F64];
        let three = dfg.make_inst(InstData::DepthEnter, &types, 0);
        assert_eq!(dfg.inst_results(none), &[]);
        assert_eq!(dfg.inst_results(one), &[Value(0)]);
        assert_eq!(dfg.inst_results(three), &[Value(1), Value(2), Value(3)]);
        for (n, &v) in dfg.inst_results(three).iter().enumerate() {
            assert_eq!(dfg.values[v.index()].def, ValueDef::Result(three, n));
            assert_eq!(dfg.value_type(v), types[n]);
        }
        assert_eq!(dfg.result_pool.len(), 3, "only lists of two or more");
    }
}
