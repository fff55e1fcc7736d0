//! `make bench`'s janusc start-up section (`janus_bench::startup`): builds a
//! C hello with gcc -O2, times it against `janusc check` and `janusc run
//! --engine interp` of `samples/hello.jasm` in interleaved rounds, prints
//! the section and writes it to `target/bench/startup.md`, which the
//! report appends.

use janus_bench::startup;

fn main() {
    let (root, janusc) = janus_bench::released_janusc();
    let dir = tempfile::tempdir().expect("temporary directory");
    let c_hello = startup::build_c_hello(dir.path()).expect("gcc -O2 builds the C hello");
    let measured = startup::measure(&janusc, &c_hello, &root.join("samples/hello.jasm"));
    let section = startup::section(&measured);
    print!("{section}");
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out).expect("target/bench is writable");
    std::fs::write(out.join("startup.md"), &section).expect("target/bench/startup.md is writable");
}
