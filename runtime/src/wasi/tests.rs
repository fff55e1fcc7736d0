//! The WASI operations: iovecs, EFAULT for every bad buffer, the console's
//! descriptors, arguments and environment, clocks and seeded random bytes.

use super::errno;
use crate::abi::device_op_by_name;
use crate::config::DeviceConfig;
use crate::devices::call;
use crate::machine::Machine;
use std::string::String;
use std::vec;
use std::vec::Vec;

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

/// The errno of WASI function `name`.
pub(super) fn wasi(m: &mut Machine, name: &str, args: &[u64]) -> i32 {
    let code = device_op_by_name(&std::format!("wasi.{name}"))
        .expect("a WASI op")
        .code();
    call(m, code, args).expect("WASI never traps") as u32 as i32
}

pub(super) fn u32_at(m: &Machine, addr: u32) -> u32 {
    u32::from_le_bytes(
        m.memory
            .slice(addr, 4)
            .expect("in bounds")
            .try_into()
            .unwrap(),
    )
}

pub(super) fn set(m: &mut Machine, addr: u32, bytes: &[u8]) {
    m.memory
        .slice_mut(addr, bytes.len() as u32)
        .expect("in bounds")
        .copy_from_slice(bytes);
}

/// An iovec array at `at` of (buf, len) pairs.
pub(super) fn iovs(m: &mut Machine, at: u32, list: &[(u32, u32)]) {
    let mut bytes = Vec::new();
    for &(buf, len) in list {
        bytes.extend_from_slice(&buf.to_le_bytes());
        bytes.extend_from_slice(&len.to_le_bytes());
    }
    set(m, at, &bytes);
}

#[test]
fn iovecs_are_read_in_order_and_each_buffer_is_checked() {
    let mut m = machine(DeviceConfig::default());
    iovs(&mut m, 100, &[(200, 3), (300, 0), (400, 5)]);
    assert_eq!(
        super::iovecs(&m, 100, 3),
        Some(vec![(200, 3), (300, 0), (400, 5)])
    );
    assert_eq!(super::iovecs(&m, 100, 0), Some(vec![]));
    iovs(&mut m, 100, &[(200, 3), (65_534, 3)]);
    assert_eq!(
        super::iovecs(&m, 100, 2),
        None,
        "second buffer past the end"
    );
    assert_eq!(super::iovecs(&m, 65_532, 1), None, "table past the end");
    assert_eq!(super::iovecs(&m, 0, u32::MAX), None, "table size overflows");
}

#[test]
fn fd_write_gathers_iovecs_and_stores_the_count() {
    let mut m = machine(DeviceConfig::default());
    set(&mut m, 200, b"hello, ");
    set(&mut m, 300, b"world\n");
    iovs(&mut m, 100, &[(200, 7), (300, 0), (300, 6)]);
    // Stderr, so nothing is left buffered on stdout.
    assert_eq!(wasi(&mut m, "fd_write", &[2, 100, 3, 500]), errno::SUCCESS);
    assert_eq!(u32_at(&m, 500), 13);
    assert_eq!(wasi(&mut m, "fd_write", &[0, 100, 3, 500]), errno::BADF);
    assert_eq!(wasi(&mut m, "fd_write", &[3, 100, 3, 500]), errno::BADF);
    set(&mut m, 500, &[0; 4]);
    // A bad nwritten pointer, table or buffer: EFAULT, nothing written.
    assert_eq!(wasi(&mut m, "fd_write", &[2, 100, 3, 65_534]), errno::FAULT);
    assert_eq!(wasi(&mut m, "fd_write", &[2, 65_530, 3, 500]), errno::FAULT);
    iovs(&mut m, 100, &[(200, 7), (65_535, 2)]);
    assert_eq!(wasi(&mut m, "fd_write", &[2, 100, 2, 500]), errno::FAULT);
    assert_eq!(u32_at(&m, 500), 0);
}

#[test]
fn closed_descriptors_are_ebadf_and_the_console_cannot_seek() {
    let mut m = machine(DeviceConfig::default());
    assert_eq!(wasi(&mut m, "fd_seek", &[1, 0, 0, 100]), errno::SPIPE);
    assert_eq!(wasi(&mut m, "fd_seek", &[1, 0, 3, 100]), errno::INVAL);
    assert_eq!(wasi(&mut m, "fd_seek", &[5, 0, 0, 100]), errno::BADF);
    assert_eq!(wasi(&mut m, "fd_fdstat_get", &[1, 100]), errno::SUCCESS);
    assert_eq!(m.memory.slice(100, 1), Some(&[2u8][..]), "character device");
    assert_eq!(u32_at(&m, 108), (1 << 6) | (1 << 27), "fd_write, poll");
    assert_eq!(wasi(&mut m, "fd_fdstat_get", &[0, 100]), errno::SUCCESS);
    assert_eq!(u32_at(&m, 108), (1 << 1) | (1 << 27), "fd_read, poll");
    assert_eq!(wasi(&mut m, "fd_fdstat_get", &[1, 65_530]), errno::FAULT);
    assert_eq!(wasi(&mut m, "fd_fdstat_get", &[3, 100]), errno::BADF);
    assert_eq!(wasi(&mut m, "fd_prestat_get", &[3, 100]), errno::BADF);
    assert_eq!(
        wasi(&mut m, "fd_prestat_dir_name", &[3, 100, 10]),
        errno::BADF
    );
    assert_eq!(wasi(&mut m, "fd_close", &[2]), errno::SUCCESS);
    assert_eq!(wasi(&mut m, "fd_close", &[2]), errno::BADF);
    assert_eq!(wasi(&mut m, "fd_fdstat_get", &[2, 100]), errno::BADF);
    assert_eq!(wasi(&mut m, "fd_write", &[2, 100, 0, 200]), errno::BADF);
    assert_eq!(wasi(&mut m, "fd_close", &[3]), errno::BADF);
    assert_eq!(wasi(&mut m, "fd_read", &[1, 100, 0, 200]), errno::BADF);
    assert_eq!(wasi(&mut m, "sched_yield", &[]), errno::SUCCESS);
}

