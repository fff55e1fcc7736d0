//! The value semantics of every pure bytecode operation, executable: what
//! `docs/ISA.md` says each ALU operation, comparison, select and conversion
//! computes, including when it traps. The IR's constant folder evaluates with
//! it; the engines' results are tested against it.
//!
//! Values travel as `u64` bits: `i32` and `f32` zero-extended, floats as
//! their IEEE bits. NaN bits are exact (docs/ISA.md §6.3, WebAssembly's
//! deterministic profile): arithmetic that produces a NaN produces the
//! canonical NaN ([`f32_out`], [`f64_out`]), and everything else — moves,
//! selects, loads, stores, `reinterpret`, `abs`, `neg`, `copysign` — keeps a
//! NaN's sign and payload bit for bit.

use super::PureOp;
use janus_runtime::abi::TrapKind;

/// The canonical binary32 NaN.
pub const CANONICAL_NAN_F32: u32 = 0x7fc0_0000;
/// The canonical binary64 NaN.
pub const CANONICAL_NAN_F64: u64 = 0x7ff8_0000_0000_0000;

/// A binary32 result as register bits: any NaN becomes the canonical NaN.
#[inline(always)]
pub fn f32_out(x: f32) -> u64 {
    u64::from(if x.is_nan() {
        CANONICAL_NAN_F32
    } else {
        x.to_bits()
    })
}

/// A binary64 result as register bits: any NaN becomes the canonical NaN.
#[inline(always)]
pub fn f64_out(x: f64) -> u64 {
    if x.is_nan() {
        CANONICAL_NAN_F64
    } else {
        x.to_bits()
    }
}

/// The binary operations the interpreter gives a fast path, one function
/// each so that its dispatch loop and [`eval`] share one definition. Each
/// takes and returns register bits (`i32` zero-extended).
macro_rules! hot_binaries {
    ($($name:ident $mnemonic:literal ($a:ident, $b:ident) => $body:expr;)*) => {
        $(
            #[doc = concat!("`", $mnemonic, "` on register bits.")]
            #[inline(always)]
            pub fn $name($a: u64, $b: u64) -> u64 {
                $body
            }
        )*
    };
}

hot_binaries! {
    i32_add "i32.add" (a, b) => u64::from((a as u32).wrapping_add(b as u32));
    i32_sub "i32.sub" (a, b) => u64::from((a as u32).wrapping_sub(b as u32));
    i32_mul "i32.mul" (a, b) => u64::from((a as u32).wrapping_mul(b as u32));
    i64_add "i64.add" (a, b) => a.wrapping_add(b);
    i64_sub "i64.sub" (a, b) => a.wrapping_sub(b);
    i64_mul "i64.mul" (a, b) => a.wrapping_mul(b);
    f64_add "f64.add" (a, b) => f64_out(f64::from_bits(a) + f64::from_bits(b));
    f64_sub "f64.sub" (a, b) => f64_out(f64::from_bits(a) - f64::from_bits(b));
    f64_mul "f64.mul" (a, b) => f64_out(f64::from_bits(a) * f64::from_bits(b));
    i32_eq "i32.eq" (a, b) => u64::from(a as u32 == b as u32);
    i32_ne "i32.ne" (a, b) => u64::from(a as u32 != b as u32);
    i32_lt_s "i32.lt_s" (a, b) => u64::from((a as u32 as i32) < (b as u32 as i32));
    i32_lt_u "i32.lt_u" (a, b) => u64::from((a as u32) < (b as u32));
    i32_le_s "i32.le_s" (a, b) => u64::from((a as u32 as i32) <= (b as u32 as i32));
    i64_lt_s "i64.lt_s" (a, b) => u64::from((a as i64) < (b as i64));
    i64_le_s "i64.le_s" (a, b) => u64::from((a as i64) <= (b as i64));
}

#[inline(always)]
fn b(c: bool) -> u64 {
    u64::from(c)
}

macro_rules! fmin_fmax {
    ($name:ident, $t:ty, $is_min:expr) => {
        #[inline]
        fn $name(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                return <$t>::NAN;
            }
            if a == 0.0 && b == 0.0 {
                // -0 is less than +0.
                let a_neg = a.is_sign_negative();
                return if $is_min == a_neg { a } else { b };
            }
            if $is_min {
                a.min(b)
            } else {
                a.max(b)
            }
        }
    };
}
fmin_fmax!(fmin32, f32, true);
fmin_fmax!(fmax32, f32, false);
fmin_fmax!(fmin64, f64, true);
fmin_fmax!(fmax64, f64, false);

