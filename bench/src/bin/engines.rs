//! The engines against their references, side by side in one run: the
//! interpreter against Lua 5.4 (target: at most 1.0), the JIT against the
//! AOT executable including compile time (target: at most 1.2). Programs
//! with a Lua twin in `bench/lua/`; today: recursive fib.

use janus_bench::median_time;
use std::path::Path;
use std::process::{Command, Stdio};

fn time(cmd: &mut Command) -> f64 {
    median_time(5, || {
        let status = cmd.stdout(Stdio::null()).status().expect("runs");
        assert!(status.success(), "{cmd:?} failed");
    })
    .as_secs_f64()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let janusc = root.join("target/release/janusc");
    let dir = tempfile::tempdir().expect("temporary directory");
    let have_lua = Command::new("lua5.4").arg("-v").output().is_ok();
    println!("engines (medians of 5, seconds; ratios < 1 are faster than the reference)");
    println!(
        "{:<8} {:>8} {:>8} {:>10} {:>8} {:>8} {:>10}",
        "program", "interp", "lua5.4", "interp/lua", "jit*", "aot*", "jit/aot"
    );
    // The interpreter and Lua run a size that takes them ~0.2 s (janusc's start-up,
    // ~15 ms of loading LLVM, counts against the interpreter); the JIT and
    // AOT a long run (~1 s), where compile time is a fair share.
    for (name, arg, long) in [("fib", "32", "40")] {
        let program = root.join(format!("bench/programs/{name}.jasm"));
        let interp = time(
            Command::new(&janusc)
                .args(["run", "--engine", "interp"])
                .arg(&program)
                .args(["--", arg]),
        );
        let jit = time(
            Command::new(&janusc)
                .args(["run", "--engine", "jit"])
                .arg(&program)
                .args(["--", long]),
        );
        let exe = dir.path().join(name);
        let built = Command::new(&janusc)
            .arg("build")
            .arg(&program)
            .arg("-o")
            .arg(&exe)
            .status()
            .expect("janusc runs");
        assert!(built.success());
        let aot = time(Command::new(&exe).arg(long));
        let lua = if have_lua {
            Some(time(
                Command::new("lua5.4")
                    .arg(root.join(format!("bench/lua/{name}.lua")))
                    .arg(arg),
            ))
        } else {
            None
        };
        let lua_text = lua.map_or("n/a".to_string(), |l| format!("{l:.3}"));
        let ratio = lua.map_or("n/a".to_string(), |l| format!("{:.2}", interp / l));
        println!(
            "{name:<8} {interp:>8.3} {lua_text:>8} {ratio:>10} {jit:>8.3} {aot:>8.3} {:>10.2}",
            jit / aot
        );
    }
    println!("* jit and aot at the long size (fib: 40), compile time included for the jit");
    if !have_lua {
        println!("lua5.4 is not installed: `make bench` installs it with apt-get");
    }
}
