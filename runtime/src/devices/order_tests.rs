//! The order of checks of ISA.md §6.8, operation by operation: the device,
//! then the arguments in parameter order (a handle first), then the buffer,
//! then the operation itself. Each operation that takes a buffer or a handle
//! gets a bad argument together with a bad buffer and must answer with the
//! argument's error code, not a trap; a good argument with the same buffer
//! shows that the buffer is then what traps.

use super::tests::{code, machine, op};
use crate::abi::{DeviceError as E, TrapKind, DEVICE_OPS};
use crate::config::DeviceConfig;
use crate::disk::BLOCK;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// `-1` as an i32 argument: an address at the top of the 4 GiB space, or a
/// negative length.
const MINUS_1: u64 = u32::MAX as u64;

/// Buffers outside the one page of memory `machine` gives, as (addr, len).
const BAD_BUFFERS: [(u64, u64); 4] = [(0, 0x7fff_ffff), (MINUS_1, 100), (65_530, 10), (65_536, 1)];

/// Handles no program has opened (machine starts with no sockets).
const NEVER_OPENED: [u64; 5] = [0, 3, 63, 64, MINUS_1];

/// Every operation tested here; [`every_operation_with_a_buffer_or_a_handle_is_covered`]
/// keeps the list complete.
const COVERED: [&str; 15] = [
    "console.write",
    "console.read",
    "console.read_line",
    "disk.read",
    "disk.write",
    "display.present",
    "net.accept",
    "net.send",
    "net.recv",
    "net.close",
    "net.local_port",
    "net.set_nonblocking",
    "args.copy",
    "random.fill",
    "env.copy",
];

#[test]
fn every_operation_with_a_buffer_or_a_handle_is_covered() {
    let mut missing = Vec::new();
    for d in DEVICE_OPS {
        // The documentation opens with the signature: `send(handle, addr, len):`.
        let signature = d.doc.split(')').next().expect("a signature");
        let params: Vec<&str> = signature.split(['(', ',']).skip(1).map(str::trim).collect();
        let checked = params
            .iter()
            .any(|p| matches!(*p, "addr" | "handle" | "listener"));
        if checked != COVERED.contains(&d.name) {
            missing.push(d.name);
        }
    }
    assert!(
        missing.is_empty(),
        "COVERED and the operations taking an addr or a handle differ on {missing:?}"
    );
}

#[test]
fn net_send_and_recv_check_the_handle_before_the_length_and_the_buffer() {
    let mut m = machine(DeviceConfig::default());
    // The two calls of issue 13.
    assert_eq!(
        op(&mut m, "net.send", &[3, 0, 0x7fff_ffff]),
        Ok(code(E::BadHandle))
    );
    assert_eq!(
        op(&mut m, "net.recv", &[3, MINUS_1, 100]),
        Ok(code(E::BadHandle))
    );
    let bad_handle_with_bad_buffers = |m: &mut crate::machine::Machine, h: u64, what: &str| {
        for name in ["net.send", "net.recv"] {
            for (addr, len) in BAD_BUFFERS.into_iter().chain([(0, MINUS_1)]) {
                assert_eq!(
                    op(m, name, &[h, addr, len]),
                    Ok(code(E::BadHandle)),
                    "{name}({what} {h}, {addr:#x}, {len:#x})"
                );
            }
        }
    };
    for h in NEVER_OPENED {
        bad_handle_with_bad_buffers(&mut m, h, "never opened");
    }

    let lo = 0x7f00_0001u64;
    let listener = op(&mut m, "net.listen", &[lo, 0]).expect("no trap");
    assert!((listener as u32 as i32) >= 0, "listen: {listener}");
    bad_handle_with_bad_buffers(&mut m, listener, "listener");
    let port = op(&mut m, "net.local_port", &[listener]).expect("no trap");
    let client = op(&mut m, "net.connect", &[lo, port]).expect("no trap");
    let server = op(&mut m, "net.accept", &[listener]).expect("no trap");
    assert!((client as u32 as i32) >= 0 && (server as u32 as i32) >= 0);
    assert_eq!(op(&mut m, "net.close", &[client]), Ok(0));
    bad_handle_with_bad_buffers(&mut m, client, "closed");

    // A good connection: its length is checked next, then its buffer.
    for name in ["net.send", "net.recv"] {
        assert_eq!(
            op(&mut m, name, &[server, 65_530, MINUS_1]),
            Ok(code(E::InvalidArgument)),
            "{name}: negative length with a bad address"
        );
        for (addr, len) in BAD_BUFFERS {
            assert_eq!(
                op(&mut m, name, &[server, addr, len]),
                Err(TrapKind::OutOfBounds),
                "{name}(connection, {addr:#x}, {len:#x})"
            );
        }
    }
}

