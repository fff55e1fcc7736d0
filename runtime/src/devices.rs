//! The device operations behind the `dev` instruction, one implementation
//! for every engine. Arguments arrive as 64-bit slots (integers
//! zero-extended, floats as bits) in the order of `abi::DEVICE_OPS`; the
//! result is the operation's value or a negative `DeviceError` code. Each
//! operation checks in the order ISA.md §6.8 documents ("Order of checks"):
//! the device (E_NOT_ATTACHED), then its arguments in parameter order, a
//! handle first (E_BAD_HANDLE, E_NOT_PERMITTED, E_INVALID), then its whole
//! buffer (a trap, like any memory access), and only then acts (E_LIMIT,
//! E_IO and the network's codes). So no data moves before every check has
//! passed, and a bad argument is an error code even with a bad buffer.

use crate::abi::{device, DeviceError, TrapKind};
use crate::console;
use crate::disk::BLOCK;
use crate::machine::Machine;
use alloc::vec::Vec;

/// A device result: a value, or a documented error code, or a trap.
type Outcome = Result<Result<u64, DeviceError>, TrapKind>;

/// Runs device operation `code` with `args`.
pub fn call(m: &mut Machine, code: u16, args: &[u64]) -> Result<u64, TrapKind> {
    if crate::abi::is_wasi_file_op(code) {
        call_wasi_files(m, code, args)
    } else {
        call_core(m, code, args)
    }
}

/// Runs a WASI file operation (`abi::is_wasi_file_op`), what executables
/// reach through `janus_wasi_files`.
pub fn call_wasi_files(m: &mut Machine, code: u16, args: &[u64]) -> Result<u64, TrapKind> {
    crate::wasi::files_call(m, code as u8, args).map(|e| u64::from(e as u32))
}

/// Runs any operation but the WASI file operations, what executables reach
/// through `janus_device` (a file operation here is the unknown-operation
/// answer, never the file system's code, so `janus_device` does not pull it
/// into every executable).
pub fn call_core(m: &mut Machine, code: u16, args: &[u64]) -> Result<u64, TrapKind> {
    let result_is_i64 =
        crate::abi::device_shape(code).is_some_and(|d| d.result == crate::abi::ValType::I64);
    Ok(match dispatch(m, code, args)? {
        Ok(v) => v,
        Err(e) if result_is_i64 => i64::from(e as i32) as u64,
        Err(e) => u64::from(e as i32 as u32),
    })
}

