//! The WASI file operations on descriptors 3 and up: preopened directories
//! and what `path_open` opens beneath them (`docs/ISA.md` §6.8, "WASI
//! files"). Every path goes through the sandbox of [`super::fs`].
//!
//! Like the console's operations, each checks its descriptor and flags
//! (EBADF, EINVAL), then every buffer (EFAULT), and only then acts on the
//! host, so a bad pointer never leaves a file created or removed. Rights
//! are not enforced (preview 1's rights are deprecated, and wasi-libc asks
//! for all of them); what a descriptor may do is what the host allows on
//! it: a file opened only for reading cannot be written (EBADF).

use super::fs::{self, DirEntry, Handle, Kind, Parent};
use super::{errno, gather, iovecs, put};
use crate::machine::Machine;
use alloc::vec::Vec;

/// `rights::fd_read`, `fd_readdir`: asking for either opens for reading.
const READ_RIGHTS: u64 = 1 << 1 | 1 << 14;
/// `rights::fd_datasync`, `fd_write`, `fd_allocate`, `fd_filestat_set_size`:
/// asking for any opens for writing.
const WRITE_RIGHTS: u64 = 1 | 1 << 6 | 1 << 8 | 1 << 22;
/// Every preview-1 right, what `fd_fdstat_get` reports for a file or
/// directory.
const ALL_RIGHTS: u64 = (1 << 30) - 1;

/// `oflags`: creat, directory, excl, trunc.
const O_CREAT: u32 = 1;
const O_DIRECTORY: u32 = 2;
const O_EXCL: u32 = 4;
const O_TRUNC: u32 = 8;
/// `fdflags`: append, dsync, nonblock, rsync, sync.
const FD_APPEND: u32 = 1;
const FD_DSYNC: u32 = 2;
const FD_NONBLOCK: u32 = 4;
const FD_RSYNC: u32 = 8;
const FD_SYNC: u32 = 16;
/// `lookupflags::symlink_follow`.
const SYMLINK_FOLLOW: u32 = 1;

/// Size of a `dirent` before its name.
const DIRENT: usize = 24;

/// A guest path: the bytes at `(addr, len)`, or EFAULT.
pub(super) fn path(m: &Machine, addr: u32, len: u32) -> Result<Vec<u8>, i32> {
    m.memory
        .slice(addr, len)
        .map(<[u8]>::to_vec)
        .ok_or(errno::FAULT)
}

/// The host descriptor of an open directory `fd`: EBADF for a console or
/// closed descriptor, ENOTDIR for a file.
pub(super) fn dir_fd(m: &Machine, fd: u32) -> Result<i32, i32> {
    match m.files.get(fd) {
        Some(h) if h.kind == Kind::Dir => Ok(h.fd),
        Some(_) => Err(54),
        None => Err(errno::BADF),
    }
}

/// The errno of a result.
pub(super) fn code(r: Result<(), i32>) -> i32 {
    r.err().unwrap_or(errno::SUCCESS)
}

/// The result of a host call returning -1 on failure.
pub(super) fn host(r: libc::c_int) -> Result<(), i32> {
    if r < 0 {
        Err(fs::last_errno())
    } else {
        Ok(())
    }
}

