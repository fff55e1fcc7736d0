//! The module as a whole: signatures, names, memory, globals, segments and
//! the table are declared, every body is translated, and the functions the
//! wasm module does not spell out are made: `init`, which does at run time
//! what instantiation does there (copy the data segments that do not fit
//! the initial memory, so they trap as in wasm, then run the start
//! function), wrappers for imports that are exported or in the table, and
//! `main`.

use crate::error::{Result, WasmError};
use crate::function::{Callee, Context, Translator};
use crate::imports::{HostFunc, ENOSYS};
use crate::module::{val_types, FuncKind, WasmModule};
use crate::Translation;
use janus_bytecode::bytecode::builder::{BuildError, FuncId, ModuleBuilder};
use janus_bytecode::bytecode::limits::{MAX_NAME_LEN, MAX_PARAMS, MAX_RESULTS, MAX_TABLE_ENTRIES};
use janus_bytecode::bytecode::{Opcode, Operand, Signature, SourceMap, SourceOffset};
use janus_runtime::abi::ValType;
use std::collections::{HashMap, HashSet};

/// What a `main` builder gets: the translated module's functions.
#[derive(Debug)]
pub struct Instance {
    /// Does what instantiating the wasm module does after its table and
    /// memory exist: copies the data segments that do not fit the initial
    /// memory (trapping `out of bounds memory access` as wasm does) and runs
    /// the start function. Type `() -> ()`; `main` calls it first.
    pub init: FuncId,
    /// The function exports: wasm name, JanusVM function, signature.
    pub exports: Vec<(String, FuncId, Signature)>,
    /// The global exports: wasm name, JanusVM global index, type.
    pub globals: Vec<(String, u32, ValType)>,
    names: HashSet<String>,
}

impl Instance {
    /// A function name not used yet: `base`, or `base` with a number.
    pub fn fresh_name(&self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 1;
        while self.names.contains(&name) {
            name = format!("{base}.{n}");
            n += 1;
        }
        name
    }

    /// The export called `name`.
    pub fn export(&self, name: &str) -> Option<&(String, FuncId, Signature)> {
        self.exports.iter().find(|(n, _, _)| n == name)
    }
}

fn internal(error: BuildError) -> WasmError {
    WasmError::Internal {
        message: error.to_string(),
        offset: 0,
    }
}

/// `main`: `init`, then the `_start` export if there is one, then status 0.
pub fn default_main(mb: &mut ModuleBuilder, instance: &Instance) -> Result<()> {
    let main = mb.declare(&instance.fresh_name("main"), &[], &[ValType::I32]);
    let mut f = mb.body(main);
    f.call(instance.init, &[], &[]).map_err(internal)?;
    if let Some((_, start, sig)) = instance.export("_start") {
        if sig.params.is_empty() && sig.results.is_empty() {
            f.call(*start, &[], &[]).map_err(internal)?;
        }
    }
    let status = f.reg(ValType::I32);
    f.inst(
        Opcode::I32Const,
        vec![Operand::Reg(status), Operand::I32(0)],
    )
    .map_err(internal)?;
    f.ret(&[status]).map_err(internal)?;
    mb.define(f).map_err(internal)?;
    mb.export("main", main);
    Ok(())
}

/// A name the JanusVM format accepts (an identifier: a letter or `_`, then
/// letters, digits, `_` or `.`, at most `MAX_NAME_LEN` bytes), unique among
/// `used`: the name-section name with every other character as `_`, or
/// `func{index}`, and `.{index}` after a name already taken.
fn function_name(wasm: Option<&str>, index: u32, used: &mut HashSet<String>) -> String {
    let base: String = match wasm {
        Some(name) if !name.is_empty() => name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect(),
        _ => format!("func{index}"),
    };
    // A `.` separates non-empty parts of an identifier: `f.`, `a..b` and
    // `.x` get a `_` where a part is empty.
    let mut base: String = base
        .split('.')
        .map(|part| if part.is_empty() { "_" } else { part })
        .collect::<Vec<_>>()
        .join(".");
    if !base.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        base.insert(0, '_');
    }
    base.truncate(MAX_NAME_LEN as usize - 16);
    if base.ends_with('.') {
        base.pop();
        base.push('_');
    }
    let mut name = base.clone();
    let mut n = index;
    while used.contains(&name) {
        name = format!("{base}.{n}");
        n += 1;
    }
    used.insert(name.clone());
    name
}

