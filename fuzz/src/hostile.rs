//! Well-formed but semantically hostile modules, built from fuzzer bytes.
//!
//! Random bytes almost never get past the decoder, so the `load` target
//! barely reaches the verifier. The modules made here always encode and
//! decode back to themselves (every count within the container's limits, no
//! empty memory declaration), and are wrong only in what the verifier
//! judges: register numbers and types, jump targets (out of range, into an
//! instruction, at the end), signature, function and global indices, call
//! and return arities, result lists naming a register twice, device
//! operation codes, names, duplicate signatures,
//! functions, exports, globals and labels, globals of another type than
//! their instructions or set while constant, memory sizes, active data
//! outside memory, data segment indices, label names out of order. Each choice is valid most of the time
//! and hostile some of the time, so accepted modules are common too and what
//! follows the verifier is exercised as well. What only the encoding can get
//! wrong is [`crate::damage`]'s.
//!
//! A module is either built from nothing or is a program of the
//! differential tests' generator (`janus_generate::generate`, valid by
//! construction) with a few instructions, registers, signatures or globals
//! changed: near-valid code is where a verifier's gaps hide.
//!
//! Code is built and edited as `Vec<Inst>` and encoded into the function's
//! [`Code`] once it is final. Every instruction made here has exactly its
//! opcode's operand kinds, so the encoding never fails: an instruction whose
//! operands do not match its opcode has no encoding, so no file can hold one
//! and the loader can never hand one to the verifier. Working on
//! instructions rather than on the encoded bytes keeps every edit
//! decodable, and the instructions that decode are exactly those with
//! matching operands, so no module a file could hold is out of reach.

use arbitrary::{Result, Unstructured};
use janus_bytecode::bytecode::limits::MAX_PARAMS;
use janus_bytecode::bytecode::{
    Class, Code, DataKind, DataSegment, Export, Function, Global, Inst, LabelName, MemoryDecl,
    Module, Opcode, Operand, OperandKind, Reg, Signature,
};
use janus_runtime::abi::{ValType, DEVICE_OPS, MAX_PAGES};

/// Names drawn for functions, exports and labels: valid identifiers, a
/// duplicate-prone `main`, and a few the verifier must refuse.
const NAMES: &[&str] = &[
    "main",
    "f",
    "g",
    "h",
    "_x",
    "std.print",
    "loop",
    "main",
    "2bad",
    "",
    "a..b",
    "end.",
];

/// Names drawn for globals besides [`NAMES`]: the first global's (a
/// duplicate when drawn again) and words of the assembler's global syntax,
/// `global mut NAME: T = V`, which must still round-trip as names.
const GLOBAL_NAMES: &[&str] = &["g0", "g0", "mut", "global", "i32", "r0"];

/// Page counts around the limits.
const PAGES: &[u32] = &[0, 1, 2, 3, 16, MAX_PAGES, MAX_PAGES + 1, u32::MAX];

/// Most signatures, functions, instructions and other elements drawn, so one
/// input stays small and its work bounded.
const MAX_SIGS: usize = 6;
const MAX_FUNCS: usize = 5;
const MAX_INSTS: usize = 32;
const MAX_EXTRA_REGS: usize = 12;
const MAX_GLOBALS: usize = 5;

/// Initial bits of 32-bit globals: zero, one, all ones, -0.0, the
/// infinities, quiet and signalling NaNs with payloads.
const BITS32: &[u32] = &[
    0,
    1,
    u32::MAX,
    0x8000_0000,
    0x7f80_0000,
    0xff80_0000,
    0x7fc0_0000,
    0x7fa0_0001,
    0xffc0_1234,
];

/// The same for 64-bit globals.
const BITS64: &[u64] = &[
    0,
    1,
    u64::MAX,
    1 << 63,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x7ff8_0000_0000_0000,
    0x7ff4_0000_0000_0001,
    0xfff8_0000_dead_beef,
];

