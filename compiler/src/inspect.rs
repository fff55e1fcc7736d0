//! `janusc inspect`: what is inside an executable janusc built, read back
//! with goblin: its format and entry point, size by section and by JanusVM
//! function (from the `janus.fn.*` symbols, when not stripped), the embedded
//! metadata, and a check that no `janus_` runtime symbol was left undefined.

use crate::meta::{Metadata, SECTION};
use goblin::elf::Elf;
use std::fmt;
use thiserror::Error;

/// Why an executable could not be inspected.
#[derive(Debug, Error)]
pub enum InspectError {
    /// Not an ELF file goblin can read.
    #[error("not an ELF executable: {0}")]
    NotElf(String),
}

/// What an executable holds.
#[derive(Clone, Debug)]
pub struct Report {
    /// Machine and kind, e.g. `ELF64 x86-64 position-independent executable`.
    pub kind: String,
    /// The entry point address.
    pub entry: u64,
    /// Allocated sections and their sizes, in file order.
    pub sections: Vec<(String, u64)>,
    /// JanusVM functions and their machine-code sizes, largest first.
    pub functions: Vec<(String, u64)>,
    /// Whether the symbol table was stripped.
    pub stripped: bool,
    /// The `.janus.meta` contents, if present.
    pub metadata: Option<Metadata>,
    /// `janus_` symbols left undefined (should be none).
    pub undefined_runtime: Vec<String>,
}

/// Inspects an executable's bytes.
pub fn inspect(bytes: &[u8]) -> Result<Report, InspectError> {
    let elf = Elf::parse(bytes).map_err(|e| InspectError::NotElf(e.to_string()))?;
    let machine = goblin::elf::header::machine_to_str(elf.header.e_machine);
    let kind = match elf.header.e_type {
        goblin::elf::header::ET_DYN => "position-independent executable",
        goblin::elf::header::ET_EXEC => "executable",
        _ => "object",
    };
    let mut sections = Vec::new();
    let mut metadata = None;
    for sh in &elf.section_headers {
        let name = elf.shdr_strtab.get_at(sh.sh_name).unwrap_or("");
        if name == SECTION {
            let start = sh.sh_offset as usize;
            let end = start.saturating_add(sh.sh_size as usize).min(bytes.len());
            metadata = bytes
                .get(start..end)
                .and_then(|b| std::str::from_utf8(b).ok())
                .and_then(Metadata::parse);
        }
        if sh.sh_flags & u64::from(goblin::elf::section_header::SHF_ALLOC) != 0 && sh.sh_size > 0 {
            sections.push((name.to_string(), sh.sh_size));
        }
    }
    let mut functions = Vec::new();
    let mut undefined_runtime = Vec::new();
    for sym in elf.syms.iter() {
        let name = elf.strtab.get_at(sym.st_name).unwrap_or("");
        if let Some(f) = name.strip_prefix("janus.fn.") {
            functions.push((f.to_string(), sym.st_size));
        }
        if name.starts_with("janus_") && sym.st_shndx == 0 {
            undefined_runtime.push(name.to_string());
        }
    }
    for sym in elf.dynsyms.iter() {
        let name = elf.dynstrtab.get_at(sym.st_name).unwrap_or("");
        if name.starts_with("janus_") && sym.st_shndx == 0 {
            undefined_runtime.push(name.to_string());
        }
    }
    functions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Report {
        kind: format!("ELF{} {machine} {kind}", if elf.is_64 { 64 } else { 32 }),
        entry: elf.entry,
        sections,
        functions,
        stripped: elf.syms.is_empty(),
        metadata,
        undefined_runtime,
    })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}, entry {:#x}", self.kind, self.entry)?;
        match &self.metadata {
            Some(m) => {
                writeln!(f, "built by:        {} at -O{}", m.compiler, m.opt_level)?;
                writeln!(f, "bytecode sha256: {}", m.bytecode_sha256)?;
                writeln!(
                    f,
                    "functions:       {} (bytecode sizes below)",
                    m.functions.len()
                )?;
            }
            None => writeln!(f, "no {SECTION} section: not built by janusc")?,
        }
        writeln!(f, "\nsections (allocated):")?;
        let total: u64 = self.sections.iter().map(|s| s.1).sum();
        for (name, size) in &self.sections {
            writeln!(f, "  {name:<24} {size:>10}")?;
        }
        writeln!(f, "  {:<24} {total:>10}", "total")?;
        writeln!(
            f,
            "\nJanusVM functions (machine code bytes, bytecode bytes):"
        )?;
        if self.stripped {
            writeln!(f, "  symbols stripped: machine-code sizes unavailable")?;
        }
        let bytecode = |name: &str| {
            self.metadata
                .as_ref()
                .and_then(|m| m.functions.iter().find(|(n, _)| n == name).map(|(_, s)| *s))
        };
        for (name, size) in &self.functions {
            match bytecode(name) {
                Some(b) => writeln!(f, "  {name:<24} {size:>10} {b:>10}")?,
                None => writeln!(f, "  {name:<24} {size:>10}")?,
            }
        }
        if self.undefined_runtime.is_empty() {
            writeln!(f, "\nruntime: every janus_ symbol is defined")
        } else {
            writeln!(
                f,
                "\nruntime: UNDEFINED {}",
                self.undefined_runtime.join(", ")
            )
        }
    }
}