/// A checked float-to-int conversion of `x`, by the range the opcode table
/// gives `op`: NaN traps `invalid conversion`, a value outside the range
/// traps `integer overflow`.
#[inline(always)]
fn checked(op: PureOp, x: f64) -> Result<f64, TrapKind> {
    let range = op
        .conversion_range()
        .expect("the opcode table gives every checked conversion a range");
    if x.is_nan() {
        return Err(TrapKind::InvalidConversion);
    }
    if range.contains(x) {
        Ok(x.trunc())
    } else {
        Err(TrapKind::IntegerOverflow)
    }
}

/// Evaluates a pure operation on its operand bits. Returns the trap the VM
/// raises for these operands, if it raises one.
pub fn eval(op: PureOp, args: &[u64]) -> Result<u64, TrapKind> {
    eval_inline(op, args)
}

/// [`eval`], always inlined: for a caller that names the operation as a
/// constant (the interpreter's dispatch loop gives each operation its own
/// arm), so that only that operation's arm is compiled there and the one
/// definition of the VM's arithmetic serves every engine.
#[inline(always)]
pub fn eval_inline(op: PureOp, args: &[u64]) -> Result<u64, TrapKind> {
    use PureOp::*;
    let i32a = |i: usize| args[i] as u32 as i32;
    let u32a = |i: usize| args[i] as u32;
    let i64a = |i: usize| args[i] as i64;
    let u64a = |i: usize| args[i];
    let f32a = |i: usize| f32::from_bits(args[i] as u32);
    let f64a = |i: usize| f64::from_bits(args[i]);
    let w32 = |v: u32| u64::from(v);
    let s32 = |v: i32| u64::from(v as u32);
    Ok(match op {
        I32Select | I64Select | F32Select | F64Select => {
            if args[0] as u32 != 0 {
                args[1]
            } else {
                args[2]
            }
        }
        I32Add => i32_add(args[0], args[1]),
        I32Sub => i32_sub(args[0], args[1]),
        I32Mul => i32_mul(args[0], args[1]),
        I32DivS | I32RemS => {
            if i32a(1) == 0 {
                return Err(TrapKind::DivideByZero);
            }
            if op == I32DivS {
                if i32a(0) == i32::MIN && i32a(1) == -1 {
                    return Err(TrapKind::IntegerOverflow);
                }
                s32(i32a(0) / i32a(1))
            } else {
                s32(i32a(0).wrapping_rem(i32a(1)))
            }
        }
        I32DivU | I32RemU => {
            if u32a(1) == 0 {
                return Err(TrapKind::DivideByZero);
            }
            w32(if op == I32DivU {
                u32a(0) / u32a(1)
            } else {
                u32a(0) % u32a(1)
            })
        }
        I32And => w32(u32a(0) & u32a(1)),
        I32Or => w32(u32a(0) | u32a(1)),
        I32Xor => w32(u32a(0) ^ u32a(1)),
        I32Shl => w32(u32a(0).wrapping_shl(u32a(1))),
        I32ShrS => s32(i32a(0).wrapping_shr(u32a(1))),
        I32ShrU => w32(u32a(0).wrapping_shr(u32a(1))),
        I32Rotl => w32(u32a(0).rotate_left(u32a(1) % 32)),
        I32Rotr => w32(u32a(0).rotate_right(u32a(1) % 32)),
        I32Not => w32(!u32a(0)),
        I32Clz => w32(u32a(0).leading_zeros()),
        I32Ctz => w32(u32a(0).trailing_zeros()),
        I32Popcnt => w32(u32a(0).count_ones()),
        I32Eqz => b(u32a(0) == 0),
        I32Eq => i32_eq(args[0], args[1]),
        I32Ne => i32_ne(args[0], args[1]),
        I32LtS => i32_lt_s(args[0], args[1]),
        I32LtU => i32_lt_u(args[0], args[1]),
        I32LeS => i32_le_s(args[0], args[1]),
        I32LeU => b(u32a(0) <= u32a(1)),
        I32GtS => b(i32a(0) > i32a(1)),
        I32GtU => b(u32a(0) > u32a(1)),
        I32GeS => b(i32a(0) >= i32a(1)),
        I32GeU => b(u32a(0) >= u32a(1)),

        I64Add => i64_add(args[0], args[1]),
        I64Sub => i64_sub(args[0], args[1]),
        I64Mul => i64_mul(args[0], args[1]),
        I64DivS | I64RemS => {
            if i64a(1) == 0 {
                return Err(TrapKind::DivideByZero);
            }
            if op == I64DivS {
                if i64a(0) == i64::MIN && i64a(1) == -1 {
                    return Err(TrapKind::IntegerOverflow);
                }
                (i64a(0) / i64a(1)) as u64
            } else {
                i64a(0).wrapping_rem(i64a(1)) as u64
            }
        }
        I64DivU | I64RemU => {
            if u64a(1) == 0 {
                return Err(TrapKind::DivideByZero);
            }
            if op == I64DivU {
                u64a(0) / u64a(1)
            } else {
                u64a(0) % u64a(1)
            }
        }
        I64And => u64a(0) & u64a(1),
        I64Or => u64a(0) | u64a(1),
        I64Xor => u64a(0) ^ u64a(1),
        I64Shl => u64a(0).wrapping_shl(u64a(1) as u32),
        I64ShrS => i64a(0).wrapping_shr(u64a(1) as u32) as u64,
        I64ShrU => u64a(0).wrapping_shr(u64a(1) as u32),
        I64Rotl => u64a(0).rotate_left((u64a(1) % 64) as u32),
        I64Rotr => u64a(0).rotate_right((u64a(1) % 64) as u32),
        I64Not => !u64a(0),
        I64Clz => u64::from(u64a(0).leading_zeros()),
        I64Ctz => u64::from(u64a(0).trailing_zeros()),
        I64Popcnt => u64::from(u64a(0).count_ones()),
        I64Eqz => b(u64a(0) == 0),
        I64Eq => b(u64a(0) == u64a(1)),
        I64Ne => b(u64a(0) != u64a(1)),
        I64LtS => i64_lt_s(args[0], args[1]),
        I64LtU => b(u64a(0) < u64a(1)),
        I64LeS => i64_le_s(args[0], args[1]),
        I64LeU => b(u64a(0) <= u64a(1)),
        I64GtS => b(i64a(0) > i64a(1)),
        I64GtU => b(u64a(0) > u64a(1)),
        I64GeS => b(i64a(0) >= i64a(1)),
        I64GeU => b(u64a(0) >= u64a(1)),

        F32Add => f32_out(f32a(0) + f32a(1)),
        F32Sub => f32_out(f32a(0) - f32a(1)),
        F32Mul => f32_out(f32a(0) * f32a(1)),
        F32Div => f32_out(f32a(0) / f32a(1)),
        F32Min => f32_out(fmin32(f32a(0), f32a(1))),
        F32Max => f32_out(fmax32(f32a(0), f32a(1))),
        F32Copysign => u64::from((u32a(0) & 0x7fff_ffff) | (u32a(1) & 0x8000_0000)),
        F32Abs => u64::from(u32a(0) & 0x7fff_ffff),
        F32Neg => u64::from(u32a(0) ^ 0x8000_0000),
        F32Sqrt => f32_out(f32a(0).sqrt()),
        F32Floor => f32_out(f32a(0).floor()),
        F32Ceil => f32_out(f32a(0).ceil()),
        F32Trunc => f32_out(f32a(0).trunc()),
        F32Nearest => f32_out(f32a(0).round_ties_even()),
        F32Eq => b(f32a(0) == f32a(1)),
        F32Ne => b(f32a(0) != f32a(1)),
        F32Lt => b(f32a(0) < f32a(1)),
        F32Le => b(f32a(0) <= f32a(1)),
        F32Gt => b(f32a(0) > f32a(1)),
        F32Ge => b(f32a(0) >= f32a(1)),
        F64Add => f64_add(args[0], args[1]),
        F64Sub => f64_sub(args[0], args[1]),
        F64Mul => f64_mul(args[0], args[1]),
        F64Div => f64_out(f64a(0) / f64a(1)),
        F64Min => f64_out(fmin64(f64a(0), f64a(1))),
        F64Max => f64_out(fmax64(f64a(0), f64a(1))),
        F64Copysign => (u64a(0) & !(1 << 63)) | (u64a(1) & (1 << 63)),
        F64Abs => u64a(0) & !(1 << 63),
        F64Neg => u64a(0) ^ (1 << 63),
        F64Sqrt => f64_out(f64a(0).sqrt()),
        F64Floor => f64_out(f64a(0).floor()),
        F64Ceil => f64_out(f64a(0).ceil()),
        F64Trunc => f64_out(f64a(0).trunc()),
        F64Nearest => f64_out(f64a(0).round_ties_even()),
        F64Eq => b(f64a(0) == f64a(1)),
        F64Ne => b(f64a(0) != f64a(1)),
        F64Lt => b(f64a(0) < f64a(1)),
        F64Le => b(f64a(0) <= f64a(1)),
        F64Gt => b(f64a(0) > f64a(1)),
        F64Ge => b(f64a(0) >= f64a(1)),

        I32WrapI64 => w32(u64a(0) as u32),
        I64ExtendI32S => i32a(0) as i64 as u64,
        I64ExtendI32U => u64::from(u32a(0)),
        I32Extend8S => s32(i32::from(u32a(0) as u8 as i8)),
        I32Extend16S => s32(i32::from(u32a(0) as u16 as i16)),
        I64Extend8S => i64::from(u64a(0) as u8 as i8) as u64,
        I64Extend16S => i64::from(u64a(0) as u16 as i16) as u64,
        I64Extend32S => i64::from(u64a(0) as u32 as i32) as u64,
        I32TruncF32S => s32(checked(op, f64::from(f32a(0)))? as i32),
        I32TruncF32U => w32(checked(op, f64::from(f32a(0)))? as u32),
        I32TruncF64S => s32(checked(op, f64a(0))? as i32),
        I32TruncF64U => w32(checked(op, f64a(0))? as u32),
        I64TruncF32S => checked(op, f64::from(f32a(0)))? as i64 as u64,
        I64TruncF32U => checked(op, f64::from(f32a(0)))? as u64,
        I64TruncF64S => checked(op, f64a(0))? as i64 as u64,
        I64TruncF64U => checked(op, f64a(0))? as u64,
        // Rust's `as` saturates and sends NaN to 0: exactly the VM's rule.
        I32TruncSatF32S => s32(f32a(0) as i32),
        I32TruncSatF32U => w32(f32a(0) as u32),
        I32TruncSatF64S => s32(f64a(0) as i32),
        I32TruncSatF64U => w32(f64a(0) as u32),
        I64TruncSatF32S => f32a(0) as i64 as u64,
        I64TruncSatF32U => f32a(0) as u64,
        I64TruncSatF64S => f64a(0) as i64 as u64,
        I64TruncSatF64U => f64a(0) as u64,
        F32ConvertI32S => f32_out(i32a(0) as f32),
        F32ConvertI32U => f32_out(u32a(0) as f32),
        F32ConvertI64S => f32_out(i64a(0) as f32),
        F32ConvertI64U => f32_out(u64a(0) as f32),
        F64ConvertI32S => f64_out(f64::from(i32a(0))),
        F64ConvertI32U => f64_out(f64::from(u32a(0))),
        F64ConvertI64S => f64_out(i64a(0) as f64),
        F64ConvertI64U => f64_out(u64a(0) as f64),
        F32DemoteF64 => f32_out(f64a(0) as f32),
        F64PromoteF32 => f64_out(f64::from(f32a(0))),
        I32ReinterpretF32 => u64::from(u32a(0)),
        I64ReinterpretF64 => u64a(0),
        F32ReinterpretI32 => u64::from(u32a(0)),
        F64ReinterpretI64 => u64a(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use PureOp::*;

    fn f64b(x: f64) -> u64 {
        x.to_bits()
    }

    #[test]
    fn integer_edge_cases() {
        assert_eq!(
            eval(I32DivS, &[u64::from(i32::MIN as u32), u64::from(u32::MAX)]),
            Err(TrapKind::IntegerOverflow)
        );
        assert_eq!(
            eval(I32RemS, &[u64::from(i32::MIN as u32), u64::from(u32::MAX)]),
            Ok(0)
        );
        assert_eq!(eval(I64DivU, &[5, 0]), Err(TrapKind::DivideByZero));
        assert_eq!(
            eval(I32DivS, &[u64::from(-7i32 as u32), 2]),
            Ok(u64::from(-3i32 as u32))
        );
        assert_eq!(
            eval(I32RemS, &[u64::from(-7i32 as u32), 2]),
            Ok(u64::from(-1i32 as u32))
        );
        assert_eq!(eval(I32Shl, &[1, 33]), Ok(2));
        assert_eq!(eval(I64ShrS, &[u64::MAX, 200]), Ok(u64::MAX));
        assert_eq!(eval(I32Rotl, &[0x8000_0001, 1]), Ok(3));
        assert_eq!(eval(I32Clz, &[0]), Ok(32));
        assert_eq!(eval(I64Ctz, &[0]), Ok(64));
        assert_eq!(eval(I32Extend8S, &[0x80]), Ok(0xffff_ff80));
        assert_eq!(eval(I32Add, &[u64::from(u32::MAX), 1]), Ok(0));
    }

    #[test]
    fn float_edge_cases() {
        assert_eq!(
            eval(F64Add, &[f64b(f64::NAN), f64b(1.0)]),
            Ok(CANONICAL_NAN_F64)
        );
        assert_eq!(eval(F64Div, &[f64b(0.0), f64b(0.0)]), Ok(CANONICAL_NAN_F64));
        assert_eq!(eval(F64Min, &[f64b(0.0), f64b(-0.0)]), Ok(f64b(-0.0)));
        assert_eq!(eval(F64Max, &[f64b(-0.0), f64b(0.0)]), Ok(f64b(0.0)));
        assert_eq!(eval(F64Nearest, &[f64b(2.5)]), Ok(f64b(2.0)));
        assert_eq!(eval(F64Nearest, &[f64b(-3.5)]), Ok(f64b(-4.0)));
        assert_eq!(
            eval(F64Neg, &[CANONICAL_NAN_F64]),
            Ok(CANONICAL_NAN_F64 | 1 << 63)
        );
        assert_eq!(eval(F64Ne, &[f64b(f64::NAN), f64b(f64::NAN)]), Ok(1));
    }

    #[test]
    fn nan_bits_are_exact_except_after_arithmetic() {
        // A negative signalling NaN with a payload, as NaN-boxing keeps one.
        let boxed32: u64 = 0xff80_1234;
        let boxed64: u64 = 0xfff0_0000_dead_beef;
        assert_eq!(eval(F32Abs, &[boxed32]), Ok(0x7f80_1234));
        assert_eq!(eval(F32Neg, &[boxed32]), Ok(0x7f80_1234));
        assert_eq!(eval(F64Abs, &[boxed64]), Ok(0x7ff0_0000_dead_beef));
        assert_eq!(eval(F64Neg, &[boxed64]), Ok(0x7ff0_0000_dead_beef));
        assert_eq!(eval(F64Copysign, &[f64b(1.0), boxed64]), Ok(f64b(-1.0)));
        assert_eq!(
            eval(F64Copysign, &[boxed64, f64b(1.0)]),
            Ok(0x7ff0_0000_dead_beef)
        );
        assert_eq!(eval(F32Copysign, &[0x7f80_1234, boxed32]), Ok(boxed32));
        assert_eq!(eval(I32ReinterpretF32, &[boxed32]), Ok(boxed32));
        assert_eq!(eval(I64ReinterpretF64, &[boxed64]), Ok(boxed64));
        assert_eq!(eval(F64ReinterpretI64, &[boxed64]), Ok(boxed64));
        assert_eq!(eval(F64Select, &[1, boxed64, 0]), Ok(boxed64));
        // Arithmetic on it gives the canonical NaN.
        assert_eq!(eval(F64Add, &[boxed64, f64b(0.0)]), Ok(CANONICAL_NAN_F64));
        assert_eq!(eval(F64Mul, &[boxed64, f64b(1.0)]), Ok(CANONICAL_NAN_F64));
        assert_eq!(eval(F32Sqrt, &[boxed32]), Ok(u64::from(CANONICAL_NAN_F32)));
        assert_eq!(eval(F64PromoteF32, &[boxed32]), Ok(CANONICAL_NAN_F64));
        assert_eq!(
            eval(F32DemoteF64, &[boxed64]),
            Ok(u64::from(CANONICAL_NAN_F32))
        );
        assert_eq!(eval(F64Floor, &[boxed64]), Ok(CANONICAL_NAN_F64));
        assert_eq!(eval(F64Min, &[boxed64, f64b(0.0)]), Ok(CANONICAL_NAN_F64));
        assert_eq!(eval(F64Eq, &[f64b(f64::NAN), f64b(f64::NAN)]), Ok(0));
    }

    #[test]
    fn conversions_trap_or_saturate() {
        assert_eq!(
            eval(I32TruncF64S, &[f64b(f64::NAN)]),
            Err(TrapKind::InvalidConversion)
        );
        assert_eq!(
            eval(I32TruncF64S, &[f64b(2147483648.0)]),
            Err(TrapKind::IntegerOverflow)
        );
        assert_eq!(
            eval(I32TruncF64S, &[f64b(-2147483648.9)]),
            Ok(u64::from(i32::MIN as u32))
        );
        assert_eq!(
            eval(I32TruncF64S, &[f64b(-2147483649.0)]),
            Err(TrapKind::IntegerOverflow)
        );
        assert_eq!(eval(I32TruncF64U, &[f64b(-0.9)]), Ok(0));
        assert_eq!(
            eval(I64TruncF64S, &[f64b(-9223372036854775808.0)]),
            Ok(i64::MIN as u64)
        );
        assert_eq!(
            eval(I32TruncSatF64S, &[f64b(1e20)]),
            Ok(u64::from(i32::MAX as u32))
        );
        assert_eq!(eval(I32TruncSatF64U, &[f64b(f64::NAN)]), Ok(0));
        assert_eq!(
            eval(F32ConvertI64U, &[u64::MAX]),
            Ok(u64::from(18446744073709551616.0f32.to_bits()))
        );
    }

    /// `eval` traps exactly where the opcode table says: a zero divisor,
    /// `MIN / -1`, NaN and the bounds of a checked conversion; and an
    /// operation the table gives no condition never traps.
    #[test]
    fn traps_are_the_tables() {
        use crate::bytecode::TrapCondition;
        let samples: Vec<u64> = [
            0,
            1,
            u64::MAX,
            1 << 31,
            1 << 63,
            f64b(f64::NAN),
            f64b(1e300),
        ]
        .into_iter()
        .chain([u64::from(f32::NAN.to_bits()), u64::from(u32::MAX)])
        .collect();
        for &op in PureOp::ALL {
            let conditions = op.opcode().traps();
            let arity = op.opcode().operands().len() - 1;
            if conditions.is_empty() {
                for &a in &samples {
                    for &b in &samples {
                        for &c in &samples {
                            let args = [a, b, c];
                            assert!(eval(op, &args[..arity]).is_ok(), "{op} {args:x?}");
                        }
                    }
                }
            }
            let wide = matches!(
                op.opcode().operands()[1],
                crate::bytecode::OperandKind::Use(janus_runtime::abi::ValType::I64)
            );
            for condition in conditions {
                match condition {
                    TrapCondition::DivisorZero => {
                        assert_eq!(eval(op, &[7, 0]), Err(TrapKind::DivideByZero), "{op}");
                    }
                    TrapCondition::SignedOverflow => {
                        let (min, minus_one) = if wide {
                            (1 << 63, u64::MAX)
                        } else {
                            (1 << 31, u64::from(u32::MAX))
                        };
                        assert_eq!(
                            eval(op, &[min, minus_one]),
                            Err(TrapKind::IntegerOverflow),
                            "{op}"
                        );
                    }
                    TrapCondition::Conversion(range) => {
                        let bits = |x: f64| {
                            if range.source == janus_runtime::abi::ValType::F32 {
                                u64::from((x as f32).to_bits())
                            } else {
                                x.to_bits()
                            }
                        };
                        let nan = bits(f64::NAN);
                        assert_eq!(eval(op, &[nan]), Err(TrapKind::InvalidConversion), "{op}");
                        assert_eq!(
                            eval(op, &[bits(range.hi)]),
                            Err(TrapKind::IntegerOverflow),
                            "{op}"
                        );
                        let lo = eval(op, &[bits(range.lo)]);
                        assert_eq!(lo.is_ok(), range.lo_inclusive, "{op}");
                    }
                    other => panic!("{op}: {other:?} is not a pure operation's condition"),
                }
            }
        }
    }
}
