//! The device table: every device operation's code, name, signature,
//! determinism and documentation, the error codes they return, and the
//! shapes the runtime's entry points dispatch on. One list; the verifier,
//! the runtime, the compiler and the docs test all read it.

use super::ValType;
/// Error codes device operations return (as a negative `i32` or `i64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum DeviceError {
    /// The device is not attached (no disk image, no display configured).
    NotAttached = -1,
    /// An argument is outside what the operation accepts (a negative length,
    /// an unknown file descriptor, a block past the end of the disk).
    InvalidArgument = -2,
    /// The peer refused the connection.
    ConnectionRefused = -3,
    /// The peer reset the connection.
    ConnectionReset = -4,
    /// The operation would block on a non-blocking handle.
    WouldBlock = -5,
    /// The handle is closed or was never opened.
    BadHandle = -6,
    /// A documented resource limit (open handles, frame size) was reached.
    LimitReached = -7,
    /// The host reported an input/output error.
    Io = -8,
    /// The operation is not permitted (an address outside the network allow-list).
    NotPermitted = -9,
    /// The operation timed out.
    TimedOut = -10,
    /// The address is already in use.
    AddressInUse = -11,
}

impl DeviceError {
    /// Every error code, in order.
    pub const ALL: &'static [DeviceError] = &[
        DeviceError::NotAttached,
        DeviceError::InvalidArgument,
        DeviceError::ConnectionRefused,
        DeviceError::ConnectionReset,
        DeviceError::WouldBlock,
        DeviceError::BadHandle,
        DeviceError::LimitReached,
        DeviceError::Io,
        DeviceError::NotPermitted,
        DeviceError::TimedOut,
        DeviceError::AddressInUse,
    ];

    /// The code's name in documentation (`E_NOT_ATTACHED`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            DeviceError::NotAttached => "E_NOT_ATTACHED",
            DeviceError::InvalidArgument => "E_INVALID",
            DeviceError::ConnectionRefused => "E_REFUSED",
            DeviceError::ConnectionReset => "E_RESET",
            DeviceError::WouldBlock => "E_WOULD_BLOCK",
            DeviceError::BadHandle => "E_BAD_HANDLE",
            DeviceError::LimitReached => "E_LIMIT",
            DeviceError::Io => "E_IO",
            DeviceError::NotPermitted => "E_NOT_PERMITTED",
            DeviceError::TimedOut => "E_TIMED_OUT",
            DeviceError::AddressInUse => "E_ADDR_IN_USE",
        }
    }
}

/// One operation of one device: what a `dev` instruction may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceOp {
    /// Device number (high byte of the encoded operation).
    pub device: u8,
    /// Operation number within the device (low byte).
    pub op: u8,
    /// Spelling in assembly: `device.operation`.
    pub name: &'static str,
    /// Argument types, in order.
    pub params: &'static [ValType],
    /// Result type; every device operation returns exactly one value.
    pub result: ValType,
    /// Whether the result depends only on the program, its input and the
    /// device configuration, and what earlier operations returned: false
    /// for the clocks (and sleeping, which waits on one) and for opening
    /// network connections, whose results come from the host's time and
    /// network. Every engine gives a deterministic operation the same
    /// result, so the differential tests may use it freely.
    pub deterministic: bool,
    /// What it does, its results and errors, for the specification.
    pub doc: &'static str,
}

impl DeviceOp {
    /// The 16-bit code a `dev` instruction carries: `device << 8 | op`.
    pub const fn code(&self) -> u16 {
        (self.device as u16) << 8 | self.op as u16
    }
}

/// What the runtime needs of a device operation to call it: its code,
/// how many 64-bit argument slots it takes, and its result type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceShape {
    /// The operation's code, `device << 8 | op`.
    pub code: u16,
    /// The number of parameters.
    pub params: u8,
    /// The result type.
    pub result: ValType,
}