#[test]
fn arguments_start_with_the_program_name() {
    let mut m = machine(DeviceConfig::default());
    assert_eq!(wasi(&mut m, "args_sizes_get", &[100, 104]), errno::SUCCESS);
    assert_eq!(u32_at(&m, 100), 3);
    let size = u32_at(&m, 104);
    assert_eq!(size as usize, "janus\0first\0second arg\0".len());
    assert_eq!(wasi(&mut m, "args_get", &[200, 300]), errno::SUCCESS);
    assert_eq!(
        m.memory.slice(300, size),
        Some(&b"janus\0first\0second arg\0"[..])
    );
    assert_eq!(
        [u32_at(&m, 200), u32_at(&m, 204), u32_at(&m, 208)],
        [300, 306, 312]
    );
    assert_eq!(wasi(&mut m, "args_get", &[200, 65_530]), errno::FAULT);
    assert_eq!(wasi(&mut m, "args_get", &[65_534, 300]), errno::FAULT);
    assert_eq!(wasi(&mut m, "args_sizes_get", &[65_534, 104]), errno::FAULT);
}

#[test]
fn the_environment_comes_from_the_config() {
    let mut none = machine(DeviceConfig::default());
    assert_eq!(wasi(&mut none, "environ_sizes_get", &[100, 104]), 0);
    assert_eq!((u32_at(&none, 100), u32_at(&none, 104)), (0, 0));
    let config = DeviceConfig {
        env: vec![b"A=1".to_vec(), b"LONG=x,y".to_vec()],
        ..DeviceConfig::default()
    };
    let mut m = machine(config);
    assert_eq!(wasi(&mut m, "environ_sizes_get", &[100, 104]), 0);
    assert_eq!((u32_at(&m, 100), u32_at(&m, 104)), (2, 13));
    assert_eq!(wasi(&mut m, "environ_get", &[200, 300]), 0);
    assert_eq!(m.memory.slice(300, 13), Some(&b"A=1\0LONG=x,y\0"[..]));
    assert_eq!([u32_at(&m, 200), u32_at(&m, 204)], [300, 304]);
    assert_eq!(wasi(&mut m, "environ_get", &[200, 65_530]), errno::FAULT);
}

#[test]
fn clocks_and_seeded_random_bytes() {
    let mut m = machine(DeviceConfig::default());
    assert_eq!(wasi(&mut m, "clock_time_get", &[0, 0, 100]), 0);
    let wall = u64::from(u32_at(&m, 100)) | u64::from(u32_at(&m, 104)) << 32;
    assert!(wall > 1_577_836_800_000_000_000);
    for id in 1..4 {
        assert_eq!(wasi(&mut m, "clock_time_get", &[id, 1, 100]), 0, "{id}");
        assert_eq!(wasi(&mut m, "clock_res_get", &[id, 100]), 0, "{id}");
    }
    assert_eq!(wasi(&mut m, "clock_time_get", &[4, 0, 100]), errno::INVAL);
    assert_eq!(
        wasi(&mut m, "clock_time_get", &[1, 0, 65_532]),
        errno::FAULT
    );
    assert_eq!(wasi(&mut m, "clock_res_get", &[9, 100]), errno::INVAL);
    assert_eq!(wasi(&mut m, "random_get", &[65_530, 10]), errno::FAULT);
    assert_eq!(wasi(&mut m, "random_get", &[100, 0]), 0);

    let seeded = || DeviceConfig {
        random_seed: Some(7),
        ..DeviceConfig::default()
    };
    let (mut a, mut b) = (machine(seeded()), machine(seeded()));
    assert_eq!(wasi(&mut a, "random_get", &[100, 32]), 0);
    let code = device_op_by_name("random.fill").expect("op").code();
    assert_eq!(call(&mut b, code, &[100, 32]), Ok(32));
    assert_eq!(a.memory.slice(100, 32), b.memory.slice(100, 32));
    assert!(a
        .memory
        .slice(100, 32)
        .expect("in bounds")
        .iter()
        .any(|&x| x != 0));
}

