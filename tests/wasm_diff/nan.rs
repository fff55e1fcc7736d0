//! Makes the NaNs of `f64.promote_f32` and `f32.demote_f64` canonical in a
//! generated module, as `wasm-smith`'s `canonicalize_nans` does for the
//! other float arithmetic (it leaves these two out).
//!
//! WebAssembly lets a NaN result of arithmetic have any sign and payload;
//! JanusVM follows the deterministic profile (docs/ISA.md §5.6: the
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
use wasm_encoder::{ConstExpr, GlobalType, Instruction, ValType};
use wasmparser::Operator;

/// The canonical NaNs (positive, quiet, only the top mantissa bit).
const NAN32: u32 = 0x7fc0_0000;
const NAN64: u64 = 0x7ff8_0000_0000_0000;

#[derive(Default)]
struct Canonicalize {
    /// The scratch globals' indices (f32, f64), once the global section
    /// has been read.
    scratch: Option<(u32, u32)>,
    /// Whether a conversion was left as it was: the module has no global
    /// section to add the scratch globals to.
    missed: bool,
}

type Error = reencode::Error<Infallible>;

impl Reencode for Canonicalize {
    type Error = Infallible;

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
        self.scratch = Some((first, first + 1));
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
                (Operator::F32DemoteF64, Some((g32, _))) => Some((g32, false)),
                (Operator::F64PromoteF32, Some((_, g64))) => Some((g64, true)),
                (Operator::F32DemoteF64 | Operator::F64PromoteF32, None) => {
                    self.missed = true;
                    None
                }
                _ => None,
            };
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

/// The module with canonical NaNs after every `promote` and `demote`;
/// `Err` when it cannot be re-encoded (the message says why), or has a
/// conversion but no global section (`ensure_termination` always adds a
/// global, so generated modules have one).
pub fn canonicalize(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut module = wasm_encoder::Module::new();
    let mut reencoder = Canonicalize::default();
    reencoder
        .parse_core_module(&mut module, wasmparser::Parser::new(0), bytes)
        .map_err(|e| format!("re-encoding: {e}"))?;
    if reencoder.missed {
        return Err("a promote or demote in a module without globals".into());
    }
    Ok(module.finish())
}
