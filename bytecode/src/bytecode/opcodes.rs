//! The JanusVM opcode table: the one place an instruction is defined.
//!
//! [`for_each_opcode!`] lists every instruction once — its byte, its name in
//! Rust, its mnemonic, the kinds of its operands in encoding order, whether it
//! ends a basic block, and what the later stages need to know about it: its
//! [`Class`] (with the access width and extension of a load or store), whether
//! its result is deterministic, and the [`TrapCondition`]s under which it
//! traps. The [`Opcode`] enum, mnemonic lookup, encoder, decoder, assembler,
//! disassembler, the verifier's per-operand rules, and the meaning accessors
//! are all generated from or driven by this list (the habit of wasmparser's
//! `for_each_operator` and Lua's `luaP_opmodes`).
//!
//! Every class whose members the stages handle one by one gets its own enum,
//! generated from the rows of that class: [`ControlOp`], [`CallOp`],
//! [`PureOp`], [`RuntimeOp`]. A stage matches [`Opcode::class`] and then the
//! class's enum, exhaustively and without a catch-all, so a new row fails to
//! compile wherever it is not handled yet; a stage that needs only the
//! table's data (a load's width and extension, a division's traps) needs no
//! edit at all. Adding an instruction is one line here plus its semantics in
//! `docs/ISA.md` (a test checks the two agree), and then whatever the
//! compiler points at.
//!
//! Operand conventions: the destination register comes first; memory
//! instructions take the value register, then the address register, then the
//! constant offset; lists (call arguments, results, jump tables) come last.

pub use super::meaning::{Access, Class, ConversionRange, Extend, TrapCondition};
use janus_runtime::abi::ValType;

/// 2^31, 2^32, 2^63 and 2^64: the bounds of the checked conversions' ranges.
const T31: f64 = 2147483648.0;
const T32: f64 = 4294967296.0;
const T63: f64 = 9223372036854775808.0;
const T64: f64 = 18446744073709551616.0;

/// What one operand of an instruction is, and so how it is encoded, printed
/// and verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperandKind {
    /// A register the instruction writes; it must have this type. `u16`.
    Def(ValType),
    /// A register the instruction reads; it must have this type. `u16`.
    Use(ValType),
    /// A 32-bit integer constant. 4 bytes, little-endian.
    ImmI32,
    /// A 64-bit integer constant. 8 bytes.
    ImmI64,
    /// A binary32 constant, kept as its bits. 4 bytes.
    ImmF32,
    /// A binary64 constant, kept as its bits. 8 bytes.
    ImmF64,
    /// An unsigned byte offset added to a memory address. `u32`.
    Offset,
    /// A program-chosen trap code. `u32`.
    TrapCode,
    /// A jump target: the pc (byte offset in the function's code) of an
    /// instruction. `u32`.
    Label,
    /// A jump table: `u32` count, then that many targets.
    LabelTable,
    /// A function index. `u32`.
    Func,
    /// A signature index. `u32`.
    Sig,
    /// Registers receiving a call's results: `u8` count, then registers.
    Results,
    /// Registers passed as arguments or returned: `u8` count, then registers.
    Args,
    /// A device operation, `device << 8 | op`. `u16`.
    DevOp,
    /// A global's index. `u32`.
    Global,
    /// A data segment's index (active and passive segments share one index
    /// space). `u32`.
    Data,
}