/// The shape of the operation with `code`, if there is one.
pub fn device_shape(code: u16) -> Option<&'static DeviceShape> {
    DEVICE_SHAPES
        .binary_search_by_key(&code, |d| d.code)
        .ok()
        .map(|i| &DEVICE_SHAPES[i])
}

/// Device numbers.
pub mod device {
    /// Console: standard output, standard error, standard input.
    pub const CONSOLE: u8 = 0;
    /// Keyboard events.
    pub const KEYBOARD: u8 = 1;
    /// Block storage backed by one host file.
    pub const DISK: u8 = 2;
    /// Framebuffer display.
    pub const DISPLAY: u8 = 3;
    /// TCP networking.
    pub const NET: u8 = 4;
    /// Clocks and sleep.
    pub const CLOCK: u8 = 5;
    /// Program arguments.
    pub const ARGS: u8 = 6;
    /// Random bytes.
    pub const RANDOM: u8 = 7;
    /// Environment entries (`KEY=VALUE`).
    pub const ENV: u8 = 8;
    /// WASI preview 1 functions, for WebAssembly programs.
    pub const WASI: u8 = 9;
}

use ValType::{F64, I32, I64};

macro_rules! device_ops {
    ($($dev:ident $op:literal $name:literal ($($p:ident),*) -> $r:ident $det:ident, $doc:literal;)*) => {
        /// Every device operation, sorted by code. The verifier, the runtime,
        /// the test program generator and `docs/ISA.md` all follow this list.
        pub const DEVICE_OPS: &[DeviceOp] = &[
            $(DeviceOp {
                device: device::$dev,
                op: $op,
                name: $name,
                params: &[$($p),*],
                result: $r,
                deterministic: device_ops!(@det $det),
                doc: $doc,
            },)*
        ];

        /// Every device operation's shape, in [`DEVICE_OPS`]' order: what
        /// the runtime's entry points need, without the names and the
        /// documentation, so an executable does not carry those strings.
        pub const DEVICE_SHAPES: &[DeviceShape] = &[
            $(DeviceShape {
                code: (device::$dev as u16) << 8 | $op,
                params: <[ValType]>::len(&[$($p),*]) as u8,
                result: $r,
            },)*
        ];
    };
    (@det det) => { true };
    (@det nondet) => { false };
}