fn signature(ty: &wasmparser::FuncType, offset: usize) -> Result<Signature> {
    let params = val_types(ty.params(), offset)?;
    let results = val_types(ty.results(), offset)?;
    for (what, count, limit) in [
        ("parameters", params.len(), MAX_PARAMS),
        ("results", results.len(), MAX_RESULTS),
    ] {
        if count > limit as usize {
            return Err(WasmError::Limit {
                what: format!("a function type with {count} {what}"),
                limit: limit.into(),
                offset,
            });
        }
    }
    Ok(Signature { params, results })
}

/// Builds the JanusVM module for a read wasm module.
pub(crate) fn build(
    wasm: &WasmModule<'_>,
    main: impl FnOnce(&mut ModuleBuilder, &Instance) -> Result<()>,
) -> Result<Translation> {
    let mut mb = ModuleBuilder::new();
    let mut signatures = Vec::with_capacity(wasm.types.len());
    let mut sig_of_type = Vec::with_capacity(wasm.types.len());
    for (ty, &offset) in wasm.types.iter().zip(&wasm.type_offsets) {
        let sig = signature(ty, offset)?;
        signatures.push(mb.signature(sig.clone()));
        sig_of_type.push(sig);
    }
    let mut names = HashSet::new();
    let mut callees = Vec::with_capacity(wasm.funcs.len());
    let mut wasm_functions = Vec::new();
    for (index, (ty, kind)) in wasm.funcs.iter().enumerate() {
        let index = index as u32;
        callees.push(match kind {
            FuncKind::Import(host) => Callee::Host(host.clone()),
            FuncKind::Defined => {
                let sig = &sig_of_type[*ty as usize];
                // The name section's name, else the first export's.
                let known = wasm.names.get(&index).copied().or_else(|| {
                    wasm.exports
                        .iter()
                        .find(|&&(_, f)| f == index)
                        .map(|&(n, _)| n)
                });
                let name = function_name(known, index, &mut names);
                wasm_functions.push(Some(index));
                Callee::Function(mb.declare(&name, &sig.params, &sig.results))
            }
        });
    }
    if let Some((initial, max)) = wasm.memory {
        mb.memory(initial as u32, max.unwrap_or(65536) as u32);
    }
    for (i, global) in wasm.globals.iter().enumerate() {
        mb.global(
            &format!("global{i}"),
            global.ty,
            global.mutable,
            global.init,
        );
    }
    let deferred = data_segments(&mut mb, wasm);

    let mut wrappers = Wrappers {
        made: HashMap::new(),
    };
    table(
        &mut mb,
        wasm,
        &callees,
        &sig_of_type,
        &mut names,
        &mut wrappers,
        &mut wasm_functions,
    )?;

    let ctx = Context {
        module: wasm,
        callees: &callees,
        signatures: &signatures,
    };
    let imported = wasm.funcs.len() - wasm.bodies.len();
    let mut offsets = HashMap::new();
    for (k, body) in wasm.bodies.iter().enumerate() {
        let index = (imported + k) as u32;
        let Callee::Function(id) = callees[index as usize] else {
            return Err(internal_at(
                "a body for an imported function",
                wasm.body_offsets[k],
            ));
        };
        let f = mb.body(id);
        let (f, pcs) = Translator::new(&ctx, f).translate(index, body)?;
        mb.define(f)
            .map_err(|e| internal_at(&e.to_string(), wasm.body_offsets[k]))?;
        offsets.insert(id.0, pcs);
    }

    let mut exports = Vec::new();
    let mut export_names = HashSet::from(["main".to_string()]);
    for &(name, index) in &wasm.exports {
        let sig = sig_of_type[wasm.funcs[index as usize].0 as usize].clone();
        let id = wrappers.function(
            &mut mb,
            &callees,
            index,
            &sig,
            &mut names,
            &mut wasm_functions,
        )?;
        // JanusVM export names are identifiers and `main` is the entry
        // point: the wasm names stay in `Translation::exports`.
        if name != "main" {
            mb.export(&function_name(Some(name), index, &mut export_names), id);
        }
        exports.push((name.to_string(), id, sig));
    }
    let init_name = function_name(Some("init"), 0, &mut names);
    let init = mb.declare(&init_name, &[], &[]);
    wasm_functions.push(None);
    let start = match wasm.start {
        Some(index) => {
            let sig = sig_of_type[wasm.funcs[index as usize].0 as usize].clone();
            Some(wrappers.function(
                &mut mb,
                &callees,
                index,
                &sig,
                &mut names,
                &mut wasm_functions,
            )?)
        }
        None => None,
    };
    let mut f = mb.body(init);
    for (segment, address, len) in deferred {
        let regs = [
            f.reg(ValType::I32),
            f.reg(ValType::I32),
            f.reg(ValType::I32),
        ];
        for (reg, value) in regs.iter().zip([address as i32, 0, len as i32]) {
            f.inst(
                Opcode::I32Const,
                vec![Operand::Reg(*reg), Operand::I32(value)],
            )
            .map_err(internal)?;
        }
        let mut operands = vec![Operand::U32(segment)];
        operands.extend(regs.iter().map(|&r| Operand::Reg(r)));
        f.inst(Opcode::MemoryInit, operands).map_err(internal)?;
        f.inst(Opcode::DataDrop, vec![Operand::U32(segment)])
            .map_err(internal)?;
    }
    if let Some(start) = start {
        f.call(start, &[], &[]).map_err(internal)?;
    }
    f.ret(&[]).map_err(internal)?;
    mb.define(f).map_err(internal)?;

    let instance = Instance {
        init,
        exports: exports.clone(),
        globals: wasm
            .global_exports
            .iter()
            .map(|&(name, index)| (name.to_string(), index, wasm.globals[index as usize].ty))
            .collect(),
        names,
    };
    let before = wasm_functions.len();
    main(&mut mb, &instance)?;
    let mut module = mb.finish().map_err(internal)?;
    wasm_functions.resize(module.functions.len().max(before), None);
    let offsets: Vec<Vec<(u32, u32)>> = (0..module.functions.len() as u32)
        .map(|i| offsets.remove(&i).unwrap_or_default())
        .collect();
    let source: Vec<SourceOffset> = offsets
        .iter()
        .enumerate()
        .flat_map(|(func, pcs)| {
            pcs.iter().map(move |&(pc, offset)| SourceOffset {
                func: func as u32,
                pc,
                offset,
            })
        })
        .collect();
    if !source.is_empty() {
        module.source = Some(SourceMap {
            kind: "wasm".into(),
            offsets: source,
        });
    }
    Ok(Translation {
        module,
        offsets,
        wasm_functions,
        exports: exports
            .into_iter()
            .map(|(name, id, _)| (name, id.0))
            .collect(),
    })
}

