//! On-stack-replacement entries: the IR of a function entered at a loop
//! header with every register given, those known to be one constant there
//! taken as that constant.

use super::*;

/// A counting loop with code before it that the OSR entry does not reach.
const LOOP: &str = "\
export main

func count(r0: i32) -> i32
    reg r1..r2: i32
    i32.const r1, 7
    i32.mul r0, r0, r1
loop:
    i32.const r2, 1
    i32.sub r0, r0, r2
    br_if r0, loop
    ret [r1]
end

func main() -> i32
    reg r0: i32
    i32.const r0, 3
    call count, [r0], [r0]
    ret [r0]
end
";

fn module() -> bc::Module {
    crate::load(LOOP.as_bytes()).expect("assembles").module
}

/// The pc of `count`'s loop header.
fn header(module: &bc::Module) -> u32 {
    module.functions[0]
        .code
        .iter()
        .flat_map(|inst| inst.targets())
        .min()
        .expect("a loop")
}

#[test]
fn an_osr_entry_takes_every_register_and_starts_at_the_header() {
    let module = module();
    let ctx = context(&module);
    let pc = header(&module);
    let f = build_osr_function(&module, &ctx, 0, pc).expect("builds");
    assert_eq!(f.copy_of, Some(FuncRef(0)));
    // The three registers, then which loop header to enter (one here).
    assert_eq!(f.signature.params, [ValType::I32; 4]);
    assert_eq!(f.signature.results, [ValType::I32]);
    let plain = build_function(&module, &ctx, 0);
    assert_eq!(f.frame_bytes, plain.frame_bytes);
    // The multiplication before the loop is not reached from the header;
    // r1 is 7 at every arrival there (its one write, a constant, comes
    // before the loop on every path), so the entry ignores its slot. r2 is
    // set to 1 only inside the loop: 0 at the first arrival.
    let expected = "\
function count.osr.14(i32, i32, i32, i32) -> i32 copies count {
block0(v0: i32, v1: i32, v2: i32, v3: i32):
    v4 = const.i32 7                        @0
    jump block1(v0)                         @0
block1(v5: i32):
    v6 = const.i32 1                        @14
    v7 = i32.sub v5, v6                     @21
    brif v7, block1(v7), block2             @28
block2:
    return v4                               @35
}
";
    assert_eq!(f.display(&ctx), expected);
}

/// r1 is 5 on one path to the loop and 0 on the other; r2 is 1 or 2; r3
/// is 4 on every path; r4 is 0 (written with 0, or never).
const BRANCHES: &str = "\
export main

func pick(r0: i32) -> i32
    reg r1..r4: i32
    i32.const r2, 1
    i32.const r3, 4
    br_ifz r0, skip
    i32.const r1, 5
    i32.const r2, 2
    i32.const r4, 0
skip:
loop:
    i32.sub r0, r0, r3
    i32.add r0, r0, r1
    i32.add r0, r0, r2
    i32.add r0, r0, r4
    br_if r0, loop
    ret [r0]
end

func main() -> i32
    reg r0: i32
    i32.const r0, 3
    call pick, [r0], [r0]
    ret [r0]
end
";

#[test]
fn an_osr_entry_takes_a_constant_only_where_every_path_sets_it() {
    let module = crate::load(BRANCHES.as_bytes()).expect("assembles").module;
    let ctx = context(&module);
    let pc = header(&module);
    let f = build_osr_function(&module, &ctx, 0, pc).expect("builds");
    // Parameters v0..v4 are the registers (v5 the header to enter at):
    // r3 and r4 become constants, r1 and r2 come from the frame.
    let expected = "\
function pick.osr.42(i32, i32, i32, i32, i32, i32) -> i32 copies pick {
block0(v0: i32, v1: i32, v2: i32, v3: i32, v4: i32, v5: i32):
    v6 = const.i32 4                        @0
    v7 = const.i32 0                        @0
    jump block1(v0)                         @0
block1(v8: i32):
    v9 = i32.sub v8, v6                     @42
    v10 = i32.add v9, v1                    @49
    v11 = i32.add v10, v2                   @56
    v12 = i32.add v11, v7                   @63
    brif v12, block1(v12), block2           @70
block2:
    return v12                              @77
}
";
    assert_eq!(f.display(&ctx), expected);
}

/// Two loops one after the other, the first with a loop inside.
const TWO_LOOPS: &str = "\
export main

func twice(r0: i32) -> i32
    reg r1..r2: i32
    i32.const r2, 1
outer:
    i32.mov r1, r0
inner:
    i32.sub r1, r1, r2
    br_if r1, inner
    i32.sub r0, r0, r2
    br_if r0, outer
    i32.const r1, 5
second:
    i32.sub r1, r1, r2
    br_if r1, second
    ret [r1]
end

func main() -> i32
    reg r0: i32
    i32.const r0, 3
    call twice, [r0], [r0]
    ret [r0]
end
";

#[test]
fn an_osr_entry_enters_at_every_loop_it_reaches_outside_its_own() {
    let module = crate::load(TWO_LOOPS.as_bytes()).expect("assembles").module;
    let ctx = context(&module);
    let f = &module.functions[0];
    let pcs = f.pcs();
    let (outer, inner, second) = (pcs[1], pcs[2], pcs[7]);
    // From the outer loop: itself and the second loop, not the loop inside
    // it (which would give the outer loop a second entry).
    assert_eq!(f.loop_headers_from(outer), [outer, second]);
    // From the inner loop everything after it is reachable, the outer
    // header too.
    assert_eq!(f.loop_headers_from(inner), [outer, inner, second]);
    assert_eq!(f.loop_headers_from(second), [second]);
    let osr = build_osr_function(&module, &ctx, 0, outer).expect("builds");
    let text = osr.display(&ctx);
    assert!(text.contains("br_table v3, "), "{text}");
    let plain = build_osr_function(&module, &ctx, 0, second).expect("builds");
    assert!(
        !plain.display(&ctx).contains("br_table"),
        "one header: a jump"
    );
}

#[test]
fn an_osr_entry_is_asked_for_at_a_block_start_only() {
    let module = module();
    let ctx = context(&module);
    let pc = header(&module);
    let err = build_osr_function(&module, &ctx, 0, pc + 1).expect_err("inside a block");
    assert_eq!(
        err,
        OsrError::NotABlock {
            function: "count".into(),
            pc: pc + 1
        }
    );
    assert_eq!(
        build_osr_function(&module, &ctx, 9, pc).expect_err("no such function"),
        OsrError::NoFunction { index: 9 }
    );
}
