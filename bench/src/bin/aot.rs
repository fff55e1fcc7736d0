//! The AOT compiler's figures, per sample: `janusc build` time at -O0 and
//! -O2, executable size, run time; the stripped hello-world size (target: at
//! most 128 KiB); and the heap allocator's fragmentation on a churn workload.
//! Uses the release janusc (`make bench` builds it).

use janus_bench::median_time;
use janus_runtime::heap::Heap;
use janus_runtime::memory::LinearMemory;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let janusc = root.join("target/release/janusc");
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut samples: Vec<PathBuf> = std::fs::read_dir(root.join("samples"))
        .expect("samples")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            // Device samples with a harness need a peer (a client, a disk
            // image) that only tests/devices.rs provides: run alone, the
            // echo server would wait for a connection forever.
            p.extension().is_some_and(|e| e == "jasm")
                && !p.to_string_lossy().contains("trap_")
                && !p.with_extension("harness").exists()
        })
        .collect();
    samples.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!("janusc build and run, per sample (medians of 5; run output discarded)");
    println!(
        "{:<10} {:>10} {:>10} {:>10} {:>10}",
        "sample", "-O0 ms", "-O2 ms", "exe bytes", "run ms"
    );
    for path in &samples {
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let exe = dir.path().join(&name);
        let build = |level: &str| {
            median_time(5, || {
                let ok = Command::new(&janusc)
                    .arg("build")
                    .arg(path)
                    .arg(format!("-O{level}"))
                    .arg("-o")
                    .arg(&exe)
                    .status()
                    .expect("janusc runs")
                    .success();
                assert!(ok, "{name} builds");
            })
        };
        let o0 = build("0");
        let o2 = build("2");
        let size = std::fs::metadata(&exe).expect("built").len();
        let run = median_time(5, || {
            Command::new(&exe)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("runs");
        });
        println!(
            "{:<10} {:>10.1} {:>10.1} {:>10} {:>10.2}",
            name,
            ms(o0),
            ms(o2),
            size,
            ms(run)
        );
    }

    let hello = dir.path().join("hello-stripped");
    let ok = Command::new(&janusc)
        .arg("build")
        .arg(root.join("samples/hello.jasm"))
        .arg("--strip")
        .arg("-o")
        .arg(&hello)
        .status()
        .expect("janusc runs")
        .success();
    assert!(ok);
    let size = std::fs::metadata(&hello).expect("built").len();
    println!(
        "\nstripped hello: {size} bytes ({:.1} KiB; target at most 128 KiB: {})",
        size as f64 / 1024.0,
        if size <= 128 * 1024 { "met" } else { "MISSED" }
    );
    let start = median_time(21, || {
        Command::new(&hello)
            .stdout(Stdio::null())
            .status()
            .expect("runs");
    });
    println!("hello start-up and run: {:.2} ms (median of 21)", ms(start));

    fragmentation();
}

/// A churn workload: blocks of mixed sizes allocated, a pseudo-random half
/// freed, repeated; reports how much of the free space is one usable block.
fn fragmentation() {
    let mut memory = LinearMemory::new(1, 1024).expect("memory");
    let mut heap = Heap::new(16);
    let mut live: Vec<u32> = Vec::new();
    let mut seed = 0x9e37_79b9_u32;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for _round in 0..200 {
        for _ in 0..100 {
            let size = [16, 24, 48, 100, 256, 1000, 4000][(next() % 7) as usize];
            let a = heap.alloc(&mut memory, size);
            if a != 0 {
                live.push(a);
            }
        }
        for _ in 0..50 {
            if live.is_empty() {
                break;
            }
            let i = next() as usize % live.len();
            heap.free(live.swap_remove(i)).expect("live block");
        }
    }
    let (free, largest) = heap.free_bytes();
    let live_bytes = heap.live_bytes();
    println!(
        "\nheap churn (20,000 allocations, 10,000 frees): {} live blocks, {} live bytes in {} bytes of memory",
        live.len(),
        live_bytes,
        memory.size()
    );
    println!(
        "  free: {free} bytes, largest free block {largest} bytes; fragmentation (1 - largest/free): {:.3}",
        if free == 0 { 0.0 } else { 1.0 - largest as f64 / free as f64 }
    );
}
