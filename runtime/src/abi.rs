//! What the compiler and the runtime agree on, written once.
//!
//! Every table here is part of the JanusVM specification (`docs/ISA.md`): trap
//! kinds and their exit statuses, the device operations with their signatures
//! and error codes, and memory constants. The bytecode verifier checks device
//! calls against [`DEVICE_OPS`]; the runtime implements the same list; the
//! documentation is checked against it by a test. Changing a number here
//! changes the format version.

/// Size of one page of linear memory in bytes; memory sizes are counted in pages.
pub const PAGE_SIZE: u64 = 65_536;

/// Largest number of pages a module may declare (4 GiB of memory: every `i32`
/// address is then in range of the reservation).
pub const MAX_PAGES: u32 = 65_536;

/// Deepest call nesting a program of small functions reaches (`main` runs
/// at depth 1): the call stack holds [`MAX_STACK_BYTES`], this many frames
/// of [`MIN_FRAME_BYTES`]. No program nests deeper, since no frame costs
/// less.
pub const MAX_CALL_DEPTH: u32 = 10_000;

/// What every call's frame costs at least, in bytes of the call stack
/// (`docs/ISA.md` §6.5, "Depth").
pub const MIN_FRAME_BYTES: u32 = 64 << 10;

/// What each register of the callee adds to its frame's cost.
pub const FRAME_BYTES_PER_REGISTER: u32 = 8;

/// The call stack's size in frame bytes: a call traps with
/// [`TrapKind::StackOverflow`] when the frames of every active call, `main`
/// and the callee included, would together cost more.
pub const MAX_STACK_BYTES: u32 = MAX_CALL_DEPTH * MIN_FRAME_BYTES;

/// What a call of a function with `registers` registers (parameters
/// included) and `code_size` bytes of code costs: [`MIN_FRAME_BYTES`], or
/// [`FRAME_BYTES_PER_REGISTER`] per register plus a byte per byte of code
/// when that is more. Every engine counts frames with this; for a verified
/// function (at most 65,535 registers, 16 MiB of code) it is at most
/// 17,301,496 bytes, so `main` always starts and a sum of frames below
/// [`MAX_STACK_BYTES`] plus one more frame fits in a `u32`.
pub const fn frame_bytes(registers: u32, code_size: u32) -> u32 {
    let own = (registers as u64) * FRAME_BYTES_PER_REGISTER as u64 + code_size as u64;
    if own < MIN_FRAME_BYTES as u64 {
        MIN_FRAME_BYTES
    } else if own > u32::MAX as u64 - MAX_STACK_BYTES as u64 {
        // Only a module no verifier passed; it still overflows at once.
        u32::MAX - MAX_STACK_BYTES
    } else {
        own as u32
    }
}

/// Reserved native stack of compiled programs (AOT and JIT), in bytes: more
/// than six times [`MAX_STACK_BYTES`], so the frames the accounting allows
/// fit even where a function's machine frame is larger than its cost. A
/// guard region below it stops anything that still runs past it, with
/// [`NATIVE_STACK_OVERFLOW_STATUS`].
pub const NATIVE_STACK_BYTES: usize = 4 << 30;

/// Exit status of a compiled program whose machine stack ran into the guard
/// below [`NATIVE_STACK_BYTES`]: not a trap of the VM (the frame accounting
/// is meant to stop every program first) but a limit of the engine, kept
/// apart from every trap status and from a signal's death.
pub const NATIVE_STACK_OVERFLOW_STATUS: i32 = 123;

/// Alignment of every address the heap allocator returns.
pub const HEAP_ALIGN: u32 = 16;

/// The value types of the machine: what a register, a parameter or a result holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValType {
    /// 32-bit integer, sign-agnostic; also the type of addresses and booleans.
    I32,
    /// 64-bit integer, sign-agnostic.
    I64,
    /// IEEE 754 binary32.
    F32,
    /// IEEE 754 binary64.
    F64,
}