/// Draws a module from `u`; see the module documentation.
pub fn module(u: &mut Unstructured) -> Result<Module> {
    if seldom(u, 64)? {
        let mut module = janus_generate::generate(u.arbitrary()?);
        mutate(u, &mut module)?;
        return Ok(module);
    }
    let mut module = Module::default();
    signatures(u, &mut module)?;
    module.memory = memory(u)?;
    // Before the code, so `memory.init` and `data.drop` can name segments.
    data(u, &mut module)?;
    for index in 0..u.int_in_range(0..=MAX_GLOBALS)? {
        module.globals.push(global(u, index)?);
    }
    let nfuncs = u.int_in_range(0..=MAX_FUNCS)?;
    // Headers first, so calls can be typed against their callees.
    for index in 0..nfuncs {
        let name = if index == 0 && u.ratio(7, 8)? {
            "main"
        } else {
            *u.choose(NAMES)?
        };
        let sig = index_or_hostile(u, module.signatures.len())?;
        let mut registers = module
            .signatures
            .get(sig as usize)
            .map(|s| s.params.clone())
            .unwrap_or_default();
        if seldom(u, 16)? && !registers.is_empty() {
            // Parameters missing or of the wrong type.
            let i = u.choose_index(registers.len())?;
            if u.arbitrary()? {
                registers.truncate(i);
            } else {
                registers[i] = val_type(u)?;
            }
        }
        for _ in 0..u.int_in_range(0..=MAX_EXTRA_REGS)? {
            registers.push(val_type(u)?);
        }
        module.functions.push(Function {
            name: name.to_string(),
            sig,
            registers,
            code: Code::new(),
        });
    }
    for index in 0..nfuncs {
        let ninsts = u.int_in_range(0..=MAX_INSTS)?;
        let mut code = Vec::with_capacity(ninsts + 1);
        let mut targets = Vec::new();
        for _ in 0..ninsts {
            let opcode = *u.choose(Opcode::ALL)?;
            code.push(inst(u, &module, index, opcode, &mut targets)?);
        }
        if code.last().is_none_or(|i| !i.opcode.is_terminator()) && u.ratio(7, 8)? {
            code.push(ending(u, &module, index)?);
        }
        let pcs = pcs_of(&code);
        resolve_targets(&mut code, &pcs, &targets);
        module.functions[index].code = encoded(&code);
    }
    for _ in 0..u.int_in_range(0..=3)? {
        // A null entry now and then (format version 2).
        // Version 2 encodes function f as f + 1, so no file holds u32::MAX.
        let entry = if u.ratio(1, 6)? {
            None
        } else {
            // u32::MAX has no version-2 entry (f + 1 overflows), so the
            // encoding could not decode back to this module.
            Some(index_or_hostile(u, nfuncs)?.min(u32::MAX - 1))
        };
        module.table.push(entry);
    }
    exports(u, &mut module)?;
    label_names(u, &mut module)?;
    Ok(module)
}

/// True one time in `one_in`, and never once the input is used up, so short
/// inputs build the common case. (`Unstructured::ratio` is true when the
/// input is used up, which suits the choices that keep a module valid.)
pub(crate) fn seldom(u: &mut Unstructured, one_in: u8) -> Result<bool> {
    Ok(u.arbitrary::<u8>()? % one_in == one_in - 1)
}

/// A value type.
fn val_type(u: &mut Unstructured) -> Result<ValType> {
    u.choose(&ValType::ALL).copied()
}

/// An index below `count` most of the time, else one at or past it.
fn index_or_hostile(u: &mut Unstructured, count: usize) -> Result<u32> {
    if count > 0 && u.ratio(7, 8)? {
        return Ok(u.choose_index(count)? as u32);
    }
    Ok(*u.choose(&[count as u32, count as u32 + 1, u32::MAX])?)
}

