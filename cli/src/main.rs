//! `janusc`, the JanusVM toolchain driver. A thin shell: parse arguments,
//! call one library function per subcommand, render errors once, choose the
//! exit status (0 success, 1 any error in the input or the invocation).

mod diagnostics;

use clap::{Parser, Subcommand};
use diagnostics::Failure;
use janus_compiler::{asm, bytecode, load, Loaded};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// JanusVM toolchain: assemble, check and disassemble JanusVM programs.
#[derive(Parser, Debug)]
#[command(name = "janusc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Assemble a `.jasm` file into verified `.jbc` bytecode.
    Asm {
        /// The assembly source.
        input: PathBuf,
        /// Where to write the bytecode (default: the input with `.jbc`).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Print a `.jbc` (or `.jasm`) file as canonical assembly.
    Disasm {
        /// The bytecode or assembly file.
        input: PathBuf,
        /// Where to write the assembly (default: standard output; `-` too).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// End each instruction with a `; pc N` comment.
        #[arg(long)]
        show_pcs: bool,
    },
    /// Compile a `.jbc` or `.jasm` program (today: to its SSA IR).
    Build {
        /// The program.
        input: PathBuf,
        /// What to write, comma-separated `KIND[=PATH]` (`-` is standard
        /// output): `ssa` (IR after the pipeline), `ssa-raw` (before it).
        #[arg(long, value_name = "KIND[=PATH],...")]
        emit: Option<String>,
    },
    /// Load and verify a `.jbc` or `.jasm` file; silent when it is valid.
    Check {
        /// The file to check; the format is told by its first bytes.
        input: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(1) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            diagnostics::render(&failure);
            ExitCode::from(1)
        }
    }
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Asm { input, output } => {
            let loaded = load_file(&input)?;
            let output = output.unwrap_or_else(|| input.with_extension("jbc"));
            write_file(&output, &bytecode::encode(&loaded.module))
        }
        Command::Disasm { input, output, show_pcs } => {
            let loaded = load_file(&input)?;
            let text = asm::disassemble_with(&loaded.module, show_pcs);
            write_output(&output.unwrap_or_else(|| PathBuf::from("-")), text.as_bytes())
        }
        Command::Check { input } => load_file(&input).map(|_| ()),
        Command::Build { input, emit } => build(&input, emit.as_deref().unwrap_or("exe")),
    }
}

/// One `--emit` request.
struct Emit {
    kind: EmitKind,
    path: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EmitKind {
    Ssa,
    SsaRaw,
}

/// Parses `--emit`: comma-separated `KIND[=PATH]`, rustc's habit.
fn parse_emit(spec: &str, input: &Path) -> Result<Vec<Emit>, Failure> {
    let stem = input.file_stem().map_or_else(|| "out".into(), |s| s.to_string_lossy().into_owned());
    let mut out = Vec::new();
    for item in spec.split(',') {
        let (kind, path) = match item.split_once('=') {
            Some((k, p)) => (k, Some(p)),
            None => (item, None),
        };
        let name = kind;
        let (kind, default) = match kind {
            "ssa" => (EmitKind::Ssa, format!("{stem}.ssa")),
            "ssa-raw" => (EmitKind::SsaRaw, format!("{stem}.raw.ssa")),
            "exe" | "obj" | "asm" | "llvm-ir" => {
                return Err(Failure::Usage(format!(
                    "--emit {kind}: this janusc has no LLVM backend yet; it can emit `ssa` and `ssa-raw`"
                )))
            }
            other => {
                return Err(Failure::Usage(format!(
                    "--emit: unknown kind `{other}`: expected ssa or ssa-raw, as KIND or KIND=PATH"
                )))
            }
        };
        if path == Some("") {
            return Err(Failure::Usage(format!("--emit {name}=: expected a path after `=` (or `-` for standard output)")));
        }
        out.push(Emit { kind, path: PathBuf::from(path.unwrap_or(&default)) });
    }
    Ok(out)
}

fn build(input: &Path, emit: &str) -> Result<(), Failure> {
    let requests = parse_emit(emit, input)?;
    let loaded = load_file(input)?;
    let raw = janus_compiler::ir::construct::build_module(&loaded.module);
    for request in requests {
        let text = match request.kind {
            EmitKind::SsaRaw => raw.to_string(),
            EmitKind::Ssa => {
                let mut optimized = raw.clone();
                janus_compiler::ir::passes::optimize_module(&mut optimized, &loaded.module);
                optimized.to_string()
            }
        };
        write_output(&request.path, text.as_bytes())?;
    }
    Ok(())
}

/// Writes to a file, or to standard output for `-`.
fn write_output(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if path == Path::new("-") {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(bytes)
            .and_then(|()| stdout.flush())
            .map_err(|e| Failure::Io { path: PathBuf::from("<stdout>"), action: "write", error: e });
    }
    write_file(path, bytes)
}

/// Reads and loads a file, keeping its contents for error rendering.
fn load_file(path: &Path) -> Result<Loaded, Failure> {
    let contents =
        std::fs::read(path).map_err(|error| Failure::Io { path: path.to_path_buf(), action: "read", error })?;
    load(&contents).map_err(|error| Failure::Load { path: path.to_path_buf(), contents, error })
}

/// Writes a file atomically: a temporary file in the same directory, renamed
/// over the target only once complete, so a failure never leaves a truncated
/// output or destroys an older one.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    let io = |error| Failure::Io { path: path.to_path_buf(), action: "write", error };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
