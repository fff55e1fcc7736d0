//! The device samples, run as native executables with their devices attached
//! the way a user attaches them (JANUS_* variables), and checked from the
//! outside: a real TCP client talks to the echo server, the disk image's
//! bytes are read back from the host file, the presented frame is decoded and
//! compared with the golden image in `tests/golden/`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// Builds `samples/NAME.jasm` into `dir` and returns the executable.
fn build(name: &str, dir: &Path) -> PathBuf {
    let exe = dir.join(name);
    let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .arg("build")
        .arg(root().join(format!("samples/{name}.jasm")))
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("janusc runs");
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(root().join(format!("samples/{name}.out"))).expect("expected output")
}

#[test]
fn echo_server_answers_a_real_tcp_client() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let exe = build("echo_server", tmp.path());
    let mut child = Command::new(&exe)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout
        .read_line(&mut first)
        .expect("the server reports its port");
    let port: u16 = first
        .trim()
        .rsplit(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!("unexpected first line {first:?}")
        });
    let talk = || -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.write_all(b"hello\nsplit ")?;
        stream.flush()?;
        std::thread::sleep(Duration::from_millis(50));
        stream.write_all(b"line\nquit\n")?;
        let mut reply = String::new();
        stream.read_to_string(&mut reply)?;
        Ok(reply)
    };
    let reply = talk();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("stdout");
    let status = child.wait().expect("exits");
    let reply = reply.expect("the conversation succeeds");
    assert_eq!(reply, "echo: hello\necho: split line\nbye\n");
    assert!(status.success(), "status {status:?}");
    assert_eq!(
        format!("{first}{rest}"),
        expected("echo_server").replace("PORT", &port.to_string())
    );
}

#[test]
fn disk_sample_writes_its_records_into_the_host_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let exe = build("disk", tmp.path());
    let image = tmp.path().join("disk.img");
    std::fs::write(&image, vec![0u8; 8 * 512]).expect("image");
    let out = Command::new(&exe)
        .env("JANUS_DISK", &image)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected("disk"));
    let bytes = std::fs::read(&image).expect("image");
    assert_eq!(bytes.len(), 8 * 512, "the image keeps its size");
    assert_eq!(&bytes[..8], b"JDSK\x05\x00\x00\x00", "header");
    for k in 1..=5u32 {
        let block = &bytes[k as usize * 512..(k as usize + 1) * 512];
        assert_eq!(&block[..4], &k.to_le_bytes(), "record {k} index");
        let text = format!("record {k}");
        assert_eq!(&block[4..4 + text.len()], text.as_bytes());
        assert!(block[4 + text.len()..].iter().all(|&b| b == 0));
    }
    assert!(
        bytes[6 * 512..].iter().all(|&b| b == 0),
        "blocks 6 and 7 untouched"
    );

    // No disk attached: the documented code, not a crash.
    let out = Command::new(&exe)
        .env_remove("JANUS_DISK")
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no disk\n");
    assert_eq!(out.status.code(), Some(2));
    // A disk that cannot be opened stops the program before main.
    let out = Command::new(&exe)
        .env("JANUS_DISK", tmp.path().join("missing.img"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("janus: JANUS_DISK: cannot open"));
}

fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(
        std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    );
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn display_sample_presents_the_golden_image() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let exe = build("display", tmp.path());
    let frames = tmp.path().join("frames");
    std::fs::create_dir(&frames).expect("frames dir");
    let out = Command::new(&exe)
        .env("JANUS_DISPLAY", &frames)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected("display"));
    let frame = decode(&frames.join("frame-00000.png"));
    let golden = decode(&root().join("tests/golden/display.png"));
    assert_eq!(
        frame, golden,
        "the frame differs from tests/golden/display.png"
    );
    assert_eq!((frame.0, frame.1), (64, 48));

    let out = Command::new(&exe)
        .env_remove("JANUS_DISPLAY")
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no display\n");
}

/// A display directory that does not exist is one clear error before the
/// program starts, the same under every engine, not E_IO from each
/// `display.present`.
#[test]
fn a_missing_display_directory_stops_every_engine_at_start() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let expected = "janus: JANUS_DISPLAY: directory `nonexistent-dir`";
    for (engine, mut cmd) in every_engine("display", tmp.path()) {
        for value in ["nonexistent-dir/", "nonexistent-dir/frame.png"] {
            let out = cmd
                .current_dir(tmp.path())
                .env("JANUS_DISPLAY", value)
                .output()
                .expect("runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(125), "{engine} {value}: {stderr}");
            assert!(stderr.starts_with(expected), "{engine} {value}: {stderr}");
            assert!(
                stderr.contains("does not exist"),
                "{engine} {value}: {stderr}"
            );
            assert!(out.stdout.is_empty(), "{engine} {value}: main never ran");
        }
    }
    assert!(!tmp.path().join("nonexistent-dir").exists());
}