/// Declares the opcode table. Each row:
///
/// `byte Variant "mnemonic" [operand kinds] flow class det [traps];`
///
/// - `flow` is `next` for instructions that may continue to the following one
///   and `end` for those that never do (block terminators);
/// - `class` is one of `control`, `call`, `device`, `constant`, `copy`,
///   `global_get`, `global_set`, `memory_init`, `data_drop`, `pure`, `runtime`, `load(bytes, extend)` or `store(bytes, extend)` (see
///   [`Class`], [`Access`] and [`Extend`]);
/// - `det` is `det` when the result depends only on the operands and the
///   VM's state, `nondet` when it may not (a device operation: see
///   `DeviceOp::deterministic`);
/// - `traps` lists the [`TrapCondition`]s, in the order they are checked; a
///   checked conversion's range reads `Conversion(source, ge lo, lt hi)`
///   (`gt` for an exclusive lower bound).
#[macro_export]
macro_rules! for_each_opcode {
    ($m:ident) => {
        $m! {
            // Control unit.
            0x00 Nop "nop" [] next control det [];
            0x01 Unreachable "unreachable" [] end control det [Unreachable];
            0x02 Trap "trap" [TrapCode] end control det [User];
            0x03 Jump "jmp" [Label] end control det [];
            0x04 BrIf "br_if" [Use(I32), Label] next control det [];
            0x05 BrIfz "br_ifz" [Use(I32), Label] next control det [];
            0x06 BrTable "br_table" [Use(I32), Label, LabelTable] end control det [];
            0x07 Call "call" [Func, Results, Args] next call det [CallDepth];
            0x08 CallIndirect "call_indirect" [Sig, Use(I32), Results, Args] next call det [TableEntry, CallDepth];
            0x09 Ret "ret" [Args] end control det [];
            0x0a Exit "exit" [Use(I32)] end control det [];
            0x0b Dev "dev" [DevOp, Results, Args] next device nondet [OutOfBounds];

            // Constants, moves and selection.
            0x10 I32Const "i32.const" [Def(I32), ImmI32] next constant det [];
            0x11 I64Const "i64.const" [Def(I64), ImmI64] next constant det [];
            0x12 F32Const "f32.const" [Def(F32), ImmF32] next constant det [];
            0x13 F64Const "f64.const" [Def(F64), ImmF64] next constant det [];
            0x14 I32Mov "i32.mov" [Def(I32), Use(I32)] next copy det [];
            0x15 I64Mov "i64.mov" [Def(I64), Use(I64)] next copy det [];
            0x16 F32Mov "f32.mov" [Def(F32), Use(F32)] next copy det [];
            0x17 F64Mov "f64.mov" [Def(F64), Use(F64)] next copy det [];
            0x18 I32Select "i32.select" [Def(I32), Use(I32), Use(I32), Use(I32)] next pure det [];
            0x19 I64Select "i64.select" [Def(I64), Use(I32), Use(I64), Use(I64)] next pure det [];
            0x1a F32Select "f32.select" [Def(F32), Use(I32), Use(F32), Use(F32)] next pure det [];
            0x1b F64Select "f64.select" [Def(F64), Use(I32), Use(F64), Use(F64)] next pure det [];

            // 32-bit integer ALU.
            0x20 I32Add "i32.add" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x21 I32Sub "i32.sub" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x22 I32Mul "i32.mul" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x23 I32DivS "i32.div_s" [Def(I32), Use(I32), Use(I32)] next pure det [DivisorZero, SignedOverflow];
            0x24 I32DivU "i32.div_u" [Def(I32), Use(I32), Use(I32)] next pure det [DivisorZero];
            0x25 I32RemS "i32.rem_s" [Def(I32), Use(I32), Use(I32)] next pure det [DivisorZero];
            0x26 I32RemU "i32.rem_u" [Def(I32), Use(I32), Use(I32)] next pure det [DivisorZero];
            0x27 I32And "i32.and" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x28 I32Or "i32.or" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x29 I32Xor "i32.xor" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x2a I32Shl "i32.shl" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x2b I32ShrS "i32.shr_s" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x2c I32ShrU "i32.shr_u" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x2d I32Rotl "i32.rotl" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x2e I32Rotr "i32.rotr" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x2f I32Not "i32.not" [Def(I32), Use(I32)] next pure det [];
            0x30 I32Clz "i32.clz" [Def(I32), Use(I32)] next pure det [];
            0x31 I32Ctz "i32.ctz" [Def(I32), Use(I32)] next pure det [];
            0x32 I32Popcnt "i32.popcnt" [Def(I32), Use(I32)] next pure det [];
            0x33 I32Eqz "i32.eqz" [Def(I32), Use(I32)] next pure det [];
            0x34 I32Eq "i32.eq" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x35 I32Ne "i32.ne" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x36 I32LtS "i32.lt_s" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x37 I32LtU "i32.lt_u" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x38 I32LeS "i32.le_s" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x39 I32LeU "i32.le_u" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x3a I32GtS "i32.gt_s" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x3b I32GtU "i32.gt_u" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x3c I32GeS "i32.ge_s" [Def(I32), Use(I32), Use(I32)] next pure det [];
            0x3d I32GeU "i32.ge_u" [Def(I32), Use(I32), Use(I32)] next pure det [];

            // 64-bit integer ALU; comparisons give an i32 0 or 1.
            0x40 I64Add "i64.add" [Def(I64), Use(I64), Use(I64)] next pure det [];
            0x41 I64Sub "i64.sub" [Def(I64), Use(I64), Use(I64)] next pure det [];
            0x42 I64Mul "i64.mul" [Def(I64), Use(I64), Use(I64)] next pure det [];
            0x43 I64DivS "i64.div_s" [Def(I64), Use(I64), Use(I64)] next pure det [DivisorZero, SignedOverflow];
            0x44 I64DivU "i64.div_u" [Def(I64), Use(I64), Use(I64)] next pure det [DivisorZero];
            0x45 I64RemS "i64.rem_s" [Def(I64), Use(I64), Use(I64)] next pure det [DivisorZero];
            0x46 I64RemU "i64.rem_u" [Def(I64), Use(I64), Use(I64)] next pure det [DivisorZero];
            0x47 I64And "i64.and" [Def(I64), Use(I64), Use(I64)] next pure det [];
            0x48 I64Or "i64.or" [Def(I64), Use(I64), Use(I64)] next pure det [];
            0x49 I64Xor "i64.xor" [Def(I64), Use(I64), Use(I64)] next pure det [];
            0x4a I64Shl "i64.shl" [Def(I64), Use(I64), Use(I64)] next pure det [];
            0x4b I64ShrS "i64.shr_s" [Def(I64), Use(I64), Use(I64)] next pure det [];
            0x4c I64ShrU "i64.shr_u" [Def(I64), Use(I64), Use(I64)] next pure det [];
            0x4d I64Rotl "i64.rotl" [Def(I64), Use(I64), Use(I64)] next pure det [];
            0x4e I64Rotr "i64.rotr" [Def(I64), Use(I64), Use(I64)] next pure det [];
            0x4f I64Not "i64.not" [Def(I64), Use(I64)] next pure det [];
            0x50 I64Clz "i64.clz" [Def(I64), Use(I64)] next pure det [];
            0x51 I64Ctz "i64.ctz" [Def(I64), Use(I64)] next pure det [];
            0x52 I64Popcnt "i64.popcnt" [Def(I64), Use(I64)] next pure det [];
            0x53 I64Eqz "i64.eqz" [Def(I32), Use(I64)] next pure det [];
            0x54 I64Eq "i64.eq" [Def(I32), Use(I64), Use(I64)] next pure det [];
            0x55 I64Ne "i64.ne" [Def(I32), Use(I64), Use(I64)] next pure det [];
            0x56 I64LtS "i64.lt_s" [Def(I32), Use(I64), Use(I64)] next pure det [];
            0x57 I64LtU "i64.lt_u" [Def(I32), Use(I64), Use(I64)] next pure det [];
            0x58 I64LeS "i64.le_s" [Def(I32), Use(I64), Use(I64)] next pure det [];
            0x59 I64LeU "i64.le_u" [Def(I32), Use(I64), Use(I64)] next pure det [];
            0x5a I64GtS "i64.gt_s" [Def(I32), Use(I64), Use(I64)] next pure det [];
            0x5b I64GtU "i64.gt_u" [Def(I32), Use(I64), Use(I64)] next pure det [];
            0x5c I64GeS "i64.ge_s" [Def(I32), Use(I64), Use(I64)] next pure det [];
            0x5d I64GeU "i64.ge_u" [Def(I32), Use(I64), Use(I64)] next pure det [];

            // Floating point, IEEE 754; comparisons give an i32 0 or 1.
            0x60 F32Add "f32.add" [Def(F32), Use(F32), Use(F32)] next pure det [];
            0x61 F32Sub "f32.sub" [Def(F32), Use(F32), Use(F32)] next pure det [];
            0x62 F32Mul "f32.mul" [Def(F32), Use(F32), Use(F32)] next pure det [];
            0x63 F32Div "f32.div" [Def(F32), Use(F32), Use(F32)] next pure det [];
            0x64 F32Min "f32.min" [Def(F32), Use(F32), Use(F32)] next pure det [];
            0x65 F32Max "f32.max" [Def(F32), Use(F32), Use(F32)] next pure det [];
            0x66 F32Copysign "f32.copysign" [Def(F32), Use(F32), Use(F32)] next pure det [];
            0x67 F32Abs "f32.abs" [Def(F32), Use(F32)] next pure det [];
            0x68 F32Neg "f32.neg" [Def(F32), Use(F32)] next pure det [];
            0x69 F32Sqrt "f32.sqrt" [Def(F32), Use(F32)] next pure det [];
            0x6a F32Floor "f32.floor" [Def(F32), Use(F32)] next pure det [];
            0x6b F32Ceil "f32.ceil" [Def(F32), Use(F32)] next pure det [];
            0x6c F32Trunc "f32.trunc" [Def(F32), Use(F32)] next pure det [];
            0x6d F32Nearest "f32.nearest" [Def(F32), Use(F32)] next pure det [];
            0x6e F32Eq "f32.eq" [Def(I32), Use(F32), Use(F32)] next pure det [];
            0x6f F32Ne "f32.ne" [Def(I32), Use(F32), Use(F32)] next pure det [];
            0x70 F32Lt "f32.lt" [Def(I32), Use(F32), Use(F32)] next pure det [];
            0x71 F32Le "f32.le" [Def(I32), Use(F32), Use(F32)] next pure det [];
            0x72 F32Gt "f32.gt" [Def(I32), Use(F32), Use(F32)] next pure det [];
            0x73 F32Ge "f32.ge" [Def(I32), Use(F32), Use(F32)] next pure det [];
            0x78 F64Add "f64.add" [Def(F64), Use(F64), Use(F64)] next pure det [];
            0x79 F64Sub "f64.sub" [Def(F64), Use(F64), Use(F64)] next pure det [];
            0x7a F64Mul "f64.mul" [Def(F64), Use(F64), Use(F64)] next pure det [];
            0x7b F64Div "f64.div" [Def(F64), Use(F64), Use(F64)] next pure det [];
            0x7c F64Min "f64.min" [Def(F64), Use(F64), Use(F64)] next pure det [];
            0x7d F64Max "f64.max" [Def(F64), Use(F64), Use(F64)] next pure det [];
            0x7e F64Copysign "f64.copysign" [Def(F64), Use(F64), Use(F64)] next pure det [];
            0x7f F64Abs "f64.abs" [Def(F64), Use(F64)] next pure det [];
            0x80 F64Neg "f64.neg" [Def(F64), Use(F64)] next pure det [];
            0x81 F64Sqrt "f64.sqrt" [Def(F64), Use(F64)] next pure det [];
            0x82 F64Floor "f64.floor" [Def(F64), Use(F64)] next pure det [];
            0x83 F64Ceil "f64.ceil" [Def(F64), Use(F64)] next pure det [];
            0x84 F64Trunc "f64.trunc" [Def(F64), Use(F64)] next pure det [];
            0x85 F64Nearest "f64.nearest" [Def(F64), Use(F64)] next pure det [];
            0x86 F64Eq "f64.eq" [Def(I32), Use(F64), Use(F64)] next pure det [];
            0x87 F64Ne "f64.ne" [Def(I32), Use(F64), Use(F64)] next pure det [];
            0x88 F64Lt "f64.lt" [Def(I32), Use(F64), Use(F64)] next pure det [];
            0x89 F64Le "f64.le" [Def(I32), Use(F64), Use(F64)] next pure det [];
            0x8a F64Gt "f64.gt" [Def(I32), Use(F64), Use(F64)] next pure det [];
            0x8b F64Ge "f64.ge" [Def(I32), Use(F64), Use(F64)] next pure det [];

            // Conversions.
            0x90 I32WrapI64 "i32.wrap_i64" [Def(I32), Use(I64)] next pure det [];
            0x91 I64ExtendI32S "i64.extend_i32_s" [Def(I64), Use(I32)] next pure det [];
            0x92 I64ExtendI32U "i64.extend_i32_u" [Def(I64), Use(I32)] next pure det [];
            0x93 I32Extend8S "i32.extend8_s" [Def(I32), Use(I32)] next pure det [];
            0x94 I32Extend16S "i32.extend16_s" [Def(I32), Use(I32)] next pure det [];
            0x95 I64Extend8S "i64.extend8_s" [Def(I64), Use(I64)] next pure det [];
            0x96 I64Extend16S "i64.extend16_s" [Def(I64), Use(I64)] next pure det [];
            0x97 I64Extend32S "i64.extend32_s" [Def(I64), Use(I64)] next pure det [];
            0x98 I32TruncF32S "i32.trunc_f32_s" [Def(I32), Use(F32)] next pure det [Conversion(F32, ge -T31, lt T31)];
            0x99 I32TruncF32U "i32.trunc_f32_u" [Def(I32), Use(F32)] next pure det [Conversion(F32, gt -1.0, lt T32)];
            0x9a I32TruncF64S "i32.trunc_f64_s" [Def(I32), Use(F64)] next pure det [Conversion(F64, gt -T31 - 1.0, lt T31)];
            0x9b I32TruncF64U "i32.trunc_f64_u" [Def(I32), Use(F64)] next pure det [Conversion(F64, gt -1.0, lt T32)];
            0x9c I64TruncF32S "i64.trunc_f32_s" [Def(I64), Use(F32)] next pure det [Conversion(F32, ge -T63, lt T63)];
            0x9d I64TruncF32U "i64.trunc_f32_u" [Def(I64), Use(F32)] next pure det [Conversion(F32, gt -1.0, lt T64)];
            0x9e I64TruncF64S "i64.trunc_f64_s" [Def(I64), Use(F64)] next pure det [Conversion(F64, ge -T63, lt T63)];
            0x9f I64TruncF64U "i64.trunc_f64_u" [Def(I64), Use(F64)] next pure det [Conversion(F64, gt -1.0, lt T64)];
            0xa0 I32TruncSatF32S "i32.trunc_sat_f32_s" [Def(I32), Use(F32)] next pure det [];
            0xa1 I32TruncSatF32U "i32.trunc_sat_f32_u" [Def(I32), Use(F32)] next pure det [];
            0xa2 I32TruncSatF64S "i32.trunc_sat_f64_s" [Def(I32), Use(F64)] next pure det [];
            0xa3 I32TruncSatF64U "i32.trunc_sat_f64_u" [Def(I32), Use(F64)] next pure det [];
            0xa4 I64TruncSatF32S "i64.trunc_sat_f32_s" [Def(I64), Use(F32)] next pure det [];
            0xa5 I64TruncSatF32U "i64.trunc_sat_f32_u" [Def(I64), Use(F32)] next pure det [];
            0xa6 I64TruncSatF64S "i64.trunc_sat_f64_s" [Def(I64), Use(F64)] next pure det [];
            0xa7 I64TruncSatF64U "i64.trunc_sat_f64_u" [Def(I64), Use(F64)] next pure det [];
            0xa8 F32ConvertI32S "f32.convert_i32_s" [Def(F32), Use(I32)] next pure det [];
            0xa9 F32ConvertI32U "f32.convert_i32_u" [Def(F32), Use(I32)] next pure det [];
            0xaa F32ConvertI64S "f32.convert_i64_s" [Def(F32), Use(I64)] next pure det [];
            0xab F32ConvertI64U "f32.convert_i64_u" [Def(F32), Use(I64)] next pure det [];
            0xac F64ConvertI32S "f64.convert_i32_s" [Def(F64), Use(I32)] next pure det [];
            0xad F64ConvertI32U "f64.convert_i32_u" [Def(F64), Use(I32)] next pure det [];
            0xae F64ConvertI64S "f64.convert_i64_s" [Def(F64), Use(I64)] next pure det [];
            0xaf F64ConvertI64U "f64.convert_i64_u" [Def(F64), Use(I64)] next pure det [];
            0xb0 F32DemoteF64 "f32.demote_f64" [Def(F32), Use(F64)] next pure det [];
            0xb1 F64PromoteF32 "f64.promote_f32" [Def(F64), Use(F32)] next pure det [];
            0xb2 I32ReinterpretF32 "i32.reinterpret_f32" [Def(I32), Use(F32)] next pure det [];
            0xb3 I64ReinterpretF64 "i64.reinterpret_f64" [Def(I64), Use(F64)] next pure det [];
            0xb4 F32ReinterpretI32 "f32.reinterpret_i32" [Def(F32), Use(I32)] next pure det [];
            0xb5 F64ReinterpretI64 "f64.reinterpret_i64" [Def(F64), Use(I64)] next pure det [];

            // Globals (format version 2): the register has the global's type.
            0xb8 I32GlobalGet "i32.global.get" [Def(I32), Global] next global_get det [];
            0xb9 I64GlobalGet "i64.global.get" [Def(I64), Global] next global_get det [];
            0xba F32GlobalGet "f32.global.get" [Def(F32), Global] next global_get det [];
            0xbb F64GlobalGet "f64.global.get" [Def(F64), Global] next global_get det [];
            0xbc I32GlobalSet "i32.global.set" [Global, Use(I32)] next global_set det [];
            0xbd I64GlobalSet "i64.global.set" [Global, Use(I64)] next global_set det [];
            0xbe F32GlobalSet "f32.global.set" [Global, Use(F32)] next global_set det [];
            0xbf F64GlobalSet "f64.global.set" [Global, Use(F64)] next global_set det [];

            // Memory: loads `dst, addr, offset`; stores `value, addr, offset`.
            0xc0 I32Load "i32.load" [Def(I32), Use(I32), Offset] next load(4, Full) det [OutOfBounds];
            0xc1 I32Load8S "i32.load8_s" [Def(I32), Use(I32), Offset] next load(1, Sign) det [OutOfBounds];
            0xc2 I32Load8U "i32.load8_u" [Def(I32), Use(I32), Offset] next load(1, Zero) det [OutOfBounds];
            0xc3 I32Load16S "i32.load16_s" [Def(I32), Use(I32), Offset] next load(2, Sign) det [OutOfBounds];
            0xc4 I32Load16U "i32.load16_u" [Def(I32), Use(I32), Offset] next load(2, Zero) det [OutOfBounds];
            0xc5 I64Load "i64.load" [Def(I64), Use(I32), Offset] next load(8, Full) det [OutOfBounds];
            0xc6 I64Load8S "i64.load8_s" [Def(I64), Use(I32), Offset] next load(1, Sign) det [OutOfBounds];
            0xc7 I64Load8U "i64.load8_u" [Def(I64), Use(I32), Offset] next load(1, Zero) det [OutOfBounds];
            0xc8 I64Load16S "i64.load16_s" [Def(I64), Use(I32), Offset] next load(2, Sign) det [OutOfBounds];
            0xc9 I64Load16U "i64.load16_u" [Def(I64), Use(I32), Offset] next load(2, Zero) det [OutOfBounds];
            0xca I64Load32S "i64.load32_s" [Def(I64), Use(I32), Offset] next load(4, Sign) det [OutOfBounds];
            0xcb I64Load32U "i64.load32_u" [Def(I64), Use(I32), Offset] next load(4, Zero) det [OutOfBounds];
            0xcc F32Load "f32.load" [Def(F32), Use(I32), Offset] next load(4, Full) det [OutOfBounds];
            0xcd F64Load "f64.load" [Def(F64), Use(I32), Offset] next load(8, Full) det [OutOfBounds];
            0xd0 I32Store "i32.store" [Use(I32), Use(I32), Offset] next store(4, Full) det [OutOfBounds];
            0xd1 I32Store8 "i32.store8" [Use(I32), Use(I32), Offset] next store(1, Wrap) det [OutOfBounds];
            0xd2 I32Store16 "i32.store16" [Use(I32), Use(I32), Offset] next store(2, Wrap) det [OutOfBounds];
            0xd3 I64Store "i64.store" [Use(I64), Use(I32), Offset] next store(8, Full) det [OutOfBounds];
            0xd4 I64Store8 "i64.store8" [Use(I64), Use(I32), Offset] next store(1, Wrap) det [OutOfBounds];
            0xd5 I64Store16 "i64.store16" [Use(I64), Use(I32), Offset] next store(2, Wrap) det [OutOfBounds];
            0xd6 I64Store32 "i64.store32" [Use(I64), Use(I32), Offset] next store(4, Wrap) det [OutOfBounds];
            0xd7 F32Store "f32.store" [Use(F32), Use(I32), Offset] next store(4, Full) det [OutOfBounds];
            0xd8 F64Store "f64.store" [Use(F64), Use(I32), Offset] next store(8, Full) det [OutOfBounds];
            0xe0 MemorySize "memory.size" [Def(I32)] next runtime det [];
            0xe1 MemoryGrow "memory.grow" [Def(I32), Use(I32)] next runtime det [];
            0xe2 MemoryCopy "memory.copy" [Use(I32), Use(I32), Use(I32)] next runtime det [OutOfBounds];
            0xe3 MemoryFill "memory.fill" [Use(I32), Use(I32), Use(I32)] next runtime det [OutOfBounds];
            // Data segments (format version 2): `memory.init seg, dst, src, len`.
            0xe4 MemoryInit "memory.init" [Data, Use(I32), Use(I32), Use(I32)] next memory_init det [OutOfBounds];
            0xe5 DataDrop "data.drop" [Data] next data_drop det [];

            // Heap, served by the runtime's allocator inside linear memory.
            0xe8 HeapAlloc "heap.alloc" [Def(I32), Use(I32)] next runtime det [];
            0xe9 HeapFree "heap.free" [Use(I32)] next runtime det [InvalidFree];
            0xea HeapRealloc "heap.realloc" [Def(I32), Use(I32), Use(I32)] next runtime det [InvalidFree];
        }
    };
}

