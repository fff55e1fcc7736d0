//! How long SSA construction takes on a generated module of 1,000,000
//! bytecode instructions (target: under 1 s on the 2-core reference
//! machine), and the pass pipeline after it.

use janus_bench::{generated_module, median_time, INSTRUCTIONS_PER_FUNCTION};
use janus_compiler::ir::{construct, passes};
use std::time::Instant;

fn main() {
    let module = generated_module(1_000_000 / INSTRUCTIONS_PER_FUNCTION + 1);
    let instructions: usize = module.functions.iter().map(|f| f.code.len()).sum();
    let construction = median_time(5, || {
        let ir = construct::build_module(&module);
        std::hint::black_box(ir);
    });
    let ir = construct::build_module(&module);
    let ir_insts: usize = ir.functions.iter().map(|f| f.dfg.insts.len()).sum();
    let start = Instant::now();
    let mut optimized = ir;
    passes::optimize_module(&mut optimized);
    let pipeline = start.elapsed();
    let secs = construction.as_secs_f64();
    println!("SSA construction on a generated module");
    println!(
        "  size:            {} bytecode instructions in {} functions",
        instructions,
        module.functions.len()
    );
    println!(
        "  construction:    {:.3} s (median of 5), {} IR instructions",
        secs, ir_insts
    );
    println!(
        "  rate:            {:.1} M bytecode instructions/s",
        instructions as f64 / secs / 1e6
    );
    println!("  pass pipeline:   {:.3} s", pipeline.as_secs_f64());
    println!(
        "  target < 1 s:    {} ({:.2}x of the target)",
        if secs < 1.0 { "met" } else { "MISSED" },
        secs
    );
}
