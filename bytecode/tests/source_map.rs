//! The source section (format version 2): written and read back exactly,
//! and rejected by the verifier when out of order, for a function that
//! does not exist, or at a pc where no instruction starts.

use janus_bytecode::bytecode::builder::ModuleBuilder;
use janus_bytecode::bytecode::{decode, encode, Module, Opcode, Operand, SourceMap, SourceOffset};
use janus_bytecode::verify::verify;
use janus_runtime::abi::ValType;

/// `main` returning 7: instructions at pc 0 (`i32.const`, 7 bytes) and 7 (`ret`).
fn module(offsets: &[(u32, u32, u32)]) -> Module {
    let mut mb = ModuleBuilder::new();
    let main = mb.declare("main", &[], &[ValType::I32]);
    let mut f = mb.body(main);
    let r = f.reg(ValType::I32);
    f.inst(Opcode::I32Const, vec![Operand::Reg(r), Operand::I32(7)])
        .unwrap();
    f.ret(&[r]).unwrap();
    mb.define(f).unwrap();
    mb.export("main", main);
    let mut module = mb.finish().unwrap();
    module.source = Some(SourceMap {
        kind: "wasm".into(),
        offsets: offsets
            .iter()
            .map(|&(func, pc, offset)| SourceOffset { func, pc, offset })
            .collect(),
    });
    module
}

fn codes(module: &Module) -> Vec<&'static str> {
    let (decoded, offsets) = decode(&encode(module)).expect("decodes");
    match verify(&decoded, &offsets) {
        Ok(()) => Vec::new(),
        Err(errors) => errors.iter().map(|e| e.kind.code()).collect(),
    }
}

#[test]
fn a_source_map_survives_encoding_and_is_looked_up_by_pc() {
    let m = module(&[(0, 0, 0x20), (0, 7, 0x23)]);
    let (decoded, _) = decode(&encode(&m)).expect("decodes");
    assert_eq!(decoded, m);
    let source = decoded.source.expect("kept");
    assert_eq!(source.lookup(0, 7), Some(0x23));
    assert_eq!(source.lookup(0, 3), None);
    assert!(codes(&m).is_empty());
}

#[test]
fn the_verifier_rejects_a_bad_source_map() {
    assert_eq!(codes(&module(&[(0, 7, 1), (0, 0, 2)])), ["V0309"]);
    assert_eq!(codes(&module(&[(0, 0, 1), (0, 0, 2)])), ["V0309"]);
    assert_eq!(codes(&module(&[(0, 3, 1)])), ["V0310"]);
    assert_eq!(codes(&module(&[(1, 0, 1)])), ["V0207"]);
    let mut bad_kind = module(&[(0, 0, 1)]);
    bad_kind.source.as_mut().unwrap().kind = "not a name".into();
    assert_eq!(codes(&bad_kind), ["V0109"]);
}
