//! The one IR printer; `Display` for [`Function`] and [`Module`] calls it.
//!
//! Output is a function of the IR alone (no addresses, no hash-map order,
//! no paths), so it can be snapshotted. Each instruction ends with `@pc`, the
//! bytecode pc it came from; every instruction that can trap names its trap.
//! A module starts with its header, spelled as the `.jasm` directives are
//! (`memory`, `type`, `data`, `table`, `export`), then a blank line; a copy
//! a pass made names the function it copies (`copies fib`), and a function
//! whose calls cost more than the smallest frame says how much
//! (`frame 524352`).
//!
//! ```text
//! memory 1, 1
//! type (i64) -> i64
//! type () -> i32
//! data 0x0, "fib("
//! export main
//!
//! function fib(i64) -> i64 {
//! block0(v0: i64):
//!     v1 = const.i64 2                        @0
//!     v2 = i64.lt_s v0, v1                    @10
//!     brif v2, block2, block1                 @17
//! block1:
//!     depth_enter                             @40
//!     v5 = call fib(v4)                       @40
//!     ...
//! }
//!
//! function fib.1(i64) -> i64 copies fib {
//!     ...
//! }
//! ```

use super::entities::{FuncRef, Value};
use super::function::{Function, Module, ModuleContext};
use super::instructions::{BlockCall, InstData};
use crate::asm::{format_f32, format_f64, write_directives, Directives};
use crate::bytecode::Opcode;
use janus_runtime::abi::{self, ValType};
use std::fmt::{self, Write};

/// Column where the `@pc` annotation starts, for readable alignment.
const PC_COLUMN: usize = 44;

/// Prints one function. `ctx` names the callees.
pub fn write_function(out: &mut String, func: &Function, ctx: &ModuleContext) {
    let _ = write!(out, "function {}{}", func.name, func.signature);
    if let Some(original) = func.copy_of {
        let _ = write!(out, " copies {}", ctx.name(original).unwrap_or("<invalid>"));
    }
    if func.frame_bytes != abi::MIN_FRAME_BYTES {
        let _ = write!(out, " frame {}", func.frame_bytes);
    }
    out.push_str(" {\n");
    for &block in &func.layout.blocks {
        let _ = write!(out, "{block}");
        let params = func.dfg.params(block);
        if !params.is_empty() {
            out.push('(');
            for (i, &p) in params.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{p}: {}", func.dfg.value_type(p));
            }
            out.push(')');
        }
        out.push_str(":\n");
        for &inst in func.layout.block_insts(block) {
            let start = out.len();
            out.push_str("    ");
            let results = func.dfg.inst_results(inst);
            if !results.is_empty() {
                values(out, results);
                out.push_str(" = ");
            }
            write_inst(out, func.dfg.inst(inst), ctx);
            let width = out.len() - start;
            let pad = PC_COLUMN.saturating_sub(width).max(1);
            let _ = writeln!(out, "{:pad$}@{}", "", func.dfg.pcs[inst.index()]);
        }
    }
    out.push_str("}\n");
}

/// Prints a module's header: memory, signatures, data, table and exports,
/// one directive a line in that order, as `.jasm` spells them. Prints
/// nothing for a module with none of them.
pub fn write_header(out: &mut String, module: &Module) {
    let name = |f: FuncRef| module.ctx.name(f).unwrap_or("<invalid>");
    write_directives(
        out,
        &Directives {
            memory: module.memory,
            signatures: &module.signatures,
            data: &module.data,
            table: module
                .table
                .iter()
                .map(|&f| f.map_or("null", name))
                .collect(),
            exports: module
                .exports
                .iter()
                .map(|e| (name(e.func), e.name.as_str()))
                .collect(),
            globals: &module.globals,
        },
    );
}

/// Prints a whole module: its header, then its functions in order, a blank
/// line after the header and between functions.
pub fn write_module(out: &mut String, module: &Module) {
    let start = out.len();
    write_header(out, module);
    let has_header = out.len() > start;
    for (i, f) in module.functions.iter().enumerate() {
        if i > 0 || has_header {
            out.push('\n');
        }
        write_function(out, f, &module.ctx);
    }
}

fn values(out: &mut String, vs: &[Value]) {
    for (i, v) in vs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{v}");
    }
}

fn block_call(out: &mut String, call: &BlockCall) {
    let _ = write!(out, "{}", call.block);
    if !call.args.is_empty() {
        out.push('(');
        values(out, &call.args);
        out.push(')');
    }
}

