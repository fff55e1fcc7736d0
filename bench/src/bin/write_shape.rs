//! Writes one generated program of `bench::shapes` as `.jasm` and C, for
//! profiling a compiler by hand: `write_shape SHAPE INSTRUCTIONS STEM`
//! writes `STEM.jasm` and `STEM.c`.

use janus_bench::shapes::{Shape, SHAPES};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names: Vec<&str> = SHAPES.iter().map(|s| s.name()).collect();
    let usage = || -> ! {
        eprintln!(
            "usage: write_shape SHAPE INSTRUCTIONS STEM (SHAPE: {})",
            names.join(", ")
        );
        std::process::exit(1);
    };
    let [shape, count, stem] = args.as_slice() else {
        usage()
    };
    let Some(shape) = Shape::from_name(shape) else {
        usage()
    };
    let Ok(count) = count.parse::<usize>() else {
        usage()
    };
    let (jasm, c) = shape.program(count);
    for (text, extension) in [(jasm, "jasm"), (c, "c")] {
        let path = format!("{stem}.{extension}");
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("error: cannot write `{path}`: {e}");
            std::process::exit(1);
        }
    }
}
