//! WASI's links and timestamps beneath a preopened directory:
//! `path_readlink`, `path_symlink`, `path_link`, `fd_filestat_set_times`,
//! `path_filestat_set_times` (`docs/ISA.md` §6.8, "WASI files").
//!
//! They keep the sandbox of [`super::fs`]: a name is resolved to its parent
//! beneath the directory and acted on without following it. A symlink's
//! contents are only ever text until some path runs into it, and every
//! path is resolved beneath its directory, so a link could not lead out
//! anyway; an absolute target is still refused (ENOTCAPABLE), since no
//! path inside the sandbox could ever follow it. `path_link` with
//! `symlink_follow` is EINVAL: following the old path's last link would
//! need a hard link to whatever it names, and the kernel makes that from a
//! descriptor only with a privilege the program should not depend on.

use super::files::{code, dir_fd, host, path as bytes};
use super::fs::{self, Parent, NOTCAPABLE};
use super::{errno, put};
use crate::machine::Machine;

/// `lookupflags::symlink_follow`.
const SYMLINK_FOLLOW: u32 = 1;

/// `fstflags`: atim, atim_now, mtim, mtim_now.
const ATIM: u32 = 1;
const ATIM_NOW: u32 = 2;
const MTIM: u32 = 4;
const MTIM_NOW: u32 = 8;

/// `path_readlink(fd, path, path_len, buf, buf_len, bufused_ptr)`: the
/// link's contents, cut at `buf_len` (as readlink does), and their length.
pub fn path_readlink(
    m: &mut Machine,
    fd: u32,
    path: (u32, u32),
    buf: u32,
    len: u32,
    used: u32,
) -> i32 {
    code((|| {
        let dir = dir_fd(m, fd)?;
        let path = bytes(m, path.0, path.1)?;
        if !m.memory.in_bounds(buf, u64::from(len)) || !m.memory.in_bounds(used, 4) {
            return Err(errno::FAULT);
        }
        let parent = Parent::of(dir, &path, errno::INVAL)?;
        // No link holds more than PATH_MAX bytes; a larger buffer is cut.
        let mut out = alloc::vec![0u8; (len as usize).min(libc::PATH_MAX as usize)];
        // SAFETY: readlinkat on our parent descriptor, a NUL-terminated
        // name, into a buffer of the length passed.
        let n = unsafe {
            libc::readlinkat(
                parent.fd,
                parent.name.as_ptr().cast(),
                out.as_mut_ptr().cast(),
                out.len(),
            )
        };
        if n < 0 {
            return Err(fs::last_errno());
        }
        out.truncate(n as usize);
        put(m, buf, &out);
        put(m, used, &(n as u32).to_le_bytes());
        Ok(())
    })())
}

/// `path_symlink(old_path, old_len, fd, new_path, new_len)`: a link named
/// `new_path` beneath directory `fd` whose contents are `old_path`, which
/// must be relative (ENOTCAPABLE) and hold no NUL (EINVAL).
pub fn path_symlink(m: &mut Machine, target: (u32, u32), fd: u32, path: (u32, u32)) -> i32 {
    code((|| {
        let dir = dir_fd(m, fd)?;
        let mut target = bytes(m, target.0, target.1)?;
        let path = bytes(m, path.0, path.1)?;
        if target.contains(&0) {
            return Err(errno::INVAL);
        }
        if target.first() == Some(&b'/') {
            return Err(NOTCAPABLE);
        }
        if target.is_empty() {
            return Err(44);
        }
        target.push(0);
        let parent = Parent::of(dir, &path, 20)?;
        // SAFETY: symlinkat with NUL-terminated strings and our parent
        // descriptor.
        host(unsafe {
            libc::symlinkat(
                target.as_ptr().cast(),
                parent.fd,
                parent.name.as_ptr().cast(),
            )
        })
    })())
}

