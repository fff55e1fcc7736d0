//! What JanusVM adds to every executable about itself: a read-only
//! `.janus.meta` section (flagged `SHF_GNU_RETAIN` so `--gc-sections` keeps it), written as its own small object with the `object`
//! crate and linked beside the program. It names the compiler and its
//! version, the SHA-256 of the program's bytecode, the optimisation level and
//! every function with its bytecode size; `janusc inspect` reads it back.
//! Traps need no pc table: each trap site passes its function index and pc to
//! the runtime as constants.
//!
//! The format is line-oriented text, `key value`, so a person can read it with
//! `objdump -s -j .janus.meta`.

use object::write::{Object, StreamingBuffer};
use object::{Architecture, BinaryFormat, Endianness, FileFlags, SectionFlags, SectionKind};
use sha2::{Digest, Sha256};

/// The section's name.
pub const SECTION: &str = ".janus.meta";

/// The metadata of one executable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// `janusc <version>`.
    pub compiler: String,
    /// SHA-256 of the program's `.jbc` encoding, hex.
    pub bytecode_sha256: String,
    /// The optimisation level, as given to `-O`.
    pub opt_level: String,
    /// Each function's name and bytecode size in bytes.
    pub functions: Vec<(String, u32)>,
}

impl Metadata {
    /// The metadata of a program.
    pub fn new(bytecode: &[u8], module: &crate::bytecode::Module, opt_level: &str) -> Self {
        Metadata {
            compiler: format!("janusc {}", env!("CARGO_PKG_VERSION")),
            bytecode_sha256: hex(&Sha256::digest(bytecode)),
            opt_level: opt_level.to_string(),
            functions: module
                .functions
                .iter()
                .map(|f| (f.name.clone(), *f.pcs().last().unwrap_or(&0)))
                .collect(),
        }
    }

    /// The section's contents.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "janus-meta 1\ncompiler {}\nbytecode-sha256 {}\nopt-level {}\n",
            self.compiler, self.bytecode_sha256, self.opt_level
        );
        for (name, size) in &self.functions {
            s.push_str(&format!("function {name} {size}\n"));
        }
        s
    }

    /// Reads the section's contents back; `None` if they are not metadata.
    pub fn parse(text: &str) -> Option<Self> {
        let mut lines = text.lines();
        if lines.next()? != "janus-meta 1" {
            return None;
        }
        let mut meta = Metadata {
            compiler: String::new(),
            bytecode_sha256: String::new(),
            opt_level: String::new(),
            functions: vec![],
        };
        for line in lines {
            let (key, value) = line.split_once(' ')?;
            match key {
                "compiler" => meta.compiler = value.to_string(),
                "bytecode-sha256" => meta.bytecode_sha256 = value.to_string(),
                "opt-level" => meta.opt_level = value.to_string(),
                "function" => {
                    let (name, size) = value.rsplit_once(' ')?;
                    meta.functions.push((name.to_string(), size.parse().ok()?));
                }
                _ => {}
            }
        }
        Some(meta)
    }

    /// An ELF relocatable object holding only the metadata section, for the
    /// architecture of `triple`.
    pub fn to_object(&self, triple: &str) -> Vec<u8> {
        let arch = if triple.starts_with("aarch64") {
            Architecture::Aarch64
        } else {
            Architecture::X86_64
        };
        let mut obj = Object::new(BinaryFormat::Elf, arch, Endianness::Little);
        // GNU ld honours SHF_GNU_RETAIN only in objects of the GNU OS ABI.
        obj.flags = FileFlags::Elf {
            os_abi: object::elf::ELFOSABI_GNU,
            abi_version: 0,
            e_flags: 0,
        };
        let section = obj.add_section(
            Vec::new(),
            SECTION.as_bytes().to_vec(),
            SectionKind::ReadOnlyData,
        );
        obj.append_section_data(section, self.to_text().as_bytes(), 1);
        // Allocated and retained: `--gc-sections` would drop it otherwise,
        // and nothing refers to it.
        obj.section_mut(section).flags = SectionFlags::Elf {
            sh_flags: u64::from(object::elf::SHF_ALLOC) | u64::from(object::elf::SHF_GNU_RETAIN),
        };
        // An object without this note makes the linker ask for an
        // executable stack for the whole program.
        obj.add_section(
            Vec::new(),
            b".note.GNU-stack".to_vec(),
            SectionKind::Elf(object::elf::SHT_PROGBITS),
        );
        let mut out = StreamingBuffer::new(Vec::new());
        obj.emit(&mut out).expect("writing to memory cannot fail");
        out.into_inner()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_through_text() {
        let meta = Metadata {
            compiler: "janusc 9.9.9".into(),
            bytecode_sha256: "ab".repeat(32),
            opt_level: "2".into(),
            functions: vec![("main".into(), 12), ("std.print".into(), 40)],
        };
        assert_eq!(Metadata::parse(&meta.to_text()), Some(meta.clone()));
        assert!(!meta.to_object("x86_64-unknown-linux-gnu").is_empty());
    }
}