#[test]
fn the_other_network_operations_check_their_handle() {
    let mut m = machine(DeviceConfig::default());
    for h in NEVER_OPENED {
        for name in ["net.accept", "net.close", "net.local_port"] {
            assert_eq!(
                op(&mut m, name, &[h]),
                Ok(code(E::BadHandle)),
                "{name}({h})"
            );
        }
        assert_eq!(
            op(&mut m, "net.set_nonblocking", &[h, 1]),
            Ok(code(E::BadHandle))
        );
    }
    let none = DeviceConfig {
        net_allow: vec![],
        ..DeviceConfig::default()
    };
    let mut closed = machine(none);
    assert_eq!(
        op(&mut closed, "net.connect", &[0x7f00_0001, 0]),
        Ok(code(E::NotPermitted)),
        "the address (first parameter) before the port"
    );
}

#[test]
fn console_checks_its_descriptor_and_length_before_the_buffer() {
    let mut m = machine(DeviceConfig::default());
    for (addr, len) in BAD_BUFFERS {
        for fd in [0, 3, MINUS_1] {
            assert_eq!(
                op(&mut m, "console.write", &[fd, addr, len]),
                Ok(code(E::InvalidArgument)),
                "console.write({fd}, {addr:#x}, {len:#x})"
            );
        }
    }
    for addr in [0, 65_530, MINUS_1] {
        assert_eq!(
            op(&mut m, "console.write", &[1, addr, MINUS_1]),
            Ok(code(E::InvalidArgument)),
            "negative length at {addr:#x}"
        );
        for name in ["console.read", "console.read_line"] {
            assert_eq!(
                op(&mut m, name, &[addr, MINUS_1]),
                Ok(code(E::InvalidArgument)),
                "{name}({addr:#x}, -1)"
            );
        }
    }
    // Nothing was read from stdin for these (the buffer comes before the read).
    assert!(m.stdin.is_empty() && !m.stdin_done);
    assert_eq!(
        op(&mut m, "console.write", &[1, 65_530, 10]),
        Err(TrapKind::OutOfBounds)
    );
}

#[test]
fn disk_checks_the_device_then_the_block_then_the_buffer() {
    let mut none = machine(DeviceConfig::default());
    for name in ["disk.read", "disk.write"] {
        for block in [0, 7, u64::MAX] {
            for addr in [65_500, MINUS_1] {
                assert_eq!(
                    op(&mut none, name, &[block, addr]),
                    Ok(code(E::NotAttached)),
                    "{name}({block}, {addr:#x}) without a disk"
                );
            }
        }
    }
    let tmp = tempfile::tempdir().expect("temporary directory");
    let path = tmp.path().join("disk.img");
    std::fs::write(&path, vec![0u8; 2 * BLOCK]).expect("image");
    let config = DeviceConfig {
        disk: Some(path.to_string_lossy().into_owned()),
        ..DeviceConfig::default()
    };
    let mut m = machine(config);
    m.memory.slice_mut(0, 1024).expect("in bounds").fill(0xcd);
    for name in ["disk.read", "disk.write"] {
        for block in [2, u64::MAX, i64::MIN as u64] {
            for addr in [65_500, MINUS_1] {
                assert_eq!(
                    op(&mut m, name, &[block, addr]),
                    Ok(code(E::InvalidArgument)),
                    "{name}({block}, {addr:#x})"
                );
            }
        }
        assert_eq!(op(&mut m, name, &[1, 65_500]), Err(TrapKind::OutOfBounds));
    }
    assert!(
        std::fs::read(&path).expect("image").iter().all(|&b| b == 0),
        "nothing written"
    );
}