/// Global `index`: most of the time named `g{index}`, else one of
/// [`NAMES`] or [`GLOBAL_NAMES`] (duplicates and names that are no
/// identifiers).
fn global(u: &mut Unstructured, index: usize) -> Result<Global> {
    let name = if u.ratio(7, 8)? {
        format!("g{index}")
    } else if u.arbitrary()? {
        u.choose(GLOBAL_NAMES)?.to_string()
    } else {
        u.choose(NAMES)?.to_string()
    };
    let ty = val_type(u)?;
    Ok(Global {
        name,
        ty,
        mutable: u.arbitrary()?,
        init: bits(u, ty)?,
    })
}

/// Initial bits for a global of type `ty`, never wider than the type: the
/// format keeps four bytes of a 32-bit global, so wider bits would not
/// survive the encoding (and no file can hold them).
fn bits(u: &mut Unstructured, ty: ValType) -> Result<u64> {
    let special = u.ratio(1, 4)?;
    Ok(match ty {
        ValType::I32 | ValType::F32 if special => u64::from(*u.choose(BITS32)?),
        ValType::I32 | ValType::F32 => u64::from(u.arbitrary::<u32>()?),
        ValType::I64 | ValType::F64 if special => *u.choose(BITS64)?,
        ValType::I64 | ValType::F64 => u.arbitrary()?,
    })
}

/// The global operand of `opcode`: most of the time a global of the
/// instruction's type (and mutable, for a set), else any index, one past the
/// last or `u32::MAX`.
fn global_index(u: &mut Unstructured, module: &Module, opcode: Opcode) -> Result<u32> {
    let ty = opcode.operands().iter().find_map(|kind| match kind {
        OperandKind::Def(ty) | OperandKind::Use(ty) => Some(*ty),
        _ => None,
    });
    let set = opcode.class() == Class::GlobalSet;
    if u.ratio(15, 16)? {
        let fitting: Vec<u32> = (0..module.globals.len())
            .filter(|&g| {
                let global = &module.globals[g];
                Some(global.ty) == ty && (global.mutable || !set)
            })
            .map(|g| g as u32)
            .collect();
        if !fitting.is_empty() {
            return Ok(*u.choose(&fitting)?);
        }
    }
    index_or_hostile(u, module.globals.len())
}

/// Up to [`MAX_SIGS`] signatures; the first is `main`'s `() -> i32` most of
/// the time, and duplicates and long parameter lists turn up.
fn signatures(u: &mut Unstructured, module: &mut Module) -> Result<()> {
    if u.ratio(7, 8)? {
        module.signatures.push(Signature {
            params: vec![],
            results: vec![ValType::I32],
        });
    }
    for _ in 0..u.int_in_range(0..=MAX_SIGS)? {
        // The decoder refuses more than MAX_PARAMS parameters; the limit
        // itself turns up.
        let nparams = if seldom(u, 32)? {
            MAX_PARAMS as usize
        } else {
            u.int_in_range(0..=5)?
        };
        let mut params = Vec::with_capacity(nparams);
        for _ in 0..nparams {
            params.push(val_type(u)?);
        }
        let results = results(u)?;
        module.signatures.push(Signature { params, results });
    }
    Ok(())
}

/// A signature's results: none or one most of the time, sometimes a few,
/// seldom the 255 the decoder allows at most.
fn results(u: &mut Unstructured) -> Result<Vec<ValType>> {
    let n = if seldom(u, 64)? {
        255
    } else if seldom(u, 4)? {
        u.int_in_range(2..=4)?
    } else {
        u.int_in_range(0..=1)?
    };
    (0..n).map(|_| val_type(u)).collect()
}

/// No memory, or one of [`PAGES`]' sizes (never `0, 0`, which the format
/// spells as no memory section).
fn memory(u: &mut Unstructured) -> Result<Option<MemoryDecl>> {
    if seldom(u, 3)? {
        return Ok(None);
    }
    let (initial_pages, max_pages) = if u.ratio(3, 4)? {
        let initial = u.int_in_range(0..=2)?;
        (initial, initial + u.int_in_range(0..=2)?)
    } else {
        (*u.choose(PAGES)?, *u.choose(PAGES)?)
    };
    if (initial_pages, max_pages) == (0, 0) {
        return Ok(None);
    }
    Ok(Some(MemoryDecl {
        initial_pages,
        max_pages,
    }))
}

