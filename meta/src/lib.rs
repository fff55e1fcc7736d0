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
//!
//! Machine-code sizes cannot be known here (this object is written without
//! the program's code), so they travel in a second section, `.janus.code`
//! ([`CodeSizes`]), which the backend puts into the program's own object.

pub mod inspect;

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
    pub fn new(
        bytecode: &[u8],
        module: &janus_bytecode::bytecode::Module,
        opt_level: &str,
    ) -> Self {
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
        } else if triple.starts_with("riscv64") {
            Architecture::Riscv64
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

/// The section recording each generated function's machine-code size,
/// emitted by the backend into the program's object (allocated and
/// retained, so neither `--gc-sections` nor `--strip` removes it).
pub const CODE_SECTION: &str = ".janus.code";

/// The first line of [`CODE_SECTION`].
const CODE_HEADER: &str = "janus-code 1\n";

/// Digits of each size field: any `u32`.
const SIZE_DIGITS: usize = 10;

/// Machine-code sizes, by symbol, as [`CODE_SECTION`] records them.
///
/// The section is text, one line per function the object defines, in the
/// object's order: `0000000123 janus.fn.main`, a ten-digit size and the
/// symbol. The backend emits the lines with zero sizes (the sizes exist only
/// once LLVM has emitted the code), then [`CodeSizes::fill`] writes each
/// function's ELF symbol size (`st_size`) over its zeros in the finished
/// object: a fixed-width field changes no offset, so the object stays byte
/// for byte what LLVM wrote apart from those digits, and reproducible. The
/// linker copies the section verbatim (no relocations in it), and strip
/// keeps allocated sections, which is why stripped and static executables
/// still show their function rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeSizes {
    /// Each function's symbol and machine-code size in bytes.
    pub functions: Vec<(String, u64)>,
}

impl CodeSizes {
    /// The section's contents before [`CodeSizes::fill`]: every size zero.
    pub fn placeholder<'a>(symbols: impl IntoIterator<Item = &'a str>) -> String {
        let mut s = String::from(CODE_HEADER);
        for symbol in symbols {
            s.push_str(&format!("{:0w$} {symbol}\n", 0, w = SIZE_DIGITS));
        }
        s
    }

    /// Reads the section's contents back; `None` if they are not a code
    /// table. A program built as two codegen units has two tables, one per
    /// object, which the linker concatenates: their rows are read as one.
    pub fn parse(text: &str) -> Option<Self> {
        let body = text.strip_prefix(CODE_HEADER)?;
        let mut functions = Vec::new();
        for line in body.lines() {
            if line == CODE_HEADER.trim_end() {
                continue;
            }
            let (size, symbol) = line.split_at_checked(SIZE_DIGITS)?;
            let symbol = symbol.strip_prefix(' ')?;
            functions.push((symbol.to_string(), size.parse().ok()?));
        }
        Some(CodeSizes { functions })
    }

    /// Writes each listed function's size into the [`CODE_SECTION`] of the
    /// ELF relocatable `object`, from the object's own symbol table. An
    /// object of another format is left as it is (its sizes stay zero); an
    /// ELF object whose table names a function it does not define is an
    /// error, naming the symbol.
    pub fn fill(object: &mut [u8]) -> Result<(), String> {
        let Ok(elf) = goblin::elf::Elf::parse(object) else {
            return Ok(());
        };
        let Some(section) = elf
            .section_headers
            .iter()
            .find(|sh| elf.shdr_strtab.get_at(sh.sh_name) == Some(CODE_SECTION))
        else {
            return Err(format!("the object has no {CODE_SECTION} section"));
        };
        let start = section.sh_offset as usize;
        let end = start
            .checked_add(section.sh_size as usize)
            .filter(|&end| end <= object.len())
            .ok_or_else(|| format!("{CODE_SECTION} lies outside the object"))?;
        let mut sizes = std::collections::HashMap::new();
        for sym in elf.syms.iter() {
            if sym.is_function() && sym.st_shndx != 0 {
                if let Some(name) = elf.strtab.get_at(sym.st_name) {
                    sizes.insert(name.to_string(), sym.st_size);
                }
            }
        }
        let text = std::str::from_utf8(&object[start..end])
            .ok()
            .and_then(CodeSizes::parse)
            .ok_or_else(|| format!("{CODE_SECTION} does not hold a code table"))?;
        let mut at = start + CODE_HEADER.len();
        let mut patches = Vec::new();
        for (symbol, _) in &text.functions {
            let size = *sizes.get(symbol).ok_or_else(|| {
                format!("{CODE_SECTION} names `{symbol}`, which the object does not define")
            })?;
            let digits = format!("{size:0w$}", w = SIZE_DIGITS);
            if digits.len() != SIZE_DIGITS {
                return Err(format!("`{symbol}` is {size} bytes, too large to record"));
            }
            patches.push((at, digits));
            at += SIZE_DIGITS + 1 + symbol.len() + 1;
        }
        drop(elf);
        for (at, digits) in patches {
            object[at..at + SIZE_DIGITS].copy_from_slice(digits.as_bytes());
        }
        Ok(())
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

    #[test]
    fn code_tables_round_trip_and_have_fixed_width_sizes() {
        let text = CodeSizes::placeholder(["janus.fn.main", "janus.fn.a b", "main"]);
        assert_eq!(
            text,
            "janus-code 1\n0000000000 janus.fn.main\n0000000000 janus.fn.a b\n0000000000 main\n"
        );
        let parsed = CodeSizes::parse(&text).expect("a code table");
        assert_eq!(parsed.functions[1], ("janus.fn.a b".to_string(), 0));
        assert_eq!(CodeSizes::parse("janus-meta 1\n"), None);
        assert_eq!(CodeSizes::parse("janus-code 1\n12 short\n"), None);
        let mut not_elf = b"plain bytes".to_vec();
        assert_eq!(CodeSizes::fill(&mut not_elf), Ok(()));
        assert_eq!(not_elf, b"plain bytes", "left as it is");
    }
}
