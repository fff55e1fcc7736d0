//! The interpreter's instruction, [`Op`]: one bytecode instruction (or a
//! fused pair or triple) with its operands unpacked, 24 bytes.
//!
//! Every pure operation has its own variant, so the dispatch loop's one
//! indirect jump lands on code for exactly that operation (computed by
//! `semantics::eval_inline` with the operation as a constant, so the loop
//! and every other engine share one definition). The variants come from
//! one table, [`for_each_shape!`], which the enum, the decoder, the fusions
//! and the dispatch loop all expand; the decoder's match over `PureOp` is
//! generated from it without a catch-all, so an operation missing from the
//! table fails to compile. Loads and stores get a variant per access shape
//! (width, extension, register width), not per opcode: the opcode table
//! describes them completely by their `Access`.
//!
//! Register operands are frame slots as [`Reg`] (a function names at most
//! 65,535 registers); jump targets are offsets from the jump ([`Delta`]), so a jump needs no code base; call, return and
//! device register lists and jump tables live beside the code in the
//! decoded function, so no variant holds a pointer.

/// A frame slot.
pub type Reg = u16;

/// A jump target: how many instructions after the jump (negative: before).
pub type Delta = i32;

/// The table of operations by shape; `$m` is called with it all (and
/// whatever follows `$m`, in parentheses first).
///
/// - `binary`: `dst := a op b`, and `XImm`, `const c, imm` fused with it
///   when `b` is `c`;
/// - `reversed`: a binary operation whose constant first operand gets a
///   fused form, `XImmL` (`imm - b`, `imm / b`, `imm << b`: a constant on
///   the left of an operation that does not commute);
/// - `compare`: a binary operation giving 0 or 1, its `XImm`, and `XBr`,
///   fused with the `br_if`/`br_ifz` on its result, and `XImmBr`, the
///   constant, the compare and the branch;
/// - `step_compare`: an `i32` compare-branch `XBr`, and `I32AddYBr` and
///   `I32AddImmYBr`, fused with the `i32.add` (and its constant) before it
///   (a loop's step and its test);
/// - `test`: `eqz`, and `XBr` with the branch on its result;
/// - `unary`: `dst := op a`;
/// - `select`: `dst := c != 0 ? a : b`;
/// - `pair`: two float operations in a row, run by one op (`F64MulAdd`:
///   an `f64.mul` and the `f64.add` after it, whatever registers they name),
///   the multiply-add chains of numeric code;
/// - `load`: a load by access shape: its bytes, and how the little-endian
///   value read becomes register bits (`zero`-extended, or `sign32`/`sign64`
///   sign-extended to 32 or 64 bits); then `XAt`, fused with the `i32.add`
///   that computes its address, and `XImmAt`, with the `i32.const` and
///   `i32.add` that do;
/// - `store`: a store by width (the register's low bytes); `XImm` fused
///   with the constant it stores, `XAt` and `XImmAt` as a load's, and
///   `XAtImm`, the `i32.add` of its address and the constant it stores.
macro_rules! for_each_shape {
    ($m:ident $($pass:tt)*) => {
        $m! {
            ($($pass)*)
            binary {
                I32Add I32AddImm; I32Sub I32SubImm; I32Mul I32MulImm;
                I32DivS I32DivSImm; I32DivU I32DivUImm; I32RemS I32RemSImm;
                I32RemU I32RemUImm; I32And I32AndImm; I32Or I32OrImm;
                I32Xor I32XorImm; I32Shl I32ShlImm; I32ShrS I32ShrSImm;
                I32ShrU I32ShrUImm; I32Rotl I32RotlImm; I32Rotr I32RotrImm;
                I64Add I64AddImm; I64Sub I64SubImm; I64Mul I64MulImm;
                I64DivS I64DivSImm; I64DivU I64DivUImm; I64RemS I64RemSImm;
                I64RemU I64RemUImm; I64And I64AndImm; I64Or I64OrImm;
                I64Xor I64XorImm; I64Shl I64ShlImm; I64ShrS I64ShrSImm;
                I64ShrU I64ShrUImm; I64Rotl I64RotlImm; I64Rotr I64RotrImm;
                F32Add F32AddImm; F32Sub F32SubImm; F32Mul F32MulImm;
                F32Div F32DivImm; F32Min F32MinImm; F32Max F32MaxImm;
                F32Copysign F32CopysignImm; F64Add F64AddImm; F64Sub F64SubImm;
                F64Mul F64MulImm; F64Div F64DivImm; F64Min F64MinImm;
                F64Max F64MaxImm; F64Copysign F64CopysignImm;
            }
            reversed {
                I32Sub I32SubImmL; I64Sub I64SubImmL; I32Shl I32ShlImmL; I64Shl I64ShlImmL;
                F32Sub F32SubImmL; F32Div F32DivImmL; F64Sub F64SubImmL; F64Div F64DivImmL;
            }
            compare {
                I32Eq I32EqImm I32EqBr I32EqImmBr; I32Ne I32NeImm I32NeBr I32NeImmBr;
                I32LtS I32LtSImm I32LtSBr I32LtSImmBr; I32LtU I32LtUImm I32LtUBr I32LtUImmBr;
                I32LeS I32LeSImm I32LeSBr I32LeSImmBr; I32LeU I32LeUImm I32LeUBr I32LeUImmBr;
                I32GtS I32GtSImm I32GtSBr I32GtSImmBr; I32GtU I32GtUImm I32GtUBr I32GtUImmBr;
                I32GeS I32GeSImm I32GeSBr I32GeSImmBr; I32GeU I32GeUImm I32GeUBr I32GeUImmBr;
                F32Eq F32EqImm F32EqBr F32EqImmBr; F32Ne F32NeImm F32NeBr F32NeImmBr;
                F32Lt F32LtImm F32LtBr F32LtImmBr; F32Le F32LeImm F32LeBr F32LeImmBr;
                F32Gt F32GtImm F32GtBr F32GtImmBr; F32Ge F32GeImm F32GeBr F32GeImmBr;
                I64Eq I64EqImm I64EqBr I64EqImmBr; I64Ne I64NeImm I64NeBr I64NeImmBr;
                I64LtS I64LtSImm I64LtSBr I64LtSImmBr; I64LtU I64LtUImm I64LtUBr I64LtUImmBr;
                I64LeS I64LeSImm I64LeSBr I64LeSImmBr; I64LeU I64LeUImm I64LeUBr I64LeUImmBr;
                I64GtS I64GtSImm I64GtSBr I64GtSImmBr; I64GtU I64GtUImm I64GtUBr I64GtUImmBr;
                I64GeS I64GeSImm I64GeSBr I64GeSImmBr; I64GeU I64GeUImm I64GeUBr I64GeUImmBr;
                F64Eq F64EqImm F64EqBr F64EqImmBr; F64Ne F64NeImm F64NeBr F64NeImmBr;
                F64Lt F64LtImm F64LtBr F64LtImmBr; F64Le F64LeImm F64LeBr F64LeImmBr;
                F64Gt F64GtImm F64GtBr F64GtImmBr; F64Ge F64GeImm F64GeBr F64GeImmBr;
            }
            step_compare {
                I32Eq I32EqBr I32AddEqBr I32AddImmEqBr; I32Ne I32NeBr I32AddNeBr I32AddImmNeBr;
                I32LtS I32LtSBr I32AddLtSBr I32AddImmLtSBr; I32LtU I32LtUBr I32AddLtUBr I32AddImmLtUBr;
                I32LeS I32LeSBr I32AddLeSBr I32AddImmLeSBr; I32LeU I32LeUBr I32AddLeUBr I32AddImmLeUBr;
                I32GtS I32GtSBr I32AddGtSBr I32AddImmGtSBr; I32GtU I32GtUBr I32AddGtUBr I32AddImmGtUBr;
                I32GeS I32GeSBr I32AddGeSBr I32AddImmGeSBr; I32GeU I32GeUBr I32AddGeUBr I32AddImmGeUBr;
            }
            test {
                I32Eqz I32EqzBr; I64Eqz I64EqzBr;
            }
            unary {
                I32Not; I32Clz; I32Ctz; I32Popcnt; I64Not; I64Clz;
                I64Ctz; I64Popcnt; F32Abs; F32Neg; F32Sqrt; F32Floor;
                F32Ceil; F32Trunc; F32Nearest; F64Abs; F64Neg; F64Sqrt;
                F64Floor; F64Ceil; F64Trunc; F64Nearest; I32WrapI64; I64ExtendI32S;
                I64ExtendI32U; I32Extend8S; I32Extend16S; I64Extend8S; I64Extend16S; I64Extend32S;
                I32TruncF32S; I32TruncF32U; I32TruncF64S; I32TruncF64U; I64TruncF32S; I64TruncF32U;
                I64TruncF64S; I64TruncF64U; I32TruncSatF32S; I32TruncSatF32U; I32TruncSatF64S; I32TruncSatF64U;
                I64TruncSatF32S; I64TruncSatF32U; I64TruncSatF64S; I64TruncSatF64U; F32ConvertI32S; F32ConvertI32U;
                F32ConvertI64S; F32ConvertI64U; F64ConvertI32S; F64ConvertI32U; F64ConvertI64S; F64ConvertI64U;
                F32DemoteF64; F64PromoteF32; I32ReinterpretF32; I64ReinterpretF64; F32ReinterpretI32; F64ReinterpretI64;
            }
            select {
                I32Select; I64Select; F32Select; F64Select;
            }
            pair {
                F64Add F64Add F64AddAdd; F64Add F64Sub F64AddSub; F64Add F64Mul F64AddMul;
                F64Sub F64Add F64SubAdd; F64Sub F64Sub F64SubSub; F64Sub F64Mul F64SubMul;
                F64Mul F64Add F64MulAdd; F64Mul F64Sub F64MulSub; F64Mul F64Mul F64MulMul;
            }
            load {
                Load8U 1 zero Load8UAt Load8UImmAt; Load16U 2 zero Load16UAt Load16UImmAt;
                Load32 4 zero Load32At Load32ImmAt; Load64 8 zero Load64At Load64ImmAt;
                Load8S32 1 sign32 Load8S32At Load8S32ImmAt; Load16S32 2 sign32 Load16S32At Load16S32ImmAt;
                Load8S64 1 sign64 Load8S64At Load8S64ImmAt; Load16S64 2 sign64 Load16S64At Load16S64ImmAt;
                Load32S64 4 sign64 Load32S64At Load32S64ImmAt;
            }
            store {
                Store8 1 Store8Imm Store8At Store8ImmAt Store8AtImm; Store16 2 Store16Imm Store16At Store16ImmAt Store16AtImm;
                Store32 4 Store32Imm Store32At Store32ImmAt Store32AtImm; Store64 8 Store64Imm Store64At Store64ImmAt Store64AtImm;
            }
        }
    };
}

