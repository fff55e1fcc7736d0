//! A builder for emitting modules from Rust: what a language implementer
//! targeting JanusVM calls, and what the assembler, tests and the program
//! generator use. The assembler is written on top of it, so a program built
//! here and the same program assembled from text give the same module, byte
//! for byte.
//!
//! Labels are created before they are placed, so forward jumps are written
//! naturally; since every operand has a fixed width, each instruction's pc is
//! known when it is emitted and labels are patched once, when the function is
//! finished. The builder checks only what it must to produce bytes (labels
//! placed once, functions defined once); typing is the verifier's job.
//!
//! ```
//! use janus_bytecode::bytecode::{builder::ModuleBuilder, encode, Opcode, Operand};
//! use janus_runtime::abi::ValType;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut mb = ModuleBuilder::new();
//! let main = mb.declare("main", &[], &[ValType::I32]);
//! let mut f = mb.body(main);
//! let r = f.reg(ValType::I32);
//! f.inst(Opcode::I32Const, vec![Operand::Reg(r), Operand::I32(7)])?;
//! f.ret(&[r])?;
//! mb.define(f)?;
//! mb.export("main", main);
//! let module = mb.finish()?;
//!
//! let text = "export main\nfunc main() -> i32\n    reg r0: i32\n    i32.const r0, 7\n    ret [r0]\nend\n";
//! let (assembled, _, _) = janus_bytecode::asm::assemble(text).expect("valid assembly");
//! assert_eq!(encode(&module), encode(&assembled));
//! # Ok(())
//! # }
//! ```

use super::code::{Code, OperandMismatch};
use super::limits::MAX_REGISTERS;
use super::module::*;
use super::opcodes::{Opcode, OperandKind};
use janus_runtime::abi::ValType;
use std::collections::HashMap;
use thiserror::Error;

/// A function's index in the module being built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FuncId(pub u32);

/// A code position in the function being built, placed with
/// [`FunctionBuilder::place`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(pub u32);

/// What the builder refuses to produce.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum BuildError {
    /// A label was used but never placed.
    #[error("function `{func}`: label {label} is used but never placed")]
    UnplacedLabel {
        /// The function.
        func: String,
        /// The label's number or name.
        label: String,
    },
    /// A label was placed twice.
    #[error("function `{func}`: label {label} is placed twice")]
    LabelPlacedTwice {
        /// The function.
        func: String,
        /// The label's number or name.
        label: String,
    },
    /// A declared function was never given a body.
    #[error("function `{func}` is declared but never defined")]
    Undefined {
        /// The function.
        func: String,
    },
    /// A function was defined twice.
    #[error("function `{func}` is defined twice")]
    DefinedTwice {
        /// The function.
        func: String,
    },
    /// A function has more registers than a register operand can number.
    #[error("function `{func}` has {count} registers: the limit is {MAX_REGISTERS}")]
    TooManyRegisters {
        /// The function.
        func: String,
        /// Its registers, parameters included.
        count: usize,
    },
    /// The instruction does not have the operands its opcode lists.
    #[error("`{opcode}` expects {expected} operands, got {found}")]
    OperandCount {
        /// The instruction.
        opcode: Opcode,
        /// Operands the opcode lists.
        expected: usize,
        /// Operands given.
        found: usize,
    },
    /// An operand is not of its kind's variant, or a list is too long to
    /// encode.
    #[error(transparent)]
    Operand(#[from] OperandMismatch),
}

/// Builds a [`Module`].
#[derive(Debug, Default)]
pub struct ModuleBuilder {
    module: Module,
    defined: Vec<bool>,
    /// Each signature's index, so adding one is not a search of all the
    /// others (65,536 `type` lines would take 2^31 comparisons).
    signature_index: HashMap<Signature, u32>,
}

impl ModuleBuilder {
    /// An empty module.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of `sig` among the module's signatures, adding it if new.
    pub fn signature(&mut self, sig: Signature) -> u32 {
        if let Some(&i) = self.signature_index.get(&sig) {
            return i;
        }
        let index = self.module.signatures.len() as u32;
        self.signature_index.insert(sig.clone(), index);
        self.module.signatures.push(sig);
        index
    }

    /// Declares the linear memory's initial and maximum size in pages.
    /// `0, 0` declares no memory, which is how the format spells it.
    pub fn memory(&mut self, initial_pages: u32, max_pages: u32) {
        self.module.memory = (initial_pages, max_pages)
            .ne(&(0, 0))
            .then_some(MemoryDecl {
                initial_pages,
                max_pages,
            });
    }

    /// Adds a global; returns its index.
    pub fn global(&mut self, name: &str, ty: ValType, mutable: bool, init: u64) -> u32 {
        self.module.globals.push(Global {
            name: name.to_string(),
            ty,
            mutable,
            init,
        });
        (self.module.globals.len() - 1) as u32
    }

    /// Adds an active data segment, copied to `offset` when the program
    /// starts; returns its index.
    pub fn data(&mut self, offset: u32, bytes: Vec<u8>) -> u32 {
        self.segment(DataKind::Active { offset }, bytes)
    }

