//! `janusc`, the JanusVM toolchain driver. A thin shell: parse arguments,
//! call one library function per subcommand, render errors once, choose the
//! exit status (0 success, 1 any error in the input or the invocation).

mod diagnostics;
mod jit;
mod run;

use clap::{Parser, Subcommand};
use diagnostics::Failure;
use janus_compiler::link::{link, LinkOptions};
use janus_compiler::llvm::{self, OptLevel, Wants};
use janus_compiler::meta::Metadata;
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
    /// Compile a `.jbc` or `.jasm` program to a native executable (or the
    /// intermediate forms `--emit` names).
    Build {
        /// The program.
        input: PathBuf,
        /// The executable to write (default: the input's name without extension).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// What to write, comma-separated `KIND[=PATH]` (`-` is standard
        /// output): ssa, ssa-raw, llvm-ir, llvm-ir-raw, asm, obj, exe.
        #[arg(long, value_name = "KIND[=PATH],...", default_value = "exe")]
        emit: String,
        /// Optimisation level: 0, 1, 2 (default), 3 or s.
        #[arg(short = 'O', value_name = "LEVEL", default_value = "2")]
        opt_level: String,
        /// Target triple (default: the host). Executables need a runtime
        /// built for the target; this janusc carries the host's.
        #[arg(long)]
        target: Option<String>,
        /// The C compiler driver to link with (default: $JANUS_LINKER or cc).
        #[arg(long)]
        linker: Option<String>,
        /// Link a fully static executable.
        #[arg(long = "static")]
        static_: bool,
        /// Strip symbols from the executable.
        #[arg(long)]
        strip: bool,
    },
    /// Run a `.jbc` or `.jasm` program: interpreted, JIT-compiled, compiled
    /// ahead of time, or under every engine with their results compared.
    Run {
        /// The program.
        input: PathBuf,
        /// interp (the reference interpreter), jit, aot, or all.
        #[arg(long, default_value = "interp")]
        engine: String,
        /// Optimisation level for jit and aot: 0, 1, 2 (default), 3 or s.
        #[arg(short = 'O', value_name = "LEVEL", default_value = "2")]
        opt_level: String,
        /// Arguments for the program, after `--`.
        #[arg(last = true)]
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
        /// The file to check; the format is told by its first bytes.
        input: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
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
        Command::Disasm {
            input,
            output,
            show_pcs,
        } => {
            let loaded = load_file(&input)?;
            let text = asm::disassemble_with(&loaded.module, show_pcs);
            write_output(
                &output.unwrap_or_else(|| PathBuf::from("-")),
                text.as_bytes(),
            )
        }
        Command::Check { input } => {
            // The process ends right after: freeing a large module piece by
            // piece would only delay the exit (rustc skips it the same way).
            std::mem::forget(load_file(&input)?);
            Ok(())
        }
        Command::Run {
            input,
            engine,
            opt_level,
            args,
        } => {
            let opt = OptLevel::parse(&opt_level).ok_or_else(|| {
                Failure::Usage(format!(
                    "-O{opt_level}: expected an optimisation level 0, 1, 2, 3 or s"
                ))
            })?;
            let status = run::run(&input, &engine, opt, &args, RUNTIME_ARCHIVE)?;
            std::process::exit(status);
        }
        Command::Inspect { input } => {
            let bytes = std::fs::read(&input).map_err(|error| Failure::Io {
                path: input.clone(),
                action: "read",
                error,
            })?;
            let report = janus_compiler::inspect::inspect(&bytes)
                .map_err(|e| Failure::Usage(format!("`{}`: {e}", input.display())))?;
            write_output(Path::new("-"), report.to_string().as_bytes())
        }
        Command::Build {
            input,
            output,
            emit,
            opt_level,
            target,
            linker,
            static_,
            strip,
        } => {
            let opt = OptLevel::parse(&opt_level).ok_or_else(|| {
                Failure::Usage(format!(
                    "-O{opt_level}: expected an optimisation level 0, 1, 2, 3 or s"
                ))
            })?;
            let link = LinkOptions {
                linker,
                static_,
                strip,
            };
            build(
                &input,
                output.as_deref(),
                &emit,
                opt,
                target.as_deref(),
                &link,
            )
        }
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
    LlvmIr,
    LlvmIrRaw,
    Asm,
    Obj,
    Exe,
}

/// The runtime archive for the host, built by build.rs and carried inside
/// janusc so executables can be linked with nothing else installed.
static RUNTIME_ARCHIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libjanus_runtime.a"));

/// The triple the carried runtime was built for.
const RUNTIME_TARGET: &str = env!("JANUS_RUNTIME_TARGET");

