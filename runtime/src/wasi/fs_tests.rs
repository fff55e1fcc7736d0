//! The sandbox of preopened directories, escape by escape (`docs/ISA.md`
//! §6.8, "WASI files"): `..` climbing out, absolute paths, symlinks to `/`
//! and to `..`, through every operation taking a path; and what stays
//! inside still works (`a/../b`, links to siblings). Plus the descriptor
//! table: preopens at 3, 4, ..., the lowest free number reused, EBADF and
//! EFAULT before anything is done.

use super::errno;
use super::fs::NOTCAPABLE;
use super::tests::{iovs, machine, set, u32_at, wasi};
use crate::config::DeviceConfig;
use crate::machine::Machine;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

const ENOENT: i32 = 44;
const EEXIST: i32 = 20;
const ELOOP: i32 = 32;
const ENOTDIR: i32 = 54;
const EISDIR: i32 = 31;
const ENAMETOOLONG: i32 = 37;

/// Where a test puts a path in memory.
pub(super) const PATH: u32 = 1000;
/// Where results go.
pub(super) const OUT: u32 = 2000;
/// A scratch buffer.
pub(super) const BUF: u32 = 4000;

/// `oflags::creat`, `lookupflags::symlink_follow`, `rights::fd_read`,
/// `rights::fd_write`.
pub(super) const CREAT: u64 = 1;
pub(super) const FOLLOW: u64 = 1;
pub(super) const READ: u64 = 1 << 1;
pub(super) const WRITE: u64 = 1 << 6;

/// A temporary tree: `root/` (preopened as fd 3, guest name `root`) and
/// beside it `outside/secret.txt`, which no path may reach.
///
/// ```text
/// root/b.txt            "bee"
/// root/a/file.txt       "in a"
/// root/a/up2 -> ../..   (climbs out)
/// root/link_in -> b.txt
/// root/link_dir -> a
/// root/link_root -> /
/// root/link_up -> ..
/// root/link_abs -> ROOT/b.txt (absolute, though it names a file inside)
/// outside/secret.txt    "secret"
/// ```
pub(super) struct Tree {
    _tmp: tempfile::TempDir,
    pub(super) root: PathBuf,
    pub(super) outside: PathBuf,
}

pub(super) fn tree() -> Tree {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(root.join("a")).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(root.join("b.txt"), "bee").expect("write");
    std::fs::write(root.join("a/file.txt"), "in a").expect("write");
    std::fs::write(outside.join("secret.txt"), "secret").expect("write");
    symlink("../..", root.join("a/up2")).expect("symlink");
    symlink("b.txt", root.join("link_in")).expect("symlink");
    symlink("a", root.join("link_dir")).expect("symlink");
    symlink("/", root.join("link_root")).expect("symlink");
    symlink("..", root.join("link_up")).expect("symlink");
    symlink(root.join("b.txt"), root.join("link_abs")).expect("symlink");
    Tree {
        _tmp: tmp,
        root,
        outside,
    }
}

pub(super) fn preopened(root: &Path) -> Machine {
    machine(DeviceConfig {
        dirs: vec![(root.display().to_string(), String::from("root"))],
        ..DeviceConfig::default()
    })
}

/// Puts `path` at [`PATH`]; returns (addr, len) as call arguments.
pub(super) fn path(m: &mut Machine, path: &str) -> (u64, u64) {
    set(m, PATH, path.as_bytes());
    (u64::from(PATH), path.len() as u64)
}

/// `path_open` beneath fd 3; the errno and, on success, the new fd.
pub(super) fn open(
    m: &mut Machine,
    p: &str,
    dirflags: u64,
    oflags: u64,
    rights: u64,
) -> (i32, u32) {
    let (addr, len) = path(m, p);
    let e = wasi(
        m,
        "path_open",
        &[3, dirflags, addr, len, oflags, rights, 0, 0, u64::from(OUT)],
    );
    (e, u32_at(m, OUT))
}

