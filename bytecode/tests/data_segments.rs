//! Passive data segments (docs/ISA.md §3.1, §5.7, §7.6): the mode byte of
//! format version 2, `memory.init` and `data.drop` operands, and the
//! assembler's `data passive` forms, each read back byte for byte.

use janus_bytecode::asm::{assemble, disassemble};
use janus_bytecode::bytecode::builder::ModuleBuilder;
use janus_bytecode::bytecode::{decode, encode, DataKind, DecodeErrorKind, Opcode, Operand};
use janus_bytecode::load;
use janus_runtime::abi::{self, ValType};

/// Two active segments around a named and an unnamed passive one, used by
/// `memory.init` by label and by index and dropped by label.
const SOURCE: &str = "\
memory 1, 1
data first: \"ab\"
data passive greeting: \"Hello\\n\"
data passive, 1, 2, 3
data second: \"cd\"
export main

func main() -> i32
    reg r0..r3: i32
    i32.const r1, second
    i32.const r2, 0
    i32.const r3, len(greeting)
    memory.init greeting, r1, r2, r3
    memory.init 2, r1, r2, r2
    data.drop greeting
    data.drop 0
    ret [r0]
end
";

fn code_of(module: &janus_bytecode::bytecode::Module) -> Vec<(Opcode, Vec<Operand>)> {
    module.functions[0]
        .code
        .iter()
        .map(|inst| (inst.opcode, inst.operands))
        .collect()
}

#[test]
fn passive_segments_assemble_in_one_index_space_with_active_ones() {
    let loaded = load(SOURCE.as_bytes()).expect("assembles and verifies");
    let kinds: Vec<DataKind> = loaded.module.data.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            DataKind::Active { offset: 0 },
            DataKind::Passive,
            DataKind::Passive,
            // Placed after the previous active segment: passive ones take no room.
            DataKind::Active { offset: 2 },
        ]
    );
    assert_eq!(loaded.module.data[1].bytes, b"Hello\n");
    let code = code_of(&loaded.module);
    assert_eq!(code[0].1[1], Operand::I32(2), "`second` is at 2");
    assert_eq!(code[2].1[1], Operand::I32(6), "len(greeting)");
    assert_eq!(code[3].1[0], Operand::U32(1), "greeting is segment 1");
    assert_eq!(code[4].1[0], Operand::U32(2));
    assert_eq!(code[5], (Opcode::DataDrop, vec![Operand::U32(1)]));
    assert_eq!(code[6], (Opcode::DataDrop, vec![Operand::U32(0)]));
    assert_eq!(
        abi::heap_base(loaded.module.active_data()),
        16,
        "the heap starts past active segments only"
    );
}

