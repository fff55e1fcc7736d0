//! The dispatch loop over decoded [`Op`]s.
//!
//! Registers of all active calls live in one `u64` stack (values as bits:
//! `i32`/`f32` zero-extended), a slot for each register the function's code
//! names; `fp` points at the current frame's first slot. `ip` points at the
//! op being run; jumps are offsets from it, so the loop keeps no code base,
//! and a trap's pc is found from `ip` and the function's `pcs` only when it
//! traps.
//! Linear memory is reserved once at its maximum and never moves
//! (`runtime/src/memory.rs`); the loop keeps its base and current size in
//! locals and reloads them after every operation that may grow it (the
//! runtime's memory and heap operations, and devices). Calls push a [`Frame`] and count the
//! callee's frame bytes, so the stack is bounded by the same rule as every
//! engine's (`MAX_STACK_BYTES`, docs/ISA.md §6.5).

use crate::decode::Function;
use crate::op::{Op, Reg};
use crate::outline::{indirect_callee, runtime};
use crate::tier::Tiered;
use crate::Outcome;
use janus_bytecode::bytecode::semantics::eval_inline;
use janus_bytecode::bytecode::{Module, PureOp};
use janus_runtime::abi::{TrapKind, MAX_STACK_BYTES};
use janus_runtime::machine::Machine;

/// A module's functions decoded for the dispatch loop, made once per run
/// (and shared by every re-entry of the tiered loop).
pub struct Program<'m> {
    pub(crate) module: &'m Module,
    pub(crate) funcs: Vec<Function>,
    callees: Vec<Callee>,
}

