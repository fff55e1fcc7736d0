//! The WebAssembly comparison's engines: how each benchmark's C twin becomes
//! one `.wasm` file (clang-19, wasm32-wasi, -O2) and a native gcc -O2
//! executable, how that one `.wasm` file is prepared for every engine that
//! runs it (janusc AOT, JIT and interpreter, wasmtime, wasmi, wasm2c + gcc),
//! and how one run is timed.
//!
//! Every run's standard output goes to a file in the benchmark's temporary
//! directory (never to a device), so it can be compared byte for byte with
//! gcc's before any run is timed. wasmtime runs inside Python
//! (`bench/wasmtime_run.py`), which reports the time of `_start` alone on
//! its standard error; that time replaces the wall clock, so Python's
//! start-up and Cranelift's compilation are not charged to wasmtime, as
//! `janusc build` is not charged to the AOT executable. Every other engine
//! is timed by the wall clock around its whole process.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// One way of running a benchmark, in the report's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    /// The C twin compiled natively by gcc -O2: the reference output.
    Gcc,
    /// `janusc build -O2` of the `.wasm` file, run as an executable.
    Aot,
    /// `janusc run --engine jit`, start-up and compilation included.
    Jit,
    /// `janusc run --engine hybrid` (run's default): interpreting, then
    /// compiling what is hot, compilation included.
    Hybrid,
    /// `janusc run --engine interp`.
    Interp,
    /// wasmtime through its Python bindings, `_start` alone timed.
    Wasmtime,
    /// wasmi's command line (`cargo install wasmi_cli`), default settings.
    Wasmi,
    /// `wasm2c` output compiled by gcc -O2 with wabt's runtime and
    /// `bench/wasm2c/host.c`.
    Wasm2c,
    /// The AOT executable built without bounds checks (never shipped; the
    /// most guard pages could save): what janusc's explicit checks cost.
    AotUnchecked,
}

impl Runner {
    /// Every runner, in column order.
    pub const ALL: [Runner; 9] = [
        Runner::Gcc,
        Runner::Aot,
        Runner::Jit,
        Runner::Hybrid,
        Runner::Interp,
        Runner::Wasmtime,
        Runner::Wasmi,
        Runner::Wasm2c,
        Runner::AotUnchecked,
    ];

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Runner::Gcc => "gcc -O2",
            Runner::Aot => "janusc aot -O2",
            Runner::Jit => "janusc jit",
            Runner::Hybrid => "janusc hybrid",
            Runner::Interp => "janusc interp",
            Runner::Wasmtime => "wasmtime",
            Runner::Wasmi => "wasmi",
            Runner::Wasm2c => "wasm2c+gcc -O2",
            Runner::AotUnchecked => "janusc aot unchecked",
        }
    }

    /// Whether the runner is an interpreter, timed at the smaller size.
    pub fn interprets(self) -> bool {
        match self {
            Runner::Interp | Runner::Wasmi => true,
            Runner::Gcc
            | Runner::Aot
            | Runner::Jit
            | Runner::Hybrid
            | Runner::Wasmtime
            | Runner::Wasm2c
            | Runner::AotUnchecked => false,
        }
    }
}

/// Where the tools the comparison needs are.
pub struct Tools {
    /// The repository root.
    pub root: PathBuf,
    /// The release janusc.
    pub janusc: PathBuf,
    /// The folder of wabt's `wasm-rt-impl.c` and `wasm-rt-impl.h`.
    pub wasm_rt: PathBuf,
    /// The Python that has the `wasmtime` module.
    pub python: PathBuf,
    /// The wasmi command line.
    pub wasmi: PathBuf,
}

