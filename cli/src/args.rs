//! The command line, as clap definitions: the one description that parsing,
//! `--help`, shell completions and the man page all derive from.

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// JanusVM toolchain: assemble, check, disassemble, compile and run JanusVM
/// programs (`.jasm` assembly or `.jbc` bytecode; `-` reads standard input).
#[derive(Parser, Debug)]
#[command(
    name = "janusc",
    about,
    disable_version_flag = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// Print the version (with -v: commit, host triple and LLVM version).
    #[arg(short = 'V', long)]
    pub version: bool,
    /// Print what KIND names and exit (as `janusc print KIND`).
    #[arg(long, value_name = "KIND", value_enum)]
    pub print: Option<PrintKind>,
    /// Options every subcommand takes.
    #[command(flatten)]
    pub global: GlobalOptions,
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every subcommand takes, in any position.
#[derive(Args, Debug)]
pub struct GlobalOptions {
    /// Say more: the link command on `build`; with -V, the build details.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Print nothing that is not an error (no warnings).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// When to colour diagnostics (auto follows NO_COLOR, CLICOLOR_FORCE
    /// and whether standard error is a terminal).
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        global = true
    )]
    pub color: ColorWhen,
    /// How to print diagnostics: for people, or one JSON object per line.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        default_value = "human",
        global = true
    )]
    pub error_format: ErrorFormatArg,
    /// Make every diagnostic of LINT an error (`-D warnings`: all warnings).
    #[arg(short = 'D', long = "deny", value_name = "LINT", value_parser = ["warnings"], global = true)]
    pub deny: Vec<String>,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when standard error is a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `--error-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ErrorFormatArg {
    /// Messages with source lines and carets.
    Human,
    /// One JSON object per diagnostic, a line each.
    Json,
}

/// What `janusc print` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PrintKind {
    /// The target triples this janusc can emit objects for.
    TargetList,
    /// The host's target triple, the default `--target`.
    HostTriple,
    /// The runtime static library janusc links executables with, so an
    /// `--emit obj` output can be linked by another build.
    RuntimeLib,
    /// This command line as a man page (roff).
    ManPage,
}

/// janusc's subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Assemble a `.jasm` file into verified `.jbc` bytecode.
    Asm {
        /// The assembly source (`-`: standard input).
        input: PathBuf,
        /// Where to write the bytecode (default: the input with `.jbc`; `-`
        /// is standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Print a `.jbc`, `.jasm` or `.wasm` file as canonical assembly (a
    /// `.wasm` module as the JanusVM code it translates to).
    Disasm {
        /// The bytecode or assembly file (`-`: standard input).
        input: PathBuf,
        /// Where to write the assembly (default: standard output; `-` too).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// End each instruction with a `; pc N` comment (and, for a `.wasm`
        /// input, the WebAssembly code offset it came from: `; pc N, wasm 0x1a`).
        #[arg(long)]
        show_pcs: bool,
    },
    /// Compile a `.jbc` or `.jasm` program to a native executable (or the
    /// intermediate forms `--emit` names).
    Build(BuildArgs),
    /// Run a `.jbc` or `.jasm` program: interpreted, JIT-compiled, compiled
    /// ahead of time, or under every engine with their results compared.
    /// Everything after the program goes to the program.
    Run {
        /// hybrid (the interpreter, moving hot functions and loops to
        /// JIT-compiled code as it runs), interp (the reference interpreter
        /// alone), jit (every function compiled at its first call), aot, or
        /// all (each of them, hybrid with switching forced, compared);
        /// jit-whole compiles the whole program before it starts (the
        /// backend's one-shot JIT, for comparisons).
        #[arg(long, default_value = "hybrid")]
        engine: String,
        /// The hybrid engine's settings.
        #[command(flatten)]
        tier: TierArgs,
        /// Optimisation level for jit and aot: 0, 1, 2 (default), 3 or s.
        #[arg(short = 'O', value_name = "LEVEL", default_value = "2")]
        opt_level: String,
        /// An environment entry the program sees (the `env` device, WASI
        /// `environ_get`), under every engine; repeatable, kept in order.
        #[arg(long = "env", value_name = "KEY=VALUE")]
        env: Vec<String>,
        /// Preopen host directory HOST for a WASI program (fds 3, 4, ... in
        /// order), under every engine; its guest name is HOST as given, or
        /// GUEST. Nothing outside it is reachable: not through `..`,
        /// absolute paths or symlinks (ENOTCAPABLE). Repeatable.
        #[arg(long = "dir", value_name = "HOST[::GUEST]")]
        dir: Vec<String>,
        /// Draw the program's random bytes from a generator seeded with N
        /// (the same bytes under every engine), not from the host.
        #[arg(long, value_name = "N")]
        random_seed: Option<u64>,
        /// For a `.wasm` program: call this export with the arguments
        /// instead of running `_start`, and print its results, one per line
        /// (wasmtime's `--invoke`).
        #[arg(long, value_name = "NAME")]
        invoke: Option<String>,
        /// The program (`-`: standard input).
        input: PathBuf,
        /// Arguments for the program (a `--` before them is optional).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Show what is inside an executable janusc built: sizes by section and
    /// by function, the embedded metadata.
    Inspect {
        /// The executable.
        input: PathBuf,
    },
    /// Load and verify a `.jbc` or `.jasm` file; silent when it is valid.
    Check {
        /// The file to check (`-`: standard input); the format is told by
        /// its first bytes.
        input: PathBuf,
    },
    /// Print a fact about this janusc, or write the runtime library.
    Print {
        /// What to print.
        #[arg(value_enum)]
        kind: PrintKind,
        /// Where to write it (default: standard output; for runtime-lib,
        /// `libjanus_runtime.a`).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Print a shell completion script for janusc.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// How `--engine hybrid` decides what to compile, and what it says about
/// it. The defaults keep short runs entirely interpreted: a function is
/// compiled only after 100,000 calls or 4,000,000 instructions looped
/// over (each backward jump counts its loop's length), a few milliseconds
/// of interpretation at the least, about what loading LLVM (on the
/// compiler thread; unloading it at exit costs the program's thread too:
/// 0.2-0.3 ms) and compiling one function cost. Every benchmark at its
/// small size stays below both (fib 20 makes 22,000 calls; 10,000 calls
/// compiled fib, binary_trees and fasta there), so nothing of LLVM is
/// loaded for them.
#[derive(Args, Debug, Clone)]
pub struct TierArgs {
    /// Compile a function after this many calls of it (0: never for calls).
    /// The first time, if that call is in a loop of an interpreted caller,
    /// the caller's loop is compiled instead (with the function copied in)
    /// and the function's own compile waits this many calls more.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub call_threshold: u32,
    /// Compile a loop of a function, entering the compiled code at the loop
    /// header (on-stack replacement), once the function's backward jumps
    /// have looped over this many instructions, each jump counting its
    /// loop's length (0: never for loops).
    #[arg(long, value_name = "N", default_value_t = 4_000_000)]
    pub loop_threshold: u32,
    /// Compiler threads beside the program's; 0 compiles on the program's
    /// thread at the moment a threshold is reached, which makes the switch
    /// points deterministic (for tests). With threads, the first starts when
    /// a function is halfway to a threshold, to load the backend early, and
    /// once it has, halfway is the threshold.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub compiler_threads: u32,
    /// Draw each function's thresholds at random from seed N: calls in
    /// 1..=--call-threshold and instructions looped over in
    /// 1..=--loop-threshold, or
    /// never (one function in four, for each), so that a differential test
    /// switches at arbitrary points.
    #[arg(long, value_name = "N")]
    pub tier_seed: Option<u64>,
    /// Report each compile on standard error (or, with `=FILE`, in FILE),
    /// a line each: the function, why (calls, or a loop at pc N), how
    /// long it took, where execution switches to it (a call or a loop),
    /// and when it was asked for and ready (since the program started).
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "-")]
    pub jit_log: Option<PathBuf>,
}

/// `janusc build`'s options.
#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The program (`-`: standard input).
    pub input: PathBuf,
    /// The output: the executable, or the only output `--emit` names; with
    /// several, the path the others take their names from (`-o out/x`
    /// puts assembly in `out/x.s`). Default: the input's stem.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// What to write, comma-separated `KIND[=PATH]` (`-` is standard
    /// output); may be repeated: ssa, ssa-raw, llvm-ir, llvm-ir-raw, asm,
    /// obj, exe, dep-info. Default: exe.
    #[arg(long, value_name = "KIND[=PATH],...")]
    pub emit: Vec<String>,
    /// Optimisation level: 0, 1, 2 (default), 3 or s.
    #[arg(short = 'O', value_name = "LEVEL", default_value = "2")]
    pub opt_level: String,
    /// Target triple (default: the host; `janusc print target-list` lists
    /// them). Executables need a runtime built for the target; this janusc
    /// carries the host's.
    #[arg(long)]
    pub target: Option<String>,
    /// The C compiler driver to link with (default: $JANUS_LINKER or cc).
    #[arg(long)]
    pub linker: Option<String>,
    /// An argument for the link command (repeatable), e.g. `-Wl,-Map,x.map`.
    #[arg(long = "linker-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub linker_args: Vec<String>,
    /// Link a fully static executable.
    #[arg(long = "static")]
    pub static_: bool,
    /// Strip symbols from the executable.
    #[arg(long)]
    pub strip: bool,
}