fn dispatch(m: &mut Machine, code: u16, args: &[u64]) -> Outcome {
    let dev = (code >> 8) as u8;
    let op = code as u8;
    // Whatever the program printed is out before it may wait on the network
    // (a server announcing its port, a client awaiting a reply).
    if dev == device::NET {
        m.stdout.flush();
    }
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
            let bytes = m
                .memory
                .slice(addr, len as u32)
                .ok_or(TrapKind::OutOfBounds)?
                .to_vec();
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
            m.memory
                .slice(addr, cap as u32)
                .ok_or(TrapKind::OutOfBounds)?;
            m.stdout.flush();
            match m.read_input(cap as usize, op == 2) {
                Some(bytes) => {
                    let n = bytes.len();
                    m.memory
                        .slice_mut(addr, n as u32)
                        .ok_or(TrapKind::OutOfBounds)?
                        .copy_from_slice(&bytes);
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
                console::format_f64(
                    f64::from_bits(args.get(1).copied().unwrap_or(0)),
                    digits as u32,
                    &mut text,
                );
            }
            if m.console_write(fd, &text) {
                v32(text.len() as i32)
            } else {
                fail(DeviceError::Io)
            }
        }
        (device::CONSOLE, 5) => {
            let (fd, bits, ty) = (i32a(0), args.get(1).copied().unwrap_or(0), i32a(2));
            let mut text = Vec::new();
            match ty {
                0 => console::format_i64(i64::from(bits as u32 as i32), &mut text),
                1 => console::format_i64(bits as i64, &mut text),
                2 => console::format_shortest(
                    f64::from(f32::from_bits(bits as u32)),
                    true,
                    &mut text,
                ),
                3 => console::format_shortest(f64::from_bits(bits), false, &mut text),
                _ => return fail(DeviceError::InvalidArgument),
            }
            text.push(b'\n');
            if !(fd == 1 || fd == 2) {
                return fail(DeviceError::InvalidArgument);
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
            let Some(disk) = &m.disk else {
                return fail(DeviceError::NotAttached);
            };
            if block < 0 || block as u64 >= disk.block_count() {
                return fail(DeviceError::InvalidArgument);
            }
            let buf = m
                .memory
                .slice_mut(addr, BLOCK as u32)
                .ok_or(TrapKind::OutOfBounds)?;
            let buf: &mut [u8; BLOCK] = buf.try_into().expect("slice of BLOCK bytes");
            let r = if op == 1 {
                disk.read(block, buf)
            } else {
                disk.write(block, buf)
            };
            Ok(r.map(|()| 0))
        }
        (device::DISK, 3) => match &m.disk {
            Some(d) => Ok(d.flush().map(|()| 0)),
            None => fail(DeviceError::NotAttached),
        },
        (device::DISPLAY, 0) => Ok(m.display.open(i32a(0), i32a(1)).map(|()| 0)),
        (device::DISPLAY, 1) => {
            let Some(len) = m.display.frame_bytes() else {
                return fail(DeviceError::NotAttached);
            };
            if m.display.target.is_none() {
                return fail(DeviceError::NotAttached);
            }
            let bytes = m
                .memory
                .slice(i32a(0) as u32, len)
                .ok_or(TrapKind::OutOfBounds)?
                .to_vec();
            Ok(m.display.present(&bytes).map(u64::from))
        }
        (device::NET, 0 | 1) => {
            let (ip, port) = (i32a(0) as u32, i32a(1));
            if !m.config.allows(ip) {
                return fail(DeviceError::NotPermitted);
            }
            let r = if op == 0 {
                m.net.connect(ip, port)
            } else {
                m.net.listen(ip, port)
            };
            Ok(r.map(|h| u64::from(h as u32)))
        }
        (device::NET, 2) => Ok(m.net.accept(i32a(0)).map(|h| u64::from(h as u32))),
        (device::NET, 3 | 4) => {
            let (h, addr, len) = (i32a(0), i32a(1) as u32, i32a(2));
            // The handle, then the length, then the buffer: a bad handle is
            // E_BAD_HANDLE whatever the buffer (ISA.md §6.8).
            if let Err(e) = m.net.check_connection(h) {
                return fail(e);
            }
            if len < 0 {
                return fail(DeviceError::InvalidArgument);
            }
            if op == 3 {
                let bytes = m
                    .memory
                    .slice(addr, len as u32)
                    .ok_or(TrapKind::OutOfBounds)?
                    .to_vec();
                Ok(m.net.send(h, &bytes).map(|n| u64::from(n as u32)))
            } else {
                let buf = m
                    .memory
                    .slice_mut(addr, len as u32)
                    .ok_or(TrapKind::OutOfBounds)?;
                Ok(m.net.recv(h, buf).map(|n| u64::from(n as u32)))
            }
        }
        (device::NET, 5) => Ok(m.net.close(i32a(0)).map(|n| u64::from(n as u32))),
        (device::NET, 6) => Ok(m.net.local_port(i32a(0)).map(|n| u64::from(n as u32))),
        (device::NET, 7) => Ok(m
            .net
            .set_nonblocking(i32a(0), i32a(1) != 0)
            .map(|n| u64::from(n as u32))),
        (device::CLOCK, 0) => Ok(Ok(clock(libc::CLOCK_MONOTONIC))),
        (device::CLOCK, 1) => Ok(Ok(clock(libc::CLOCK_REALTIME))),
        (device::CLOCK, 2) => {
            sleep_ns(m, i64a(0));
            v32(0)
        }
        (device::ARGS, op) => Ok(list_op(&mut m.memory, &m.args, op, args)?),
        (device::RANDOM, 0) => {
            let (addr, len) = (i32a(0) as u32, i32a(1));
            if len < 0 {
                return fail(DeviceError::InvalidArgument);
            }
            let buf = m
                .memory
                .slice_mut(addr, len as u32)
                .ok_or(TrapKind::OutOfBounds)?;
            if m.random.fill(buf) {
                v32(len)
            } else {
                fail(DeviceError::Io)
            }
        }
        (device::ENV, op) => Ok(list_op(&mut m.memory, &m.env, op, args)?),
        (device::WASI, op) => crate::wasi::call(m, op, args).map(|e| Ok(u64::from(e as u32))),
        _ => fail(DeviceError::InvalidArgument),
    }
}

