//! What only a module's encoding can get wrong, for the `verify` target.
//!
//! The modules [`crate::hostile`] builds always encode and decode back to
//! themselves, so they never reach the decoder checks for what a [`Module`]
//! cannot hold: a global's mutability byte other than 0 or 1 (D0021), a
//! global's type byte naming no type (D0015), a data segment's mode byte
//! other than 0 or 1 (D0026), a version-1 header over a global section
//! (D0020). Random bytes (the `load` target) reach them only by luck, deep
//! inside a file. Here one such change is made to a built module's
//! encoding, and the one result the decoder must give for it is known
//! without decoding: the error's code and offset, or, for a version-1
//! header over a module without globals, the very same module (version 1 is
//! version 2 without the global section, docs/ISA.md §3). A version-1
//! header goes only over modules without data, and over a table only where
//! a global section follows it: their version-2 encodings differ (segments
//! start with a mode byte, table entries are f + 1), so version 1 would
//! read other segments or other entries.
//!
//! Offsets are found from the module and the decoder's [`FileOffsets`] for
//! the undamaged bytes, and by walking the section headers: the encoding is
//! the one `encode` writes, so every step is fixed by the format.

use arbitrary::{Result, Unstructured};
use janus_bytecode::bytecode::{FileOffsets, Module};

use crate::hostile::seldom;

/// The id byte of the global section (docs/ISA.md §3.1).
const GLOBAL_SECTION: u8 = 8;

/// A module's encoding with one change, and what decoding it must give.
#[derive(Debug)]
pub struct Damaged {
    /// The changed bytes.
    pub bytes: Vec<u8>,
    /// What the decoder must make of them.
    pub expect: Expect,
}

/// What the decoder must make of [`Damaged`] bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Expect {
    /// Refuse them with this code, pointing at this offset.
    Error {
        /// The decoder's error code.
        code: &'static str,
        /// Where the error points.
        offset: usize,
    },
    /// The undamaged module, with the same offsets.
    Same,
}

/// One time in eight, a change to `bytes`, the encoding of `module` whose
/// decoder offsets are `offsets`: the version set to 1, a global's
/// mutability or type byte or a data segment's mode byte made invalid.
/// `None` otherwise, or when the module has nothing of the kind to damage.
pub fn damage(
    u: &mut Unstructured,
    module: &Module,
    bytes: &[u8],
    offsets: &FileOffsets,
) -> Result<Option<Damaged>> {
    if !seldom(u, 8)? {
        return Ok(None);
    }
    let mut out = bytes.to_vec();
    let expect = match u.int_in_range(0..=3)? {
        0 if module.data.is_empty() && (module.table.is_empty() || !module.globals.is_empty()) => {
            out[4..8].copy_from_slice(&1u32.to_le_bytes());
            // The type section comes first, so its signatures are read
            // before the global section is reached.
            let several = module.signatures.iter().position(|s| s.results.len() > 1);
            match (several, section_at(bytes, GLOBAL_SECTION)) {
                (Some(sig), _) => Expect::Error {
                    code: "D0016",
                    offset: result_count_at(module, offsets, sig),
                },
                (None, Some(offset)) => Expect::Error {
                    code: "D0020",
                    offset,
                },
                (None, None) => Expect::Same,
            }
        }
        1 if !module.globals.is_empty() => {
            let offset = mutability_at(module, offsets, u.choose_index(module.globals.len())?);
            out[offset] = u.int_in_range(2..=u8::MAX)?;
            Expect::Error {
                code: "D0021",
                offset,
            }
        }
        2 if !module.globals.is_empty() => {
            let offset = mutability_at(module, offsets, u.choose_index(module.globals.len())?) - 1;
            out[offset] = *u.choose(&[0, 5, 0x7f, 0x80, u8::MAX])?;
            Expect::Error {
                code: "D0015",
                offset,
            }
        }
        3 if !module.data.is_empty() => {
            // A segment starts with its mode byte.
            let offset = offsets.data[u.choose_index(module.data.len())?];
            out[offset] = u.int_in_range(2..=u8::MAX)?;
            Expect::Error {
                code: "D0026",
                offset,
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(Damaged { bytes: out, expect }))
}

/// The offset of signature `s`'s result count: after its parameter count
/// (a LEB128 integer) and its parameters' type bytes.
fn result_count_at(module: &Module, offsets: &FileOffsets, s: usize) -> usize {
    let params = module.signatures[s].params.len();
    offsets.signatures[s] + leb_len(params) + params
}

/// The offset of global `g`'s mutability byte: after its name (a LEB128
/// length, the bytes) and its type byte.
fn mutability_at(module: &Module, offsets: &FileOffsets, g: usize) -> usize {
    let name = module.globals[g].name.len();
    offsets.globals[g] + leb_len(name) + name + 1
}

/// The offset of section `id`'s id byte in the well-formed `bytes`, if the
/// section is there.
fn section_at(bytes: &[u8], id: u8) -> Option<usize> {
    let mut pos = 8;
    while pos < bytes.len() {
        if bytes[pos] == id {
            return Some(pos);
        }
        let (size, len) = leb(&bytes[pos + 1..]);
        pos += 1 + len + size;
    }
    None
}

/// A LEB128 integer at the start of `bytes`, and its length.
fn leb(bytes: &[u8]) -> (usize, usize) {
    let mut value = 0;
    for (i, &b) in bytes.iter().enumerate() {
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    panic!("a well-formed encoding's LEB128 integers end")
}

/// How many bytes the LEB128 encoding of `n` takes.
fn leb_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}
