//! janusc never loses a file: an output never overwrites an input, outputs
//! get the modes the umask gives, devices and FIFOs are written in place
//! (never replaced), a failed build leaves every existing output as it was
//! with no temporary files left behind, `-o -` never makes a file named
//! `-`, and a closed pipe ends janusc quietly.

mod common;

use common::{janusc, stderr};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn dir_with_hello() -> tempfile::TempDir {
    common::dir_with(&["samples/hello.jasm"])
}

/// The names in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn no_output_overwrites_an_input() {
    let tmp = dir_with_hello();
    let source = std::fs::read(tmp.path().join("hello.jasm")).expect("read");
    std::fs::write(tmp.path().join("c"), &source).expect("write");
    std::os::unix::fs::symlink("hello.jasm", tmp.path().join("link.ssa")).expect("symlink");
    let out = janusc(&["asm", "hello.jasm"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let jbc = std::fs::read(tmp.path().join("hello.jbc")).expect("read");
    let cases: &[(&[&str], &str)] = &[
        (&["build", "c"], "c"),
        (&["build", "hello.jasm", "-o", "hello.jasm"], "hello.jasm"),
        (&["build", "hello.jasm", "-o", "./hello.jasm"], "hello.jasm"),
        (
            &["build", "hello.jasm", "--emit", "ssa=hello.jasm"],
            "hello.jasm",
        ),
        (
            &["build", "hello.jasm", "--emit", "asm,llvm-ir=link.ssa"],
            "hello.jasm",
        ),
        (
            &["build", "hello.jasm", "--emit", "obj", "-o", "link.ssa"],
            "hello.jasm",
        ),
        (&["asm", "hello.jbc"], "hello.jbc"),
        (&["asm", "hello.jasm", "-o", "hello.jasm"], "hello.jasm"),
        (&["disasm", "hello.jbc", "-o", "hello.jbc"], "hello.jbc"),
        (&["disasm", "hello.jasm", "-o", "link.ssa"], "hello.jasm"),
    ];
    for (args, input) in cases {
        let out = janusc(args, tmp.path());
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {message}");
        assert!(
            message.contains("is the input") && message.contains(&format!("`{input}`")),
            "{args:?} names the output and the input: {message}"
        );
        assert_eq!(std::fs::read(tmp.path().join("c")).expect("c"), source);
        assert_eq!(
            std::fs::read(tmp.path().join("hello.jasm")).expect("hello.jasm"),
            source
        );
        assert_eq!(
            std::fs::read(tmp.path().join("hello.jbc")).expect("jbc"),
            jbc
        );
    }
    assert!(
        std::fs::symlink_metadata(tmp.path().join("link.ssa"))
            .expect("link")
            .file_type()
            .is_symlink(),
        "the link to the input is still a link"
    );
}

#[test]
fn outputs_get_the_modes_the_umask_gives() {
    let tmp = dir_with_hello();
    let run = |umask: &str, args: &str| {
        let script = format!("umask {umask} && exec \"$0\" {args}");
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(env!("CARGO_BIN_EXE_janusc"))
            .current_dir(tmp.path())
            .output()
            .expect("sh runs");
        assert!(out.status.success(), "{args}: {}", stderr(&out));
    };
    let mode = |name: &str| {
        std::fs::metadata(tmp.path().join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .permissions()
            .mode()
            & 0o777
    };
    run(
        "022",
        "build hello.jasm --emit exe,ssa,ssa-raw,llvm-ir,asm,obj,dep-info -o prog",
    );
    run("022", "asm hello.jasm");
    run("022", "disasm hello.jbc -o again.jasm");
    for data in [
        "prog.ssa",
        "prog.raw.ssa",
        "prog.ll",
        "prog.s",
        "prog.o",
        "prog.d",
        "hello.jbc",
        "again.jasm",
    ] {
        assert_eq!(mode(data), 0o644, "{data}");
    }
    assert_eq!(mode("prog"), 0o755, "executable");
    // Another umask, over the existing files.
    run("027", "build hello.jasm --emit exe,ssa -o prog");
    run("077", "asm hello.jasm");
    assert_eq!(mode("prog"), 0o750);
    assert_eq!(mode("prog.ssa"), 0o640);
    assert_eq!(mode("hello.jbc"), 0o600);
}

/// Reads everything written to a FIFO by one writer, on a thread.
fn drain_fifo(path: PathBuf) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .expect("FIFO opens for reading")
            .read_to_end(&mut bytes)
            .expect("FIFO reads");
        bytes
    })
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL");
    // SAFETY: a valid NUL-terminated path.
    let status = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(status, 0, "mkfifo {}", path.display());
}

#[test]
fn fifos_are_written_in_place_never_replaced() {
    let tmp = dir_with_hello();
    let fifo = tmp.path().join("pipe");
    let cases: &[(&[&str], &[u8])] = &[
        (
            &["build", "hello.jasm", "--emit", "ssa=pipe"],
            b"memory 1, 1\n",
        ),
        (&["build", "hello.jasm", "-o", "pipe"], b"\x7fELF"),
        (&["asm", "hello.jasm", "-o", "pipe"], b"\0JBC"),
        (&["disasm", "hello.jasm", "-o", "pipe"], b"memory"),
    ];
    mkfifo(&fifo);
    for (args, start) in cases {
        let reader = drain_fifo(fifo.clone());
        let out = janusc(args, tmp.path());
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let bytes = reader.join().expect("reader");
        assert!(
            bytes.starts_with(start),
            "{args:?} wrote {:?}",
            &bytes[..bytes.len().min(16)]
        );
        let kind = std::fs::symlink_metadata(&fifo)
            .expect("exists")
            .file_type();
        assert!(kind.is_fifo(), "{args:?} replaced the FIFO");
    }
    assert_eq!(
        listing(tmp.path()),
        ["hello.jasm", "pipe"],
        "no stray files"
    );
}