/// A register of type `ty` in function `func` most of the time, else any
/// register, one past the last, or `u16::MAX`.
fn register(u: &mut Unstructured, function: &Function, ty: ValType) -> Result<Reg> {
    let count = function.registers.len();
    if u.ratio(15, 16)? {
        let of_type: Vec<usize> = (0..count)
            .filter(|&r| function.registers[r] == ty)
            .collect();
        if !of_type.is_empty() {
            return Ok(*u.choose(&of_type)? as Reg);
        }
    }
    if count > 0 && u.arbitrary()? {
        return Ok(u.choose_index(count)? as Reg);
    }
    Ok(*u.choose(&[count.min(usize::from(Reg::MAX)) as Reg, Reg::MAX])?)
}

/// Registers for a list whose element types are `expected` most of the
/// time, else a list of another length.
fn register_list(
    u: &mut Unstructured,
    function: &Function,
    expected: Option<&[ValType]>,
) -> Result<Vec<Reg>> {
    let types: Vec<ValType> = match expected {
        Some(types) if u.ratio(15, 16)? => types.to_vec(),
        _ => {
            let n = u.int_in_range(0..=4)?;
            (0..n).map(|_| val_type(u)).collect::<Result<_>>()?
        }
    };
    types.iter().map(|&ty| register(u, function, ty)).collect()
}

/// Where a jump operand should go, fixed once the function's pcs are known.
#[derive(Clone, Copy)]
enum Target {
    /// Instruction `n` (modulo the count, plus one: the end of the code).
    Inst(u32),
    /// One byte into instruction `n`.
    Inside(u32),
    /// A raw pc.
    Raw(u32),
}

/// A jump target placeholder: the operand holds the index into `targets`.
fn target(u: &mut Unstructured, targets: &mut Vec<Target>) -> Result<u32> {
    let t = match u.int_in_range(0..=15)? {
        0 => Target::Inside(u.arbitrary()?),
        1 => Target::Raw(u.arbitrary()?),
        _ => Target::Inst(u.arbitrary()?),
    };
    targets.push(t);
    Ok((targets.len() - 1) as u32)
}