/// Reads up to 64 bytes from `fd`.
pub(super) fn read(m: &mut Machine, fd: u32) -> Vec<u8> {
    iovs(m, OUT + 16, &[(BUF, 64)]);
    let e = wasi(
        m,
        "fd_read",
        &[u64::from(fd), u64::from(OUT + 16), 1, u64::from(OUT + 8)],
    );
    assert_eq!(e, errno::SUCCESS, "fd_read");
    let n = u32_at(m, OUT + 8);
    m.memory.slice(BUF, n).expect("in bounds").to_vec()
}

/// `path_filestat_get` beneath fd 3: the errno and the filetype byte.
pub(super) fn stat(m: &mut Machine, p: &str, flags: u64) -> (i32, u8) {
    let (addr, len) = path(m, p);
    let e = wasi(
        m,
        "path_filestat_get",
        &[3, flags, addr, len, u64::from(BUF)],
    );
    (e, m.memory.slice(BUF + 16, 1).expect("in bounds")[0])
}

/// A name-level operation (`path_unlink_file` ...) on `p` beneath fd 3.
pub(super) fn name_op(m: &mut Machine, name: &str, p: &str) -> i32 {
    let (addr, len) = path(m, p);
    wasi(m, name, &[3, addr, len])
}

/// Every path that leaves the directory, through an operation that opens.
const ESCAPES: [&str; 10] = [
    "../outside/secret.txt",
    "a/../../outside/secret.txt",
    "..",
    "a/../..",
    "/etc/passwd",
    "/",
    "link_root/etc/passwd",
    "link_up/outside/secret.txt",
    "a/up2/outside/secret.txt",
    "link_dir/../../outside/secret.txt",
];

#[test]
fn preopens_are_described_from_fd_3() {
    let t = tree();
    let mut m = machine(DeviceConfig {
        dirs: vec![
            (t.root.display().to_string(), String::from("root")),
            (t.outside.display().to_string(), String::from("./out")),
        ],
        ..DeviceConfig::default()
    });
    for (fd, name) in [(3u64, &b"root"[..]), (4, b"./out")] {
        assert_eq!(wasi(&mut m, "fd_prestat_get", &[fd, u64::from(OUT)]), 0);
        assert_eq!(m.memory.slice(OUT, 1).expect("in bounds")[0], 0, "tag dir");
        assert_eq!(u32_at(&m, OUT + 4), name.len() as u32);
        let short = name.len() as u64 - 1;
        assert_eq!(
            wasi(&mut m, "fd_prestat_dir_name", &[fd, u64::from(BUF), short]),
            ENAMETOOLONG
        );
        let len = name.len() as u64;
        assert_eq!(
            wasi(&mut m, "fd_prestat_dir_name", &[fd, u64::from(BUF), len]),
            0
        );
        assert_eq!(m.memory.slice(BUF, name.len() as u32), Some(name));
    }
    // The scan ends at the first descriptor past them, and the console's
    // are not preopens.
    for fd in [0, 1, 2, 5, 100] {
        assert_eq!(
            wasi(&mut m, "fd_prestat_get", &[fd, u64::from(OUT)]),
            errno::BADF
        );
    }
    assert_eq!(wasi(&mut m, "fd_prestat_get", &[3, 70_000]), errno::FAULT);
}

#[test]
fn a_missing_preopen_stops_the_program_at_start() {
    let config = DeviceConfig {
        dirs: vec![(String::from("/no/such/dir"), String::from("x"))],
        ..DeviceConfig::default()
    };
    let err = Machine::new(1, 1, 0, vec![], vec![], config).expect_err("no directory");
    assert!(
        err.starts_with("JANUS_DIR: cannot open `/no/such/dir` as a directory"),
        "{err}"
    );
}