macro_rules! define_opcodes {
    ($($byte:literal $variant:ident $mnemonic:literal [$($kind:ident $(($ty:ident))?),*] $flow:ident
       $class:ident $(($($access:tt)*))? $det:ident [$($trap:ident $(($($targ:tt)*))?),*];)*) => {
        /// One JanusVM instruction's operation; its discriminant is its byte.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Opcode {
            $(#[doc = concat!("`", $mnemonic, "`")] $variant = $byte,)*
        }

        impl Opcode {
            /// Every opcode, in byte order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$variant,)*];

            /// The opcode a byte encodes, if any.
            pub const fn from_byte(byte: u8) -> Option<Opcode> {
                match byte {
                    $($byte => Some(Opcode::$variant),)*
                    _ => None,
                }
            }

            /// The byte that encodes this opcode.
            pub const fn byte(self) -> u8 {
                self as u8
            }

            /// The assembly mnemonic.
            pub const fn mnemonic(self) -> &'static str {
                match self { $(Opcode::$variant => $mnemonic,)* }
            }

            /// The opcode an assembly mnemonic names, if any.
            pub fn from_mnemonic(mnemonic: &str) -> Option<Opcode> {
                match mnemonic {
                    $($mnemonic => Some(Opcode::$variant),)*
                    _ => None,
                }
            }

            /// The kinds of this opcode's operands, in encoding order.
            pub const fn operands(self) -> &'static [OperandKind] {
                match self {
                    $(Opcode::$variant => &[$(OperandKind::$kind $((ValType::$ty))?),*],)*
                }
            }

            /// Whether the instruction never continues to the next one: it must
            /// be the last of a function's code unless a label follows it.
            pub const fn is_terminator(self) -> bool {
                match self { $(Opcode::$variant => define_opcodes!(@flow $flow),)* }
            }

            /// What kind of instruction this is, with the class's own opcode
            /// enum or a memory access's width and extension.
            #[inline]
            pub const fn class(self) -> Class {
                match self {
                    $(Opcode::$variant => define_opcodes!(@class $variant $class $(($($access)*))?),)*
                }
            }

            /// Whether the result depends only on the operands and the VM's
            /// state (memory, heap, the callee): false only for `dev`, whose
            /// device operations say for themselves.
            pub const fn is_deterministic(self) -> bool {
                match self { $(Opcode::$variant => define_opcodes!(@det $det),)* }
            }

            /// The conditions under which the instruction traps, in the order
            /// they are checked; empty for one that never traps.
            pub const fn traps(self) -> &'static [TrapCondition] {
                match self {
                    $(Opcode::$variant => {
                        const TRAPS: &[TrapCondition] =
                            &[$(define_opcodes!(@trap $trap $(($($targ)*))?)),*];
                        TRAPS
                    })*
                }
            }
        }

        define_subsets! { @sort [] [] [] [] $($byte $variant $mnemonic $class;)* }
    };
    (@flow next) => { false };
    (@flow end) => { true };
    (@det det) => { true };
    (@det nondet) => { false };
    (@class $v:ident control) => { Class::Control(ControlOp::$v) };
    (@class $v:ident call) => { Class::Call(CallOp::$v) };
    (@class $v:ident device) => { Class::Device };
    (@class $v:ident constant) => { Class::Constant };
    (@class $v:ident copy) => { Class::Copy };
    (@class $v:ident global_get) => { Class::GlobalGet };
    (@class $v:ident global_set) => { Class::GlobalSet };
    (@class $v:ident memory_init) => { Class::MemoryInit };
    (@class $v:ident data_drop) => { Class::DataDrop };
    (@class $v:ident pure) => { Class::Pure(PureOp::$v) };
    (@class $v:ident runtime) => { Class::Runtime(RuntimeOp::$v) };
    (@class $v:ident load($bytes:literal, $extend:ident)) => {
        Class::Load(Access { bytes: $bytes, extend: Extend::$extend })
    };
    (@class $v:ident store($bytes:literal, $extend:ident)) => {
        Class::Store(Access { bytes: $bytes, extend: Extend::$extend })
    };
    (@trap Conversion($source:ident, ge $lo:expr, lt $hi:expr)) => {
        TrapCondition::Conversion(ConversionRange {
            source: ValType::$source, lo: $lo, lo_inclusive: true, hi: $hi,
        })
    };
    (@trap Conversion($source:ident, gt $lo:expr, lt $hi:expr)) => {
        TrapCondition::Conversion(ConversionRange {
            source: ValType::$source, lo: $lo, lo_inclusive: false, hi: $hi,
        })
    };
    (@trap $condition:ident) => { TrapCondition::$condition };
}

