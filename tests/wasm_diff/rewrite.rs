//! Changes to a generated module before anything runs it, made in one
//! re-encoding pass (`wasm_encoder::reencode`), none moving an index (what
//! is added is appended):
//!
//! 1. An exported function [`CHECKSUM`] `() -> i64` that hashes the whole
//!    linear memory, so calling it compares memory contents too (wasm-smith
//!    observes values through globals, not memory).
//! 2. The NaNs of `f64.promote_f32` and `f32.demote_f64` made canonical, as
//!    `wasm-smith`'s `canonicalize_nans` does for the other float
//!    arithmetic (it leaves these two out).
//! 3. Every exported function called through a wrapper (appended, and
//!    exported under its name instead) that first refills the fuel global
//!    `ensure_termination` added, so each call from outside gets the same
//!    small budget of loop iterations and calls: a call that would not stop
//!    traps `unreachable` alike everywhere, and does not leave later calls
//!    without fuel. Calls inside the module are not changed.
//! 4. For wasmi only (the module the oracle runs, not the one the engines
//!    run): every `select`'s condition goes through a scratch global. wasmi
//!    2.0.0 fuses a `select` with the comparison that computes its
//!    condition, and gets `select(7, x, i32.eqz x)` wrong for `x != 0` (it
//!    yields 7; wabt's interpreter and every JanusVM engine yield `x`), a
//!    pattern wasm-smith's `disallow_traps` makes for every division. The
//!    global makes the fusion impossible and changes nothing else.
//!
//! Why 2: WebAssembly lets a NaN result of arithmetic have any sign and
//! payload; JanusVM follows the deterministic profile (docs/ISA.md §6.3 and §5.6: the
//! canonical NaN for `promote` and `demote`, like `add`), while wasmi keeps
//! the operand's sign and payload, as the hardware does. Either is
//! correct, so without this rewrite a NaN reinterpreted into an integer
//! (wasm-smith xors every dropped value into a global) differs between
//! them for no fault of either.
//!
//! After each conversion the value goes through a scratch global (one per
//! type, appended to the global section, so no index moves) and
//! `select(x, nan, x == x)` replaces a NaN with the canonical one, the
//! same sequence wasm-smith uses with a local.

use std::convert::Infallible;
use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{
    BlockType, ConstExpr, ExportKind, Function, GlobalType, Instruction, MemArg, MemArgTarget,
    ValType,
};
use wasmparser::Operator;

/// The export name of the memory checksum function.
pub const CHECKSUM: &str = "janus.memory_checksum";

/// The canonical NaNs (positive, quiet, only the top mantissa bit).
const NAN32: u32 = 0x7fc0_0000;
const NAN64: u64 = 0x7ff8_0000_0000_0000;

#[derive(Default)]
struct Rewrite {
    /// The scratch globals' indices (f32, f64, i32), once the global
    /// section has been read.
    scratch: Option<(u32, u32, u32)>,
    /// Whether to pass `select` conditions through the i32 scratch global.
    isolate_selects: bool,
    /// Whether a conversion was left as it was: the module has no global
    /// section to add the scratch globals to.
    missed: bool,
    /// The checksum function's type, once added to the type section.
    checksum_type: Option<u32>,
    /// The checksum function's index, once added to the function section.
    checksum: Option<u32>,
    /// Whether the module has a memory to hash.
    memory: bool,
    /// The fuel global and what each call from outside gets.
    fuel: Option<(u32, i32)>,
    /// The exported functions, in export order (from a first pass: the
    /// function section, where wrappers are declared, comes first).
    exported: Vec<u32>,
    /// Each type's parameter count.
    params: Vec<u32>,
    /// Each defined function's type.
    func_types: Vec<u32>,
    /// The wrappers: (wrapped function, wrapper's index), in export order.
    wrappers: Vec<(u32, u32)>,
}

type Error = reencode::Error<Infallible>;

impl Reencode for Rewrite {
    type Error = Infallible;

