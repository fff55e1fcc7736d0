//! The reference interpreter: runs verified bytecode directly, the
//! independent implementation the compiler is checked against.
//!
//! Each function is decoded once into [`Op`]s with register numbers made
//! frame-relative and jump targets made instruction indices, so the dispatch
//! loop does no decoding, no allocation and no map lookups. Registers of all
//! active calls live in one `u64` stack (values as bits: `i32`/`f32`
//! zero-extended), a slot for each register the function's code names;
//! calls push a frame record and count the callee's frame bytes, so the
//! stack is bounded by the same rule as every engine's (`MAX_STACK_BYTES`). Pure operations without a fast
//! path go through `bytecode::semantics::eval`, the executable definition of
//! the VM's arithmetic; memory, heap and devices are the runtime's
//! [`Machine`], shared with compiled code.

mod decode;

use decode::{decode_function, Bin, Cmp, Op};
use janus_bytecode::bytecode::semantics::{self as sem, eval};
use janus_bytecode::bytecode::{Extend, Module, Opcode, OperandKind, RuntimeOp};
use janus_runtime::abi::{self, TrapKind, ValType, MAX_STACK_BYTES};
use janus_runtime::machine::Machine;

/// How a program run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `main` returned or `exit` ran: the status (already `& 0xff`).
    Exit(i32),
    /// A trap.
    Trap {
        /// Which.
        kind: TrapKind,
        /// The function's index.
        func: u32,
        /// The bytecode pc.
        pc: u32,
        /// The user code, for user traps.
        code: u32,
    },
}

struct Frame<'a> {
    func: u32,
    /// The call stack's frame bytes before the call, restored on return.
    stack_bytes: u32,
    ret: usize,
    base: usize,
    registers: usize,
    code: &'a [Op],
    /// The caller's registers that receive the callee's results, in order.
    results: &'a [u32],
}

