//! Replacing a file whole, without trusting any name someone else could
//! have planted.
//!
//! A frame is written to a fresh temporary file beside its final name and
//! then renamed into place, so a reader sees the old file or the new one,
//! never half of one. The temporary file must not be a name another user
//! can predict: in a directory others may write (a shared temporary
//! directory), a symbolic link planted at a predictable name would make the
//! program overwrite whatever the link points at. So the temporary name is
//! `.NAME.XXXXXXXXXXXXXXXX` (16 hex digits from getrandom(2)), it is created
//! with `O_CREAT | O_EXCL | O_NOFOLLOW` (which fails on any existing name,
//! a link included, and never follows one), a name already taken is retried
//! with a new random suffix at most [`ATTEMPTS`] times, and the data goes
//! through the descriptor that creation returned. The final `rename`
//! replaces whatever is at the final name, a symbolic link included, without
//! following it. On any failure the temporary file is removed.

use crate::abi::DeviceError;
use alloc::ffi::CString;
use alloc::vec::Vec;

/// How many temporary names are tried before a write gives up with E_IO.
/// With 64 random bits a second attempt only happens when someone planted
/// the name; the bound keeps a directory full of planted names from
/// stalling the program.
pub const ATTEMPTS: u32 = 16;

/// The longest prefix of the final file name the temporary name keeps, so
/// that the temporary name stays under the host's 255-byte name limit.
const NAME_KEPT: usize = 200;

fn errno() -> i32 {
    // SAFETY: reading errno.
    unsafe { *libc::__errno_location() }
}

/// Writes `data` to `path` through an exclusively created temporary file in
/// the same directory, renamed over `path` once it is complete. Any host
/// failure is E_IO, with nothing left behind but what was at `path` before.
pub fn write(path: &str, data: &[u8]) -> Result<(), DeviceError> {
    write_with(path, data, random_u64)
}

/// [`write`] with its source of random suffixes given, so tests can make
/// names collide.
fn write_with(
    path: &str,
    data: &[u8],
    mut random: impl FnMut() -> Option<u64>,
) -> Result<(), DeviceError> {
    let c_path = CString::new(path).map_err(|_| DeviceError::Io)?;
    for _ in 0..ATTEMPTS {
        let suffix = random().ok_or(DeviceError::Io)?;
        let c_tmp = CString::new(temp_name(path, suffix)).map_err(|_| DeviceError::Io)?;
        // SAFETY: open on a C string path; O_EXCL with O_CREAT fails on any
        // existing name, symbolic links included, and O_NOFOLLOW makes sure
        // no link is followed even where O_EXCL would not be honoured.
        let fd = unsafe {
            libc::open(
                c_tmp.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o666 as libc::c_uint,
            )
        };
        if fd < 0 {
            match errno() {
                libc::EEXIST | libc::EINTR => continue,
                _ => return Err(DeviceError::Io),
            }
        }
        let written = crate::console::write_fd(fd, data);
        // SAFETY: closing the descriptor we created, once; then renaming
        // and (on failure) unlinking the name we created, by C string path.
        unsafe {
            let closed = libc::close(fd) == 0;
            if written && closed && libc::rename(c_tmp.as_ptr(), c_path.as_ptr()) == 0 {
                return Ok(());
            }
            libc::unlink(c_tmp.as_ptr());
        }
        return Err(DeviceError::Io);
    }
    Err(DeviceError::Io)
}

/// The temporary name for `path` with `suffix`: `DIR/.NAME.XXXXXXXXXXXXXXXX`,
/// in the directory of `path` (none for a bare name), NAME cut to
/// [`NAME_KEPT`] bytes.
fn temp_name(path: &str, suffix: u64) -> Vec<u8> {
    let bytes = path.as_bytes();
    let split = bytes.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    let (dir, name) = bytes.split_at(split);
    let mut tmp = Vec::with_capacity(dir.len() + NAME_KEPT + 18);
    tmp.extend_from_slice(dir);
    tmp.push(b'.');
    tmp.extend_from_slice(&name[..name.len().min(NAME_KEPT)]);
    tmp.push(b'.');
    for shift in (0..16).rev() {
        tmp.push(b"0123456789abcdef"[(suffix >> (shift * 4)) as usize & 0xf]);
    }
    tmp
}