/// Sorts the rows of the classes whose members stages handle one by one into
/// buckets, one row per step (hence the crate's raised `recursion_limit`),
/// and declares an enum for each bucket.
macro_rules! define_subsets {
    (@sort [$($control:tt)*] [$($call:tt)*] [$($pure:tt)*] [$($runtime:tt)*]) => {
        define_subsets! { @enum ControlOp
            "A `control` instruction: a branch, a return, an exit, a trap or `nop`."
            $($control)* }
        define_subsets! { @enum CallOp "A `call` instruction: a direct or an indirect call." $($call)* }
        define_subsets! { @enum PureOp
            "A `pure` instruction: one result computed from register operands only \
             (ALU, comparison, select, conversion), defined by `semantics::eval`."
            $($pure)* }
        define_subsets! { @enum RuntimeOp
            "A `runtime` instruction: a memory or heap operation the runtime performs."
            $($runtime)* }
    };
    (@sort [$($c:tt)*] $k:tt $p:tt $r:tt $b:literal $v:ident $m:literal control; $($rest:tt)*) => {
        define_subsets! { @sort [$($c)* $b $v $m;] $k $p $r $($rest)* }
    };
    (@sort $c:tt [$($k:tt)*] $p:tt $r:tt $b:literal $v:ident $m:literal call; $($rest:tt)*) => {
        define_subsets! { @sort $c [$($k)* $b $v $m;] $p $r $($rest)* }
    };
    (@sort $c:tt $k:tt [$($p:tt)*] $r:tt $b:literal $v:ident $m:literal pure; $($rest:tt)*) => {
        define_subsets! { @sort $c $k [$($p)* $b $v $m;] $r $($rest)* }
    };
    (@sort $c:tt $k:tt $p:tt [$($r:tt)*] $b:literal $v:ident $m:literal runtime; $($rest:tt)*) => {
        define_subsets! { @sort $c $k $p [$($r)* $b $v $m;] $($rest)* }
    };
    (@sort $c:tt $k:tt $p:tt $r:tt $b:literal $v:ident $m:literal $other:ident; $($rest:tt)*) => {
        define_subsets! { @sort $c $k $p $r $($rest)* }
    };
    (@enum $name:ident $doc:literal $($byte:literal $variant:ident $mnemonic:literal;)*) => {
        #[doc = $doc]
        ///
        /// Generated from the opcode table; each discriminant is the opcode's
        /// byte.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $name {
            $(#[doc = concat!("`", $mnemonic, "`")] $variant = $byte,)*
        }

        impl $name {
            /// Every member, in byte order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The opcode this is.
            #[inline]
            pub const fn opcode(self) -> Opcode {
                match self { $($name::$variant => Opcode::$variant,)* }
            }
        }

        impl From<$name> for Opcode {
            fn from(op: $name) -> Opcode {
                op.opcode()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.opcode().mnemonic())
            }
        }
    };
}