/// `path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path,
/// new_len)`: a hard link; `symlink_follow` is EINVAL (see the module doc),
/// so a link to a symlink links the symlink itself.
pub fn path_link(
    m: &mut Machine,
    old_fd: u32,
    flags: u32,
    old: (u32, u32),
    new_fd: u32,
    new: (u32, u32),
) -> i32 {
    code((|| {
        let from_dir = dir_fd(m, old_fd)?;
        let to_dir = dir_fd(m, new_fd)?;
        if flags != 0 {
            return Err(errno::INVAL);
        }
        let old = bytes(m, old.0, old.1)?;
        let new = bytes(m, new.0, new.1)?;
        let from = Parent::of(from_dir, &old, 63)?;
        let to = Parent::of(to_dir, &new, 20)?;
        // SAFETY: linkat on our parent descriptors with NUL-terminated
        // names, following nothing.
        host(unsafe {
            libc::linkat(
                from.fd,
                from.name.as_ptr().cast(),
                to.fd,
                to.name.as_ptr().cast(),
                0,
            )
        })
    })())
}

/// The two timespecs of `fst_flags`: each time given, now, or left alone.
/// A time both given and now is EINVAL, as are unknown bits.
fn times(atim: u64, mtim: u64, flags: u32) -> Result<[libc::timespec; 2], i32> {
    if flags > 15
        || flags & (ATIM | ATIM_NOW) == ATIM | ATIM_NOW
        || flags & (MTIM | MTIM_NOW) == MTIM | MTIM_NOW
    {
        return Err(errno::INVAL);
    }
    let one = |ns: u64, set: bool, now: bool| libc::timespec {
        tv_sec: if set {
            (ns / 1_000_000_000) as libc::time_t
        } else {
            0
        },
        tv_nsec: if now {
            libc::UTIME_NOW
        } else if set {
            (ns % 1_000_000_000) as libc::c_long
        } else {
            libc::UTIME_OMIT
        },
    };
    Ok([
        one(atim, flags & ATIM != 0, flags & ATIM_NOW != 0),
        one(mtim, flags & MTIM != 0, flags & MTIM_NOW != 0),
    ])
}

/// `fd_filestat_set_times(fd, atim, mtim, fst_flags)` on a file or
/// directory.
pub fn fd_filestat_set_times(m: &mut Machine, fd: u32, atim: u64, mtim: u64, flags: u32) -> i32 {
    let Some(h) = m.files.get(fd) else {
        return errno::BADF;
    };
    let ts = match times(atim, mtim, flags) {
        Ok(ts) => ts,
        Err(e) => return e,
    };
    // SAFETY: futimens on our descriptor with two timespecs.
    code(host(unsafe { libc::futimens(h.fd, ts.as_ptr()) }))
}

/// `path_filestat_set_times(fd, flags, path, path_len, atim, mtim,
/// fst_flags)`: with `symlink_follow`, on what the path leads to (inside
/// the directory); without, on the last component itself.
#[allow(clippy::too_many_arguments)]
pub fn path_filestat_set_times(
    m: &mut Machine,
    fd: u32,
    lookup: u32,
    path: (u32, u32),
    atim: u64,
    mtim: u64,
    flags: u32,
) -> i32 {
    code((|| {
        let dir = dir_fd(m, fd)?;
        if lookup & !SYMLINK_FOLLOW != 0 {
            return Err(errno::INVAL);
        }
        let ts = times(atim, mtim, flags)?;
        let path = bytes(m, path.0, path.1)?;
        let mut open = libc::O_PATH;
        if lookup & SYMLINK_FOLLOW == 0 {
            open |= libc::O_NOFOLLOW;
        }
        let target = fs::open_beneath(dir, &path, open, 0)?;
        // SAFETY: utimensat on the descriptor just opened (AT_EMPTY_PATH:
        // the descriptor itself, a symlink's own if it is one), then it is
        // closed.
        unsafe {
            let r = libc::utimensat(target, c"".as_ptr(), ts.as_ptr(), libc::AT_EMPTY_PATH);
            let r = if r < 0 { Err(fs::last_errno()) } else { Ok(()) };
            libc::close(target);
            r
        }
    })())
}
