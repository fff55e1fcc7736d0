//! The host side of WASI's files: the descriptor table (preopened
//! directories and what the program opened through them) and the sandbox
//! every path goes through.
//!
//! **The sandbox.** A path is only ever resolved by the kernel, relative to
//! a directory descriptor the program holds, with `openat2(2)` and
//! `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`: the kernel refuses, with
//! `EXDEV`, any resolution that would leave the directory: an absolute path,
//! a `..` that climbs above it (`../x`, `a/../../x`), a symlink whose target
//! is absolute or climbs out, at any depth. `..` and symlinks that stay
//! inside still work (`a/../b`, a link to a sibling file). Operations that
//! act on a name rather than open it (unlink, mkdir, rmdir, rename, lstat)
//! resolve the name's parent directory that way and then act on the last
//! component alone, relative to that parent, never following it; a last
//! component of `.` or `..` is resolved whole first, so `..` cannot name
//! the directory's own parent even there. Escapes are `ENOTCAPABLE` (76),
//! the errno WASI defines for "the capability does not reach this", which
//! is also what the wasi.fyi test suite expects; no escape ever reaches the
//! host file system. There is no fallback without `openat2` (Linux 5.6): on
//! an older kernel every path is `ENOSYS`, so the sandbox fails closed.
//!
//! Descriptors 3 and up index [`Files`]; the lowest free one is taken, as
//! POSIX does. Host descriptors are closed when their entry is dropped.

use super::errno;
use alloc::string::String;
use alloc::vec::Vec;

/// `ENOTCAPABLE`: a path would leave its directory.
pub const NOTCAPABLE: i32 = 76;

/// What a descriptor refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file (or anything that is not a directory).
    File,
    /// A directory.
    Dir,
}

/// One directory entry as `fd_readdir` reports it.
#[derive(Debug, Clone)]
pub struct DirEntry {
    /// The inode number.
    pub ino: u64,
    /// The WASI filetype.
    pub filetype: u8,
    /// The name, without NUL.
    pub name: Vec<u8>,
}

/// An open host descriptor and what WASI needs to know about it.
#[derive(Debug)]
pub struct Handle {
    /// The host descriptor (owned: closed on drop).
    pub fd: i32,
    /// File or directory.
    pub kind: Kind,
    /// The guest name, for a preopened directory.
    pub preopen: Option<Vec<u8>>,
    /// The listing `fd_readdir` pages through, taken at cookie 0.
    pub listing: Option<Vec<DirEntry>>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: closing a descriptor this handle owns.
        unsafe { libc::close(self.fd) };
    }
}

/// The descriptors 3 and up.
#[derive(Debug, Default)]
pub struct Files {
    slots: Vec<Option<Handle>>,
}

/// The first descriptor [`Files`] hands out.
pub const FIRST_FD: u32 = 3;

impl Files {
    /// Opens the preopened directories (host path, guest name) as fds 3,
    /// 4, ... in order; the error names `JANUS_DIR`, the path and the cause.
    pub fn preopen(dirs: &[(String, String)]) -> Result<Self, String> {
        let mut files = Files::default();
        for (host, guest) in dirs {
            let mut path = host.as_bytes().to_vec();
            if path.contains(&0) {
                return Err(alloc::format!("JANUS_DIR: `{host}` contains a NUL byte"));
            }
            path.push(0);
            // SAFETY: opening a NUL-terminated path.
            let fd = unsafe {
                libc::open(
                    path.as_ptr().cast(),
                    libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
                )
            };
            if fd < 0 {
                return Err(alloc::format!(
                    "JANUS_DIR: cannot open `{host}` as a directory (errno {})",
                    host_errno()
                ));
            }
            files.slots.push(Some(Handle {
                fd,
                kind: Kind::Dir,
                preopen: Some(guest.as_bytes().to_vec()),
                listing: None,
            }));
        }
        Ok(files)
    }

    /// The open handle of descriptor `fd`.
    pub fn get(&self, fd: u32) -> Option<&Handle> {
        let i = fd.checked_sub(FIRST_FD)? as usize;
        self.slots.get(i)?.as_ref()
    }

