//! `janusc run`: one program under one engine, or under all of them with
//! their stdout, exit status and trap compared. Every engine prints traps the
//! same way (`janus: trap: ...` on stderr) and exits with the same status.

use crate::args::TierArgs;
use crate::backend::{self, protocol};
use crate::failure::Failure;
use crate::hybrid::{self, Mode};
use crate::input::Input;
use crate::session::Session;
use janus_interp::{self as interp, Outcome};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::process::{Command, Stdio};

/// The hybrid engine's settings under `--engine all`: every function
/// compiled at its first call and every loop at its first backward jump,
/// on the program's thread, so that as much as possible switches.
const FORCED: &[&str] = &[
    "--call-threshold=1",
    "--loop-threshold=1",
    "--compiler-threads=0",
];

/// The engines `--engine all` compares, in order, with their extra
/// arguments.
const ENGINES: [(&str, &[&str]); 4] = [
    ("interp", &[]),
    ("hybrid", FORCED),
    ("jit", &[]),
    ("aot", &[]),
];

/// Runs `input` under `engine`; returns the process exit status to use.
pub fn run(
    session: &Session,
    input: &Input,
    engine: &str,
    tier: &TierArgs,
    opt: &'static str,
    args: &[String],
    invoke: Option<&str>,
) -> Result<i32, Failure> {
    match engine {
        "interp" => run_interp(session, input, args, invoke),
        "aot" => run_aot(session, input, opt, args, invoke),
        "hybrid" | "jit" => {
            let loaded = session.load_run(input, invoke, args)?;
            let mode = match engine {
                "jit" => Mode::Jit,
                _ => Mode::Hybrid,
            };
            hybrid::run(loaded, args, tier, opt, mode)
        }
        "jit-whole" => run_jit_whole(session, input, opt, args, invoke),
        "all" => run_all(session, input, opt, args, invoke),
        other => Err(Failure::Usage(format!(
            "--engine {other}: expected hybrid, interp, jit, aot or all"
        ))),
    }
}

/// The whole-program JIT of the backend library (`RunJit`), which the
/// lazy `--engine jit` replaced; kept for the benchmarks' comparisons as
/// `--engine jit-whole`.
fn run_jit_whole(
    session: &Session,
    input: &Input,
    opt: &'static str,
    args: &[String],
    invoke: Option<&str>,
) -> Result<i32, Failure> {
    // The program sees its own name first, as an executable does.
    let module = session.load_run(input, invoke, args)?.bytes;
    let argv: Vec<String> = std::iter::once(input.name.clone())
        .chain(args.iter().cloned())
        .collect();
    let request = protocol::RunJitRequest {
        module,
        opt: opt.into(),
        argv,
    };
    Ok(backend::backend()?.run_jit(&request)??)
}

fn run_interp(
    session: &Session,
    input: &Input,
    args: &[String],
    invoke: Option<&str>,
) -> Result<i32, Failure> {
    let loaded = session.load_run(input, invoke, args)?;
    let argv = args.iter().map(|a| a.as_bytes().to_vec()).collect();
    let mut machine = match interp::machine_for(&loaded.module, argv) {
        Ok(m) => m,
        Err(message) => {
            eprintln!("janus: {message}");
            return Ok(125);
        }
    };
    let outcome = interp::run(&loaded.module, &mut machine);
    machine.shutdown();
    Ok(match outcome {
        Outcome::Exit(status) => status,
        Outcome::Trap {
            kind,
            func,
            pc,
            code,
        } => {
            eprintln!(
                "{}",
                interp::trap_message(&loaded.module, kind, func, pc, code)
            );
            kind.exit_status()
        }
    })
}

