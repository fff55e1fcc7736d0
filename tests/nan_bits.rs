//! Exact NaN bits (docs/ISA.md §6.3) at every optimisation level: the
//! NaN-boxing sample, whose payloads cross stores, loads, calls, globals,
//! selects and loops, prints the same bits under every engine at -O0, -O1
//! and -O3 as its expected output says (-O2 runs with every sample in
//! `tests/engines.rs`). The compiled code canonicalises only where the
//! analysis in `compiler/src/llvm/lower/nan.rs` says, so an error in it
//! shows here as a payload lost or a non-canonical NaN kept.

#[path = "common/mod.rs"]
mod common;

use common::{janusc, root, stderr, stdout};

#[test]
fn nan_payloads_survive_at_every_level_in_every_engine() {
    let root = root();
    let expected = std::fs::read_to_string(root.join("samples/nan_boxing.out")).expect("read");
    for level in ["-O0", "-O1", "-O3"] {
        let out = janusc(
            &["run", "--engine", "all", level, "samples/nan_boxing.jasm"],
            &root,
        );
        assert_eq!(out.status.code(), Some(0), "{level}: {}", stderr(&out));
        assert_eq!(stdout(&out), expected, "{level}");
    }
}
