//! Several results (docs/ISA.md §5.1, §6.5): the syntax and its canonical
//! form, the limit of 255, and the verifier's rules for modules no file or
//! text can hold. (Version 1's one result at most is in `versions.rs`.)

use janus_bytecode::asm::disassemble;
use janus_bytecode::bytecode::builder::ModuleBuilder;
use janus_bytecode::bytecode::limits::MAX_RESULTS;
use janus_bytecode::bytecode::{decode, encode, FileOffsets, Opcode, Operand, Signature};
use janus_bytecode::verify::{verify, VerifyErrorKind};
use janus_bytecode::{load, LoadError};
use janus_runtime::abi::ValType;

const DIVMOD: &str = "\
table divmod
export main

func divmod(r0: i32, r1: i32) -> (i32, i32)
    reg r2..r3: i32
    i32.div_s r2, r0, r1
    i32.rem_s r3, r0, r1
    ret [r2, r3]
end

func main() -> i32
    reg r0..r2: i32
    i32.const r0, 7
    i32.const r1, 2
    call divmod, [r0, r1], [r0, r1]
    call_indirect (i32, i32) -> (i32, i32), r2, [r1, r0], [r0, r1]
    ret [r0]
end
";

#[test]
fn several_results_assemble_and_disassemble_to_the_same_bytes() {
    let loaded = load(DIVMOD.as_bytes()).expect("divmod assembles");
    let sig = &loaded.module.signatures[0];
    assert_eq!(sig.results, [ValType::I32, ValType::I32]);
    assert_eq!(sig.to_string(), "(i32, i32) -> (i32, i32)");
    let text = disassemble(&loaded.module);
    assert!(text.contains("type (i32, i32) -> (i32, i32)\n"), "{text}");
    assert!(
        text.contains("func divmod(r0: i32, r1: i32) -> (i32, i32)\n"),
        "{text}"
    );
    assert!(
        text.contains("call_indirect (i32, i32) -> (i32, i32), r2, [r1, r0], [r0, r1]"),
        "{text}"
    );
    let again = load(text.as_bytes()).expect("the disassembly assembles");
    assert_eq!(encode(&again.module), loaded.bytes);
}

#[test]
fn a_parenthesised_single_result_is_the_plain_one() {
    let plain = load(b"export main\nfunc main() -> i32\n    reg r0: i32\n    ret [r0]\nend\n")
        .expect("plain");
    let parenthesised =
        load(b"export main\nfunc main() -> (i32)\n    reg r0: i32\n    ret [r0]\nend\n")
            .expect("parenthesised");
    assert_eq!(plain.bytes, parenthesised.bytes);
}

#[test]
fn the_limit_is_255_results_in_text_and_in_files() {
    let types = |n: usize| vec!["f64"; n].join(", ");
    let regs = |n: usize| {
        (0..n)
            .map(|i| format!("r{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let n = MAX_RESULTS as usize;
    let src = format!(
        "export main\nfunc many() -> ({})\n    reg r0..r{}: f64\n    ret [{}]\nend\n\
         func main() -> i32\n    reg r0..r{}: f64\n    reg r{n}: i32\n    call many, [{}], []\n    ret [r{n}]\nend\n",
        types(n),
        n - 1,
        regs(n),
        n - 1,
        regs(n)
    );
    let loaded = load(src.as_bytes()).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(loaded.module.signatures[0].results.len(), n);
    let again = load(disassemble(&loaded.module).as_bytes()).expect("round trip");
    assert_eq!(again.bytes, loaded.bytes);

    // One more, in a file: the decoder's limit, at the count.
    let mut module = loaded.module.clone();
    module.signatures[0].results.push(ValType::F64);
    let err = decode(&encode(&module)).expect_err("256 results");
    assert_eq!(err.code(), "D0013", "{err}");
    assert!(err.to_string().contains("result count 256"), "{err}");
}

/// A verified `main` of no results calling a function of two i32 results
/// with `results` as its result list.
fn caller(results: Vec<u16>) -> Vec<VerifyErrorKind> {
    let mut mb = ModuleBuilder::new();
    let pair = mb.declare("pair", &[], &[ValType::I32, ValType::I32]);
    let main = mb.declare("main", &[], &[ValType::I32]);
    let mut b = mb.body(pair);
    let r = b.reg(ValType::I32);
    b.ret(&[r, r]).expect("ret");
    mb.define(b).expect("pair");
    let mut b = mb.body(main);
    let r0 = b.reg(ValType::I32);
    b.reg(ValType::I32);
    b.inst(
        Opcode::Call,
        vec![
            Operand::U32(0),
            Operand::Regs(results),
            Operand::Regs(vec![]),
        ],
    )
    .expect("call");
    b.ret(&[r0]).expect("ret");
    mb.define(b).expect("main");
    mb.export("main", main);
    let module = mb.finish().expect("module");
    match verify(&module, &FileOffsets::default()) {
        Ok(()) => vec![],
        Err(errors) => errors.into_iter().map(|e| e.kind).collect(),
    }
}

#[test]
fn a_result_list_names_each_register_once() {
    assert_eq!(caller(vec![0, 1]), vec![]);
    assert_eq!(
        caller(vec![1, 1]),
        vec![VerifyErrorKind::DuplicateResult { reg: 1 }]
    );
    assert_eq!(
        caller(vec![0]),
        vec![VerifyErrorKind::Arity {
            target: "`pair`".into(),
            what: "results",
            found: 1,
            expected: 2
        }]
    );
}

#[test]
fn a_module_in_memory_with_too_many_results_is_refused() {
    let mut module = load(DIVMOD.as_bytes()).expect("divmod").module;
    module.signatures.push(Signature {
        params: vec![ValType::I64],
        results: vec![ValType::I32; MAX_RESULTS as usize + 1],
    });
    let errors = verify(&module, &FileOffsets::default()).expect_err("256 results");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code(), "V0214");
    assert_eq!(
        errors[0].kind.to_string(),
        "signature has 256 results: the limit is 255"
    );
    // A file cannot hold it: the decoder refuses it first.
    assert!(matches!(
        load(&encode(&module)),
        Err(LoadError::Decode(e)) if e.code() == "D0013"
    ));
}