#[test]
fn passive_segments_round_trip_through_bytes_and_text() {
    let loaded = load(SOURCE.as_bytes()).expect("assembles and verifies");
    let bytes = encode(&loaded.module);
    let (decoded, _) = decode(&bytes).expect("decodes");
    assert_eq!(decoded, loaded.module);

    let text = disassemble(&loaded.module);
    assert!(text.contains("data passive, \"Hello\\n\"\n"), "{text}");
    assert!(
        text.contains("data passive, \"\\x01\\x02\\x03\"\n"),
        "{text}"
    );
    assert!(text.contains("    memory.init 1, r1, r2, r3\n"), "{text}");
    assert!(text.contains("    data.drop 0\n"), "{text}");
    let (again, _, _) = assemble(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(encode(&again), bytes, "{text}");
}

#[test]
fn the_builder_numbers_active_and_passive_segments_together() {
    let mut mb = ModuleBuilder::new();
    mb.memory(1, 1);
    assert_eq!(mb.data(8, b"x".to_vec()), 0);
    assert_eq!(mb.passive_data(b"yz".to_vec()), 1);
    let main = mb.declare("main", &[], &[ValType::I32]);
    let mut f = mb.body(main);
    let r = f.reg(ValType::I32);
    f.inst(Opcode::DataDrop, vec![Operand::U32(1)])
        .expect("operands match");
    f.ret(&[r]).expect("operands match");
    mb.define(f).expect("defined once");
    mb.export("main", main);
    let module = mb.finish().expect("complete");
    let text = "memory 1, 1\ndata 0x8, \"x\"\ndata passive, \"yz\"\nexport main\nfunc main() -> i32\n    reg r0: i32\n    data.drop 1\n    ret [r0]\nend\n";
    let (assembled, _, _) = assemble(text).expect("assembles");
    assert_eq!(encode(&module), encode(&assembled));
}

#[test]
fn a_segment_mode_other_than_active_or_passive_is_refused() {
    let loaded = load(SOURCE.as_bytes()).expect("assembles and verifies");
    let mut bytes = encode(&loaded.module);
    // The data section (id 6): id, size, count, then the first mode byte.
    let data = bytes
        .windows(3)
        .position(|w| w[0] == 6 && w[2] == 4)
        .expect("a data section of 4 segments");
    let mode = data + 3;
    assert_eq!(bytes[mode], 0x00);
    bytes[mode] = 0x02;
    let err = decode(&bytes).expect_err("mode 2 is no mode");
    assert_eq!(err.kind, DecodeErrorKind::BadDataMode { byte: 2 });
    assert_eq!(err.code(), "D0026");
    assert_eq!(err.offset, mode);
}

#[test]
fn only_active_segments_must_fit_the_initial_memory() {
    let src = "data passive, zero 100000\nexport main\nfunc main() -> i32\n    reg r0: i32\n    ret [r0]\nend\n";
    load(src.as_bytes()).expect("a passive segment needs no memory");
}

#[test]
fn passive_segments_neither_move_labels_nor_overlap() {
    let src = "memory 1, 1\ndata a 0x10: \"xy\"\ndata passive p: zero 64\ndata b: \"z\"\ndata passive, zero 8\nexport main\nfunc main() -> i32\n    reg r0: i32\n    i32.const r0, b\n    ret [r0]\nend\n";
    let (module, _, warnings) = assemble(src).expect("assembles");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(module.data[2].kind, DataKind::Active { offset: 0x12 });
}

#[test]
fn passive_is_a_label_where_a_colon_or_an_address_follows() {
    let src = "memory 1, 1\ndata passive: \"p\"\ndata passive 0x20: \"q\"\nexport main\nfunc main() -> i32\n    reg r0: i32\n    ret [r0]\nend\n";
    let err = assemble(src).expect_err("`passive` defined twice");
    assert_eq!(err[0].code, "A0020", "{err:?}");
    let src = "memory 1, 1\ndata passive: \"p\"\nexport main\nfunc main() -> i32\n    reg r0: i32\n    i32.const r0, passive\n    ret [r0]\nend\n";
    let (module, _, _) = assemble(src).expect("a label named passive");
    assert_eq!(module.data[0].kind, DataKind::Active { offset: 0 });
}

#[test]
fn a_passive_label_has_a_length_but_no_address() {
    let with = |operand: &str| {
        format!("memory 1, 1\ndata passive msg: \"hi\"\nconst C = 3\nexport main\nfunc main() -> i32\n    reg r0: i32\n    {operand}\n    ret [r0]\nend\n")
    };
    let (module, _, _) = assemble(&with("i32.const r0, len(msg)")).expect("a length");
    assert_eq!(code_of(&module)[0].1[1], Operand::I32(2));
    let err = assemble(&with("i32.const r0, msg")).expect_err("no address");
    assert_eq!(err[0].code, "A0028", "{err:?}");
    assert!(err[0].message.contains("passive"), "{}", err[0].message);
    let err = assemble(&with("data.drop C")).expect_err("a constant is no segment");
    assert_eq!(err[0].code, "A0027", "{err:?}");
    let err = assemble(&with("data.drop nothing")).expect_err("no such segment");
    assert_eq!(err[0].code, "A0027", "{err:?}");
}

#[test]
fn a_passive_directive_without_its_comma_says_how_to_write_one() {
    for line in ["data passive", "data passive \"x\""] {
        let src = format!(
            "{line}\nexport main\nfunc main() -> i32\n    reg r0: i32\n    ret [r0]\nend\n"
        );
        let err = assemble(&src).expect_err("no `,` or label after `passive`");
        assert_eq!(err[0].code, "A0005", "{line}: {err:?}");
        assert!(
            err[0].message.contains("`data passive, …`"),
            "{line}: {}",
            err[0].message
        );
    }
}