    fn parse_type_section(
        &mut self,
        types: &mut wasm_encoder::TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), Error> {
        for group in section.clone() {
            for sub in group?.into_types() {
                self.params.push(match &sub.composite_type.inner {
                    wasmparser::CompositeInnerType::Func(ty) => ty.params().len() as u32,
                    _ => 0,
                });
            }
        }
        reencode::utils::parse_type_section(self, types, section)?;
        self.checksum_type = Some(types.len());
        types.ty().function([], [ValType::I64]);
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), Error> {
        for ty in section.clone() {
            self.func_types.push(ty?);
        }
        reencode::utils::parse_function_section(self, functions, section)?;
        if let Some(ty) = self.checksum_type {
            // The module has no imports: defined functions are all of them.
            self.checksum = Some(functions.len());
            functions.function(ty);
        }
        if self.fuel.is_some() {
            for k in 0..self.exported.len() {
                let wrapped = self.exported[k];
                let Some(&ty) = self.func_types.get(wrapped as usize) else {
                    continue;
                };
                self.wrappers.push((wrapped, functions.len()));
                functions.function(ty);
            }
        }
        Ok(())
    }

    fn parse_memory_section(
        &mut self,
        memories: &mut wasm_encoder::MemorySection,
        section: wasmparser::MemorySectionReader<'_>,
    ) -> Result<(), Error> {
        reencode::utils::parse_memory_section(self, memories, section)?;
        self.memory = !memories.is_empty();
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), Error> {
        let listed = self.wrappers.clone();
        let mut wrappers = listed.iter();
        for export in section {
            let export = export?;
            let mut index = export.index;
            if export.kind == wasmparser::ExternalKind::Func {
                // In the same order as the first pass listed them.
                if let Some(&(wrapped, wrapper)) = wrappers.next() {
                    if wrapped == index {
                        index = wrapper;
                    }
                }
            }
            exports.export(export.name, self.export_kind(export.kind)?, index);
        }
        if let Some(index) = self.checksum {
            exports.export(CHECKSUM, ExportKind::Func, index);
        }
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), Error> {
        reencode::utils::parse_code_section(self, code, section)?;
        if self.checksum.is_some() {
            code.function(&checksum_body(self.memory));
        }
        if let Some((global, amount)) = self.fuel {
            for &(wrapped, _) in &self.wrappers {
                let ty = self.func_types[wrapped as usize];
                let params = self.params.get(ty as usize).copied().unwrap_or(0);
                let mut f = Function::new([]);
                f.instruction(&Instruction::I32Const(amount));
                f.instruction(&Instruction::GlobalSet(global));
                for p in 0..params {
                    f.instruction(&Instruction::LocalGet(p));
                }
                f.instruction(&Instruction::Call(wrapped));
                f.instruction(&Instruction::End);
                code.function(&f);
            }
        }
        Ok(())
    }

    fn parse_global_section(
        &mut self,
        globals: &mut wasm_encoder::GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), Error> {
        reencode::utils::parse_global_section(self, globals, section)?;
        // The module has no imports: defined globals are all the globals.
        let first = globals.len();
        let ty = |val_type| GlobalType {
            val_type,
            mutable: true,
            shared: false,
        };
        globals.global(ty(ValType::F32), &ConstExpr::f32_const(0.0_f32.into()));
        globals.global(ty(ValType::F64), &ConstExpr::f64_const(0.0_f64.into()));
        globals.global(ty(ValType::I32), &ConstExpr::i32_const(0));
        self.scratch = Some((first, first + 1, first + 2));
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), Error> {
        let mut f = self.new_function_with_parsed_locals(&func)?;
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            let scratch = match (&op, self.scratch) {
                (Operator::F32DemoteF64, Some((g32, _, _))) => Some((g32, false)),
                (Operator::F64PromoteF32, Some((_, g64, _))) => Some((g64, true)),
                (Operator::F32DemoteF64 | Operator::F64PromoteF32, None) => {
                    self.missed = true;
                    None
                }
                _ => None,
            };
            if self.isolate_selects && matches!(op, Operator::Select | Operator::TypedSelect { .. })
            {
                match self.scratch {
                    Some((_, _, condition)) => {
                        f.instruction(&Instruction::GlobalSet(condition));
                        f.instruction(&Instruction::GlobalGet(condition));
                    }
                    None => self.missed = true,
                }
            }
            f.instruction(&self.instruction(op)?);
            if let Some((global, wide)) = scratch {
                f.instruction(&Instruction::GlobalSet(global));
                f.instruction(&Instruction::GlobalGet(global));
                f.instruction(&if wide {
                    Instruction::F64Const(f64::from_bits(NAN64).into())
                } else {
                    Instruction::F32Const(f32::from_bits(NAN32).into())
                });
                f.instruction(&Instruction::GlobalGet(global));
                f.instruction(&Instruction::GlobalGet(global));
                f.instruction(&if wide {
                    Instruction::F64Eq
                } else {
                    Instruction::F32Eq
                });
                f.instruction(&Instruction::Select);
            }
        }
        code.function(&f);
        Ok(())
    }
}