impl<'m> Program<'m> {
    /// Decodes every function of a verified module.
    pub fn new(module: &'m Module) -> Program<'m> {
        let funcs: Vec<Function> = module
            .functions
            .iter()
            .map(|f| crate::decode::decode_function(module, f))
            .collect();
        // The functions' code and register lists live in `funcs`, which
        // nothing changes while the loop runs; the decoder made every list
        // an op names lie inside its function's lists.
        let callees = funcs
            .iter()
            .map(|f| Callee {
                code: f.code.as_ptr(),
                lists: f.lists.as_ptr(),
                // At most 65,535 slots.
                registers: f.registers as u32,
                frame_bytes: f.frame_bytes,
            })
            .collect();
        Program {
            module,
            funcs,
            callees,
        }
    }
}

/// Where a run of the loop starts.
pub(crate) enum Start {
    /// `main`, with no frame below it: its `ret` ends the program.
    Main,
    /// A call from compiled code (tiered loop only): `args` are the
    /// parameters, and the outermost `ret` writes the results to `results`
    /// and returns [`Ended::Returned`].
    Call {
        func: u32,
        stack_bytes: u32,
        args: *const u64,
        results: *mut u64,
    },
}

/// How a run of the loop ended.
pub(crate) enum Ended {
    /// The program ended (a trap, `exit`, or `main`'s return).
    Program(Outcome),
    /// A [`Start::Call`]'s function returned.
    Returned,
}

/// A call in progress, as its caller resumes it.
struct Frame {
    /// The caller's next op.
    ret: *const Op,
    /// The caller's registers that receive the callee's results, in order
    /// (`nresults` of them, in the caller's lists).
    results: *const Reg,
    /// The caller's first slot in the register stack.
    base: usize,
    func: u32,
    /// The call stack's frame bytes before the call, restored on return.
    stack_bytes: u32,
}

/// What a call needs of its callee, 24 bytes beside one another so that a
/// call reads one entry.
#[derive(Clone, Copy)]
struct Callee {
    code: *const Op,
    lists: *const Reg,
    registers: u32,
    frame_bytes: u32,
}

/// The bytecode pc of the op at `ip` in `f`.
fn pc_at(f: &Function, ip: *const Op) -> u32 {
    // SAFETY: `ip` points at an op of `f.code`: the loop steps it only
    // inside the code (verified code ends every path with a terminator).
    let index = unsafe { ip.offset_from(f.code.as_ptr()) };
    f.pcs[index as usize]
}

/// The little-endian value of `N` bytes at `p`, zero-extended.
///
/// # Safety
/// `p..p + N` must be readable.
#[inline(always)]
unsafe fn read_le<const N: usize>(p: *const u8) -> u64 {
    // SAFETY: the caller's promise.
    let bytes: [u8; N] = unsafe { p.cast::<[u8; N]>().read_unaligned() };
    let mut wide = [0u8; 8];
    wide[..N].copy_from_slice(&bytes);
    u64::from_le_bytes(wide)
}

/// Writes the low `N` bytes of `value` at `p`, little-endian.
///
/// # Safety
/// `p..p + N` must be writable.
#[inline(always)]
unsafe fn write_le<const N: usize>(p: *mut u8, value: u64) {
    let bytes: [u8; N] = value.to_le_bytes()[..N].try_into().expect("N <= 8");
    // SAFETY: the caller's promise.
    unsafe { p.cast::<[u8; N]>().write_unaligned(bytes) }
}

/// A loaded value's register bits, by the shape table's extension.
macro_rules! extend {
    (zero, $raw:expr, $bytes:literal) => {
        $raw
    };
    (sign32, $raw:expr, $bytes:literal) => {
        u64::from(sign_extend($raw, $bytes) as u32)
    };
    (sign64, $raw:expr, $bytes:literal) => {
        sign_extend($raw, $bytes) as u64
    };
}

/// How many slots past a callee's frame the register stack always has.
const ZEROED: usize = 8;

/// Runs `copy(i)` for each of `n` list entries: the lists of calls and
/// returns are short, and a loop would cost more than its copies.
#[inline(always)]
fn copy_list(n: usize, mut copy: impl FnMut(usize)) {
    match n {
        0 => {}
        1 => copy(0),
        2 => {
            copy(0);
            copy(1);
        }
        3 => {
            copy(0);
            copy(1);
            copy(2);
        }
        _ => (0..n).for_each(copy),
    }
}

/// The low `bytes` bytes of `raw` as a signed number.
#[inline(always)]
fn sign_extend(raw: u64, bytes: u32) -> i64 {
    let shift = 64 - 8 * bytes;
    ((raw << shift) as i64) >> shift
}

/// Runs a verified module's `main` on `machine`.
pub fn run(module: &Module, machine: &mut Machine) -> Outcome {
    let program = Program::new(module);
    // The globals' values as bits; verified code names only globals the
    // module has, of the instruction's type, and sets only mutable ones.
    let mut globals: Vec<u64> = module.globals.iter().map(|g| g.init).collect();
    let slots: *mut u64 = globals.as_mut_ptr();
    match exec::<false>(&program, machine, &slots, None, Start::Main) {
        Ended::Program(outcome) => outcome,
        Ended::Returned => unreachable!("main's return ends the program"),
    }
}

/// The dispatch loop, plain (`TIERED` false: `interp::run`, no work added
/// for tiering) or tiered (with `tier`: calls go to compiled code where a
/// function has it, calls and back-edges are counted, and hot loops move to
/// compiled code by on-stack replacement). `machine` is read through the
/// raw pointer at each use, so nothing of it is cached across a call into
/// compiled code, which changes the same machine; `globals` is the slot
/// array of the module's globals.
#[inline(always)]
pub(crate) fn exec<const TIERED: bool>(
    program: &Program,
    machine: *mut Machine,
    globals: &*mut u64,
    tier: Option<&Tiered>,
    start: Start,
) -> Ended {
    // Slices, not the Vecs: their pointers stay in locals the loop keeps in
    // registers, not in memory a register store might alias.
    let module: &Module = program.module;
    let funcs: &[Function] = &program.funcs;
    let callees: &[Callee] = &program.callees;
    let (first, stack_start, args, out) = match start {
        Start::Main => (
            module.export("main").expect("verified modules export main"),
            None,
            std::ptr::null(),
            std::ptr::null_mut(),
        ),
        Start::Call {
            func,
            stack_bytes,
            args,
            results,
        } => (func, Some(stack_bytes), args, results),
    };
    let nested = stack_start.is_some();
    let mut regs: Vec<u64> = vec![0; funcs[first as usize].registers];
    if nested {
        let params = module.signatures[module.functions[first as usize].sig as usize]
            .params
            .len();
        // SAFETY: the caller passes one slot per parameter; a function has
        // a slot for each parameter, the first ones of its frame.
        unsafe { std::ptr::copy_nonoverlapping(args, regs.as_mut_ptr(), params) };
    }
    let mut frames: Vec<Frame> = Vec::with_capacity(64);
    let mut func = first;
    let mut base = 0usize;
    // Frame bytes of the active calls (docs/ISA.md §6.5, "Depth").
    let mut stack_bytes: u32 = stack_start.unwrap_or(funcs[first as usize].frame_bytes);
    let mut ip: *const Op = funcs[first as usize].code.as_ptr();
    // SAFETY (every `&mut *machine`): the caller's machine, alive for the
    // run; each borrow lasts one operation.
    let mut memory: *mut u8 = unsafe { &*machine }.memory.base();
    let mut memory_size: u64 = unsafe { &*machine }.memory.size();
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
    macro_rules! trap {
        ($kind:expr) => {
            return Ended::Program(Outcome::Trap {
                kind: $kind,
                func,
                pc: pc_at(&funcs[func as usize], ip),
                code: 0,
            })
        };
    }
    // After anything that may have grown memory: the machine's memory as
    // the loop caches it, and (tiered) as compiled code reads it.
    macro_rules! refresh {
        () => {{
            let m = unsafe { &*machine };
            memory = m.memory.base();
            memory_size = m.memory.size();
            if TIERED {
                janus_runtime::exports::sync_vm_state();
            }
        }};
    }
    // A backward jump just taken to `ip` over a loop of `$length` ops
    // (tiered loop only): counted, and past the function's threshold a loop
    // header where the call may move to compiled code, which then runs the
    // rest of it.
    macro_rules! back_edge {
        ($length:expr) => {{
            // SAFETY: the tiered loop always has a tier.
            let t = unsafe { tier.unwrap_unchecked() };
            if t.count_back_edge(func, $length) {
                let f = &funcs[func as usize];
                if let Some((entry, header)) = t.loop_header(func, pc_at(f, ip)) {
                    // SAFETY: the frame holds the function's registers, and
                    // at least a slot per result.
                    unsafe { crate::tier::enter_osr(entry, header, stack_bytes, f, fp) };
                    refresh!();
                    // SAFETY: the function's last op; it returns the
                    // results enter_osr put in the frame.
                    ip = unsafe { f.code.as_ptr().add(f.osr_ret as usize) };
                }
            }
        }};
    }
    macro_rules! pure {
        ($op:ident, $($arg:expr),*) => {
            match eval_inline(PureOp::$op, &[$($arg),*]) {
                Ok(v) => v,
                Err(kind) => trap!(kind),
            }
        };
    }
    // SAFETY (every jump): verified targets are instructions of the
    // function, and fused ops skip only instructions that follow them.
    macro_rules! jump {
        ($delta:expr) => {{
            let delta = $delta as isize;
            ip = unsafe { ip.offset(delta) };
            // A fused loop body may jump to itself: 0 is backward too.
            if TIERED && delta <= 0 {
                back_edge!(1 + delta.unsigned_abs() as u64);
            }
            continue;
        }};
    }
    // Steps past ops a fused op stands for (the loop then steps past it).
    macro_rules! skip {
        ($n:expr) => {
            ip = unsafe { ip.add($n) }
        };
    }
    // The effective address of an `N`-byte access, checked in bounds.
    macro_rules! address {
        ($addr:expr, $offset:expr, $bytes:literal) => {{
            let ea = u64::from(r!($addr) as u32) + u64::from($offset);
            if ea + $bytes > memory_size {
                trap!(TrapKind::OutOfBounds);
            }
            // SAFETY: `ea + N <= size`: inside the memory's accessible
            // bytes, which the machine owns and nothing else borrows while
            // the loop runs an op.
            unsafe { memory.add(ea as usize) }
        }};
    }
    // A load into `dst` and a store of a value, of the table's shape.
    macro_rules! load {
        ($dst:expr, $addr:expr, $offset:expr, $bytes:literal, $ext:ident) => {{
            let p = address!($addr, $offset, $bytes);
            // SAFETY: `address!` checked the bytes.
            let raw = unsafe { read_le::<$bytes>(p) };
            r!($dst) = extend!($ext, raw, $bytes);
        }};
    }
    macro_rules! store {
        ($value:expr, $addr:expr, $offset:expr, $bytes:literal) => {{
            let p = address!($addr, $offset, $bytes);
            let v = $value;
            // SAFETY: `address!` checked the bytes.
            unsafe { write_le::<$bytes>(p, v) };
        }};
    }
    macro_rules! dispatch {
        (($op:expr, { $($rest:tt)* })
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
            match $op {
                $(
                    Op::$bin { dst, a, b } => r!(dst) = pure!($bin, r!(a), r!(b)),
                    Op::$bin_imm { c, dst, a, imm } => {
                        r!(c) = imm;
                        skip!(1);
                        r!(dst) = pure!($bin, r!(a), imm);
                    }
                )*
                $(
                    Op::$rev { c, dst, b, imm } => {
                        r!(c) = imm;
                        skip!(1);
                        r!(dst) = pure!($rev_of, imm, r!(b));
                    }
                )*
                $(
                    Op::$cmp { dst, a, b } => r!(dst) = pure!($cmp, r!(a), r!(b)),
                    Op::$cmp_imm { c, dst, a, imm } => {
                        r!(c) = imm;
                        skip!(1);
                        r!(dst) = pure!($cmp, r!(a), imm);
                    }
                    Op::$cmp_br { dst, a, b, target, branch_if } => {
                        let v = pure!($cmp, r!(a), r!(b));
                        r!(dst) = v;
                        if (v != 0) == branch_if {
                            jump!(target);
                        }
                        skip!(1);
                    }
                    Op::$cmp_imm_br { c, dst, a, imm, target, branch_if } => {
                        r!(c) = imm;
                        let v = pure!($cmp, r!(a), imm);
                        r!(dst) = v;
                        if (v != 0) == branch_if {
                            jump!(target);
                        }
                        skip!(2);
                    }
                )*
                $(
                    Op::$add_br { t, a, b, dst, x, y, target, branch_if } => {
                        r!(t) = pure!(I32Add, r!(a), r!(b));
                        let v = pure!($step_cmp, r!(x), r!(y));
                        r!(dst) = v;
                        if (v != 0) == branch_if {
                            jump!(target);
                        }
                        skip!(2);
                    }
                    Op::$add_imm_br { c, t, a, imm, dst, x, y, target, branch_if } => {
                        let imm = u64::from(imm);
                        r!(c) = imm;
                        r!(t) = pure!(I32Add, r!(a), imm);
                        let v = pure!($step_cmp, r!(x), r!(y));
                        r!(dst) = v;
                        if (v != 0) == branch_if {
                            jump!(target);
                        }
                        skip!(3);
                    }
                )*
                $(
                    Op::$test { dst, a } => r!(dst) = pure!($test, r!(a)),
                    Op::$test_br { dst, a, target, branch_if } => {
                        let v = pure!($test, r!(a));
                        r!(dst) = v;
                        if (v != 0) == branch_if {
                            jump!(target);
                        }
                        skip!(1);
                    }
                )*
                $(Op::$un { dst, a } => r!(dst) = pure!($un, r!(a)),)*
                $(Op::$sel { dst, cond, a, b } => r!(dst) = pure!($sel, r!(cond), r!(a), r!(b)),)*
                $(
                    Op::$pair { d1, a1, b1, d2, a2, b2 } => {
                        r!(d1) = pure!($first, r!(a1), r!(b1));
                        r!(d2) = pure!($second, r!(a2), r!(b2));
                        skip!(1);
                    }
                )*
                Op::I32AddImmBr { c, t, a, imm, target, branch_if } => {
                    let imm = u64::from(imm);
                    r!(c) = imm;
                    let v = pure!(I32Add, r!(a), imm);
                    r!(t) = v;
                    if (v != 0) == branch_if {
                        jump!(target);
                    }
                    skip!(2);
                }
                Op::I32AddImm2 { c1, t1, a1, imm1, c2, t2, a2, imm2 } => {
                    let (imm1, imm2) = (u64::from(imm1), u64::from(imm2));
                    r!(c1) = imm1;
                    r!(t1) = pure!(I32Add, r!(a1), imm1);
                    r!(c2) = imm2;
                    r!(t2) = pure!(I32Add, r!(a2), imm2);
                    skip!(3);
                }
                $(
                    Op::$load { dst, addr, offset } => {
                        load!(dst, addr, offset, $lbytes, $lext);
                    }
                    Op::$load_at { t, a, b, dst, offset } => {
                        r!(t) = pure!(I32Add, r!(a), r!(b));
                        skip!(1);
                        load!(dst, t, offset, $lbytes, $lext);
                    }
                    Op::$load_imm_at { c, t, a, imm, dst, offset } => {
                        let imm = u64::from(imm);
                        r!(c) = imm;
                        r!(t) = pure!(I32Add, r!(a), imm);
                        skip!(2);
                        load!(dst, t, offset, $lbytes, $lext);
                    }
                )*
                $(
                    Op::$store { src, addr, offset } => {
                        store!(r!(src), addr, offset, $sbytes);
                    }
                    Op::$store_imm { c, addr, offset, imm } => {
                        r!(c) = imm;
                        skip!(1);
                        store!(imm, addr, offset, $sbytes);
                    }
                    Op::$store_at { t, a, b, src, offset } => {
                        r!(t) = pure!(I32Add, r!(a), r!(b));
                        skip!(1);
                        store!(r!(src), t, offset, $sbytes);
                    }
                    Op::$store_at_imm { t, a, b, c, offset, imm } => {
                        r!(t) = pure!(I32Add, r!(a), r!(b));
                        r!(c) = imm;
                        skip!(2);
                        store!(imm, t, offset, $sbytes);
                    }
                    Op::$store_imm_at { c, t, a, imm, src, offset } => {
                        let imm = u64::from(imm);
                        r!(c) = imm;
                        r!(t) = pure!(I32Add, r!(a), imm);
                        skip!(2);
                        store!(r!(src), t, offset, $sbytes);
                    }
                )*
                $($rest)*
            }
        };
    }
    macro_rules! call {
        ($callee:expr, $list:expr, $nresults:expr, $nargs:expr) => {{
            // SAFETY: verified call targets and table entries are function
            // indices.
            let f = *unsafe { callees.get_unchecked($callee as usize) };
            // No overflow: the sum is at most MAX_STACK_BYTES, and a
            // frame at most u32::MAX - MAX_STACK_BYTES (abi::frame_bytes).
            if stack_bytes + f.frame_bytes > MAX_STACK_BYTES {
                trap!(TrapKind::StackOverflow);
            }
            let nresults = usize::from($nresults);
            let nargs = usize::from($nargs);
            // SAFETY: `func` is always a function index.
            let caller = unsafe { callees.get_unchecked(func as usize) };
            if TIERED {
                // SAFETY: the tiered loop always has a tier.
                let t = unsafe { tier.unwrap_unchecked() };
                let entry =
                    t.entry_for_call($callee, || Some((func, pc_at(&funcs[func as usize], ip))));
                if entry != 0 {
                    // SAFETY: the lists lie inside the caller's, their
                    // registers inside its frame (see below).
                    unsafe {
                        let lists = caller.lists.add($list as usize);
                        crate::tier::call_boxed(
                            entry,
                            stack_bytes + f.frame_bytes,
                            fp,
                            lists,
                            nresults,
                            nargs,
                        );
                    }
                    refresh!();
                    // SAFETY: a call is never the last op of its function.
                    ip = unsafe { ip.add(1) };
                    continue;
                }
            }
            let new_base = base + caller.registers as usize;
            // The stack keeps `ZEROED` slots past the top frame, so that a
            // small frame is zeroed by one fixed-size write.
            let end = new_base + f.registers as usize + ZEROED;
            if regs.len() < end {
                regs.resize(end, 0);
            }
            // SAFETY: the new frame fits in regs (resized above); the
            // lists lie inside the caller's (see `callees`), and their
            // registers inside its frame; a function has a slot for each
            // parameter, and the verifier matched the arguments to them.
            let results = unsafe { caller.lists.add($list as usize) };
            unsafe {
                let args = results.add(nresults);
                let stack = regs.as_mut_ptr();
                copy_list(nargs, |i| {
                    *stack.add(new_base + i) = *stack.add(base + usize::from(*args.add(i)));
                });
                let zeros = f.registers as usize - nargs;
                let first = stack.add(new_base + nargs);
                if zeros <= ZEROED {
                    // Slots past the callee's frame belong to no frame.
                    first.cast::<[u64; ZEROED]>().write_unaligned([0; ZEROED]);
                } else {
                    std::ptr::write_bytes(first, 0, zeros);
                }
                fp = stack.add(new_base);
            }
            frames.push(Frame {
                // SAFETY: a call is never the last op of its function.
                ret: unsafe { ip.add(1) },
                results,
                base,
                func,
                stack_bytes,
            });
            stack_bytes += f.frame_bytes;
            func = $callee;
            base = new_base;
            ip = f.code;
            continue;
        }};
    }
    loop {
        // SAFETY: verified code ends every path with a terminator, so `ip`
        // never passes the end of the current function's code.
        // Matched in place, so each arm reads only its own operands.
        let op: &Op = unsafe { &*ip };
        for_each_shape!(dispatch *op, {
            Op::Nop => {}
            Op::Const { dst, bits } => r!(dst) = bits,
            Op::Mov { dst, src } => r!(dst) = r!(src),
            // SAFETY (both): verified code names only globals the module has.
            Op::GlobalGet { dst, global } => {
                r!(dst) = unsafe { *globals.add(global as usize) }
            }
            Op::GlobalSet { global, src } => {
                let v = r!(src);
                unsafe { *globals.add(global as usize) = v }
            }
            Op::Jump { target } => jump!(target),
            Op::BrIf { cond, target } => {
                if r!(cond) as u32 != 0 {
                    jump!(target);
                }
            }
            Op::BrIfz { cond, target } => {
                if r!(cond) as u32 == 0 {
                    jump!(target);
                }
            }
            Op::BrTable { index, table } => {
                let f = &funcs[func as usize];
                let table = &f.tables[table as usize];
                let target = table
                    .targets
                    .get(r!(index) as u32 as usize)
                    .copied()
                    .unwrap_or(table.default);
                // SAFETY: verified targets are instructions of the function.
                let to = unsafe { f.code.as_ptr().add(target as usize) };
                // A backward jump's loop length, counted by the tiered loop.
                // SAFETY: both are ops of the function.
                let backward = (TIERED && to <= ip)
                    .then(|| 1 + unsafe { ip.offset_from(to) }.unsigned_abs() as u64);
                ip = to;
                if let Some(length) = backward {
                    back_edge!(length);
                }
                continue;
            }
            Op::Call { callee, list, nresults, nargs } => call!(callee, list, nresults, nargs),
            Op::CallIndirect { sig, index, list, nresults, nargs } => {
                let target = match indirect_callee(module, sig, r!(index) as u32) {
                    Ok(target) => target,
                    Err(kind) => trap!(kind),
                };
                call!(target, list, nresults, nargs)
            }
            Op::Ret { list, n } => {
                // SAFETY: the list lies inside the function's (see `callees`).
                let values = unsafe { callees.get_unchecked(func as usize).lists.add(list as usize) };
                let Some(frame) = frames.pop() else {
                    if TIERED && nested {
                        // SAFETY: the caller has room for the results.
                        copy_list(usize::from(n), |i| unsafe {
                            *out.add(i) = *fp.add(usize::from(*values.add(i)))
                        });
                        return Ended::Returned;
                    }
                    // `main` returns exactly one i32.
                    let v = if n == 0 {
                        0
                    } else {
                        let value = unsafe { *values };
                        r!(value)
                    };
                    unsafe { &mut *machine }.stdout.flush();
                    return Ended::Program(Outcome::Exit((v as u32 as i32) & 0xff));
                };
                // The verifier matched both lists to the callee's results,
                // so they have one length; the frames are disjoint, so the
                // copies read the callee's registers as it left them.
                // SAFETY: the caller's frame lies below the callee's, inside
                // regs, and the lists' registers inside the frames.
                unsafe {
                    let stack = regs.as_mut_ptr();
                    copy_list(usize::from(n), |i| {
                        let d = frame.base + usize::from(*frame.results.add(i));
                        *stack.add(d) = *fp.add(usize::from(*values.add(i)));
                    });
                    fp = stack.add(frame.base);
                }
                stack_bytes = frame.stack_bytes;
                func = frame.func;
                base = frame.base;
                ip = frame.ret;
                continue;
            }
            Op::Exit { status } => {
                unsafe { &mut *machine }.stdout.flush();
                return Ended::Program(Outcome::Exit((r!(status) as u32 as i32) & 0xff));
            }
            Op::Trap { code: c } => {
                return Ended::Program(Outcome::Trap {
                    kind: TrapKind::User,
                    func,
                    pc: pc_at(&funcs[func as usize], ip),
                    code: c,
                })
            }
            Op::Unreachable => trap!(TrapKind::Unreachable),
            Op::Dev { code: c, dst, list, nargs } => {
                // SAFETY: the list lies inside the function's (see `callees`).
                let args = unsafe {
                    let lists = callees.get_unchecked(func as usize).lists;
                    std::slice::from_raw_parts(lists.add(list as usize), usize::from(nargs))
                };
                let vals: Vec<u64> = args.iter().map(|&a| r!(a)).collect();
                let result = janus_runtime::devices::call(unsafe { &mut *machine }, c, &vals);
                refresh!();
                match result {
                    Ok(v) => {
                        if let Some(d) = dst {
                            r!(d) = v;
                        }
                    }
                    Err(kind) => trap!(kind),
                }
            }
            Op::MemoryInit { segment, dst, src, len } => {
                let (dst, src, len) = (r!(dst) as u32, r!(src) as u32, r!(len) as u32);
                if let Err(kind) = unsafe { &mut *machine }.memory_init(segment, dst, src, len) {
                    trap!(kind);
                }
            }
            Op::DataDrop { segment } => unsafe { &mut *machine }.data_drop(segment),
            Op::Runtime { op, dst, args } => {
                let vals = [r!(args[0]) as u32, r!(args[1]) as u32, r!(args[2]) as u32];
                let result = runtime(unsafe { &mut *machine }, op, vals);
                refresh!();
                match result {
                    Ok(v) => {
                        if let (Some(d), Some(v)) = (dst, v) {
                            r!(d) = v;
                        }
                    }
                    Err(kind) => trap!(kind),
                }
            }
        });
        skip!(1);
    }
}