/// One instruction of `module.functions[func]` with `opcode`'s operands,
/// lists typed from the callee, device operation or function result before
/// them.
fn inst(
    u: &mut Unstructured,
    module: &Module,
    func: usize,
    opcode: Opcode,
    targets: &mut Vec<Target>,
) -> Result<Inst> {
    let function = &module.functions[func];
    let own_results = || {
        module
            .signatures
            .get(function.sig as usize)
            .map(|s| s.results.clone())
    };
    let mut lists: Option<(Vec<ValType>, Vec<ValType>)> = None;
    let mut operands = Vec::with_capacity(opcode.operands().len());
    for kind in opcode.operands() {
        let operand = match *kind {
            OperandKind::Def(ty) | OperandKind::Use(ty) => Operand::Reg(register(u, function, ty)?),
            OperandKind::ImmI32 => Operand::I32(u.arbitrary()?),
            OperandKind::ImmI64 => Operand::I64(u.arbitrary()?),
            OperandKind::ImmF32 => Operand::F32(u.arbitrary()?),
            OperandKind::ImmF64 => Operand::F64(u.arbitrary()?),
            OperandKind::Offset => {
                Operand::U32(*u.choose(&[0, 1, 4, 8, 0xffff, 0x1_0000, u32::MAX])?)
            }
            OperandKind::TrapCode => Operand::U32(u.arbitrary()?),
            OperandKind::Label => Operand::U32(target(u, targets)?),
            OperandKind::LabelTable => {
                let n = u.int_in_range(0..=4)?;
                Operand::Labels((0..n).map(|_| target(u, targets)).collect::<Result<_>>()?)
            }
            OperandKind::Func => {
                let index = index_or_hostile(u, module.functions.len())?;
                lists = module
                    .functions
                    .get(index as usize)
                    .and_then(|f| module.signatures.get(f.sig as usize))
                    .map(|s| (s.params.clone(), s.results.clone()));
                Operand::U32(index)
            }
            OperandKind::Global => Operand::U32(global_index(u, module, opcode)?),
            OperandKind::Data => Operand::U32(index_or_hostile(u, module.data.len())?),
            OperandKind::Sig => {
                let index = index_or_hostile(u, module.signatures.len())?;
                lists = module
                    .signatures
                    .get(index as usize)
                    .map(|s| (s.params.clone(), s.results.clone()));
                Operand::U32(index)
            }
            OperandKind::DevOp => {
                let code = if u.ratio(15, 16)? {
                    let op = u.choose(DEVICE_OPS)?;
                    lists = Some((op.params.to_vec(), vec![op.result]));
                    op.code()
                } else {
                    u.arbitrary()?
                };
                Operand::Dev(code)
            }
            OperandKind::Results => {
                let results = lists.as_ref().map(|(_, r)| r.as_slice());
                Operand::Regs(register_list(u, function, results)?)
            }
            OperandKind::Args if opcode == Opcode::Ret => {
                Operand::Regs(register_list(u, function, own_results().as_deref())?)
            }
            OperandKind::Args => {
                let params = lists.as_ref().map(|(p, _)| p.as_slice());
                Operand::Regs(register_list(u, function, params)?)
            }
        };
        operands.push(operand);
    }
    Ok(Inst { opcode, operands })
}

/// A last instruction that ends the function: its `ret`, or `exit`,
/// `unreachable` or `trap`.
fn ending(u: &mut Unstructured, module: &Module, func: usize) -> Result<Inst> {
    let function = &module.functions[func];
    let opcode = *u.choose(&[Opcode::Ret, Opcode::Ret, Opcode::Exit, Opcode::Unreachable])?;
    let operands = match opcode {
        Opcode::Ret => {
            let results = module
                .signatures
                .get(function.sig as usize)
                .map(|s| s.results.clone());
            vec![Operand::Regs(register_list(
                u,
                function,
                results.as_deref(),
            )?)]
        }
        Opcode::Exit => vec![Operand::Reg(register(u, function, ValType::I32)?)],
        _ => vec![],
    };
    Ok(Inst { opcode, operands })
}

/// The pc a [`Target`] names among `pcs` (every instruction's, and the end).
fn resolve(pcs: &[u32], target: Target) -> u32 {
    match target {
        Target::Inst(n) => pcs[n as usize % pcs.len()],
        Target::Inside(n) => pcs[n as usize % pcs.len()].saturating_add(1),
        Target::Raw(pc) => pc,
    }
}

/// Replaces the placeholders [`target`] left in `code`'s jump operands with
/// pcs among `pcs`.
fn resolve_targets(code: &mut [Inst], pcs: &[u32], targets: &[Target]) {
    for_each_target(code, |id| *id = resolve(pcs, targets[*id as usize]));
}

/// Calls `f` on every jump target operand of `code`.
fn for_each_target(code: &mut [Inst], mut f: impl FnMut(&mut u32)) {
    for inst in code {
        for (kind, operand) in inst.opcode.operands().iter().zip(inst.operands.iter_mut()) {
            match (kind, operand) {
                (OperandKind::Label, Operand::U32(pc)) => f(pc),
                (OperandKind::LabelTable, Operand::Labels(pcs)) => pcs.iter_mut().for_each(&mut f),
                _ => {}
            }
        }
    }
}

/// The pc of every instruction of `code`, then its size (what
/// [`Code::pcs`] gives once it is encoded).
fn pcs_of(code: &[Inst]) -> Vec<u32> {
    let mut pcs = Vec::with_capacity(code.len() + 1);
    let mut pc = 0u32;
    pcs.push(pc);
    for inst in code {
        pc += inst.encoded_size();
        pcs.push(pc);
    }
    pcs
}

