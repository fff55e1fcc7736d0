//! Shared pieces of the JanusVM benchmarks: generated workloads, the
//! benchmark programs, timing, the machine's description and the chart.

pub mod chart;
pub mod child;
pub mod games;
pub mod machine;
pub mod shapes;
pub mod startup;
pub mod wasm;

use janus_compiler::bytecode::builder::ModuleBuilder;
use janus_compiler::bytecode::{Module, Opcode, Operand};
use janus_runtime::abi::ValType;
use std::time::{Duration, Instant};

/// Bytecode instructions in each function of [`generated_module`].
pub const INSTRUCTIONS_PER_FUNCTION: usize = 136;

/// Encoded bytes of each function of [`generated_module`], about.
pub const BYTES_PER_FUNCTION: usize = 1040;

/// A module of `count` functions, each a loop mixing integer and float
/// arithmetic, memory traffic, branches and a call, so the loader, verifier
/// and SSA construction see every kind of operand. Deterministic.
pub fn generated_module(count: usize) -> Module {
    let mut mb = ModuleBuilder::new();
    mb.memory(1, 16);
    let main = mb.declare("main", &[], &[ValType::I32]);
    let mut funcs = Vec::new();
    let count = count.max(1);
    for i in 0..count {
        funcs.push(mb.declare(
            &format!("f{i}"),
            &[ValType::I64, ValType::F64],
            &[ValType::I64],
        ));
    }
    for (i, &f) in funcs.iter().enumerate() {
        let mut b = mb.body(f);
        let (x, y) = (0u16, 1u16);
        let acc = b.reg(ValType::I64);
        let t = b.reg(ValType::I64);
        let cond = b.reg(ValType::I32);
        let addr = b.reg(ValType::I32);
        let fa = b.reg(ValType::F64);
        let top = b.named_label("top");
        let done = b.label();
        b.place(top).expect("placed once");
        for k in 0..12 {
            b.inst(
                Opcode::I64Const,
                vec![Operand::Reg(t), Operand::I64(k * 7919 + i as i64)],
            )
            .expect("ok");
            b.op(Opcode::I64Add, &[acc, acc, t]).expect("ok");
            b.op(Opcode::I64Mul, &[acc, acc, x]).expect("ok");
            b.op(Opcode::I64Xor, &[acc, acc, t]).expect("ok");
            b.op(Opcode::F64Mul, &[fa, y, y]).expect("ok");
            b.op(Opcode::F64Add, &[fa, fa, y]).expect("ok");
            b.op(Opcode::I32WrapI64, &[addr, acc]).expect("ok");
            b.inst(
                Opcode::I64Store,
                vec![
                    Operand::Reg(acc),
                    Operand::Reg(addr),
                    Operand::U32(8 * k as u32),
                ],
            )
            .expect("ok");
            b.inst(
                Opcode::I64Load,
                vec![
                    Operand::Reg(t),
                    Operand::Reg(addr),
                    Operand::U32(8 * k as u32),
                ],
            )
            .expect("ok");
            b.op(Opcode::I64LtS, &[cond, acc, t]).expect("ok");
            b.branch(cond, done, false).expect("ok");
        }
        if i + 1 < funcs.len() {
            b.call(funcs[i + 1], &[t], &[acc, fa]).expect("ok");
        }
        b.op(Opcode::I64Eqz, &[cond, t]).expect("ok");
        b.branch(cond, top, false).expect("ok");
        b.place(done).expect("placed once");
        b.ret(&[acc]).expect("ok");
        mb.define(b).expect("labels placed");
    }
    let mut b = mb.body(main);
    let r = b.reg(ValType::I32);
    b.ret(&[r]).expect("ok");
    mb.define(b).expect("defined");
    mb.export("main", main);
    mb.finish().expect("complete")
}

/// Runs `f` `runs` times after one warm-up and returns the median duration.
pub fn median_time(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// The geometric mean of positive ratios: the average that treats 2× and
/// 0.5× symmetrically, as ratios should be averaged.
pub fn geomean(ratios: &[f64]) -> f64 {
    (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp()
}

/// The workspace root and the release janusc in it, which every report
/// measures; panics when janusc is not built, naming the fix.
pub fn released_janusc() -> (std::path::PathBuf, std::path::PathBuf) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repository root");
    let janusc = root.join("target/release/janusc");
    assert!(
        janusc.exists(),
        "{} is missing: run `make bench`, which builds it",
        janusc.display()
    );
    (root, janusc)
}