    /// The open handle of descriptor `fd`, to change.
    pub fn get_mut(&mut self, fd: u32) -> Option<&mut Handle> {
        let i = fd.checked_sub(FIRST_FD)? as usize;
        self.slots.get_mut(i)?.as_mut()
    }

    /// Takes the lowest free descriptor for `handle`.
    pub fn insert(&mut self, handle: Handle) -> u32 {
        let i = match self.slots.iter().position(Option::is_none) {
            Some(i) => {
                self.slots[i] = Some(handle);
                i
            }
            None => {
                self.slots.push(Some(handle));
                self.slots.len() - 1
            }
        };
        i as u32 + FIRST_FD
    }

    /// Moves descriptor `from` to `to`, closing what `to` was; both must be
    /// open (false otherwise). `from` is free afterwards.
    pub fn renumber(&mut self, from: u32, to: u32) -> bool {
        if self.get(from).is_none() || self.get(to).is_none() {
            return false;
        }
        if from != to {
            let (from, to) = ((from - FIRST_FD) as usize, (to - FIRST_FD) as usize);
            self.slots[to] = self.slots[from].take();
        }
        true
    }

    /// Closes descriptor `fd`; false if it was not open.
    pub fn close(&mut self, fd: u32) -> bool {
        let Some(i) = fd.checked_sub(FIRST_FD) else {
            return false;
        };
        match self.slots.get_mut(i as usize) {
            Some(slot @ Some(_)) => {
                *slot = None;
                true
            }
            _ => false,
        }
    }
}

/// The calling thread's host errno.
pub fn host_errno() -> i32 {
    // SAFETY: reading errno.
    unsafe { *libc::__errno_location() }
}

/// The WASI errno for a host errno.
pub fn wasi_errno(host: i32) -> i32 {
    match host {
        libc::E2BIG => 1,
        libc::EACCES => 2,
        libc::EAGAIN => 6,
        libc::EBADF => errno::BADF,
        libc::EBUSY => 10,
        libc::EEXIST => 20,
        libc::EFAULT => errno::FAULT,
        libc::EFBIG => 22,
        libc::EILSEQ => 25,
        libc::EINTR => 27,
        libc::EINVAL => errno::INVAL,
        libc::EIO => errno::IO,
        libc::EISDIR => 31,
        libc::ELOOP => 32,
        libc::EMFILE => 33,
        libc::EMLINK => 34,
        libc::ENAMETOOLONG => 37,
        libc::ENFILE => 41,
        libc::ENODEV => 43,
        libc::ENOENT => 44,
        libc::ENOMEM => 48,
        libc::ENOSPC => 51,
        libc::ENOSYS => 52,
        libc::ENOTDIR => 54,
        libc::ENOTEMPTY => 55,
        libc::EOPNOTSUPP => errno::NOTSUP,
        libc::ENXIO => 60,
        libc::EOVERFLOW => 61,
        libc::EPERM => 63,
        libc::EPIPE => 64,
        libc::EROFS => 69,
        libc::ESPIPE => errno::SPIPE,
        libc::ETXTBSY => 74,
        libc::EXDEV => 75,
        libc::EDQUOT => 19,
        _ => errno::IO,
    }
}

/// The last host call's errno, as WASI's.
pub fn last_errno() -> i32 {
    wasi_errno(host_errno())
}

/// Checks a guest path: no NUL byte (EINVAL), not absolute (ENOTCAPABLE:
/// a path always names something in its directory), not empty (ENOENT).
fn check_path(path: &[u8]) -> Result<(), i32> {
    if path.contains(&0) {
        Err(errno::INVAL)
    } else if path.first() == Some(&b'/') {
        Err(NOTCAPABLE)
    } else if path.is_empty() {
        Err(44)
    } else {
        Ok(())
    }
}

/// `path` with a NUL appended, for the host.
fn c_path(path: &[u8]) -> Vec<u8> {
    let mut c = Vec::with_capacity(path.len() + 1);
    c.extend_from_slice(path);
    c.push(0);
    c
}

