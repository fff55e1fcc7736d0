//! On-stack-replacement entries: the IR of a function entered at a loop
//! header with every register given.

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
    assert_eq!(f.signature.params, [ValType::I32; 3]);
    assert_eq!(f.signature.results, [ValType::I32]);
    let plain = build_function(&module, &ctx, 0);
    assert_eq!(f.frame_bytes, plain.frame_bytes);
    // The multiplication before the loop is not reached from the header.
    let expected = "\
function count.osr.14(i32, i32, i32) -> i32 copies count {
block0(v0: i32, v1: i32, v2: i32):
    jump block1(v0)                         @0
block1(v3: i32):
    v4 = const.i32 1                        @14
    v5 = i32.sub v3, v4                     @21
    brif v5, block1(v5), block2             @28
block2:
    return v1                               @35
}
";
    assert_eq!(f.display(&ctx), expected);
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