/// `path_open(fd, dirflags, path, path_len, oflags, rights_base,
/// rights_inheriting, fdflags, fd_ptr)`.
#[allow(clippy::too_many_arguments)]
pub fn path_open(
    m: &mut Machine,
    fd: u32,
    dirflags: u32,
    addr: u32,
    len: u32,
    oflags: u32,
    rights: u64,
    fdflags: u32,
    out: u32,
) -> i32 {
    code((|| {
        let dir = dir_fd(m, fd)?;
        if dirflags & !SYMLINK_FOLLOW != 0 || oflags > 15 || fdflags > 31 {
            return Err(errno::INVAL);
        }
        let path = path(m, addr, len)?;
        if !m.memory.in_bounds(out, 4) {
            return Err(errno::FAULT);
        }
        let (read, write) = (rights & READ_RIGHTS != 0, rights & WRITE_RIGHTS != 0);
        let mut flags = match (read, write) {
            (_, false) => libc::O_RDONLY,
            (false, true) => libc::O_WRONLY,
            (true, true) => libc::O_RDWR,
        };
        for (bit, host) in [
            (O_CREAT, libc::O_CREAT),
            (O_DIRECTORY, libc::O_DIRECTORY),
            (O_EXCL, libc::O_EXCL),
            (O_TRUNC, libc::O_TRUNC),
        ] {
            if oflags & bit != 0 {
                flags |= host;
            }
        }
        for (bit, host) in [
            (FD_APPEND, libc::O_APPEND),
            (FD_DSYNC, libc::O_DSYNC),
            (FD_NONBLOCK, libc::O_NONBLOCK),
            (FD_RSYNC, libc::O_RSYNC),
            (FD_SYNC, libc::O_SYNC),
        ] {
            if fdflags & bit != 0 {
                flags |= host;
            }
        }
        if dirflags & SYMLINK_FOLLOW == 0 {
            flags |= libc::O_NOFOLLOW;
        }
        let host_fd = fs::open_beneath(dir, &path, flags, 0o666)?;
        let kind = match fs::fstat(host_fd) {
            Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFDIR => Kind::Dir,
            Ok(_) => Kind::File,
            Err(e) => {
                // SAFETY: closing the descriptor just opened.
                unsafe { libc::close(host_fd) };
                return Err(e);
            }
        };
        let new = m.files.insert(Handle {
            fd: host_fd,
            kind,
            preopen: None,
            listing: None,
        });
        match put(m, out, &new.to_le_bytes()) {
            errno::SUCCESS => Ok(()),
            e => Err(e),
        }
    })())
}

/// `fd_read` on a file: one host read of what the iovecs hold, spread
/// over them in order.
pub fn fd_read(m: &mut Machine, fd: u32, iovs: u32, count: u32, nread: u32) -> i32 {
    let Some(h) = m.files.get(fd) else {
        return errno::BADF;
    };
    let host_fd = h.fd;
    if !m.memory.in_bounds(nread, 4) {
        return errno::FAULT;
    }
    let Some(list) = iovecs(m, iovs, count) else {
        return errno::FAULT;
    };
    let cap: u64 = list.iter().map(|&(_, len)| u64::from(len)).sum();
    let mut bytes = alloc::vec![0u8; cap.min(1 << 30) as usize];
    // SAFETY: reading into a buffer of the length passed.
    let n = unsafe { libc::read(host_fd, bytes.as_mut_ptr().cast(), bytes.len()) };
    if n < 0 {
        return fs::last_errno();
    }
    bytes.truncate(n as usize);
    let mut rest = &bytes[..];
    for (buf, len) in list {
        let k = rest.len().min(len as usize);
        put(m, buf, &rest[..k]);
        rest = &rest[k..];
    }
    put(m, nread, &(n as u32).to_le_bytes())
}

/// `fd_write` on a file: every byte of the iovecs, in order, unless the
/// host fails part way (then the count written so far).
pub fn fd_write(m: &mut Machine, fd: u32, iovs: u32, count: u32, nwritten: u32) -> i32 {
    let Some(h) = m.files.get(fd) else {
        return errno::BADF;
    };
    let host_fd = h.fd;
    if !m.memory.in_bounds(nwritten, 4) {
        return errno::FAULT;
    }
    let bytes = match gather(m, iovs, count) {
        Ok(bytes) => bytes,
        Err(e) => return e,
    };
    let mut done = 0usize;
    while done < bytes.len() {
        // SAFETY: writing from a buffer of the length passed.
        let n = unsafe { libc::write(host_fd, bytes[done..].as_ptr().cast(), bytes.len() - done) };
        if n < 0 {
            if fs::host_errno() == libc::EINTR {
                continue;
            }
            if done == 0 {
                return fs::last_errno();
            }
            break;
        }
        done += n as usize;
    }
    put(m, nwritten, &(done as u32).to_le_bytes())
}