impl ValType {
    /// All types, in encoding order.
    pub const ALL: [ValType; 4] = [ValType::I32, ValType::I64, ValType::F32, ValType::F64];

    /// The byte that encodes this type in a `.jbc` file.
    pub const fn code(self) -> u8 {
        match self {
            ValType::I32 => 0x01,
            ValType::I64 => 0x02,
            ValType::F32 => 0x03,
            ValType::F64 => 0x04,
        }
    }

    /// The type a `.jbc` byte encodes, if any.
    pub const fn from_code(code: u8) -> Option<ValType> {
        match code {
            0x01 => Some(ValType::I32),
            0x02 => Some(ValType::I64),
            0x03 => Some(ValType::F32),
            0x04 => Some(ValType::F64),
            _ => None,
        }
    }

    /// The type's spelling in assembly and diagnostics.
    pub const fn name(self) -> &'static str {
        match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
        }
    }

    /// The type a spelling names, if any.
    pub fn from_name(name: &str) -> Option<ValType> {
        ValType::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl core::fmt::Display for ValType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Declares [`TrapKind`] from one list: code, variant, spelling, description.
macro_rules! trap_kinds {
    ($($code:literal $variant:ident $ident:ident $name:literal $what:literal;)*) => {
        /// Why a program stopped abnormally. The code is stable: it is what
        /// generated code passes to the runtime's trap function, and the process
        /// exits with [`TrapKind::exit_status`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum TrapKind {
            $(#[doc = $what] $variant = $code,)*
        }

        impl TrapKind {
            /// Every trap kind, in code order.
            pub const ALL: &'static [TrapKind] = &[$(TrapKind::$variant,)*];

            /// The kind's spelling in trap messages: `janus: trap: <name> ...`.
            pub const fn name(self) -> &'static str {
                match self { $(TrapKind::$variant => $name,)* }
            }

            /// The kind's spelling as an identifier, in the SSA IR text.
            pub const fn ident(self) -> &'static str {
                match self { $(TrapKind::$variant => stringify!($ident),)* }
            }

            /// The kind an identifier spells, if any.
            pub fn from_ident(ident: &str) -> Option<TrapKind> {
                match ident { $(stringify!($ident) => Some(TrapKind::$variant),)* _ => None }
            }

            /// A one-line description for documentation and `--help` texts.
            pub const fn description(self) -> &'static str {
                match self { $(TrapKind::$variant => $what,)* }
            }

            /// The kind a code names, if any.
            pub const fn from_code(code: u32) -> Option<TrapKind> {
                match code { $($code => Some(TrapKind::$variant),)* _ => None }
            }
        }
    };
}

trap_kinds! {
    1  Unreachable unreachable        "unreachable"               "an `unreachable` instruction was executed";
    2  User user               "user trap"                    "a `trap` instruction was executed; the message carries its code";
    3  DivideByZero divide_by_zero       "integer divide by zero"    "an integer division or remainder had a zero divisor";
    4  IntegerOverflow integer_overflow    "integer overflow"          "signed division of the minimum value by -1, or a float-to-int conversion out of range";
    5  InvalidConversion invalid_conversion  "invalid conversion to integer" "a checked float-to-int conversion of NaN";
    6  OutOfBounds out_of_bounds        "out of bounds memory access" "a load, store, bulk operation or device buffer reached outside the current memory size";
    7  TableOutOfBounds table_out_of_bounds   "undefined table element"   "`call_indirect` with an index outside the function table";
    8  SignatureMismatch signature_mismatch  "indirect call signature mismatch" "`call_indirect` to a function whose signature differs from the expected one";
    9  StackOverflow stack_overflow      "call stack exhausted"      "a call's frame would take the active calls' frames past the call stack's size";
    10 InvalidFree invalid_free        "invalid heap pointer"      "`free` or `realloc` of an address the allocator did not hand out, or already freed";
    11 NullTableEntry null_table_entry   "uninitialized table element" "`call_indirect` through a table entry that holds no function";
}

