//! The module verifier: run on every loaded module before anything else uses
//! it, and the only gate between untrusted bytecode and the engines.
//!
//! After it accepts a module, every index is in range, every register operand
//! exists and has the type its opcode demands, every jump lands on an
//! instruction boundary, no function can run off the end of its code, every
//! call passes the arguments its callee declares, `main` exists with the type
//! `() -> i32`, and every active data segment fits in the initial memory. It walks
//! each function once, so time is linear in the module's size, and collects
//! every error rather than stopping at the first (Cranelift's verifier habit),
//! each with a stable code, the function and pc, and a byte offset.

mod debug_info;
mod error;

pub use error::{OperandPos, VerifyError, VerifyErrorKind};

use crate::bytecode::limits::{MAX_CODE_SIZE, MAX_PARAMS, MAX_REGISTERS, MAX_RESULTS};
use crate::bytecode::{
    is_identifier, Class, FileOffsets, Function, Inst, Module, Opcode, Operand, OperandKind, Reg,
    Signature,
};
use janus_runtime::abi::{self, ValType, MAX_PAGES, PAGE_SIZE};
use std::collections::{HashMap, HashSet};

/// Verifies a decoded module; `offsets` come from the same decode and place
/// each error in the file. Returns every problem found, in file order.
pub fn verify(module: &Module, offsets: &FileOffsets) -> Result<(), Vec<VerifyError>> {
    let mut v = Verifier {
        module,
        offsets,
        errors: Vec::new(),
    };
    v.signatures();
    v.memory();
    for (index, func) in module.functions.iter().enumerate() {
        v.function(index, func);
    }
    v.function_names();
    v.table();
    v.exports();
    v.data();
    v.label_names();
    v.source();
    v.globals();
    if v.errors.is_empty() {
        Ok(())
    } else {
        v.errors.sort_by_key(|e| e.offset);
        // One instruction naming the same bad register twice is one error,
        // reported at its first operand.
        v.errors.dedup_by(|later, first| {
            (&later.func, &later.kind) == (&first.func, &first.kind) && later.offset == first.offset
        });
        Err(v.errors)
    }
}

/// The instruction starts of one function's code, one bit per byte.
struct Starts(Vec<u64>);

struct Verifier<'a> {
    module: &'a Module,
    offsets: &'a FileOffsets,
    errors: Vec<VerifyError>,
}

/// Where in a function an instruction-level error is, down to the operand
/// when one is at fault.
#[derive(Clone, Copy)]
struct Site<'a> {
    func: &'a str,
    pc: u32,
    offset: usize,
    operand: Option<OperandPos>,
}

impl Site<'_> {
    /// The same instruction, operand `index`.
    fn operand(self, index: usize) -> Self {
        Site {
            operand: Some(OperandPos {
                index,
                element: None,
            }),
            ..self
        }
    }

    /// The same operand (a list), its element `element`.
    fn element(self, element: usize) -> Self {
        Site {
            operand: self.operand.map(|o| OperandPos {
                element: Some(element),
                ..o
            }),
            ..self
        }
    }
}

impl<'a> Verifier<'a> {
    fn error(&mut self, offset: usize, kind: VerifyErrorKind) {
        self.errors.push(VerifyError {
            offset,
            func: None,
            kind,
            operand: None,
        });
    }

    fn error_at(&mut self, site: Site, kind: VerifyErrorKind) {
        self.errors.push(VerifyError {
            offset: site.offset,
            func: Some((site.func.to_string(), site.pc)),
            kind,
            operand: site.operand,
        });
    }

    fn offset_of(list: &[usize], index: usize, fallback: usize) -> usize {
        list.get(index).copied().unwrap_or(fallback)
    }

