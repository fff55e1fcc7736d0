//! `make bench`'s janusc start-up section (`janus_bench::startup`): builds a
//! C hello with gcc -O2, times it against `janusc check` and `janusc run
//! --engine interp` of `samples/hello.jasm` in interleaved rounds, prints
//! the section and writes it to `target/bench/startup.md`, which the
//! report appends.

use janus_bench::startup;
use std::path::Path;
use std::process::Command;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("workspace root");
    let janusc = root.join("target/release/janusc");
    assert!(
        janusc.exists(),
        "{} is missing: run `make bench`, which builds it",
        janusc.display()
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    let source = dir.path().join("hello.c");
    let c_hello = dir.path().join("hello-c");
    std::fs::write(
        &source,
        "#include <stdio.h>\nint main(void) { puts(\"Hello, world!\"); return 0; }\n",
    )
    .expect("writable");
    let built = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&c_hello)
        .arg(&source)
        .status();
    assert!(
        built.is_ok_and(|s| s.success()),
        "gcc -O2 cannot build the C hello"
    );
    let measured = startup::measure(&janusc, &c_hello, &root.join("samples/hello.jasm"));
    let section = startup::section(&measured);
    print!("{section}");
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out).expect("target/bench is writable");
    std::fs::write(out.join("startup.md"), &section).expect("target/bench/startup.md is writable");
}
