//! Links, timestamps, positioned reads and writes, renumbering, and what
//! the console's descriptors answer to operations for files.

use super::errno;
use super::fs::NOTCAPABLE;
use super::fs_tests::{
    open, path, preopened, read, stat, tree, BUF, CREAT, FOLLOW, OUT, PATH, READ, WRITE,
};
use super::tests::{iovs, machine, set, u32_at, wasi};
use crate::config::DeviceConfig;
use crate::machine::Machine;
use std::os::unix::fs::MetadataExt;
use std::vec::Vec;

/// Two paths in memory: `a` at [`PATH`], `b` at [`BUF`].
fn two(m: &mut Machine, a: &str, b: &str) -> [u64; 4] {
    set(m, PATH, a.as_bytes());
    set(m, BUF, b.as_bytes());
    [
        u64::from(PATH),
        a.len() as u64,
        u64::from(BUF),
        b.len() as u64,
    ]
}

#[test]
fn symlinks_are_made_and_read_inside_only() {
    let t = tree();
    let mut m = preopened(&t.root);
    let [a, al, b, bl] = two(&mut m, "b.txt", "mine");
    assert_eq!(wasi(&mut m, "path_symlink", &[a, al, 3, b, bl]), 0);
    assert_eq!(
        std::fs::read_link(t.root.join("mine")).expect("a link"),
        std::path::Path::new("b.txt")
    );
    let (e, fd) = open(&mut m, "mine", FOLLOW, 0, READ);
    assert_eq!(e, 0);
    assert_eq!(read(&mut m, fd), b"bee");
    // Read back, whole and cut.
    let (p, pl) = path(&mut m, "mine");
    let args = [3, p, pl, u64::from(BUF), 64, u64::from(OUT)];
    assert_eq!(wasi(&mut m, "path_readlink", &args), 0);
    assert_eq!(u32_at(&m, OUT), 5);
    assert_eq!(m.memory.slice(BUF, 5), Some(&b"b.txt"[..]));
    let args = [3, p, pl, u64::from(BUF), 2, u64::from(OUT)];
    assert_eq!(wasi(&mut m, "path_readlink", &args), 0);
    assert_eq!(u32_at(&m, OUT), 2);
    // A link out is text: readlink shows it; nothing follows it.
    let (p, pl) = path(&mut m, "link_root");
    let args = [3, p, pl, u64::from(BUF), 64, u64::from(OUT)];
    assert_eq!(wasi(&mut m, "path_readlink", &args), 0);
    assert_eq!(m.memory.slice(BUF, 1), Some(&b"/"[..]));
    let (p, pl) = path(&mut m, "b.txt");
    let args = [3, p, pl, u64::from(BUF), 64, u64::from(OUT)];
    assert_eq!(
        wasi(&mut m, "path_readlink", &args),
        errno::INVAL,
        "not a link"
    );
    let (p, pl) = path(&mut m, "../outside/secret.txt");
    let args = [3, p, pl, u64::from(BUF), 64, u64::from(OUT)];
    assert_eq!(wasi(&mut m, "path_readlink", &args), NOTCAPABLE);

    // An absolute target, or a link placed outside, is refused.
    let [a, al, b, bl] = two(&mut m, "/etc/passwd", "abs");
    assert_eq!(wasi(&mut m, "path_symlink", &[a, al, 3, b, bl]), NOTCAPABLE);
    let [a, al, b, bl] = two(&mut m, "b.txt", "../outside/planted");
    assert_eq!(wasi(&mut m, "path_symlink", &[a, al, 3, b, bl]), NOTCAPABLE);
    assert!(!t.outside.join("planted").exists());
    // A relative target that climbs out may be made, and leads nowhere.
    let [a, al, b, bl] = two(&mut m, "../outside/secret.txt", "climb");
    assert_eq!(wasi(&mut m, "path_symlink", &[a, al, 3, b, bl]), 0);
    assert_eq!(open(&mut m, "climb", FOLLOW, 0, READ).0, NOTCAPABLE);
    assert_eq!(stat(&mut m, "climb", FOLLOW).0, NOTCAPABLE);
    let [a, al, b, bl] = two(&mut m, "b.txt", "mine");
    assert_eq!(
        wasi(&mut m, "path_symlink", &[a, al, 3, b, bl]),
        20,
        "EEXIST"
    );
}