#[test]
fn every_escape_is_enotcapable_and_touches_nothing() {
    let t = tree();
    let mut m = preopened(&t.root);
    for p in ESCAPES {
        for follow in [0, FOLLOW] {
            assert_eq!(open(&mut m, p, follow, 0, READ).0, NOTCAPABLE, "open {p}");
            assert_eq!(stat(&mut m, p, follow).0, NOTCAPABLE, "stat {p}");
        }
        // Creating through an escape creates nothing.
        let new = alloc::format!("{p}/new.txt");
        assert_eq!(
            open(&mut m, &new, FOLLOW, CREAT, WRITE).0,
            NOTCAPABLE,
            "{new}"
        );
        assert_eq!(
            name_op(&mut m, "path_create_directory", &new),
            NOTCAPABLE,
            "{new}"
        );
    }
    // A link out as the last component: refused when followed; without
    // symlink_follow, open is ELOOP (a link is not opened) and stat sees
    // the link itself, inside the directory.
    for link in ["link_abs", "link_root", "link_up", "a/up2"] {
        assert_eq!(open(&mut m, link, FOLLOW, 0, READ).0, NOTCAPABLE, "{link}");
        assert_eq!(stat(&mut m, link, FOLLOW).0, NOTCAPABLE, "{link}");
        assert_eq!(open(&mut m, link, 0, 0, READ).0, ELOOP, "{link}");
        assert_eq!(stat(&mut m, link, 0), (0, 7), "{link}");
    }
    // A dangling link out: creating through it makes nothing outside.
    symlink("../outside/created.txt", t.root.join("dangle")).expect("symlink");
    assert_eq!(open(&mut m, "dangle", FOLLOW, CREAT, WRITE).0, NOTCAPABLE);
    assert_eq!(open(&mut m, "dangle", 0, CREAT, WRITE).0, ELOOP);
    assert!(!t.outside.join("created.txt").exists());
    std::fs::remove_file(t.root.join("dangle")).expect("rm");
    for p in [
        "../outside/secret.txt",
        "link_up/outside/secret.txt",
        "a/up2/outside/secret.txt",
        "/etc/passwd",
    ] {
        assert_eq!(name_op(&mut m, "path_unlink_file", p), NOTCAPABLE, "{p}");
    }
    for p in ["..", "../outside", "link_up/outside", "a/..//..", "/tmp"] {
        assert_eq!(
            name_op(&mut m, "path_remove_directory", p),
            NOTCAPABLE,
            "{p}"
        );
    }
    // Renaming out of the directory, or in from outside.
    let (old, old_len) = (u64::from(PATH), 5u64);
    set(&mut m, PATH, b"b.txt");
    for to in ["../stolen.txt", "link_up/stolen.txt", "/tmp/stolen.txt"] {
        set(&mut m, BUF, to.as_bytes());
        let args = [3, old, old_len, 3, u64::from(BUF), to.len() as u64];
        assert_eq!(wasi(&mut m, "path_rename", &args), NOTCAPABLE, "{to}");
    }
    set(&mut m, BUF, b"../outside/secret.txt");
    let args = [3, u64::from(BUF), 21, 3, old, old_len];
    assert_eq!(wasi(&mut m, "path_rename", &args), NOTCAPABLE);

    assert_eq!(
        std::fs::read_to_string(t.outside.join("secret.txt")).expect("still there"),
        "secret"
    );
    let mut names: Vec<String> = std::fs::read_dir(t.outside.parent().expect("tmp"))
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["outside", "root"], "nothing created beside root");
    assert!(
        std::fs::read_to_string(t.root.join("b.txt")).is_ok(),
        "not moved"
    );
}

