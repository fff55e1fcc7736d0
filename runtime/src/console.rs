//! Console output and input: a buffered standard output (flushed when full,
//! before reading input, before writing to standard error, and at exit or
//! trap, so output order is the program's), and number formatting shared by
//! every engine so they print the same bytes.

use alloc::vec::Vec;

/// Bytes waiting for standard output.
#[derive(Debug, Default)]
pub struct Output {
    buf: Vec<u8>,
}

const FLUSH_AT: usize = 64 * 1024;

/// Writes all of `bytes` to a file descriptor; false on a host error.
pub fn write_fd(fd: i32, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        // SAFETY: writing from a live slice.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n < 0 {
            // SAFETY: reading errno after a failed call.
            if unsafe { *libc::__errno_location() } == libc::EINTR {
                continue;
            }
            return false;
        }
        bytes = &bytes[n as usize..];
    }
    true
}

impl Output {
    /// Queues bytes for standard output.
    pub fn write(&mut self, bytes: &[u8]) -> bool {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= FLUSH_AT {
            return self.flush();
        }
        true
    }

    /// Writes everything queued.
    pub fn flush(&mut self) -> bool {
        let ok = write_fd(1, &self.buf);
        self.buf.clear();
        ok
    }
}

/// `value` in signed decimal.
pub fn format_i64(value: i64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut n = value.unsigned_abs();
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[i..]);
}

/// `value` with `digits` decimals, as C's `%.*f` prints it (exact decimal
/// expansion, rounded to nearest); `nan`, `inf`, `-inf` for the rest.
pub fn format_f64(value: f64, digits: u32, out: &mut Vec<u8>) {
    if value.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if value.is_infinite() {
        out.extend_from_slice(if value < 0.0 { b"-inf" } else { b"inf" });
        return;
    }
    let mut buf = [0u8; 400];
    // SAFETY: the format takes an int precision and a double; 400 bytes hold
    // any finite double with up to 17 decimals (309 integer digits at most).
    let n = unsafe {
        libc::snprintf(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%.*f".as_ptr(),
            digits as libc::c_int,
            value,
        )
    };
    if n > 0 {
        out.extend_from_slice(&buf[..(n as usize).min(buf.len() - 1)]);
    }
}

/// `value` as Rust's `{}` shows it: the shortest decimal that reads back as
/// the same value (as an `f32` when `single`), written out positionally
/// (`1`, `0.1`, `0.0000001`, `1000000000000000000000`), `-` for negative
/// values and `-0`, `NaN`, `inf`, `-inf`. Built on C's correctly rounded
/// `%.*e` and `strtod`, which the runtime links anyway, instead of core's
/// float formatting (some 20 KiB of code in every executable).
pub fn format_shortest(value: f64, single: bool, out: &mut Vec<u8>) {
    if value.is_nan() {
        out.extend_from_slice(b"NaN");
        return;
    }
    if value.is_sign_negative() {
        out.push(b'-');
    }
    let value = value.abs();
    if value.is_infinite() {
        out.extend_from_slice(b"inf");
        return;
    }
    if value == 0.0 {
        out.push(b'0');
        return;
    }
    let (digits, exponent) = shortest_digits(value, single);
    if exponent < 0 {
        out.extend_from_slice(b"0.");
        out.extend(core::iter::repeat_n(b'0', (-exponent - 1) as usize));
        out.extend_from_slice(&digits);
    } else {
        let whole = exponent as usize + 1;
        if digits.len() <= whole {
            out.extend_from_slice(&digits);
            out.extend(core::iter::repeat_n(b'0', whole - digits.len()));
        } else {
            out.extend_from_slice(&digits[..whole]);
            out.push(b'.');
            out.extend_from_slice(&digits[whole..]);
        }
    }
}

/// `value` (positive, finite) to `precision` significant digits, correctly
/// rounded: the digits and the decimal exponent of the first.
fn digits_at(value: f64, precision: usize) -> (Vec<u8>, i32) {
    let mut buf = [0u8; 64];
    // SAFETY: 64 bytes hold `d.<39 digits>e+308` and the NUL; the format
    // takes an int precision and a double.
    let n = unsafe {
        libc::snprintf(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%.*e".as_ptr(),
            (precision - 1) as libc::c_int,
            value,
        )
    };
    let text = &buf[..(n.max(0) as usize).min(buf.len() - 1)];
    let e = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
    let digits = text[..e]
        .iter()
        .copied()
        .filter(u8::is_ascii_digit)
        .collect();
    let mut exponent: i32 = 0;
    for &b in text.get(e + 1..).unwrap_or(&[]) {
        if b.is_ascii_digit() {
            exponent = exponent * 10 + i32::from(b - b'0');
        }
    }
    if text.get(e + 1) == Some(&b'-') {
        exponent = -exponent;
    }
    (digits, exponent)
}