for_each_opcode!(define_opcodes);

impl Opcode {
    /// Whether the instruction loads from linear memory.
    pub const fn is_load(self) -> bool {
        matches!(self.class(), Class::Load(_))
    }

    /// Whether the instruction stores to linear memory.
    pub const fn is_store(self) -> bool {
        matches!(self.class(), Class::Store(_))
    }

    /// The memory access of a load or store: how many bytes, and how the
    /// value is extended or narrowed.
    #[inline]
    pub const fn access(self) -> Option<Access> {
        match self.class() {
            Class::Load(access) | Class::Store(access) => Some(access),
            Class::Control(_)
            | Class::Call(_)
            | Class::Device
            | Class::Constant
            | Class::Copy
            | Class::GlobalGet
            | Class::GlobalSet
            | Class::MemoryInit
            | Class::DataDrop
            | Class::Pure(_)
            | Class::Runtime(_) => None,
        }
    }

    /// The range a checked float-to-int conversion accepts, if this is one.
    pub fn conversion_range(self) -> Option<ConversionRange> {
        self.traps().iter().find_map(|t| match t {
            TrapCondition::Conversion(range) => Some(*range),
            _ => None,
        })
    }
}

impl PureOp {
    /// The range a checked float-to-int conversion accepts, if this is one.
    pub fn conversion_range(self) -> Option<ConversionRange> {
        self.opcode().conversion_range()
    }
}