/// The kernel's `struct open_how` (`linux/openat2.h`); libc's is
/// non-exhaustive, so it cannot be built here.
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// `RESOLVE_NO_MAGICLINKS`: no `/proc/self/fd`-style links.
const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
/// `RESOLVE_BENEATH`: every step stays below the starting directory.
const RESOLVE_BENEATH: u64 = 0x08;

/// Opens `path` beneath directory `dir` with `flags` (and `mode` when
/// creating): the sandbox's one way in. An escape is ENOTCAPABLE.
pub fn open_beneath(dir: i32, path: &[u8], flags: i32, mode: u32) -> Result<i32, i32> {
    check_path(path)?;
    let c = c_path(path);
    // openat2 is strict: O_PATH takes no other open flags, and a mode is
    // EINVAL unless the call may create (O_TMPFILE holds O_DIRECTORY's bit).
    let extra = if flags & libc::O_PATH != 0 {
        libc::O_CLOEXEC
    } else {
        libc::O_CLOEXEC | libc::O_NOCTTY
    };
    let creates = flags & libc::O_CREAT != 0 || flags & libc::O_TMPFILE == libc::O_TMPFILE;
    let how = OpenHow {
        flags: (flags | extra) as u64,
        mode: if creates { u64::from(mode) } else { 0 },
        resolve: RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    // The kernel answers EAGAIN when a rename raced the lookup; try again.
    for _ in 0..16 {
        // SAFETY: openat2 with a NUL-terminated path and a valid open_how
        // of the size passed.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dir,
                c.as_ptr(),
                &how as *const OpenHow,
                core::mem::size_of::<OpenHow>(),
            )
        };
        if fd >= 0 {
            return Ok(fd as i32);
        }
        match host_errno() {
            libc::EAGAIN => continue,
            libc::EXDEV => return Err(NOTCAPABLE),
            e => return Err(wasi_errno(e)),
        }
    }
    Err(6)
}

/// A path's parent directory, opened beneath the preopen, and its last
/// component: what name-level operations (unlink, mkdir, rmdir, rename,
/// lstat) act on, relative to the parent, without following it.
#[derive(Debug)]
pub struct Parent {
    /// The parent directory (owned: closed on drop).
    pub fd: i32,
    /// The last component, NUL-terminated, without slashes.
    pub name: Vec<u8>,
    /// The path ended in `/` (the entry must then be a directory).
    pub trailing_slash: bool,
}

impl Drop for Parent {
    fn drop(&mut self) {
        // SAFETY: closing a descriptor this value owns.
        unsafe { libc::close(self.fd) };
    }
}

impl Parent {
    /// Splits `path` beneath `dir`. A last component of `.` or `..` (after
    /// any trailing slashes) is resolved whole first, so an escape is still
    /// ENOTCAPABLE; then the operation gets `dot`, its own errno for acting
    /// on `.` or `..`.
    pub fn of(dir: i32, path: &[u8], dot: i32) -> Result<Parent, i32> {
        check_path(path)?;
        let end = path.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
        let trimmed = &path[..end];
        let (head, last) = match trimmed.iter().rposition(|&b| b == b'/') {
            Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
            None => (&b"."[..], trimmed),
        };
        if last == b"." || last == b".." {
            let fd = open_beneath(dir, trimmed, libc::O_PATH | libc::O_DIRECTORY, 0)?;
            // SAFETY: closing the descriptor just opened.
            unsafe { libc::close(fd) };
            return Err(dot);
        }
        let fd = open_beneath(dir, head, libc::O_PATH | libc::O_DIRECTORY, 0)?;
        let parent = Parent {
            fd,
            name: c_path(last),
            trailing_slash: end < path.len(),
        };
        if parent.trailing_slash {
            // `name/` must be a directory; it is checked without following
            // it (a link named `link/` is never followed out of the tree).
            if let Ok(st) = parent.lstat() {
                if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
                    return Err(54);
                }
            }
        }
        Ok(parent)
    }

    /// The entry's own status (a symlink's, not its target's).
    pub fn lstat(&self) -> Result<libc::stat, i32> {
        // SAFETY: fstatat on our descriptor with a NUL-terminated name; the
        // stat is written by the kernel.
        let mut st: libc::stat = unsafe { core::mem::zeroed() };
        let r = unsafe {
            libc::fstatat(
                self.fd,
                self.name.as_ptr().cast(),
                &mut st,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        if r == 0 {
            Ok(st)
        } else {
            Err(last_errno())
        }
    }
}

/// The host status of descriptor `fd`.
pub fn fstat(fd: i32) -> Result<libc::stat, i32> {
    // SAFETY: fstat writes the stat.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } == 0 {
        Ok(st)
    } else {
        Err(last_errno())
    }
}

