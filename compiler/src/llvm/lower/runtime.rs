//! Runtime-call marshalling: memory and heap operations become calls of
//! the `janus_` functions in `abi::RUNTIME_FUNCTIONS` (a returned trap code
//! checked, the memory size reloaded where memory may have grown), and a
//! device operation passes its arguments and result as 64-bit slots.

use super::*;

impl<'ctx> FnLowering<'_, 'ctx> {
    pub(super) fn runtime(
        &mut self,
        op: RuntimeOp,
        args: &[Value],
        pc: u32,
    ) -> R<Option<BasicValueEnum<'ctx>>> {
        let a: Vec<BasicMetadataValueEnum> = args
            .iter()
            .map(|&v| self.int(v).map(Into::into))
            .collect::<R<_>>()?;
        Ok(match op {
            RuntimeOp::MemorySize => {
                let size = self.current_size()?;
                let pages = self
                    .b
                    .build_int_unsigned_div(size, self.i64c(PAGE_SIZE), "")
                    .map_err(e)?;
                Some(
                    self.b
                        .build_int_truncate(pages, self.c.i32_type(), "pages")
                        .map_err(e)?
                        .into(),
                )
            }
            RuntimeOp::MemoryGrow => {
                let r = self.call_rt(Rt::MemoryGrow, &a)?;
                self.reload_size()?;
                r
            }
            RuntimeOp::MemoryCopy | RuntimeOp::MemoryFill => {
                let rt = if op == RuntimeOp::MemoryCopy {
                    Rt::MemoryCopy
                } else {
                    Rt::MemoryFill
                };
                let code = self
                    .call_rt(rt, &a)?
                    .ok_or("runtime returns a code")?
                    .into_int_value();
                self.trap_on_code(code, pc)?;
                None
            }
            RuntimeOp::HeapAlloc => {
                let r = self.call_rt(Rt::HeapAlloc, &a)?;
                self.reload_size()?;
                r
            }
            RuntimeOp::HeapFree => {
                let code = self
                    .call_rt(Rt::HeapFree, &a)?
                    .ok_or("runtime returns a code")?
                    .into_int_value();
                self.trap_on_code(code, pc)?;
                None
            }
            RuntimeOp::HeapRealloc => {
                let out = self.alloca(self.c.i32_type().into(), "realloc.out")?;
                let mut with_out = a.clone();
                with_out.push(out.into());
                let code = self
                    .call_rt(Rt::HeapRealloc, &with_out)?
                    .ok_or("runtime returns a code")?
                    .into_int_value();
                self.trap_on_code(code, pc)?;
                self.reload_size()?;
                Some(
                    self.b
                        .build_load(self.c.i32_type(), out, "realloc")
                        .map_err(e)?,
                )
            }
        })
    }

    /// `memory.init`: `janus_memory_init(segment, dst, src, len)`, its trap
    /// code checked.
    pub(super) fn memory_init(
        &mut self,
        segment: u32,
        args: &[Value; 3],
        pc: u32,
    ) -> R<Option<BasicValueEnum<'ctx>>> {
        let mut a: Vec<BasicMetadataValueEnum> = vec![self.i32c(segment.into()).into()];
        for &v in args {
            a.push(self.int(v)?.into());
        }
        let code = self
            .call_rt(Rt::MemoryInit, &a)?
            .ok_or("runtime returns a code")?
            .into_int_value();
        self.trap_on_code(code, pc)?;
        Ok(None)
    }

    pub(super) fn device(
        &mut self,
        f: &Function,
        op: u16,
        args: &[Value],
        pc: u32,
    ) -> R<Option<BasicValueEnum<'ctx>>> {
        let i64t = self.c.i64_type();
        let slots = self.alloca(i64t.array_type(args.len().max(1) as u32).into(), "dev.args")?;
        for (i, &a) in args.iter().enumerate() {
            let v = self.val(a)?;
            let as_i64 = match f.dfg.value_type(a) {
                ValType::I32 => self
                    .b
                    .build_int_z_extend(v.into_int_value(), i64t, "")
                    .map_err(e)?,
                ValType::I64 => v.into_int_value(),
                ValType::F32 => {
                    let bits = self
                        .b
                        .build_bit_cast(v, self.c.i32_type(), "")
                        .map_err(e)?
                        .into_int_value();
                    self.b.build_int_z_extend(bits, i64t, "").map_err(e)?
                }
                ValType::F64 => self
                    .b
                    .build_bit_cast(v, i64t, "")
                    .map_err(e)?
                    .into_int_value(),
            };
            // SAFETY (LLVM): i < args.len() = the array's length.
            let slot = unsafe {
                self.b
                    .build_gep(i64t, slots, &[self.i64c(i as u64)], "")
                    .map_err(e)?
            };
            self.b.build_store(slot, as_i64).map_err(e)?;
        }
        let out = self.alloca(i64t.into(), "dev.out")?;
        let code = self
            .call_rt(
                if abi::is_wasi_file_op(op) {
                    Rt::WasiFiles
                } else {
                    Rt::Device
                },
                &[self.i32c(op.into()).into(), slots.into(), out.into()],
            )?
            .ok_or("runtime returns a code")?
            .into_int_value();
        self.trap_on_code(code, pc)?;
        let raw = self
            .b
            .build_load(i64t, out, "dev")
            .map_err(e)?
            .into_int_value();
        let result = abi::device_op_by_code(op)
            .ok_or("verified device operation")?
            .result;
        Ok(Some(match result {
            ValType::I32 => self
                .b
                .build_int_truncate(raw, self.c.i32_type(), "")
                .map_err(e)?
                .into(),
            ValType::I64 => raw.into(),
            ValType::F32 => {
                let bits = self
                    .b
                    .build_int_truncate(raw, self.c.i32_type(), "")
                    .map_err(e)?;
                self.b
                    .build_bit_cast(bits, self.c.f32_type(), "")
                    .map_err(e)?
            }
            ValType::F64 => self
                .b
                .build_bit_cast(raw, self.c.f64_type(), "")
                .map_err(e)?,
        }))
    }
}