#[test]
fn hard_links_never_follow_and_never_leave() {
    let t = tree();
    let mut m = preopened(&t.root);
    let [a, al, b, bl] = two(&mut m, "b.txt", "a/hard.txt");
    assert_eq!(wasi(&mut m, "path_link", &[3, 0, a, al, 3, b, bl]), 0);
    assert_eq!(
        std::fs::metadata(t.root.join("b.txt")).expect("b").nlink(),
        2
    );
    // Linking a link out links the link, not the outside file.
    let [a, al, b, bl] = two(&mut m, "link_root", "root2");
    assert_eq!(wasi(&mut m, "path_link", &[3, 0, a, al, 3, b, bl]), 0);
    assert!(std::fs::symlink_metadata(t.root.join("root2"))
        .expect("made")
        .file_type()
        .is_symlink());
    assert_eq!(
        wasi(&mut m, "path_link", &[3, 1, a, al, 3, b, bl]),
        errno::INVAL
    );
    for (from, to) in [
        ("../outside/secret.txt", "got.txt"),
        ("link_up/outside/secret.txt", "got.txt"),
        ("b.txt", "../outside/b.txt"),
    ] {
        let [a, al, b, bl] = two(&mut m, from, to);
        let args = [3, 0, a, al, 3, b, bl];
        assert_eq!(wasi(&mut m, "path_link", &args), NOTCAPABLE, "{from} {to}");
    }
    assert_eq!(
        std::fs::metadata(t.outside.join("secret.txt"))
            .expect("s")
            .nlink(),
        1
    );
    assert!(!t.outside.join("b.txt").exists());
}

#[test]
fn times_are_set_given_now_or_left() {
    let t = tree();
    let mut m = preopened(&t.root);
    let (p, pl) = path(&mut m, "b.txt");
    let sec = 1_000_000_000u64;
    // atim given, mtim given.
    let args = [3, FOLLOW, p, pl, 100 * sec, 200 * sec + 5, 1 | 4];
    assert_eq!(wasi(&mut m, "path_filestat_set_times", &args), 0);
    let meta = std::fs::metadata(t.root.join("b.txt")).expect("b");
    assert_eq!(
        (meta.atime(), meta.mtime(), meta.mtime_nsec()),
        (100, 200, 5)
    );
    // mtim left alone, atim now.
    let args = [3, FOLLOW, p, pl, 0, 0, 2];
    assert_eq!(wasi(&mut m, "path_filestat_set_times", &args), 0);
    let meta = std::fs::metadata(t.root.join("b.txt")).expect("b");
    assert!(meta.atime() > 1_000_000_000 && meta.mtime() == 200);
    // Both given and now, unknown bits.
    for flags in [1 | 2, 4 | 8, 16] {
        let args = [3, FOLLOW, p, pl, 0, 0, flags];
        assert_eq!(wasi(&mut m, "path_filestat_set_times", &args), errno::INVAL);
    }
    // Through a link out: refused; the link itself: allowed.
    let (p, pl) = path(&mut m, "link_up");
    let args = [3, FOLLOW, p, pl, 0, 300 * sec, 4];
    assert_eq!(wasi(&mut m, "path_filestat_set_times", &args), NOTCAPABLE);
    let outside_mtime = std::fs::metadata(&t.outside).expect("o").mtime();
    assert_ne!(outside_mtime, 300);
    let args = [3, 0, p, pl, 0, 300 * sec, 4];
    assert_eq!(wasi(&mut m, "path_filestat_set_times", &args), 0);
    let link = std::fs::symlink_metadata(t.root.join("link_up")).expect("l");
    assert_eq!(link.mtime(), 300);
    // On a descriptor.
    let (_, fd) = open(&mut m, "b.txt", FOLLOW, 0, READ);
    let args = [u64::from(fd), 0, 400 * sec, 4];
    assert_eq!(wasi(&mut m, "fd_filestat_set_times", &args), 0);
    assert_eq!(
        std::fs::metadata(t.root.join("b.txt")).expect("b").mtime(),
        400
    );
}