    /// Adds a passive data segment, which only `memory.init` copies;
    /// returns its index.
    pub fn passive_data(&mut self, bytes: Vec<u8>) -> u32 {
        self.segment(DataKind::Passive, bytes)
    }

    fn segment(&mut self, kind: DataKind, bytes: Vec<u8>) -> u32 {
        self.module.data.push(DataSegment { kind, bytes });
        (self.module.data.len() - 1) as u32
    }

    /// Declares a function, so it can be called before its body is built.
    pub fn declare(&mut self, name: &str, params: &[ValType], results: &[ValType]) -> FuncId {
        let sig = self.signature(Signature {
            params: params.to_vec(),
            results: results.to_vec(),
        });
        self.module.functions.push(Function {
            name: name.to_string(),
            sig,
            registers: params.to_vec(),
            code: Code::new(),
        });
        self.defined.push(false);
        FuncId((self.module.functions.len() - 1) as u32)
    }

    /// Starts the body of a declared function. Its parameters are registers
    /// `0..params`.
    pub fn body(&self, func: FuncId) -> FunctionBuilder {
        let f = &self.module.functions[func.0 as usize];
        FunctionBuilder {
            func,
            name: f.name.clone(),
            registers: f.registers.clone(),
            code: Code::new(),
            fixups: Vec::new(),
            pc: 0,
            labels: Vec::new(),
        }
    }

    /// Finishes a function body: patches its labels and stores its code.
    pub fn define(&mut self, body: FunctionBuilder) -> Result<(), BuildError> {
        let index = body.func.0 as usize;
        if self.defined[index] {
            return Err(BuildError::DefinedTwice { func: body.name });
        }
        let (function, names) = body.finish()?;
        self.module.functions[index].registers = function.registers;
        self.module.functions[index].code = function.code;
        self.module.label_names.extend(names);
        self.defined[index] = true;
        Ok(())
    }

    /// Adds functions to the table `call_indirect` indexes; returns the index
    /// of the first.
    pub fn table(&mut self, funcs: &[FuncId]) -> u32 {
        let first = self.module.table.len() as u32;
        self.module.table.extend(funcs.iter().map(|f| Some(f.0)));
        first
    }

    /// Adds `count` null entries to the table (a `call_indirect` through
    /// one traps `uninitialized table element`); returns the index of the
    /// first.
    pub fn table_nulls(&mut self, count: usize) -> u32 {
        let first = self.module.table.len() as u32;
        self.module
            .table
            .extend(std::iter::repeat(None).take(count));
        first
    }

    /// Exports a function under a name (`main` is the entry point).
    pub fn export(&mut self, name: &str, func: FuncId) {
        self.module.exports.push(Export {
            name: name.to_string(),
            func: func.0,
        });
    }

    /// The module, once every declared function has a body.
    pub fn finish(mut self) -> Result<Module, BuildError> {
        if let Some(i) = self.defined.iter().position(|d| !d) {
            return Err(BuildError::Undefined {
                func: self.module.functions[i].name.clone(),
            });
        }
        self.module.label_names.sort_by_key(|l| (l.func, l.pc));
        Ok(self.module)
    }
}

#[derive(Debug, Clone)]
struct LabelData {
    pc: Option<u32>,
    name: Option<String>,
}

/// Builds one function's registers and code.
#[derive(Debug)]
pub struct FunctionBuilder {
    func: FuncId,
    name: String,
    registers: Vec<ValType>,
    /// The code so far, held encoded, with label numbers where the pcs go.
    code: Code,
    /// Where in `code` a label number waits to be patched to its pc.
    fixups: Vec<(u32, u32)>,
    pc: u32,
    labels: Vec<LabelData>,
}

impl FunctionBuilder {
    /// Adds a register of type `ty` and returns its number. Past
    /// `MAX_REGISTERS` the number is meaningless and [`ModuleBuilder::define`]
    /// refuses the function.
    pub fn reg(&mut self, ty: ValType) -> Reg {
        self.registers.push(ty);
        (self.registers.len() - 1) as Reg
    }

    /// The number of registers so far, parameters included.
    pub fn register_count(&self) -> usize {
        self.registers.len()
    }

    /// The pc the next instruction will have.
    pub fn pc(&self) -> u32 {
        self.pc
    }

    /// A new, not yet placed label.
    pub fn label(&mut self) -> Label {
        self.labels.push(LabelData {
            pc: None,
            name: None,
        });
        Label((self.labels.len() - 1) as u32)
    }

    /// A new label whose name is kept in the module's debug names, so the
    /// disassembler prints it.
    pub fn named_label(&mut self, name: &str) -> Label {
        self.labels.push(LabelData {
            pc: None,
            name: Some(name.to_string()),
        });
        Label((self.labels.len() - 1) as u32)
    }

