//! WASI preview 1 functions as the `wasi` device's operations, one
//! implementation for every engine (`docs/ISA.md` §6.8, "WASI"). Each
//! returns a WASI errno (0 for success), never a `DeviceError`, and a
//! pointer or buffer outside linear memory is EFAULT, not a trap: a
//! WebAssembly program sees exactly what a WASI host would give it.
//!
//! Every operation checks its arguments (EBADF, EINVAL), then every buffer
//! it reads or writes (EFAULT), and only then acts, so nothing is written
//! when it fails. Descriptors 0 (stdin), 1 (stdout) and 2 (stderr) are the
//! console's; 3 and up are the preopened directories (`JANUS_DIR`) and
//! what the program opens beneath them ([`files`], sandboxed by [`fs`]).
//! wasi-libc's startup asks `fd_prestat_get` about 3, 4, ... until EBADF.
//! `poll_oneoff` is in [`poll`].

use crate::abi::TrapKind;
use crate::machine::Machine;
use alloc::vec::Vec;

pub mod files;
pub mod fs;
pub mod links;
mod poll;

/// The WASI errno values these operations return.
pub mod errno {
    /// No error.
    pub const SUCCESS: i32 = 0;
    /// Bad file descriptor.
    pub const BADF: i32 = 8;
    /// A pointer or buffer outside linear memory.
    pub const FAULT: i32 = 21;
    /// Invalid argument.
    pub const INVAL: i32 = 28;
    /// Input/output error.
    pub const IO: i32 = 29;
    /// Not supported.
    pub const NOTSUP: i32 = 58;
    /// Function not implemented.
    pub const NOSYS: i32 = 52;
    /// Invalid seek (the console's descriptors are not seekable).
    pub const SPIPE: i32 = 70;
}

/// WASI `argv[0]`: WASI programs see the program name as their first
/// argument; every engine gives the same one, so output never depends on
/// the engine or on where an executable lies.
pub const PROGRAM_NAME: &[u8] = b"janus";

/// `filetype::character_device`.
const CHARACTER_DEVICE: u8 = 2;
/// `rights::fd_read`.
const RIGHT_FD_READ: u64 = 1 << 1;
/// `rights::fd_write`.
const RIGHT_FD_WRITE: u64 = 1 << 6;
/// `rights::poll_fd_readwrite`.
const RIGHT_POLL: u64 = 1 << 27;

/// The result of an operation: its errno, or a trap (never raised today:
/// every bad buffer is EFAULT).
type Errno = Result<i32, TrapKind>;

/// Runs `wasi` operation `op` with `args` (64-bit slots), for the operations
/// before `abi::FIRST_WASI_FILE_OP` (the later ones are [`files_call`]'s).
pub fn call(m: &mut Machine, op: u8, args: &[u64]) -> Errno {
    let a32 = |i: usize| args.get(i).copied().unwrap_or(0) as u32;
    let a64 = |i: usize| args.get(i).copied().unwrap_or(0);
    // Descriptors 3 and up are files and directories.
    let file = a32(0) >= fs::FIRST_FD;
    Ok(match op {
        0 => {
            let mut argv = Vec::with_capacity(m.args.len() + 1);
            argv.push(PROGRAM_NAME.to_vec());
            argv.extend(m.args.iter().cloned());
            strings_get(m, &argv, a32(0), a32(1))
        }
        1 => {
            let size = 1 + PROGRAM_NAME.len() + m.args.iter().map(|a| a.len() + 1).sum::<usize>();
            sizes_get(m, m.args.len() + 1, size, a32(0), a32(1))
        }
        2 => {
            let env = m.env.clone();
            strings_get(m, &env, a32(0), a32(1))
        }
        3 => {
            let size = m.env.iter().map(|e| e.len() + 1).sum::<usize>();
            sizes_get(m, m.env.len(), size, a32(0), a32(1))
        }
        4 if file => files::fd_write(m, a32(0), a32(1), a32(2), a32(3)),
        4 => fd_write(m, a32(0), a32(1), a32(2), a32(3)),
        5 if file => files::fd_read(m, a32(0), a32(1), a32(2), a32(3)),
        5 => fd_read(m, a32(0), a32(1), a32(2), a32(3)),
        6 if file => {
            if m.files.close(a32(0)) {
                errno::SUCCESS
            } else {
                errno::BADF
            }
        }
        6 => match open_fd(m, a32(0)) {
            Some(fd) => {
                m.wasi_closed[fd] = true;
                errno::SUCCESS
            }
            None => errno::BADF,
        },
        7 if file => files::fd_fdstat_get(m, a32(0), a32(1)),
        7 => fd_fdstat_get(m, a32(0), a32(1)),
        8 if file => files::fd_seek(m, a32(0), Some((a64(1) as i64, a32(2))), a32(3)),
        8 => match open_fd(m, a32(0)) {
            // The whence must be one of set, cur, end; the console's
            // descriptors then cannot seek.
            Some(_) if a32(2) > 2 => errno::INVAL,
            Some(_) => errno::SPIPE,
            None => errno::BADF,
        },
        9 => files::fd_prestat_get(m, a32(0), a32(1)),
        10 => files::fd_prestat_dir_name(m, a32(0), a32(1), a32(2)),
        11 => match host_clock(a32(0)) {
            Some(id) => put(m, a32(2), &crate::devices::clock(id).to_le_bytes()),
            None => errno::INVAL,
        },
        12 => match host_clock(a32(0)) {
            Some(id) => put(m, a32(1), &clock_res(id).to_le_bytes()),
            None => errno::INVAL,
        },
        13 => {
            let (addr, len) = (a32(0), a32(1));
            match m.memory.slice_mut(addr, len) {
                Some(buf) => {
                    if m.random.fill(buf) {
                        errno::SUCCESS
                    } else {
                        errno::IO
                    }
                }
                None => errno::FAULT,
            }
        }
        14 => errno::SUCCESS,
        15 => poll::poll_oneoff(m, a32(0), a32(1), a32(2), a32(3)),
        // The file operations are `files_call`'s (`janus_wasi_files` in an
        // executable); here they are unknown.
        _ => errno::NOSYS,
    })
}

