//! `janusc inspect` from the outside: every executable janusc builds shows a
//! row per JanusVM function, stripped or not, static or not (the sizes come
//! from the `.janus.code` section, which strip keeps), and an executable
//! janusc did not build is named as such.

mod common;

use common::{janusc, root};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds `samples/NAME.jasm` with `flags` into `dir/out`.
fn build(name: &str, out: &str, flags: &[&str], dir: &Path) -> PathBuf {
    let src = root().join(format!("samples/{name}.jasm"));
    let mut args = vec!["build", src.to_str().expect("utf-8 path"), "-o", out];
    args.extend_from_slice(flags);
    let result = janusc(&args, dir);
    assert!(
        result.status.success(),
        "{flags:?}: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    dir.join(out)
}

/// The report's function rows: (name, machine-code size or `inlined`).
fn rows(report: &str) -> Vec<(String, String)> {
    report
        .lines()
        .skip_while(|l| !l.starts_with("JanusVM functions"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?.to_string(), words.next()?.to_string()))
        })
        .collect()
}

fn inspect(exe: &Path) -> String {
    let out = janusc(
        &["inspect", exe.to_str().expect("utf-8 path")],
        exe.parent().expect("dir"),
    );
    assert!(
        out.status.success(),
        "{}: {}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn stripped_and_static_builds_show_their_function_rows() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let variants: [(&str, &[&str]); 5] = [
        ("plain", &[]),
        ("stripped", &["--strip"]),
        ("static", &["--static"]),
        ("static-stripped", &["--static", "--strip"]),
        ("o0-stripped", &["-O0", "--strip"]),
    ];
    let mut reports = Vec::new();
    for (out, flags) in variants {
        let exe = build("hello", out, flags, tmp.path());
        let report = inspect(&exe);
        let rows = rows(&report);
        assert!(
            rows.iter().any(|(name, _)| name == "main"),
            "{out}: no row for main\n{report}"
        );
        assert!(
            rows.iter()
                .any(|(_, size)| size.parse::<u64>().is_ok_and(|s| s > 0)),
            "{out}: no machine-code size\n{report}"
        );
        assert!(!report.contains("unavailable"), "{out}\n{report}");
        reports.push((out, rows));
    }
    // Stripping removes symbols, not code: the same rows either way.
    assert_eq!(reports[0].1, reports[1].1, "plain vs stripped");
    assert_eq!(reports[2].1, reports[3].1, "static vs static stripped");
    // At -O0 nothing is inlined: main has code of its own.
    let o0 = &reports[4].1;
    assert!(
        o0.iter()
            .any(|(name, size)| name == "main" && size.parse::<u64>().is_ok_and(|s| s > 0)),
        "{o0:?}"
    );
}

/// The sizes in the report are the sizes the linker's symbol table gives
/// the same functions in an unstripped build.
#[test]
fn code_sizes_match_the_symbol_table() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let exe = build("calls", "calls", &["-O0"], tmp.path());
    let bytes = std::fs::read(&exe).expect("built");
    let elf = goblin::elf::Elf::parse(&bytes).expect("ELF");
    let report = inspect(&exe);
    let rows = rows(&report);
    let mut checked = 0;
    for sym in elf.syms.iter() {
        let name = elf.strtab.get_at(sym.st_name).unwrap_or("");
        if let Some(f) = name.strip_prefix("janus.fn.") {
            let row = rows.iter().find(|(n, _)| n == f);
            assert_eq!(
                row.map(|(_, s)| s.as_str()),
                Some(sym.st_size.to_string().as_str()),
                "{f}\n{report}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "{report}");
}

#[test]
fn stripped_builds_stay_reproducible() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = build("calls", "a", &["--strip"], tmp.path());
    let b = build("calls", "b", &["--strip"], tmp.path());
    assert_eq!(std::fs::read(a).ok(), std::fs::read(b).ok());
}

#[test]
fn executables_janusc_did_not_build_are_named_as_such() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = tmp.path().join("hello.c");
    std::fs::write(
        &c,
        "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n",
    )
    .expect("write");
    let out = Command::new("cc")
        .arg(&c)
        .arg("-o")
        .arg(tmp.path().join("gcc-hello"))
        .output()
        .expect("cc runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for exe in ["gcc-hello", "/bin/true"] {
        let out = janusc(&["inspect", exe], tmp.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{exe}: {stderr}");
        assert!(stderr.contains("not built by janusc"), "{exe}: {stderr}");
        assert!(stderr.contains(".janus.meta"), "{exe}: {stderr}");
    }
}