/// wabt's wasm2c runtime folder: where `dpkg -L wabt` lists
/// `wasm-rt-impl.c`, else the places Debian's package puts it.
pub fn find_wasm_rt() -> Option<PathBuf> {
    let listed = Command::new("dpkg")
        .args(["-L", "wabt"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    listed
        .lines()
        .filter(|l| l.ends_with("/wasm-rt-impl.c"))
        .map(|l| PathBuf::from(l.trim()))
        .chain(
            [
                "/usr/share/wabt/wasm2c/wasm-rt-impl.c",
                "/usr/src/wasm2c/wasm-rt-impl.c",
            ]
            .map(PathBuf::from),
        )
        .find(|p| p.is_file())
        .and_then(|p| p.parent().map(Path::to_path_buf))
}

/// wasmi's command line on the PATH, else where `cargo install wasmi_cli`
/// puts it: the crate `wasmi_cli` installs an executable named `wasmi`
/// (version 2; older versions named it `wasmi_cli`).
pub fn find_wasmi() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
    {
        dirs.push(home.join("bin"));
    }
    ["wasmi", "wasmi_cli"]
        .iter()
        .flat_map(|name| dirs.iter().map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// Whether `python` can import the `wasmtime` module.
pub fn has_wasmtime(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import wasmtime"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs a build step, returning its standard error when it fails.
fn step(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what}: {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Compiles the C file `c` to `out` (a `.wasm` file) with clang-19 for
/// wasm32-wasi at -O2, with the features the janusc front end takes.
pub fn clang_wasm(c: &Path, out: &Path) -> Result<(), String> {
    step(
        Command::new("clang-19")
            .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-mcpu=mvp"])
            .args(["-msign-ext", "-mnontrapping-fptoint", "-mbulk-memory"])
            .arg(c)
            .arg("-o")
            .arg(out)
            .arg("-lm"),
        &format!("clang-19 {}", c.display()),
    )
}

/// Compiles the C file `c` natively with gcc -O2 to `out`.
pub fn gcc_native(c: &Path, out: &Path) -> Result<(), String> {
    step(
        Command::new("gcc")
            .arg("-O2")
            .arg("-o")
            .arg(out)
            .arg(c)
            .arg("-lm"),
        &format!("gcc {}", c.display()),
    )
}

/// Translates `wasm` with wasm2c (module name `prog`) in the folder `work`
/// and compiles the result with gcc -O2, wabt's runtime and the bench's
/// WASI host into `out`. wasm2c's defaults stand: guard pages, no explicit
/// bounds checks.
pub fn wasm2c_gcc(tools: &Tools, wasm: &Path, work: &Path, out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(work).map_err(|e| format!("{}: {e}", work.display()))?;
    let c = work.join("prog.c");
    step(
        Command::new("wasm2c")
            .arg(wasm)
            .args(["-n", "prog", "-o"])
            .arg(&c),
        &format!("wasm2c {}", wasm.display()),
    )?;
    step(
        Command::new("gcc")
            .arg("-O2")
            .arg("-I")
            .arg(&tools.wasm_rt)
            .arg("-I")
            .arg(work)
            .arg("-o")
            .arg(out)
            .arg(&c)
            .arg(tools.root.join("bench/wasm2c/host.c"))
            .arg(tools.wasm_rt.join("wasm-rt-impl.c"))
            .arg("-lm"),
        &format!("gcc of wasm2c's {}", c.display()),
    )
}

/// `janusc build -O2 [extra] wasm -o out`.
pub fn janusc_build(tools: &Tools, wasm: &Path, extra: &[&str], out: &Path) -> Result<(), String> {
    step(
        Command::new(&tools.janusc)
            .arg("build")
            .arg("-O2")
            .args(extra)
            .arg(wasm)
            .arg("-o")
            .arg(out),
        &format!("janusc build {}", wasm.display()),
    )
}

/// Builds `wasm` at -O2 without bounds checks into `out`, through the same
/// loader and driver call as `janusc build` but with the one switch no user
/// can reach.
pub fn janusc_unchecked(wasm: &Path, out: &Path) -> Result<(), String> {
    use janus_compiler::driver::{self, Options, Wanted};
    use janus_compiler::llvm::{BoundsChecks, OptLevel};
    let bytes = std::fs::read(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;
    let (loaded, _) = janus_wasm::load(&bytes, &janus_wasm::Options::default())
        .map_err(|e| format!("{}: {e}", wasm.display()))?;
    let options = Options {
        opt: OptLevel::O2,
        bounds: BoundsChecks::OmittedForMeasurement,
        ..Options::default()
    };
    let artefacts = driver::compile(&loaded, &options, Wanted::EXECUTABLE)
        .map_err(|e| format!("unchecked build of {}: {e}", wasm.display()))?;
    let linked = artefacts
        .executable
        .ok_or_else(|| format!("unchecked build of {}: no executable", wasm.display()))?;
    std::fs::write(out, &linked.executable).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::set_permissions(
        out,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755),
    )
    .map_err(|e| format!("{}: {e}", out.display()))
}

/// The command line that runs `runner` on the prepared program: `native`
/// is gcc's executable, `aot` janusc's, `w2c` wasm2c's, `wasm` the module.
pub struct Program<'a> {
    /// gcc's executable.
    pub native: &'a Path,
    /// janusc's AOT executable.
    pub aot: &'a Path,
    /// wasm2c + gcc's executable.
    pub w2c: &'a Path,
    /// The `.wasm` file.
    pub wasm: &'a Path,
    /// janusc's AOT executable without bounds checks.
    pub unchecked: &'a Path,
}

/// The argv that runs `runner` on `program` with the one argument `size`.
pub fn argv(tools: &Tools, runner: Runner, program: &Program, size: &str) -> Vec<OsString> {
    let mut v: Vec<OsString> = match runner {
        Runner::Gcc => vec![program.native.into()],
        Runner::Aot => vec![program.aot.into()],
        Runner::Wasm2c => vec![program.w2c.into()],
        Runner::AotUnchecked => vec![program.unchecked.into()],
        Runner::Jit => janusc_run(tools, "jit", program),
        Runner::Hybrid => janusc_run(tools, "hybrid", program),
        Runner::Interp => janusc_run(tools, "interp", program),
        Runner::Wasmtime => vec![
            tools.python.clone().into(),
            tools.root.join("bench/wasmtime_run.py").into(),
            program.wasm.into(),
        ],
        Runner::Wasmi => vec![tools.wasmi.clone().into(), program.wasm.into()],
    };
    v.push(size.into());
    v
}

/// `janusc run --engine ENGINE` of the program's `.wasm` file, up to its
/// arguments.
fn janusc_run(tools: &Tools, engine: &str, program: &Program) -> Vec<OsString> {
    vec![
        tools.janusc.clone().into(),
        "run".into(),
        "--engine".into(),
        engine.into(),
        program.wasm.into(),
        "--".into(),
    ]
}

/// What one run printed and how long it took.
pub struct Run {
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Wall time, or for wasmtime that of `_start` as it reported.
    pub wall: Duration,
    /// User plus system CPU time, or for wasmtime that of `_start` as it
    /// reported: less disturbed than the wall clock when other work shares
    /// the machine's cores.
    pub cpu: Duration,
}

/// The `_start` wall and CPU times `bench/wasmtime_run.py` reports on
/// standard error.
fn reported_times(stderr: &str) -> Option<(Duration, Duration)> {
    let line = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("wasmtime-seconds "))?;
    let mut seconds = line.split_whitespace().map(|s| {
        s.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
    });
    Some((seconds.next()??, seconds.next()??))
}

/// Waits for `child`, returning its exit status and user plus system CPU
/// time from `wait4`.
fn wait_with_cpu(child: &std::process::Child) -> Result<(i32, Duration), String> {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our child, not yet waited for; status and usage
        // are valid pointers.
        let done = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if done == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {error}"));
        }
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Ok((status, time(usage.ru_utime) + time(usage.ru_stime)))
}

/// Runs `argv` once with standard input from the empty file `stdin`,
/// standard output into the file `out` and standard error into `out` with
/// `.err` added, and returns what it printed and its times; an error when
/// it cannot start or exits unsuccessfully.
pub fn run(runner: Runner, argv: &[OsString], stdin: &Path, out: &Path) -> Result<Run, String> {
    let err_path = out.with_extension("err");
    let open = |p: &Path, create: bool| {
        if create {
            File::create(p)
        } else {
            File::open(p)
        }
        .map_err(|e| format!("{}: {e}", p.display()))
    };
    let (input, output, errors) = (
        open(stdin, false)?,
        open(out, true)?,
        open(&err_path, true)?,
    );
    let start = Instant::now();
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(input)
        .stdout(output)
        .stderr(errors)
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", argv[0]))?;
    let (status, cpu) = wait_with_cpu(&child)?;
    let wall = start.elapsed();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let how = if libc::WIFEXITED(status) {
            format!("exit code {}", libc::WEXITSTATUS(status))
        } else {
            format!("signal {}", libc::WTERMSIG(status))
        };
        return Err(format!("{how}: {}", stderr.trim()));
    }
    let (wall, cpu) = if runner == Runner::Wasmtime {
        reported_times(&stderr).ok_or("wasmtime_run.py reported no time")?
    } else {
        (wall, cpu)
    };
    let stdout = std::fs::read(out).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(Run { stdout, wall, cpu })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wasmtime_times_are_read_from_the_last_matching_line() {
        let t = reported_times("wasmtime-seconds 9 9\nwasmtime-seconds 0.250000 0.125000\n");
        assert_eq!(
            t,
            Some((Duration::from_millis(250), Duration::from_millis(125)))
        );
        assert!(reported_times("wasmtime-seconds nan 1\n").is_none());
        assert!(reported_times("wasmtime-seconds 1\n").is_none());
        assert!(reported_times("nothing here").is_none());
    }

    #[test]
    fn a_run_gives_its_output_and_a_failure_its_exit_code() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let stdin = dir.path().join("in");
        std::fs::write(&stdin, b"").expect("writable");
        let out = dir.path().join("out");
        let argv: Vec<OsString> = ["sh", "-c", "printf hi; echo oops >&2"]
            .map(OsString::from)
            .to_vec();
        let run = run(Runner::Gcc, &argv, &stdin, &out).expect("runs");
        assert_eq!(run.stdout, b"hi");
        let argv: Vec<OsString> = ["sh", "-c", "echo why >&2; exit 3"]
            .map(OsString::from)
            .to_vec();
        let e = super::run(Runner::Gcc, &argv, &stdin, &out)
            .err()
            .expect("fails");
        assert_eq!(e, "exit code 3: why");
    }

    #[test]
    fn interpreters_are_the_two_slow_runners() {
        let slow: Vec<Runner> = Runner::ALL.into_iter().filter(|r| r.interprets()).collect();
        assert_eq!(slow, [Runner::Interp, Runner::Wasmi]);
    }
}
