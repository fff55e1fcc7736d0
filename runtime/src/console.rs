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