/// Runs a verified module's `main` on `machine`.
pub fn run(module: &Module, machine: &mut Machine) -> Outcome {
    let funcs: Vec<decode::Function> = module
        .functions
        .iter()
        .map(|f| decode_function(module, f))
        .collect();
    let main = module.export("main").expect("verified modules export main");
    let mut regs: Vec<u64> = vec![0; funcs[main as usize].registers];
    // The globals' values as bits; verified code names only globals the
    // module has, of the instruction's type, and sets only mutable ones.
    let mut globals: Vec<u64> = module.globals.iter().map(|g| g.init).collect();
    let mut frames: Vec<Frame> = Vec::with_capacity(64);
    let mut func = main;
    let mut base = 0usize;
    let mut ip = 0usize;
    // Frame bytes of the active calls (docs/ISA.md §6.5, "Depth").
    let mut stack_bytes: u32 = funcs[main as usize].frame_bytes;
    let mut code: &[Op] = &funcs[func as usize].code;
    let mut registers = funcs[func as usize].registers;
    let trap = |kind: TrapKind, func: u32, pc: u32| Outcome::Trap {
        kind,
        func,
        pc,
        code: 0,
    };
    // The current frame's registers. Verified code names only registers its
    // function declares, and the stack always holds the current frame in
    // full, so these accesses stay inside `regs`; `fp` is recomputed
    // whenever `regs` may have moved (a call) or the frame changed.
    let mut fp: *mut u64 = regs.as_mut_ptr();
    macro_rules! r {
        ($i:expr) => {
            // SAFETY: see above.
            *unsafe { &mut *fp.add($i as usize) }
        };
    }
    loop {
        // SAFETY: verified code ends every path with a terminator, so `ip`
        // never passes the end; jump targets are decoded instruction indices.
        let op = unsafe { code.get_unchecked(ip) };
        ip += 1;
        match *op {
            Op::Nop => {}
            Op::Const { dst, bits } => r!(dst) = bits,
            Op::Mov { dst, src } => r!(dst) = r!(src),
            Op::GlobalGet { dst, global } => r!(dst) = globals[global as usize],
            Op::GlobalSet { global, src } => globals[global as usize] = r!(src),
            Op::I32Add { dst, a, b } => r!(dst) = sem::i32_add(r!(a), r!(b)),
            Op::I32Sub { dst, a, b } => r!(dst) = sem::i32_sub(r!(a), r!(b)),
            Op::I32Mul { dst, a, b } => r!(dst) = sem::i32_mul(r!(a), r!(b)),
            Op::I64Add { dst, a, b } => r!(dst) = sem::i64_add(r!(a), r!(b)),
            Op::I64Sub { dst, a, b } => r!(dst) = sem::i64_sub(r!(a), r!(b)),
            Op::I64Mul { dst, a, b } => r!(dst) = sem::i64_mul(r!(a), r!(b)),
            Op::F64Add { dst, a, b } => r!(dst) = sem::f64_add(r!(a), r!(b)),
            Op::F64Sub { dst, a, b } => r!(dst) = sem::f64_sub(r!(a), r!(b)),
            Op::F64Mul { dst, a, b } => r!(dst) = sem::f64_mul(r!(a), r!(b)),
            Op::I32LtS { dst, a, b } => r!(dst) = sem::i32_lt_s(r!(a), r!(b)),
            Op::I32LeS { dst, a, b } => r!(dst) = sem::i32_le_s(r!(a), r!(b)),
            Op::I32LtU { dst, a, b } => r!(dst) = sem::i32_lt_u(r!(a), r!(b)),
            Op::I64LtS { dst, a, b } => r!(dst) = sem::i64_lt_s(r!(a), r!(b)),
            Op::I64LeS { dst, a, b } => r!(dst) = sem::i64_le_s(r!(a), r!(b)),
            Op::Pure { op, dst, args, n } => {
                let vals = [r!(args[0]), r!(args[1]), r!(args[2])];
                match eval(op, &vals[..n as usize]) {
                    Ok(v) => r!(dst) = v,
                    Err(kind) => return trap(kind, func, funcs[func as usize].pcs[ip - 1]),
                }
            }
            Op::Load {
                op,
                dst,
                addr,
                offset,
            } => {
                let ea = u64::from(r!(addr) as u32) + u64::from(offset);
                let size = access_size(op);
                if ea + size > machine.memory.size() {
                    return trap(
                        TrapKind::OutOfBounds,
                        func,
                        funcs[func as usize].pcs[ip - 1],
                    );
                }
                r!(dst) = load(op, read_le(machine.memory.bytes(), ea as usize, size));
            }
            Op::Store {
                op,
                value,
                addr,
                offset,
            } => {
                let ea = u64::from(r!(addr) as u32) + u64::from(offset);
                let size = access_size(op);
                if ea + size > machine.memory.size() {
                    return trap(
                        TrapKind::OutOfBounds,
                        func,
                        funcs[func as usize].pcs[ip - 1],
                    );
                }
                write_le(machine.memory.bytes_mut(), ea as usize, size, r!(value));
            }
            Op::ConstBin {
                c,
                bits,
                bin,
                dst,
                a,
            } => {
                r!(c) = bits;
                let x = r!(a);
                r!(dst) = match bin {
                    Bin::I32Add => sem::i32_add(x, bits),
                    Bin::I32Sub => sem::i32_sub(x, bits),
                    Bin::I64Add => sem::i64_add(x, bits),
                    Bin::I64Sub => sem::i64_sub(x, bits),
                };
                ip += 1;
            }
            Op::ConstCmpBr {
                c,
                bits,
                cmp,
                dst,
                a,
                target,
                branch_if,
            } => {
                r!(c) = bits;
                let x = r!(a);
                let k = compare(cmp, x, bits);
                r!(dst) = u64::from(k);
                ip = if k == branch_if {
                    target as usize
                } else {
                    ip + 2
                };
            }
            Op::CmpBr {
                cmp,
                dst,
                a,
                b,
                target,
                branch_if,
            } => {
                let c = compare(cmp, r!(a), r!(b));
                r!(dst) = u64::from(c);
                // The branch instruction after the compare is skipped.
                ip = if c == branch_if {
                    target as usize
                } else {
                    ip + 1
                };
            }
            Op::Jump { target } => ip = target as usize,
            Op::BrIf { cond, target } => {
                if r!(cond) as u32 != 0 {
                    ip = target as usize;
                }
            }
            Op::BrIfz { cond, target } => {
                if r!(cond) as u32 == 0 {
                    ip = target as usize;
                }
            }
            Op::BrTable {
                index,
                default,
                ref table,
            } => {
                ip = table
                    .get(r!(index) as u32 as usize)
                    .copied()
                    .unwrap_or(default) as usize;
            }
            Op::Call {
                callee,
                nresults,
                ref lists,
            }
            | Op::CallIndirect {
                callee,
                nresults,
                ref lists,
                ..
            } => {
                let (results, args) = lists.split_at(nresults as usize);
                let callee = if let Op::CallIndirect { sig, index, .. } = *op {
                    let pc = funcs[func as usize].pcs[ip - 1];
                    let i = r!(index) as u32 as usize;
                    let Some(&entry) = module.table.get(i) else {
                        return trap(TrapKind::TableOutOfBounds, func, pc);
                    };
                    let Some(target) = entry else {
                        return trap(TrapKind::NullTableEntry, func, pc);
                    };
                    if module.functions[target as usize].sig != sig {
                        return trap(TrapKind::SignatureMismatch, func, pc);
                    }
                    target
                } else {
                    callee
                };
                // SAFETY: verified call targets and table entries are
                // function indices.
                let f = unsafe { funcs.get_unchecked(callee as usize) };
                // No overflow: the sum is at most MAX_STACK_BYTES, and a
                // frame at most u32::MAX - MAX_STACK_BYTES (abi::frame_bytes).
                if stack_bytes + f.frame_bytes > MAX_STACK_BYTES {
                    return trap(
                        TrapKind::StackOverflow,
                        func,
                        funcs[func as usize].pcs[ip - 1],
                    );
                }
                let caller_stack_bytes = stack_bytes;
                stack_bytes += f.frame_bytes;
                let new_base = base + registers;
                if regs.len() < new_base + f.registers {
                    regs.resize(new_base + f.registers, 0);
                }
                // SAFETY: the new frame fits in regs (resized above); the
                // argument registers belong to the current frame.
                unsafe {
                    let old_fp = regs.as_mut_ptr().add(base);
                    let new_fp = regs.as_mut_ptr().add(new_base);
                    for (i, &a) in args.iter().enumerate() {
                        *new_fp.add(i) = *old_fp.add(a as usize);
                    }
                    for i in args.len()..f.registers {
                        *new_fp.add(i) = 0;
                    }
                    fp = new_fp;
                }
                frames.push(Frame {
                    func,
                    stack_bytes: caller_stack_bytes,
                    ret: ip,
                    base,
                    registers,
                    code,
                    results,
                });
                func = callee;
                base = new_base;
                registers = f.registers;
                ip = 0;
                code = &f.code;
            }
            Op::Ret { ref values } => {
                let Some(frame) = frames.pop() else {
                    // `main` returns exactly one i32.
                    let v = values.first().map_or(0, |&r| r!(r));
                    machine.stdout.flush();
                    return Outcome::Exit((v as u32 as i32) & 0xff);
                };
                stack_bytes = frame.stack_bytes;
                func = frame.func;
                base = frame.base;
                ip = frame.ret;
                registers = frame.registers;
                code = frame.code;
                let callee_fp = fp;
                // SAFETY: the caller's frame lies below the callee's, inside regs.
                fp = unsafe { regs.as_mut_ptr().add(base) };
                // The verifier matched both lists to the callee's results,
                // so they have one length; the frames are disjoint, so the
                // copies read the callee's registers as it left them.
                // SAFETY (each read): `v` is a register of the callee's
                // frame, which is still inside regs.
                match (frame.results, &**values) {
                    ([d], [v]) => r!(*d) = unsafe { *callee_fp.add(*v as usize) },
                    (results, values) => {
                        for (&d, &v) in results.iter().zip(values) {
                            r!(d) = unsafe { *callee_fp.add(v as usize) };
                        }
                    }
                }
            }
            Op::Exit { status } => {
                machine.stdout.flush();
                return Outcome::Exit((r!(status) as u32 as i32) & 0xff);
            }
            Op::Trap { code: c } => {
                return Outcome::Trap {
                    kind: TrapKind::User,
                    func,
                    pc: funcs[func as usize].pcs[ip - 1],
                    code: c,
                }
            }
            Op::Unreachable => {
                return trap(
                    TrapKind::Unreachable,
                    func,
                    funcs[func as usize].pcs[ip - 1],
                )
            }
            Op::Dev {
                code: c,
                dst,
                ref args,
            } => {
                let vals: Vec<u64> = args.iter().map(|&a| r!(a)).collect();
                match abi_device(machine, c, &vals) {
                    Ok(v) => {
                        if let Some(d) = dst {
                            r!(d) = v;
                        }
                    }
                    Err(kind) => return trap(kind, func, funcs[func as usize].pcs[ip - 1]),
                }
            }
            Op::MemoryInit {
                segment,
                dst,
                src,
                len,
            } => {
                let (dst, src, len) = (r!(dst) as u32, r!(src) as u32, r!(len) as u32);
                if let Err(kind) = machine.memory_init(segment, dst, src, len) {
                    return trap(kind, func, funcs[func as usize].pcs[ip - 1]);
                }
            }
            Op::DataDrop { segment } => machine.data_drop(segment),
            Op::Runtime { op, dst, args } => {
                let vals = [r!(args[0]) as u32, r!(args[1]) as u32, r!(args[2]) as u32];
                let a = |i: usize| vals[i];
                let result: Result<Option<u64>, TrapKind> = match op {
                    RuntimeOp::MemorySize => Ok(Some(u64::from(machine.memory.pages()))),
                    RuntimeOp::MemoryGrow => Ok(Some(u64::from(machine.memory.grow(a(0)) as u32))),
                    RuntimeOp::MemoryCopy => machine.memory_copy(a(0), a(1), a(2)).map(|()| None),
                    RuntimeOp::MemoryFill => {
                        machine.memory_fill(a(0), a(1) as u8, a(2)).map(|()| None)
                    }
                    RuntimeOp::HeapAlloc => Ok(Some(u64::from(
                        machine.heap.alloc(&mut machine.memory, a(0)),
                    ))),
                    RuntimeOp::HeapFree => machine
                        .heap
                        .free(a(0))
                        .map(|()| None)
                        .map_err(|_| TrapKind::InvalidFree),
                    RuntimeOp::HeapRealloc => machine
                        .heap
                        .realloc(&mut machine.memory, a(0), a(1))
                        .map(|v| Some(u64::from(v)))
                        .map_err(|_| TrapKind::InvalidFree),
                };
                match result {
                    Ok(v) => {
                        if let (Some(d), Some(v)) = (dst, v) {
                            r!(d) = v;
                        }
                    }
                    Err(kind) => return trap(kind, func, funcs[func as usize].pcs[ip - 1]),
                }
            }
        }
    }
}