/// Issue 13: a symbolic link planted at every name the display used to
/// write through (`FILE.png.tmp`, `DIR/frame-00000.png.tmp`), at the final
/// name itself, and a dangling one, under every engine. The victim keeps
/// its bytes, nothing is created through the dangling link, and the frame
/// is written, equal to the golden image.
#[test]
fn the_display_writes_through_no_planted_link_under_any_engine() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().expect("tempdir");
    let golden = decode(&root().join("tests/golden/display.png"));
    for (engine, mut cmd) in every_engine("display", tmp.path()) {
        for kind in ["dir", "file"] {
            let case = tmp
                .path()
                .join(format!("{}-{kind}", engine.replace(' ', "-")));
            let out_dir = case.join("out");
            std::fs::create_dir_all(&out_dir).expect("output directory");
            let victim = case.join("victim");
            std::fs::write(&victim, b"precious bytes").expect("victim");
            for name in ["out.png.tmp", "out.png", "frame-00000.png.tmp"] {
                symlink(&victim, out_dir.join(name)).expect("link");
            }
            symlink(case.join("created"), out_dir.join("frame-00000.png")).expect("link");
            let (value, frame) = match kind {
                "dir" => (out_dir.clone(), out_dir.join("frame-00000.png")),
                _ => (out_dir.join("out.png"), out_dir.join("out.png")),
            };
            let out = cmd.env("JANUS_DISPLAY", &value).output().expect("runs");
            let what = format!("{engine}, JANUS_DISPLAY={}", value.display());
            assert!(
                out.status.success(),
                "{what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                expected("display"),
                "{what}"
            );
            assert_eq!(
                std::fs::read(&victim).expect("victim"),
                b"precious bytes",
                "{what}: the victim was overwritten"
            );
            assert!(
                !case.join("created").exists(),
                "{what}: created through a link"
            );
            let meta = std::fs::symlink_metadata(&frame).expect("frame");
            assert!(
                meta.file_type().is_file(),
                "{what}: the frame replaced the link"
            );
            assert_eq!(decode(&frame), golden, "{what}");
            let stray: Vec<_> = std::fs::read_dir(&out_dir)
                .expect("listing")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect();
            assert!(stray.is_empty(), "{what}: temporary files left: {stray:?}");
        }
    }
}

/// Issue 13, ISA.md §6.8 "Order of checks": each operation taking a handle
/// or a buffer, given a bad handle (or no device, or a bad argument)
/// together with a buffer outside memory, returns the error code and does
/// not trap, identically under the interpreter, the JIT and an executable
/// (`--engine all` compares them).
#[test]
fn a_bad_argument_with_a_bad_buffer_is_an_error_code_under_every_engine() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = tmp.path().join("order.jasm");
    std::fs::write(&src, ORDER_OF_CHECKS).expect("write");
    let out = janusc_run(&src, "all")
        .env_remove("JANUS_DISK")
        .env_remove("JANUS_DISPLAY")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "-6\n-6\n-6\n-6\n-6\n-6\n-6\n-6\n-1\n-1\n-1\n-1\n-2\n-2\n-2\n-2\n",
        "{stderr}"
    );
}

/// The program of the test above: one `dev` call per case, each result
/// printed on its own line.
const ORDER_OF_CHECKS: &str = r#"memory 1, 1
data 0x0, "\n"
export main

