//! `poll_oneoff`: clock subscriptions (what `sleep` and `nanosleep` use)
//! and descriptor subscriptions (what wasi-libc's `poll` and `select`
//! use), one implementation for every engine.
//!
//! A descriptor is ready at once unless it is stdin with no input yet: a
//! file or stdout, stderr always (as on a host, where regular files never
//! block), a descriptor that is not open or not of the subscription's
//! direction with its error (EBADF) in the event. When something is ready
//! the call reports it, and every clock already due, without waiting;
//! otherwise it waits for stdin's input or the earliest clock, whichever
//! comes first, and reports what is ready then.

use super::{errno, fs, host_clock, put};
use crate::machine::Machine;
use alloc::vec::Vec;

/// Size of a WASI `subscription`.
const SUBSCRIPTION: u32 = 48;
/// Size of a WASI `event`.
const EVENT: u32 = 32;
/// `eventrwflags::fd_readwrite_hangup`.
const HANGUP: u16 = 1;

/// One subscription: its userdata and what it waits for.
#[derive(Clone, Copy)]
enum Sub {
    /// A clock, due in `wait` nanoseconds.
    Clock { wait: u64 },
    /// Descriptor `fd` readable (`write` false) or writable.
    Fd { fd: u32, write: bool },
}

/// A ready descriptor's event: error, bytes available, flags.
type Ready = (u16, u64, u16);