impl std::fmt::Display for Opcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.mnemonic())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_mnemonics_round_trip() {
        for &op in Opcode::ALL {
            assert_eq!(Opcode::from_byte(op.byte()), Some(op));
            assert_eq!(Opcode::from_mnemonic(op.mnemonic()), Some(op));
        }
        assert_eq!(Opcode::from_byte(0xff), None);
        assert_eq!(Opcode::from_mnemonic("i32.frobnicate"), None);
    }

    #[test]
    fn table_is_sorted_by_byte() {
        for pair in Opcode::ALL.windows(2) {
            assert!(
                pair[0].byte() < pair[1].byte(),
                "{} then {}",
                pair[0],
                pair[1]
            );
        }
    }

    /// The meaning columns agree with the operand columns, so a row cannot
    /// claim a class its operands do not have.
    #[test]
    fn meaning_agrees_with_operands() {
        use OperandKind::{Def, Offset, Use};
        for &op in Opcode::ALL {
            let kinds = op.operands();
            let width = |t: ValType| match t {
                ValType::I32 | ValType::F32 => 4,
                ValType::I64 | ValType::F64 => 8,
            };
            match op.class() {
                Class::Pure(p) => {
                    assert_eq!(p.opcode(), op);
                    assert!(matches!(kinds.first(), Some(Def(_))), "{op}");
                    assert!(kinds[1..].iter().all(|k| matches!(k, Use(_))), "{op}");
                }
                Class::Load(access) => {
                    let [Def(t), Use(ValType::I32), Offset] = kinds else {
                        panic!("{op}: a load is `dst, addr, offset`")
                    };
                    let full = access.bytes == width(*t);
                    assert_eq!(access.extend == Extend::Full, full, "{op}");
                    assert!(access.extend != Extend::Wrap, "{op}");
                }
                Class::Store(access) => {
                    let [Use(t), Use(ValType::I32), Offset] = kinds else {
                        panic!("{op}: a store is `value, addr, offset`")
                    };
                    let full = access.bytes == width(*t);
                    let expected = if full { Extend::Full } else { Extend::Wrap };
                    assert_eq!(access.extend, expected, "{op}");
                }
                Class::Runtime(r) => assert_eq!(r.opcode(), op),
                Class::Control(c) => assert_eq!(c.opcode(), op),
                Class::Call(c) => assert_eq!(c.opcode(), op),
                Class::Constant => assert_eq!(kinds.len(), 2, "{op}"),
                Class::Copy => assert!(matches!(kinds, [Def(a), Use(b)] if a == b), "{op}"),
                Class::Device => assert_eq!(op, Opcode::Dev),
                Class::GlobalGet => {
                    assert!(matches!(kinds, [Def(_), OperandKind::Global]), "{op}")
                }
                Class::GlobalSet => {
                    assert!(matches!(kinds, [OperandKind::Global, Use(_)]), "{op}")
                }
                Class::MemoryInit => {
                    let i32 = Use(ValType::I32);
                    assert_eq!(kinds, [OperandKind::Data, i32, i32, i32], "{op}");
                }
                Class::DataDrop => assert_eq!(kinds, [OperandKind::Data], "{op}"),
            }
            if op.is_terminator() {
                assert!(matches!(op.class(), Class::Control(_)), "{op}");
            }
            assert_eq!(op.is_deterministic(), op != Opcode::Dev, "{op}");
            if let Some(range) = op.conversion_range() {
                assert!(matches!(kinds[1], Use(t) if t == range.source), "{op}");
            }
        }
        let members = ControlOp::ALL.len() + CallOp::ALL.len() + PureOp::ALL.len();
        assert!(members + RuntimeOp::ALL.len() < Opcode::ALL.len());
    }
}
