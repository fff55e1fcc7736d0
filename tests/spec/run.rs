//! Running a translated module's actions under one engine, as a separate
//! process (`janusc run --engine interp|jit` on the `.jbc`, or the AOT
//! executable), and reading what each action did from the tokens `main`
//! prints. A trap ends the process; the run is then repeated with the
//! actions that completed (to rebuild the instance's state) and the ones
//! not yet run, skipping the one that trapped, until every action has an
//! outcome. (Skipping a trapped action loses any effect it had before
//! trapping; in the WebAssembly 2.0 suite bulk operations check bounds
//! before writing, so such effects do not arise.)

use super::driver::{arguments, END, MARKER, VALUE};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How an engine is started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// `janusc run --engine interp`.
    Interp,
    /// `janusc run --engine jit`.
    Jit,
    /// The executable `janusc build -O2` made.
    Aot,
}

impl Engine {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Interp => "interp",
            Engine::Jit => "jit",
            Engine::Aot => "aot",
        }
    }
}

/// What one action did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Returned these results (bits).
    Values(Vec<u64>),
    /// Trapped; the trap's name as the engines print it.
    Trap(String),
    /// The process ended some other way: what it printed.
    Crash(String),
}

/// What one process printed.
struct Reading {
    /// `(action, results)` for each action that completed, in order.
    done: Vec<(usize, Vec<u64>)>,
    /// The action that started but did not complete.
    unfinished: Option<usize>,
    /// Whether `END` was printed.
    ended: bool,
}

fn parse(stdout: &[u8]) -> Reading {
    let mut done = Vec::new();
    let mut current: Option<(usize, Vec<u64>)> = None;
    let mut halves = Vec::new();
    let mut ended = false;
    for token in stdout.chunks(11) {
        let Some(value) = std::str::from_utf8(token)
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
        else {
            break;
        };
        if value >= END {
            ended = true;
            break;
        }
        if value >= MARKER {
            done.extend(current.take());
            current = Some(((value - MARKER) as usize, Vec::new()));
            halves.clear();
        } else if let Some((_, results)) = current.as_mut() {
            halves.push((value - VALUE) as u64);
            if halves.len() == 2 {
                results.push(halves[0] | halves[1] << 32);
                halves.clear();
            }
        }
    }
    if ended {
        done.extend(current.take());
        return Reading {
            done,
            unfinished: None,
            ended,
        };
    }
    Reading {
        done,
        unfinished: current.map(|(k, _)| k),
        ended,
    }
}

/// How long one engine process may run before it is killed: far beyond
/// any test module's run, so only a hang reaches it.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `command` to its end, or kills it after `limit` (its output so far
/// is kept, and standard error then says it timed out).
fn output_within(command: &mut Command, limit: Duration) -> std::io::Result<Output> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                // A read error leaves what was read: the parse is partial.
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > limit {
            timed_out = true;
            // The child may have ended just now: kill's error is moot.
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stdout = stdout.join().unwrap_or_default();
    let mut stderr = stderr.join().unwrap_or_default();
    if timed_out {
        stderr.extend_from_slice(format!("timed out after {limit:?}").as_bytes());
    }
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

fn trap_name(stderr: &str) -> Option<String> {
    let rest = stderr.split("janus: trap: ").nth(1)?;
    Some(rest.split(" in function").next()?.to_string())
}

/// Runs `count` actions of the module in `jbc` (or `exe`, for AOT) and
/// returns each one's outcome; `Err` when the module's instantiation
/// itself trapped or the process failed before any action.
pub fn run(
    engine: Engine,
    janusc: &Path,
    jbc: &Path,
    exe: &Path,
    count: usize,
) -> Result<Vec<Outcome>, Outcome> {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; count];
    let mut completed: Vec<usize> = Vec::new();
    let mut pending: Vec<usize> = (0..count).collect();
    loop {
        let list: Vec<usize> = completed.iter().chain(&pending).copied().collect();
        let mut command = match engine {
            Engine::Aot => Command::new(exe),
            Engine::Interp | Engine::Jit => {
                let mut c = Command::new(janusc);
                c.args(["run", "--engine", engine.name()])
                    .arg(jbc)
                    .arg("--");
                c
            }
        };
        command.args(arguments(&list));
        let output = output_within(&mut command, TIMEOUT)
            .map_err(|e| Outcome::Crash(format!("cannot start: {e}")))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let Reading {
            done,
            unfinished,
            ended,
        } = parse(&output.stdout);
        for (k, values) in done {
            if outcomes[k].is_none() {
                outcomes[k] = Some(Outcome::Values(values));
                completed.push(k);
            }
        }
        if ended && output.status.success() {
            break;
        }
        let ending = match trap_name(&stderr) {
            Some(name) => Outcome::Trap(name),
            None => Outcome::Crash(format!("{}: {}", output.status, stderr.trim())),
        };
        let Some(k) = unfinished else {
            // Nothing ran: instantiation trapped, or the process failed.
            return Err(ending);
        };
        if outcomes[k].is_some() {
            // An action that completed before failed on replay: the rest
            // cannot be trusted.
            for &p in &pending {
                outcomes[p] = Some(Outcome::Crash(format!("replay diverged at action {k}")));
            }
            break;
        }
        outcomes[k] = Some(ending);
        pending.retain(|&p| outcomes[p].is_none());
        completed.sort_unstable();
        if pending.is_empty() {
            break;
        }
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Crash("never ran".into())))
        .collect())
}

/// Whether a trap the engines print is what the spec message names.
pub fn trap_matches(expected: &str, got: &str) -> bool {
    let want = if expected.starts_with("uninitialized element") {
        "uninitialized table element"
    } else if expected.starts_with("undefined element") {
        "undefined table element"
    } else if expected.starts_with("indirect call type mismatch") {
        "indirect call signature mismatch"
    } else {
        expected
    };
    got == want || got.starts_with(want)
}