/// Whether `digits × 10^(exponent - len + 1)` reads back as `value`.
fn reads_back(digits: &[u8], exponent: i32, value: f64, single: bool) -> bool {
    let mut text = Vec::with_capacity(digits.len() + 8);
    text.extend_from_slice(digits);
    text.push(b'e');
    let mut e = Vec::new();
    format_i64(i64::from(exponent) - digits.len() as i64 + 1, &mut e);
    text.extend_from_slice(&e);
    text.push(0);
    // SAFETY: `text` is NUL-terminated.
    let back = unsafe { libc::strtod(text.as_ptr().cast(), core::ptr::null_mut()) };
    if single {
        back as f32 == value as f32
    } else {
        back == value
    }
}

/// The fewest significant digits that read back as `value`, and their
/// exponent; of two equally short candidates equally near, the larger, as
/// Rust's shortest formatting chooses.
fn shortest_digits(value: f64, single: bool) -> (Vec<u8>, i32) {
    let most = if single { 9 } else { 17 };
    for precision in 1..=most {
        let (digits, exponent) = digits_at(value, precision);
        if !reads_back(&digits, exponent, value, single) {
            continue;
        }
        // A tie at this precision: C rounds it to even, Rust up.
        let (long, long_exponent) = digits_at(value, 40);
        let tie = long_exponent == exponent
            && long.get(precision) == Some(&b'5')
            && long[precision + 1..].iter().all(|&d| d == b'0');
        let mut chosen = (digits, exponent);
        if tie {
            let mut up = long[..precision].to_vec();
            let mut up_exponent = exponent;
            let mut i = precision;
            loop {
                if i == 0 {
                    up.insert(0, b'1');
                    up.pop();
                    up_exponent += 1;
                    break;
                }
                i -= 1;
                if up[i] == b'9' {
                    up[i] = b'0';
                } else {
                    up[i] += 1;
                    break;
                }
            }
            if reads_back(&up, up_exponent, value, single) {
                chosen = (up, up_exponent);
            }
        }
        let (mut digits, exponent) = chosen;
        while digits.len() > 1 && digits.last() == Some(&b'0') {
            digits.pop();
        }
        return (digits, exponent);
    }
    digits_at(value, most)
}

/// Reads from standard input into `buf`; the count, 0 at end, `None` on error.
pub fn read_stdin(buf: &mut [u8]) -> Option<usize> {
    loop {
        // SAFETY: reading into a live slice.
        let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            return Some(n as usize);
        }
        // SAFETY: reading errno after a failed call.
        if unsafe { *libc::__errno_location() } != libc::EINTR {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: f64, d: u32) -> std::string::String {
        let mut out = Vec::new();
        format_f64(v, d, &mut out);
        std::string::String::from_utf8(out).expect("ascii")
    }

    #[test]
    fn numbers_print_like_c() {
        let mut out = Vec::new();
        format_i64(i64::MIN, &mut out);
        format_i64(0, &mut out);
        assert_eq!(out, b"-92233720368547758080");
        assert_eq!(f(-0.1690751638285245, 9), "-0.169075164");
        assert_eq!(f(2.5, 0), "2");
        assert_eq!(f(1e300, 2).len(), 301 + 3);
        assert_eq!(f(f64::NAN, 3), "nan");
        assert_eq!(f(f64::NEG_INFINITY, 3), "-inf");
        assert_eq!(f(-0.0, 1), "-0.0");
    }
}

#[cfg(test)]
mod shortest_tests {
    use super::format_shortest;

    fn shown(value: f64, single: bool) -> String {
        let mut out = Vec::new();
        format_shortest(value, single, &mut out);
        String::from_utf8(out).expect("ASCII")
    }

    #[test]
    fn floats_print_as_rusts_display_does() {
        let mut specials: Vec<f64> = vec![
            0.0,
            -0.0,
            1.0,
            -1.5,
            0.1,
            1e-7,
            1e21,
            123456789.0,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            0.3333333333333333,
            2.5e-5,
            1e16,
            9007199254740993.0,
        ];
        // A deterministic spread of bit patterns (SplitMix64).
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            specials.push(f64::from_bits(z ^ (z >> 31)));
        }
        for &v in &specials {
            assert_eq!(
                shown(v, false),
                format!("{v}"),
                "f64 bits {:#x}",
                v.to_bits()
            );
            let single = v as f32;
            let as_f32 = f32::from_bits(v.to_bits() as u32);
            for s in [single, as_f32] {
                assert_eq!(
                    shown(f64::from(s), true),
                    format!("{s}"),
                    "f32 bits {:#x}",
                    s.to_bits()
                );
            }
        }
    }
}