func main() -> i32
    reg r0..r3: i32
    reg r4: i64
    ; the two calls of issue 13: a handle never opened
    i32.const r1, 3
    i32.const r2, 0
    i32.const r3, 2147483647
    dev net.send, [r0], [r1, r2, r3]
    call show, [], [r0]
    i32.const r1, 3
    i32.const r2, -1
    i32.const r3, 100
    dev net.recv, [r0], [r1, r2, r3]
    call show, [], [r0]
    ; a bad handle before a negative length
    i32.const r1, -1
    i32.const r2, 65530
    i32.const r3, -1
    dev net.send, [r0], [r1, r2, r3]
    call show, [], [r0]
    i32.const r1, 64
    i32.const r2, 65536
    i32.const r3, 1
    dev net.recv, [r0], [r1, r2, r3]
    call show, [], [r0]
    ; the other operations on a handle
    i32.const r1, 3
    dev net.accept, [r0], [r1]
    call show, [], [r0]
    i32.const r1, 3
    dev net.close, [r0], [r1]
    call show, [], [r0]
    i32.const r1, 3
    dev net.local_port, [r0], [r1]
    call show, [], [r0]
    i32.const r1, 3
    i32.const r2, 1
    dev net.set_nonblocking, [r0], [r1, r2]
    call show, [], [r0]
    ; no disk: the device before the block and the buffer
    i64.const r4, 0
    i32.const r2, 65500
    dev disk.read, [r0], [r4, r2]
    call show, [], [r0]
    i64.const r4, -1
    i32.const r2, -1
    dev disk.write, [r0], [r4, r2]
    call show, [], [r0]
    ; no display: the device before the size or the buffer
    i32.const r1, 0
    i32.const r2, 0
    dev display.open, [r0], [r1, r2]
    call show, [], [r0]
    i32.const r1, 65532
    dev display.present, [r0], [r1]
    call show, [], [r0]
    ; the descriptor or a negative capacity before the buffer
    i32.const r1, 3
    i32.const r2, 65530
    i32.const r3, 10
    dev console.write, [r0], [r1, r2, r3]
    call show, [], [r0]
    i32.const r1, -1
    i32.const r2, -1
    dev console.read, [r0], [r1, r2]
    call show, [], [r0]
    i32.const r1, 65535
    i32.const r2, -1
    dev console.read_line, [r0], [r1, r2]
    call show, [], [r0]
    ; an argument that does not exist before the buffer
    i32.const r1, 5
    i32.const r2, 65534
    i32.const r3, 5
    dev args.copy, [r0], [r1, r2, r3]
    call show, [], [r0]
    i32.const r0, 0
    ret [r0]
end

; Prints r0 in decimal and a newline.
func show(r0: i32)
    reg r1..r3: i32
    reg r4: i64
    i64.extend_i32_s r4, r0
    i32.const r1, 1
    dev console.write_i64, [r2], [r1, r4]
    i32.const r3, 0
    dev console.write, [r2], [r1, r3, r1]
    ret []
end
"#;

/// `samples/NAME.jasm` under each engine: the interpreter, the JIT, and an
/// executable built into `dir`, each as a command still to run.
fn every_engine(name: &str, dir: &Path) -> [(&'static str, Command); 3] {
    let exe = build(name, dir);
    let sample = root().join(format!("samples/{name}.jasm"));
    [
        ("interp", janusc_run(&sample, "interp")),
        ("jit", janusc_run(&sample, "jit")),
        ("aot executable", Command::new(&exe)),
    ]
}

fn janusc_run(sample: &Path, engine: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_janusc"));
    cmd.args(["run", "--engine", engine]).arg(sample);
    cmd
}

#[test]
fn janus_help_lists_the_device_options() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let exe = build("hello", tmp.path());
    let out = Command::new(&exe)
        .arg("--janus-help")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for var in [
        "JANUS_DISK",
        "JANUS_DISPLAY",
        "JANUS_NET_ALLOW",
        "JANUS_ENV",
        "JANUS_RANDOM_SEED",
    ] {
        assert!(text.contains(var), "{text}");
    }
    assert!(text.contains("A set one must not be empty"), "{text}");
    let out = Command::new(&exe)
        .env("JANUS_NET_ALLOW", "300.1.1.1")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).contains("JANUS_NET_ALLOW"));
}