/// `fd_pread(fd, iovs, iovs_len, offset, nread)` and `fd_pwrite(fd, iovs,
/// iovs_len, offset, nwritten)`: one host pread, or every byte with
/// pwrite, at `offset`, leaving the file's offset alone.
pub fn fd_pio(
    m: &mut Machine,
    write: bool,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: u64,
    done_at: u32,
) -> i32 {
    let Some(h) = m.files.get(fd) else {
        return errno::BADF;
    };
    let host_fd = h.fd;
    if offset > i64::MAX as u64 {
        return errno::INVAL;
    }
    if !m.memory.in_bounds(done_at, 4) {
        return errno::FAULT;
    }
    let Some(list) = iovecs(m, iovs, count) else {
        return errno::FAULT;
    };
    let total: u64 = list.iter().map(|&(_, len)| u64::from(len)).sum();
    if total > u64::from(u32::MAX) {
        return errno::INVAL;
    }
    if write {
        let mut bytes = Vec::with_capacity(total as usize);
        for &(buf, len) in &list {
            bytes.extend_from_slice(m.memory.slice(buf, len).unwrap_or(&[]));
        }
        let mut done = 0usize;
        while done < bytes.len() {
            // SAFETY: pwrite from a buffer of the length passed.
            let n = unsafe {
                libc::pwrite(
                    host_fd,
                    bytes[done..].as_ptr().cast(),
                    bytes.len() - done,
                    (offset + done as u64) as i64,
                )
            };
            if n < 0 {
                if done == 0 {
                    return fs::last_errno();
                }
                break;
            }
            done += n as usize;
        }
        return put(m, done_at, &(done as u32).to_le_bytes());
    }
    // One read never moves more than 1 GiB (a short read, as the host's).
    let mut bytes = alloc::vec![0u8; total.min(1 << 30) as usize];
    // SAFETY: pread into a buffer of the length passed.
    let n = unsafe {
        libc::pread(
            host_fd,
            bytes.as_mut_ptr().cast(),
            bytes.len(),
            offset as i64,
        )
    };
    if n < 0 {
        return fs::last_errno();
    }
    bytes.truncate(n as usize);
    let mut rest = &bytes[..];
    for (buf, len) in list {
        let k = rest.len().min(len as usize);
        put(m, buf, &rest[..k]);
        rest = &rest[k..];
    }
    put(m, done_at, &(n as u32).to_le_bytes())
}

/// `fd_advise(fd, offset, len, advice)`: advice 0 normal, 1 sequential,
/// 2 random, 3 willneed, 4 dontneed, 5 noreuse, passed to the host.
pub fn fd_advise(m: &mut Machine, fd: u32, offset: u64, len: u64, advice: u32) -> i32 {
    let Some(h) = m.files.get(fd) else {
        return errno::BADF;
    };
    let advice = match advice {
        0 => libc::POSIX_FADV_NORMAL,
        1 => libc::POSIX_FADV_SEQUENTIAL,
        2 => libc::POSIX_FADV_RANDOM,
        3 => libc::POSIX_FADV_WILLNEED,
        4 => libc::POSIX_FADV_DONTNEED,
        5 => libc::POSIX_FADV_NOREUSE,
        _ => return errno::INVAL,
    };
    if offset > i64::MAX as u64 || len > i64::MAX as u64 {
        return errno::INVAL;
    }
    // SAFETY: posix_fadvise on our descriptor; it returns the error.
    match unsafe { libc::posix_fadvise(h.fd, offset as i64, len as i64, advice) } {
        0 => errno::SUCCESS,
        e => fs::wasi_errno(e),
    }
}

/// `fd_allocate(fd, offset, len)`: the file holds at least `offset + len`
/// bytes, allocated.
pub fn fd_allocate(m: &mut Machine, fd: u32, offset: u64, len: u64) -> i32 {
    let host_fd = match m.files.get(fd) {
        Some(h) if h.kind == Kind::File => h.fd,
        Some(_) => return 31,
        None => return errno::BADF,
    };
    if offset > i64::MAX as u64 || len > i64::MAX as u64 || len == 0 {
        return errno::INVAL;
    }
    // SAFETY: posix_fallocate on our descriptor; it returns the error.
    match unsafe { libc::posix_fallocate(host_fd, offset as i64, len as i64) } {
        0 => errno::SUCCESS,
        e => fs::wasi_errno(e),
    }
}