/// Sleeps at least `ns` nanoseconds (a negative count is 0), output
/// flushed first.
pub(crate) fn sleep_ns(m: &mut Machine, ns: i64) {
    let ns = ns.max(0);
    m.stdout.flush();
    let mut req = libc::timespec {
        tv_sec: ns / 1_000_000_000,
        tv_nsec: ns % 1_000_000_000,
    };
    let mut rem = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: nanosleep with valid timespecs; an interrupted sleep goes on
    // for the remainder, since the sleep is `at least`.
    unsafe {
        while libc::nanosleep(&req, &mut rem) != 0 && *libc::__errno_location() == libc::EINTR {
            req = rem;
        }
    }
}

/// A host clock's time in nanoseconds.
pub(crate) fn clock(id: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec.
    unsafe {
        libc::clock_gettime(id, &mut ts);
    }
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

#[cfg(test)]
mod order_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::{device_op_by_name, DeviceError as E};
    use crate::config::DeviceConfig;
    use std::string::String;
    use std::vec;

    pub(super) fn machine(config: DeviceConfig) -> Machine {
        Machine::new(
            1,
            2,
            1024,
            vec![b"first".to_vec(), b"second arg".to_vec()],
            vec![String::from("main")],
            config,
        )
        .expect("machine")
    }

    pub(super) fn op(m: &mut Machine, name: &str, args: &[u64]) -> Result<u64, TrapKind> {
        call(
            m,
            device_op_by_name(name).expect("a device op").code(),
            args,
        )
    }

    pub(super) fn code(e: E) -> u64 {
        u64::from(e as i32 as u32)
    }

    fn code64(e: E) -> u64 {
        i64::from(e as i32) as u64
    }

    #[test]
    fn console_checks_arguments_then_buffers() {
        let mut m = machine(DeviceConfig::default());
        assert_eq!(
            op(&mut m, "console.write", &[3, 0, 1]),
            Ok(code(E::InvalidArgument)),
            "fd 3"
        );
        assert_eq!(
            op(&mut m, "console.write", &[1, 0, u64::from(u32::MAX)]),
            Ok(code(E::InvalidArgument)),
            "len -1"
        );
        assert_eq!(
            op(&mut m, "console.write", &[1, 65_530, 10]),
            Err(TrapKind::OutOfBounds)
        );
        assert_eq!(op(&mut m, "console.write", &[1, 0, 0]), Ok(0));
        assert_eq!(
            op(&mut m, "console.write_i64", &[7, 5]),
            Ok(code(E::InvalidArgument))
        );
        assert_eq!(
            op(&mut m, "console.write_value", &[1, 0, 4]),
            Ok(code(E::InvalidArgument)),
            "type 4"
        );
        assert_eq!(
            op(&mut m, "console.write_value", &[3, 0, 0]),
            Ok(code(E::InvalidArgument)),
            "fd 3"
        );
        // "-1\n", "0.1\n", "NaN\n", "-0\n": the byte counts.
        assert_eq!(
            op(&mut m, "console.write_value", &[1, 0xffff_ffff, 0]),
            Ok(3)
        );
        assert_eq!(
            op(
                &mut m,
                "console.write_value",
                &[1, u64::from(0.1f32.to_bits()), 2]
            ),
            Ok(4)
        );
        assert_eq!(
            op(&mut m, "console.write_value", &[1, f64::NAN.to_bits(), 3]),
            Ok(4)
        );
        assert_eq!(
            op(&mut m, "console.write_value", &[1, (-0.0f64).to_bits(), 3]),
            Ok(3)
        );
        assert_eq!(
            op(&mut m, "console.write_f64", &[1, 0, 18]),
            Ok(code(E::InvalidArgument)),
            "18 digits"
        );
        assert_eq!(
            op(&mut m, "console.read", &[0, u64::from(u32::MAX)]),
            Ok(code(E::InvalidArgument))
        );
        assert_eq!(
            op(&mut m, "console.read", &[65_535, 2]),
            Err(TrapKind::OutOfBounds)
        );
    }

    #[test]
    fn arguments_and_clocks() {
        let mut m = machine(DeviceConfig::default());
        assert_eq!(op(&mut m, "args.count", &[]), Ok(2));
        assert_eq!(op(&mut m, "args.len", &[1]), Ok(10));
        assert_eq!(op(&mut m, "args.len", &[2]), Ok(code(E::InvalidArgument)));
        assert_eq!(op(&mut m, "args.copy", &[1, 100, 6]), Ok(6));
        assert_eq!(m.memory.slice(100, 6), Some(&b"second"[..]));
        assert_eq!(
            op(&mut m, "args.copy", &[0, 65_534, 5]),
            Err(TrapKind::OutOfBounds)
        );
        let t0 = op(&mut m, "clock.monotonic_ns", &[]).expect("clock");
        assert_eq!(op(&mut m, "clock.sleep_ns", &[2_000_000]), Ok(0));
        let t1 = op(&mut m, "clock.monotonic_ns", &[]).expect("clock");
        assert!(t1 - t0 >= 2_000_000);
        assert!(op(&mut m, "clock.wall_ns", &[]).expect("clock") > 1_577_836_800_000_000_000);
        assert_eq!(
            op(&mut m, "clock.sleep_ns", &[u64::MAX]),
            Ok(0),
            "negative sleeps are 0"
        );
    }

    #[test]
    fn disk_blocks_round_trip_in_the_host_file_only() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let path = tmp.path().join("disk.img");
        std::fs::write(&path, vec![0u8; 4 * BLOCK + 100]).expect("image");
        let mut none = machine(DeviceConfig::default());
        assert_eq!(
            op(&mut none, "disk.block_count", &[]),
            Ok(code64(E::NotAttached))
        );
        assert_eq!(
            op(&mut none, "disk.read", &[0, 0]),
            Ok(code(E::NotAttached))
        );
        assert_eq!(op(&mut none, "disk.flush", &[]), Ok(code(E::NotAttached)));

        let config = DeviceConfig {
            disk: Some(path.to_string_lossy().into_owned()),
            ..DeviceConfig::default()
        };
        let mut m = machine(config);
        assert_eq!(op(&mut m, "disk.block_count", &[]), Ok(4));
        m.memory
            .slice_mut(0, BLOCK as u32)
            .expect("in bounds")
            .fill(0xab);
        assert_eq!(op(&mut m, "disk.write", &[2, 0]), Ok(0));
        assert_eq!(op(&mut m, "disk.flush", &[]), Ok(0));
        assert_eq!(op(&mut m, "disk.read", &[2, 4096]), Ok(0));
        assert!(m
            .memory
            .slice(4096, BLOCK as u32)
            .expect("in bounds")
            .iter()
            .all(|&b| b == 0xab));
        assert_eq!(
            op(&mut m, "disk.read", &[4, 0]),
            Ok(code(E::InvalidArgument)),
            "past the end"
        );
        assert_eq!(
            op(&mut m, "disk.write", &[u64::MAX, 0]),
            Ok(code(E::InvalidArgument)),
            "block -1"
        );
        assert_eq!(
            op(&mut m, "disk.write", &[0, 65_500]),
            Err(TrapKind::OutOfBounds)
        );
        let bytes = std::fs::read(&path).expect("image");
        assert!(bytes[2 * BLOCK..3 * BLOCK].iter().all(|&b| b == 0xab));
        assert!(
            bytes[..2 * BLOCK]
                .iter()
                .chain(&bytes[3 * BLOCK..])
                .all(|&b| b == 0),
            "other blocks untouched"
        );

        let missing = DeviceConfig {
            disk: Some(String::from("/nonexistent/disk.img")),
            ..DeviceConfig::default()
        };
        let err = Machine::new(1, 1, 16, vec![], vec![], missing).expect_err("no such file");
        assert!(
            err.contains("JANUS_DISK: cannot open `/nonexistent/disk.img`"),
            "{err}"
        );
    }

    #[test]
    fn a_display_directory_that_does_not_exist_stops_the_machine_at_start() {
        for value in ["/nonexistent-dir/", "/nonexistent-dir/out.png"] {
            let config = DeviceConfig {
                display: Some(String::from(value)),
                ..DeviceConfig::default()
            };
            let err = Machine::new(1, 1, 16, vec![], vec![], config).expect_err(value);
            assert!(
                err.starts_with("JANUS_DISPLAY: directory `/nonexistent-dir`"),
                "{value}: {err}"
            );
            assert!(err.contains("does not exist"), "{value}: {err}");
        }
    }

    #[test]
    fn display_writes_png_frames_up_to_its_limit() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let dir = tmp.path();
        let mut none = machine(DeviceConfig::default());
        assert_eq!(
            op(&mut none, "display.open", &[4, 4]),
            Ok(code(E::NotAttached))
        );
        assert_eq!(
            op(&mut none, "display.present", &[0]),
            Ok(code(E::NotAttached))
        );
        let config = DeviceConfig {
            display: Some(dir.to_string_lossy().into_owned()),
            display_frames: 2,
            ..DeviceConfig::default()
        };
        let mut m = machine(config);
        assert_eq!(
            op(&mut m, "display.present", &[0]),
            Ok(code(E::NotAttached)),
            "before open"
        );
        assert_eq!(
            op(&mut m, "display.open", &[0, 4]),
            Ok(code(E::InvalidArgument))
        );
        assert_eq!(
            op(&mut m, "display.open", &[4097, 4]),
            Ok(code(E::InvalidArgument))
        );
        assert_eq!(op(&mut m, "display.open", &[2, 1]), Ok(0));
        m.memory
            .slice_mut(0, 8)
            .expect("in bounds")
            .copy_from_slice(&[0x30, 0x20, 0x10, 0, 0xff, 0, 0, 0]);
        assert_eq!(op(&mut m, "display.present", &[0]), Ok(0));
        assert_eq!(op(&mut m, "display.present", &[0]), Ok(1));
        assert_eq!(
            op(&mut m, "display.present", &[0]),
            Ok(code(E::LimitReached))
        );
        assert_eq!(
            op(&mut m, "display.present", &[65_532]),
            Err(TrapKind::OutOfBounds)
        );
        let decoder = ::png::Decoder::new(
            std::fs::File::open(dir.join("frame-00001.png")).expect("frame written"),
        );
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut buf).expect("a frame");
        assert_eq!(&buf[..6], &[0x10, 0x20, 0x30, 0, 0, 0xff]);
    }

    #[test]
    fn network_on_loopback_with_the_allow_list() {
        let mut m = machine(DeviceConfig::default());
        let lo = 0x7f00_0001u64;
        assert_eq!(
            op(&mut m, "net.connect", &[0x0a00_0001, 80]),
            Ok(code(E::NotPermitted)),
            "10.0.0.1"
        );
        assert_eq!(
            op(&mut m, "net.connect", &[lo, 0]),
            Ok(code(E::InvalidArgument)),
            "port 0"
        );
        let listener = op(&mut m, "net.listen", &[lo, 0]).expect("no trap") as u32 as i32;
        assert!(listener >= 0, "listen: {listener}");
        let port = op(&mut m, "net.local_port", &[listener as u64]).expect("no trap");
        assert!(port > 0 && port < 65_536);
        let client = op(&mut m, "net.connect", &[lo, port]).expect("no trap") as u32 as i32;
        assert!(client >= 0);
        let server = op(&mut m, "net.accept", &[listener as u64]).expect("no trap") as u32 as i32;
        assert!(server >= 0);
        m.memory
            .slice_mut(0, 5)
            .expect("in bounds")
            .copy_from_slice(b"hello");
        assert_eq!(op(&mut m, "net.send", &[client as u64, 0, 5]), Ok(5));
        assert_eq!(op(&mut m, "net.recv", &[server as u64, 100, 64]), Ok(5));
        assert_eq!(m.memory.slice(100, 5), Some(&b"hello"[..]));
        assert_eq!(
            op(&mut m, "net.set_nonblocking", &[server as u64, 1]),
            Ok(0)
        );
        assert_eq!(
            op(&mut m, "net.recv", &[server as u64, 100, 64]),
            Ok(code(E::WouldBlock))
        );
        assert_eq!(
            op(&mut m, "net.send", &[client as u64, 65_534, 5]),
            Err(TrapKind::OutOfBounds)
        );
        assert_eq!(op(&mut m, "net.close", &[client as u64]), Ok(0));
        assert_eq!(
            op(&mut m, "net.close", &[client as u64]),
            Ok(code(E::BadHandle))
        );
        assert_eq!(
            op(&mut m, "net.set_nonblocking", &[server as u64, 0]),
            Ok(0)
        );
        assert_eq!(
            op(&mut m, "net.recv", &[server as u64, 100, 64]),
            Ok(0),
            "peer closed"
        );
        assert_eq!(op(&mut m, "net.send", &[99, 0, 1]), Ok(code(E::BadHandle)));
        assert_eq!(
            op(&mut m, "net.accept", &[server as u64]),
            Ok(code(E::BadHandle)),
            "not a listener"
        );
        // Refused: a port nobody listens on (the listener's, once closed).
        assert_eq!(op(&mut m, "net.close", &[listener as u64]), Ok(0));
        assert_eq!(
            op(&mut m, "net.connect", &[lo, port]),
            Ok(code(E::ConnectionRefused))
        );
        // The handle cap.
        let mut opened = 0;
        loop {
            let h = op(&mut m, "net.listen", &[lo, 0]).expect("no trap") as u32 as i32;
            if h < 0 {
                assert_eq!(h, E::LimitReached as i32);
                break;
            }
            opened += 1;
        }
        assert_eq!(
            opened,
            crate::net::MAX_HANDLES - 1,
            "one handle (server) is still open"
        );
        let none = DeviceConfig {
            net_allow: vec![],
            ..DeviceConfig::default()
        };
        let mut closed = machine(none);
        assert_eq!(
            op(&mut closed, "net.listen", &[lo, 0]),
            Ok(code(E::NotPermitted))
        );
    }
}