fn compare(cmp: Cmp, x: u64, y: u64) -> bool {
    let bit = match cmp {
        Cmp::I32LtS => sem::i32_lt_s(x, y),
        Cmp::I32LeS => sem::i32_le_s(x, y),
        Cmp::I32LtU => sem::i32_lt_u(x, y),
        Cmp::I32Ne => sem::i32_ne(x, y),
        Cmp::I32Eq => sem::i32_eq(x, y),
        Cmp::I64LtS => sem::i64_lt_s(x, y),
        Cmp::I64LeS => sem::i64_le_s(x, y),
    };
    bit != 0
}

fn abi_device(machine: &mut Machine, code: u16, args: &[u64]) -> Result<u64, TrapKind> {
    janus_runtime::devices::call(machine, code, args)
}

/// What the dispatch loop needs to know about a load or store, worked out
/// from the opcode table when janusc is compiled so that the loop does one
/// indexed read instead of walking the table's meaning.
#[derive(Clone, Copy)]
struct MemShape {
    /// Bytes accessed.
    size: u64,
    /// A narrow signed load's shift: `(raw << shift) as i64 >> shift`
    /// sign-extends; 0 for every other access.
    shift: u32,
    /// The register type's bits: `i32` results stay zero-extended.
    mask: u64,
}

