//! Operands in IR text: value lists, block calls with their arguments, and
//! the operands before an instruction's `@pc`, each use recorded with its
//! span so the verifier's errors can point at it.

use super::{PResult, Parser};
use crate::asm::lexer::Tok;
use crate::ir::entities::Value;
use crate::ir::instructions::BlockCall;
use std::ops::Range;

impl Parser<'_> {
    /// Values up to `close`, comma-separated, each recorded in `uses`.
    pub(super) fn values_list(
        &mut self,
        close: Tok,
        uses: &mut Vec<(Value, Range<usize>)>,
    ) -> PResult<Vec<Value>> {
        let mut out = Vec::new();
        if self.eat(&close) {
            return Ok(out);
        }
        loop {
            out.push(self.use_value(uses)?);
            if self.eat(&close) {
                return Ok(out);
            }
            self.expect(Tok::Comma, "`,` between values")?;
        }
    }

    /// One value, recorded in `uses` with its span.
    pub(super) fn use_value(&mut self, uses: &mut Vec<(Value, Range<usize>)>) -> PResult<Value> {
        let span = self.peek().span.clone();
        let v = self.value()?;
        uses.push((v, span));
        Ok(v)
    }

    /// `blockN` or `blockN(args)`, the block recorded for the check that it exists.
    pub(super) fn block_call(
        &mut self,
        uses: &mut Vec<(Value, Range<usize>)>,
    ) -> PResult<BlockCall> {
        let span = self.peek().span.clone();
        let block = self.block()?;
        self.block_uses.push((block, span));
        let args = if self.eat(&Tok::LParen) {
            self.values_list(Tok::RParen, uses)?
        } else {
            Vec::new()
        };
        Ok(BlockCall { block, args })
    }

    /// Values until `@` (possibly none), comma-separated.
    pub(super) fn operands_until_at(
        &mut self,
        uses: &mut Vec<(Value, Range<usize>)>,
    ) -> PResult<Vec<Value>> {
        let mut out = Vec::new();
        if self.peek().tok == Tok::At {
            return Ok(out);
        }
        loop {
            out.push(self.use_value(uses)?);
            if self.peek().tok == Tok::At {
                return Ok(out);
            }
            self.expect(Tok::Comma, "`,` or `@pc`")?;
        }
    }
}