#[test]
fn positioned_io_leaves_the_offset() {
    let t = tree();
    let mut m = preopened(&t.root);
    let (e, fd) = open(&mut m, "p.txt", FOLLOW, CREAT, READ | WRITE);
    assert_eq!(e, 0);
    let fd64 = u64::from(fd);
    set(&mut m, BUF, b"0123456789");
    iovs(&mut m, OUT + 16, &[(BUF, 10)]);
    let args = [fd64, u64::from(OUT + 16), 1, 5, u64::from(OUT + 8)];
    assert_eq!(wasi(&mut m, "fd_pwrite", &args), 0);
    assert_eq!(u32_at(&m, OUT + 8), 10);
    assert_eq!(
        std::fs::read(t.root.join("p.txt")).expect("p"),
        b"\0\0\0\0\x000123456789"
    );
    assert_eq!(wasi(&mut m, "fd_tell", &[fd64, u64::from(OUT)]), 0);
    assert_eq!(u32_at(&m, OUT), 0, "pwrite left the offset");
    iovs(&mut m, OUT + 16, &[(BUF + 100, 3), (BUF + 200, 2)]);
    let args = [fd64, u64::from(OUT + 16), 2, 8, u64::from(OUT + 8)];
    assert_eq!(wasi(&mut m, "fd_pread", &args), 0);
    assert_eq!(u32_at(&m, OUT + 8), 5);
    assert_eq!(m.memory.slice(BUF + 100, 3), Some(&b"345"[..]));
    assert_eq!(m.memory.slice(BUF + 200, 2), Some(&b"67"[..]));
    let args = [fd64, u64::from(OUT + 16), 2, u64::MAX, u64::from(OUT + 8)];
    assert_eq!(wasi(&mut m, "fd_pread", &args), errno::INVAL);
    assert_eq!(wasi(&mut m, "fd_datasync", &[fd64]), 0);
    for advice in 0..6 {
        assert_eq!(wasi(&mut m, "fd_advise", &[fd64, 0, 10, advice]), 0);
    }
    assert_eq!(wasi(&mut m, "fd_advise", &[fd64, 0, 10, 6]), errno::INVAL);
    assert_eq!(wasi(&mut m, "fd_allocate", &[fd64, 0, 100]), 0);
    assert_eq!(
        std::fs::metadata(t.root.join("p.txt")).expect("p").len(),
        100
    );
    assert_eq!(wasi(&mut m, "fd_allocate", &[fd64, 0, 0]), errno::INVAL);
    assert_eq!(wasi(&mut m, "fd_allocate", &[3, 0, 1]), 31, "EISDIR");
}

#[test]
fn renumbering_moves_a_descriptor() {
    let t = tree();
    let mut m = preopened(&t.root);
    let (_, a) = open(&mut m, "b.txt", FOLLOW, 0, READ);
    let (_, b) = open(&mut m, "a/file.txt", FOLLOW, 0, READ);
    assert_eq!((a, b), (4, 5));
    assert_eq!(wasi(&mut m, "fd_renumber", &[5, 4]), 0);
    assert_eq!(read(&mut m, 4), b"in a");
    assert_eq!(wasi(&mut m, "fd_close", &[5]), errno::BADF, "5 is free");
    assert_eq!(wasi(&mut m, "fd_renumber", &[4, 4]), 0);
    assert_eq!(wasi(&mut m, "fd_renumber", &[4, 9]), errno::BADF);
    assert_eq!(wasi(&mut m, "fd_renumber", &[4, 1]), errno::NOTSUP);
    assert_eq!(wasi(&mut m, "fd_renumber", &[1, 4]), errno::NOTSUP);
    assert_eq!(read(&mut m, 4), b"", "at the end, still open");
}

