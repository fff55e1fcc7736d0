//! Each function's thresholds, from the command line's, or drawn at random
//! from `--tier-seed` (splitmix64, so a seed names the same draws on every
//! machine).

use crate::args::TierArgs;
use janus_interp::tier::Thresholds;

/// One function in this many is never compiled for calls (and, drawn
/// apart, for loops) under a seed.
const NEVER_ONE_IN: u64 = 4;

/// splitmix64's step.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A draw in `1..=bound`, or 0 (never) one time in [`NEVER_ONE_IN`]; 0 if
/// `bound` is.
fn draw(state: &mut u64, bound: u32) -> u32 {
    let r = next(state);
    if bound == 0 || r % NEVER_ONE_IN == 0 {
        return 0;
    }
    1 + ((r >> 8) % u64::from(bound)) as u32
}

/// The thresholds of each of `functions` functions.
pub fn for_functions(args: &TierArgs, functions: usize) -> Vec<Thresholds> {
    let fixed = Thresholds {
        calls: args.call_threshold,
        loops: args.loop_threshold,
    };
    match args.tier_seed {
        None => vec![fixed; functions],
        Some(seed) => {
            let mut state = seed;
            (0..functions)
                .map(|_| Thresholds {
                    calls: draw(&mut state, fixed.calls),
                    loops: draw(&mut state, fixed.loops),
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(seed: Option<u64>) -> TierArgs {
        TierArgs {
            call_threshold: 8,
            loop_threshold: 64,
            compiler_threads: 0,
            tier_seed: seed,
            jit_log: None,
        }
    }

    #[test]
    fn without_a_seed_every_function_gets_the_thresholds() {
        let t = for_functions(&args(None), 3);
        assert!(t.iter().all(|t| t.calls == 8 && t.loops == 64));
    }

    #[test]
    fn a_seed_draws_the_same_thresholds_within_the_bounds() {
        let a = for_functions(&args(Some(7)), 200);
        assert_eq!(a, for_functions(&args(Some(7)), 200));
        assert_ne!(a, for_functions(&args(Some(8)), 200));
        assert!(a.iter().all(|t| t.calls <= 8 && t.loops <= 64));
        assert!(a.iter().any(|t| t.calls == 0) && a.iter().any(|t| t.calls == 1));
    }
}
