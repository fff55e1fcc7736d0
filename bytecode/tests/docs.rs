//! `docs/ISA.md` is the specification users write programs from; it must not
//! drift from the tables the toolchain is generated from. Every mnemonic,
//! device operation, trap kind, error and warning code must appear in it.

use janus_bytecode::bytecode::Opcode;
use janus_runtime::abi::{TrapKind, DEVICE_OPS};
use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `"X0123"`-shaped error code written in a source file.
fn error_codes(source: &str, prefix: char) -> Vec<String> {
    let bytes = source.as_bytes();
    let mut codes = Vec::new();
    for i in 0..bytes.len().saturating_sub(6) {
        let candidate = &source[i..i + 7];
        let b = candidate.as_bytes();
        if b[0] == b'"'
            && b[1] == prefix as u8
            && b[2..6].iter().all(u8::is_ascii_digit)
            && b[6] == b'"'
        {
            codes.push(candidate[1..6].to_string());
        }
    }
    assert!(!codes.is_empty(), "no {prefix} codes found");
    codes
}

#[test]
fn the_specification_covers_every_table_entry() {
    let spec = read("../docs/ISA.md");
    let mut missing = Vec::new();
    for op in Opcode::ALL {
        if !spec.contains(&format!("`{}`", op.mnemonic()))
            && !spec.contains(&format!("`{} ", op.mnemonic()))
        {
            missing.push(format!("opcode {}", op.mnemonic()));
        }
    }
    for op in DEVICE_OPS {
        if !spec.contains(op.name) {
            missing.push(format!("device operation {}", op.name));
        }
    }
    for kind in TrapKind::ALL {
        if !spec.contains(kind.name()) {
            missing.push(format!("trap {}", kind.name()));
        }
    }
    let sources = [
        ("src/bytecode/decode/error.rs", 'D'),
        ("src/verify/error.rs", 'V'),
        ("src/asm/error.rs", 'A'),
        ("src/asm/error.rs", 'W'),
        ("../wasm/src/error.rs", 'M'),
    ];
    for (file, prefix) in sources {
        for code in error_codes(&read(file), prefix) {
            if !spec.contains(&code) {
                missing.push(format!("error code {code}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/ISA.md does not mention: {missing:?}"
    );
}

/// Each opcode's row in the specification's instruction tables names, in
/// its last column, exactly the traps the opcode table gives it (`oob`
/// abbreviates `out of bounds memory access` in the memory tables).
#[test]
fn the_specification_names_each_opcodes_traps() {
    let spec = read("../docs/ISA.md");
    let mut wrong = Vec::new();
    for op in Opcode::ALL {
        let prefix = format!("| `{:#04x}` |", op.byte());
        let Some(row) = spec.lines().find(|l| l.starts_with(&prefix)) else {
            wrong.push(format!("{op}: no row"));
            continue;
        };
        let cells: Vec<&str> = row.trim_end_matches('|').split('|').collect();
        let column = cells.last().expect("a trap column");
        let expected: Vec<TrapKind> = op.traps().iter().flat_map(|t| t.kinds()).copied().collect();
        for &kind in TrapKind::ALL {
            let named = column.contains(kind.name())
                || (kind == TrapKind::OutOfBounds && column.contains("oob"));
            if named != expected.contains(&kind) {
                wrong.push(format!(
                    "{op}: `{}` {}",
                    kind.name(),
                    if named {
                        "named but not in the table"
                    } else {
                        "in the table but not named"
                    }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