    /// Places a label at the next instruction.
    pub fn place(&mut self, label: Label) -> Result<(), BuildError> {
        let data = &mut self.labels[label.0 as usize];
        if data.pc.is_some() {
            let label = data.name.clone().unwrap_or_else(|| label.0.to_string());
            return Err(BuildError::LabelPlacedTwice {
                func: self.name.clone(),
                label,
            });
        }
        data.pc = Some(self.pc);
        Ok(())
    }

    /// Places a label at a given pc, for code that names positions by pc
    /// (the assembler's `@12`). A label placed twice keeps the last pc.
    pub fn place_at(&mut self, label: Label, pc: u32) {
        self.labels[label.0 as usize].pc = Some(pc);
    }

    /// Emits an instruction. Operands of kind `Label` are given as
    /// `Operand::U32(label.0)` and `LabelTable` as `Operand::Labels` of label
    /// numbers; they are patched to pcs by [`ModuleBuilder::define`].
    pub fn inst(&mut self, opcode: Opcode, operands: Vec<Operand>) -> Result<(), BuildError> {
        let expected = opcode.operands().len();
        if operands.len() != expected {
            return Err(BuildError::OperandCount {
                opcode,
                expected,
                found: operands.len(),
            });
        }
        let inst = Inst { opcode, operands };
        let pc = self.code.push(&inst).map_err(BuildError::Operand)?;
        // Each label operand's position: the opcode byte, then the operands
        // before it at their encoded sizes.
        let mut at = pc as usize + 1;
        for (kind, operand) in opcode.operands().iter().zip(&inst.operands) {
            match (kind, operand) {
                (OperandKind::Label, Operand::U32(id)) => self.fixups.push((at as u32, *id)),
                (OperandKind::LabelTable, Operand::Labels(ids)) => {
                    for (i, id) in ids.iter().enumerate() {
                        self.fixups.push(((at + 4 + 4 * i) as u32, *id));
                    }
                }
                _ => {}
            }
            at += match (kind, operand) {
                (OperandKind::LabelTable, Operand::Labels(l)) => 4 + 4 * l.len(),
                (OperandKind::Results | OperandKind::Args, Operand::Regs(r)) => 1 + 2 * r.len(),
                (kind, _) => fixed_operand_size(*kind) as usize,
            };
        }
        self.pc = self.code.size();
        Ok(())
    }

    /// `opcode dst, a, b` and every other all-register instruction.
    pub fn op(&mut self, opcode: Opcode, regs: &[Reg]) -> Result<(), BuildError> {
        self.inst(opcode, regs.iter().map(|&r| Operand::Reg(r)).collect())
    }

    /// `jmp label`.
    pub fn jump(&mut self, target: Label) -> Result<(), BuildError> {
        self.inst(Opcode::Jump, vec![Operand::U32(target.0)])
    }

    /// `br_if cond, label` (`br_ifz` when `if_zero`).
    pub fn branch(&mut self, cond: Reg, target: Label, if_zero: bool) -> Result<(), BuildError> {
        let opcode = if if_zero { Opcode::BrIfz } else { Opcode::BrIf };
        self.inst(opcode, vec![Operand::Reg(cond), Operand::U32(target.0)])
    }

    /// `call func, [results], [args]`.
    pub fn call(&mut self, func: FuncId, results: &[Reg], args: &[Reg]) -> Result<(), BuildError> {
        self.inst(
            Opcode::Call,
            vec![
                Operand::U32(func.0),
                Operand::Regs(results.to_vec()),
                Operand::Regs(args.to_vec()),
            ],
        )
    }

    /// `ret [values]`.
    pub fn ret(&mut self, values: &[Reg]) -> Result<(), BuildError> {
        self.inst(Opcode::Ret, vec![Operand::Regs(values.to_vec())])
    }

    fn finish(mut self) -> Result<(Function, Vec<LabelName>), BuildError> {
        let name = self.name.clone();
        if self.registers.len() > MAX_REGISTERS as usize {
            return Err(BuildError::TooManyRegisters {
                func: name,
                count: self.registers.len(),
            });
        }
        let resolve = |labels: &[LabelData], id: u32| -> Result<u32, BuildError> {
            let data = labels
                .get(id as usize)
                .ok_or_else(|| BuildError::UnplacedLabel {
                    func: name.clone(),
                    label: id.to_string(),
                })?;
            data.pc.ok_or_else(|| BuildError::UnplacedLabel {
                func: name.clone(),
                label: data.name.clone().unwrap_or_else(|| id.to_string()),
            })
        };
        for &(at, id) in &self.fixups {
            let pc = resolve(&self.labels, id)?;
            self.code.patch_u32(at as usize, pc);
        }
        let mut names: Vec<LabelName> = self
            .labels
            .iter()
            .filter_map(|l| {
                Some(LabelName {
                    func: self.func.0,
                    pc: l.pc?,
                    name: l.name.clone()?,
                })
            })
            .collect();
        names.sort_by_key(|l| l.pc);
        let function = Function {
            name: self.name,
            sig: 0,
            registers: self.registers,
            code: self.code,
        };
        Ok((function, names))
    }
}
