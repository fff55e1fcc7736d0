//! The `main` the spec runner gives each translated module: it reads which
//! actions to run from its program arguments and prints every result's
//! bits, so one translation (and one AOT executable) serves every run of
//! a module, replays after a trap included.
//!
//! Protocol, chosen so `main` needs no linear memory (the module's own is
//! the test's state): action `k` is named by two arguments whose *lengths*
//! are `k / 64` and `k % 64` (`args.len` reads a length without copying).
//! Output is a sequence of 11-digit decimal tokens from
//! `console.write_i64`: `2·10^10 + k` before action `k` runs, then for each
//! result its low and high 32 bits, each plus 10^10, and `3·10^10` once
//! every action has run.

use janus_compiler::bytecode::builder::{FunctionBuilder, ModuleBuilder};
use janus_compiler::bytecode::{Opcode, Operand, Reg};
use janus_runtime::abi::{device_op_by_name, ValType};
use janus_wasm::{Instance, WasmError};

/// What one action does.
#[derive(Clone, Debug)]
pub enum Call {
    /// Calls an export with arguments (type, bits).
    Invoke {
        /// The export.
        name: String,
        /// Arguments as bits.
        args: Vec<(ValType, u64)>,
    },
    /// Reads an exported global.
    Get {
        /// The export.
        name: String,
    },
}

/// The base of result tokens.
pub const VALUE: i64 = 10_000_000_000;
/// The base of the token before an action.
pub const MARKER: i64 = 20_000_000_000;
/// The token after the last action.
pub const END: i64 = 30_000_000_000;

/// The arguments that make `main` run `actions` (indices), in order.
pub fn arguments(actions: &[usize]) -> Vec<String> {
    actions
        .iter()
        .flat_map(|&k| ["x".repeat(k / 64), "x".repeat(k % 64)])
        .collect()
}

fn op(name: &str) -> u16 {
    device_op_by_name(name)
        .unwrap_or_else(|| panic!("the device table has {name}"))
        .code()
}

fn fail(message: impl std::fmt::Display) -> WasmError {
    WasmError::Internal {
        message: message.to_string(),
        offset: 0,
    }
}

struct Writer {
    fd: Reg,
    status: Reg,
    value: Reg,
    low: Reg,
    high: Reg,
    mask: Reg,
    shift: Reg,
    base: Reg,
}

impl Writer {
    fn new(f: &mut FunctionBuilder) -> Result<Writer, WasmError> {
        let w = Writer {
            fd: f.reg(ValType::I32),
            status: f.reg(ValType::I32),
            value: f.reg(ValType::I64),
            low: f.reg(ValType::I64),
            high: f.reg(ValType::I64),
            mask: f.reg(ValType::I64),
            shift: f.reg(ValType::I64),
            base: f.reg(ValType::I64),
        };
        let consts = [
            (Opcode::I32Const, w.fd, Operand::I32(1)),
            (Opcode::I64Const, w.mask, Operand::I64(0xffff_ffff)),
            (Opcode::I64Const, w.shift, Operand::I64(32)),
            (Opcode::I64Const, w.base, Operand::I64(VALUE)),
        ];
        for (opcode, reg, value) in consts {
            f.inst(opcode, vec![Operand::Reg(reg), value])
                .map_err(fail)?;
        }
        Ok(w)
    }

    fn token(&self, f: &mut FunctionBuilder, reg: Reg) -> Result<(), WasmError> {
        f.inst(
            Opcode::Dev,
            vec![
                Operand::Dev(op("console.write_i64")),
                Operand::Regs(vec![self.status]),
                Operand::Regs(vec![self.fd, reg]),
            ],
        )
        .map_err(fail)
    }

    fn constant(&self, f: &mut FunctionBuilder, value: i64) -> Result<(), WasmError> {
        f.inst(
            Opcode::I64Const,
            vec![Operand::Reg(self.value), Operand::I64(value)],
        )
        .map_err(fail)?;
        self.token(f, self.value)
    }

    /// Prints a result register's bits as two tokens.
    fn result(&self, f: &mut FunctionBuilder, reg: Reg, ty: ValType) -> Result<(), WasmError> {
        let v = self.value;
        match ty {
            ValType::I32 => f.op(Opcode::I64ExtendI32U, &[v, reg]),
            ValType::I64 => f.op(Opcode::I64Mov, &[v, reg]),
            ValType::F32 => {
                let bits = f.reg(ValType::I32);
                f.op(Opcode::I32ReinterpretF32, &[bits, reg])
                    .map_err(fail)?;
                f.op(Opcode::I64ExtendI32U, &[v, bits])
            }
            ValType::F64 => f.op(Opcode::I64ReinterpretF64, &[v, reg]),
        }
        .map_err(fail)?;
        f.op(Opcode::I64And, &[self.low, v, self.mask])
            .map_err(fail)?;
        f.op(Opcode::I64Add, &[self.low, self.low, self.base])
            .map_err(fail)?;
        f.op(Opcode::I64ShrU, &[self.high, v, self.shift])
            .map_err(fail)?;
        f.op(Opcode::I64Add, &[self.high, self.high, self.base])
            .map_err(fail)?;
        self.token(f, self.low)?;
        self.token(f, self.high)
    }
}