#[test]
fn display_checks_the_device_before_its_size_and_its_buffer() {
    let mut none = machine(DeviceConfig::default());
    for (w, h) in [(0, 0), (4097, 4), (4, MINUS_1)] {
        assert_eq!(
            op(&mut none, "display.open", &[w, h]),
            Ok(code(E::NotAttached)),
            "display.open({w}, {h}) without a display"
        );
    }
    for addr in [65_532, MINUS_1] {
        assert_eq!(
            op(&mut none, "display.present", &[addr]),
            Ok(code(E::NotAttached))
        );
    }
    let tmp = tempfile::tempdir().expect("temporary directory");
    let config = DeviceConfig {
        display: Some(tmp.path().to_string_lossy().into_owned()),
        display_frames: 0,
        ..DeviceConfig::default()
    };
    let mut m = machine(config);
    for addr in [65_532, MINUS_1] {
        assert_eq!(
            op(&mut m, "display.present", &[addr]),
            Ok(code(E::NotAttached)),
            "before open"
        );
    }
    assert_eq!(op(&mut m, "display.open", &[2, 2]), Ok(0));
    // The frame limit is the operation's outcome, after the buffer check.
    assert_eq!(
        op(&mut m, "display.present", &[0]),
        Ok(code(E::LimitReached))
    );
    for addr in [65_532, MINUS_1] {
        assert_eq!(
            op(&mut m, "display.present", &[addr]),
            Err(TrapKind::OutOfBounds)
        );
    }
    let written: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("listing")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn args_copy_checks_its_index_and_capacity_before_the_buffer() {
    let mut m = machine(DeviceConfig::default());
    for i in [2, 99, MINUS_1] {
        for (addr, cap) in BAD_BUFFERS {
            assert_eq!(
                op(&mut m, "args.copy", &[i, addr, cap]),
                Ok(code(E::InvalidArgument)),
                "args.copy({i}, {addr:#x}, {cap:#x})"
            );
        }
    }
    assert_eq!(
        op(&mut m, "args.copy", &[0, 65_534, MINUS_1]),
        Ok(code(E::InvalidArgument)),
        "negative capacity"
    );
    assert_eq!(
        op(&mut m, "args.copy", &[0, 65_534, 5]),
        Err(TrapKind::OutOfBounds)
    );
}

#[test]
fn env_copy_checks_its_index_and_capacity_before_the_buffer() {
    let config = DeviceConfig {
        env: vec![b"A=1".to_vec()],
        ..DeviceConfig::default()
    };
    let mut m = machine(config);
    for i in [1, 99, MINUS_1] {
        for (addr, cap) in BAD_BUFFERS {
            assert_eq!(
                op(&mut m, "env.copy", &[i, addr, cap]),
                Ok(code(E::InvalidArgument)),
                "env.copy({i}, {addr:#x}, {cap:#x})"
            );
        }
    }
    assert_eq!(
        op(&mut m, "env.copy", &[0, 0, MINUS_1]),
        Ok(code(E::InvalidArgument))
    );
    assert_eq!(
        op(&mut m, "env.copy", &[0, 65_534, 5]),
        Err(TrapKind::OutOfBounds)
    );
    assert_eq!(op(&mut m, "env.copy", &[0, 10, 5]), Ok(3));
    assert_eq!(m.memory.slice(10, 3), Some(&b"A=1"[..]));
}

#[test]
fn random_fill_checks_its_length_before_the_buffer() {
    let mut m = machine(DeviceConfig::default());
    for addr in [0, MINUS_1, 65_530] {
        assert_eq!(
            op(&mut m, "random.fill", &[addr, MINUS_1]),
            Ok(code(E::InvalidArgument))
        );
    }
    for (addr, len) in BAD_BUFFERS {
        assert_eq!(
            op(&mut m, "random.fill", &[addr, len]),
            Err(TrapKind::OutOfBounds)
        );
    }
    assert_eq!(op(&mut m, "random.fill", &[0, 16]), Ok(16));
}
