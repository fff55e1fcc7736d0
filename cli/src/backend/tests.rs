//! The hybrid engine's library interface end to end: a [`TierSession`]
//! opened through `libjanus_llvm.so` with this process's runtime and
//! shared arrays, its code called as the interpreter calls it.

use super::protocol::{TierCompileRequest, TierOpenRequest};
use super::TierSession;
use janus_runtime::abi::tier;
use janus_runtime::exports;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// `sum(n)`: 0 + 1 + … + (n − 1), added to the global `total`; `main`.
const PROGRAM: &str = "\
global mut total: i64 = 0
export main

func sum(r0: i32) -> i64
    reg r1: i64
    reg r2..r3: i32
    reg r4: i64
    i64.const r1, 0
    i32.const r2, 0
loop:
    i32.lt_u r3, r2, r0
    br_ifz r3, done
    i64.extend_i32_u r4, r2
    i64.add r1, r1, r4
    i32.const r3, 1
    i32.add r2, r2, r3
    jmp loop
done:
    i64.global.get r4, total
    i64.add r4, r4, r1
    i64.global.set total, r4
    ret [r1]
end

func main() -> i32
    reg r0: i32
    reg r1: i64
    i32.const r0, 10
    call sum, [r1], [r0]
    i32.wrap_i64 r0, r1
    ret [r0]
end
";

/// No call in [`PROGRAM`] leaves compiled code.
unsafe extern "C" fn interp_call(_: u32, _: u32, _: *const u64, _: *mut u64) {
    panic!("no function is interpreted here");
}

/// Every address a session needs, in this process.
fn addresses(globals: usize, functions: usize) -> Vec<(String, u64)> {
    let runtime: [(&str, usize); 13] = [
        ("janus_start", exports::janus_start as *const () as usize),
        ("janus_trap", exports::janus_trap as *const () as usize),
        ("janus_exit", exports::janus_exit as *const () as usize),
        (
            "janus_memory_grow",
            exports::janus_memory_grow as *const () as usize,
        ),
        (
            "janus_memory_copy",
            exports::janus_memory_copy as *const () as usize,
        ),
        (
            "janus_memory_fill",
            exports::janus_memory_fill as *const () as usize,
        ),
        (
            "janus_memory_init",
            exports::janus_memory_init as *const () as usize,
        ),
        (
            "janus_data_drop",
            exports::janus_data_drop as *const () as usize,
        ),
        (
            "janus_heap_alloc",
            exports::janus_heap_alloc as *const () as usize,
        ),
        (
            "janus_heap_free",
            exports::janus_heap_free as *const () as usize,
        ),
        (
            "janus_heap_realloc",
            exports::janus_heap_realloc as *const () as usize,
        ),
        ("janus_device", exports::janus_device as *const () as usize),
        (
            "janus_wasi_files",
            exports::janus_wasi_files as *const () as usize,
        ),
    ];
    let mut all: Vec<(String, u64)> = runtime
        .iter()
        .map(|&(s, a)| (s.to_string(), a as u64))
        .collect();
    for f in janus_runtime::abi::RUNTIME_FUNCTIONS {
        assert!(all.iter().any(|(s, _)| s == f.symbol), "{}", f.symbol);
    }
    all.push((
        "janus_vm".into(),
        std::ptr::addr_of!(exports::janus_vm) as u64,
    ));
    all.push((tier::GLOBALS_SYMBOL.into(), globals as u64));
    all.push((tier::FUNCTIONS_SYMBOL.into(), functions as u64));
    all.push((
        tier::INTERP_CALL_SYMBOL.into(),
        interp_call as *const () as u64,
    ));
    all
}

#[test]
fn a_tier_session_compiles_through_the_library_and_its_code_runs() {
    let globals: &'static [AtomicU64] = Box::leak((0..1).map(|_| AtomicU64::new(0)).collect());
    let functions: &'static [AtomicUsize] =
        Box::leak((0..2).map(|_| AtomicUsize::new(0)).collect());
    let loaded = janus_bytecode::load(PROGRAM.as_bytes()).expect("assembles");
    let header = loaded.module.functions[0]
        .code
        .iter()
        .flat_map(|inst| inst.targets())
        .min()
        .expect("a loop");
    let module = loaded.bytes.clone();
    let request = TierOpenRequest {
        module,
        opt: "2".into(),
        addresses: addresses(globals.as_ptr() as usize, functions.as_ptr() as usize),
    };
    let mut session = TierSession::open(&request).expect("opens");
    let code = session
        .compile(&TierCompileRequest {
            func: 0,
            osr_pc: None,
        })
        .expect("compiles");
    assert_eq!(code.functions, [0]);
    assert_eq!(code.osr, None);
    // A loop's compile makes its OSR entry alone.
    let loop_code = session
        .compile(&TierCompileRequest {
            func: 0,
            osr_pc: Some(header),
        })
        .expect("compiles");
    assert_eq!((loop_code.native, loop_code.boxed), (0, 0));
    let mut result = [0u64];
    // SAFETY: the entries the library compiled for sum, of the ABI's types,
    // with its one argument and result (and for OSR its five registers).
    unsafe {
        let boxed: tier::BoxedEntry = std::mem::transmute(code.boxed as usize);
        boxed(4096, [10u64].as_ptr(), result.as_mut_ptr());
        assert_eq!(result, [45]);
        let osr: tier::OsrEntry = std::mem::transmute(loop_code.osr.expect("asked for") as usize);
        osr(4096, [10u64, 40, 9, 0, 0].as_ptr(), result.as_mut_ptr());
        assert_eq!(result, [49]);
    }
    assert_eq!(globals[0].load(Ordering::Relaxed), 94);
    let err = session
        .compile(&TierCompileRequest {
            func: 0,
            osr_pc: Some(header + 1),
        })
        .expect_err("no block there");
    assert!(
        format!("{err:?}").contains("does not start a block"),
        "{err:?}"
    );
    drop(session);
    // The code outlives its session.
    // SAFETY: as above.
    unsafe {
        let boxed: tier::BoxedEntry = std::mem::transmute(code.boxed as usize);
        boxed(4096, [3u64].as_ptr(), result.as_mut_ptr());
    }
    assert_eq!(result, [3]);
}

#[test]
fn a_tier_session_moves_to_a_compiler_thread_and_bad_requests_fail() {
    fn send<T: Send>() {}
    send::<TierSession>();
    let request = TierOpenRequest {
        module: janus_bytecode::load(PROGRAM.as_bytes())
            .expect("assembles")
            .bytes,
        opt: "2".into(),
        addresses: Vec::new(),
    };
    let err = TierSession::open(&request).expect_err("no addresses");
    assert!(format!("{err:?}").contains("no address for"), "{err:?}");
}
