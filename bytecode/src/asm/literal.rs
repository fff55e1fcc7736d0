//! Number literals: integers read to an `i128` so every operand's range can
//! be checked by its user, and floats read bit-exactly (correct rounding, NaN
//! payloads). The SSA IR's text parser reads its numbers with these too, so
//! both text formats spell numbers the same way.

use super::error::{codes, AsmError};
use std::ops::Range;

type Span = Range<usize>;

/// Parses decimal or `0x` hexadecimal, with an optional sign and `_`
/// separators, to an i128 so every operand's range can be checked after.
pub fn parse_int(text: &str) -> Option<i128> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let cleaned: String = rest.chars().filter(|&c| c != '_').collect();
    let magnitude = if let Some(hex) = cleaned.strip_prefix("0x") {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) || hex.len() > 20 {
            return None;
        }
        i128::from_str_radix(hex, 16).ok()?
    } else {
        if cleaned.is_empty() || !cleaned.bytes().all(|b| b.is_ascii_digit()) || cleaned.len() > 30
        {
            return None;
        }
        cleaned.parse::<i128>().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Reads an unsigned number of at most `max`; `what` names it in errors.
pub(super) fn number_u64(text: &str, span: &Span, max: u64, what: &str) -> Result<u64, AsmError> {
    let value = parse_int(text).ok_or_else(|| bad_number(text, span, what))?;
    if value < 0 || value > i128::from(max) {
        return Err(AsmError::new(
            codes::OUT_OF_RANGE,
            format!("{what} `{text}` is out of range: expected 0..={max}"),
            span.clone(),
        ));
    }
    Ok(value as u64)
}

/// A0007: `text` is not a number of the kind `what`.
pub(super) fn bad_number(text: &str, span: &Span, what: &str) -> AsmError {
    AsmError::new(
        codes::BAD_NUMBER,
        format!("expected {what}, found `{text}`"),
        span.clone(),
    )
}

fn float_error(text: &str, span: &Span) -> AsmError {
    AsmError::new(
        codes::BAD_NUMBER,
        format!("expected a float (like 1.5, -2e-3, inf, nan or nan:0x1), found `{text}`"),
        span.clone(),
    )
}

/// The bits of an f64 literal (`1.5`, `inf`, `nan:0x1`), its sign given apart.
pub fn parse_f64(negative: bool, text: &str, span: &Span) -> Result<u64, AsmError> {
    let sign = if negative { 1u64 << 63 } else { 0 };
    if text == "inf" {
        return Ok(sign | 0x7ff0_0000_0000_0000);
    }
    if let Some(payload) = nan_payload(text, span, (1u64 << 52) - 1)? {
        return Ok(sign | 0x7ff0_0000_0000_0000 | payload);
    }
    if !is_decimal_float(text) {
        return Err(float_error(text, span));
    }
    text.parse::<f64>()
        .map(f64::to_bits)
        .map_err(|_| float_error(text, span))
}

/// The bits of an f32 literal (`1.5`, `inf`, `nan:0x1`), its sign given apart.
pub fn parse_f32(negative: bool, text: &str, span: &Span) -> Result<u32, AsmError> {
    let sign = if negative { 1u32 << 31 } else { 0 };
    if text == "inf" {
        return Ok(sign | 0x7f80_0000);
    }
    if let Some(payload) = nan_payload(text, span, (1u64 << 23) - 1)? {
        return Ok(sign | 0x7f80_0000 | payload as u32);
    }
    if !is_decimal_float(text) {
        return Err(float_error(text, span));
    }
    text.parse::<f32>()
        .map(f32::to_bits)
        .map_err(|_| float_error(text, span))
}

/// `nan` (the canonical quiet NaN) or `nan:0xPAYLOAD` (a non-zero mantissa).
fn nan_payload(text: &str, span: &Span, max: u64) -> Result<Option<u64>, AsmError> {
    if text == "nan" {
        return Ok(Some(max / 2 + 1));
    }
    let Some(payload) = text.strip_prefix("nan:") else {
        return Ok(None);
    };
    match parse_int(payload) {
        Some(p) if p >= 1 && p <= i128::from(max) && payload.starts_with("0x") => {
            Ok(Some(p as u64))
        }
        _ => Err(AsmError::new(
            codes::OUT_OF_RANGE,
            format!("NaN payload `{payload}` is out of range: expected 0x1..={max:#x}"),
            span.clone(),
        )),
    }
}

/// Rust's float parser also takes `inf`, `NaN` and `infinity`; the assembly
/// spells those one way only, so digits are required here.
fn is_decimal_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    body.starts_with(|c: char| c.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
}