device_ops! {
    CONSOLE 0 "console.write" (I32, I32, I32) -> I32 det,
        "write(fd, addr, len): write `len` bytes at `addr` to fd 1 (stdout) or 2 (stderr); returns `len`. E_INVALID for another fd or a negative len; E_IO if the host write fails.";
    CONSOLE 1 "console.read" (I32, I32) -> I32 det,
        "read(addr, cap): read up to `cap` bytes of stdin into `addr`; returns the count, 0 at end of input. E_INVALID for a negative cap; E_IO on a host error.";
    CONSOLE 2 "console.read_line" (I32, I32) -> I32 det,
        "read_line(addr, cap): read stdin up to and including the next newline, at most `cap` bytes; returns the count, 0 at end of input. A longer line is returned in pieces.";
    CONSOLE 3 "console.write_i64" (I32, I64) -> I32 det,
        "write_i64(fd, value): write `value` in signed decimal to fd 1 or 2; returns the byte count. E_INVALID for another fd.";
    CONSOLE 4 "console.write_f64" (I32, F64, I32) -> I32 det,
        "write_f64(fd, value, digits): write `value` in fixed notation with `digits` (0..=17) digits after the point, rounded to nearest, like C's `%.*f`; `nan`, `inf`, `-inf` for non-finite values; returns the byte count. E_INVALID for another fd or digits.";
    CONSOLE 5 "console.write_value" (I32, I64, I32) -> I32 det,
        "write_value(fd, bits, type): write the value with these bits of type `type` (0 i32, 1 i64, 2 f32, 3 f64: an i32 or f32 in the low 32 bits) and a newline, as wasmtime's `--invoke` prints a result: signed decimal for integers; for floats the shortest decimal that reads back as the same value, `NaN`, `inf` or `-inf`; returns the byte count. E_INVALID for another fd or type.";
    KEYBOARD 0 "keyboard.poll" () -> I64 det,
        "poll(): the next key event without waiting, or 0 if none: bits 0..31 the key code (a Unicode scalar or a code from the key table), bit 32 set for key up. Where stdin is not a terminal each input byte is a key-down event. E_NOT_ATTACHED when input is closed.";
    KEYBOARD 1 "keyboard.wait" () -> I64 det,
        "wait(): like poll, but waits for an event; E_NOT_ATTACHED at end of input.";
    DISK 0 "disk.block_count" () -> I64 det,
        "block_count(): the number of 512-byte blocks of the attached disk. E_NOT_ATTACHED when no disk is attached.";
    DISK 1 "disk.read" (I64, I32) -> I32 det,
        "read(block, addr): copy block `block` into the 512 bytes at `addr`; returns 0. E_INVALID for a block past the end; E_NOT_ATTACHED; E_IO.";
    DISK 2 "disk.write" (I64, I32) -> I32 det,
        "write(block, addr): write the 512 bytes at `addr` to block `block`; returns 0. E_INVALID for a block past the end; E_NOT_ATTACHED; E_IO.";
    DISK 3 "disk.flush" () -> I32 det,
        "flush(): make every completed write durable in the host file; returns 0. E_NOT_ATTACHED; E_IO.";
    DISPLAY 0 "display.open" (I32, I32) -> I32 det,
        "open(width, height): set up a width x height framebuffer (1..=4096 each); returns 0. E_INVALID for a size out of range; E_NOT_ATTACHED when no display output is configured.";
    DISPLAY 1 "display.present" (I32) -> I32 det,
        "present(addr): show the width*height 32-bit pixels (0x00RRGGBB, row-major) at `addr` as the next frame; returns the frame number from 0. E_NOT_ATTACHED before open; E_LIMIT past the frame limit; E_IO.";
    NET 0 "net.connect" (I32, I32) -> I32 nondet,
        "connect(ipv4, port): open a TCP connection to the address (a big-endian IPv4 number) and port; returns a handle. E_NOT_PERMITTED outside the allow-list; E_REFUSED; E_TIMED_OUT; E_LIMIT; E_INVALID for a port outside 1..=65535.";
    NET 1 "net.listen" (I32, I32) -> I32 nondet,
        "listen(ipv4, port): listen on the address and port (port 0 picks one); returns a handle. E_NOT_PERMITTED; E_ADDR_IN_USE; E_LIMIT; E_INVALID.";
    NET 2 "net.accept" (I32) -> I32 det,
        "accept(listener): wait for and accept one connection; returns its handle. E_BAD_HANDLE; E_WOULD_BLOCK on a non-blocking listener; E_LIMIT.";
    NET 3 "net.send" (I32, I32, I32) -> I32 det,
        "send(handle, addr, len): send up to `len` bytes; returns the count sent. E_BAD_HANDLE; E_RESET; E_WOULD_BLOCK; E_INVALID for a negative len.";
    NET 4 "net.recv" (I32, I32, I32) -> I32 det,
        "recv(handle, addr, cap): receive up to `cap` bytes; returns the count, 0 when the peer closed. E_BAD_HANDLE; E_RESET; E_WOULD_BLOCK; E_INVALID.";
    NET 5 "net.close" (I32) -> I32 det,
        "close(handle): close a connection or listener; returns 0. E_BAD_HANDLE.";
    NET 6 "net.local_port" (I32) -> I32 det,
        "local_port(handle): the local port of a listener or connection, so a program that listened on port 0 can report it. E_BAD_HANDLE.";
    NET 7 "net.set_nonblocking" (I32, I32) -> I32 det,
        "set_nonblocking(handle, on): make accept, send and recv on the handle return E_WOULD_BLOCK instead of waiting (on != 0); returns 0. E_BAD_HANDLE.";
    CLOCK 0 "clock.monotonic_ns" () -> I64 nondet,
        "monotonic_ns(): nanoseconds from an arbitrary fixed point, never decreasing.";
    CLOCK 1 "clock.wall_ns" () -> I64 nondet,
        "wall_ns(): nanoseconds since 1970-01-01T00:00:00Z.";
    CLOCK 2 "clock.sleep_ns" (I64) -> I32 nondet,
        "sleep_ns(ns): sleep at least `ns` nanoseconds (negative counts as 0); returns 0.";
    ARGS 0 "args.count" () -> I32 det,
        "count(): the number of program arguments, the program name excluded.";
    ARGS 1 "args.len" (I32) -> I32 det,
        "len(i): the byte length of argument `i`. E_INVALID when `i` is out of range.";
    ARGS 2 "args.copy" (I32, I32, I32) -> I32 det,
        "copy(i, addr, cap): copy up to `cap` bytes of argument `i` to `addr`; returns the count copied. E_INVALID.";
    RANDOM 0 "random.fill" (I32, I32) -> I32 nondet,
        "fill(addr, len): fill the `len` bytes at `addr` with random bytes, from the host (getrandom) or, with JANUS_RANDOM_SEED, from a deterministic generator; returns `len`. E_INVALID for a negative len; E_IO if the host source fails.";
    ENV 0 "env.count" () -> I32 det,
        "count(): the number of environment entries (none unless JANUS_ENV names some).";
    ENV 1 "env.len" (I32) -> I32 det,
        "len(i): the byte length of entry `i`, `KEY=VALUE`. E_INVALID when `i` is out of range.";
    ENV 2 "env.copy" (I32, I32, I32) -> I32 det,
        "copy(i, addr, cap): copy up to `cap` bytes of entry `i` to `addr`; returns the count copied. E_INVALID.";
    WASI 0 "wasi.args_get" (I32, I32) -> I32 det,
        "args_get(argv, argv_buf): WASI; the program name `janus`, then the arguments, NUL-terminated at `argv_buf`, a pointer to each at `argv`. Returns a WASI errno: 0, or EFAULT (21) for a buffer outside memory.";
    WASI 1 "wasi.args_sizes_get" (I32, I32) -> I32 det,
        "args_sizes_get(argc_ptr, size_ptr): WASI; stores the argument count (the program name included) and the bytes `args_get` needs. WASI errno; EFAULT.";
    WASI 2 "wasi.environ_get" (I32, I32) -> I32 det,
        "environ_get(environ, environ_buf): WASI; the `env` device's entries, like `args_get`. WASI errno; EFAULT.";
    WASI 3 "wasi.environ_sizes_get" (I32, I32) -> I32 det,
        "environ_sizes_get(count_ptr, size_ptr): WASI; the entry count and the bytes `environ_get` needs. WASI errno; EFAULT.";
    WASI 4 "wasi.fd_write" (I32, I32, I32, I32) -> I32 det,
        "fd_write(fd, iovs, iovs_len, nwritten_ptr): WASI; writes the iovecs (pairs of u32 buf, buf_len) to fd 1 or 2, the console, or to a file opened for writing, and stores the byte count. EBADF (8) for fd 0, a directory or a file not opened for writing; EFAULT; EIO (29); host errors (ENOSPC 51, ...).";
    WASI 5 "wasi.fd_read" (I32, I32, I32, I32) -> I32 det,
        "fd_read(fd, iovs, iovs_len, nread_ptr): WASI; reads what input is available from fd 0, or one host read from a file, into the iovecs in order and stores the count, 0 at end of input. EBADF (fd 1, 2, a file not opened for reading); EISDIR (31); EFAULT; EIO.";
    WASI 6 "wasi.fd_close" (I32) -> I32 det,
        "fd_close(fd): WASI; closes fd 0, 1 or 2 for good, or a file or directory (a preopened one too); later calls on it are EBADF until path_open reuses the number. EBADF.";
    WASI 7 "wasi.fd_fdstat_get" (I32, I32) -> I32 det,
        "fd_fdstat_get(fd, stat_ptr): WASI; a 24-byte fdstat: for fd 0..2 character device, no flags, rights fd_read (fd 0) or fd_write (1, 2) and poll_fd_readwrite; for a file or directory its filetype, its append, nonblock and sync flags, and every right. EBADF; EFAULT.";
    WASI 8 "wasi.fd_seek" (I32, I64, I32, I32) -> I32 det,
        "fd_seek(fd, offset, whence, newoffset_ptr): WASI; moves a file's offset (whence 0 set, 1 cur, 2 end) and stores the new one. The console cannot seek: ESPIPE (70) for fd 0..2; EINVAL (28) for a whence past 2 or a negative result; EBADF (also for a directory); EFAULT.";
    WASI 9 "wasi.fd_prestat_get" (I32, I32) -> I32 det,
        "fd_prestat_get(fd, prestat_ptr): WASI; for a preopened directory (JANUS_DIR, fds 3, 4, ...) stores the 8-byte prestat: tag 0 (dir), then the u32 length of its guest name. EBADF for any other fd; EFAULT.";
    WASI 10 "wasi.fd_prestat_dir_name" (I32, I32, I32) -> I32 det,
        "fd_prestat_dir_name(fd, path, path_len): WASI; stores a preopened directory's guest name (no NUL) at `path`. ENAMETOOLONG (37) when path_len is shorter; EBADF for any other fd; EFAULT.";
    WASI 11 "wasi.clock_time_get" (I32, I64, I32) -> I32 nondet,
        "clock_time_get(id, precision, time_ptr): WASI; stores the u64 nanoseconds of clock `id`: 0 realtime, 1 monotonic, 2 process and 3 thread CPU time. EINVAL for another id; EFAULT.";
    WASI 12 "wasi.clock_res_get" (I32, I32) -> I32 nondet,
        "clock_res_get(id, res_ptr): WASI; stores clock `id`'s resolution in nanoseconds. EINVAL; EFAULT.";
    WASI 13 "wasi.random_get" (I32, I32) -> I32 nondet,
        "random_get(buf, buf_len): WASI; fills the buffer from the `random` device's source. EFAULT; EIO.";
    WASI 14 "wasi.sched_yield" () -> I32 det,
        "sched_yield(): WASI; returns 0.";
    WASI 15 "wasi.poll_oneoff" (I32, I32, I32, I32) -> I32 nondet,
        "poll_oneoff(in, out, nsubscriptions, nevents_ptr): WASI; clock and descriptor subscriptions: a file, stdout and stderr are ready at once (a read with the bytes left past the offset), stdin when it has input or has ended (hangup), a descriptor not open or of the wrong direction with EBADF in its event; reports those and the clocks already due without waiting, else waits for stdin or the earliest clock. Stores an event for each and their count. EINVAL for none, an unknown tag or a bad clock id; EFAULT.";
    WASI 16 "wasi.path_open" (I32, I32, I32, I32, I32, I64, I64, I32, I32) -> I32 nondet,
        "path_open(fd, dirflags, path, path_len, oflags, rights_base, rights_inheriting, fdflags, fd_ptr): WASI; opens `path` beneath directory `fd` (sandboxed: see \"WASI files\") and stores the new fd, the lowest free from 3; reads if the rights ask fd_read or fd_readdir, writes if fd_write, fd_datasync, fd_allocate or fd_filestat_set_size. ENOTCAPABLE (76) for a path leaving the directory; EINVAL for unknown flags; host errors (ENOENT 44, EEXIST 20, ...); EBADF; ENOTDIR (54) for a file `fd`; EFAULT.";
    WASI 17 "wasi.fd_filestat_get" (I32, I32) -> I32 nondet,
        "fd_filestat_get(fd, buf): WASI; stores a file's or directory's 64-byte filestat (dev, ino, filetype, nlink, size, atim, mtim, ctim); for fd 0..2 a character device with every other field 0. EBADF; EFAULT.";
    WASI 18 "wasi.path_filestat_get" (I32, I32, I32, I32, I32) -> I32 nondet,
        "path_filestat_get(fd, flags, path, path_len, buf): WASI; the filestat of `path` beneath directory `fd`: of what it leads to with flags bit 0 (symlink_follow), else of the last component itself. ENOTCAPABLE; EINVAL; host errors; EBADF; EFAULT.";
    WASI 19 "wasi.fd_readdir" (I32, I32, I32, I64, I32) -> I32 nondet,
        "fd_readdir(fd, buf, buf_len, cookie, bufused_ptr): WASI; the directory's entries (`.` and `..` included, in the host's order) from index `cookie`, each a 24-byte dirent (d_next, d_ino, d_namlen, d_type) and its name, cut at buf_len, and the bytes stored. ENOTDIR; EBADF; EFAULT.";
    WASI 20 "wasi.path_create_directory" (I32, I32, I32) -> I32 nondet,
        "path_create_directory(fd, path, path_len): WASI; mkdir beneath directory `fd`. ENOTCAPABLE; EEXIST; host errors; EBADF; EFAULT.";
    WASI 21 "wasi.path_remove_directory" (I32, I32, I32) -> I32 nondet,
        "path_remove_directory(fd, path, path_len): WASI; rmdir beneath directory `fd`. ENOTCAPABLE; ENOTEMPTY (55); EINVAL for `.`; host errors; EBADF; EFAULT.";
    WASI 22 "wasi.path_unlink_file" (I32, I32, I32) -> I32 nondet,
        "path_unlink_file(fd, path, path_len): WASI; unlink beneath directory `fd` (a symlink itself, never its target). ENOTCAPABLE; EISDIR (31); host errors; EBADF; EFAULT.";
    WASI 23 "wasi.path_rename" (I32, I32, I32, I32, I32, I32) -> I32 nondet,
        "path_rename(fd, old_path, old_len, new_fd, new_path, new_len): WASI; renames beneath directory `fd` to beneath directory `new_fd`. ENOTCAPABLE; host errors; EBADF; EFAULT.";
    WASI 24 "wasi.fd_fdstat_set_flags" (I32, I32) -> I32 nondet,
        "fd_fdstat_set_flags(fd, flags): WASI; sets a file's append (1) and nonblock (4) flags. ENOTSUP for other flags and for fd 0..2; EINVAL for unknown bits; EBADF.";
    WASI 25 "wasi.fd_tell" (I32, I32) -> I32 nondet,
        "fd_tell(fd, offset_ptr): WASI; stores a file's u64 offset. ESPIPE for fd 0..2; EBADF (also for a directory); EFAULT.";
    WASI 26 "wasi.fd_sync" (I32) -> I32 nondet,
        "fd_sync(fd): WASI; fsync of a file or directory. EINVAL for fd 0..2; EBADF; EIO.";
    WASI 27 "wasi.fd_filestat_set_size" (I32, I64) -> I32 nondet,
        "fd_filestat_set_size(fd, size): WASI; truncates or extends a file to `size` bytes. EISDIR (31) for a directory; EINVAL past 2^63-1 and for fd 0..2; EBADF.";
    WASI 28 "wasi.fd_pread" (I32, I32, I32, I64, I32) -> I32 nondet,
        "fd_pread(fd, iovs, iovs_len, offset, nread_ptr): WASI; one host read of a file at `offset` into the iovecs, the file's offset unchanged; stores the count. ESPIPE for fd 0..2; EINVAL past 2^63-1; EBADF; EFAULT.";
    WASI 29 "wasi.fd_pwrite" (I32, I32, I32, I64, I32) -> I32 nondet,
        "fd_pwrite(fd, iovs, iovs_len, offset, nwritten_ptr): WASI; writes the iovecs to a file at `offset`, the file's offset unchanged; stores the count. ESPIPE for fd 0..2; EINVAL; EBADF; EFAULT.";
    WASI 30 "wasi.fd_datasync" (I32) -> I32 nondet,
        "fd_datasync(fd): WASI; fdatasync of a file. EINVAL for fd 0..2; EBADF; EIO.";
    WASI 31 "wasi.fd_advise" (I32, I64, I64, I32) -> I32 nondet,
        "fd_advise(fd, offset, len, advice): WASI; posix_fadvise with advice 0 normal, 1 sequential, 2 random, 3 willneed, 4 dontneed, 5 noreuse. EINVAL for another advice; ESPIPE for fd 0..2; EBADF.";
    WASI 32 "wasi.fd_allocate" (I32, I64, I64) -> I32 nondet,
        "fd_allocate(fd, offset, len): WASI; posix_fallocate: the file holds at least offset + len bytes. EINVAL for len 0 or past 2^63-1; EISDIR; ESPIPE for fd 0..2; EBADF.";
    WASI 33 "wasi.fd_renumber" (I32, I32) -> I32 nondet,
        "fd_renumber(fd, to): WASI; moves descriptor `fd` to `to`, closing what `to` was; `fd` is then free. EBADF unless both are open; ENOTSUP when either is fd 0..2.";
    WASI 34 "wasi.path_readlink" (I32, I32, I32, I32, I32, I32) -> I32 nondet,
        "path_readlink(fd, path, path_len, buf, buf_len, bufused_ptr): WASI; a symlink's contents beneath directory `fd`, cut at buf_len, and their length. EINVAL for what is not a link; ENOTCAPABLE; EBADF; EFAULT.";
    WASI 35 "wasi.path_symlink" (I32, I32, I32, I32, I32) -> I32 nondet,
        "path_symlink(old_path, old_len, fd, new_path, new_len): WASI; a symlink `new_path` beneath directory `fd` holding `old_path`, which must be relative. ENOTCAPABLE for an absolute old_path or a new_path leaving the directory; EEXIST; EBADF; EFAULT.";
    WASI 36 "wasi.path_link" (I32, I32, I32, I32, I32, I32, I32) -> I32 nondet,
        "path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len): WASI; a hard link, both names beneath their directories, the old one not followed. EINVAL for old_flags other than 0; ENOTCAPABLE; EEXIST; EBADF; EFAULT.";
    WASI 37 "wasi.fd_filestat_set_times" (I32, I64, I64, I32) -> I32 nondet,
        "fd_filestat_set_times(fd, atim, mtim, fst_flags): WASI; sets a file's access and modification times: each the given nanoseconds (flag 1 atim, 4 mtim), now (2, 8) or unchanged. EINVAL for a time both given and now, or unknown bits; ENOTSUP for fd 0..2; EBADF.";
    WASI 38 "wasi.path_filestat_set_times" (I32, I32, I32, I32, I64, I64, I32) -> I32 nondet,
        "path_filestat_set_times(fd, flags, path, path_len, atim, mtim, fst_flags): WASI; the same for `path` beneath directory `fd`: what it leads to with flags bit 0 (symlink_follow), else the last component itself. ENOTCAPABLE; EINVAL; EBADF; EFAULT.";
}

/// The first `wasi` operation that works on files and directories only
/// (`path_open` and after); the operations before it are the console's,
/// the clocks', arguments' and environment's (and `fd_read`, `fd_write`,
/// `fd_close`, `fd_seek`, `fd_fdstat_get` and the prestat pair, which work
/// on every descriptor).
pub const FIRST_WASI_FILE_OP: u8 = 16;

/// Whether device operation `code` is one of the WASI file operations,
/// which generated code calls through `janus_wasi_files` rather than
/// `janus_device`: an executable whose program never opens a file then
/// carries none of the file system's code.
pub const fn is_wasi_file_op(code: u16) -> bool {
    (code >> 8) as u8 == device::WASI && (code & 0xff) as u8 >= FIRST_WASI_FILE_OP
}
