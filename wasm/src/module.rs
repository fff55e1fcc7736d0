//! Reading a validated module's sections into what the translation needs:
//! types, the function index space, the table, memory, globals, exports,
//! segments, function bodies and the name section. Everything here runs
//! after wasmparser has validated the module, so a reader error is only
//! possible for bytes the validator never looked at (custom sections);
//! such errors are still reported, never unwrapped.

use crate::error::{Result, WasmError};
use crate::imports::{self, HostFunc, Options};
use janus_runtime::abi::ValType;
use std::collections::HashMap;
use wasmparser::{
    ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind, FuncType, FunctionBody,
    KnownCustom, Name, Operator, Parser, Payload, TypeRef,
};

/// A function in the wasm function index space: imports first, then the
/// module's own.
#[derive(Clone, Debug)]
pub(crate) enum FuncKind {
    /// An imported function, provided by the host.
    Import(HostFunc),
    /// The module's own function, with a body in the code section.
    Defined,
}

/// A global, imported or defined, with its start value as bits.
#[derive(Clone, Debug)]
pub(crate) struct GlobalInfo {
    pub ty: ValType,
    pub mutable: bool,
    pub init: u64,
}

/// An active element segment: where in the table its entries go.
#[derive(Clone, Debug)]
pub(crate) struct ElementInfo {
    pub start: u64,
    pub funcs: Vec<Option<u32>>,
    pub offset: usize,
}

/// A data segment: `Some(address)` for an active one.
#[derive(Clone, Debug)]
pub(crate) struct DataInfo<'a> {
    pub address: Option<u64>,
    pub bytes: &'a [u8],
}