/// 64 bits from the kernel's random source: getrandom(2), or
/// `/dev/urandom` where that call does not exist. `None` when neither
/// answers.
fn random_u64() -> Option<u64> {
    let mut buf = [0u8; 8];
    loop {
        // SAFETY: getrandom into a live 8-byte buffer.
        let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n == 8 {
            return Some(u64::from_ne_bytes(buf));
        }
        if n < 0 && errno() == libc::EINTR {
            continue;
        }
        if n < 0 && errno() == libc::ENOSYS {
            break;
        }
        return None;
    }
    // SAFETY: opening, reading into a live buffer, and closing a descriptor
    // we own.
    unsafe {
        let fd = libc::open(c"/dev/urandom".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return None;
        }
        let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
        libc::close(fd);
        (n == 8).then(|| u64::from_ne_bytes(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};
    use std::path::Path;
    use std::string::{String, ToString};
    use std::vec;
    use std::vec::Vec;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("listing")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn temporary_names_sit_beside_the_file_hidden_and_random() {
        assert_eq!(
            temp_name("out/frame-00001.png", 0xfeed_0000_0000_0001),
            b"out/.frame-00001.png.feed000000000001".to_vec()
        );
        assert_eq!(
            temp_name("out.png", 10),
            b".out.png.000000000000000a".to_vec()
        );
        assert_eq!(
            temp_name("/frame-00000.png", u64::MAX),
            b"/.frame-00000.png.ffffffffffffffff".to_vec()
        );
        let long = "d/".to_string() + &"x".repeat(300) + ".png";
        assert_eq!(temp_name(&long, 0).len(), 2 + 1 + NAME_KEPT + 17);
        let (a, b) = (random_u64().expect("random"), random_u64().expect("random"));
        assert_ne!(a, b, "two draws of 64 random bits");
    }

    #[test]
    fn planted_links_are_neither_followed_nor_written_through() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, b"precious").expect("victim");
        let out = tmp.path().join("out.png");
        // The names the old code wrote through, and the final name itself.
        symlink(&victim, tmp.path().join("out.png.tmp")).expect("link");
        symlink(&victim, &out).expect("link");
        write(out.to_str().expect("utf-8"), b"frame").expect("written");
        assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
        let meta = std::fs::symlink_metadata(&out).expect("out.png");
        assert!(meta.file_type().is_file(), "the link was replaced");
        assert_eq!(meta.permissions().mode() & 0o111, 0, "not executable");
        assert_eq!(std::fs::read(&out).expect("out.png"), b"frame");
        assert_eq!(names(tmp.path()), ["out.png", "out.png.tmp", "victim"]);
    }

    #[test]
    fn a_taken_name_is_retried_with_a_new_suffix_a_bounded_number_of_times() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, b"precious").expect("victim");
        let out = tmp.path().join("f.png");
        let out = out.to_str().expect("utf-8");
        let planted = String::from_utf8(temp_name(out, 1)).expect("utf-8");
        symlink(&victim, &planted).expect("link");

        let mut draws = vec![1, 1, 2].into_iter();
        write_with(out, b"new", || draws.next()).expect("the third name is free");
        assert_eq!(draws.next(), None, "three names tried");
        assert_eq!(std::fs::read(out).expect("written"), b"new");

        let mut calls = 0;
        let r = write_with(out, b"newer", || {
            calls += 1;
            Some(1)
        });
        assert_eq!(r, Err(DeviceError::Io), "every name taken");
        assert_eq!(calls, ATTEMPTS);
        assert_eq!(std::fs::read(out).expect("kept"), b"new");
        assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
        assert_eq!(
            write_with(out, b"newer", || None),
            Err(DeviceError::Io),
            "no random source"
        );
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        // rename cannot replace a directory that holds something.
        let out = tmp.path().join("busy.png");
        std::fs::create_dir(&out).expect("directory");
        std::fs::write(out.join("inside"), b"").expect("file");
        assert_eq!(
            write(out.to_str().expect("utf-8"), b"frame"),
            Err(DeviceError::Io)
        );
        assert_eq!(names(tmp.path()), ["busy.png"]);
        let missing = tmp.path().join("missing/f.png");
        assert_eq!(
            write(missing.to_str().expect("utf-8"), b"frame"),
            Err(DeviceError::Io)
        );
        assert_eq!(write("a\0b.png", b"frame"), Err(DeviceError::Io));
    }
}
