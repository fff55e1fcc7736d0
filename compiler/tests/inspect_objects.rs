//! `janus_compiler::inspect` on objects the compiler makes: the code table
//! names every function symbol with its size, and objects are reproducible.
//! (The inspector lives in the LLVM-free `janus-meta` crate; these tests need
//! the backend to make its input.)

use goblin::elf::Elf;
use janus_compiler::driver::{self, Options, Wanted};
use janus_compiler::inspect::{display_name, inspect};
use janus_compiler::llvm::OptLevel;

fn object(src: &str, opt: OptLevel) -> Vec<u8> {
    let loaded = janus_compiler::load(src.as_bytes()).expect("loads");
    let options = Options {
        opt,
        ..Options::default()
    };
    let wanted = Wanted {
        object: true,
        ..Wanted::default()
    };
    driver::compile(&loaded, &options, wanted)
        .expect("compiles")
        .object
        .expect("asked for")
}

const TWO: &str = "export main\nfunc helper(r0: i32) -> i32\n    ret [r0]\nend\n\
    func main() -> i32\n    reg r0: i32\n    i32.const r0, 7\n    call helper, [r0], [r0]\n    ret [r0]\nend\n";

#[test]
fn the_code_table_holds_each_function_symbol_size() {
    for opt in [OptLevel::O0, OptLevel::O2] {
        let object = object(TWO, opt);
        let report = inspect(&object).expect("janusc's object");
        assert!(report.code_table, "{opt:?}");
        let elf = Elf::parse(&object).expect("ELF");
        let mut symbols: Vec<(String, u64)> = elf
            .syms
            .iter()
            .filter(|s| s.is_function() && s.st_shndx != 0)
            .map(|s| {
                let name = elf.strtab.get_at(s.st_name).unwrap_or("");
                (display_name(name), s.st_size)
            })
            .collect();
        symbols.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        assert_eq!(report.functions, symbols, "{opt:?}");
        assert!(report.functions.iter().all(|(_, size)| *size > 0));
        assert!(report.functions.iter().any(|(n, _)| n == "<entry>"));
        assert!(report.functions.iter().any(|(n, _)| n == "<C main>"));
        if opt == OptLevel::O0 {
            assert!(report.functions.iter().any(|(n, _)| n == "helper"));
        }
    }
}

#[test]
fn objects_are_reproducible() {
    assert_eq!(object(TWO, OptLevel::O2), object(TWO, OptLevel::O2));
}
