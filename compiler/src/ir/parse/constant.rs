//! Constants in IR text: an integer or float literal of a value type, read
//! back to the bits `const.T` and header `global` lines print.

use super::{PResult, Parser};
use crate::asm::lexer::Tok;
use crate::asm::literal::{parse_f32, parse_f64};
use janus_runtime::abi::ValType;

impl Parser<'_> {
    /// A constant of type `ty`, as its bits.
    pub(super) fn constant(&mut self, ty: ValType) -> PResult<u64> {
        match ty {
            ValType::I32 | ValType::I64 => {
                let (v, span) = self.number("an integer")?;
                let (min, max) = if ty == ValType::I32 {
                    (i128::from(i32::MIN), i128::from(u32::MAX))
                } else {
                    (i128::from(i64::MIN), i128::from(u64::MAX))
                };
                if v < min || v > max {
                    return Err((span, format!("`{v}` does not fit {ty}")));
                }
                Ok(if ty == ValType::I32 {
                    u64::from(v as u32)
                } else {
                    v as u64
                })
            }
            ValType::F32 | ValType::F64 => {
                let negative = self.eat(&Tok::Minus);
                let t = self.next();
                let text = match &t.tok {
                    Tok::Number(n) if !negative => n.clone(),
                    Tok::Ident(w) if w == "inf" => w.clone(),
                    Tok::Ident(w) if w == "nan" => {
                        if self.eat(&Tok::Colon) {
                            match &self.next().tok {
                                Tok::Number(p) => format!("nan:{p}"),
                                _ => {
                                    return Err((
                                        t.span.clone(),
                                        "expected a NaN payload like 0x1".into(),
                                    ))
                                }
                            }
                        } else {
                            w.clone()
                        }
                    }
                    _ => {
                        return Err((
                            t.span.clone(),
                            format!("expected a float, found {}", t.tok.describe()),
                        ))
                    }
                };
                let span = t.span.clone();
                let bits = if ty == ValType::F32 {
                    parse_f32(negative, &text, &span).map(u64::from)
                } else {
                    parse_f64(negative, &text, &span)
                };
                bits.map_err(|e| (span, e.message))
            }
        }
    }
}
