//! The benchmark programs `make bench` compares side by side: each one in
//! JanusVM assembly, in C and in Lua, all taking the size as their first
//! argument and printing the same bytes.

use std::path::{Path, PathBuf};

/// One benchmark: the same algorithm in three languages.
#[derive(Clone, Copy, Debug)]
pub struct Benchmark {
    /// Short name; also the stem of the C and Lua twins in `samples/c` and `bench/lua`.
    pub name: &'static str,
    /// The JanusVM program, relative to the repository root.
    pub jasm: &'static str,
    /// The size argument at which gcc -O2 takes about half a second here.
    pub size: &'static str,
    /// A size at which the interpreter finishes in a few milliseconds: the
    /// short run the hybrid engine must not slow down (it should compile
    /// nothing, or nothing it waits for).
    pub small: &'static str,
}

/// Every benchmark, in the order the report lists them.
pub const BENCHMARKS: &[Benchmark] = &[
    Benchmark {
        name: "fib",
        jasm: "bench/programs/fib.jasm",
        size: "41",
        small: "20",
    },
    Benchmark {
        name: "nbody",
        jasm: "samples/nbody.jasm",
        size: "3500000",
        small: "1000",
    },
    Benchmark {
        name: "spectral_norm",
        jasm: "samples/spectral_norm.jasm",
        size: "2000",
        small: "50",
    },
    Benchmark {
        name: "fannkuch",
        jasm: "samples/fannkuch.jasm",
        size: "10",
        small: "7",
    },
    Benchmark {
        name: "mandelbrot",
        jasm: "samples/mandelbrot.jasm",
        size: "2500",
        small: "100",
    },
    Benchmark {
        name: "binary_trees",
        jasm: "samples/binary_trees.jasm",
        size: "17",
        small: "8",
    },
    Benchmark {
        name: "fasta",
        jasm: "samples/fasta.jasm",
        size: "3500000",
        small: "10000",
    },
    Benchmark {
        name: "sieve",
        jasm: "samples/sieve.jasm",
        size: "70000000",
        small: "100000",
    },
];

impl Benchmark {
    /// The JanusVM program's path under `root`.
    pub fn jasm_path(&self, root: &Path) -> PathBuf {
        root.join(self.jasm)
    }

    /// The C twin's path under `root`.
    pub fn c_path(&self, root: &Path) -> PathBuf {
        root.join(format!("samples/c/{}.c", self.name))
    }

    /// The Lua twin's path under `root`.
    pub fn lua_path(&self, root: &Path) -> PathBuf {
        root.join(format!("bench/lua/{}.lua", self.name))
    }
}