/// Runs `wasi` file operation `op` (`abi::FIRST_WASI_FILE_OP` and after)
/// with `args`; apart from [`call`] so an executable links this code only
/// when its program makes these calls.
pub fn files_call(m: &mut Machine, op: u8, args: &[u64]) -> Errno {
    let a32 = |i: usize| args.get(i).copied().unwrap_or(0) as u32;
    let a64 = |i: usize| args.get(i).copied().unwrap_or(0);
    let file = a32(0) >= fs::FIRST_FD;
    Ok(match op {
        16 => files::path_open(
            m,
            a32(0),
            a32(1),
            a32(2),
            a32(3),
            a32(4),
            a64(5),
            a32(7),
            a32(8),
        ),
        17 if file => files::fd_filestat_get(m, a32(0), a32(1)),
        17 => match open_fd(m, a32(0)) {
            // A character device; the console has no inode, size or times.
            Some(_) => {
                let mut stat = [0u8; 64];
                stat[16] = CHARACTER_DEVICE;
                put(m, a32(1), &stat)
            }
            None => errno::BADF,
        },
        18 => files::path_filestat_get(m, a32(0), a32(1), a32(2), a32(3), a32(4)),
        19 => files::fd_readdir(m, a32(0), a32(1), a32(2), a64(3), a32(4)),
        20 => files::name_op(m, files::NameOp::CreateDirectory, a32(0), a32(1), a32(2)),
        21 => files::name_op(m, files::NameOp::RemoveDirectory, a32(0), a32(1), a32(2)),
        22 => files::name_op(m, files::NameOp::UnlinkFile, a32(0), a32(1), a32(2)),
        23 => files::path_rename(m, a32(0), (a32(1), a32(2)), a32(3), (a32(4), a32(5))),
        24 if file => files::fd_fdstat_set_flags(m, a32(0), a32(1)),
        24 => match open_fd(m, a32(0)) {
            Some(_) => errno::NOTSUP,
            None => errno::BADF,
        },
        25 if file => files::fd_seek(m, a32(0), None, a32(1)),
        25 => match open_fd(m, a32(0)) {
            Some(_) => errno::SPIPE,
            None => errno::BADF,
        },
        26 if file => files::fd_sync(m, a32(0), false),
        27 if file => files::fd_filestat_set_size(m, a32(0), a64(1)),
        28 if file => files::fd_pio(m, false, a32(0), a32(1), a32(2), a64(3), a32(4)),
        29 if file => files::fd_pio(m, true, a32(0), a32(1), a32(2), a64(3), a32(4)),
        30 if file => files::fd_sync(m, a32(0), true),
        31 if file => files::fd_advise(m, a32(0), a64(1), a64(2), a32(3)),
        32 if file => files::fd_allocate(m, a32(0), a64(1), a64(2)),
        33 => {
            let (from, to) = (a32(0), a32(1));
            let open = |fd: u32| m.files.get(fd).is_some() || open_fd(m, fd).is_some();
            if !open(from) || !open(to) {
                errno::BADF
            } else if from < fs::FIRST_FD || to < fs::FIRST_FD {
                // The console's descriptors stay where they are.
                errno::NOTSUP
            } else {
                m.files.renumber(from, to);
                errno::SUCCESS
            }
        }
        34 => links::path_readlink(m, a32(0), (a32(1), a32(2)), a32(3), a32(4), a32(5)),
        35 => links::path_symlink(m, (a32(0), a32(1)), a32(2), (a32(3), a32(4))),
        36 => links::path_link(
            m,
            a32(0),
            a32(1),
            (a32(2), a32(3)),
            a32(4),
            (a32(5), a32(6)),
        ),
        37 if file => links::fd_filestat_set_times(m, a32(0), a64(1), a64(2), a32(3)),
        38 => links::path_filestat_set_times(
            m,
            a32(0),
            a32(1),
            (a32(2), a32(3)),
            a64(4),
            a64(5),
            a32(6),
        ),
        // The console's descriptors are no files: what each file-only
        // operation gives them when open (EBADF when closed).
        26 | 27 | 30 => console(m, a32(0), errno::INVAL),
        28 | 29 | 31 | 32 => console(m, a32(0), errno::SPIPE),
        37 => console(m, a32(0), errno::NOTSUP),
        _ => errno::INVAL,
    })
}