    fn signatures(&mut self) {
        let mut seen: HashMap<&Signature, usize> = HashMap::new();
        for (index, sig) in self.module.signatures.iter().enumerate() {
            let offset = Self::offset_of(&self.offsets.signatures, index, self.offsets.end);
            if sig.params.len() > MAX_PARAMS as usize {
                self.error(
                    offset,
                    VerifyErrorKind::TooManyParams {
                        count: sig.params.len(),
                    },
                );
            }
            if sig.results.len() > MAX_RESULTS as usize {
                self.error(
                    offset,
                    VerifyErrorKind::TooManyResults {
                        count: sig.results.len(),
                    },
                );
            }
            if let Some(&first) = seen.get(sig) {
                self.error(
                    offset,
                    VerifyErrorKind::DuplicateSignature {
                        index,
                        first,
                        sig: sig.to_string(),
                    },
                );
            } else {
                seen.insert(sig, index);
            }
        }
    }

    fn memory(&mut self) {
        let Some(memory) = self.module.memory else {
            return;
        };
        let offset = self.offsets.memory;
        if memory.max_pages > MAX_PAGES {
            self.error(
                offset,
                VerifyErrorKind::MemoryTooLarge {
                    pages: memory.max_pages,
                },
            );
        }
        if memory.initial_pages > memory.max_pages {
            self.error(
                offset,
                VerifyErrorKind::MemoryInitialAboveMax {
                    initial: memory.initial_pages,
                    max: memory.max_pages,
                },
            );
        }
    }