/// `fd_seek` (`whence` 0 set, 1 cur, 2 end) and `fd_tell` (`None`) on a
/// file; a directory cannot seek (EBADF).
pub fn fd_seek(m: &mut Machine, fd: u32, seek: Option<(i64, u32)>, out: u32) -> i32 {
    let host_fd = match m.files.get(fd) {
        Some(h) if h.kind == Kind::File => h.fd,
        _ => return errno::BADF,
    };
    let (offset, whence) = seek.unwrap_or((0, 1));
    let whence = match whence {
        0 => libc::SEEK_SET,
        1 => libc::SEEK_CUR,
        2 => libc::SEEK_END,
        _ => return errno::INVAL,
    };
    if !m.memory.in_bounds(out, 8) {
        return errno::FAULT;
    }
    // SAFETY: lseek on our descriptor.
    let at = unsafe { libc::lseek(host_fd, offset, whence) };
    if at < 0 {
        return fs::last_errno();
    }
    put(m, out, &(at as u64).to_le_bytes())
}

/// `fd_fdstat_get` on a file or directory: its filetype, the append flag
/// as the host has it, and every right.
pub fn fd_fdstat_get(m: &mut Machine, fd: u32, stat: u32) -> i32 {
    let Some(h) = m.files.get(fd) else {
        return errno::BADF;
    };
    let host_fd = h.fd;
    if !m.memory.in_bounds(stat, 24) {
        return errno::FAULT;
    }
    let st = match fs::fstat(host_fd) {
        Ok(st) => st,
        Err(e) => return e,
    };
    // SAFETY: F_GETFL on our descriptor.
    let fl = unsafe { libc::fcntl(host_fd, libc::F_GETFL) };
    let mut flags = 0u16;
    for (host, bit) in [
        (libc::O_APPEND, FD_APPEND),
        (libc::O_NONBLOCK, FD_NONBLOCK),
        (libc::O_SYNC, FD_SYNC),
    ] {
        if fl >= 0 && fl & host == host {
            flags |= bit as u16;
        }
    }
    let mut bytes = [0u8; 24];
    bytes[0] = fs::filetype(st.st_mode);
    bytes[2..4].copy_from_slice(&flags.to_le_bytes());
    bytes[8..16].copy_from_slice(&ALL_RIGHTS.to_le_bytes());
    bytes[16..24].copy_from_slice(&ALL_RIGHTS.to_le_bytes());
    put(m, stat, &bytes)
}

/// `fd_fdstat_set_flags(fd, flags)`: append and nonblock can change on a
/// file; the other flags only at open (ENOTSUP).
pub fn fd_fdstat_set_flags(m: &mut Machine, fd: u32, flags: u32) -> i32 {
    let Some(h) = m.files.get(fd) else {
        return errno::BADF;
    };
    if flags > 31 {
        return errno::INVAL;
    }
    if flags & !(FD_APPEND | FD_NONBLOCK) != 0 {
        return errno::NOTSUP;
    }
    let host_fd = h.fd;
    // SAFETY: F_GETFL and F_SETFL on our descriptor.
    let fl = unsafe { libc::fcntl(host_fd, libc::F_GETFL) };
    if fl < 0 {
        return fs::last_errno();
    }
    let mut fl = fl & !(libc::O_APPEND | libc::O_NONBLOCK);
    if flags & FD_APPEND != 0 {
        fl |= libc::O_APPEND;
    }
    if flags & FD_NONBLOCK != 0 {
        fl |= libc::O_NONBLOCK;
    }
    code(host(unsafe { libc::fcntl(host_fd, libc::F_SETFL, fl) }))
}