/// Every `JANUS_*` option follows one rule (docs/ISA.md, "Attaching
/// devices"): an empty, whitespace-edged or malformed value stops the
/// program before `main` with status 125 and one message naming the
/// variable and the quoted value, the same bytes under every engine.
#[test]
fn bad_option_values_stop_every_engine_at_start() {
    const VARS: [&str; 7] = [
        "JANUS_DISK",
        "JANUS_DISPLAY",
        "JANUS_DISPLAY_FRAMES",
        "JANUS_NET_ALLOW",
        "JANUS_ENV",
        "JANUS_RANDOM_SEED",
        "JANUS_DIR",
    ];
    let tmp = tempfile::tempdir().expect("tempdir");
    let exe = build("hello", tmp.path());
    let sample = root().join("samples/hello.jasm");
    let run = |engine: &str, var: &str, value: &str| {
        let mut cmd = match engine {
            "aot executable" => Command::new(&exe),
            _ => janusc_run(&sample, engine),
        };
        for v in VARS {
            cmd.env_remove(v);
        }
        cmd.env(var, value).output().expect("runs")
    };
    let expected_form = "expected `none` or comma-separated IPv4 addresses and CIDR \
                         blocks in canonical form, like 127.0.0.0/8,10.1.2.3 \
                         (unset the variable for the default, 127.0.0.0/8)";
    let cases = [
        (
            "JANUS_NET_ALLOW",
            "127.0.0.01",
            format!(
                "janus: JANUS_NET_ALLOW: `127.0.0.01` has `127.0.0.01`, not an IPv4 \
                 address or CIDR block in canonical form; {expected_form}\n"
            ),
        ),
        (
            "JANUS_NET_ALLOW",
            " 127.0.0.1",
            format!(
                "janus: JANUS_NET_ALLOW: ` 127.0.0.1` begins or ends with whitespace; \
                 {expected_form}\n"
            ),
        ),
        (
            "JANUS_NET_ALLOW",
            "10.0.0.0/8,,127.0.0.1",
            format!(
                "janus: JANUS_NET_ALLOW: `10.0.0.0/8,,127.0.0.1` has an empty item; \
                 {expected_form}\n"
            ),
        ),
        (
            "JANUS_DISPLAY_FRAMES",
            "",
            "janus: JANUS_DISPLAY_FRAMES: `` is empty; expected a frame count in plain \
             decimal, 0 to 4294967295 (unset the variable for the default, 1000)\n"
                .to_string(),
        ),
        (
            "JANUS_DISK",
            "",
            "janus: JANUS_DISK: `` is empty; expected the path of a disk image \
             (unset the variable for no disk)\n"
                .to_string(),
        ),
        (
            "JANUS_RANDOM_SEED",
            "-1",
            "janus: JANUS_RANDOM_SEED: `-1` is not a seed; expected a seed in plain \
             decimal, 0 to 18446744073709551615 (unset the variable for host random bytes)\n"
                .to_string(),
        ),
        (
            "JANUS_ENV",
            "JANUS_SURELY_UNSET_VARIABLE",
            "janus: JANUS_ENV: `JANUS_SURELY_UNSET_VARIABLE` names \
             `JANUS_SURELY_UNSET_VARIABLE`, which is not set; expected comma-separated \
             names of set host variables, like HOME,LANG (unset the variable for no \
             environment)\n"
                .to_string(),
        ),
        (
            "JANUS_DIR",
            "data,,out",
            "janus: JANUS_DIR: `data,,out` has an empty item; expected comma-separated \
             HOST or HOST::GUEST directories, like data,/tmp/out::out (unset the \
             variable for no directory)\n"
                .to_string(),
        ),
        (
            "JANUS_DIR",
            "/surely/no/such/directory::data",
            "janus: JANUS_DIR: cannot open `/surely/no/such/directory` as a directory \
             (errno 2)\n"
                .to_string(),
        ),
    ];
    for engine in ["interp", "jit", "aot executable"] {
        for (var, value, message) in &cases {
            let out = run(engine, var, value);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(125),
                "{engine} {var}={value:?}: {stderr}"
            );
            assert_eq!(stderr, *message, "{engine} {var}={value:?}");
            assert!(out.stdout.is_empty(), "{engine} {var}={value:?}: main ran");
        }
        // Good values still run the program.
        let out = run(engine, "JANUS_NET_ALLOW", "10.0.0.0/8,127.0.0.1");
        assert!(
            out.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected("hello"));
    }
}

/// Keyboard events from a real terminal: a pseudo-terminal (made by
/// Python's `pty`, present on the machines this runs on) types `a`, the up
/// arrow and `é`; the program prints each event's code.
#[test]
fn keyboard_reads_keys_from_a_terminal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = tmp.path().join("keys.jasm");
    std::fs::write(
        &src,
        "memory 1, 1\ndata 0x0, \"\\n\"\nexport main\nfunc main() -> i32\n    reg r0..r3: i32\n    reg r4: i64\n    \
         i32.const r0, 3\n    i32.const r1, 1\nagain:\n    dev keyboard.wait, [r4], []\n    \
         dev console.write_i64, [r2], [r1, r4]\n    i32.const r3, 0\n    dev console.write, [r2], [r1, r3, r1]\n    \
         i32.sub r0, r0, r1\n    br_if r0, again\n    ret [r3]\nend\n",
    )
    .expect("write");
    let exe = tmp.path().join("keys");
    let out = Command::new(env!("CARGO_BIN_EXE_janusc"))
        .arg("build")
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = r#"
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1]])
time.sleep(0.3)
os.write(fd, b'a\x1b[A\xc3\xa9')
out = b''
end = time.time() + 10
while time.time() < end and out.count(b'\n') < 3:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            d = os.read(fd, 1024)
        except OSError:
            break
        if not d:
            break
        out += d
os.waitpid(pid, 0)
sys.stdout.write(out.decode())
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&exe)
        .output()
        .expect("python3 runs");
    // Raw mode: nothing typed is echoed, and each key arrives as it is typed.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "97\r\n1114113\r\n233\r\n"
    );
}
