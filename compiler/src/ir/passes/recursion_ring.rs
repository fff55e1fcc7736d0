//! Recursion unrolled like GCC's: a function that calls itself gets copies
//! in a ring, each copy's self-calls calling the next copy and the last's
//! the original. LLVM never inlines a function into itself, but it does
//! inline the copies into one another, which unrolls the recursion a few
//! levels (fib: 1.4× gcc -O2 instead of 2×).
//!
//! A module-level pass, the last of the pipeline, so the copies are the
//! optimised function and `--emit ssa` shows them. Copies follow every
//! bytecode function, named `NAME.1`, `NAME.2`; each records the function
//! it copies ([`Function::copy_of`]), whose index trap messages name, so a
//! trap reads the same whichever copy it happens in. Running it again
//! changes nothing: an original's self-calls now call a copy.

use crate::ir::entities::FuncRef;
use crate::ir::function::{Function, Module};
use crate::ir::instructions::InstData;

/// Copies of a self-recursive function's body, the original included.
pub const COPIES: usize = 3;

/// Whether bytecode function `index` of `module` calls itself.
fn calls_itself(func: &Function, index: usize) -> bool {
    func.layout.blocks.iter().any(|&b| {
        func.layout.block_insts(b).iter().any(|&inst| {
            matches!(func.dfg.inst(inst), InstData::Call { func, .. } if func.index() == index)
        })
    })
}

/// Points every call to `from` in `func` at `to`.
fn redirect(func: &mut Function, from: FuncRef, to: FuncRef) {
    for data in &mut func.dfg.insts {
        if let InstData::Call { func, .. } = data {
            if *func == from {
                *func = to;
            }
        }
    }
}

/// A name no function of `module` has: `NAME.k`, with `_` added while taken.
fn fresh_name(module: &Module, name: &str, k: usize) -> String {
    let mut candidate = format!("{name}.{k}");
    while module.ctx.functions.iter().any(|(n, _)| *n == candidate) {
        candidate.push('_');
    }
    candidate
}

/// Adds the rings of every self-recursive bytecode function of `module`.
pub fn run(module: &mut Module) {
    let originals = module.bytecode_functions();
    for index in 0..originals {
        if !calls_itself(&module.functions[index], index) {
            continue;
        }
        let me = FuncRef::new(index);
        let ring: Vec<FuncRef> = std::iter::once(me)
            .chain((1..COPIES).map(|k| FuncRef::new(module.functions.len() + k - 1)))
            .collect();
        let original = module.functions[index].clone();
        for (k, &copy) in ring.iter().enumerate().skip(1) {
            let mut f = original.clone();
            f.name = fresh_name(module, &original.name, k);
            f.copy_of = Some(me);
            redirect(&mut f, me, ring[(k + 1) % COPIES]);
            debug_assert_eq!(copy.index(), module.functions.len());
            module
                .ctx
                .functions
                .push((f.name.clone(), f.signature.clone()));
            module.functions.push(f);
        }
        redirect(&mut module.functions[index], me, ring[1]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::parse::parse_module;

    const FACT: &str = "\
function fact(i64) -> i64 {
block0(v0: i64):
    v1 = call fact(v0)                      @3
    return v1                               @9
}

function main() -> i32 {
block0:
    v0 = const.i32 0                        @0
    return v0                               @7
}
";

    #[test]
    fn a_self_recursive_function_becomes_a_ring_of_three() {
        let mut module = parse_module(FACT).expect("parses");
        run(&mut module);
        let text = module.to_string();
        assert!(
            text.contains(
                "function fact(i64) -> i64 {\nblock0(v0: i64):\n    v1 = call fact.1(v0)"
            ),
            "{text}"
        );
        assert!(text.contains("function fact.1(i64) -> i64 copies fact {\nblock0(v0: i64):\n    v1 = call fact.2(v0)"), "{text}");
        assert!(text.contains("function fact.2(i64) -> i64 copies fact {\nblock0(v0: i64):\n    v1 = call fact(v0)"), "{text}");
        assert_eq!(module.functions.len(), 4);
        assert_eq!(module.trap_index(FuncRef::new(3)), FuncRef::new(0));
        assert_eq!(parse_module(&text).expect("reparses"), module);
        let before = module.clone();
        run(&mut module);
        assert_eq!(module, before, "a second run changes nothing");
    }
}