#[test]
fn dot_dot_and_links_that_stay_inside_work() {
    let t = tree();
    let mut m = preopened(&t.root);
    for (p, text) in [
        ("b.txt", &b"bee"[..]),
        ("./b.txt", b"bee"),
        ("a/../b.txt", b"bee"),
        ("a/./file.txt", b"in a"),
        ("a//file.txt", b"in a"),
        ("link_dir/file.txt", b"in a"),
        ("link_dir/../b.txt", b"bee"),
    ] {
        for follow in [0, FOLLOW] {
            let (e, fd) = open(&mut m, p, follow, 0, READ);
            assert_eq!(e, 0, "{p}");
            assert_eq!(read(&mut m, fd), text, "{p}");
            assert_eq!(wasi(&mut m, "fd_close", &[u64::from(fd)]), 0);
        }
    }
    // A link in the last component is followed only when asked.
    let (e, fd) = open(&mut m, "link_in", FOLLOW, 0, READ);
    assert_eq!(e, 0);
    assert_eq!(read(&mut m, fd), b"bee");
    assert_eq!(open(&mut m, "link_in", 0, 0, READ).0, ELOOP);
    assert_eq!(stat(&mut m, "link_in", FOLLOW), (0, 4), "regular file");
    assert_eq!(stat(&mut m, "link_in", 0), (0, 7), "the link itself");
    assert_eq!(
        stat(&mut m, "link_root", 0),
        (0, 7),
        "a link out, not followed"
    );
    assert_eq!(stat(&mut m, "a", 0), (0, 3), "directory");
    assert_eq!(stat(&mut m, ".", 0), (0, 3), "the preopen itself");
    assert_eq!(stat(&mut m, "a/..", 0), (0, 3));
    assert_eq!(stat(&mut m, "missing", 0).0, ENOENT);
    assert_eq!(stat(&mut m, "", 0).0, ENOENT);
}

#[test]
fn name_operations_act_on_the_last_component_without_following_it() {
    let t = tree();
    let mut m = preopened(&t.root);
    // unlink removes a link out, never what it names.
    assert_eq!(name_op(&mut m, "path_unlink_file", "link_root"), 0);
    assert!(!t.root.join("link_root").exists());
    assert_eq!(name_op(&mut m, "path_unlink_file", "link_up"), 0);
    assert!(t.outside.join("secret.txt").exists());
    // rmdir through a link with a trailing slash is refused, as on Linux.
    assert_eq!(
        name_op(&mut m, "path_remove_directory", "link_dir/"),
        ENOTDIR
    );
    assert!(t.root.join("a/file.txt").exists());
    assert_eq!(name_op(&mut m, "path_unlink_file", "b.txt/"), ENOTDIR);
    assert_eq!(name_op(&mut m, "path_unlink_file", "a/"), EISDIR);
    assert_eq!(name_op(&mut m, "path_unlink_file", "a"), EISDIR);
    // `.` and `..` as the last component.
    assert_eq!(name_op(&mut m, "path_create_directory", "."), EEXIST);
    assert_eq!(name_op(&mut m, "path_create_directory", "a/.."), EEXIST);
    assert_eq!(
        name_op(&mut m, "path_remove_directory", "a/."),
        errno::INVAL
    );
    // mkdir, rename, rmdir, unlink inside, with `..` that stays inside.
    assert_eq!(name_op(&mut m, "path_create_directory", "a/../new/"), 0);
    assert!(t.root.join("new").is_dir());
    assert_eq!(name_op(&mut m, "path_create_directory", "new"), EEXIST);
    set(&mut m, PATH, b"b.txt");
    set(&mut m, BUF, b"new/../a/b.txt");
    let args = [3, u64::from(PATH), 5, 3, u64::from(BUF), 14];
    assert_eq!(wasi(&mut m, "path_rename", &args), 0);
    assert!(t.root.join("a/b.txt").exists());
    assert_eq!(name_op(&mut m, "path_remove_directory", "new"), 0);
    assert_eq!(name_op(&mut m, "path_unlink_file", "a/b.txt"), 0);
    assert_eq!(name_op(&mut m, "path_unlink_file", "a/b.txt"), ENOENT);
    assert_eq!(
        name_op(&mut m, "path_remove_directory", "a"),
        55,
        "ENOTEMPTY"
    );
}

