//! Any text given to the assembler must assemble or give errors, never panic;
//! whatever assembles and verifies must keep the verifier's promises and
//! survive the disassembler round trip byte for byte.
#![no_main]

use janus_bytecode::{asm, bytecode, load};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.starts_with('\0') {
        return;
    }
    let Ok(loaded) = load(text.as_bytes()) else {
        return;
    };
    janus_fuzz::promise::check(&loaded.module);
    let again = asm::disassemble(&loaded.module);
    let (reassembled, _, _) =
        asm::assemble(&again).expect("the disassembly of a verified module assembles");
    assert_eq!(bytecode::encode(&reassembled), loaded.bytes);
});
