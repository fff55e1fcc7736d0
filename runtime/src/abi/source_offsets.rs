//! Source offsets as executables carry them, for trap messages: the
//! compiler writes them with [`encode_source_offsets`], `janus_start`
//! reads them with [`decode_source_offsets`].

/// Source offsets as an executable carries them: per entry, LEB128 of the
/// function index's increase, then of the pc (its increase within one
/// function), then the zigzag LEB128 of the offset's change. A few bytes
/// an entry instead of twelve.
pub fn encode_source_offsets(
    entries: impl IntoIterator<Item = (u32, u32, u32)>,
) -> alloc::vec::Vec<u8> {
    fn leb(out: &mut alloc::vec::Vec<u8>, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    let mut out = alloc::vec::Vec::new();
    let (mut func, mut pc, mut offset) = (0u32, 0u32, 0i64);
    for (f, p, o) in entries {
        leb(&mut out, u64::from(f.wrapping_sub(func)));
        leb(
            &mut out,
            u64::from(if f == func { p.wrapping_sub(pc) } else { p }),
        );
        let delta = i64::from(o) - offset;
        leb(&mut out, ((delta << 1) ^ (delta >> 63)) as u64);
        (func, pc, offset) = (f, p, i64::from(o));
    }
    out
}

/// Reads what [`encode_source_offsets`] wrote; stops at a truncated entry.
pub fn decode_source_offsets(bytes: &[u8]) -> alloc::vec::Vec<(u32, u32, u32)> {
    let mut at = 0;
    let mut leb = || -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *bytes.get(at)?;
            at += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    };
    let mut out = alloc::vec::Vec::new();
    let (mut func, mut pc, mut offset) = (0u32, 0u32, 0i64);
    while let (Some(df), Some(p), Some(z)) = (leb(), leb(), leb()) {
        let f = func.wrapping_add(df as u32);
        pc = if f == func {
            pc.wrapping_add(p as u32)
        } else {
            p as u32
        };
        func = f;
        offset += ((z >> 1) as i64) ^ -((z & 1) as i64);
        out.push((func, pc, offset as u32));
    }
    out
}