#[test]
fn files_read_write_seek_and_list() {
    let t = tree();
    let mut m = preopened(&t.root);
    let (e, fd) = open(&mut m, "new.txt", FOLLOW, CREAT, READ | WRITE);
    assert_eq!((e, fd), (0, 4), "the lowest free fd after the preopen");
    let fd64 = u64::from(fd);
    set(&mut m, BUF, b"hello, file");
    iovs(&mut m, OUT + 16, &[(BUF, 5), (BUF + 5, 6)]);
    let e = wasi(
        &mut m,
        "fd_write",
        &[fd64, u64::from(OUT + 16), 2, u64::from(OUT + 8)],
    );
    assert_eq!((e, u32_at(&m, OUT + 8)), (0, 11));
    assert_eq!(
        std::fs::read(t.root.join("new.txt")).expect("written"),
        b"hello, file"
    );
    let seek = |m: &mut Machine, off: i64, whence: u64| {
        let e = wasi(m, "fd_seek", &[fd64, off as u64, whence, u64::from(OUT)]);
        (e, u32_at(m, OUT))
    };
    assert_eq!(seek(&mut m, 7, 0), (0, 7));
    assert_eq!(read(&mut m, fd), b"file");
    assert_eq!(seek(&mut m, -4, 2), (0, 7));
    assert_eq!(seek(&mut m, -1, 1), (0, 6));
    assert_eq!(seek(&mut m, -100, 1).0, errno::INVAL);
    assert_eq!(seek(&mut m, 0, 3).0, errno::INVAL);
    assert_eq!(wasi(&mut m, "fd_tell", &[fd64, u64::from(OUT)]), 0);
    assert_eq!(u32_at(&m, OUT), 6);
    // filestat: regular file, 11 bytes; then truncated.
    assert_eq!(wasi(&mut m, "fd_filestat_get", &[fd64, u64::from(BUF)]), 0);
    assert_eq!(m.memory.slice(BUF + 16, 1).expect("in bounds")[0], 4);
    assert_eq!(u32_at(&m, BUF + 32), 11);
    assert_eq!(wasi(&mut m, "fd_filestat_set_size", &[fd64, 5]), 0);
    assert_eq!(wasi(&mut m, "fd_sync", &[fd64]), 0);
    assert_eq!(
        std::fs::read(t.root.join("new.txt")).expect("cut"),
        b"hello"
    );
    // fdstat: a regular file, then append set and seen.
    assert_eq!(wasi(&mut m, "fd_fdstat_get", &[fd64, u64::from(BUF)]), 0);
    assert_eq!(m.memory.slice(BUF, 4), Some(&[4u8, 0, 0, 0][..]));
    assert_eq!(wasi(&mut m, "fd_fdstat_set_flags", &[fd64, 1]), 0);
    assert_eq!(wasi(&mut m, "fd_fdstat_get", &[fd64, u64::from(BUF)]), 0);
    assert_eq!(m.memory.slice(BUF, 4), Some(&[4u8, 0, 1, 0][..]));
    assert_eq!(
        wasi(&mut m, "fd_fdstat_set_flags", &[fd64, 16]),
        errno::NOTSUP
    );
    assert_eq!(wasi(&mut m, "fd_close", &[fd64]), 0);
    assert_eq!(wasi(&mut m, "fd_close", &[fd64]), errno::BADF);
    assert_eq!(
        wasi(&mut m, "fd_tell", &[fd64, u64::from(OUT)]),
        errno::BADF
    );

    // A file opened for reading only cannot be written.
    let (_, ro) = open(&mut m, "b.txt", FOLLOW, 0, READ);
    iovs(&mut m, OUT + 16, &[(BUF, 1)]);
    let args = [u64::from(ro), u64::from(OUT + 16), 1, u64::from(OUT + 8)];
    assert_eq!(wasi(&mut m, "fd_write", &args), errno::BADF);

    // The directory lists every entry, `.` and `..` too, across calls with
    // a small buffer.
    let (e, dir) = open(&mut m, "a", FOLLOW, 2, READ | 1 << 14);
    assert_eq!((e, dir), (0, 5), "the lowest free fd");
    let mut names = Vec::new();
    let mut cookie = 0u64;
    loop {
        let args = [u64::from(dir), u64::from(BUF), 40, cookie, u64::from(OUT)];
        assert_eq!(wasi(&mut m, "fd_readdir", &args), 0);
        let used = u32_at(&m, OUT);
        let bytes = m.memory.slice(BUF, used).expect("in bounds").to_vec();
        if bytes.len() < 24 {
            break;
        }
        let namlen = u32::from_le_bytes(bytes[16..20].try_into().expect("4")) as usize;
        assert!(bytes.len() >= 24 + namlen, "40 bytes hold any entry here");
        names.push(String::from_utf8(bytes[24..24 + namlen].to_vec()).expect("utf-8"));
        cookie = u64::from_le_bytes(bytes[..8].try_into().expect("8"));
        if used < 40 {
            break;
        }
    }
    names.sort();
    assert_eq!(names, [".", "..", "file.txt", "up2"]);
    let args = [u64::from(ro), u64::from(BUF), 40, 0, u64::from(OUT)];
    assert_eq!(wasi(&mut m, "fd_readdir", &args), ENOTDIR);
}

