//! What the compiler and the runtime agree on, written once.
//!
//! Every table here is part of the JanusVM specification (`docs/ISA.md`): trap
//! kinds and their exit statuses, the device operations with their signatures
//! and error codes, and memory constants. The bytecode verifier checks device
//! calls against [`DEVICE_OPS`]; the runtime implements the same list; the
//! documentation is checked against it by a test. Changing a number here
//! changes the format version.

mod device_table;
mod source_offsets;
pub mod tier;

pub use device_table::*;
pub use source_offsets::{decode_source_offsets, encode_source_offsets};

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
            /// Every runtime function, in [`RUNTIME_FUNCTIONS`]'s order.
            pub const ALL: &'static [Rt] = &[$(Rt::$name),*];

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
