//! The backend's targets, through the library API: the list of triples this
//! janusc emits objects for, an object for each, and an unknown triple's
//! error naming them.

use janus_compiler::driver::{self, DriverError, Options, Wanted};
use janus_compiler::llvm::{self, BackendError, OptLevel};

fn object_for(triple: &str) -> Result<Vec<u8>, BackendError> {
    let src = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../samples/calls.jasm"
    ))
    .expect("sample");
    let loaded = janus_compiler::load(&src).expect("loads");
    let options = Options {
        opt: OptLevel::O2,
        target: Some(triple.to_string()),
        ..Options::default()
    };
    let wanted = Wanted {
        object: true,
        ..Wanted::default()
    };
    match driver::compile(&loaded, &options, wanted) {
        Ok(artefacts) => Ok(artefacts.object.expect("asked for")),
        Err(DriverError::Backend(e)) => Err(e),
        Err(other) => panic!("{triple}: {other}"),
    }
}

#[test]
fn the_target_list_is_sorted_and_names_each_backend() {
    let list = llvm::target_list();
    assert_eq!(
        list,
        [
            "aarch64-unknown-linux-gnu",
            "riscv64-unknown-linux-gnu",
            "x86_64-unknown-linux-gnu"
        ]
    );
    assert_eq!(list, llvm::target_list(), "deterministic");
    let version = llvm::llvm_version();
    assert!(version.starts_with("19."), "{version}");
    assert_eq!(version.split('.').count(), 3, "{version}");
}

#[test]
fn every_listed_target_gets_an_elf_object_of_its_machine() {
    use goblin::elf::header::{EM_AARCH64, EM_RISCV, EM_X86_64};
    for triple in llvm::target_list() {
        let object = object_for(&triple).unwrap_or_else(|e| panic!("{triple}: {e}"));
        let elf = goblin::elf::Elf::parse(&object).expect("an ELF object");
        let machine = match triple.split('-').next() {
            Some("aarch64") => EM_AARCH64,
            Some("riscv64") => EM_RISCV,
            _ => EM_X86_64,
        };
        assert_eq!(elf.header.e_machine, machine, "{triple}");
        assert_eq!(elf.header.e_type, goblin::elf::header::ET_REL, "{triple}");
        if machine == EM_RISCV {
            // RV64GC, lp64d: what riscv64 Linux libraries are built for.
            const EF_RISCV_RVC: u32 = 0x1;
            const EF_RISCV_FLOAT_ABI_DOUBLE: u32 = 0x4;
            assert_eq!(
                elf.header.e_flags,
                EF_RISCV_RVC | EF_RISCV_FLOAT_ABI_DOUBLE,
                "{triple}"
            );
        }
    }
}

#[test]
fn an_unknown_target_names_the_supported_ones() {
    for triple in ["nonsense-triple", "mips-unknown-linux-gnu"] {
        let err = object_for(triple).expect_err(triple);
        match &err {
            BackendError::UnknownTarget {
                triple: t,
                supported,
                ..
            } => {
                assert_eq!(t, triple);
                assert_eq!(supported, &llvm::target_list());
            }
            other => panic!("{triple}: {other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("unknown target `{triple}`: "))
                && text.ends_with(
                    "; this janusc emits objects for aarch64-unknown-linux-gnu, riscv64-unknown-linux-gnu, x86_64-unknown-linux-gnu"
                ),
            "{text}"
        );
    }
}