/// Parses `--emit`: comma-separated `KIND[=PATH]`, rustc's habit.
fn parse_emit(spec: &str, input: &Path, output: Option<&Path>) -> Result<Vec<Emit>, Failure> {
    let stem = input
        .file_stem()
        .map_or_else(|| "out".into(), |s| s.to_string_lossy().into_owned());
    let items: Vec<&str> = spec.split(',').collect();
    // `-o` names the one output, as with rustc and cc; among several it
    // can only mean the executable.
    let single = items.len() == 1;
    if let Some(o) = output {
        if !single && !items.iter().any(|i| i.split('=').next() == Some("exe")) {
            return Err(Failure::Usage(format!(
                "-o {}: --emit names several outputs and no executable, so -o is ambiguous: name each as KIND=PATH",
                o.display()
            )));
        }
    }
    let mut out = Vec::new();
    for item in items {
        let (name, path) = match item.split_once('=') {
            Some((k, p)) => (k, Some(p)),
            None => (item, None),
        };
        let (kind, default) = match name {
            "ssa" => (EmitKind::Ssa, format!("{stem}.ssa")),
            "ssa-raw" => (EmitKind::SsaRaw, format!("{stem}.raw.ssa")),
            "llvm-ir" => (EmitKind::LlvmIr, format!("{stem}.ll")),
            "llvm-ir-raw" => (EmitKind::LlvmIrRaw, format!("{stem}.raw.ll")),
            "asm" => (EmitKind::Asm, format!("{stem}.s")),
            "obj" => (EmitKind::Obj, format!("{stem}.o")),
            "exe" => (EmitKind::Exe, output.map_or_else(|| stem.clone(), |o| o.to_string_lossy().into_owned())),
            other => {
                return Err(Failure::Usage(format!(
                    "--emit: unknown kind `{other}`: expected ssa, ssa-raw, llvm-ir, llvm-ir-raw, asm, obj or exe, as KIND or KIND=PATH"
                )))
            }
        };
        let default = match output {
            Some(o) if single => o.to_string_lossy().into_owned(),
            _ => default,
        };
        if path == Some("") {
            return Err(Failure::Usage(format!(
                "--emit {name}=: expected a path after `=` (or `-` for standard output)"
            )));
        }
        if kind == EmitKind::Exe && path == Some("-") {
            return Err(Failure::Usage(
                "--emit exe=-: an executable cannot go to standard output".into(),
            ));
        }
        out.push(Emit {
            kind,
            path: PathBuf::from(path.unwrap_or(&default)),
        });
    }
    Ok(out)
}

fn build(
    input: &Path,
    output: Option<&Path>,
    emit: &str,
    opt: OptLevel,
    target: Option<&str>,
    link_options: &LinkOptions,
) -> Result<(), Failure> {
    let requests = parse_emit(emit, input, output)?;
    let wants_exe = requests.iter().any(|r| r.kind == EmitKind::Exe);
    if wants_exe {
        if let Some(t) = target {
            if t != RUNTIME_TARGET && t != llvm::host_triple() {
                return Err(Failure::Usage(format!(
                    "--target {t}: this janusc carries a runtime for `{RUNTIME_TARGET}` only, so it cannot link an executable for `{t}` (try --emit obj or asm)"
                )));
            }
        }
    }
    let loaded = load_file(input)?;
    let raw = janus_compiler::ir::construct::build_module(&loaded.module);
    let mut optimized = raw.clone();
    janus_compiler::ir::passes::optimize_module(&mut optimized, &loaded.module);
    let needs_backend = requests
        .iter()
        .any(|r| !matches!(r.kind, EmitKind::Ssa | EmitKind::SsaRaw));
    let products = if needs_backend {
        let wants = Wants {
            llvm_ir_raw: requests.iter().any(|r| r.kind == EmitKind::LlvmIrRaw),
            llvm_ir: requests.iter().any(|r| r.kind == EmitKind::LlvmIr),
            asm: requests.iter().any(|r| r.kind == EmitKind::Asm),
        };
        Some(
            llvm::compile(&loaded.module, &optimized, target, opt, wants)
                .map_err(Failure::Backend)?,
        )
    } else {
        None
    };
    for request in requests {
        let p = products.as_ref();
        match request.kind {
            EmitKind::SsaRaw => write_output(&request.path, raw.to_string().as_bytes())?,
            EmitKind::Ssa => write_output(&request.path, optimized.to_string().as_bytes())?,
            EmitKind::LlvmIr => write_output(
                &request.path,
                p.and_then(|p| p.llvm_ir.as_deref())
                    .unwrap_or("")
                    .as_bytes(),
            )?,
            EmitKind::LlvmIrRaw => write_output(
                &request.path,
                p.and_then(|p| p.llvm_ir_raw.as_deref())
                    .unwrap_or("")
                    .as_bytes(),
            )?,
            EmitKind::Asm => write_output(
                &request.path,
                p.and_then(|p| p.asm.as_deref()).unwrap_or(&[]),
            )?,
            EmitKind::Obj => write_output(&request.path, p.map_or(&[][..], |p| &p.object))?,
            EmitKind::Exe => {
                let object = p.map_or(&[][..], |p| &p.object);
                let meta = Metadata::new(
                    &bytecode::encode(&loaded.module),
                    &loaded.module,
                    opt.name(),
                )
                .to_object(target.unwrap_or(RUNTIME_TARGET));
                link(
                    &[object, &meta],
                    RUNTIME_ARCHIVE,
                    &request.path,
                    link_options,
                )
                .map_err(Failure::Link)?;
            }
        }
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
            .map_err(|e| Failure::Io {
                path: PathBuf::from("<stdout>"),
                action: "write",
                error: e,
            });
    }
    write_file(path, bytes)
}

/// Reads and loads a file, keeping its contents for error rendering.
pub(crate) fn load_file(path: &Path) -> Result<Loaded, Failure> {
    let contents = std::fs::read(path).map_err(|error| Failure::Io {
        path: path.to_path_buf(),
        action: "read",
        error,
    })?;
    load(&contents).map_err(|error| Failure::Load {
        path: path.to_path_buf(),
        contents,
        error,
    })
}

/// Writes a file atomically: a temporary file in the same directory, renamed
/// over the target only once complete, so a failure never leaves a truncated
/// output or destroys an older one.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    let io = |error| Failure::Io {
        path: path.to_path_buf(),
        action: "write",
        error,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
