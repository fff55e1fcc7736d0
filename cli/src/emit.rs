//! `janusc build --emit`: which outputs a build writes, and where.
//!
//! Spelled as rustc spells it: comma-separated `KIND[=PATH]`, the option
//! repeatable and its lists adding up. A kind without a path is named after
//! `-o` when there is one (`-o out/x` puts assembly in `out/x.s`), else after
//! the input's stem in the current directory. `-o` itself names the
//! executable, or the one output when only one is asked for.

use crate::failure::Failure;
use crate::output::Content;
use std::path::{Path, PathBuf};

/// What a build can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmitKind {
    /// The SSA IR after the pass pipeline.
    Ssa,
    /// The SSA IR as constructed.
    SsaRaw,
    /// LLVM IR after optimisation.
    LlvmIr,
    /// LLVM IR before optimisation.
    LlvmIrRaw,
    /// Native assembly.
    Asm,
    /// A native object file.
    Obj,
    /// A native executable.
    Exe,
    /// A Makefile rule naming every file the build read.
    DepInfo,
}

/// Every kind, in the order `--help` lists them.
const KINDS: [(&str, EmitKind); 8] = [
    ("ssa", EmitKind::Ssa),
    ("ssa-raw", EmitKind::SsaRaw),
    ("llvm-ir", EmitKind::LlvmIr),
    ("llvm-ir-raw", EmitKind::LlvmIrRaw),
    ("asm", EmitKind::Asm),
    ("obj", EmitKind::Obj),
    ("exe", EmitKind::Exe),
    ("dep-info", EmitKind::DepInfo),
];

impl EmitKind {
    /// The extension of the kind's default file name (none for executables).
    fn extension(self) -> Option<&'static str> {
        match self {
            EmitKind::Ssa => Some("ssa"),
            EmitKind::SsaRaw => Some("raw.ssa"),
            EmitKind::LlvmIr => Some("ll"),
            EmitKind::LlvmIrRaw => Some("raw.ll"),
            EmitKind::Asm => Some("s"),
            EmitKind::Obj => Some("o"),
            EmitKind::Exe => None,
            EmitKind::DepInfo => Some("d"),
        }
    }

    /// What the output holds.
    pub fn content(self) -> Content {
        match self {
            EmitKind::Ssa
            | EmitKind::SsaRaw
            | EmitKind::LlvmIr
            | EmitKind::LlvmIrRaw
            | EmitKind::Asm
            | EmitKind::DepInfo => Content::Text,
            EmitKind::Obj => Content::Object,
            EmitKind::Exe => Content::Executable,
        }
    }
}

/// One requested output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emit {
    /// What it holds.
    pub kind: EmitKind,
    /// Where it goes; `-` is standard output.
    pub path: PathBuf,
}

/// Parses every `--emit` value and resolves each output's path. `stem` is
/// the input's stem, for names when there is no `-o`.
pub fn parse(specs: &[String], stem: &str, output: Option<&Path>) -> Result<Vec<Emit>, Failure> {
    let mut items: Vec<(EmitKind, Option<PathBuf>)> = Vec::new();
    for item in specs.iter().flat_map(|s| s.split(',')) {
        let (name, path) = match item.split_once('=') {
            Some((name, path)) => (name, Some(path)),
            None => (item, None),
        };
        let Some(&(_, kind)) = KINDS.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
            return Err(Failure::Usage(format!(
                "--emit: unknown kind `{name}`: expected one of {}, as KIND or KIND=PATH",
                names.join(", ")
            )));
        };
        if path == Some("") {
            return Err(Failure::Usage(format!(
                "--emit {name}=: expected a path after `=` (or `-` for standard output)"
            )));
        }
        let item = (kind, path.map(PathBuf::from));
        if !items.contains(&item) {
            items.push(item);
        }
    }
    if items.is_empty() {
        items.push((EmitKind::Exe, None));
    }
    // What `-o` names exactly: the executable, else the only output.
    let primary = if items.iter().any(|(k, _)| *k == EmitKind::Exe) {
        Some(EmitKind::Exe)
    } else {
        let named: Vec<EmitKind> = items
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| *k != EmitKind::DepInfo)
            .collect();
        match named.as_slice() {
            [only] => Some(*only),
            _ if items.len() == 1 => Some(items[0].0),
            _ => None,
        }
    };
    let base = match output {
        Some(o) if o != Path::new("-") => o.to_path_buf(),
        _ => PathBuf::from(stem),
    };
    if output == Some(Path::new("-")) && primary.is_none() {
        return Err(Failure::Usage(
            "-o -: --emit names several outputs, and only one can go to standard output: name each as KIND=PATH".into(),
        ));
    }
    let emits = items
        .into_iter()
        .map(|(kind, path)| {
            let path = path.unwrap_or_else(|| match (output, primary == Some(kind)) {
                (Some(o), true) => o.to_path_buf(),
                _ => match kind.extension() {
                    Some(ext) => base.with_extension(ext),
                    None => base.clone(),
                },
            });
            Emit { kind, path }
        })
        .collect();
    Ok(emits)
}