/// Reads the subscriptions: EINVAL for an unknown tag or clock id.
fn parse(subs: &[u8]) -> Result<Vec<(u64, Sub)>, i32> {
    let mut out = Vec::with_capacity(subs.len() / SUBSCRIPTION as usize);
    for sub in subs.chunks_exact(SUBSCRIPTION as usize) {
        let word = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&sub[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let userdata = word(0);
        let low = word(16) as u32;
        out.push(match sub[8] {
            0 => {
                let clock = host_clock(low).ok_or(errno::INVAL)?;
                let (timeout, absolute) = (word(24), sub[40] & 1 != 0);
                let wait = if absolute {
                    timeout.saturating_sub(crate::devices::clock(clock))
                } else {
                    timeout
                };
                (userdata, Sub::Clock { wait })
            }
            1 => (
                userdata,
                Sub::Fd {
                    fd: low,
                    write: false,
                },
            ),
            2 => (
                userdata,
                Sub::Fd {
                    fd: low,
                    write: true,
                },
            ),
            _ => return Err(errno::INVAL),
        });
    }
    Ok(out)
}

/// Whether stdin has input (or its end) for a read now.
fn stdin_ready(m: &Machine) -> Option<Ready> {
    if !m.stdin.is_empty() {
        return Some((0, m.stdin.len() as u64, 0));
    }
    if m.stdin_done {
        return Some((0, 0, HANGUP));
    }
    let mut fds = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll on one pollfd, without waiting.
    let n = unsafe { libc::poll(&mut fds, 1, 0) };
    if n <= 0 {
        return None;
    }
    let mut avail: libc::c_int = 0;
    // SAFETY: FIONREAD stores an int.
    if unsafe { libc::ioctl(0, libc::FIONREAD, &mut avail) } < 0 {
        avail = 0;
    }
    let hangup = if fds.revents & libc::POLLHUP != 0 && avail == 0 {
        HANGUP
    } else {
        0
    };
    Some((0, avail.max(0) as u64, hangup))
}

/// What a descriptor subscription gives now; `None` while stdin waits.
fn fd_ready(m: &Machine, fd: u32, write: bool) -> Option<Ready> {
    let bad = Some((errno::BADF as u16, 0, 0));
    if fd < fs::FIRST_FD {
        if m.wasi_closed[fd as usize] {
            return bad;
        }
        return match (fd, write) {
            (0, false) => stdin_ready(m),
            (1 | 2, true) => Some((0, 0, 0)),
            _ => bad,
        };
    }
    match m.files.get(fd) {
        Some(h) if h.kind == fs::Kind::File => {
            if write {
                return Some((0, 0, 0));
            }
            // What is left to read: the size past the offset.
            let size = fs::fstat(h.fd).map_or(0, |st| st.st_size.max(0) as u64);
            // SAFETY: lseek on our descriptor, not moving it.
            let at = unsafe { libc::lseek(h.fd, 0, libc::SEEK_CUR) }.max(0) as u64;
            Some((0, size.saturating_sub(at), 0))
        }
        _ => bad,
    }
}

/// `poll_oneoff(in, out, nsubscriptions, nevents)`: EINVAL for no
/// subscriptions, an unknown tag or clock id; EFAULT for the buffers.
pub fn poll_oneoff(m: &mut Machine, input: u32, output: u32, n: u32, nevents: u32) -> i32 {
    if n == 0 {
        return errno::INVAL;
    }
    let Some(raw) = n
        .checked_mul(SUBSCRIPTION)
        .and_then(|len| m.memory.slice(input, len))
        .map(<[u8]>::to_vec)
    else {
        return errno::FAULT;
    };
    if !m.memory.in_bounds(output, u64::from(n) * u64::from(EVENT))
        || !m.memory.in_bounds(nevents, 4)
    {
        return errno::FAULT;
    }
    let subs = match parse(&raw) {
        Ok(subs) => subs,
        Err(e) => return e,
    };
    let ready_now = |m: &Machine| -> Vec<Option<Ready>> {
        subs.iter()
            .map(|&(_, sub)| match sub {
                Sub::Clock { .. } => None,
                Sub::Fd { fd, write } => fd_ready(m, fd, write),
            })
            .collect()
    };
    let mut ready = ready_now(m);
    // How long has passed when events are reported: clocks due by then fire.
    let mut passed = 0u64;
    if ready.iter().all(Option::is_none) {
        let shortest = subs
            .iter()
            .filter_map(|&(_, sub)| match sub {
                Sub::Clock { wait } => Some(wait),
                Sub::Fd { .. } => None,
            })
            .min();
        let waits_on_stdin = subs.iter().any(|&(_, s)| matches!(s, Sub::Fd { .. }));
        if waits_on_stdin {
            passed = wait_for_stdin(m, shortest);
            ready = ready_now(m);
        } else {
            let shortest = shortest.unwrap_or(0);
            crate::devices::sleep_ns(m, shortest.min(i64::MAX as u64) as i64);
            passed = shortest;
        }
    }
    let mut count = 0u32;
    for (i, &(userdata, sub)) in subs.iter().enumerate() {
        let mut event = [0u8; EVENT as usize];
        event[..8].copy_from_slice(&userdata.to_le_bytes());
        match (sub, ready[i]) {
            (Sub::Clock { wait }, _) if wait <= passed => {}
            (Sub::Fd { write, .. }, Some((error, nbytes, flags))) => {
                event[8..10].copy_from_slice(&error.to_le_bytes());
                event[10] = if write { 2 } else { 1 };
                event[16..24].copy_from_slice(&nbytes.to_le_bytes());
                event[24..26].copy_from_slice(&flags.to_le_bytes());
            }
            _ => continue,
        }
        put(m, output + count * EVENT, &event);
        count += 1;
    }
    put(m, nevents, &count.to_le_bytes())
}

/// Waits until stdin is readable or `timeout` nanoseconds have passed
/// (forever without one), output flushed first; returns the nanoseconds
/// that passed.
fn wait_for_stdin(m: &mut Machine, timeout: Option<u64>) -> u64 {
    m.stdout.flush();
    let start = crate::devices::clock(libc::CLOCK_MONOTONIC);
    let mut fds = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    loop {
        let elapsed = crate::devices::clock(libc::CLOCK_MONOTONIC).saturating_sub(start);
        let left = timeout.map(|t| t.saturating_sub(elapsed));
        let ts = left.map(|ns| libc::timespec {
            tv_sec: (ns / 1_000_000_000).min(i64::MAX as u64) as libc::time_t,
            tv_nsec: (ns % 1_000_000_000) as libc::c_long,
        });
        let ts_ptr = ts
            .as_ref()
            .map_or(core::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: ppoll on one pollfd with an optional timeout, no mask.
        let n = unsafe { libc::ppoll(&mut fds, 1, ts_ptr, core::ptr::null()) };
        if n < 0 && fs::host_errno() == libc::EINTR {
            continue;
        }
        return crate::devices::clock(libc::CLOCK_MONOTONIC).saturating_sub(start);
    }
}
