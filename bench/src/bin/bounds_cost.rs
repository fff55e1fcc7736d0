//! What explicit bounds checks cost: each program built at -O2 twice, with
//! the VM's checks and with none at all (an executable that must never see
//! an out-of-bounds access; built only here, for this measurement), and
//! timed side by side. The difference is the most a guard-page scheme could
//! save; janusc uses explicit checks (see docs/ARCHITECTURE.md).

use janus_bench::median_time;
use janus_compiler::ir::{construct, passes};
use janus_compiler::link::{link, LinkOptions};
use janus_compiler::llvm::{compile_with, BoundsChecks, OptLevel, Wants};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The runtime archive janusc's build script made (`make bench` builds it).
fn runtime_archive(root: &Path) -> Vec<u8> {
    let build = root.join("target/release/build");
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(&build)
        .expect("target/release/build exists: run `make bench`")
        .filter_map(|e| e.ok().map(|e| e.path().join("out/libjanus_runtime.a")))
        .filter(|p| p.exists())
        .collect();
    candidates.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    std::fs::read(
        candidates
            .last()
            .expect("a runtime archive under target/release/build"),
    )
    .expect("readable")
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let runtime = runtime_archive(&root);
    let dir = tempfile::tempdir().expect("temporary directory");
    println!("bounds checks: explicit vs none, -O2 (medians of 5)");
    println!(
        "{:<10} {:>12} {:>12} {:>8}",
        "program", "checked ms", "unchecked ms", "ratio"
    );
    for program in [
        "bench/programs/memsum.jasm",
        "samples/sieve.jasm",
        "samples/heap.jasm",
    ] {
        let path = root.join(program);
        let loaded =
            janus_compiler::load(&std::fs::read(&path).expect("readable")).expect("valid program");
        let mut ir = construct::build_module(&loaded.module);
        passes::optimize_module(&mut ir, &loaded.module);
        let mut times = Vec::new();
        for (label, bounds) in [
            ("checked", BoundsChecks::Explicit),
            ("unchecked", BoundsChecks::OmittedForMeasurement),
        ] {
            let products = compile_with(
                &loaded.module,
                &ir,
                None,
                OptLevel::O2,
                Wants::default(),
                bounds,
            )
            .expect("compiles");
            let exe = dir.path().join(label);
            link(&[&products.object], &runtime, &exe, &LinkOptions::default()).expect("links");
            times.push(median_time(5, || {
                Command::new(&exe)
                    .stdout(Stdio::null())
                    .status()
                    .expect("runs");
            }));
        }
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let (c, u) = (times[0].as_secs_f64() * 1e3, times[1].as_secs_f64() * 1e3);
        println!("{name:<10} {c:>12.2} {u:>12.2} {:>8.3}", c / u);
    }
}
