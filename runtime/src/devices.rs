//! The device operations behind the `dev` instruction, one implementation
//! for every engine. Arguments arrive as 64-bit slots (integers
//! zero-extended, floats as bits) in the order of `abi::DEVICE_OPS`; the
//! result is the operation's value or a negative `DeviceError` code. Each
//! operation checks its device and plain arguments first (an error code),
//! then its whole buffer (a trap, like any memory access), before any data
//! moves.

use crate::abi::{device, DeviceError, TrapKind};
use crate::console;
use crate::disk::BLOCK;
use crate::machine::Machine;
use alloc::vec::Vec;

/// A device result: a value, or a documented error code, or a trap.
type Outcome = Result<Result<u64, DeviceError>, TrapKind>;

/// Runs device operation `code` with `args`.
pub fn call(m: &mut Machine, code: u16, args: &[u64]) -> Result<u64, TrapKind> {
    let result_is_i64 = crate::abi::device_op_by_code(code).is_some_and(|d| d.result == crate::abi::ValType::I64);
    Ok(match dispatch(m, code, args)? {
        Ok(v) => v,
        Err(e) if result_is_i64 => i64::from(e as i32) as u64,
        Err(e) => u64::from(e as i32 as u32),
    })
}

fn dispatch(m: &mut Machine, code: u16, args: &[u64]) -> Outcome {
    let dev = (code >> 8) as u8;
    let op = code as u8;
    let i32a = |i: usize| args.get(i).copied().unwrap_or(0) as u32 as i32;
    let i64a = |i: usize| args.get(i).copied().unwrap_or(0) as i64;
    let v32 = |v: i32| Ok(Ok(u64::from(v as u32)));
    let fail = |e: DeviceError| Ok(Err(e));
    match (dev, op) {
        (device::CONSOLE, 0) => {
            let (fd, addr, len) = (i32a(0), i32a(1) as u32, i32a(2));
            if len < 0 || !(fd == 1 || fd == 2) {
                return fail(DeviceError::InvalidArgument);
            }
            let bytes = m.memory.slice(addr, len as u32).ok_or(TrapKind::OutOfBounds)?.to_vec();
            if m.console_write(fd, &bytes) {
                v32(len)
            } else {
                fail(DeviceError::Io)
            }
        }
        (device::CONSOLE, 1 | 2) => {
            let (addr, cap) = (i32a(0) as u32, i32a(1));
            if cap < 0 {
                return fail(DeviceError::InvalidArgument);
            }
            m.memory.slice(addr, cap as u32).ok_or(TrapKind::OutOfBounds)?;
            m.stdout.flush();
            match m.read_input(cap as usize, op == 2) {
                Some(bytes) => {
                    let n = bytes.len();
                    m.memory.slice_mut(addr, n as u32).ok_or(TrapKind::OutOfBounds)?.copy_from_slice(&bytes);
                    v32(n as i32)
                }
                None => fail(DeviceError::Io),
            }
        }
        (device::CONSOLE, 3 | 4) => {
            let fd = i32a(0);
            let digits = i32a(2);
            if !(fd == 1 || fd == 2) || (op == 4 && !(0..=17).contains(&digits)) {
                return fail(DeviceError::InvalidArgument);
            }
            let mut text = Vec::new();
            if op == 3 {
                console::format_i64(i64a(1), &mut text);
            } else {
                console::format_f64(f64::from_bits(args.get(1).copied().unwrap_or(0)), digits as u32, &mut text);
            }
            if m.console_write(fd, &text) {
                v32(text.len() as i32)
            } else {
                fail(DeviceError::Io)
            }
        }
        (device::KEYBOARD, 0 | 1) => Ok(m.key_event(op == 1)),
        (device::DISK, 0) => match &m.disk {
            Some(d) => Ok(Ok(d.block_count())),
            None => fail(DeviceError::NotAttached),
        },
        (device::DISK, 1 | 2) => {
            let (block, addr) = (i64a(0), i32a(1) as u32);
            let Some(disk) = &m.disk else { return fail(DeviceError::NotAttached) };
            if block < 0 || block as u64 >= disk.block_count() {
                return fail(DeviceError::InvalidArgument);
            }
            let buf = m.memory.slice_mut(addr, BLOCK as u32).ok_or(TrapKind::OutOfBounds)?;
            let buf: &mut [u8; BLOCK] = buf.try_into().expect("slice of BLOCK bytes");
            let r = if op == 1 { disk.read(block, buf) } else { disk.write(block, buf) };
            Ok(r.map(|()| 0))
        }
        (device::DISK, 3) => match &m.disk {
            Some(d) => Ok(d.flush().map(|()| 0)),
            None => fail(DeviceError::NotAttached),
        },
        (device::DISPLAY, 0) => Ok(m.display.open(i32a(0), i32a(1)).map(|()| 0)),
        (device::DISPLAY, 1) => {
            let Some(len) = m.display.frame_bytes() else { return fail(DeviceError::NotAttached) };
            if m.display.target.is_none() {
                return fail(DeviceError::NotAttached);
            }
            let bytes = m.memory.slice(i32a(0) as u32, len).ok_or(TrapKind::OutOfBounds)?.to_vec();
            Ok(m.display.present(&bytes).map(u64::from))
        }
        (device::NET, 0 | 1) => {
            let (ip, port) = (i32a(0) as u32, i32a(1));
            if !m.config.allows(ip) {
                return fail(DeviceError::NotPermitted);
            }
            let r = if op == 0 { m.net.connect(ip, port) } else { m.net.listen(ip, port) };
            Ok(r.map(|h| u64::from(h as u32)))
        }
        (device::NET, 2) => Ok(m.net.accept(i32a(0)).map(|h| u64::from(h as u32))),
        (device::NET, 3 | 4) => {
            let (h, addr, len) = (i32a(0), i32a(1) as u32, i32a(2));
            if len < 0 {
                return fail(DeviceError::InvalidArgument);
            }
            if op == 3 {
                let bytes = m.memory.slice(addr, len as u32).ok_or(TrapKind::OutOfBounds)?.to_vec();
                Ok(m.net.send(h, &bytes).map(|n| u64::from(n as u32)))
            } else {
                let buf = m.memory.slice_mut(addr, len as u32).ok_or(TrapKind::OutOfBounds)?;
                Ok(m.net.recv(h, buf).map(|n| u64::from(n as u32)))
            }
        }
        (device::NET, 5) => Ok(m.net.close(i32a(0)).map(|n| u64::from(n as u32))),
        (device::NET, 6) => Ok(m.net.local_port(i32a(0)).map(|n| u64::from(n as u32))),
        (device::NET, 7) => Ok(m.net.set_nonblocking(i32a(0), i32a(1) != 0).map(|n| u64::from(n as u32))),
        (device::CLOCK, 0) => Ok(Ok(clock(libc::CLOCK_MONOTONIC))),
        (device::CLOCK, 1) => Ok(Ok(clock(libc::CLOCK_REALTIME))),
        (device::CLOCK, 2) => {
            let ns = i64a(0).max(0);
            m.stdout.flush();
            let mut req = libc::timespec { tv_sec: ns / 1_000_000_000, tv_nsec: ns % 1_000_000_000 };
            let mut rem = libc::timespec { tv_sec: 0, tv_nsec: 0 };
            // SAFETY: nanosleep with valid timespecs; an interrupted sleep
            // goes on for the remainder, since the sleep is `at least`.
            unsafe {
                while libc::nanosleep(&req, &mut rem) != 0 && *libc::__errno_location() == libc::EINTR {
                    req = rem;
                }
            }
            v32(0)
        }
        (device::ARGS, 0) => v32(m.args.len() as i32),
        (device::ARGS, 1) => match usize::try_from(i32a(0)).ok().and_then(|i| m.args.get(i)) {
            Some(a) => v32(a.len() as i32),
            None => fail(DeviceError::InvalidArgument),
        },
        (device::ARGS, 2) => {
            let (i, addr, cap) = (i32a(0), i32a(1) as u32, i32a(2));
            let Some(arg) = usize::try_from(i).ok().and_then(|i| m.args.get(i)).cloned() else {
                return fail(DeviceError::InvalidArgument);
            };
            if cap < 0 {
                return fail(DeviceError::InvalidArgument);
            }
            let buf = m.memory.slice_mut(addr, cap as u32).ok_or(TrapKind::OutOfBounds)?;
            let n = arg.len().min(cap as usize);
            buf[..n].copy_from_slice(&arg[..n]);
            v32(n as i32)
        }
        _ => fail(DeviceError::InvalidArgument),
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
