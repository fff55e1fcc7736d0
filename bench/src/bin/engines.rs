//! The engines against their references, side by side in one run:
//! the interpreter against Lua 5.4 (target: geometric mean at most 1.0) at a
//! size that takes them a fraction of a second, and at a long size, where
//! gcc -O2 takes about half a second, the AOT executable against gcc -O2
//! (the benchmarks issue's target: geometric mean at most 1.10) and the JIT
//! against AOT with compile time included (target: at most 1.2).

use janus_bench::median_time;
use std::path::Path;
use std::process::{Command, Stdio};

fn time(cmd: &mut Command) -> f64 {
    median_time(3, || {
        let status = cmd.stdout(Stdio::null()).status().expect("runs");
        assert!(status.success(), "{cmd:?} failed");
    })
    .as_secs_f64()
}

fn geomean(xs: &[f64]) -> f64 {
    (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let janusc = root.join("target/release/janusc");
    let dir = tempfile::tempdir().expect("temporary directory");
    let have_lua = Command::new("lua5.4").arg("-v").output().is_ok();
    // (program, source, short size for interp and Lua, long size for native)
    let programs = [
        ("fib", "bench/programs/fib.jasm", "32", "40"),
        ("nbody", "samples/nbody.jasm", "100000", "3500000"),
        ("spectral_norm", "samples/spectral_norm.jasm", "400", "2800"),
        ("fannkuch", "samples/fannkuch.jasm", "9", "10"),
        ("mandelbrot", "samples/mandelbrot.jasm", "400", "2500"),
    ];
    println!("engines and references (medians of 3, seconds)");
    println!(
        "{:<14} {:>8} {:>8} {:>7} | {:>8} {:>8} {:>8} {:>7} {:>7}",
        "program",
        "interp",
        "lua5.4",
        "int/lua",
        "gcc-O2",
        "aot-O2",
        "jit-O2",
        "aot/gcc",
        "jit/aot"
    );
    let (mut int_lua, mut aot_gcc, mut jit_aot) = (Vec::new(), Vec::new(), Vec::new());
    for (name, source, short, long) in programs {
        let program = root.join(source);
        let interp = time(
            Command::new(&janusc)
                .args(["run", "--engine", "interp"])
                .arg(&program)
                .args(["--", short]),
        );
        let lua = have_lua.then(|| {
            time(
                Command::new("lua5.4")
                    .arg(root.join(format!("bench/lua/{name}.lua")))
                    .arg(short),
            )
        });
        let exe = dir.path().join(name);
        assert!(Command::new(&janusc)
            .arg("build")
            .arg(&program)
            .arg("-o")
            .arg(&exe)
            .status()
            .expect("janusc")
            .success());
        let aot = time(Command::new(&exe).arg(long));
        let jit = time(
            Command::new(&janusc)
                .args(["run", "--engine", "jit"])
                .arg(&program)
                .args(["--", long]),
        );
        let c_exe = dir.path().join(format!("{name}-c"));
        let gcc = Command::new("gcc")
            .args(["-O2", "-o"])
            .arg(&c_exe)
            .arg(root.join(format!("bench/c/{name}.c")))
            .arg("-lm")
            .status()
            .is_ok_and(|s| s.success())
            .then(|| time(Command::new(&c_exe).arg(long)));
        let show = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.3}"));
        let ratio =
            |a: f64, b: Option<f64>| b.map_or("n/a".to_string(), |b| format!("{:.2}", a / b));
        println!(
            "{name:<14} {interp:>8.3} {:>8} {:>7} | {:>8} {aot:>8.3} {jit:>8.3} {:>7} {:>7.2}",
            show(lua),
            ratio(interp, lua),
            show(gcc),
            ratio(aot, gcc),
            jit / aot
        );
        if let Some(l) = lua {
            int_lua.push(interp / l);
        }
        if let Some(g) = gcc {
            aot_gcc.push(aot / g);
        }
        jit_aot.push(jit / aot);
    }
    println!("sizes: interp and Lua at the short size, native at the long size (see the source)");
    if !int_lua.is_empty() {
        println!(
            "geometric mean interp/lua5.4: {:.2} (target at most 1.0)",
            geomean(&int_lua)
        );
    }
    if !aot_gcc.is_empty() {
        println!(
            "geometric mean aot/gcc-O2:   {:.2} (target at most 1.10)",
            geomean(&aot_gcc)
        );
    }
    println!(
        "geometric mean jit/aot:      {:.2} (target at most 1.2)",
        geomean(&jit_aot)
    );
}