/// The text of a constant of type `ty` with these bits.
pub fn constant_text(ty: ValType, bits: u64) -> String {
    match ty {
        ValType::I32 => (bits as u32 as i32).to_string(),
        ValType::I64 => (bits as i64).to_string(),
        ValType::F32 => format_f32(bits as u32),
        ValType::F64 => format_f64(bits),
    }
}

/// A bytecode operation used in the IR: its mnemonic, then its arguments.
fn operation(out: &mut String, op: Opcode, args: &[Value]) {
    out.push_str(op.mnemonic());
    if !args.is_empty() {
        out.push(' ');
        values(out, args);
    }
}

/// Prints one instruction's operation and operands (without its result).
pub fn write_inst(out: &mut String, data: &InstData, ctx: &ModuleContext) {
    match data {
        InstData::Const { ty, bits } => {
            let _ = write!(out, "const.{ty} {}", constant_text(*ty, *bits));
        }
        InstData::GlobalGet { ty, global } => {
            let _ = write!(out, "global.get.{ty} g{global}");
        }
        InstData::GlobalSet { global, value } => {
            let _ = write!(out, "global.set g{global}, {value}");
        }
        InstData::MemoryInit { segment, args } => {
            let [dst, src, len] = args;
            let _ = write!(out, "memory.init data{segment}, {dst}, {src}, {len}");
        }
        InstData::DataDrop { segment } => {
            let _ = write!(out, "data.drop data{segment}");
        }
        InstData::Pure { op, args } => operation(out, op.opcode(), args),
        InstData::Runtime { op, args } => operation(out, op.opcode(), args),
        InstData::Load { op, addr, offset } => {
            let _ = write!(out, "{op} {addr}, {offset}");
        }
        InstData::Store {
            op,
            value,
            addr,
            offset,
        } => {
            let _ = write!(out, "{op} {value}, {addr}, {offset}");
        }
        InstData::Bounds { addr, end } => {
            let _ = write!(out, "bounds {addr}, {end}");
        }
        InstData::TrapIf {
            kind,
            cond,
            nonzero,
        } => {
            let _ = write!(
                out,
                "{} {cond}, {}",
                if *nonzero { "trapnz" } else { "trapz" },
                kind.ident()
            );
        }
        InstData::DepthEnter => out.push_str("depth_enter"),
        InstData::DepthLeave => out.push_str("depth_leave"),
        InstData::Call { func, args } => {
            let _ = write!(out, "call {}(", ctx.name(*func).unwrap_or("<invalid>"));
            values(out, args);
            out.push(')');
        }
        InstData::TableCheck { sig, index } => {
            let _ = write!(out, "table_check {index}, {sig}");
        }
        InstData::CallIndirect { sig, index, args } => {
            let _ = write!(out, "call_indirect {sig}, {index}(");
            values(out, args);
            out.push(')');
        }
        InstData::Dev { op, args } => {
            let name = abi::device_op_by_code(*op).map_or("<invalid>", |d| d.name);
            let _ = write!(out, "dev {name}(");
            values(out, args);
            out.push(')');
        }
        InstData::Jump { dest } => {
            out.push_str("jump ");
            block_call(out, dest);
        }
        InstData::Brif {
            cond,
            then_dest,
            else_dest,
        } => {
            let _ = write!(out, "brif {cond}, ");
            block_call(out, then_dest);
            out.push_str(", ");
            block_call(out, else_dest);
        }
        InstData::BrTable {
            index,
            default,
            targets,
        } => {
            let _ = write!(out, "br_table {index}, ");
            block_call(out, default);
            out.push_str(", [");
            for (i, t) in targets.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                block_call(out, t);
            }
            out.push(']');
        }
        InstData::Return { args } => {
            out.push_str("return");
            if !args.is_empty() {
                out.push(' ');
                values(out, args);
            }
        }
        InstData::Exit { status } => {
            let _ = write!(out, "exit {status}");
        }
        InstData::Trap { kind, code } => {
            let _ = write!(out, "trap {}", kind.ident());
            if *kind == abi::TrapKind::User {
                let _ = write!(out, " {code}");
            }
        }
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        write_module(&mut s, self);
        f.write_str(&s)
    }
}

impl Function {
    /// The function's text, with callee names from `ctx`.
    pub fn display(&self, ctx: &ModuleContext) -> String {
        let mut s = String::new();
        write_function(&mut s, self, ctx);
        s
    }
}