/// The `args` and `env` devices' three operations over a list of byte
/// strings: 0 count, 1 len(i), 2 copy(i, addr, cap).
fn list_op(
    memory: &mut crate::memory::LinearMemory,
    list: &[Vec<u8>],
    op: u8,
    args: &[u64],
) -> Result<Result<u64, DeviceError>, TrapKind> {
    let i32a = |i: usize| args.get(i).copied().unwrap_or(0) as u32 as i32;
    let entry = || usize::try_from(i32a(0)).ok().and_then(|i| list.get(i));
    let v32 = |v: usize| Ok(Ok(u64::from(v as u32)));
    match op {
        0 => v32(list.len()),
        1 => entry().map_or(Ok(Err(DeviceError::InvalidArgument)), |e| v32(e.len())),
        2 => {
            let (addr, cap) = (i32a(1) as u32, i32a(2));
            let Some(entry) = entry() else {
                return Ok(Err(DeviceError::InvalidArgument));
            };
            if cap < 0 {
                return Ok(Err(DeviceError::InvalidArgument));
            }
            let buf = memory
                .slice_mut(addr, cap as u32)
                .ok_or(TrapKind::OutOfBounds)?;
            let n = entry.len().min(cap as usize);
            buf[..n].copy_from_slice(&entry[..n]);
            v32(n)
        }
        // Not in the device table, like any unknown operation.
        _ => Ok(Err(DeviceError::InvalidArgument)),
    }
}
