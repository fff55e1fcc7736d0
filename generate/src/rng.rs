//! The generator's source of randomness.

use janus_runtime::abi::ValType;

/// splitmix64: a tiny deterministic generator, so a seed reproduces its
/// program. Public for the other generators in the tests.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub(crate) fn chance(&mut self, per_thousand: u64) -> bool {
        self.next() % 1000 < per_thousand
    }

    /// Mostly small interesting values, sometimes anything.
    pub(crate) fn int_bits(&mut self) -> u64 {
        match self.below(6) {
            0 => self.next(),
            1 => [
                0,
                1,
                u64::MAX,
                i64::MIN as u64,
                i32::MIN as u32 as u64,
                u32::MAX as u64,
            ][self.below(6)],
            _ => self.below(200) as u64,
        }
    }

    pub(crate) fn float_bits(&mut self, ty: ValType) -> u64 {
        if self.below(10) == 0 {
            // A NaN with a random sign and payload, quiet or signalling, as
            // NaN-boxing keeps one: its bits must survive every move.
            let payload = self.next();
            return if ty == ValType::F32 {
                let mantissa = (payload as u32 & 0x7f_ffff).max(1);
                u64::from(0x7f80_0000 | mantissa | (payload >> 63 << 31) as u32)
            } else {
                let mantissa = (payload & 0xf_ffff_ffff_ffff).max(1);
                0x7ff0_0000_0000_0000 | mantissa | (payload >> 63 << 63)
            };
        }
        let v: f64 = match self.below(8) {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => -0.0,
            3 => 1e300,
            _ => (self.below(20000) as f64 - 10000.0) / 64.0,
        };
        if ty == ValType::F32 {
            u64::from((v as f32).to_bits())
        } else {
            v.to_bits()
        }
    }
}