/// Builds `main` for `actions`: the module's instantiation (`init`), then
/// the actions the arguments name.
pub fn build_main(
    mb: &mut ModuleBuilder,
    instance: &Instance,
    actions: &[Call],
) -> Result<(), WasmError> {
    let main = mb.declare(&instance.fresh_name("main"), &[], &[ValType::I32]);
    let mut f = mb.body(main);
    f.call(instance.init, &[], &[]).map_err(fail)?;
    let w = Writer::new(&mut f)?;
    let [count, j, hi, lo, index, done, one, sixty_four] = [(); 8].map(|_| f.reg(ValType::I32));
    f.inst(Opcode::I32Const, vec![Operand::Reg(one), Operand::I32(1)])
        .map_err(fail)?;
    f.inst(
        Opcode::I32Const,
        vec![Operand::Reg(sixty_four), Operand::I32(64)],
    )
    .map_err(fail)?;
    let dev = |f: &mut FunctionBuilder, name: &str, result: Reg, args: Vec<Reg>| {
        f.inst(
            Opcode::Dev,
            vec![
                Operand::Dev(op(name)),
                Operand::Regs(vec![result]),
                Operand::Regs(args),
            ],
        )
        .map_err(fail)
    };
    dev(&mut f, "args.count", count, vec![])?;
    let top = f.label();
    let end = f.label();
    f.place(top).map_err(fail)?;
    f.op(Opcode::I32GeS, &[done, j, count]).map_err(fail)?;
    f.branch(done, end, false).map_err(fail)?;
    dev(&mut f, "args.len", hi, vec![j])?;
    f.op(Opcode::I32Add, &[j, j, one]).map_err(fail)?;
    dev(&mut f, "args.len", lo, vec![j])?;
    f.op(Opcode::I32Add, &[j, j, one]).map_err(fail)?;
    f.op(Opcode::I32Mul, &[index, hi, sixty_four])
        .map_err(fail)?;
    f.op(Opcode::I32Add, &[index, index, lo]).map_err(fail)?;
    let labels: Vec<_> = actions.iter().map(|_| f.label()).collect();
    f.inst(
        Opcode::BrTable,
        vec![
            Operand::Reg(index),
            Operand::U32(end.0),
            Operand::Labels(labels.iter().map(|l| l.0).collect()),
        ],
    )
    .map_err(fail)?;
    for (k, (action, label)) in actions.iter().zip(&labels).enumerate() {
        f.place(*label).map_err(fail)?;
        w.constant(&mut f, MARKER + k as i64)?;
        match action {
            Call::Invoke { name, args } => {
                let (_, func, sig) = instance
                    .export(name)
                    .ok_or_else(|| fail(format!("no function export `{name}`")))?
                    .clone();
                if sig.params.len() != args.len()
                    || sig.params.iter().zip(args).any(|(p, (t, _))| p != t)
                {
                    return Err(fail(format!(
                        "`{name}` is called with other argument types"
                    )));
                }
                let arg_regs: Vec<Reg> = args.iter().map(|&(ty, _)| f.reg(ty)).collect();
                for (&reg, &(ty, bits)) in arg_regs.iter().zip(args) {
                    let (opcode, value) = match ty {
                        ValType::I32 => (Opcode::I32Const, Operand::I32(bits as u32 as i32)),
                        ValType::I64 => (Opcode::I64Const, Operand::I64(bits as i64)),
                        ValType::F32 => (Opcode::F32Const, Operand::F32(bits as u32)),
                        ValType::F64 => (Opcode::F64Const, Operand::F64(bits)),
                    };
                    f.inst(opcode, vec![Operand::Reg(reg), value])
                        .map_err(fail)?;
                }
                let results: Vec<Reg> = sig.results.iter().map(|&t| f.reg(t)).collect();
                f.call(func, &results, &arg_regs).map_err(fail)?;
                for (&reg, &ty) in results.iter().zip(&sig.results) {
                    w.result(&mut f, reg, ty)?;
                }
            }
            Call::Get { name } => {
                let &(_, global, ty) = instance
                    .globals
                    .iter()
                    .find(|(n, _, _)| n == name)
                    .ok_or_else(|| fail(format!("no global export `{name}`")))?;
                let reg = f.reg(ty);
                let get = match ty {
                    ValType::I32 => Opcode::I32GlobalGet,
                    ValType::I64 => Opcode::I64GlobalGet,
                    ValType::F32 => Opcode::F32GlobalGet,
                    ValType::F64 => Opcode::F64GlobalGet,
                };
                f.inst(get, vec![Operand::Reg(reg), Operand::U32(global)])
                    .map_err(fail)?;
                w.result(&mut f, reg, ty)?;
            }
        }
        f.jump(top).map_err(fail)?;
    }
    f.place(end).map_err(fail)?;
    w.constant(&mut f, END)?;
    let zero = f.reg(ValType::I32);
    f.inst(Opcode::I32Const, vec![Operand::Reg(zero), Operand::I32(0)])
        .map_err(fail)?;
    f.ret(&[zero]).map_err(fail)?;
    mb.define(f).map_err(fail)?;
    mb.export("main", main);
    Ok(())
}
