//! `make bench`'s janusc start-up section (`janus_bench::startup`): builds a
//! C hello with gcc -O2, times it against `janusc check` and `janusc run
//! --engine interp` of `samples/hello.jasm` in interleaved rounds; then the
//! hybrid engine's short runs against the interpreter (hello and every
//! benchmark at its small size). Prints both sections and writes them to
//! `target/bench/startup.md`, which the report appends.

use janus_bench::games::BENCHMARKS;
use janus_bench::startup;

fn main() {
    let (root, janusc) = janus_bench::released_janusc();
    let dir = tempfile::tempdir().expect("temporary directory");
    let c_hello = startup::build_c_hello(dir.path()).expect("gcc -O2 builds the C hello");
    let hello = root.join("samples/hello.jasm");
    let measured = startup::measure(&janusc, &c_hello, &hello);
    let mut section = startup::section(&measured);
    print!("{section}");
    let programs: Vec<_> = std::iter::once(("hello".to_string(), hello, None))
        .chain(BENCHMARKS.iter().map(|b| {
            (
                format!("{} {}", b.name, b.small),
                b.jasm_path(&root),
                Some(b.small.to_string()),
            )
        }))
        .collect();
    let short = startup::short_section(&startup::measure_short(&janusc, &programs));
    print!("\n{short}");
    section.push('\n');
    section.push_str(&short);
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out).expect("target/bench is writable");
    std::fs::write(out.join("startup.md"), &section).expect("target/bench/startup.md is writable");
}
