//! `janusc`, the JanusVM toolchain driver. A thin shell: parse arguments,
//! call one library function per subcommand, render diagnostics once,
//! choose the exit status (0 success, 1 any error in the input or the
//! invocation).

mod args;
mod backend;
mod compile;
mod diagnostics;
mod emit;
mod failure;
mod hybrid;
mod input;
mod output;
mod run;
mod session;

use args::{Cli, ColorWhen, Command, ErrorFormatArg, PrintKind};
use backend::protocol::Fact;
use clap::{CommandFactory, FromArgMatches};
use compile::RUNTIME_TARGET;
use diagnostics::{Diagnostic, Emitter, ErrorFormat};
use failure::Failure;
use input::Input;
use janus_bytecode::{asm, bytecode};
use output::{Content, Outputs};
use session::Session;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match parse_command_line() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let emitter = Emitter {
        format: match cli.global.error_format {
            ErrorFormatArg::Human => ErrorFormat::Human,
            ErrorFormatArg::Json => ErrorFormat::Json,
        },
        color: color_choice(cli.global.color),
        quiet: cli.global.quiet,
        deny_warnings: cli.global.deny.iter().any(|lint| lint == "warnings"),
    };
    let session = Session {
        emitter,
        verbose: cli.global.verbose,
    };
    if !matches!(cli.command, Some(Command::Run { .. })) {
        restore_sigpipe();
    }
    match dispatch(&session, cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            session.emitter.fail(&failure);
            ExitCode::from(1)
        }
    }
}

/// A closed pipe on standard output ends janusc quietly, as it ends rustc
/// and every Unix filter: by the default action of SIGPIPE, which Rust's
/// start-up code replaces with "ignore". `run` keeps "ignore": it writes to
/// the engines' pipes, and the program's own writes report the error.
fn restore_sigpipe() {
    // SAFETY: called before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `--color`'s choice, for anstream (which also reads NO_COLOR and
/// CLICOLOR_FORCE under `auto`).
fn color_choice(when: ColorWhen) -> anstream::ColorChoice {
    match when {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    }
}

/// Parses the command line. clap prints its own errors, so it is told the
/// `--color` choice before parsing (it reads NO_COLOR itself).
fn parse_command_line() -> Result<Cli, clap::Error> {
    let args: Vec<String> = std::env::args().collect();
    let color = args.iter().enumerate().find_map(|(i, a)| {
        let value = a
            .strip_prefix("--color=")
            .or_else(|| (a == "--color").then(|| args.get(i + 1).map(String::as_str))?)?;
        match value {
            "always" => Some(clap::ColorChoice::Always),
            "never" => Some(clap::ColorChoice::Never),
            _ => None,
        }
    });
    let mut command = Cli::command();
    if let Some(color) = color {
        command = command.color(color);
    }
    let matches = command.try_get_matches_from(&args)?;
    Cli::from_arg_matches(&matches)
}

/// A command line clap rejected (or `--help`): clap's own text for people,
/// one JSON diagnostic under `--error-format=json`.
fn usage_error(e: clap::Error) -> ExitCode {
    if !e.use_stderr() {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let args: Vec<String> = std::env::args().collect();
    let json = args
        .windows(2)
        .any(|w| w[0] == "--error-format" && w[1] == "json")
        || args.iter().any(|a| a == "--error-format=json");
    if json {
        let rendered = e.render().to_string();
        let message = rendered
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches("error: ")
            .to_string();
        let emitter = Emitter {
            format: ErrorFormat::Json,
            color: anstream::ColorChoice::Never,
            quiet: false,
            deny_warnings: false,
        };
        emitter.emit(&[Diagnostic::error(message)], 1);
    } else {
        let _ = e.print();
    }
    ExitCode::from(1)
}

fn dispatch(session: &Session, cli: Cli) -> Result<(), Failure> {
    if cli.version {
        return output::write_stdout(version_text(session.verbose > 0).as_bytes());
    }
    if let Some(kind) = cli.print {
        return print(kind, None);
    }
    let Some(command) = cli.command else {
        let help = Cli::command().render_help().to_string();
        return output::write_stdout(help.as_bytes());
    };
    match command {
        Command::Asm {
            input: path,
            output,
        } => {
            let input = Input::read(&path)?;
            let output = output.unwrap_or_else(|| match &input.path {
                Some(path) => path.with_extension("jbc"),
                None => PathBuf::from("a.jbc"),
            });
            write_one(&input, &output, Content::Bytes, || {
                Ok(bytecode::encode(&session.load(&input)?.module))
            })
        }
        Command::Disasm {
            input: path,
            output,
            show_pcs,
        } => {
            let input = Input::read(&path)?;
            let output = output.unwrap_or_else(|| PathBuf::from("-"));
            write_one(&input, &output, Content::Text, || {
                let loaded = session.load(&input)?;
                Ok(asm::disassemble_with(&loaded.module, show_pcs).into_bytes())
            })
        }
        Command::Check { input } => {
            let input = Input::read(&input)?;
            // The process ends right after: freeing a large module piece by
            // piece would only delay the exit (rustc skips it the same way).
            std::mem::forget(session.load(&input)?);
            Ok(())
        }
        Command::Run {
            input,
            engine,
            tier,
            opt_level,
            env,
            dir,
            random_seed,
            invoke,
            args,
        } => {
            run::device_environment(&env, random_seed)?;
            run::preopen_environment(&dir)?;
            let opt = compile::opt_level(&opt_level)?;
            let input = Input::read(&input)?;
            let status = run::run(
                session,
                &input,
                &engine,
                &tier,
                opt,
                &args,
                invoke.as_deref(),
            )?;
            std::process::exit(status);
        }
        Command::Inspect { input } => {
            let input = Input::read(&input)?;
            let report = janus_meta::inspect::inspect(&input.bytes)
                .map_err(|e| Failure::Usage(format!("`{}`: {e}", input.name)))?;
            output::write_stdout(report.to_string().as_bytes())
        }
        Command::Build(args) => compile::build(session, args),
        Command::Print { kind, output } => print(kind, output.as_deref()),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "janusc", &mut script);
            output::write_stdout(&script)
        }
    }
}