/// `code` encoded.
///
/// # Panics
///
/// If an instruction's operands do not match its opcode: everything built
/// here matches (lists of at most `MAX_PARAMS` registers and 4 targets), so that would
/// be a bug in this module.
fn encoded(code: &[Inst]) -> Code {
    code.iter().cloned().collect()
}

/// `main` exported (most of the time to function 0), and a few more.
fn exports(u: &mut Unstructured, module: &mut Module) -> Result<()> {
    let nfuncs = module.functions.len();
    if u.ratio(7, 8)? {
        let func = if u.ratio(7, 8)? {
            0
        } else {
            index_or_hostile(u, nfuncs)?
        };
        module.exports.push(Export {
            name: "main".into(),
            func,
        });
    }
    for _ in 0..u.int_in_range(0..=2)? {
        module.exports.push(Export {
            name: u.choose(NAMES)?.to_string(),
            func: index_or_hostile(u, nfuncs)?,
        });
    }
    Ok(())
}

/// Small data segments: active ones near the start or the end of the
/// initial memory, and passive ones (format version 2), which need none.
fn data(u: &mut Unstructured, module: &mut Module) -> Result<()> {
    let size = module.memory.map_or(0, |m| {
        u64::from(m.initial_pages) * janus_runtime::abi::PAGE_SIZE
    });
    for _ in 0..u.int_in_range(0..=3)? {
        let len = u.int_in_range(0..=16usize)?;
        let bytes = u.bytes(len)?.to_vec();
        let offset = match u.int_in_range(0..=4)? {
            0 => size.saturating_sub(bytes.len() as u64),
            1 => size.saturating_sub(bytes.len() as u64) + 1,
            2 => u64::from(u.arbitrary::<u32>()?),
            3 => u64::from(u.int_in_range(0..=64u32)?),
            _ => {
                module.data.push(DataSegment {
                    kind: DataKind::Passive,
                    bytes,
                });
                continue;
            }
        };
        module.data.push(DataSegment {
            kind: DataKind::Active {
                offset: u32::try_from(offset).unwrap_or(u32::MAX),
            },
            bytes,
        });
    }
    Ok(())
}

/// Label names at instruction pcs, mostly sorted and unique.
fn label_names(u: &mut Unstructured, module: &mut Module) -> Result<()> {
    if module.functions.is_empty() {
        return Ok(());
    }
    for _ in 0..u.int_in_range(0..=3)? {
        let func = index_or_hostile(u, module.functions.len())?;
        let pcs = module
            .functions
            .get(func as usize)
            .map_or_else(|| vec![0], Function::pcs);
        let pc = if u.ratio(7, 8)? {
            *u.choose(&pcs)?
        } else {
            u.arbitrary()?
        };
        module.label_names.push(LabelName {
            func,
            pc,
            name: u.choose(NAMES)?.to_string(),
        });
    }
    if u.ratio(7, 8)? {
        module.label_names.sort_by_key(|l| (l.func, l.pc));
    }
    Ok(())
}