/// A clock subscription at `at`: relative `timeout` on the monotonic clock.
fn clock_subscription(m: &mut Machine, at: u32, userdata: u64, timeout: u64) {
    let mut sub = [0u8; 48];
    sub[..8].copy_from_slice(&userdata.to_le_bytes());
    sub[16] = 1;
    sub[24..32].copy_from_slice(&timeout.to_le_bytes());
    set(m, at, &sub);
}

#[test]
fn poll_oneoff_sleeps_for_the_earliest_clock() {
    let mut m = machine(DeviceConfig::default());
    clock_subscription(&mut m, 1000, 11, 1_000_000);
    clock_subscription(&mut m, 1048, 22, 60_000_000_000);
    let start = std::time::Instant::now();
    assert_eq!(wasi(&mut m, "poll_oneoff", &[1000, 2000, 2, 100]), 0);
    let took = start.elapsed();
    assert!(took.as_nanos() >= 1_000_000 && took.as_secs() < 30);
    assert_eq!(u32_at(&m, 100), 1, "one event");
    assert_eq!(u32_at(&m, 2000), 11, "its userdata");
    assert_eq!(
        wasi(&mut m, "poll_oneoff", &[1000, 2000, 0, 100]),
        errno::INVAL
    );
    assert_eq!(
        wasi(&mut m, "poll_oneoff", &[65_500, 2000, 1, 100]),
        errno::FAULT
    );
    assert_eq!(
        wasi(&mut m, "poll_oneoff", &[1000, 65_520, 1, 100]),
        errno::FAULT
    );
    set(&mut m, 1008, &[3]);
    assert_eq!(
        wasi(&mut m, "poll_oneoff", &[1000, 2000, 1, 100]),
        errno::INVAL,
        "an unknown tag"
    );
}

/// A descriptor subscription at `at`: `tag` 1 (read) or 2 (write) on `fd`.
fn fd_subscription(m: &mut Machine, at: u32, userdata: u64, tag: u8, fd: u32) {
    let mut sub = [0u8; 48];
    sub[..8].copy_from_slice(&userdata.to_le_bytes());
    sub[8] = tag;
    sub[16..20].copy_from_slice(&fd.to_le_bytes());
    set(m, at, &sub);
}

/// The events at `at`: (userdata, error, type, nbytes, flags) each.
fn events(m: &Machine, at: u32, count: u32) -> Vec<(u32, u16, u8, u32, u16)> {
    (0..count)
        .map(|i| {
            let e = m.memory.slice(at + 32 * i, 32).expect("in bounds");
            (
                u32_at(m, at + 32 * i),
                u16::from_le_bytes([e[8], e[9]]),
                e[10],
                u32_at(m, at + 32 * i + 16),
                u16::from_le_bytes([e[24], e[25]]),
            )
        })
        .collect()
}

#[test]
fn poll_oneoff_reports_ready_descriptors_without_waiting() {
    let mut m = machine(DeviceConfig::default());
    // stdout writable, stderr read is EBADF, a 60 s clock not due: at once.
    fd_subscription(&mut m, 1000, 1, 2, 1);
    fd_subscription(&mut m, 1048, 2, 1, 2);
    clock_subscription(&mut m, 1096, 3, 60_000_000_000);
    fd_subscription(&mut m, 1144, 4, 1, 77);
    let start = std::time::Instant::now();
    assert_eq!(wasi(&mut m, "poll_oneoff", &[1000, 2000, 4, 100]), 0);
    assert!(start.elapsed().as_secs() < 30, "did not wait for the clock");
    assert_eq!(u32_at(&m, 100), 3);
    assert_eq!(
        events(&m, 2000, 3),
        [
            (1, 0, 2, 0, 0),
            (2, errno::BADF as u16, 1, 0, 0),
            (4, errno::BADF as u16, 1, 0, 0)
        ]
    );
    // Input already buffered is ready with its length; its end hangs up.
    m.stdin = b"abc".to_vec();
    fd_subscription(&mut m, 1000, 5, 1, 0);
    assert_eq!(wasi(&mut m, "poll_oneoff", &[1000, 2000, 1, 100]), 0);
    assert_eq!(events(&m, 2000, u32_at(&m, 100)), [(5, 0, 1, 3, 0)]);
    m.stdin.clear();
    m.stdin_done = true;
    assert_eq!(wasi(&mut m, "poll_oneoff", &[1000, 2000, 1, 100]), 0);
    assert_eq!(events(&m, 2000, u32_at(&m, 100)), [(5, 0, 1, 0, 1)]);
    // A closed descriptor is EBADF in its event.
    assert_eq!(wasi(&mut m, "fd_close", &[1]), 0);
    fd_subscription(&mut m, 1000, 6, 2, 1);
    assert_eq!(wasi(&mut m, "poll_oneoff", &[1000, 2000, 1, 100]), 0);
    assert_eq!(
        events(&m, 2000, u32_at(&m, 100)),
        [(6, errno::BADF as u16, 2, 0, 0)]
    );
}
