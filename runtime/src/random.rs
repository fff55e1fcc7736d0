//! The random device's source: the host's getrandom(2) by default, or, when
//! `JANUS_RANDOM_SEED` sets a seed, a deterministic SplitMix64 stream, so a
//! seeded program draws the same bytes under every engine and in every run.

/// Where `random.fill` and `wasi.random_get` take their bytes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Random {
    /// The host's getrandom(2).
    Os,
    /// SplitMix64 from a seed: the state after the bytes drawn so far.
    Seeded(u64),
}

impl Random {
    /// The source for an optional seed.
    pub fn new(seed: Option<u64>) -> Self {
        match seed {
            Some(s) => Random::Seeded(s),
            None => Random::Os,
        }
    }

    /// Fills `buf`; false when the host's source fails.
    pub fn fill(&mut self, buf: &mut [u8]) -> bool {
        match self {
            Random::Seeded(state) => {
                for chunk in buf.chunks_mut(8) {
                    let word = splitmix64(state).to_le_bytes();
                    chunk.copy_from_slice(&word[..chunk.len()]);
                }
                true
            }
            Random::Os => {
                let mut done = 0;
                while done < buf.len() {
                    let rest = &mut buf[done..];
                    // SAFETY: getrandom writes at most `rest.len()` bytes
                    // into the live buffer.
                    let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
                    if n > 0 {
                        done += n as usize;
                    } else if n < 0 {
                        // SAFETY: reading errno after a failed call.
                        if unsafe { *libc::__errno_location() } != libc::EINTR {
                            return false;
                        }
                    }
                }
                true
            }
        }
    }
}

/// One step of SplitMix64 (Steele, Lea and Flood).
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_stream_whatever_the_chunking() {
        let mut a = Random::new(Some(42));
        let mut whole = [0u8; 20];
        assert!(a.fill(&mut whole));
        let mut b = Random::new(Some(42));
        let (mut x, mut y) = ([0u8; 8], [0u8; 12]);
        assert!(b.fill(&mut x) && b.fill(&mut y));
        assert_eq!(&whole[..8], &x);
        // A fill starts a new 8-byte word: the tail of the first word of
        // `y` is not the tail of `whole`'s third word, but a fill of a
        // multiple of 8 continues the stream exactly.
        assert_eq!(&whole[8..16], &y[..8]);
        let mut c = Random::new(Some(43));
        let mut other = [0u8; 20];
        assert!(c.fill(&mut other));
        assert_ne!(whole, other);
        // The first SplitMix64 output for seed 0 (the reference value).
        let mut zero = Random::new(Some(0));
        let mut w = [0u8; 8];
        assert!(zero.fill(&mut w));
        assert_eq!(u64::from_le_bytes(w), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn the_host_source_fills_the_buffer() {
        let mut r = Random::new(None);
        let mut buf = [0u8; 64];
        assert!(r.fill(&mut buf));
        assert!(buf.iter().any(|&b| b != 0));
        assert!(r.fill(&mut []));
    }
}