/// The module, read.
#[derive(Debug, Default)]
pub(crate) struct WasmModule<'a> {
    pub types: Vec<FuncType>,
    /// Where the section defining each type starts in the file.
    pub type_offsets: Vec<usize>,
    /// Every function's type index and kind, in index-space order.
    pub funcs: Vec<(u32, FuncKind)>,
    /// The table's initial size, if there is a table.
    pub table: Option<u64>,
    /// Memory limits in pages: initial, maximum.
    pub memory: Option<(u64, Option<u64>)>,
    pub globals: Vec<GlobalInfo>,
    /// Function exports: name, function index.
    pub exports: Vec<(&'a str, u32)>,
    /// Global exports: name, global index.
    pub global_exports: Vec<(&'a str, u32)>,
    pub start: Option<u32>,
    pub elements: Vec<ElementInfo>,
    pub data: Vec<DataInfo<'a>>,
    pub bodies: Vec<FunctionBody<'a>>,
    /// Function names from the name section.
    pub names: HashMap<u32, &'a str>,
    /// Where each defined function's body starts in the file.
    pub body_offsets: Vec<usize>,
}

fn offset_of(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

/// A JanusVM value type for a wasm one; references and vectors have none.
pub(crate) fn val_type(ty: wasmparser::ValType, offset: usize) -> Result<ValType> {
    match ty {
        wasmparser::ValType::I32 => Ok(ValType::I32),
        wasmparser::ValType::I64 => Ok(ValType::I64),
        wasmparser::ValType::F32 => Ok(ValType::F32),
        wasmparser::ValType::F64 => Ok(ValType::F64),
        wasmparser::ValType::V128 => Err(WasmError::UnsupportedFeature {
            message: "the v128 type (SIMD)".into(),
            offset,
        }),
        wasmparser::ValType::Ref(_) => Err(WasmError::UnsupportedFeature {
            message: "reference-typed values (reference types)".into(),
            offset,
        }),
    }
}

/// JanusVM value types for a list of wasm ones.
pub(crate) fn val_types(types: &[wasmparser::ValType], offset: usize) -> Result<Vec<ValType>> {
    types.iter().map(|&t| val_type(t, offset)).collect()
}

impl<'a> WasmModule<'a> {
    /// Reads every section of a module wasmparser has already validated.
    pub(crate) fn read(bytes: &'a [u8], options: &Options) -> Result<WasmModule<'a>> {
        let mut m = WasmModule::default();
        for payload in Parser::new(0).parse_all(bytes) {
            match payload.map_err(WasmError::from_parser)? {
                Payload::TypeSection(reader) => {
                    let at = offset_of(reader.range().start);
                    for ty in reader.into_iter_err_on_gc_types() {
                        m.types.push(ty.map_err(WasmError::from_parser)?);
                        m.type_offsets.push(at);
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports_with_offsets() {
                        let (at, import) = import.map_err(WasmError::from_parser)?;
                        m.import(import, offset_of(at), options)?;
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        let ty = ty.map_err(WasmError::from_parser)?;
                        m.funcs.push((ty, FuncKind::Defined));
                    }
                }
                Payload::TableSection(reader) => {
                    for table in reader {
                        let table = table.map_err(WasmError::from_parser)?;
                        m.table = Some(table.ty.initial);
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        let memory = memory.map_err(WasmError::from_parser)?;
                        m.memory = Some((memory.initial, memory.maximum));
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader.into_iter_with_offsets() {
                        let (at, global) = global.map_err(WasmError::from_parser)?;
                        let at = offset_of(at);
                        let ty = val_type(global.ty.content_type, at)?;
                        let init = m.constant(&global.init_expr, at)?;
                        m.globals.push(GlobalInfo {
                            ty,
                            mutable: global.ty.mutable,
                            init,
                        });
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.map_err(WasmError::from_parser)?;
                        match export.kind {
                            ExternalKind::Func | ExternalKind::FuncExact => {
                                m.exports.push((export.name, export.index))
                            }
                            ExternalKind::Global => {
                                m.global_exports.push((export.name, export.index))
                            }
                            ExternalKind::Table | ExternalKind::Memory | ExternalKind::Tag => {}
                        }
                    }
                }
                Payload::StartSection { func, .. } => m.start = Some(func),
                Payload::ElementSection(reader) => {
                    for element in reader {
                        let element = element.map_err(WasmError::from_parser)?;
                        m.element(element)?;
                    }
                }
                Payload::DataSection(reader) => {
                    for data in reader {
                        let data = data.map_err(WasmError::from_parser)?;
                        let address = match data.kind {
                            DataKind::Passive => None,
                            DataKind::Active { offset_expr, .. } => Some(
                                m.constant(&offset_expr, offset_of(data.range.start))? as u32
                                    as u64,
                            ),
                        };
                        m.data.push(DataInfo {
                            address,
                            bytes: data.data,
                        });
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    m.body_offsets.push(offset_of(body.range().start));
                    m.bodies.push(body);
                }
                Payload::CustomSection(reader) => {
                    if let KnownCustom::Name(names) = reader.as_known() {
                        // A damaged name section loses the names, not the
                        // program: engines accept such modules too.
                        m.read_names(names).ok();
                    }
                }
                _ => {}
            }
        }
        Ok(m)
    }

    fn import(
        &mut self,
        import: wasmparser::Import<'a>,
        offset: usize,
        options: &Options,
    ) -> Result<()> {
        match import.ty {
            TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                let func_type = self.types.get(ty as usize).ok_or(WasmError::Invalid {
                    message: format!("unknown type {ty}"),
                    offset,
                })?;
                let host =
                    imports::function(import.module, import.name, func_type, offset, options)?;
                self.funcs.push((ty, FuncKind::Import(host)));
            }
            TypeRef::Global(global) => {
                let ty = val_type(global.content_type, offset)?;
                let init = imports::global(import.module, import.name, ty, offset, options)?;
                self.globals.push(GlobalInfo {
                    ty,
                    mutable: global.mutable,
                    init,
                });
            }
            TypeRef::Memory(memory) => {
                let limits = imports::memory(import.module, import.name, offset, options)?;
                if memory.initial > limits.0 || memory.maximum.is_some_and(|max| max < limits.1) {
                    return Err(WasmError::UnsupportedImport {
                        module: import.module.into(),
                        name: import.name.into(),
                        why: format!(
                            "the host's memory has {} to {} pages, which this import's limits do not admit",
                            limits.0, limits.1
                        ),
                        offset,
                    });
                }
                self.memory = Some((limits.0, Some(limits.1)));
            }
            TypeRef::Table(table) => {
                let (size, max) = imports::table(import.module, import.name, offset, options)?;
                if table.initial > size || table.maximum.is_some_and(|m| m < max) {
                    return Err(WasmError::UnsupportedImport {
                        module: import.module.into(),
                        name: import.name.into(),
                        why: format!("the host's table has {size} to {max} entries, which this import's limits do not admit"),
                        offset,
                    });
                }
                self.table = Some(size);
            }
            TypeRef::Tag(_) => {
                return Err(WasmError::UnsupportedFeature {
                    message: "tags (exception handling)".into(),
                    offset,
                })
            }
        }
        Ok(())
    }

    fn element(&mut self, element: wasmparser::Element<'a>) -> Result<()> {
        let offset = offset_of(element.range.start);
        let ElementKind::Active { offset_expr, .. } = element.kind else {
            // Passive and declared segments are only reachable through
            // `table.init` and `ref.func`, which translation rejects.
            return Ok(());
        };
        let start = self.constant(&offset_expr, offset)? as u32 as u64;
        let mut funcs = Vec::new();
        match element.items {
            ElementItems::Functions(reader) => {
                for f in reader {
                    funcs.push(Some(f.map_err(WasmError::from_parser)?));
                }
            }
            ElementItems::Expressions(_, reader) => {
                for expr in reader {
                    let expr = expr.map_err(WasmError::from_parser)?;
                    funcs.push(function_reference(&expr, offset)?);
                }
            }
        }
        self.elements.push(ElementInfo {
            start,
            funcs,
            offset,
        });
        Ok(())
    }

    /// The value of a constant expression, as bits.
    fn constant(&self, expr: &ConstExpr<'a>, offset: usize) -> Result<u64> {
        let mut reader = expr.get_operators_reader();
        let op = reader.read().map_err(WasmError::from_parser)?;
        let value = match op {
            Operator::I32Const { value } => value as u32 as u64,
            Operator::I64Const { value } => value as u64,
            Operator::F32Const { value } => value.bits() as u64,
            Operator::F64Const { value } => value.bits(),
            Operator::GlobalGet { global_index } => {
                self.globals
                    .get(global_index as usize)
                    .ok_or(WasmError::Invalid {
                        message: format!("unknown global {global_index}"),
                        offset,
                    })?
                    .init
            }
            _ => {
                return Err(WasmError::UnsupportedFeature {
                    message: "a constant expression other than one `T.const` or `global.get` (reference types or extended constants)".into(),
                    offset,
                })
            }
        };
        Ok(value)
    }

    fn read_names(&mut self, names: wasmparser::NameSectionReader<'a>) -> Result<()> {
        for name in names {
            if let Name::Function(map) = name.map_err(WasmError::from_parser)? {
                for naming in map {
                    let naming = naming.map_err(WasmError::from_parser)?;
                    self.names.insert(naming.index, naming.name);
                }
            }
        }
        Ok(())
    }

    /// A function's type.
    pub(crate) fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.funcs[func as usize].0 as usize]
    }
}

/// The function an element expression names: `ref.func f`, or nothing for
/// `ref.null`.
fn function_reference(expr: &ConstExpr<'_>, offset: usize) -> Result<Option<u32>> {
    let mut reader = expr.get_operators_reader();
    match reader.read().map_err(WasmError::from_parser)? {
        Operator::RefFunc { function_index } => Ok(Some(function_index)),
        Operator::RefNull { .. } => Ok(None),
        _ => Err(WasmError::UnsupportedFeature {
            message: "an element expression other than `ref.func` or `ref.null`".into(),
            offset,
        }),
    }
}
