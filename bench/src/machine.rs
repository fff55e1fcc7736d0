//! What machine and which tools a measurement ran on, for the report's
//! header: figures mean little without it.

use std::process::Command;

/// The first line a command prints (stdout, else stderr), or `None` when it
/// cannot run.
fn first_line(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    let text = if output.stdout.is_empty() {
        output.stderr
    } else {
        output.stdout
    };
    String::from_utf8_lossy(&text)
        .lines()
        .next()
        .map(|l| l.trim().to_string())
}

/// The value of the first `key: value` line of a `/proc` file.
fn proc_field(file: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// `(what, description)` pairs: CPU, cores, memory, kernel, and each
/// compiler or interpreter the report compares, with its version.
pub fn describe() -> Vec<(&'static str, String)> {
    let unknown = || "unknown".to_string();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = proc_field("/proc/meminfo", "MemTotal")
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or_else(unknown, |kib| {
            format!("{:.1} GiB", kib as f64 / (1024.0 * 1024.0))
        });
    vec![
        (
            "CPU",
            proc_field("/proc/cpuinfo", "model name").unwrap_or_else(unknown),
        ),
        ("cores", cores.to_string()),
        ("memory", memory),
        (
            "kernel",
            first_line("uname", &["-sr"]).unwrap_or_else(unknown),
        ),
        (
            "janusc",
            first_line("git", &["log", "-1", "--format=%h %cs"])
                .map_or_else(unknown, |c| format!("commit {c}, LLVM 19")),
        ),
        (
            "C",
            first_line("gcc", &["--version"]).unwrap_or_else(unknown),
        ),
        (
            "Lua",
            first_line("lua5.4", &["-v"]).unwrap_or_else(|| "not installed".into()),
        ),
        (
            "LuaJIT",
            first_line("luajit", &["-v"]).unwrap_or_else(|| "not installed".into()),
        ),
    ]
}
