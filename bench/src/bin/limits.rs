//! Time and peak memory of `janusc check` and `janusc build -O0` at the
//! format's limits (issue 14): one function of 16 MiB of code over every
//! register a function may have, and a module of 1,000,000 functions, so
//! growth in the register count or the function count shows up here before
//! a translated WebAssembly module finds it.
//!
//! Cases, each a generated `.jbc` (`LIMITS_CASES=a,b` picks some):
//! `wide-straight` (16 MiB of `i32` arithmetic over all registers),
//! `wide-branchy` (16 MiB of if-then diamonds over all registers),
//! `live-through` (every register written first, read last, a chain of
//! diamonds in between that touches none of them: the shape where SSA
//! construction pays per register and block), `many-functions`
//! (1,000,000 small functions). `LIMITS_REGISTERS` (default 65,535, the
//! format's limit) and `LIMITS_CODE` (bytes, default 16 MiB) shrink the
//! first three; `LIMITS_JANUSC` runs another janusc (an older build, for a
//! before/after table); `LIMITS_BUILD=0` only checks; `LIMITS_SSA=1` also
//! measures `--emit ssa` (construction and IR passes, no LLVM).

use janus_bench::child::measure;
use janus_bench::shapes::Rng;
use janus_compiler::bytecode::builder::{FunctionBuilder, ModuleBuilder};
use janus_compiler::bytecode::limits::{MAX_CODE_SIZE, MAX_FUNCTIONS, MAX_REGISTERS};
use janus_compiler::bytecode::{encode, Module, Opcode, Operand, Reg};
use janus_runtime::abi::{device_op_by_name, ValType};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Bytes of one three-register instruction.
const THREE_REGS: usize = 7;

/// The environment variable `name` as a number, or `default`.
fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// `dev args.count, [r], []`.
fn args_count(b: &mut FunctionBuilder, r: Reg) {
    let code = device_op_by_name("args.count")
        .expect("a device operation")
        .code();
    b.inst(
        Opcode::Dev,
        vec![
            Operand::Dev(code),
            Operand::Regs(vec![r]),
            Operand::Regs(vec![]),
        ],
    )
    .expect("operands");
}

/// A module whose `main` has `registers` `i32` registers, r0 seeded from
/// the argument count, and the body `body` writes; `main` returns r0.
fn wide_main(registers: usize, body: impl FnOnce(&mut FunctionBuilder, &[Reg])) -> Module {
    let mut mb = ModuleBuilder::new();
    let main = mb.declare("main", &[], &[ValType::I32]);
    let mut b = mb.body(main);
    let regs: Vec<Reg> = (0..registers).map(|_| b.reg(ValType::I32)).collect();
    args_count(&mut b, regs[0]);
    body(&mut b, &regs);
    b.ret(&[regs[0]]).expect("operands");
    mb.define(b).expect("labels placed");
    mb.export("main", main);
    mb.finish().expect("defined")
}

/// `i32.add`, `sub`, `mul` or `xor`, picked by `k`.
fn operation(k: usize) -> Opcode {
    [
        Opcode::I32Add,
        Opcode::I32Sub,
        Opcode::I32Mul,
        Opcode::I32Xor,
    ][k % 4]
}

/// `code` bytes of three-register arithmetic on registers drawn from all.
fn wide_straight(registers: usize, code: usize) -> Module {
    wide_main(registers, |b, regs| {
        let mut rng = Rng(1);
        for _ in 0..code / THREE_REGS {
            let (d, a, c) = (
                rng.below(regs.len()),
                rng.below(regs.len()),
                rng.below(regs.len()),
            );
            b.op(operation(rng.below(4)), &[regs[d], regs[a], regs[c]])
                .expect("operands");
        }
    })
}

/// One if-then diamond: `if a < c { d = d op a; a ^= c }`, 28 bytes.
fn diamond(b: &mut FunctionBuilder, flag: Reg, [a, c, d]: [Reg; 3], op: Opcode) {
    let skip = b.label();
    b.op(Opcode::I32LtS, &[flag, a, c]).expect("operands");
    b.branch(flag, skip, true).expect("operands");
    b.op(op, &[d, d, a]).expect("operands");
    b.op(Opcode::I32Xor, &[a, a, c]).expect("operands");
    b.place(skip).expect("placed once");
}

/// `code` bytes of diamonds on registers drawn from all (r1 the flag).
fn wide_branchy(registers: usize, code: usize) -> Module {
    wide_main(registers, |b, regs| {
        let mut rng = Rng(2);
        for _ in 0..code / (4 * THREE_REGS) {
            let [a, c, d] = [0; 3].map(|_| regs[rng.below(regs.len())]);
            diamond(b, regs[1], [a, c, d], operation(rng.below(4)));
        }
    })
}

