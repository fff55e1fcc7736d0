//! `janusc run --invoke NAME ARG…`: a `main` that instantiates the module,
//! calls one export with arguments given as text, and prints each result on
//! its own line as wasmtime's `--invoke` does (`console.write_value`), so
//! every engine prints the same bytes.

use crate::entry::Instance;
use crate::error::{Result, WasmError};
use janus_bytecode::bytecode::builder::{BuildError, ModuleBuilder};
use janus_bytecode::bytecode::{Opcode, Operand, Reg};
use janus_runtime::abi::{device_op_by_name, ValType};

fn invalid(message: String) -> WasmError {
    WasmError::Invoke { message }
}

fn internal(error: BuildError) -> WasmError {
    WasmError::Internal {
        message: error.to_string(),
        offset: 0,
    }
}

/// An argument's bits, parsed as the parameter's type: integers in
/// decimal (signed or, up to the width, unsigned), floats as Rust reads
/// them (`1.5`, `-0`, `inf`, `nan`).
fn parse(text: &str, ty: ValType) -> Option<u64> {
    match ty {
        ValType::I32 => text
            .parse::<i32>()
            .map(|v| v as u32)
            .or_else(|_| text.parse::<u32>())
            .ok()
            .map(u64::from),
        ValType::I64 => text
            .parse::<i64>()
            .map(|v| v as u64)
            .or_else(|_| text.parse::<u64>())
            .ok(),
        ValType::F32 => text.parse::<f32>().ok().map(|v| u64::from(v.to_bits())),
        ValType::F64 => text.parse::<f64>().ok().map(f64::to_bits),
    }
}

fn type_code(ty: ValType) -> i32 {
    match ty {
        ValType::I32 => 0,
        ValType::I64 => 1,
        ValType::F32 => 2,
        ValType::F64 => 3,
    }
}

/// Builds a `main` that calls export `name` with `args` and prints its
/// results; an unknown export or an argument that does not fit its
/// parameter is an [`WasmError::Invoke`] naming what was expected.
pub fn invoke_main<'s>(
    name: &'s str,
    args: &'s [String],
) -> impl FnOnce(&mut ModuleBuilder, &Instance) -> Result<()> + 's {
    move |mb, instance| {
        let Some((_, func, sig)) = instance.export(name).cloned() else {
            let names: Vec<&str> = instance
                .exports
                .iter()
                .map(|(n, _, _)| n.as_str())
                .collect();
            return Err(invalid(format!(
                "--invoke {name}: the module exports no function `{name}` (it exports: {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )));
        };
        let types: Vec<String> = sig.params.iter().map(ToString::to_string).collect();
        if args.len() != sig.params.len() {
            return Err(invalid(format!(
                "--invoke {name}: expected {} arguments ({}), got {}",
                sig.params.len(),
                types.join(", "),
                args.len()
            )));
        }
        let main = mb.declare(&instance.fresh_name("main"), &[], &[ValType::I32]);
        let mut f = mb.body(main);
        f.call(instance.init, &[], &[]).map_err(internal)?;
        let mut regs: Vec<Reg> = Vec::new();
        for (i, (text, &ty)) in args.iter().zip(&sig.params).enumerate() {
            let bits = parse(text, ty).ok_or_else(|| {
                invalid(format!(
                    "--invoke {name}: argument {} `{text}` is not a valid {ty}",
                    i + 1
                ))
            })?;
            let reg = f.reg(ty);
            let value = match ty {
                ValType::I32 => Operand::I32(bits as u32 as i32),
                ValType::I64 => Operand::I64(bits as i64),
                ValType::F32 => Operand::F32(bits as u32),
                ValType::F64 => Operand::F64(bits),
            };
            let opcode = match ty {
                ValType::I32 => Opcode::I32Const,
                ValType::I64 => Opcode::I64Const,
                ValType::F32 => Opcode::F32Const,
                ValType::F64 => Opcode::F64Const,
            };
            f.inst(opcode, vec![Operand::Reg(reg), value])
                .map_err(internal)?;
            regs.push(reg);
        }
        let results: Vec<Reg> = sig.results.iter().map(|&t| f.reg(t)).collect();
        f.call(func, &results, &regs).map_err(internal)?;
        let [fd, status, code] = [(); 3].map(|_| f.reg(ValType::I32));
        let bits = f.reg(ValType::I64);
        f.inst(Opcode::I32Const, vec![Operand::Reg(fd), Operand::I32(1)])
            .map_err(internal)?;
        let write = device_op_by_name("console.write_value")
            .ok_or_else(|| invalid("the device table lacks console.write_value".into()))?
            .code();
        for (&reg, &ty) in results.iter().zip(&sig.results) {
            match ty {
                ValType::I32 => f.op(Opcode::I64ExtendI32U, &[bits, reg]),
                ValType::I64 => f.op(Opcode::I64Mov, &[bits, reg]),
                ValType::F32 => {
                    let raw = f.reg(ValType::I32);
                    f.op(Opcode::I32ReinterpretF32, &[raw, reg])
                        .map_err(internal)?;
                    f.op(Opcode::I64ExtendI32U, &[bits, raw])
                }
                ValType::F64 => f.op(Opcode::I64ReinterpretF64, &[bits, reg]),
            }
            .map_err(internal)?;
            f.inst(
                Opcode::I32Const,
                vec![Operand::Reg(code), Operand::I32(type_code(ty))],
            )
            .map_err(internal)?;
            f.inst(
                Opcode::Dev,
                vec![
                    Operand::Dev(write),
                    Operand::Regs(vec![status]),
                    Operand::Regs(vec![fd, bits, code]),
                ],
            )
            .map_err(internal)?;
        }
        let zero = f.reg(ValType::I32);
        f.inst(Opcode::I32Const, vec![Operand::Reg(zero), Operand::I32(0)])
            .map_err(internal)?;
        f.ret(&[zero]).map_err(internal)?;
        mb.define(f).map_err(internal)?;
        mb.export("main", main);
        Ok(())
    }
}
