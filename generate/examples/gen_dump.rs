//! Writes generated differential-testing programs as `.jasm`, for reading
//! them by hand: `cargo run --example gen_dump -- SEED [COUNT] DIR`.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(seed), Some(dir)) = (args.get(1).and_then(|s| s.parse::<u64>().ok()), args.last())
    else {
        eprintln!("usage: gen_dump SEED [COUNT] DIR");
        std::process::exit(1);
    };
    let count: u64 = if args.len() > 3 {
        args[2].parse().unwrap_or(1)
    } else {
        1
    };
    for s in seed..seed + count {
        let text = janus_bytecode::asm::disassemble(&janus_generate::generate(s));
        if let Err(e) = std::fs::write(format!("{dir}/seed-{s}.jasm"), text) {
            eprintln!("error: cannot write to `{dir}`: {e}");
            std::process::exit(1);
        }
    }
}