/// The Makefile rule `--emit dep-info` writes: every output file depends
/// on every file the build read, and each input also gets an empty rule, so
/// make does not fail when one is deleted (as `cc -MP` and rustc do).
pub fn dep_info(targets: &[&Path], inputs: &[&Path]) -> String {
    let escape = |p: &Path| {
        let mut out = String::new();
        for c in p.to_string_lossy().chars() {
            match c {
                ' ' => out.push_str("\\ "),
                '#' => out.push_str("\\#"),
                '$' => out.push_str("$$"),
                c => out.push(c),
            }
        }
        out
    };
    let targets: Vec<String> = targets.iter().map(|p| escape(p)).collect();
    let inputs: Vec<String> = inputs.iter().map(|p| escape(p)).collect();
    let mut text = format!("{}:", targets.join(" "));
    for input in &inputs {
        text.push(' ');
        text.push_str(input);
    }
    text.push('\n');
    for input in &inputs {
        text.push_str(&format!("\n{input}:\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(specs: &[&str], output: Option<&str>) -> Vec<(EmitKind, String)> {
        let specs: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
        parse(&specs, "prog", output.map(Path::new))
            .expect("valid")
            .into_iter()
            .map(|e| (e.kind, e.path.display().to_string()))
            .collect()
    }

    #[test]
    fn names_follow_dash_o_or_the_stem() {
        assert_eq!(paths(&[], None), [(EmitKind::Exe, "prog".into())]);
        assert_eq!(
            paths(&["exe,asm", "llvm-ir"], Some("out/x")),
            [
                (EmitKind::Exe, "out/x".into()),
                (EmitKind::Asm, "out/x.s".into()),
                (EmitKind::LlvmIr, "out/x.ll".into())
            ]
        );
        assert_eq!(
            paths(&["asm"], Some("x.asm")),
            [(EmitKind::Asm, "x.asm".into())]
        );
        assert_eq!(
            paths(&["asm,ssa"], Some("out/x")),
            [
                (EmitKind::Asm, "out/x.s".into()),
                (EmitKind::Ssa, "out/x.ssa".into())
            ]
        );
        assert_eq!(
            paths(&["obj,dep-info"], Some("o/p.o")),
            [
                (EmitKind::Obj, "o/p.o".into()),
                (EmitKind::DepInfo, "o/p.d".into())
            ]
        );
        assert_eq!(paths(&["ssa=-"], None), [(EmitKind::Ssa, "-".into())]);
    }

    #[test]
    fn dep_info_escapes_and_adds_empty_rules() {
        let text = dep_info(
            &[Path::new("out/my prog")],
            &[Path::new("a$b.jasm"), Path::new("#c")],
        );
        assert_eq!(
            text,
            "out/my\\ prog: a$$b.jasm \\#c\n\na$$b.jasm:\n\n\\#c:\n"
        );
    }
}