fn run_aot(
    session: &Session,
    input: &Input,
    opt: &'static str,
    args: &[String],
    invoke: Option<&str>,
) -> Result<i32, Failure> {
    let module = session.load_run(input, invoke, args)?.bytes;
    let request = protocol::CompileRequest {
        module,
        opt: opt.into(),
        wanted: protocol::Wanted {
            executable: true,
            ..protocol::Wanted::default()
        },
        ..protocol::CompileRequest::default()
    };
    let response = backend::backend()?.compile(&request)?;
    let executable = response.result?.executable.unwrap_or_default();
    let dir = tempfile::tempdir().map_err(|error| Failure::Io {
        path: "<temporary directory>".into(),
        action: "create",
        error,
    })?;
    let exe = dir.path().join("program");
    if let Some(command) = &response.link_command {
        session.note(command);
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o700)
        .open(&exe)
        .and_then(|mut file| file.write_all(&executable))
        .map_err(|error| Failure::Io {
            path: exe.clone(),
            action: "write",
            error,
        })?;
    let status = Command::new(&exe)
        .args(args)
        .status()
        .map_err(|error| Failure::Io {
            path: exe.clone(),
            action: "run",
            error,
        })?;
    Ok(exit_code(status))
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// What one engine did.
struct Run {
    engine: &'static str,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    status: i32,
}

fn run_all(
    session: &Session,
    input: &Input,
    opt: &'static str,
    args: &[String],
    invoke: Option<&str>,
) -> Result<i32, Failure> {
    // Validate once, so a bad input is reported once, not per engine.
    session.load_run(input, invoke, args)?;
    // Each engine runs in a child that reads the program from a file: for
    // standard input, a copy in a temporary directory.
    let copy_dir = tempfile::tempdir().map_err(|error| Failure::Io {
        path: "<temporary directory>".into(),
        action: "create",
        error,
    })?;
    let program = match &input.path {
        Some(path) => path.clone(),
        None => {
            let path = copy_dir.path().join("stdin.program");
            std::fs::write(&path, input.bytes.as_slice()).map_err(|error| Failure::Io {
                path: path.clone(),
                action: "write",
                error,
            })?;
            path
        }
    };
    let mut stdin = Vec::new();
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        let _ = std::io::stdin().read_to_end(&mut stdin);
    }
    let me = std::env::current_exe().map_err(|error| Failure::Io {
        path: "janusc".into(),
        action: "find",
        error,
    })?;
    let mut runs = Vec::new();
    for (engine, extra) in ENGINES {
        let mut child = Command::new(&me);
        child
            .arg("run")
            .arg("--engine")
            .arg(engine)
            .args(extra)
            .arg(format!("-O{opt}"));
        if let Some(name) = invoke {
            child.arg("--invoke").arg(name);
        }
        let mut child = child
            .arg(&program)
            .arg("--")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| Failure::Io {
                path: me.clone(),
                action: "run",
                error,
            })?;
        if let Some(mut pipe) = child.stdin.take() {
            let _ = pipe.write_all(&stdin);
        }
        let out = child.wait_with_output().map_err(|error| Failure::Io {
            path: me.clone(),
            action: "run",
            error,
        })?;
        runs.push(Run {
            engine,
            stdout: out.stdout,
            stderr: out.stderr,
            status: exit_code(out.status),
        });
    }
    let first = &runs[0];
    for other in &runs[1..] {
        let what = if other.stdout != first.stdout {
            Some(format!(
                "stdout differs at byte {}",
                first_difference(&first.stdout, &other.stdout)
            ))
        } else if other.status != first.status {
            Some(format!("exit status {} vs {}", first.status, other.status))
        } else if other.stderr != first.stderr {
            Some(format!(
                "stderr (trap) differs: {:?} vs {:?}",
                String::from_utf8_lossy(&first.stderr).trim_end(),
                String::from_utf8_lossy(&other.stderr).trim_end()
            ))
        } else {
            None
        };
        if let Some(what) = what {
            return Err(Failure::Disagree {
                first: first.engine,
                other: other.engine,
                what,
            });
        }
    }
    let _ = std::io::stdout().write_all(&first.stdout);
    let _ = std::io::stderr().write_all(&first.stderr);
    Ok(first.status)
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// What `--env KEY=VALUE` and `--random-seed N` ask for, passed to every
/// engine the one way every engine reads device options
/// (`janus_runtime::config`): each KEY is set to its VALUE in janusc's
/// environment and appended to `JANUS_ENV` (after any names already
/// there), and `JANUS_RANDOM_SEED` is set to N. The engines run in this
/// process or in children, which inherit the environment.
pub fn device_environment(env: &[String], random_seed: Option<u64>) -> Result<(), Failure> {
    let mut names: Vec<String> = std::env::var("JANUS_ENV")
        .ok()
        .filter(|v| !v.is_empty())
        .into_iter()
        .collect();
    for entry in env {
        let Some((key, value)) = entry.split_once('=') else {
            return Err(Failure::Usage(format!(
                "--env `{entry}`: expected KEY=VALUE"
            )));
        };
        let valid = !key.is_empty()
            && key.bytes().enumerate().all(|(i, b)| {
                b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit())
            });
        if !valid {
            return Err(Failure::Usage(format!(
                "--env `{entry}`: `{key}` is not a variable name (letters, digits and `_`, not starting with a digit)"
            )));
        }
        std::env::set_var(key, value);
        names.push(key.to_string());
    }
    if !env.is_empty() {
        std::env::set_var("JANUS_ENV", names.join(","));
    }
    if let Some(seed) = random_seed {
        std::env::set_var("JANUS_RANDOM_SEED", seed.to_string());
    }
    Ok(())
}

/// What `--dir HOST[::GUEST]` asks for, passed to every engine the way
/// they read device options: the items are appended to `JANUS_DIR` (after
/// any already there), comma-separated. A HOST or GUEST holding a comma
/// cannot be told apart from two items, so it is a usage error, as is an
/// empty part.
pub fn preopen_environment(dirs: &[String]) -> Result<(), Failure> {
    if dirs.is_empty() {
        return Ok(());
    }
    let mut items: Vec<String> = std::env::var("JANUS_DIR")
        .ok()
        .filter(|v| !v.is_empty())
        .into_iter()
        .collect();
    for dir in dirs {
        if dir.contains(',') {
            return Err(Failure::Usage(format!(
                "--dir `{dir}`: a path with a comma cannot be preopened"
            )));
        }
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        if host.is_empty() || guest.is_empty() {
            return Err(Failure::Usage(format!(
                "--dir `{dir}`: expected HOST or HOST::GUEST, neither empty"
            )));
        }
        items.push(dir.clone());
    }
    std::env::set_var("JANUS_DIR", items.join(","));
    Ok(())
}