impl MemShape {
    const NONE: MemShape = MemShape {
        size: 0,
        shift: 0,
        mask: 0,
    };

    const fn of(op: Opcode) -> MemShape {
        let Some(access) = op.access() else {
            return MemShape::NONE;
        };
        let ty = match op.operands()[0] {
            OperandKind::Def(t) | OperandKind::Use(t) => t,
            _ => panic!("a memory access starts with its value register"),
        };
        MemShape {
            size: access.size(),
            shift: match access.extend {
                Extend::Sign => 64 - access.bits(),
                Extend::Full | Extend::Zero | Extend::Wrap => 0,
            },
            mask: match ty {
                ValType::I32 | ValType::F32 => u32::MAX as u64,
                ValType::I64 | ValType::F64 => u64::MAX,
            },
        }
    }
}

/// [`MemShape::of`] every opcode, by byte.
static MEM_SHAPES: [MemShape; 256] = {
    let mut shapes = [MemShape::NONE; 256];
    let mut i = 0;
    while i < Opcode::ALL.len() {
        let op = Opcode::ALL[i];
        shapes[op.byte() as usize] = MemShape::of(op);
        i += 1;
    }
    shapes
};

/// How many bytes a load or store accesses.
#[inline(always)]
fn access_size(op: Opcode) -> u64 {
    MEM_SHAPES[op.byte() as usize].size
}

