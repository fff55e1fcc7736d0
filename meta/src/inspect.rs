//! `janusc inspect`: what is inside an executable janusc built, read back
//! with goblin: its format and entry point, size by section and by JanusVM
//! function, the embedded metadata, and a check that no `janus_` runtime
//! symbol was left undefined.
//!
//! Function sizes come from the `.janus.code` section the backend writes
//! into every program object ([`CodeSizes`]): it is allocated, so it
//! survives `--strip` and static linking alike. For executables of an older
//! janusc without it, the `janus.fn.*` symbols are the fallback, when not
//! stripped. A file with neither `.janus.meta` nor `.janus.code` was not
//! built by janusc, and says so.

use crate::{CodeSizes, Metadata, CODE_SECTION, SECTION};
use goblin::elf::Elf;
use std::fmt;
use thiserror::Error;

/// Why an executable could not be inspected.
#[derive(Debug, Error)]
pub enum InspectError {
    /// Not an ELF file goblin can read.
    #[error("not an ELF executable: {0}")]
    NotElf(String),
    /// An ELF file without JanusVM's sections (`/bin/true`, a gcc build).
    #[error("not built by janusc: this {kind} has no {SECTION} section, which janusc puts in every executable it builds")]
    NotBuiltByJanusc {
        /// What it is, e.g. `ELF64 x86-64 position-independent executable`.
        kind: String,
    },
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
    /// Generated functions and their machine-code sizes, largest first:
    /// JanusVM functions by their bytecode names (recursion copies as
    /// `NAME.1`, ...), `<entry>` for the wrapper the runtime calls `main`
    /// through, `<C main>` for the process entry.
    pub functions: Vec<(String, u64)>,
    /// JanusVM functions without machine code of their own: inlined into
    /// their callers (or never called), in bytecode order.
    pub inlined: Vec<String>,
    /// Whether the sizes came from `.janus.code` (else from symbols).
    pub code_table: bool,
    /// Whether the symbol table was stripped.
    pub stripped: bool,
    /// The `.janus.meta` contents, if present.
    pub metadata: Option<Metadata>,
    /// `janus_` symbols left undefined (should be none).
    pub undefined_runtime: Vec<String>,
}

/// The name a report gives a function symbol of the program object.
pub fn display_name(symbol: &str) -> String {
    match symbol {
        "janus.entry" => "<entry>".to_string(),
        "main" => "<C main>".to_string(),
        _ => symbol
            .strip_prefix("janus.fn.")
            .unwrap_or(symbol)
            .to_string(),
    }
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
    let kind = format!("ELF{} {machine} {kind}", if elf.is_64 { 64 } else { 32 });
    let mut sections = Vec::new();
    let mut metadata = None;
    let mut code = None;
    let mut janus_sections = false;
    for sh in &elf.section_headers {
        let name = elf.shdr_strtab.get_at(sh.sh_name).unwrap_or("");
        let text = || {
            let start = sh.sh_offset as usize;
            let end = start.saturating_add(sh.sh_size as usize).min(bytes.len());
            bytes
                .get(start..end)
                .and_then(|b| std::str::from_utf8(b).ok())
        };
        if name == SECTION {
            janus_sections = true;
            metadata = text().and_then(Metadata::parse);
        }
        if name == CODE_SECTION {
            janus_sections = true;
            code = text().and_then(CodeSizes::parse);
        }
        if sh.sh_flags & u64::from(goblin::elf::section_header::SHF_ALLOC) != 0 && sh.sh_size > 0 {
            sections.push((name.to_string(), sh.sh_size));
        }
    }
    if !janus_sections {
        return Err(InspectError::NotBuiltByJanusc { kind });
    }
    let code_table = code.is_some();
    let mut functions: Vec<(String, u64)> = code.map_or_else(Vec::new, |c| {
        c.functions
            .iter()
            .map(|(symbol, size)| (display_name(symbol), *size))
            .collect()
    });
    let mut undefined_runtime = Vec::new();
    for sym in elf.syms.iter() {
        let name = elf.strtab.get_at(sym.st_name).unwrap_or("");
        if let (false, Some(f)) = (code_table, name.strip_prefix("janus.fn.")) {
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
    let inlined = match (&metadata, code_table) {
        (Some(m), true) => m
            .functions
            .iter()
            .map(|(name, _)| name)
            .filter(|name| !functions.iter().any(|(f, _)| f == *name))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    Ok(Report {
        kind,
        entry: elf.entry,
        sections,
        functions,
        inlined,
        code_table,
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
            None => writeln!(f, "no {SECTION} section: an object file, or damaged")?,
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
        if self.stripped && !self.code_table {
            writeln!(
                f,
                "  no {CODE_SECTION} section and symbols stripped: machine-code sizes unavailable"
            )?;
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
        for name in &self.inlined {
            let b = bytecode(name).unwrap_or(0);
            writeln!(f, "  {name:<24} {:>10} {b:>10}", "inlined")?;
        }
        if self.functions.iter().any(|(name, _)| name == "<entry>") {
            writeln!(
                f,
                "  (<entry>: the wrapper the runtime calls main through; an inlined function's code is in its callers')"
            )?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_executable_janusc_did_not_build_says_so() {
        let Ok(bytes) = std::fs::read("/bin/true") else {
            return;
        };
        let err = inspect(&bytes).expect_err("/bin/true has no .janus.meta");
        assert!(
            matches!(&err, InspectError::NotBuiltByJanusc { kind } if kind.starts_with("ELF")),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.starts_with("not built by janusc: this ELF") && text.contains(".janus.meta"),
            "{text}"
        );
        assert!(matches!(
            inspect(b"not an ELF"),
            Err(InspectError::NotElf(_))
        ));
    }

    #[test]
    fn symbol_names_become_report_names() {
        assert_eq!(display_name("janus.fn.std.print"), "std.print");
        assert_eq!(display_name("janus.fn.fib.1"), "fib.1");
        assert_eq!(display_name("janus.entry"), "<entry>");
        assert_eq!(display_name("main"), "<C main>");
    }
}