/// `fd_filestat_get(fd, buf)`: a file's or directory's 64-byte filestat.
pub fn fd_filestat_get(m: &mut Machine, fd: u32, buf: u32) -> i32 {
    let Some(h) = m.files.get(fd) else {
        return errno::BADF;
    };
    let host_fd = h.fd;
    if !m.memory.in_bounds(buf, 64) {
        return errno::FAULT;
    }
    match fs::fstat(host_fd) {
        Ok(st) => put(m, buf, &fs::filestat(&st)),
        Err(e) => e,
    }
}

/// `path_filestat_get(fd, flags, path, path_len, buf)`: with
/// `symlink_follow`, the status of what the path leads to (inside the
/// directory); without, of the last component itself.
pub fn path_filestat_get(
    m: &mut Machine,
    fd: u32,
    flags: u32,
    addr: u32,
    len: u32,
    buf: u32,
) -> i32 {
    code((|| {
        let dir = dir_fd(m, fd)?;
        if flags & !SYMLINK_FOLLOW != 0 {
            return Err(errno::INVAL);
        }
        let path = path(m, addr, len)?;
        if !m.memory.in_bounds(buf, 64) {
            return Err(errno::FAULT);
        }
        let mut open = libc::O_PATH;
        if flags & SYMLINK_FOLLOW == 0 {
            open |= libc::O_NOFOLLOW;
        }
        let host_fd = fs::open_beneath(dir, &path, open, 0)?;
        let st = fs::fstat(host_fd);
        // SAFETY: closing the descriptor just opened.
        unsafe { libc::close(host_fd) };
        let bytes = fs::filestat(&st?);
        put(m, buf, &bytes);
        Ok(())
    })())
}

/// `fd_filestat_set_size(fd, size)`: truncates or extends a file.
pub fn fd_filestat_set_size(m: &mut Machine, fd: u32, size: u64) -> i32 {
    match m.files.get(fd) {
        Some(h) if h.kind == Kind::File => {
            if size > i64::MAX as u64 {
                return errno::INVAL;
            }
            // SAFETY: ftruncate on our descriptor.
            code(host(unsafe { libc::ftruncate(h.fd, size as i64) }))
        }
        Some(_) => 31,
        None => errno::BADF,
    }
}

/// `fd_sync(fd)` (the file's data and metadata reach the disk) and
/// `fd_datasync(fd)` (its data).
pub fn fd_sync(m: &mut Machine, fd: u32, data_only: bool) -> i32 {
    match m.files.get(fd) {
        // SAFETY: fsync and fdatasync on our descriptor.
        Some(h) => code(host(unsafe {
            if data_only {
                libc::fdatasync(h.fd)
            } else {
                libc::fsync(h.fd)
            }
        })),
        None => errno::BADF,
    }
}

/// `fd_readdir(fd, buf, buf_len, cookie, bufused)`: the directory's
/// entries from index `cookie` on, each a 24-byte dirent (d_next, the
/// cookie of the next entry; d_ino; d_namlen; d_type) and its name, cut at
/// `buf_len`: a full buffer means there may be more. The listing is taken
/// when `cookie` is 0 and kept for the following calls, so paging through
/// it sees one consistent list.
pub fn fd_readdir(m: &mut Machine, fd: u32, buf: u32, len: u32, cookie: u64, used: u32) -> i32 {
    if dir_fd(m, fd).is_err() {
        return match m.files.get(fd) {
            Some(_) => 54,
            None => errno::BADF,
        };
    }
    if !m.memory.in_bounds(buf, u64::from(len)) || !m.memory.in_bounds(used, 4) {
        return errno::FAULT;
    }
    let h = m.files.get_mut(fd).expect("checked above");
    if cookie == 0 || h.listing.is_none() {
        match fs::list(h.fd) {
            Ok(listing) => h.listing = Some(listing),
            Err(e) => return e,
        }
    }
    let listing: &[DirEntry] = h.listing.as_deref().unwrap_or(&[]);
    let mut bytes = Vec::new();
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, entry) in listing.iter().enumerate().skip(start) {
        if bytes.len() >= len as usize {
            break;
        }
        let mut head = [0u8; DIRENT];
        head[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        head[8..16].copy_from_slice(&entry.ino.to_le_bytes());
        head[16..20].copy_from_slice(&(entry.name.len() as u32).to_le_bytes());
        head[20] = entry.filetype;
        bytes.extend_from_slice(&head);
        bytes.extend_from_slice(&entry.name);
    }
    bytes.truncate(len as usize);
    put(m, buf, &bytes);
    put(m, used, &(bytes.len() as u32).to_le_bytes())
}