#[test]
fn the_console_answers_file_operations_without_being_a_file() {
    let mut m = machine(DeviceConfig::default());
    assert_eq!(wasi(&mut m, "fd_filestat_get", &[1, u64::from(BUF)]), 0);
    assert_eq!(
        m.memory.slice(BUF + 16, 1),
        Some(&[2u8][..]),
        "character device"
    );
    iovs(&mut m, OUT + 16, &[(BUF, 1)]);
    let pio = [1, u64::from(OUT + 16), 1, 0, u64::from(OUT)];
    let answers: Vec<(&str, Vec<u64>, i32)> = std::vec![
        ("fd_pread", pio.to_vec(), errno::SPIPE),
        ("fd_pwrite", pio.to_vec(), errno::SPIPE),
        ("fd_advise", std::vec![1, 0, 0, 0], errno::SPIPE),
        ("fd_allocate", std::vec![1, 0, 1], errno::SPIPE),
        ("fd_datasync", std::vec![1], errno::INVAL),
        ("fd_sync", std::vec![1], errno::INVAL),
        ("fd_filestat_set_size", std::vec![1, 0], errno::INVAL),
        (
            "fd_filestat_set_times",
            std::vec![1, 0, 0, 2],
            errno::NOTSUP
        ),
    ];
    for (name, args, want) in &answers {
        assert_eq!(wasi(&mut m, name, args), *want, "{name}");
    }
    assert_eq!(wasi(&mut m, "fd_close", &[1]), 0);
    for (name, args, _) in &answers {
        assert_eq!(
            wasi(&mut m, name, args),
            errno::BADF,
            "{name} on a closed fd"
        );
    }
    assert_eq!(
        wasi(&mut m, "fd_filestat_get", &[1, u64::from(BUF)]),
        errno::BADF
    );
    // Path operations need a directory.
    let [a, al, b, bl] = two(&mut m, "x", "y");
    assert_eq!(
        wasi(&mut m, "path_symlink", &[a, al, 0, b, bl]),
        errno::BADF
    );
    assert_eq!(
        wasi(&mut m, "path_link", &[0, 0, a, al, 0, b, bl]),
        errno::BADF
    );
}

#[test]
fn a_file_is_ready_to_read_what_is_left_past_its_offset() {
    let t = tree();
    let mut m = preopened(&t.root);
    let (_, fd) = open(&mut m, "b.txt", FOLLOW, 0, READ);
    let mut sub = [0u8; 48];
    sub[0] = 9;
    sub[8] = 1;
    sub[16..20].copy_from_slice(&fd.to_le_bytes());
    set(&mut m, PATH, &sub);
    let poll = |m: &mut Machine| {
        let args = [u64::from(PATH), u64::from(BUF), 1, u64::from(OUT)];
        assert_eq!(wasi(m, "poll_oneoff", &args), 0);
        assert_eq!(u32_at(m, OUT), 1);
        (
            u32_at(m, BUF),
            m.memory.slice(BUF + 10, 1).expect("in")[0],
            u32_at(m, BUF + 16),
        )
    };
    assert_eq!(poll(&mut m), (9, 1, 3), "3 bytes to read");
    assert_eq!(read(&mut m, fd), b"bee");
    assert_eq!(poll(&mut m), (9, 1, 0), "at the end");
    // The preopened directory is no file to read.
    sub[16..20].copy_from_slice(&3u32.to_le_bytes());
    set(&mut m, PATH, &sub);
    let args = [u64::from(PATH), u64::from(BUF), 1, u64::from(OUT)];
    assert_eq!(wasi(&mut m, "poll_oneoff", &args), 0);
    assert_eq!(u32_at(&m, BUF + 8) & 0xffff, errno::BADF as u32);
}

/// Bad input never panics: every file operation, given every descriptor
/// kind (console, preopen, file, closed, huge) and arguments at the edges
/// of memory and of their types, returns an errno.
#[test]
fn every_file_operation_answers_any_arguments_with_an_errno() {
    let t = tree();
    let mut m = preopened(&t.root);
    let (_, file) = open(&mut m, "b.txt", FOLLOW, 0, READ);
    let values = [
        0u64,
        1,
        2,
        3,
        u64::from(file),
        9,
        65_535,
        65_536,
        u64::from(u32::MAX),
        u64::MAX,
        1 << 63,
    ];
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    for op in crate::abi::DEVICE_OPS {
        if !crate::abi::is_wasi_file_op(op.code()) {
            continue;
        }
        let name = op.name.trim_start_matches("wasi.");
        for _ in 0..300 {
            let args: Vec<u64> = op
                .params
                .iter()
                .map(|_| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    values[(rng % values.len() as u64) as usize]
                })
                .collect();
            let e = wasi(&mut m, name, &args);
            assert!((0..=76).contains(&e), "{name}{args:?}: {e}");
        }
    }
    // Nothing outside was touched.
    assert_eq!(
        std::fs::read_to_string(t.outside.join("secret.txt")).expect("kept"),
        "secret"
    );
}