/// `answer` for an open console descriptor, EBADF for a closed or unknown
/// one (a descriptor 3 and up reaching here is not open either).
fn console(m: &Machine, fd: u32, answer: i32) -> i32 {
    if open_fd(m, fd).is_some() {
        answer
    } else {
        errno::BADF
    }
}

/// The console descriptor `fd` names, if it is one and is still open.
fn open_fd(m: &Machine, fd: u32) -> Option<usize> {
    let fd = fd as usize;
    (fd < 3 && !m.wasi_closed[fd]).then_some(fd)
}

/// Writes `bytes` at `addr`: EFAULT when they do not fit in memory.
pub(crate) fn put(m: &mut Machine, addr: u32, bytes: &[u8]) -> i32 {
    match m.memory.slice_mut(addr, bytes.len() as u32) {
        Some(dst) => {
            dst.copy_from_slice(bytes);
            errno::SUCCESS
        }
        None => errno::FAULT,
    }
}

/// `args_sizes_get` and `environ_sizes_get`: the count and the buffer size
/// (every string with its NUL).
fn sizes_get(m: &mut Machine, count: usize, size: usize, count_at: u32, size_at: u32) -> i32 {
    if !m.memory.in_bounds(count_at, 4) || !m.memory.in_bounds(size_at, 4) {
        return errno::FAULT;
    }
    put(m, count_at, &(count as u32).to_le_bytes());
    put(m, size_at, &(size as u32).to_le_bytes())
}

/// `args_get` and `environ_get`: the strings, each NUL-terminated, one after
/// another at `buf`, and a pointer to each at `ptrs`.
fn strings_get(m: &mut Machine, strings: &[Vec<u8>], ptrs: u32, buf: u32) -> i32 {
    let size: u64 = strings.iter().map(|s| s.len() as u64 + 1).sum();
    let table = strings.len() as u64 * 4;
    if !m.memory.in_bounds(ptrs, table) || !m.memory.in_bounds(buf, size) {
        return errno::FAULT;
    }
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        put(m, ptrs + 4 * i as u32, &at.to_le_bytes());
        put(m, at, s);
        put(m, at + s.len() as u32, &[0]);
        at += s.len() as u32 + 1;
    }
    errno::SUCCESS
}

/// The `(buf, buf_len)` pairs of an iovec array of `count` entries at
/// `iovs`, each checked to lie in memory; `None` (EFAULT) otherwise.
pub fn iovecs(m: &Machine, iovs: u32, count: u32) -> Option<Vec<(u32, u32)>> {
    let table = m.memory.slice(iovs, count.checked_mul(8)?)?;
    let mut out = Vec::with_capacity(count as usize);
    for entry in table.chunks_exact(8) {
        let buf = u32::from_le_bytes(entry[..4].try_into().ok()?);
        let len = u32::from_le_bytes(entry[4..].try_into().ok()?);
        if !m.memory.in_bounds(buf, u64::from(len)) {
            return None;
        }
        out.push((buf, len));
    }
    Some(out)
}