/// The WASI filetype of a host mode.
pub fn filetype(mode: u32) -> u8 {
    match mode & libc::S_IFMT {
        libc::S_IFBLK => 1,
        libc::S_IFCHR => 2,
        libc::S_IFDIR => 3,
        libc::S_IFREG => 4,
        libc::S_IFSOCK => 6,
        libc::S_IFLNK => 7,
        _ => 0,
    }
}

/// The WASI filetype of a `d_type`.
fn dirent_type(d_type: u8) -> u8 {
    match d_type {
        libc::DT_BLK => 1,
        libc::DT_CHR => 2,
        libc::DT_DIR => 3,
        libc::DT_REG => 4,
        libc::DT_SOCK => 6,
        libc::DT_LNK => 7,
        _ => 0,
    }
}

/// A 64-byte WASI `filestat` of a host status.
// The field types differ between targets (st_nlink is u32 on aarch64).
#[allow(clippy::unnecessary_cast)]
pub fn filestat(st: &libc::stat) -> [u8; 64] {
    let ns = |s: i64, n: i64| {
        (s as u64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(n as u64)
    };
    let mut b = [0u8; 64];
    b[0..8].copy_from_slice(&(st.st_dev as u64).to_le_bytes());
    b[8..16].copy_from_slice(&(st.st_ino as u64).to_le_bytes());
    b[16] = filetype(st.st_mode);
    b[24..32].copy_from_slice(&(st.st_nlink as u64).to_le_bytes());
    b[32..40].copy_from_slice(&(st.st_size as u64).to_le_bytes());
    b[40..48].copy_from_slice(&ns(st.st_atime, st.st_atime_nsec).to_le_bytes());
    b[48..56].copy_from_slice(&ns(st.st_mtime, st.st_mtime_nsec).to_le_bytes());
    b[56..64].copy_from_slice(&ns(st.st_ctime, st.st_ctime_nsec).to_le_bytes());
    b
}

/// Every entry of directory `dir`, `.` and `..` included, in the host's
/// order.
pub fn list(dir: i32) -> Result<Vec<DirEntry>, i32> {
    // A fresh descriptor: closedir closes it, and the position starts at 0.
    // SAFETY: openat on our descriptor with a NUL-terminated name.
    let fd = unsafe {
        libc::openat(
            dir,
            c".".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(last_errno());
    }
    // SAFETY: fdopendir takes the descriptor; on failure it is ours.
    let stream = unsafe { libc::fdopendir(fd) };
    if stream.is_null() {
        let e = last_errno();
        // SAFETY: closing the descriptor fdopendir did not take.
        unsafe { libc::close(fd) };
        return Err(e);
    }
    let mut out = Vec::new();
    loop {
        // SAFETY: readdir on an open stream; the entry is valid until the
        // next call, and its name is NUL-terminated.
        let entry = unsafe { libc::readdir64(stream) };
        if entry.is_null() {
            break;
        }
        let (ino, d_type, name) = unsafe {
            let e = &*entry;
            let name = core::ffi::CStr::from_ptr(e.d_name.as_ptr());
            (e.d_ino, e.d_type, name.to_bytes().to_vec())
        };
        out.push(DirEntry {
            ino,
            filetype: dirent_type(d_type),
            name,
        });
    }
    // SAFETY: closing the stream (and its descriptor).
    unsafe { libc::closedir(stream) };
    Ok(out)
}