#[test]
fn character_devices_are_written_in_place_never_replaced() {
    let tmp = dir_with_hello();
    let null = tmp.path().join("null");
    let c = std::ffi::CString::new(null.as_os_str().as_encoded_bytes()).expect("no NUL");
    // The null device, 1:3, made in the test's own directory.
    // SAFETY: a valid NUL-terminated path.
    let status = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    if status != 0 {
        // Only root may make device nodes; the FIFO test covers the rest.
        let error = std::io::Error::last_os_error();
        assert_eq!(error.raw_os_error(), Some(libc::EPERM), "mknod: {error}");
        return;
    }
    if std::fs::OpenOptions::new().write(true).open(&null).is_err() {
        // A container may let root make the node but not open it.
        return;
    }
    for args in [
        &[
            "build",
            "hello.jasm",
            "--emit",
            "ssa=null,llvm-ir",
            "-o",
            "x",
        ][..],
        &["build", "hello.jasm", "-o", "null"],
        &["asm", "hello.jasm", "-o", "null"],
        &["disasm", "hello.jasm", "-o", "null"],
    ] {
        let out = janusc(args, tmp.path());
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let kind = std::fs::symlink_metadata(&null)
            .expect("exists")
            .file_type();
        assert!(kind.is_char_device(), "{args:?} replaced the device");
    }
}

#[test]
fn a_failed_build_leaves_every_output_as_it_was() {
    let tmp = dir_with_hello();
    std::fs::write(tmp.path().join("out4"), "old IR").expect("write");
    std::fs::write(tmp.path().join("prog"), "old program").expect("write");
    let before = listing(tmp.path());
    let cases: &[&[&str]] = &[
        // The link fails after the IR is ready.
        &[
            "build",
            "hello.jasm",
            "--emit",
            "llvm-ir=out4,exe=prog",
            "--linker",
            "/nonexistent/cc",
        ],
        &[
            "build",
            "hello.jasm",
            "--emit",
            "llvm-ir=out4",
            "--emit",
            "exe",
            "-o",
            "prog",
            "--linker-arg=-Wl,--no-such-flag",
        ],
        // Refused before any work.
        &[
            "build",
            "hello.jasm",
            "--emit",
            "llvm-ir=out4,exe=/nonexistent/x",
        ],
        &["build", "hello.jasm", "--emit", "llvm-ir=out4,asm=out4"],
        &["build", "hello.jasm", "--emit", "llvm-ir=out4,asm=./out4"],
    ];
    for args in cases {
        let out = janusc(args, tmp.path());
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert_eq!(
            std::fs::read(tmp.path().join("out4")).expect("out4"),
            b"old IR"
        );
        assert_eq!(
            std::fs::read(tmp.path().join("prog")).expect("prog"),
            b"old program"
        );
        assert_eq!(listing(tmp.path()), before, "{args:?} left files behind");
    }
    let out = janusc(
        &["build", "hello.jasm", "--emit", "ssa=a,asm=a"],
        tmp.path(),
    );
    assert!(
        stderr(&out).contains("both to be written to `a`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn dash_o_dash_is_standard_output_never_a_file() {
    let tmp = dir_with_hello();
    let out = janusc(
        &["build", "hello.jasm", "--emit", "ssa", "-o", "-"],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\nfunction main"));
    let out = janusc(&["asm", "hello.jasm", "-o", "-"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.starts_with(b"\0JBC"));
    for args in [
        &["build", "hello.jasm", "-o", "-"][..],
        &["build", "hello.jasm", "--emit", "obj", "-o", "-"],
        &["build", "hello.jasm", "--emit", "obj=-"],
        &["build", "hello.jasm", "--emit", "ssa,asm", "-o", "-"],
        &["print", "runtime-lib", "-o", "-"],
    ] {
        let out = janusc(args, tmp.path());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("standard output"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty());
    }
    assert_eq!(listing(tmp.path()), ["hello.jasm"], "no file named `-`");
}

#[test]
fn a_missing_output_directory_is_named() {
    let tmp = dir_with_hello();
    for args in [
        &["build", "hello.jasm", "-o", "out/x"][..],
        &["build", "hello.jasm", "--emit", "asm=out/x.s"],
        &["asm", "hello.jasm", "-o", "out/x.jbc"],
        &["disasm", "hello.jasm", "-o", "out/x.jasm"],
    ] {
        let out = janusc(args, tmp.path());
        assert_eq!(out.status.code(), Some(1));
        let message = stderr(&out);
        assert!(
            message.contains("directory `out/` does not exist") && !message.contains(".janusc-"),
            "{args:?}: {message}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_janusc_quietly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Enough assembly to fill a pipe many times over.
    let mut source = String::from("export main\nfunc main() -> i32\n    reg r0: i32\n");
    for i in 0..40_000 {
        source.push_str(&format!("    i32.const r0, {i}\n"));
    }
    source.push_str("    ret [r0]\nend\n");
    std::fs::write(tmp.path().join("big.jasm"), source).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .args(["disasm", "big.jasm"])
        .current_dir(tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("janusc starts");
    let mut first = [0u8; 100];
    child
        .stdout
        .take()
        .expect("piped")
        .read_exact(&mut first)
        .expect("some output");
    // The read end is closed here, as `head` closes it.
    let out = child.wait_with_output().expect("janusc ends");
    assert!(out.stderr.is_empty(), "quiet: {}", stderr(&out));
    use std::os::unix::process::ExitStatusExt;
    assert!(
        out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
        "{:?}",
        out.status
    );
}