/// The `size`-byte little-endian value at `ea` (checked in bounds), read
/// at its fixed width: a variable-length copy would cost a `memcpy` call.
#[inline(always)]
fn read_le(bytes: &[u8], ea: usize, size: u64) -> u64 {
    fn at<const N: usize>(bytes: &[u8], ea: usize) -> [u8; N] {
        bytes[ea..ea + N].try_into().expect("N bytes")
    }
    match size {
        1 => u64::from(bytes[ea]),
        2 => u64::from(u16::from_le_bytes(at(bytes, ea))),
        4 => u64::from(u32::from_le_bytes(at(bytes, ea))),
        _ => u64::from_le_bytes(at(bytes, ea)),
    }
}

/// Writes the low `size` bytes of `value` at `ea` (checked in bounds).
#[inline(always)]
fn write_le(bytes: &mut [u8], ea: usize, size: u64, value: u64) {
    match size {
        1 => bytes[ea] = value as u8,
        2 => bytes[ea..ea + 2].copy_from_slice(&(value as u16).to_le_bytes()),
        4 => bytes[ea..ea + 4].copy_from_slice(&(value as u32).to_le_bytes()),
        _ => bytes[ea..ea + 8].copy_from_slice(&value.to_le_bytes()),
    }
}

/// Extends a loaded value as the opcode table says: a narrow signed load
/// sign-extends to its register type (an `i32` kept zero-extended in its
/// `u64` slot); everything else is already its register's bits.
#[inline(always)]
fn load(op: Opcode, raw: u64) -> u64 {
    let shape = &MEM_SHAPES[op.byte() as usize];
    if shape.shift == 0 {
        raw
    } else {
        (((raw << shape.shift) as i64 >> shape.shift) as u64) & shape.mask
    }
}

/// The trap message every engine prints.
pub fn trap_message(module: &Module, kind: TrapKind, func: u32, pc: u32, code: u32) -> String {
    let name = module
        .functions
        .get(func as usize)
        .map_or("?", |f| f.name.as_str());
    let source = module
        .source
        .as_ref()
        .and_then(|s| Some((s.kind.as_str(), s.lookup(func, pc)?)));
    janus_runtime::machine::trap_text(kind, code, name, pc, source)
}

/// The machine a module runs on, with device options from the environment.
pub fn machine_for(module: &Module, args: Vec<Vec<u8>>) -> Result<Machine, String> {
    // Raw bytes, as `janus_start` reads them: a value that is not UTF-8 is
    // an error under every engine, not an unset variable here.
    let config = janus_runtime::config::DeviceConfig::from_env(|k| {
        std::env::var_os(k).map(std::ffi::OsString::into_encoded_bytes)
    })?;
    let memory = module.memory.unwrap_or_default();
    let heap_base = abi::heap_base(module.active_data());
    let names = module.functions.iter().map(|f| f.name.clone()).collect();
    let mut m = Machine::new(
        memory.initial_pages,
        memory.max_pages,
        heap_base,
        args,
        names,
        config,
    )?;
    for seg in &module.data {
        m.start_segment(seg.address(), &seg.bytes);
    }
    m.source = module
        .source
        .as_ref()
        .map(|s| janus_runtime::machine::TrapSource {
            kind: s.kind.clone(),
            offsets: s.offsets.iter().map(|o| (o.func, o.pc, o.offset)).collect(),
        });
    Ok(m)
}