/// The checksum: FNV-style over the memory's 8-byte words, each mixed with
/// a rotation so equal words at different places do not cancel; 0 without
/// a memory. Locals: 0 the address, 1 the end, 2 the hash.
fn checksum_body(memory: bool) -> Function {
    let mut f = Function::new([(2, ValType::I32), (1, ValType::I64)]);
    if !memory {
        f.instruction(&Instruction::I64Const(0));
        f.instruction(&Instruction::End);
        return f;
    }
    let word = MemArg {
        offset: 0,
        align: 3,
        target: MemArgTarget::Memory(0),
        ordering: None,
    };
    for i in [
        Instruction::MemorySize(0),
        Instruction::I32Const(16),
        Instruction::I32Shl,
        Instruction::LocalSet(1),
        Instruction::I64Const(0xcbf2_9ce4_8422_2325_u64 as i64),
        Instruction::LocalSet(2),
        Instruction::Block(BlockType::Empty),
        Instruction::Loop(BlockType::Empty),
        Instruction::LocalGet(0),
        Instruction::LocalGet(1),
        Instruction::I32GeU,
        Instruction::BrIf(1),
        Instruction::LocalGet(2),
        Instruction::LocalGet(0),
        Instruction::I64Load(word),
        Instruction::I64Xor,
        Instruction::I64Const(0x100_0000_01b3),
        Instruction::I64Mul,
        Instruction::I64Const(29),
        Instruction::I64Rotl,
        Instruction::LocalSet(2),
        Instruction::LocalGet(0),
        Instruction::I32Const(8),
        Instruction::I32Add,
        Instruction::LocalSet(0),
        Instruction::Br(0),
        Instruction::End,
        Instruction::End,
        Instruction::LocalGet(2),
        Instruction::End,
    ] {
        f.instruction(&i);
    }
    f
}

/// The module with a memory checksum export, canonical NaNs after every
/// `promote` and `demote`, with `fuel` (the fuel global, and the amount)
/// exports that refill it, and with `isolate_selects` (for wasmi)
/// every `select` condition passed through a global; `Err` when it cannot
/// be re-encoded (the message says why), or needs a scratch global but has
/// no global section (`ensure_termination` always adds a global, so
/// generated modules have one).
pub fn rewrite(
    bytes: &[u8],
    fuel: Option<(u32, i32)>,
    isolate_selects: bool,
) -> Result<Vec<u8>, String> {
    let mut exported = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::Payload::ExportSection(section) = payload.map_err(|e| e.to_string())? {
            for export in section {
                let export = export.map_err(|e| e.to_string())?;
                if export.kind == wasmparser::ExternalKind::Func {
                    exported.push(export.index);
                }
            }
        }
    }
    let mut module = wasm_encoder::Module::new();
    let mut reencoder = Rewrite {
        isolate_selects,
        fuel,
        exported,
        ..Rewrite::default()
    };
    reencoder
        .parse_core_module(&mut module, wasmparser::Parser::new(0), bytes)
        .map_err(|e| format!("re-encoding: {e}"))?;
    if reencoder.missed {
        return Err("a promote, demote or select in a module without globals".into());
    }
    Ok(module.finish())
}