impl TrapKind {
    /// The process exit status of a program that stops with this trap:
    /// 64 + the trap's code, so statuses 65..=75. A program can exit with those
    /// statuses itself; only a trap also prints the `janus: trap:` message.
    pub const fn exit_status(self) -> i32 {
        64 + self as i32
    }

    /// The stable numeric code of this trap kind.
    pub const fn code(self) -> u32 {
        self as u32
    }
}

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

/// The machine-level types runtime functions take and return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// A pointer.
    Ptr,
}

/// One runtime function generated code calls: its symbol and C signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuntimeFunction {
    /// The exported symbol (every one starts with `janus_`).
    pub symbol: &'static str,
    /// Parameter types.
    pub params: &'static [RtType],
    /// Result type, if any.
    pub result: Option<RtType>,
    /// Whether it never returns (traps and exits).
    pub noreturn: bool,
}

/// Declares the runtime function list once: the compiler declares its
/// prototypes from [`RUNTIME_FUNCTIONS`] and a test checks that
/// `exports.rs` defines each with this signature (wasmtime's
/// `foreach_builtin_function!` habit).
macro_rules! runtime_functions {
    ($($name:ident $sym:literal ($($p:ident),*) $(-> $r:ident)? $(, $noreturn:ident)?;)*) => {
        /// Indices into [`RUNTIME_FUNCTIONS`], by name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Rt {
            $(#[doc = concat!("`", $sym, "`")] $name,)*
        }

        /// Every runtime function generated code may call.
        pub const RUNTIME_FUNCTIONS: &[RuntimeFunction] = &[
            $(RuntimeFunction {
                symbol: $sym,
                params: &[$(RtType::$p),*],
                result: runtime_functions!(@result $($r)?),
                noreturn: runtime_functions!(@noreturn $($noreturn)?),
            },)*
        ];

        impl Rt {
            /// The function's entry in [`RUNTIME_FUNCTIONS`].
            pub fn info(self) -> &'static RuntimeFunction {
                &RUNTIME_FUNCTIONS[self as usize]
            }
        }
    };
    (@result) => { None };
    (@result $r:ident) => { Some(RtType::$r) };
    (@noreturn) => { false };
    (@noreturn noreturn) => { true };
}

