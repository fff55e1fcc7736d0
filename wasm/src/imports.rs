//! What a module may import, and what each import becomes: WASI preview 1
//! functions map onto the `wasi` device's operations (one implementation,
//! shared by every engine), `proc_exit` onto `exit`, and any other preview-1
//! function returns `ENOSYS`. The spec tests' `spectest` module, accepted
//! only when [`Options::spectest`] is set, is defined as the specification's
//! reference interpreter defines it.

use crate::error::{Result, WasmError};
use crate::module::val_types;
use janus_runtime::abi::{self, ValType};
use wasmparser::FuncType;

/// The WASI preview 1 module name.
pub const WASI: &str = "wasi_snapshot_preview1";

/// The spec test suite's host module.
pub const SPECTEST: &str = "spectest";

/// WASI's "function not supported" errno.
pub const ENOSYS: i32 = 52;

/// How a module is translated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Accept imports from the spec tests' `spectest` module: its print
    /// functions discard their arguments, its globals hold 666 (666.6 for
    /// floats), its table has 10 null entries, its memory 1 page of at most 2.
    pub spectest: bool,
}

/// What a call to an imported function does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostFunc {
    /// `dev` with this operation code (a `wasi` device operation).
    Device(u16),
    /// `proc_exit`: ends the program with the argument as its status.
    Exit,
    /// A preview-1 function JanusVM does not implement: gives `ENOSYS`.
    Unimplemented,
    /// A `spectest` print function: does nothing.
    Discard,
}

fn describe(params: &[ValType], results: &[ValType]) -> String {
    let list = |types: &[ValType]| {
        types
            .iter()
            .map(ValType::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("({}) -> ({})", list(params), list(results))
}

fn type_error(
    module: &str,
    name: &str,
    expected: String,
    ty: &FuncType,
    offset: usize,
) -> Result<HostFunc> {
    let found = describe(
        &val_types(ty.params(), offset)?,
        &val_types(ty.results(), offset)?,
    );
    Err(WasmError::ImportType {
        module: module.into(),
        name: name.into(),
        expected,
        found,
        offset,
    })
}

/// What an imported function becomes.
pub(crate) fn function(
    module: &str,
    name: &str,
    ty: &FuncType,
    offset: usize,
    options: &Options,
) -> Result<HostFunc> {
    let params = val_types(ty.params(), offset);
    let results = val_types(ty.results(), offset);
    let (params, results) = match (params, results) {
        (Ok(p), Ok(r)) => (p, r),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    match module {
        WASI => {
            if name == "proc_exit" {
                let expected = describe(&[ValType::I32], &[]);
                if params != [ValType::I32] || !results.is_empty() {
                    return type_error(module, name, expected, ty, offset);
                }
                return Ok(HostFunc::Exit);
            }
            match abi::device_op_by_name(&format!("wasi.{name}")) {
                Some(op) => {
                    if params != op.params || results != [op.result] {
                        let expected = describe(op.params, &[op.result]);
                        return type_error(module, name, expected, ty, offset);
                    }
                    Ok(HostFunc::Device(op.code()))
                }
                // Every other preview-1 function returns an errno.
                None if results == [ValType::I32] => Ok(HostFunc::Unimplemented),
                None => Err(WasmError::UnsupportedImport {
                    module: module.into(),
                    name: name.into(),
                    why: "JanusVM does not implement it, and a preview-1 function returns one i32 errno, which this type does not".into(),
                    offset,
                }),
            }
        }
        SPECTEST if options.spectest => {
            let expected: &[ValType] = match name {
                "print" => &[],
                "print_i32" => &[ValType::I32],
                "print_i64" => &[ValType::I64],
                "print_f32" => &[ValType::F32],
                "print_f64" => &[ValType::F64],
                "print_i32_f32" => &[ValType::I32, ValType::F32],
                "print_f64_f64" => &[ValType::F64, ValType::F64],
                _ => return Err(unknown(module, name, offset)),
            };
            if params != expected || !results.is_empty() {
                return type_error(module, name, describe(expected, &[]), ty, offset);
            }
            Ok(HostFunc::Discard)
        }
        _ => Err(unknown(module, name, offset)),
    }
}

fn unknown(module: &str, name: &str, offset: usize) -> WasmError {
    WasmError::UnsupportedImport {
        module: module.into(),
        name: name.into(),
        why: format!("JanusVM provides only `{WASI}` functions"),
        offset,
    }
}

/// The start value (as bits) of an imported global.
pub(crate) fn global(
    module: &str,
    name: &str,
    ty: ValType,
    offset: usize,
    options: &Options,
) -> Result<u64> {
    let (expected, bits) = match (module, name) {
        (SPECTEST, "global_i32") if options.spectest => (ValType::I32, 666),
        (SPECTEST, "global_i64") if options.spectest => (ValType::I64, 666),
        (SPECTEST, "global_f32") if options.spectest => (ValType::F32, 666.6f32.to_bits() as u64),
        (SPECTEST, "global_f64") if options.spectest => (ValType::F64, 666.6f64.to_bits()),
        _ => return Err(unknown(module, name, offset)),
    };
    if ty != expected {
        return Err(WasmError::ImportType {
            module: module.into(),
            name: name.into(),
            expected: format!("global {expected}"),
            found: format!("global {ty}"),
            offset,
        });
    }
    Ok(bits)
}

/// The limits (initial and maximum pages) of an imported memory.
pub(crate) fn memory(
    module: &str,
    name: &str,
    offset: usize,
    options: &Options,
) -> Result<(u64, u64)> {
    match (module, name) {
        (SPECTEST, "memory") if options.spectest => Ok((1, 2)),
        _ => Err(unknown(module, name, offset)),
    }
}

/// The size and maximum of an imported table.
pub(crate) fn table(
    module: &str,
    name: &str,
    offset: usize,
    options: &Options,
) -> Result<(u64, u64)> {
    match (module, name) {
        (SPECTEST, "table") if options.spectest => Ok((10, 20)),
        _ => Err(unknown(module, name, offset)),
    }
}