#[test]
fn descriptors_and_buffers_are_checked_before_anything_is_done() {
    let t = tree();
    let mut m = preopened(&t.root);
    let (addr, len) = path(&mut m, "made.txt");
    // A bad result pointer: nothing is created.
    let args = [3, FOLLOW, addr, len, CREAT, WRITE, 0, 0, 70_000];
    assert_eq!(wasi(&mut m, "path_open", &args), errno::FAULT);
    assert!(!t.root.join("made.txt").exists());
    // A path outside memory.
    let args = [3, FOLLOW, 65_530, 10, CREAT, WRITE, 0, 0, u64::from(OUT)];
    assert_eq!(wasi(&mut m, "path_open", &args), errno::FAULT);
    // Console descriptors, unknown ones and files are not directories.
    for fd in [0u64, 1, 2, 4, 99] {
        let args = [fd, FOLLOW, addr, len, CREAT, WRITE, 0, 0, u64::from(OUT)];
        assert_eq!(wasi(&mut m, "path_open", &args), errno::BADF, "fd {fd}");
        assert_eq!(
            wasi(&mut m, "path_create_directory", &[fd, addr, len]),
            errno::BADF
        );
        // The console's descriptors have a filestat (a character device).
        let stat_errno = if fd < 3 { 0 } else { errno::BADF };
        assert_eq!(
            wasi(&mut m, "fd_filestat_get", &[fd, u64::from(BUF)]),
            stat_errno
        );
    }
    let (_, file) = open(&mut m, "b.txt", FOLLOW, 0, READ);
    let args = [
        u64::from(file),
        FOLLOW,
        addr,
        len,
        CREAT,
        WRITE,
        0,
        0,
        u64::from(OUT),
    ];
    assert_eq!(wasi(&mut m, "path_open", &args), ENOTDIR);
    // Unknown flag bits.
    for (dirflags, oflags, fdflags) in [(2, 0, 0), (0, 16, 0), (0, 0, 32)] {
        let args = [
            3,
            dirflags,
            addr,
            len,
            oflags,
            WRITE,
            0,
            fdflags,
            u64::from(OUT),
        ];
        assert_eq!(wasi(&mut m, "path_open", &args), errno::INVAL);
    }
    // A NUL inside a path.
    let (addr, len) = path(&mut m, "b.txt\0x");
    let args = [3, FOLLOW, addr, len, 0, READ, 0, 0, u64::from(OUT)];
    assert_eq!(wasi(&mut m, "path_open", &args), errno::INVAL);
    // The console keeps its answers.
    assert_eq!(wasi(&mut m, "fd_tell", &[1, u64::from(OUT)]), errno::SPIPE);
    assert_eq!(wasi(&mut m, "fd_fdstat_set_flags", &[1, 1]), errno::NOTSUP);
    // Closing the preopen frees fd 3 for the next open.
    assert_eq!(wasi(&mut m, "fd_close", &[3]), 0);
    assert_eq!(
        wasi(&mut m, "fd_prestat_get", &[3, u64::from(OUT)]),
        errno::BADF
    );
    assert_eq!(
        wasi(&mut m, "path_create_directory", &[3, addr, len]),
        errno::BADF
    );
}
