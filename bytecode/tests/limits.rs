//! The per-function limits of version 2 (issue 14) at every stage that
//! checks them: a function of `MAX_REGISTERS` registers and a signature of
//! `MAX_PARAMS` parameters are accepted by the decoder, the verifier, the
//! assembler, the disassembler and the builder, and one more is refused by
//! each with its code (D0013, V0111 or V0102, A0018,
//! `BuildError::TooManyRegisters`); a function's code past `MAX_CODE_SIZE`
//! is V0112 in memory.

use janus_bytecode::asm::{assemble, disassemble};
use janus_bytecode::bytecode::builder::{BuildError, ModuleBuilder};
use janus_bytecode::bytecode::limits::{MAX_CODE_SIZE, MAX_PARAMS, MAX_REGISTERS};
use janus_bytecode::bytecode::{decode, encode, Code, FileOffsets, Inst, Module, Opcode, Operand};
use janus_bytecode::verify::verify;
use janus_bytecode::{load, LoadError};
use janus_runtime::abi::ValType;

/// `main` returning its last register, with `registers` `i32` registers
/// and a callee `f` of `params` `i64` parameters, built in memory.
fn module(registers: usize, params: usize) -> Module {
    let mut mb = ModuleBuilder::new();
    let f = mb.declare("f", &vec![ValType::I64; params], &[]);
    let mut body = mb.body(f);
    body.ret(&[]).expect("operands");
    mb.define(body).expect("defined");
    let main = mb.declare("main", &[], &[ValType::I32]);
    let mut b = mb.body(main);
    let regs: Vec<_> = (0..registers).map(|_| b.reg(ValType::I32)).collect();
    let last = *regs.last().expect("a register");
    b.inst(Opcode::I32Const, vec![Operand::Reg(last), Operand::I32(7)])
        .expect("operands");
    b.ret(&[last]).expect("operands");
    mb.define(b).expect("within the limit");
    mb.export("main", main);
    mb.finish().expect("defined")
}

/// The codes of the errors loading `module`'s encoding gives.
fn load_codes(module: &Module) -> Vec<String> {
    match load(&encode(module)) {
        Ok(_) => vec![],
        Err(LoadError::Decode(e)) => vec![format!("{}: {}", e.code(), e.kind)],
        Err(LoadError::Verify { errors, .. }) => errors
            .iter()
            .map(|e| format!("{}: {}", e.code(), e.kind))
            .collect(),
        Err(other) => panic!("{other:?}"),
    }
}

/// The verifier's codes for `module` as built, without encoding it.
fn verify_codes(module: &Module) -> Vec<String> {
    match verify(module, &FileOffsets::default()) {
        Ok(()) => vec![],
        Err(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.code(), e.kind))
            .collect(),
    }
}

#[test]
fn a_function_of_every_register_and_a_signature_of_every_parameter_load() {
    let at_limit = module(MAX_REGISTERS as usize, MAX_PARAMS as usize);
    assert_eq!(load_codes(&at_limit), Vec::<String>::new());
    let (decoded, _) = decode(&encode(&at_limit)).expect("decodes");
    assert_eq!(decoded.functions[1].registers.len(), MAX_REGISTERS as usize);
    assert_eq!(decoded.signatures[0].params.len(), MAX_PARAMS as usize);
    // The disassembler writes them so the assembler reads them back.
    let text = disassemble(&at_limit);
    assert!(text.contains("reg r0..r65534: i32"), "{text}");
    let (reassembled, _, _) = assemble(&text).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(encode(&reassembled), encode(&at_limit));
}

#[test]
fn one_register_or_parameter_more_is_refused_with_its_code() {
    let mut registers = module(1, 0);
    registers.functions[1].registers = vec![ValType::I32; MAX_REGISTERS as usize + 1];
    assert_eq!(
        load_codes(&registers),
        ["D0013: register count 65536 exceeds the limit of 65535"]
    );
    assert_eq!(
        verify_codes(&registers),
        ["V0111: function `main` declares 65536 registers: the limit is 65535"]
    );
    let mut params = module(1, MAX_PARAMS as usize);
    params.signatures[0].params.push(ValType::I64);
    params.functions[0].registers.push(ValType::I64);
    assert_eq!(
        load_codes(&params),
        ["D0013: parameter count 256 exceeds the limit of 255"]
    );
    assert_eq!(
        verify_codes(&params),
        ["V0102: signature has 256 parameters: the limit is 255"]
    );
}

#[test]
fn code_past_sixteen_mebibytes_is_refused_in_memory() {
    let mut m = module(1, 0);
    // `br_table r0, @0, [65536 x @0]`: 262,155 bytes; 64 of them pass 16 MiB.
    let table = Inst {
        opcode: Opcode::BrTable,
        operands: vec![
            Operand::Reg(0),
            Operand::U32(0),
            Operand::Labels(vec![0; 65_536]),
        ],
    };
    let mut long = Code::new();
    while long.size() <= MAX_CODE_SIZE {
        long.push(&table).expect("operands");
    }
    for inst in m.functions[1].code.iter() {
        long.push(&inst).expect("operands");
    }
    let size = long.size();
    m.functions[1].code = long;
    assert_eq!(
        verify_codes(&m),
        [format!(
            "V0112: function `main` has {size} bytes of code: the limit is {MAX_CODE_SIZE}"
        )]
    );
}

#[test]
fn the_builder_refuses_a_register_past_the_limit() {
    let mut mb = ModuleBuilder::new();
    let main = mb.declare("main", &[], &[ValType::I32]);
    let mut b = mb.body(main);
    for _ in 0..=MAX_REGISTERS {
        b.reg(ValType::I32);
    }
    b.ret(&[0]).expect("operands");
    assert_eq!(
        mb.define(b),
        Err(BuildError::TooManyRegisters {
            func: "main".into(),
            count: MAX_REGISTERS as usize + 1,
        })
    );
}

/// The assembler's errors for `src`, as `code: message`.
fn asm_codes(src: &str) -> Vec<String> {
    match assemble(src) {
        Ok(_) => vec![],
        Err(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.code, e.message))
            .collect(),
    }
}

#[test]
fn the_assembler_takes_the_last_register_and_parameter_and_refuses_one_more() {
    let last = MAX_REGISTERS - 1;
    let main = |reg: u32| {
        format!("export main\nfunc main() -> i32\n    reg r0..r{reg}: i32\n    ret [r{reg}]\nend\n")
    };
    assert_eq!(asm_codes(&main(last)), Vec::<String>::new());
    assert_eq!(
        asm_codes(&main(last + 1)),
        ["A0018: register `r65535` is out of range: a function has at most 65535 registers"; 2]
    );
    let params = |n: u32| {
        let list: Vec<String> = (0..n).map(|i| format!("r{i}: i32")).collect();
        format!(
            "export main\nfunc f({}) -> i32\n    ret [r0]\nend\nfunc main() -> i32\n    reg r0: i32\n    ret [r0]\nend\n",
            list.join(", ")
        )
    };
    assert_eq!(asm_codes(&params(MAX_PARAMS)), Vec::<String>::new());
    assert_eq!(
        asm_codes(&params(MAX_PARAMS + 1))
            .first()
            .map(String::as_str),
        Some("A0018: too many parameters: a function has at most 255")
    );
}