/// The name-level operations: `path_create_directory`,
/// `path_remove_directory`, `path_unlink_file`.
#[derive(Debug, Clone, Copy)]
pub enum NameOp {
    /// mkdir.
    CreateDirectory,
    /// rmdir.
    RemoveDirectory,
    /// unlink.
    UnlinkFile,
}

/// Runs a name-level operation on `path` beneath directory `fd`.
pub fn name_op(m: &mut Machine, op: NameOp, fd: u32, addr: u32, len: u32) -> i32 {
    code((|| {
        let dir = dir_fd(m, fd)?;
        let path = path(m, addr, len)?;
        // What acting on `.` or `..` gives, as on Linux.
        let dot = match op {
            NameOp::CreateDirectory => 20,
            NameOp::RemoveDirectory => errno::INVAL,
            NameOp::UnlinkFile => 31,
        };
        let parent = Parent::of(dir, &path, dot)?;
        let name = parent.name.as_ptr().cast();
        // SAFETY: the *at calls take our parent descriptor and a
        // NUL-terminated name with no slash.
        host(unsafe {
            match op {
                NameOp::CreateDirectory => libc::mkdirat(parent.fd, name, 0o777),
                NameOp::RemoveDirectory => libc::unlinkat(parent.fd, name, libc::AT_REMOVEDIR),
                NameOp::UnlinkFile => {
                    if parent.trailing_slash {
                        return Err(31);
                    }
                    libc::unlinkat(parent.fd, name, 0)
                }
            }
        })
    })())
}

/// `path_rename(fd, old_path, old_len, new_fd, new_path, new_len)`.
pub fn path_rename(m: &mut Machine, fd: u32, old: (u32, u32), new_fd: u32, new: (u32, u32)) -> i32 {
    code((|| {
        let from_dir = dir_fd(m, fd)?;
        let to_dir = dir_fd(m, new_fd)?;
        let from = path(m, old.0, old.1)?;
        let to = path(m, new.0, new.1)?;
        let from = Parent::of(from_dir, &from, 10)?;
        let to = Parent::of(to_dir, &to, 10)?;
        // SAFETY: renameat on our parent descriptors with NUL-terminated
        // names with no slash.
        host(unsafe {
            libc::renameat(
                from.fd,
                from.name.as_ptr().cast(),
                to.fd,
                to.name.as_ptr().cast(),
            )
        })
    })())
}

/// `fd_prestat_get(fd, buf)`: a preopened directory's 8-byte prestat (tag 0,
/// dir; the guest name's length); EBADF for any other descriptor.
pub fn fd_prestat_get(m: &mut Machine, fd: u32, buf: u32) -> i32 {
    let Some(name) = m.files.get(fd).and_then(|h| h.preopen.as_ref()) else {
        return errno::BADF;
    };
    let mut bytes = [0u8; 8];
    bytes[4..].copy_from_slice(&(name.len() as u32).to_le_bytes());
    put(m, buf, &bytes)
}

/// `fd_prestat_dir_name(fd, path, path_len)`: the guest name, without NUL;
/// ENAMETOOLONG when `path_len` is shorter.
pub fn fd_prestat_dir_name(m: &mut Machine, fd: u32, addr: u32, len: u32) -> i32 {
    let Some(name) = m.files.get(fd).and_then(|h| h.preopen.clone()) else {
        return errno::BADF;
    };
    if (len as usize) < name.len() {
        return 37;
    }
    put(m, addr, &name)
}
