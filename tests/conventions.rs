//! janusc keeps the habits build tools and editors rely on: `-` for
//! standard input, dependency rules, program arguments without `--`, linker
//! arguments and the runtime library for other builds, the target list,
//! diagnostics as JSON and in colour only where colour belongs, `-vV`,
//! `-v`, and shell completions and a man page from one definition.

mod common;

use common::{dir_with, janusc, stderr, stdout};
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// janusc with `stdin` on its standard input.
fn janusc_fed(args: &[&str], dir: &Path, stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("janusc starts");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stdin)
        .expect("fed");
    child.wait_with_output().expect("janusc ends")
}

#[test]
fn dash_reads_standard_input_in_every_command() {
    let tmp = dir_with(&["samples/hello.jasm"]);
    let text = std::fs::read(tmp.path().join("hello.jasm")).expect("read");
    let out = janusc_fed(&["asm", "-", "-o", "-"], tmp.path(), &text);
    assert!(out.status.success(), "{}", stderr(&out));
    let jbc = out.stdout;
    assert!(jbc.starts_with(b"\0JBC"));
    for input in [&text, &jbc] {
        let out = janusc_fed(&["check", "-"], tmp.path(), input);
        assert!(out.status.success(), "{}", stderr(&out));
        let out = janusc_fed(&["disasm", "-"], tmp.path(), input);
        assert!(stdout(&out).contains("export main"), "{}", stderr(&out));
        for engine in ["interp", "jit", "aot", "all"] {
            let out = janusc_fed(&["run", "--engine", engine, "-"], tmp.path(), input);
            assert_eq!(
                stdout(&out),
                "Hello, JanusVM!\n",
                "{engine}: {}",
                stderr(&out)
            );
        }
        let out = janusc_fed(&["build", "-", "-o", "from-stdin"], tmp.path(), input);
        assert!(out.status.success(), "{}", stderr(&out));
        let run = Command::new(tmp.path().join("from-stdin"))
            .output()
            .expect("runs");
        assert_eq!(run.stdout, b"Hello, JanusVM!\n");
    }
    // Without -o, the names of standard input's outputs are those of `a`.
    let out = janusc_fed(&["asm", "-"], tmp.path(), &text);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(tmp.path().join("a.jbc")).expect("a.jbc"), jbc);
    // Errors name `<stdin>`.
    let out = janusc_fed(&["check", "-"], tmp.path(), b"func\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--> <stdin>:1:"), "{}", stderr(&out));
}

