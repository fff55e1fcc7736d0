//! Instruction selection for `pure` operations: each `PureOp` becomes the
//! LLVM instruction or intrinsic with the VM's semantics (shift counts
//! masked, `MIN rem -1` defined, NaN bits exact where `nan` says so). The
//! traps of division and checked conversion are separate IR instructions
//! before these, so nothing here checks.

use super::*;

impl<'ctx> FnLowering<'_, 'ctx> {
    /// Lowers `result = op args`.
    pub(super) fn pure(
        &mut self,
        op: PureOp,
        args: &[Value],
        result: Option<Value>,
    ) -> R<BasicValueEnum<'ctx>> {
        use PureOp::*;
        let b = &self.b;
        let i = |n: usize| self.int(args[n]);
        let fl = |n: usize| self.float(args[n]);
        // An operand whose bits show in the result (`abs`, `neg`,
        // `copysign`, `reinterpret`): canonical if it came from arithmetic.
        let exact =
            |n: usize| -> R<FloatValue<'ctx>> { Ok(self.exact(args[n])?.into_float_value()) };
        let icmp = |p: IntPredicate| -> R<BasicValueEnum<'ctx>> {
            let c = b.build_int_compare(p, i(0)?, i(1)?, "").map_err(e)?;
            self.bool_to_i32(c)
        };
        let fcmp = |p: FloatPredicate| -> R<BasicValueEnum<'ctx>> {
            let c = b.build_float_compare(p, fl(0)?, fl(1)?, "").map_err(e)?;
            self.bool_to_i32(c)
        };
        let width = |v: IntValue<'ctx>| u64::from(v.get_type().get_bit_width());
        let masked = |v: IntValue<'ctx>, count: IntValue<'ctx>| -> R<IntValue<'ctx>> {
            let mask = count.get_type().const_int(width(v) - 1, false);
            b.build_and(count, mask, "count").map_err(e)
        };
        let float_unary = |name: &str| -> R<BasicValueEnum<'ctx>> {
            let x = fl(0)?;
            self.call_intrinsic(name, &[x.get_type().into()], &[x.into()])
        };
        let sign_extend = |bits: u32| -> R<BasicValueEnum<'ctx>> {
            let x = i(0)?;
            let narrow = b
                .build_int_truncate(x, narrow_int(self.c, bits), "")
                .map_err(e)?;
            Ok(b.build_int_s_extend(narrow, x.get_type(), "")
                .map_err(e)?
                .into())
        };
        let r: BasicValueEnum = match op {
            I32Select | I64Select | F32Select | F64Select => {
                let c = b
                    .build_int_compare(IntPredicate::NE, i(0)?, self.i32c(0), "")
                    .map_err(e)?;
                let into = result.ok_or("a select has a result")?;
                let input = |n: usize| {
                    self.merge_input(args[n], self.nan.canonical_into_select(args[n], into))
                };
                b.build_select(c, input(1)?, input(2)?, "").map_err(e)?
            }
            I32Add | I64Add => b.build_int_add(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32Sub | I64Sub => b.build_int_sub(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32Mul | I64Mul => b.build_int_mul(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32DivS | I64DivS => b.build_int_signed_div(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32DivU | I64DivU => b
                .build_int_unsigned_div(i(0)?, i(1)?, "")
                .map_err(e)?
                .into(),
            I32RemU | I64RemU => b
                .build_int_unsigned_rem(i(0)?, i(1)?, "")
                .map_err(e)?
                .into(),
            I32RemS | I64RemS => {
                // MIN rem -1 is 0 in the VM and undefined for LLVM's srem.
                let (x, y) = (i(0)?, i(1)?);
                let minus_one = y.get_type().const_all_ones();
                let is_m1 = b
                    .build_int_compare(IntPredicate::EQ, y, minus_one, "")
                    .map_err(e)?;
                let safe = b
                    .build_select(is_m1, y.get_type().const_int(1, false), y, "")
                    .map_err(e)?
                    .into_int_value();
                let r = b.build_int_signed_rem(x, safe, "").map_err(e)?;
                b.build_select(is_m1, y.get_type().const_zero(), r, "")
                    .map_err(e)?
            }
            I32And | I64And => b.build_and(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32Or | I64Or => b.build_or(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32Xor | I64Xor => b.build_xor(i(0)?, i(1)?, "").map_err(e)?.into(),
            I32Shl | I64Shl => b
                .build_left_shift(i(0)?, masked(i(0)?, i(1)?)?, "")
                .map_err(e)?
                .into(),
            I32ShrS | I64ShrS => b
                .build_right_shift(i(0)?, masked(i(0)?, i(1)?)?, true, "")
                .map_err(e)?
                .into(),
            I32ShrU | I64ShrU => b
                .build_right_shift(i(0)?, masked(i(0)?, i(1)?)?, false, "")
                .map_err(e)?
                .into(),
            I32Rotl | I64Rotl | I32Rotr | I64Rotr => {
                let name = if matches!(op, I32Rotl | I64Rotl) {
                    "llvm.fshl"
                } else {
                    "llvm.fshr"
                };
                let x = i(0)?;
                self.call_intrinsic(
                    name,
                    &[x.get_type().into()],
                    &[x.into(), x.into(), i(1)?.into()],
                )?
            }
            I32Not | I64Not => b.build_not(i(0)?, "").map_err(e)?.into(),
            I32Clz | I64Clz | I32Ctz | I64Ctz => {
                let name = if matches!(op, I32Clz | I64Clz) {
                    "llvm.ctlz"
                } else {
                    "llvm.cttz"
                };
                let x = i(0)?;
                let defined_at_zero = self.c.bool_type().const_zero();
                self.call_intrinsic(
                    name,
                    &[x.get_type().into()],
                    &[x.into(), defined_at_zero.into()],
                )?
            }
            I32Popcnt | I64Popcnt => {
                let x = i(0)?;
                self.call_intrinsic("llvm.ctpop", &[x.get_type().into()], &[x.into()])?
            }
            I32Eqz | I64Eqz => {
                let x = i(0)?;
                let c = b
                    .build_int_compare(IntPredicate::EQ, x, x.get_type().const_zero(), "")
                    .map_err(e)?;
                self.bool_to_i32(c)?
            }
            I32Eq | I64Eq => icmp(IntPredicate::EQ)?,
            I32Ne | I64Ne => icmp(IntPredicate::NE)?,
            I32LtS | I64LtS => icmp(IntPredicate::SLT)?,
            I32LtU | I64LtU => icmp(IntPredicate::ULT)?,
            I32LeS | I64LeS => icmp(IntPredicate::SLE)?,
            I32LeU | I64LeU => icmp(IntPredicate::ULE)?,
            I32GtS | I64GtS => icmp(IntPredicate::SGT)?,
            I32GtU | I64GtU => icmp(IntPredicate::UGT)?,
            I32GeS | I64GeS => icmp(IntPredicate::SGE)?,
            I32GeU | I64GeU => icmp(IntPredicate::UGE)?,

            F32Add | F64Add => b.build_float_add(fl(0)?, fl(1)?, "").map_err(e)?.into(),
            F32Sub | F64Sub => b.build_float_sub(fl(0)?, fl(1)?, "").map_err(e)?.into(),
            F32Mul | F64Mul => b.build_float_mul(fl(0)?, fl(1)?, "").map_err(e)?.into(),
            F32Div | F64Div => b.build_float_div(fl(0)?, fl(1)?, "").map_err(e)?.into(),
            F32Min | F64Min | F32Max | F64Max => {
                let name = if matches!(op, F32Min | F64Min) {
                    "llvm.minimum"
                } else {
                    "llvm.maximum"
                };
                let x = fl(0)?;
                self.call_intrinsic(name, &[x.get_type().into()], &[x.into(), fl(1)?.into()])?
            }
            F32Copysign | F64Copysign => {
                let x = exact(0)?;
                let sign = exact(1)?;
                self.call_intrinsic(
                    "llvm.copysign",
                    &[x.get_type().into()],
                    &[x.into(), sign.into()],
                )?
            }
            F32Abs | F64Abs => {
                let x = exact(0)?;
                self.call_intrinsic("llvm.fabs", &[x.get_type().into()], &[x.into()])?
            }
            F32Neg | F64Neg => b.build_float_neg(exact(0)?, "").map_err(e)?.into(),
            F32Sqrt | F64Sqrt => float_unary("llvm.sqrt")?,
            F32Floor | F64Floor => float_unary("llvm.floor")?,
            F32Ceil | F64Ceil => float_unary("llvm.ceil")?,
            F32Trunc | F64Trunc => float_unary("llvm.trunc")?,
            F32Nearest | F64Nearest => float_unary("llvm.roundeven")?,
            F32Eq | F64Eq => fcmp(FloatPredicate::OEQ)?,
            F32Ne | F64Ne => fcmp(FloatPredicate::UNE)?,
            F32Lt | F64Lt => fcmp(FloatPredicate::OLT)?,
            F32Le | F64Le => fcmp(FloatPredicate::OLE)?,
            F32Gt | F64Gt => fcmp(FloatPredicate::OGT)?,
            F32Ge | F64Ge => fcmp(FloatPredicate::OGE)?,

            I32WrapI64 => b
                .build_int_truncate(i(0)?, self.c.i32_type(), "")
                .map_err(e)?
                .into(),
            I64ExtendI32S => b
                .build_int_s_extend(i(0)?, self.c.i64_type(), "")
                .map_err(e)?
                .into(),
            I64ExtendI32U => b
                .build_int_z_extend(i(0)?, self.c.i64_type(), "")
                .map_err(e)?
                .into(),
            I32Extend8S | I64Extend8S => sign_extend(8)?,
            I32Extend16S | I64Extend16S => sign_extend(16)?,
            I64Extend32S => sign_extend(32)?,
            I32TruncF32S | I32TruncF64S | I64TruncF32S | I64TruncF64S => {
                let to = llvm_type(self.c, def_type(op).ok_or("result")?).into_int_type();
                b.build_float_to_signed_int(fl(0)?, to, "")
                    .map_err(e)?
                    .into()
            }
            I32TruncF32U | I32TruncF64U | I64TruncF32U | I64TruncF64U => {
                let to = llvm_type(self.c, def_type(op).ok_or("result")?).into_int_type();
                b.build_float_to_unsigned_int(fl(0)?, to, "")
                    .map_err(e)?
                    .into()
            }
            I32TruncSatF32S | I32TruncSatF64S | I64TruncSatF32S | I64TruncSatF64S
            | I32TruncSatF32U | I32TruncSatF64U | I64TruncSatF32U | I64TruncSatF64U => {
                let signed = matches!(
                    op,
                    I32TruncSatF32S | I32TruncSatF64S | I64TruncSatF32S | I64TruncSatF64S
                );
                let to = llvm_type(self.c, def_type(op).ok_or("result")?);
                let x = fl(0)?;
                let name = if signed {
                    "llvm.fptosi.sat"
                } else {
                    "llvm.fptoui.sat"
                };
                self.call_intrinsic(name, &[to, x.get_type().into()], &[x.into()])?
            }
            F32ConvertI32S | F32ConvertI64S | F64ConvertI32S | F64ConvertI64S => {
                let to = llvm_type(self.c, def_type(op).ok_or("result")?).into_float_type();
                b.build_signed_int_to_float(i(0)?, to, "")
                    .map_err(e)?
                    .into()
            }
            F32ConvertI32U | F32ConvertI64U | F64ConvertI32U | F64ConvertI64U => {
                let to = llvm_type(self.c, def_type(op).ok_or("result")?).into_float_type();
                b.build_unsigned_int_to_float(i(0)?, to, "")
                    .map_err(e)?
                    .into()
            }
            F32DemoteF64 => b
                .build_float_trunc(fl(0)?, self.c.f32_type(), "")
                .map_err(e)?
                .into(),
            F64PromoteF32 => b
                .build_float_ext(fl(0)?, self.c.f64_type(), "")
                .map_err(e)?
                .into(),
            I32ReinterpretF32 | I64ReinterpretF64 => {
                let to = llvm_type(self.c, def_type(op).ok_or("result")?);
                let v = exact(0)?;
                b.build_bit_cast(v, to, "").map_err(e)?
            }
            F32ReinterpretI32 | F64ReinterpretI64 => {
                let to = llvm_type(self.c, def_type(op).ok_or("result")?);
                b.build_bit_cast(self.val(args[0])?, to, "").map_err(e)?
            }
        };
        Ok(r)
    }
}