fn internal_at(message: &str, offset: usize) -> WasmError {
    WasmError::Internal {
        message: message.to_string(),
        offset,
    }
}

/// Declares the data segments. An active segment is copied at start if it
/// and every one before it fit the initial memory; from the first that does
/// not on, segments become passive and `init` copies them, so the copy
/// traps after the earlier ones are in place, as instantiation does.
/// Returns (segment, address, length) for `init`.
fn data_segments(mb: &mut ModuleBuilder, wasm: &WasmModule<'_>) -> Vec<(u32, u64, u64)> {
    let memory_bytes = wasm.memory.map_or(0, |(initial, _)| initial * 65536);
    let mut deferred = Vec::new();
    for (i, data) in wasm.data.iter().enumerate() {
        let bytes = data.bytes.to_vec();
        match data.address {
            Some(address)
                if deferred.is_empty() && address + bytes.len() as u64 <= memory_bytes =>
            {
                mb.data(address as u32, bytes);
            }
            Some(address) => {
                deferred.push((i as u32, address, bytes.len() as u64));
                mb.passive_data(bytes);
            }
            None => {
                mb.passive_data(bytes);
            }
        }
    }
    deferred
}

/// Fills the table from the active element segments.
#[allow(clippy::too_many_arguments)]
fn table(
    mb: &mut ModuleBuilder,
    wasm: &WasmModule<'_>,
    callees: &[Callee],
    sig_of_type: &[Signature],
    names: &mut HashSet<String>,
    wrappers: &mut Wrappers,
    wasm_functions: &mut Vec<Option<u32>>,
) -> Result<()> {
    let Some(size) = wasm.table else {
        return Ok(());
    };
    if size > u64::from(MAX_TABLE_ENTRIES) {
        return Err(WasmError::Limit {
            what: format!("a table of {size} entries"),
            limit: MAX_TABLE_ENTRIES.into(),
            offset: 0,
        });
    }
    let mut entries: Vec<Option<u32>> = vec![None; size as usize];
    for (segment, element) in wasm.elements.iter().enumerate() {
        let end = element.start + element.funcs.len() as u64;
        if end > size {
            return Err(WasmError::ElementsOutOfBounds {
                segment: segment as u32,
                start: element.start,
                end,
                size,
                offset: element.offset,
            });
        }
        entries[element.start as usize..end as usize].copy_from_slice(&element.funcs);
    }
    for entry in entries {
        match entry {
            Some(index) => {
                let sig = sig_of_type[wasm.funcs[index as usize].0 as usize].clone();
                let id = wrappers.function(mb, callees, index, &sig, names, wasm_functions)?;
                mb.table(&[id]);
            }
            None => {
                mb.table_nulls(1);
            }
        }
    }
    Ok(())
}