#[test]
fn dep_info_is_a_makefile_rule_make_understands() {
    let tmp = dir_with(&["samples/hello.jasm"]);
    std::fs::create_dir(tmp.path().join("out")).expect("mkdir");
    let out = janusc(
        &[
            "build",
            "hello.jasm",
            "--emit",
            "exe,asm",
            "--emit",
            "dep-info",
            "-o",
            "out/x",
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rule = std::fs::read_to_string(tmp.path().join("out/x.d")).expect("out/x.d");
    assert_eq!(rule, "out/x out/x.s: hello.jasm\n\nhello.jasm:\n");
    let out = janusc(
        &["build", "hello.jasm", "--emit", "dep-info=deps.mk,obj"],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rule = std::fs::read_to_string(tmp.path().join("deps.mk")).expect("deps.mk");
    assert_eq!(rule, "hello.o: hello.jasm\n\nhello.jasm:\n");

    // make rebuilds when the input changes, and only then.
    let janusc = env!("CARGO_BIN_EXE_janusc");
    std::fs::write(
        tmp.path().join("Makefile"),
        format!(
            "out/x:\n\t{janusc} build hello.jasm --emit exe,dep-info -o out/x\n-include out/x.d\n"
        ),
    )
    .expect("Makefile");
    let make = |dir: &Path| {
        Command::new("make")
            .args(["-q", "out/x"])
            .current_dir(dir)
            .status()
            .expect("make runs")
            .code()
    };
    assert_eq!(make(tmp.path()), Some(0), "up to date after the build");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let hello = tmp.path().join("hello.jasm");
    let text = std::fs::read(&hello).expect("read");
    std::fs::write(&hello, text).expect("touch");
    assert_eq!(
        make(tmp.path()),
        Some(1),
        "out of date once the input changed"
    );
}

#[test]
fn run_passes_what_follows_the_program_to_it() {
    let tmp = dir_with(&["samples/sieve.jasm"]);
    let with = janusc(&["run", "sieve.jasm", "--", "100"], tmp.path());
    let without = janusc(&["run", "sieve.jasm", "100"], tmp.path());
    assert!(with.status.success(), "{}", stderr(&with));
    assert!(stdout(&with).contains("below 100: 25"), "{}", stdout(&with));
    assert_eq!(with.stdout, without.stdout);
    // Options after the program are the program's, as with wasmtime.
    let out = janusc(
        &["run", "--engine", "all", "sieve.jasm", "30", "--engine"],
        tmp.path(),
    );
    assert!(stdout(&out).contains("below 30: 10"), "{}", stderr(&out));
}

#[test]
fn objects_link_in_other_builds_with_the_printed_runtime() {
    let tmp = dir_with(&["samples/hello.jasm"]);
    let out = janusc(&["build", "hello.jasm", "--emit", "obj"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let out = janusc(
        &["print", "runtime-lib", "-o", "libjanus_runtime.a"],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let archive = std::fs::read(tmp.path().join("libjanus_runtime.a")).expect("archive");
    assert!(archive.starts_with(b"!<arch>\n"));
    let cc = Command::new("cc")
        .args(["hello.o", "libjanus_runtime.a", "-o", "by-cc"])
        .current_dir(tmp.path())
        .output()
        .expect("cc runs");
    assert!(cc.status.success(), "{}", stderr(&cc));
    let run = Command::new(tmp.path().join("by-cc"))
        .output()
        .expect("runs");
    assert_eq!(run.stdout, b"Hello, JanusVM!\n");

    // --linker-arg reaches the link; -v shows the command.
    let out = janusc(
        &[
            "build",
            "hello.jasm",
            "-v",
            "--linker-arg=-Wl,-Map,hello.map",
            "-o",
            "hello",
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        tmp.path().join("hello.map").exists(),
        "the map file the linker wrote"
    );
    let shown = stderr(&out);
    assert!(
        shown.contains("cc -o ") && shown.contains("-Wl,-Map,hello.map"),
        "{shown}"
    );
    let quiet = janusc(&["build", "hello.jasm", "-o", "hello"], tmp.path());
    assert!(quiet.stderr.is_empty(), "no -v, nothing said");
}

#[test]
fn the_target_list_names_what_builds() {
    let tmp = dir_with(&["samples/hello.jasm"]);
    let out = janusc(&["print", "target-list"], tmp.path());
    assert!(out.status.success());
    let list = stdout(&out);
    assert_eq!(
        list,
        stdout(&janusc(&["--print", "target-list"], tmp.path()))
    );
    for triple in list.lines() {
        let out = janusc(
            &[
                "build",
                "hello.jasm",
                "--target",
                triple,
                "--emit",
                "obj=x.o",
            ],
            tmp.path(),
        );
        assert!(out.status.success(), "{triple}: {}", stderr(&out));
    }
    assert!(list
        .lines()
        .any(|t| t == stdout(&janusc(&["print", "host-triple"], tmp.path())).trim()));
}

#[test]
fn json_diagnostics_parse_one_per_line() {
    let tmp = dir_with(&["tests/bad/many_errors.jasm", "tests/bad/bad_magic.jbc"]);
    let out = janusc(
        &["check", "--error-format=json", "many_errors.jasm"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stderr(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert_eq!(lines.len(), 5);
    let first = &lines[0];
    assert_eq!(first["level"], "error");
    assert_eq!(first["code"], "V0203");
    assert_eq!(first["file"], "many_errors.jasm");
    assert_eq!(first["line"], 5);
    assert!(first["column"].as_u64().is_some() && first["end_column"].as_u64().is_some());
    assert!(first["offset"].as_u64().is_some() && first["end_offset"].as_u64().is_some());
    assert!(first["message"]
        .as_str()
        .expect("text")
        .contains("has type i32"));

    let one = one_json_diagnostic(
        &["check", "--error-format", "json", "bad_magic.jbc"],
        tmp.path(),
    );
    assert_eq!(
        (one["code"].as_str(), one["offset"].as_u64()),
        (Some("D0001"), Some(0))
    );
    // Usage errors too, even those the argument parser finds.
    for args in [
        &["build", "--error-format=json", "nonexistent.jasm"][..],
        &["--error-format=json", "build", "--no-such-flag"],
    ] {
        let out = janusc(args, tmp.path());
        assert_eq!(out.status.code(), Some(1));
        let one: serde_json::Value = serde_json::from_str(stderr(&out).trim())
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stderr(&out)));
        assert_eq!(one["level"], "error", "{args:?}");
    }
}

/// Runs janusc and parses the one JSON diagnostic it prints.
fn one_json_diagnostic(args: &[&str], dir: &Path) -> serde_json::Value {
    let out = janusc(args, dir);
    serde_json::from_str(stderr(&out).trim())
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stderr(&out)))
}

/// Runs janusc with its standard error on a pseudo-terminal and returns
/// what it wrote there.
fn on_a_terminal(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> String {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors; the other arguments may be null.
    let status = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(status, 0, "openpty");
    // SAFETY: both descriptors are open and owned here alone.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_janusc"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env("TERM", "xterm-256color")
        .stderr(Stdio::from(slave));
    for (key, value) in env {
        cmd.env(key, value);
    }
    let status = cmd.status().expect("janusc runs");
    drop(cmd);
    assert_eq!(status.code(), Some(1));
    let mut text = Vec::new();
    let mut file = std::fs::File::from(master);
    // The slave is closed: read until the terminal reports EIO.
    let _ = file.read_to_end(&mut text);
    String::from_utf8_lossy(&text).into_owned()
}

#[test]
fn colour_follows_the_terminal_no_color_and_the_flag() {
    let tmp = dir_with(&["tests/bad/type_mismatch.jasm", "tests/bad/bad_magic.jbc"]);
    for file in ["type_mismatch.jasm", "bad_magic.jbc", "nonexistent.jasm"] {
        let escape = "\x1b[";
        let check = ["check", file];
        let coloured = on_a_terminal(&check, tmp.path(), &[]);
        assert!(coloured.contains(escape), "{file}: terminal: {coloured}");
        let plain = on_a_terminal(&check, tmp.path(), &[("NO_COLOR", "1")]);
        assert!(
            !plain.contains(escape) && plain.contains("error"),
            "{file}: NO_COLOR: {plain}"
        );
        let never = on_a_terminal(&["check", "--color", "never", file], tmp.path(), &[]);
        assert!(!never.contains(escape), "{file}: --color never: {never}");
        let piped = janusc(&check, tmp.path());
        assert!(!stderr(&piped).contains(escape), "{file}: piped");
        let always = janusc(&["check", "--color=always", file], tmp.path());
        assert!(stderr(&always).contains(escape), "{file}: --color always");
        let forced = Command::new(env!("CARGO_BIN_EXE_janusc"))
            .args(check)
            .current_dir(tmp.path())
            .env("CLICOLOR_FORCE", "1")
            .env_remove("NO_COLOR")
            .output()
            .expect("runs");
        assert!(stderr(&forced).contains(escape), "{file}: CLICOLOR_FORCE");
    }
}

#[test]
fn version_verbose_names_commit_host_and_llvm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let short = stdout(&janusc(&["-V"], tmp.path()));
    assert!(
        short.starts_with("janusc ") && short.lines().count() == 1,
        "{short}"
    );
    let long = stdout(&janusc(&["-vV"], tmp.path()));
    assert_eq!(
        long,
        stdout(&janusc(&["--version", "--verbose"], tmp.path()))
    );
    let field = |name: &str| {
        long.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in {long}"))
            .to_string()
    };
    assert!(field("commit-hash").len() == 40 || field("commit-hash") == "unknown");
    assert_eq!(
        field("host"),
        stdout(&janusc(&["print", "host-triple"], tmp.path())).trim()
    );
    assert!(field("LLVM version").starts_with("19."), "{long}");
}

#[test]
fn completions_and_the_man_page_name_every_subcommand() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let subcommands = [
        "asm",
        "disasm",
        "build",
        "run",
        "inspect",
        "check",
        "print",
        "completions",
    ];
    for shell in ["bash", "zsh", "fish"] {
        let out = janusc(&["completions", shell], tmp.path());
        assert!(out.status.success(), "{shell}");
        let script = stdout(&out);
        for sub in subcommands {
            assert!(script.contains(sub), "{shell} completions lack {sub}");
        }
    }
    let out = janusc(&["print", "man-page"], tmp.path());
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.starts_with(".TH"),
        "{}",
        &page[..page.len().min(80)]
    );
    assert!(page.contains(".TH janusc 1"), "a section-1 page");
    for sub in subcommands {
        assert!(
            page.contains(&format!("janusc\\-{sub}")),
            "man page lacks {sub}"
        );
    }
}

#[test]
fn warnings_are_shown_silenced_by_q_and_denied_by_d_warnings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let source = "memory 1, 1\ndata 0x10, \"Hello, JanusVM!\\n\"\ndata 0x18, \"overlap\"\nexport main\nfunc main() -> i32\n    reg r0: i32\n    i32.const r0, 0\n    ret [r0]\nend\n";
    std::fs::write(tmp.path().join("overlap.jasm"), source).expect("write");
    let out = janusc(&["check", "overlap.jasm"], tmp.path());
    assert!(out.status.success(), "a warning is not an error");
    let shown = stderr(&out);
    assert!(
        shown.starts_with("warning[W0001]: ") && shown.contains("--> overlap.jasm:3:"),
        "{shown}"
    );
    let out = janusc(&["run", "-q", "overlap.jasm"], tmp.path());
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "-q: {}",
        stderr(&out)
    );
    let one = one_json_diagnostic(
        &["check", "--error-format=json", "overlap.jasm"],
        tmp.path(),
    );
    assert_eq!(
        (one["level"].as_str(), one["line"].as_u64()),
        (Some("warning"), Some(3))
    );
    for deny in [
        &["-D", "warnings"][..],
        &["--deny", "warnings"],
        &["-Dwarnings"],
    ] {
        let mut args = vec!["build", "overlap.jasm"];
        args.extend_from_slice(deny);
        let out = janusc(&args, tmp.path());
        assert_eq!(out.status.code(), Some(1), "{deny:?}");
        assert!(
            stderr(&out).starts_with("error[W0001]: "),
            "{}",
            stderr(&out)
        );
        assert!(
            !tmp.path().join("overlap").exists(),
            "{deny:?} built anyway"
        );
    }
    let out = janusc(&["check", "-D", "everything", "overlap.jasm"], tmp.path());
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unknown lint is a usage error"
    );
}

#[test]
fn an_error_on_a_huge_line_prints_a_window_of_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let token = "x".repeat(5_000_000);
    let source = format!(
        "export main\nfunc main() -> i32\n    reg r0: i32\n    i32.const r0, 0 {token} y\n    ret [r0]\nend\n"
    );
    std::fs::write(tmp.path().join("long.jasm"), source).expect("write");
    for format in ["human", "json"] {
        let out = janusc(
            &["check", "--error-format", format, "long.jasm"],
            tmp.path(),
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(
            out.stderr.len() < 2_000,
            "{format}: {} bytes",
            out.stderr.len()
        );
        assert!(stderr(&out).contains("long.jasm:4:21") || stderr(&out).contains("\"column\":21"));
    }
}

#[test]
fn bytecode_over_the_size_limit_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("huge.jbc");
    let mut file = std::fs::File::create(&path).expect("create");
    file.write_all(b"\0JBC").expect("magic");
    // Sparse: 256 MiB + 1 byte of size, almost no disk.
    file.set_len((256 << 20) + 1).expect("size");
    drop(file);
    let started = std::time::Instant::now();
    let out = janusc(&["check", "huge.jbc"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(
        message.starts_with("error[D0019]: file is 268435457 bytes: the limit is 268435456"),
        "{message}"
    );
    assert!(message.contains("--> huge.jbc"), "{message}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
