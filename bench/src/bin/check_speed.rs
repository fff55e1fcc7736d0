//! How long `janusc check` takes on a generated 1 MB module (target: under
//! 50 ms), measured two ways: the loader and verifier in-process, and the
//! whole `janusc check` process (start-up and file read included).

use janus_bench::{generated_module, median_time, BYTES_PER_FUNCTION};
use janus_compiler::{bytecode, load};
use std::path::Path;
use std::process::Command;

fn main() {
    let module = generated_module((1 << 20) / BYTES_PER_FUNCTION);
    let bytes = bytecode::encode(&module);
    let instructions: usize = module.functions.iter().map(|f| f.code.len()).sum();
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("generated.jbc");
    std::fs::write(&path, &bytes).expect("write module");

    let in_process = median_time(21, || {
        load(&bytes).expect("generated module verifies");
    });

    let janusc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/janusc");
    let whole = median_time(21, || {
        let status = Command::new(&janusc)
            .arg("check")
            .arg(&path)
            .status()
            .expect("run janusc (make bench builds it)");
        assert!(
            status.success(),
            "janusc check rejected the generated module"
        );
    });

    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!("janusc check on a generated module");
    println!(
        "  size:                {} bytes, {} functions, {} instructions",
        bytes.len(),
        module.functions.len(),
        instructions
    );
    println!(
        "  decode + verify:     {:.2} ms (median of 21, in-process)",
        ms(in_process)
    );
    println!(
        "  `janusc check` run:  {:.2} ms (median of 21, whole process)",
        ms(whole)
    );
    println!(
        "  target < 50 ms:      {} ({:.2}x of the target)",
        if ms(whole) < 50.0 { "met" } else { "MISSED" },
        ms(whole) / 50.0
    );
}