macro_rules! define_op {
    (()
     binary { $($bin:ident $bin_imm:ident;)* }
     reversed { $($rev_of:ident $rev:ident;)* }
     compare { $($cmp:ident $cmp_imm:ident $cmp_br:ident $cmp_imm_br:ident;)* }
     step_compare { $($step_cmp:ident $step_cmp_br:ident $add_br:ident $add_imm_br:ident;)* }
     test { $($test:ident $test_br:ident;)* }
     unary { $($un:ident;)* }
     select { $($sel:ident;)* }
     pair { $($first:ident $second:ident $pair:ident;)* }
     load { $($load:ident $lbytes:literal $lext:ident $load_at:ident $load_imm_at:ident;)* }
     store { $($store:ident $sbytes:literal $store_imm:ident $store_at:ident $store_imm_at:ident $store_at_imm:ident;)* }
    ) => {
        /// One pre-decoded instruction; see the module documentation.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Op {
            $(
                #[doc = concat!("`", stringify!($bin), "`")]
                $bin { dst: Reg, a: Reg, b: Reg },
                #[doc = concat!("`const c, imm` and `", stringify!($bin), " dst, a, c`")]
                $bin_imm { c: Reg, dst: Reg, a: Reg, imm: u64 },
            )*
            $(
                #[doc = concat!("`const c, imm` and `", stringify!($rev_of), " dst, c, b`")]
                $rev { c: Reg, dst: Reg, b: Reg, imm: u64 },
            )*
            $(
                #[doc = concat!("`", stringify!($cmp), "`")]
                $cmp { dst: Reg, a: Reg, b: Reg },
                #[doc = concat!("`const c, imm` and `", stringify!($cmp), " dst, a, c`")]
                $cmp_imm { c: Reg, dst: Reg, a: Reg, imm: u64 },
                #[doc = concat!("`", stringify!($cmp), "` and a branch on its result")]
                $cmp_br { dst: Reg, a: Reg, b: Reg, target: Delta, branch_if: bool },
                #[doc = concat!("`const`, `", stringify!($cmp), "` and a branch")]
                $cmp_imm_br { c: Reg, dst: Reg, a: Reg, imm: u64, target: Delta, branch_if: bool },
            )*
            $(
                #[doc = concat!("`i32.add t, a, b` and `", stringify!($step_cmp_br), "`")]
                $add_br { t: Reg, a: Reg, b: Reg, dst: Reg, x: Reg, y: Reg, target: Delta, branch_if: bool },
                #[doc = concat!("`i32.const c, imm`, `i32.add t, a, c` and `", stringify!($step_cmp_br), "`")]
                $add_imm_br { c: Reg, t: Reg, a: Reg, imm: u32, dst: Reg, x: Reg, y: Reg, target: Delta, branch_if: bool },
            )*
            $(
                #[doc = concat!("`", stringify!($test), "`")]
                $test { dst: Reg, a: Reg },
                #[doc = concat!("`", stringify!($test), "` and a branch on its result")]
                $test_br { dst: Reg, a: Reg, target: Delta, branch_if: bool },
            )*
            $(
                #[doc = concat!("`", stringify!($un), "`")]
                $un { dst: Reg, a: Reg },
            )*
            $(
                #[doc = concat!("`", stringify!($sel), "`")]
                $sel { dst: Reg, cond: Reg, a: Reg, b: Reg },
            )*
            $(
                #[doc = concat!("`", stringify!($first), " d1, a1, b1` and `", stringify!($second), " d2, a2, b2`")]
                $pair { d1: Reg, a1: Reg, b1: Reg, d2: Reg, a2: Reg, b2: Reg },
            )*
            /// `I32AddImm` and a `br_if`/`br_ifz` on its result (a
            /// counted-down loop's step and test).
            I32AddImmBr { c: Reg, t: Reg, a: Reg, imm: u32, target: Delta, branch_if: bool },
            /// Two `I32AddImm` in a row (a loop's two pointer or counter
            /// steps).
            I32AddImm2 { c1: Reg, t1: Reg, a1: Reg, imm1: u32, c2: Reg, t2: Reg, a2: Reg, imm2: u32 },
            $(
                #[doc = concat!("A ", stringify!($lbytes), "-byte load, ", stringify!($lext))]
                $load { dst: Reg, addr: Reg, offset: u32 },
                #[doc = concat!("`i32.add t, a, b` and `", stringify!($load), " dst, t, offset`")]
                $load_at { t: Reg, a: Reg, b: Reg, dst: Reg, offset: u32 },
                #[doc = concat!("`i32.const c, imm`, `i32.add t, a, c` and `", stringify!($load), " dst, t, offset`")]
                $load_imm_at { c: Reg, t: Reg, a: Reg, imm: u32, dst: Reg, offset: u32 },
            )*
            $(
                #[doc = concat!("A ", stringify!($sbytes), "-byte store")]
                $store { src: Reg, addr: Reg, offset: u32 },
                #[doc = concat!("`const c, imm` and `", stringify!($store), " c, addr, offset`")]
                $store_imm { c: Reg, addr: Reg, offset: u32, imm: u64 },
                #[doc = concat!("`i32.add t, a, b` and `", stringify!($store), " src, t, offset`")]
                $store_at { t: Reg, a: Reg, b: Reg, src: Reg, offset: u32 },
                #[doc = concat!("`i32.const c, imm`, `i32.add t, a, c` and `", stringify!($store), " src, t, offset`")]
                $store_imm_at { c: Reg, t: Reg, a: Reg, imm: u32, src: Reg, offset: u32 },
                #[doc = concat!("`i32.add t, a, b`, `const c, imm` and `", stringify!($store), " c, t, offset`")]
                $store_at_imm { t: Reg, a: Reg, b: Reg, c: Reg, offset: u32, imm: u64 },
            )*
            /// `nop`.
            Nop,
            /// Any `const`, as bits.
            Const { dst: Reg, bits: u64 },
            /// Any `mov`.
            Mov { dst: Reg, src: Reg },
            /// Any `global.get`.
            GlobalGet { dst: Reg, global: u32 },
            /// Any `global.set`.
            GlobalSet { global: u32, src: Reg },
            /// `jmp`.
            Jump { target: Delta },
            /// `br_if`.
            BrIf { cond: Reg, target: Delta },
            /// `br_ifz`.
            BrIfz { cond: Reg, target: Delta },
            /// `br_table`: `Function::tables[table]`.
            BrTable { index: Reg, table: u32 },
            /// `call`: `Function::lists[list..]` holds the `nresults` result
            /// registers, then the `nargs` arguments.
            Call { callee: u32, list: u32, nresults: u8, nargs: u8 },
            /// `call_indirect`, its lists as [`Op::Call`]'s.
            CallIndirect { sig: u32, index: Reg, list: u32, nresults: u8, nargs: u8 },
            /// `ret`: `Function::lists[list..list + n]`.
            Ret { list: u32, n: u8 },
            /// `exit`.
            Exit { status: Reg },
            /// `trap`.
            Trap { code: u32 },
            /// `unreachable`.
            Unreachable,
            /// `dev`: `Function::lists[list..list + nargs]` are the arguments.
            Dev { code: u16, dst: Option<Reg>, list: u32, nargs: u8 },
            /// A memory or heap operation of the runtime.
            Runtime { op: janus_bytecode::bytecode::RuntimeOp, dst: Option<Reg>, args: [Reg; 3] },
            /// `memory.init`.
            MemoryInit { segment: u32, dst: Reg, src: Reg, len: Reg },
            /// `data.drop`.
            DataDrop { segment: u32 },
        }
    };
}

for_each_shape!(define_op);

#[cfg(test)]
mod tests {
    /// The dispatch loop's working set: the widest fused forms (a constant,
    /// a compare and a branch; a constant, an add and a load) take 24 bytes.
    #[test]
    fn an_operation_is_24_bytes() {
        assert_eq!(std::mem::size_of::<super::Op>(), 24);
    }
}