/// Plans one output, makes its bytes, and writes it.
fn write_one(
    input: &Input,
    path: &Path,
    content: Content,
    make: impl FnOnce() -> Result<Vec<u8>, Failure>,
) -> Result<(), Failure> {
    let mut outputs = Outputs::new(&[input]);
    let slot = outputs.plan(path, content)?;
    let bytes = make()?;
    outputs.stage(slot, bytes)?;
    outputs.commit()
}

/// `janusc print KIND` and `janusc --print KIND`.
fn print(kind: PrintKind, output: Option<&Path>) -> Result<(), Failure> {
    let (bytes, content, default) = match kind {
        PrintKind::TargetList => (
            backend::backend()?.fact(Fact::TargetList)?,
            Content::Text,
            "-",
        ),
        PrintKind::HostTriple => (
            format!("{RUNTIME_TARGET}\n").into_bytes(),
            Content::Text,
            "-",
        ),
        PrintKind::RuntimeLib => (
            backend::backend()?.fact(Fact::RuntimeArchive)?,
            Content::Archive,
            "libjanus_runtime.a",
        ),
        PrintKind::ManPage => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .map_err(|error| Failure::Io {
                    path: "<man page>".into(),
                    action: "render",
                    error,
                })?;
            (page, Content::Text, "-")
        }
    };
    let path = output.unwrap_or(Path::new(default));
    let mut outputs = Outputs::new(&[]);
    let slot = outputs.plan(path, content)?;
    outputs.stage(slot, bytes)?;
    outputs.commit()
}

/// `janusc -V`, and with `-v` the details `rustc -vV` gives.
fn version_text(verbose: bool) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let commit = env!("JANUS_COMMIT_HASH");
    let date = env!("JANUS_COMMIT_DATE");
    let short = &commit[..commit.len().min(9)];
    let mut text = format!("janusc {version} ({short} {date})\n");
    if verbose {
        text.push_str(&format!(
            "binary: janusc\ncommit-hash: {commit}\ncommit-date: {date}\nhost: {}\nrelease: {version}\nLLVM version: {}\n",
            RUNTIME_TARGET,
            llvm_version()
        ));
    }
    text
}

/// The LLVM version `-vV` shows: the backend library's, or why there is
/// none (janusc itself runs without it).
fn llvm_version() -> String {
    let version = backend::backend()
        .map_err(backend::CallError::from)
        .and_then(|library| library.fact(Fact::LlvmVersion));
    match version {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => format!("unavailable ({error})"),
    }
}
