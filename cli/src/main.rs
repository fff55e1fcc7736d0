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
            match output {
                Some(path) if path != Path::new("-") => write_file(&path, text.as_bytes()),
                _ => {
                    use std::io::Write;
                    let mut stdout = std::io::stdout().lock();
                    stdout
                        .write_all(text.as_bytes())
                        .and_then(|()| stdout.flush())
                        .map_err(|e| Failure::Io { path: PathBuf::from("<stdout>"), action: "write", error: e })
                }
            }
        }
        Command::Check { input } => load_file(&input).map(|_| ()),
    }
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