/// JanusVM functions for imports that are called indirectly: exported, in
/// the table, or the start function. Made once per import.
struct Wrappers {
    made: HashMap<u32, FuncId>,
}

impl Wrappers {
    /// The JanusVM function for wasm function `index`.
    fn function(
        &mut self,
        mb: &mut ModuleBuilder,
        callees: &[Callee],
        index: u32,
        sig: &Signature,
        names: &mut HashSet<String>,
        wasm_functions: &mut Vec<Option<u32>>,
    ) -> Result<FuncId> {
        let host = match &callees[index as usize] {
            Callee::Function(id) => return Ok(*id),
            Callee::Host(host) => host.clone(),
        };
        if let Some(&id) = self.made.get(&index) {
            return Ok(id);
        }
        let name = function_name(Some(&format!("import{index}")), index, names);
        let id = mb.declare(&name, &sig.params, &sig.results);
        wasm_functions.push(Some(index));
        let mut f = mb.body(id);
        let params: Vec<_> = (0..sig.params.len() as u16).collect();
        match host {
            HostFunc::Device(code) => {
                let result = f.reg(ValType::I32);
                f.inst(
                    Opcode::Dev,
                    vec![
                        Operand::Dev(code),
                        Operand::Regs(vec![result]),
                        Operand::Regs(params),
                    ],
                )
                .map_err(internal)?;
                f.ret(&[result]).map_err(internal)?;
            }
            HostFunc::Exit => f.op(Opcode::Exit, &[0]).map_err(internal)?,
            HostFunc::Unimplemented => {
                let result = f.reg(ValType::I32);
                f.inst(
                    Opcode::I32Const,
                    vec![Operand::Reg(result), Operand::I32(ENOSYS)],
                )
                .map_err(internal)?;
                f.ret(&[result]).map_err(internal)?;
            }
            HostFunc::Discard => f.ret(&[]).map_err(internal)?,
        }
        mb.define(f).map_err(internal)?;
        self.made.insert(index, id);
        Ok(id)
    }
}