runtime_functions! {
    // start(descriptor, argc, argv) -> exit status: sets up memory, runs main.
    Start "janus_start" (Ptr, I32, Ptr) -> I32;
    // trap(kind, function index, pc, user code): reports and exits.
    Trap "janus_trap" (I32, I32, I32, I32), noreturn;
    // exit(status): flushes output and exits.
    Exit "janus_exit" (I32), noreturn;
    // memory_grow(pages) -> old pages or -1.
    MemoryGrow "janus_memory_grow" (I32) -> I32;
    // memory_copy(dst, src, len) -> 0 or a trap code.
    MemoryCopy "janus_memory_copy" (I32, I32, I32) -> I32;
    // memory_fill(addr, byte, len) -> 0 or a trap code.
    MemoryFill "janus_memory_fill" (I32, I32, I32) -> I32;
    // memory_init(segment, dst, src, len) -> 0 or a trap code.
    MemoryInit "janus_memory_init" (I32, I32, I32, I32) -> I32;
    // data_drop(segment): releases a data segment's bytes.
    DataDrop "janus_data_drop" (I32);
    // heap_alloc(size) -> address or 0.
    HeapAlloc "janus_heap_alloc" (I32) -> I32;
    // heap_free(addr) -> 0 or a trap code.
    HeapFree "janus_heap_free" (I32) -> I32;
    // heap_realloc(addr, size, out) -> 0 or a trap code; *out = new address.
    HeapRealloc "janus_heap_realloc" (I32, I32, Ptr) -> I32;
    // device(op, args, out) -> 0 or a trap code; args and *out are 64-bit
    // slots (floats as bits).
    Device "janus_device" (I32, Ptr, Ptr) -> I32;
    // wasi_files(op, args, out): `janus_device` for the WASI file operations
    // (is_wasi_file_op), apart so an executable that makes none of them
    // links none of their code.
    WasiFiles "janus_wasi_files" (I32, Ptr, Ptr) -> I32;
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

/// The VM state generated code reads directly: the exported global
/// `janus_vm`. The base never moves (memory is reserved up front); the size
/// changes only inside runtime calls. Call stack accounting does not live
/// here: every compiled function receives the frame bytes in use as a
/// hidden parameter.
#[repr(C)]
#[derive(Debug)]
pub struct VmState {
    /// Address of linear memory's byte 0.
    pub base: *mut u8,
    /// Current memory size in bytes.
    pub size: u64,
}

/// Field indices of [`VmState`], for generated code.
pub mod vm_field {
    /// `base`.
    pub const BASE: u32 = 0;
    /// `size`.
    pub const SIZE: u32 = 1;
}

/// A data segment as generated code describes it to the runtime.
#[repr(C)]
#[derive(Debug)]
pub struct DataDescriptor {
    /// Address in linear memory, for an active segment.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
    /// 1 for a passive segment (kept for `memory.init`, `offset` unused),
    /// 0 for an active one (copied to `offset` at start).
    pub passive: u32,
    /// The bytes.
    pub bytes: *const u8,
}

/// What an executable tells the runtime about its program: the constant
/// `janus_module` global the compiler emits, passed to `janus_start`.
#[repr(C)]
#[derive(Debug)]
pub struct ModuleDescriptor {
    /// Initial memory pages.
    pub initial_pages: u32,
    /// Maximum memory pages.
    pub max_pages: u32,
    /// Where the heap starts (see `docs/ISA.md`).
    pub heap_base: u32,
    /// Number of data segments.
    pub data_count: u32,
    /// The data segments, active and passive, in index order.
    pub data: *const DataDescriptor,
    /// Number of functions.
    pub function_count: u32,
    /// Each function's name, NUL-terminated, for trap messages.
    pub function_names: *const *const u8,
    /// The program's `main`.
    pub entry: extern "C" fn() -> i32,
    /// For a translated program, the source format's name (`wasm`),
    /// NUL-terminated; null when there is no source map.
    pub source_kind: *const u8,
    /// The length of `source` in bytes.
    pub source_len: u32,
    /// (function, pc, source offset) triples sorted by function and pc,
    /// for trap messages, as [`encode_source_offsets`] writes them.
    pub source: *const u8,
}

/// Source offsets as an executable carries them: per entry, LEB128 of the
/// function index's increase, then of the pc (its increase within one
/// function), then the zigzag LEB128 of the offset's change. A few bytes
/// an entry instead of twelve.
pub fn encode_source_offsets(
    entries: impl IntoIterator<Item = (u32, u32, u32)>,
) -> alloc::vec::Vec<u8> {
    fn leb(out: &mut alloc::vec::Vec<u8>, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    let mut out = alloc::vec::Vec::new();
    let (mut func, mut pc, mut offset) = (0u32, 0u32, 0i64);
    for (f, p, o) in entries {
        leb(&mut out, u64::from(f.wrapping_sub(func)));
        leb(
            &mut out,
            u64::from(if f == func { p.wrapping_sub(pc) } else { p }),
        );
        let delta = i64::from(o) - offset;
        leb(&mut out, ((delta << 1) ^ (delta >> 63)) as u64);
        (func, pc, offset) = (f, p, i64::from(o));
    }
    out
}

/// Reads what [`encode_source_offsets`] wrote; stops at a truncated entry.
pub fn decode_source_offsets(bytes: &[u8]) -> alloc::vec::Vec<(u32, u32, u32)> {
    let mut at = 0;
    let mut leb = || -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *bytes.get(at)?;
            at += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    };
    let mut out = alloc::vec::Vec::new();
    let (mut func, mut pc, mut offset) = (0u32, 0u32, 0i64);
    while let (Some(df), Some(p), Some(z)) = (leb(), leb(), leb()) {
        let f = func.wrapping_add(df as u32);
        pc = if f == func {
            pc.wrapping_add(p as u32)
        } else {
            p as u32
        };
        func = f;
        offset += ((z >> 1) as i64) ^ -((z & 1) as i64);
        out.push((func, pc, offset as u32));
    }
    out
}

/// The heap's start for a module: the end of its highest active data
/// segment (`data` holds each one's address and length; passive segments
/// have no address), rounded up to 16, and at least 16 (so no block is at
/// address 0).
pub fn heap_base(data: impl IntoIterator<Item = (u32, usize)>) -> u32 {
    let end = data
        .into_iter()
        .map(|(offset, len)| u64::from(offset) + len as u64)
        .max()
        .unwrap_or(0);
    let rounded = (end + u64::from(HEAP_ALIGN) - 1) / u64::from(HEAP_ALIGN) * u64::from(HEAP_ALIGN);
    rounded.clamp(16, u64::from(u32::MAX) & !15) as u32
}

/// Finds a device operation by its 16-bit code.
pub fn device_op_by_code(code: u16) -> Option<&'static DeviceOp> {
    DEVICE_OPS.iter().find(|op| op.code() == code)
}