/// The bytes `count` iovecs at `iovs` name, in order, for `fd_write` and
/// `fd_pwrite`: EFAULT for a table or buffer outside memory, EINVAL for
/// more than 4 GiB in all.
pub fn gather(m: &Machine, iovs: u32, count: u32) -> Result<Vec<u8>, i32> {
    let list = iovecs(m, iovs, count).ok_or(errno::FAULT)?;
    let total: u64 = list.iter().map(|&(_, len)| u64::from(len)).sum();
    if total > u64::from(u32::MAX) {
        return Err(errno::INVAL);
    }
    let mut bytes = Vec::with_capacity(total as usize);
    for (buf, len) in list {
        bytes.extend_from_slice(m.memory.slice(buf, len).unwrap_or(&[]));
    }
    Ok(bytes)
}

/// `fd_write(fd, iovs, iovs_len, nwritten)`: fd 1 or 2, the console.
fn fd_write(m: &mut Machine, fd: u32, iovs: u32, count: u32, nwritten: u32) -> i32 {
    let fd = match open_fd(m, fd) {
        Some(0) | None => return errno::BADF,
        Some(fd) => fd,
    };
    if !m.memory.in_bounds(nwritten, 4) {
        return errno::FAULT;
    }
    let bytes = match gather(m, iovs, count) {
        Ok(bytes) => bytes,
        Err(e) => return e,
    };
    if !m.console_write(fd as i32, &bytes) {
        return errno::IO;
    }
    put(m, nwritten, &(bytes.len() as u32).to_le_bytes())
}

/// `fd_read(fd, iovs, iovs_len, nread)`: fd 0, the console's input; one
/// read fills the buffers in order with what input is available.
fn fd_read(m: &mut Machine, fd: u32, iovs: u32, count: u32, nread: u32) -> i32 {
    match open_fd(m, fd) {
        Some(0) => {}
        _ => return errno::BADF,
    }
    if !m.memory.in_bounds(nread, 4) {
        return errno::FAULT;
    }
    let Some(list) = iovecs(m, iovs, count) else {
        return errno::FAULT;
    };
    let cap: u64 = list.iter().map(|&(_, len)| u64::from(len)).sum();
    let cap = cap.min(u64::from(u32::MAX)) as usize;
    m.stdout.flush();
    let Some(bytes) = m.read_input(cap, false) else {
        return errno::IO;
    };
    let mut rest = &bytes[..];
    for (buf, len) in list {
        let n = rest.len().min(len as usize);
        put(m, buf, &rest[..n]);
        rest = &rest[n..];
    }
    put(m, nread, &(bytes.len() as u32).to_le_bytes())
}

/// `fd_fdstat_get(fd, stat)`: the console's descriptors are character
/// devices, stdin readable, stdout and stderr writable, with no flags.
fn fd_fdstat_get(m: &mut Machine, fd: u32, stat: u32) -> i32 {
    let Some(fd) = open_fd(m, fd) else {
        return errno::BADF;
    };
    let rights = RIGHT_POLL
        | if fd == 0 {
            RIGHT_FD_READ
        } else {
            RIGHT_FD_WRITE
        };
    let mut bytes = [0u8; 24];
    bytes[0] = CHARACTER_DEVICE;
    bytes[8..16].copy_from_slice(&rights.to_le_bytes());
    put(m, stat, &bytes)
}

/// The host clock for a WASI clock id: realtime, monotonic, process and
/// thread CPU time.
pub(crate) fn host_clock(id: u32) -> Option<libc::clockid_t> {
    match id {
        0 => Some(libc::CLOCK_REALTIME),
        1 => Some(libc::CLOCK_MONOTONIC),
        2 => Some(libc::CLOCK_PROCESS_CPUTIME_ID),
        3 => Some(libc::CLOCK_THREAD_CPUTIME_ID),
        _ => None,
    }
}

/// A host clock's resolution in nanoseconds (at least 1).
fn clock_res(id: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_getres writes the timespec.
    unsafe {
        libc::clock_getres(id, &mut ts);
    }
    ((ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64).max(1)
}

#[cfg(test)]
mod fs_tests;
#[cfg(test)]
mod links_tests;
#[cfg(test)]
mod tests;
