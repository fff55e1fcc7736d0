//! Differential testing: generated programs (valid by construction, see
//! `generate/src/lib.rs`) run under the interpreter, the JIT, and the
//! hybrid engine twice: with switching forced (every function compiled at
//! its first call and every loop at its first backward jump, on the
//! program's thread) and with each function's switch points drawn at
//! random from the program's seed (`--tier-seed`); every tenth also as AOT
//! executables at -O0 and -O2. Stdout, exit status and trap message must
//! be identical. The hybrid runs use -O2 (as the JIT's), which costs no
//! more than -O1 here: 500 programs take 36 s against 20 s without them.
//! A disagreeing program is written to
//! `target/differential/seed-N.jasm` for a regression test.
//!
//! `JANUS_DIFF_PROGRAMS=N` (default 500) and `JANUS_DIFF_START=S` choose the
//! seeds; `make fuzz` runs many more. `JANUS_DIFF_JANUSC` names the janusc
//! to test instead of this build's, so a long run can use a copy that later
//! builds do not replace.

use janus_compiler::asm::disassemble;
use janus_compiler::bytecode::encode;
use janus_generate::generate;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn run(args: &[&str], file: &Path) -> Output {
    let janusc = std::env::var_os("JANUS_DIFF_JANUSC")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_janusc").into());
    Command::new(janusc)
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("janusc runs")
}

fn summary(o: &Output) -> (Vec<u8>, Option<i32>, Vec<u8>) {
    (o.stdout.clone(), o.status.code(), o.stderr.clone())
}

#[test]
fn engines_agree_on_generated_programs() {
    let count = env_u64("JANUS_DIFF_PROGRAMS", 500);
    let start = env_u64("JANUS_DIFF_START", 0);
    let tmp = tempfile::tempdir().expect("tempdir");
    let next = AtomicU64::new(start);
    let failures = Mutex::new(Vec::new());
    let traps = AtomicU64::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::SeqCst);
                if seed >= start + count {
                    break;
                }
                let module = generate(seed);
                let file = tmp.path().join(format!("seed-{seed}.jbc"));
                std::fs::write(&file, encode(&module)).expect("write program");
                let reference = summary(&run(&["run", "--engine", "interp"], &file));
                if !reference.2.is_empty() {
                    traps.fetch_add(1, Ordering::SeqCst);
                }
                let tier_seed = format!("--tier-seed={seed}");
                let mut engines = vec![
                    ("jit -O2", vec!["run", "--engine", "jit", "-O2"]),
                    (
                        "hybrid, switching forced",
                        vec![
                            "run",
                            "--engine",
                            "hybrid",
                            "-O2",
                            "--call-threshold=1",
                            "--loop-threshold=1",
                            "--compiler-threads=0",
                        ],
                    ),
                    (
                        "hybrid, switch points drawn from the seed",
                        vec![
                            "run",
                            "--engine",
                            "hybrid",
                            "-O2",
                            "--call-threshold=4",
                            "--loop-threshold=64",
                            "--compiler-threads=0",
                            tier_seed.as_str(),
                        ],
                    ),
                ];
                if seed % 10 == 0 {
                    engines.push(("aot -O0", vec!["run", "--engine", "aot", "-O0"]));
                    engines.push(("aot -O2", vec!["run", "--engine", "aot", "-O2"]));
                }
                for (name, args) in engines {
                    let got = summary(&run(&args, &file));
                    if got != reference {
                        let dir = root().join("target/differential");
                        let _ = std::fs::create_dir_all(&dir);
                        let saved = dir.join(format!("seed-{seed}.jasm"));
                        let _ = std::fs::write(&saved, disassemble(&module));
                        failures.lock().expect("lock").push(format!(
                            "seed {seed}: interp and {name} disagree (program in {}):\n  interp: status {:?}, stderr {:?}\n  {name}: status {:?}, stderr {:?}\n  stdout equal: {}",
                            saved.display(),
                            reference.1,
                            String::from_utf8_lossy(&reference.2),
                            got.1,
                            String::from_utf8_lossy(&got.2),
                            got.0 == reference.0
                        ));
                        break;
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().expect("lock");
    println!(
        "{count} generated programs from seed {start}; {} ended in a trap",
        traps.load(Ordering::SeqCst)
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
