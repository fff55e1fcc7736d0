//! Splitting a lowered module into two codegen units (as rustc does): the
//! program, which gets the full pipeline, and the functions the guardrails
//! reduce (see `guard`), which get their own pipeline and code generator.
//!
//! The reduced unit starts as a clone of the whole module. Every definition
//! it should not own becomes `available_externally` and LLVM's
//! `elim-avail-extern` turns it into a declaration; the program unit does
//! the same to the reduced functions. Whatever the reduced unit still
//! refers to is then given external linkage with hidden visibility in the
//! program unit, so the two objects link to each other and to nothing
//! else: no symbol leaves the executable that did not before.

use super::BackendError;
use inkwell::module::{Linkage, Module};
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::TargetMachine;
use inkwell::values::{BasicValue, GlobalValue};
use inkwell::GlobalVisibility;
use std::collections::HashSet;

/// Splits the functions named `reduced` (LLVM symbol names) out of
/// `program` into a new module, returned; `program` keeps declarations of
/// them. Both modules verify.
pub fn split_off<'ctx>(
    program: &Module<'ctx>,
    reduced: &HashSet<String>,
    machine: &TargetMachine,
) -> Result<Module<'ctx>, BackendError> {
    name_anonymous_globals(program);
    let unit = program.clone();
    let in_unit = |name: &str| reduced.contains(name);

    for f in unit.get_functions().filter(|f| f.count_basic_blocks() > 0) {
        if !in_unit(&symbol(f.as_global_value())) {
            f.set_linkage(Linkage::AvailableExternally);
        }
    }
    for g in unit.get_globals() {
        if g.get_initializer().is_some() && !symbol(g).starts_with("llvm.") {
            g.set_linkage(Linkage::AvailableExternally);
        }
    }
    drop_available_externally(&unit, machine)?;

    // What the reduced functions refer to in the program becomes visible to
    // them; they become visible to the program.
    let referenced: Vec<String> = unit
        .get_functions()
        .filter(|f| f.count_basic_blocks() == 0)
        .map(|f| f.as_global_value())
        .chain(unit.get_globals().filter(|g| g.is_declaration()))
        .filter(|g| g.as_pointer_value().get_first_use().is_some())
        .map(symbol)
        .collect();
    for name in &referenced {
        let Some(g) = global_named(program, name) else {
            continue;
        };
        if is_local(g.get_linkage()) {
            share(g);
            if let Some(declaration) = global_named(&unit, name) {
                declaration.set_visibility(GlobalVisibility::Hidden);
            }
        }
    }
    for f in program.get_functions() {
        if in_unit(&symbol(f.as_global_value())) {
            f.set_linkage(Linkage::AvailableExternally);
        }
    }
    drop_available_externally(program, machine)?;
    for name in reduced {
        for module in [program, &unit] {
            if let Some(f) = module.get_function(name) {
                share(f.as_global_value());
            }
        }
    }
    for module in [program, &unit] {
        module
            .verify()
            .map_err(|e| BackendError::Invalid(e.to_string()))?;
    }
    Ok(unit)
}

/// A global's symbol name.
fn symbol(g: GlobalValue<'_>) -> String {
    g.get_name().to_string_lossy().into_owned()
}

/// The function or global variable `name` of `module`.
fn global_named<'ctx>(module: &Module<'ctx>, name: &str) -> Option<GlobalValue<'ctx>> {
    module
        .get_function(name)
        .map(|f| f.as_global_value())
        .or_else(|| module.get_global(name))
}

/// Whether a linkage keeps a symbol inside its object.
fn is_local(linkage: Linkage) -> bool {
    matches!(linkage, Linkage::Internal | Linkage::Private)
}

/// Gives `g` external linkage and hidden visibility: visible to the other
/// codegen unit, not outside the executable.
fn share(g: GlobalValue<'_>) {
    g.set_linkage(Linkage::External);
    g.set_visibility(GlobalVisibility::Hidden);
}

/// Gives every unnamed global a name, so the other unit can refer to it.
fn name_anonymous_globals(module: &Module<'_>) {
    let mut next = 0;
    for g in module.get_globals() {
        if g.get_name().to_bytes().is_empty() {
            g.set_name(&format!("janus.anon.{next}"));
            next += 1;
        }
    }
}

/// Turns every `available_externally` definition of `module` into a
/// declaration.
fn drop_available_externally(
    module: &Module<'_>,
    machine: &TargetMachine,
) -> Result<(), BackendError> {
    module
        .run_passes("elim-avail-extern", machine, PassBuilderOptions::create())
        .map_err(|e| BackendError::Llvm(e.to_string()))
}