/// Finds a device operation by its assembly spelling (`console.write`).
pub fn device_op_by_name(name: &str) -> Option<&'static DeviceOp> {
    DEVICE_OPS.iter().find(|op| op.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ops_are_sorted_and_unique() {
        for pair in DEVICE_OPS.windows(2) {
            assert!(
                pair[0].code() < pair[1].code(),
                "{} then {}",
                pair[0].name,
                pair[1].name
            );
        }
        for op in DEVICE_OPS {
            assert_eq!(
                device_op_by_name(op.name).map(DeviceOp::code),
                Some(op.code())
            );
            assert_eq!(device_op_by_code(op.code()).map(|o| o.name), Some(op.name));
        }
    }

    #[test]
    fn device_shapes_are_the_operations_without_their_strings() {
        assert_eq!(DEVICE_SHAPES.len(), DEVICE_OPS.len());
        for op in DEVICE_OPS {
            let shape = device_shape(op.code()).expect("every operation has a shape");
            assert_eq!(
                (shape.code, usize::from(shape.params), shape.result),
                (op.code(), op.params.len(), op.result),
                "{}",
                op.name
            );
        }
        assert_eq!(device_shape(0xffff), None);
    }

    #[test]
    fn trap_codes_round_trip_and_statuses_are_distinct() {
        for &kind in TrapKind::ALL {
            assert_eq!(TrapKind::from_code(kind.code()), Some(kind));
            assert_eq!(TrapKind::from_ident(kind.ident()), Some(kind));
            assert!((65..=75).contains(&kind.exit_status()));
        }
        assert_eq!(TrapKind::from_code(0), None);
    }

    #[test]
    fn small_functions_keep_the_call_depth_and_large_ones_pay_per_register() {
        assert_eq!(MAX_STACK_BYTES, 655_360_000);
        assert_eq!(frame_bytes(0, 0), MIN_FRAME_BYTES);
        assert_eq!(
            frame_bytes(4_096, 0),
            MIN_FRAME_BYTES,
            "4096 registers: 32 KiB"
        );
        assert_eq!(frame_bytes(8_192, 1), MIN_FRAME_BYTES + 1);
        assert_eq!(frame_bytes(65_535, 16 << 20), 17_301_496);
        assert_eq!(MAX_STACK_BYTES / MIN_FRAME_BYTES, MAX_CALL_DEPTH);
        assert!(NATIVE_STACK_BYTES as u64 > 6 * u64::from(MAX_STACK_BYTES));
        let worst = frame_bytes(u32::MAX, u32::MAX);
        assert!(u64::from(worst) + u64::from(MAX_STACK_BYTES) <= u64::from(u32::MAX));
    }

    #[test]
    fn value_types_round_trip() {
        for t in ValType::ALL {
            assert_eq!(ValType::from_code(t.code()), Some(t));
            assert_eq!(ValType::from_name(t.name()), Some(t));
        }
    }
}
