//! The device operations behind the `dev` instruction, one implementation
//! for every engine. Arguments arrive as 64-bit slots (integers
//! zero-extended, floats as bits) in the order of `abi::DEVICE_OPS`; the
//! result is the operation's value or a negative `DeviceError` code. A buffer
//! outside memory traps like a memory access.
//!
//! Implemented here: console, clock and program arguments. The keyboard,
//! disk, display and network answer with the documented code for a device
//! that is not attached (`E_NOT_ATTACHED`, or `E_NOT_PERMITTED` for a
//! network address outside the allow-list, which is empty): the options that
//! attach them arrive with the devices issue.

use crate::abi::{device, DeviceError, TrapKind};
use crate::console;
use crate::machine::Machine;
use alloc::vec::Vec;

fn err(e: DeviceError) -> u64 {
    i64::from(e as i32) as u64
}

/// Runs device operation `code` with `args`.
pub fn call(m: &mut Machine, code: u16, args: &[u64]) -> Result<u64, TrapKind> {
    let dev = (code >> 8) as u8;
    let op = code as u8;
    let i32a = |i: usize| args.get(i).copied().unwrap_or(0) as u32 as i32;
    let i64a = |i: usize| args.get(i).copied().unwrap_or(0) as i64;
    let ok32 = |v: i32| Ok(u64::from(v as u32));
    let fail32 = |e: DeviceError| Ok(u64::from(e as i32 as u32));
    match (dev, op) {
        (device::CONSOLE, 0) => {
            let (fd, addr, len) = (i32a(0), i32a(1) as u32, i32a(2));
            if len < 0 || !(fd == 1 || fd == 2) {
                return fail32(DeviceError::InvalidArgument);
            }
            let bytes = m.memory.slice(addr, len as u32).ok_or(TrapKind::OutOfBounds)?.to_vec();
            if m.console_write(fd, &bytes) {
                ok32(len)
            } else {
                fail32(DeviceError::Io)
            }
        }
        (device::CONSOLE, 1 | 2) => {
            let (addr, cap) = (i32a(0) as u32, i32a(1));
            if cap < 0 {
                return fail32(DeviceError::InvalidArgument);
            }
            m.memory.slice(addr, cap as u32).ok_or(TrapKind::OutOfBounds)?;
            m.stdout.flush();
            let line = op == 2;
            match m.read_input(cap as usize, line) {
                Some(bytes) => {
                    let n = bytes.len();
                    m.memory.slice_mut(addr, n as u32).ok_or(TrapKind::OutOfBounds)?.copy_from_slice(&bytes);
                    ok32(n as i32)
                }
                None => fail32(DeviceError::Io),
            }
        }
        (device::CONSOLE, 3) => {
            let fd = i32a(0);
            if !(fd == 1 || fd == 2) {
                return fail32(DeviceError::InvalidArgument);
            }
            let mut text = Vec::new();
            console::format_i64(i64a(1), &mut text);
            if m.console_write(fd, &text) {
                ok32(text.len() as i32)
            } else {
                fail32(DeviceError::Io)
            }
        }
        (device::CONSOLE, 4) => {
            let (fd, digits) = (i32a(0), i32a(2));
            if !(fd == 1 || fd == 2) || !(0..=17).contains(&digits) {
                return fail32(DeviceError::InvalidArgument);
            }
            let mut text = Vec::new();
            console::format_f64(f64::from_bits(args.get(1).copied().unwrap_or(0)), digits as u32, &mut text);
            if m.console_write(fd, &text) {
                ok32(text.len() as i32)
            } else {
                fail32(DeviceError::Io)
            }
        }
        (device::KEYBOARD, _) => Ok(err(DeviceError::NotAttached)),
        (device::DISK, 0) => Ok(err(DeviceError::NotAttached)),
        (device::DISK, _) | (device::DISPLAY, _) => fail32(DeviceError::NotAttached),
        (device::NET, 0 | 1) => fail32(DeviceError::NotPermitted),
        (device::NET, _) => fail32(DeviceError::BadHandle),
        (device::CLOCK, 0) => Ok(clock(libc::CLOCK_MONOTONIC)),
        (device::CLOCK, 1) => Ok(clock(libc::CLOCK_REALTIME)),
        (device::CLOCK, 2) => {
            let ns = i64a(0).max(0);
            let ts = libc::timespec { tv_sec: ns / 1_000_000_000, tv_nsec: ns % 1_000_000_000 };
            m.stdout.flush();
            // SAFETY: nanosleep with a valid request; an interrupted sleep
            // ends early, which `at least` does not allow, so retry.
            unsafe {
                let mut req = ts;
                let mut rem = libc::timespec { tv_sec: 0, tv_nsec: 0 };
                while libc::nanosleep(&req, &mut rem) != 0 && *libc::__errno_location() == libc::EINTR {
                    req = rem;
                }
            }
            ok32(0)
        }
        (device::ARGS, 0) => ok32(m.args.len() as i32),
        (device::ARGS, 1) => match usize::try_from(i32a(0)).ok().and_then(|i| m.args.get(i)) {
            Some(a) => ok32(a.len() as i32),
            None => fail32(DeviceError::InvalidArgument),
        },
        (device::ARGS, 2) => {
            let (i, addr, cap) = (i32a(0), i32a(1) as u32, i32a(2));
            let Some(arg) = usize::try_from(i).ok().and_then(|i| m.args.get(i)).cloned() else {
                return fail32(DeviceError::InvalidArgument);
            };
            if cap < 0 {
                return fail32(DeviceError::InvalidArgument);
            }
            let buf = m.memory.slice_mut(addr, cap as u32).ok_or(TrapKind::OutOfBounds)?;
            let n = arg.len().min(cap as usize);
            buf[..n].copy_from_slice(&arg[..n]);
            ok32(n as i32)
        }
        _ => fail32(DeviceError::InvalidArgument),
    }
}

fn clock(id: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec.
    unsafe {
        libc::clock_gettime(id, &mut ts);
    }
    (ts.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(ts.tv_nsec as u64)
}