/// Changes a valid module a little: a few instructions replaced by fresh
/// ones, a register's type, a function's signature, a signature's types, a
/// global.
fn mutate(u: &mut Unstructured, module: &mut Module) -> Result<()> {
    if module.functions.is_empty() {
        return Ok(());
    }
    let mut bodies: Vec<Vec<Inst>> = module
        .functions
        .iter()
        .map(|f| f.code.iter().collect())
        .collect();
    for _ in 0..u.int_in_range(1..=4)? {
        let func = u.choose_index(module.functions.len())?;
        match u.int_in_range(0..=8)? {
            0 => {
                let function = &mut module.functions[func];
                if !function.registers.is_empty() {
                    let r = u.choose_index(function.registers.len())?;
                    function.registers[r] = val_type(u)?;
                }
            }
            1 => module.functions[func].sig = index_or_hostile(u, module.signatures.len())?,
            2 => {
                if !module.signatures.is_empty() {
                    let s = u.choose_index(module.signatures.len())?;
                    let sig = &mut module.signatures[s];
                    if u.arbitrary()? || sig.params.is_empty() {
                        sig.results = results(u)?;
                    } else {
                        let p = u.choose_index(sig.params.len())?;
                        sig.params[p] = val_type(u)?;
                    }
                }
            }
            3 if !bodies[func].is_empty() => {
                let at = u.choose_index(bodies[func].len())?;
                splice(&mut bodies[func], &mut module.label_names, func, at, None);
            }
            4 => mutate_global(u, &mut module.globals)?,
            _ => {
                let len = bodies[func].len();
                let at = u.int_in_range(0..=len)?;
                let replace = at < len && u.arbitrary()?;
                let opcode = *u.choose(Opcode::ALL)?;
                let mut targets = Vec::new();
                let mut new = inst(u, module, func, opcode, &mut targets)?;
                let pcs = pcs_of(&bodies[func]);
                resolve_targets(std::slice::from_mut(&mut new), &pcs, &targets);
                let (body, labels) = (&mut bodies[func], &mut module.label_names);
                if replace {
                    splice(body, labels, func, at, Some(new));
                } else {
                    let size = i64::from(new.encoded_size());
                    body.insert(at, new);
                    shift(body, labels, func, pcs[at], size);
                }
            }
        }
    }
    for (function, body) in module.functions.iter_mut().zip(&bodies) {
        function.code = encoded(body);
    }
    Ok(())
}

/// Changes one of `globals`: its type (with new bits of the new width), its
/// mutability, or its name (to another global's, or one of [`NAMES`]); or
/// drops the last global, or adds one.
fn mutate_global(u: &mut Unstructured, globals: &mut Vec<Global>) -> Result<()> {
    if globals.is_empty() || seldom(u, 8)? {
        let new = global(u, globals.len())?;
        globals.push(new);
        return Ok(());
    }
    let g = u.choose_index(globals.len())?;
    match u.int_in_range(0..=3)? {
        0 => {
            let ty = val_type(u)?;
            globals[g].ty = ty;
            globals[g].init = bits(u, ty)?;
        }
        1 => globals[g].mutable = !globals[g].mutable,
        2 => {
            let other = u.choose_index(globals.len())?;
            globals[g].name = if u.arbitrary()? {
                globals[other].name.clone()
            } else {
                u.choose(NAMES)?.to_string()
            };
        }
        _ => {
            globals.pop();
        }
    }
    Ok(())
}

/// Replaces (`Some`) or removes (`None`) instruction `at` of `body`, the code
/// of function `func`, moving the jumps and label names past it with the
/// code, so the edit breaks only what the new instruction itself breaks.
fn splice(
    body: &mut Vec<Inst>,
    labels: &mut [LabelName],
    func: usize,
    at: usize,
    new: Option<Inst>,
) {
    let pcs = pcs_of(body);
    let (old, end) = (pcs[at + 1] - pcs[at], pcs[at + 1]);
    let size = new.as_ref().map_or(0, Inst::encoded_size);
    match new {
        Some(new) => body[at] = new,
        None => {
            body.remove(at);
        }
    }
    shift(body, labels, func, end, i64::from(size) - i64::from(old));
}

/// Adds `delta` to every jump target in `body` and every label name of
/// function `func` at or past `from`.
fn shift(body: &mut [Inst], labels: &mut [LabelName], func: usize, from: u32, delta: i64) {
    let moved = |pc: u32| {
        if pc >= from {
            u32::try_from(i64::from(pc) + delta).unwrap_or(pc)
        } else {
            pc
        }
    };
    for_each_target(body, |pc| *pc = moved(*pc));
    for label in labels {
        if label.func as usize == func {
            label.pc = moved(label.pc);
        }
    }
}
