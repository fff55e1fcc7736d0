//! IR entity handles: `u32` newtypes indexing per-function tables
//! (Cranelift's `ir/entities.rs` habit). A handle is only meaningful with the
//! function it came from; `Display` gives its text spelling (`v3`, `block2`,
//! `inst7`), which is how the printer, the parser and the verifier name it.

use std::fmt;

macro_rules! entity {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The handle's index into its table.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The handle for table index `i`.
            pub fn new(i: usize) -> Self {
                $name(u32::try_from(i).expect("entity tables hold fewer than 2^32 entries"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

entity!(
    /// An SSA value: an instruction's result or a block parameter.
    Value,
    "v"
);
entity!(
    /// A basic block: parameters, then instructions, the last a terminator.
    Block,
    "block"
);
entity!(
    /// An instruction.
    Inst,
    "inst"
);
entity!(
    /// A function of the module, as a call names it; printed by the callee's
    /// name in the text form, the index in data.
    FuncRef,
    "fn"
);
