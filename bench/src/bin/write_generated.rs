//! Writes the generated 1 MB benchmark module to a file, for profiling
//! `janusc check` by hand: `write_generated OUT.jbc`.

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: write_generated OUT.jbc");
        std::process::exit(1);
    };
    let module = janus_bench::generated_module((1 << 20) / janus_bench::BYTES_PER_FUNCTION);
    if let Err(e) = std::fs::write(&out, janus_compiler::bytecode::encode(&module)) {
        eprintln!("error: cannot write `{out}`: {e}");
        std::process::exit(1);
    }
}