    fn signature(&self, index: u32) -> Option<&'a Signature> {
        self.module.signatures.get(index as usize)
    }

    fn function(&mut self, index: usize, func: &'a Function) {
        let header = Self::offset_of(&self.offsets.functions, index, self.offsets.end);
        let code_start = Self::offset_of(&self.offsets.code, index, self.offsets.end);
        if !is_identifier(&func.name) {
            self.error(
                header,
                VerifyErrorKind::BadName {
                    what: "function",
                    name: func.name.clone(),
                },
            );
        }
        if func.registers.len() > MAX_REGISTERS as usize {
            self.error(
                header,
                VerifyErrorKind::TooManyRegisters {
                    func: func.name.clone(),
                    count: func.registers.len(),
                },
            );
        }
        let code_size = func.code.bytes().len() as u64;
        if code_size > u64::from(MAX_CODE_SIZE) {
            self.error(
                header,
                VerifyErrorKind::CodeTooLarge {
                    func: func.name.clone(),
                    size: code_size,
                },
            );
        }
        let sig = match self.signature(func.sig) {
            Some(sig) => Some(sig),
            None => {
                self.error(
                    header,
                    VerifyErrorKind::SignatureOutOfRange {
                        func: func.name.clone(),
                        index: func.sig,
                        count: self.module.signatures.len(),
                    },
                );
                None
            }
        };
        if let Some(sig) = sig {
            if func.registers.len() < sig.params.len() {
                self.error(
                    header,
                    VerifyErrorKind::TooFewRegisters {
                        func: func.name.clone(),
                        registers: func.registers.len(),
                        params: sig.params.len(),
                    },
                );
            }
            for (i, (&param, &reg)) in sig.params.iter().zip(&func.registers).enumerate() {
                if param != reg {
                    self.error(
                        header,
                        VerifyErrorKind::ParamRegisterType {
                            func: func.name.clone(),
                            reg: i,
                            found: reg,
                            expected: param,
                        },
                    );
                }
            }
        }

        // Instruction starts as one bit per byte of code, so checking the
        // targets costs an eighth of a byte per byte, not a pc per instruction.
        let size = func.code.size();
        let mut is_start = Starts(vec![0u64; (size as usize).div_ceil(64)]);
        let mut last_pc = None;
        for pc in func.code.starts() {
            is_start.0[pc as usize / 64] |= 1 << (pc % 64);
            last_pc = Some(pc);
        }
        match last_pc.and_then(|pc| Some((pc, func.code.at(pc)?))) {
            None => self.error(
                code_start,
                VerifyErrorKind::EmptyFunction {
                    func: func.name.clone(),
                },
            ),
            Some((pc, last)) if !last.opcode.is_terminator() => {
                self.error_at(
                    Site {
                        func: &func.name,
                        pc,
                        offset: code_start + pc as usize,
                        operand: None,
                    },
                    VerifyErrorKind::FallsOffEnd {
                        opcode: last.opcode,
                    },
                );
            }
            Some(_) => {}
        }
        let results = sig.map(|s| s.results.as_slice());
        for (pc, inst) in func.code.with_pcs() {
            let site = Site {
                func: &func.name,
                pc,
                offset: code_start + pc as usize,
                operand: None,
            };
            self.inst(site, func, &inst, &is_start, size, results);
        }
    }

    /// One instruction's operands; `results` are the function's own result
    /// types (what `ret` returns), if its signature is known.
    fn inst(
        &mut self,
        site: Site,
        func: &Function,
        inst: &Inst,
        is_start: &Starts,
        size: u32,
        results: Option<&[ValType]>,
    ) {
        let kinds = inst.opcode.operands();
        if kinds.len() != inst.operands.len() {
            self.error_at(
                site,
                VerifyErrorKind::MalformedOperands {
                    opcode: inst.opcode,
                },
            );
            return;
        }
        // What the register lists of this instruction must hold, from the
        // callee, the device operation or the function's own result.
        let mut list_types: Option<(String, Vec<ValType>, Vec<ValType>)> = None;
        let whole = site;
        for (index, (kind, operand)) in kinds.iter().zip(&inst.operands).enumerate() {
            let site = whole.operand(index);
            match (kind, operand) {
                (OperandKind::Def(ty) | OperandKind::Use(ty), Operand::Reg(r)) => {
                    self.register(site, func, *r, *ty)
                }
                (OperandKind::Label, Operand::U32(target)) => {
                    self.target(site, *target, is_start, size)
                }
                (OperandKind::LabelTable, Operand::Labels(targets)) => {
                    for (i, &t) in targets.iter().enumerate() {
                        self.target(site.element(i), t, is_start, size);
                    }
                }
                (OperandKind::Func, Operand::U32(index)) => {
                    match self.module.functions.get(*index as usize) {
                        Some(callee) => {
                            if let Some(sig) = self.signature(callee.sig) {
                                list_types = Some((
                                    format!("`{}`", callee.name),
                                    sig.params.clone(),
                                    sig.results.clone(),
                                ));
                            }
                        }
                        None => self.error_at(
                            site,
                            VerifyErrorKind::FunctionOutOfRange {
                                index: *index,
                                count: self.module.functions.len(),
                            },
                        ),
                    }
                }
                (OperandKind::Global, Operand::U32(index)) => {
                    self.global(site, inst.opcode, *index)
                }
                (OperandKind::Data, Operand::U32(index)) => {
                    let count = self.module.data.len();
                    if *index as usize >= count {
                        let kind = VerifyErrorKind::DataOutOfRange {
                            index: *index,
                            count,
                        };
                        self.error_at(site, kind);
                    }
                }
                (OperandKind::Sig, Operand::U32(index)) => match self.signature(*index) {
                    Some(sig) => {
                        list_types = Some((
                            format!("signature {sig}"),
                            sig.params.clone(),
                            sig.results.clone(),
                        ))
                    }
                    None => self.error_at(
                        site,
                        VerifyErrorKind::SignatureOutOfRange {
                            func: func.name.clone(),
                            index: *index,
                            count: self.module.signatures.len(),
                        },
                    ),
                },
                (OperandKind::DevOp, Operand::Dev(code)) => match abi::device_op_by_code(*code) {
                    Some(op) => {
                        list_types = Some((
                            format!("`{}`", op.name),
                            op.params.to_vec(),
                            vec![op.result],
                        ))
                    }
                    None => self.error_at(site, VerifyErrorKind::UnknownDeviceOp { code: *code }),
                },
                (OperandKind::Results, Operand::Regs(regs)) => {
                    if let Some((callee, _, results)) = &list_types {
                        self.register_list(site, func, regs, results, callee, "results");
                    }
                    self.distinct_results(site, regs);
                }
                (OperandKind::Args, Operand::Regs(regs)) => {
                    if inst.opcode == Opcode::Ret {
                        if let Some(expected) = results {
                            self.register_list(
                                site,
                                func,
                                regs,
                                expected,
                                "the function",
                                "returned values",
                            );
                        }
                    } else if let Some((callee, params, _)) = &list_types {
                        self.register_list(site, func, regs, params, callee, "arguments");
                    }
                }
                (
                    OperandKind::ImmI32
                    | OperandKind::ImmI64
                    | OperandKind::ImmF32
                    | OperandKind::ImmF64
                    | OperandKind::Offset
                    | OperandKind::TrapCode,
                    _,
                ) => {}
                _ => self.error_at(
                    site,
                    VerifyErrorKind::MalformedOperands {
                        opcode: inst.opcode,
                    },
                ),
            }
        }
    }

    /// A `T.global.get` or `T.global.set` operand: the global exists, has
    /// the instruction's type and, for a set, is mutable.
    fn global(&mut self, site: Site, opcode: Opcode, index: u32) {
        let Some(global) = self.module.globals.get(index as usize) else {
            self.error_at(
                site,
                VerifyErrorKind::GlobalOutOfRange {
                    index,
                    count: self.module.globals.len(),
                },
            );
            return;
        };
        let register = opcode.operands().iter().find_map(|kind| match kind {
            OperandKind::Def(ty) | OperandKind::Use(ty) => Some(*ty),
            _ => None,
        });
        if let Some(expected) = register {
            if expected != global.ty {
                self.error_at(
                    site,
                    VerifyErrorKind::GlobalType {
                        opcode,
                        global: global.name.clone(),
                        found: global.ty,
                        expected,
                    },
                );
            }
        }
        if opcode.class() == Class::GlobalSet && !global.mutable {
            self.error_at(
                site,
                VerifyErrorKind::ImmutableGlobal {
                    opcode,
                    global: global.name.clone(),
                },
            );
        }
    }

    /// Global names: identifiers, unique.
    fn globals(&mut self) {
        let mut seen = HashSet::new();
        for (index, global) in self.module.globals.iter().enumerate() {
            let offset = Self::offset_of(&self.offsets.globals, index, self.offsets.end);
            if !is_identifier(&global.name) {
                self.error(
                    offset,
                    VerifyErrorKind::BadName {
                        what: "global",
                        name: global.name.clone(),
                    },
                );
            }
            if !seen.insert(global.name.as_str()) {
                self.error(
                    offset,
                    VerifyErrorKind::DuplicateGlobal {
                        name: global.name.clone(),
                    },
                );
            }
        }
    }

    fn register(&mut self, site: Site, func: &Function, reg: Reg, expected: ValType) {
        match func.registers.get(reg as usize) {
            None => self.error_at(
                site,
                VerifyErrorKind::RegisterOutOfRange {
                    reg,
                    count: func.registers.len(),
                },
            ),
            Some(&found) if found != expected => self.error_at(
                site,
                VerifyErrorKind::RegisterType {
                    reg,
                    found,
                    expected,
                },
            ),
            Some(_) => {}
        }
    }

    fn register_list(
        &mut self,
        site: Site,
        func: &Function,
        regs: &[Reg],
        expected: &[ValType],
        callee: &str,
        what: &'static str,
    ) {
        if regs.len() != expected.len() {
            self.error_at(
                site,
                VerifyErrorKind::Arity {
                    target: callee.to_string(),
                    what,
                    found: regs.len(),
                    expected: expected.len(),
                },
            );
        }
        for (i, (&reg, &ty)) in regs.iter().zip(expected).enumerate() {
            self.register(site.element(i), func, reg, ty);
        }
    }

    /// A result list writes each register once: every later mention of a
    /// register is an error. Sorting keeps a hostile list of 255 registers
    /// cheap (n log n, not n²).
    fn distinct_results(&mut self, site: Site, regs: &[Reg]) {
        if regs.len() < 2 {
            return;
        }
        let mut order: Vec<(Reg, usize)> = regs.iter().copied().zip(0..).collect();
        order.sort_unstable();
        let mut repeats: Vec<(usize, Reg)> = order
            .windows(2)
            .filter(|w| w[0].0 == w[1].0)
            .map(|w| (w[1].1, w[1].0))
            .collect();
        repeats.sort_unstable();
        for (element, reg) in repeats {
            self.error_at(
                site.element(element),
                VerifyErrorKind::DuplicateResult { reg },
            );
        }
    }

    fn target(&mut self, site: Site, target: u32, is_start: &Starts, size: u32) {
        if target >= size {
            self.error_at(site, VerifyErrorKind::TargetOutOfRange { target, size });
        } else if is_start.0[target as usize / 64] & (1 << (target % 64)) == 0 {
            self.error_at(site, VerifyErrorKind::TargetMidInstruction { target });
        }
    }

    fn function_names(&mut self) {
        let mut seen: HashSet<&str> = HashSet::new();
        for (index, func) in self.module.functions.iter().enumerate() {
            if !seen.insert(&func.name) {
                let offset = Self::offset_of(&self.offsets.functions, index, self.offsets.end);
                self.error(
                    offset,
                    VerifyErrorKind::DuplicateFunction {
                        name: func.name.clone(),
                    },
                );
            }
        }
    }

    fn table(&mut self) {
        for (index, &func) in self.module.table.iter().enumerate() {
            let Some(func) = func else { continue };
            if func as usize >= self.module.functions.len() {
                let offset = Self::offset_of(&self.offsets.table, index, self.offsets.end);
                self.error(
                    offset,
                    VerifyErrorKind::TableEntryOutOfRange {
                        entry: index,
                        index: func,
                        count: self.module.functions.len(),
                    },
                );
            }
        }
    }

    fn exports(&mut self) {
        let mut seen: HashSet<&str> = HashSet::new();
        for (index, export) in self.module.exports.iter().enumerate() {
            let offset = Self::offset_of(&self.offsets.exports, index, self.offsets.end);
            if !is_identifier(&export.name) {
                self.error(
                    offset,
                    VerifyErrorKind::BadName {
                        what: "export",
                        name: export.name.clone(),
                    },
                );
            }
            if !seen.insert(&export.name) {
                self.error(
                    offset,
                    VerifyErrorKind::DuplicateExport {
                        name: export.name.clone(),
                    },
                );
            }
            if export.func as usize >= self.module.functions.len() {
                self.error(
                    offset,
                    VerifyErrorKind::FunctionOutOfRange {
                        index: export.func,
                        count: self.module.functions.len(),
                    },
                );
            }
        }
        let main = Signature {
            params: vec![],
            results: vec![ValType::I32],
        };
        match self.module.exports.iter().position(|e| e.name == "main") {
            None => self.error(self.offsets.end, VerifyErrorKind::MissingMain),
            Some(index) => {
                let export = &self.module.exports[index];
                let sig = self
                    .module
                    .functions
                    .get(export.func as usize)
                    .and_then(|f| self.signature(f.sig));
                if let Some(sig) = sig {
                    if *sig != main {
                        let offset =
                            Self::offset_of(&self.offsets.exports, index, self.offsets.end);
                        self.error(
                            offset,
                            VerifyErrorKind::BadMainSignature {
                                found: sig.to_string(),
                            },
                        );
                    }
                }
            }
        }
    }

    fn data(&mut self) {
        let memory_size = self
            .module
            .memory
            .map_or(0, |m| u64::from(m.initial_pages) * PAGE_SIZE);
        for (index, seg) in self.module.data.iter().enumerate() {
            // A passive segment is copied only by `memory.init`, which
            // checks its range when it runs.
            let Some(address) = seg.address() else {
                continue;
            };
            let end = u64::from(address) + seg.bytes.len() as u64;
            if end > memory_size {
                let offset = Self::offset_of(&self.offsets.data, index, self.offsets.end);
                self.error(
                    offset,
                    VerifyErrorKind::DataOutsideMemory {
                        address,
                        len: seg.bytes.len(),
                        memory_size,
                    },
                );
            }
        }
    }
}