/// Every register written from r0 first and folded into r0 last, with
/// the rest of `code` diamonds on r0..r3 in between.
fn live_through(registers: usize, code: usize) -> Module {
    wide_main(registers, |b, regs| {
        let ends = 2 * registers * THREE_REGS;
        for &r in &regs[4..] {
            b.op(Opcode::I32Add, &[r, regs[0], regs[0]])
                .expect("operands");
        }
        let mut rng = Rng(3);
        for _ in 0..code.saturating_sub(ends) / (4 * THREE_REGS) {
            let [a, c, d] = [0; 3].map(|_| regs[rng.below(3)]);
            diamond(b, regs[3], [a, c, d], operation(rng.below(4)));
        }
        for &r in &regs[4..] {
            b.op(Opcode::I32Xor, &[regs[0], regs[0], r])
                .expect("operands");
        }
    })
}

/// `count` functions `f_k(x) = x + k`, `main` calling the first and last.
fn many_functions(count: usize) -> Module {
    let mut mb = ModuleBuilder::new();
    let funcs: Vec<_> = (0..count)
        .map(|k| mb.declare(&format!("f{k}"), &[ValType::I32], &[ValType::I32]))
        .collect();
    for (k, &f) in funcs.iter().enumerate() {
        let mut b = mb.body(f);
        let k_reg = b.reg(ValType::I32);
        b.inst(
            Opcode::I32Const,
            vec![Operand::Reg(k_reg), Operand::I32(k as i32)],
        )
        .expect("operands");
        b.op(Opcode::I32Add, &[0, 0, k_reg]).expect("operands");
        b.ret(&[0]).expect("operands");
        mb.define(b).expect("defined");
    }
    let main = mb.declare("main", &[], &[ValType::I32]);
    let mut b = mb.body(main);
    let x = b.reg(ValType::I32);
    args_count(&mut b, x);
    for &f in [funcs[0], funcs[count - 1]].iter() {
        b.call(f, &[x], &[x]).expect("operands");
    }
    b.ret(&[x]).expect("operands");
    mb.define(b).expect("defined");
    mb.export("main", main);
    mb.finish().expect("defined")
}

/// `ssa=PATH`, the `--emit` argument that writes the optimised IR to `path`.
fn ssa_arg(path: &Path) -> PathBuf {
    let mut arg = std::ffi::OsString::from("ssa=");
    arg.push(path);
    PathBuf::from(arg)
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let janusc = std::env::var_os("LIMITS_JANUSC")
        .map_or_else(|| root.join("target/release/janusc"), PathBuf::from);
    let registers = env_number("LIMITS_REGISTERS", MAX_REGISTERS as usize);
    let code = env_number("LIMITS_CODE", MAX_CODE_SIZE as usize) - 64;
    let build = env_number("LIMITS_BUILD", 1) != 0;
    let ssa_too = env_number("LIMITS_SSA", 0) != 0;
    let wanted = std::env::var("LIMITS_CASES").unwrap_or_default();
    let dir = tempfile::tempdir().expect("temporary directory");
    let cases: [(&str, &dyn Fn() -> Module); 4] = [
        ("wide-straight", &|| wide_straight(registers, code)),
        ("wide-branchy", &|| wide_branchy(registers, code)),
        ("live-through", &|| live_through(registers, code)),
        ("many-functions", &|| {
            many_functions(MAX_FUNCTIONS as usize - 1)
        }),
    ];
    println!(
        "{} ({registers} registers, {code} bytes of code)\n",
        janusc.display()
    );
    println!("| case | command | input bytes | peak RSS | CPU | wall | exit status |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (name, make) in cases {
        if !wanted.is_empty() && !wanted.split(',').any(|w| w == name) {
            continue;
        }
        let jbc = dir.path().join(format!("{name}.jbc"));
        std::fs::write(&jbc, encode(&make())).expect("write the module");
        let size = std::fs::metadata(&jbc).expect("written").len();
        let exe = dir.path().join(name);
        let mut commands: Vec<(&str, Vec<&Path>)> = vec![("check", vec![Path::new("check"), &jbc])];
        let ssa = dir.path().join(format!("{name}.ssa"));
        let emit_ssa = ssa_arg(&ssa);
        if ssa_too {
            commands.push((
                "build --emit ssa",
                vec![Path::new("build"), &jbc, Path::new("--emit"), &emit_ssa],
            ));
        }
        if build {
            commands.push((
                "build -O0",
                vec![
                    Path::new("build"),
                    Path::new("-O0"),
                    &jbc,
                    Path::new("-o"),
                    &exe,
                ],
            ));
        }
        for (what, args) in commands {
            let row = measure(Command::new(&janusc).args(&args), Duration::from_secs(1800));
            let (rss, cpu, wall) = match &row {
                Ok(c) => (
                    format!("{:.0} MB", c.peak_bytes as f64 / 1e6),
                    format!("{:.2} s", c.cpu.as_secs_f64()),
                    format!("{:.2} s", c.wall.as_secs_f64()),
                ),
                Err(e) => (e.clone(), "-".into(), "-".into()),
            };
            let status = if what != "build -O0" || row.is_err() {
                "-".to_string()
            } else {
                let ran = Command::new(&exe).args(["a", "b"]).output();
                ran.map_or_else(|e| e.to_string(), |o| format!("{:?}", o.status.code()))
            };
            println!("| {name} | `{what}` | {size} | {rss} | {cpu} | {wall} | {status} |");
        }
        for file in [&jbc, &exe, &ssa] {
            let _ = std::fs::remove_file(file);
        }
    }
}
