//! Calls: the signatures generated functions have (several of them with
//! more than one result), and direct and indirect calls of them, whose
//! arguments are often the results of the call before.

use super::*;

/// The signatures generated functions use, fixed so indices are known:
/// parameters, then results. `main`'s comes first and `deep`'s second.
pub(super) const SIGNATURES: &[(&[ValType], &[ValType])] = &[
    (&[], &[ValType::I32]),
    (&[ValType::I64], &[ValType::I64]),
    (&[ValType::I32, ValType::F64], &[ValType::F64]),
    (&[ValType::F32], &[]),
    (&[ValType::I64, ValType::I32], &[ValType::I32]),
    // Quotient and remainder.
    (&[ValType::I32, ValType::I32], &[ValType::I32, ValType::I32]),
    (&[ValType::I64], &[ValType::F64, ValType::I32, ValType::I64]),
    (
        &[],
        &[ValType::I64, ValType::F32, ValType::I32, ValType::F64],
    ),
];

/// The signature of `SIGNATURES[index]`.
pub(super) fn signature(index: usize) -> Signature {
    let (params, results) = SIGNATURES[index];
    Signature {
        params: params.to_vec(),
        results: results.to_vec(),
    }
}

impl Gen<'_> {
    /// A call's result and argument registers: results in distinct
    /// registers (a list may not name one twice); arguments anywhere in
    /// the pool, and half the time the previous call's results of the
    /// right type, so results often flow straight into the next call.
    pub(super) fn args_for(&mut self, sig: &Signature) -> (Vec<Reg>, Vec<Reg>) {
        let mut args = Vec::with_capacity(sig.params.len());
        for &t in &sig.params {
            let fed: Vec<Reg> = self
                .last_results
                .iter()
                .copied()
                .filter(|&r| self.pool[slot(t)].contains(&r))
                .collect();
            let r = if !fed.is_empty() && self.rng.below(2) == 0 {
                fed[self.rng.below(fed.len())]
            } else {
                self.reg(t)
            };
            args.push(r);
        }
        let mut results: Vec<Reg> = Vec::with_capacity(sig.results.len());
        for &t in &sig.results {
            let free: Vec<Reg> = self.pool[slot(t)]
                .iter()
                .copied()
                .filter(|r| !results.contains(r))
                .collect();
            results.push(free[self.rng.below(free.len())]);
        }
        self.last_results = results.clone();
        (results, args)
    }

    pub(super) fn call(&mut self, b: &mut FunctionBuilder) {
        if self.callees.is_empty() {
            return self.simple(b);
        }
        if self.rng.below(3) == 0 && !self.table_sigs.is_empty() {
            let sig = self.table_sigs[self.rng.below(self.table_sigs.len())].clone();
            let reachable: Vec<usize> = (0..self.table_len)
                .filter(|&e| self.table_entry_ok[e])
                .collect();
            let entry = if reachable.is_empty() {
                self.rng.below(self.table_len)
            } else {
                reachable[self.rng.below(reachable.len())]
            };
            let index = self.reg(ValType::I32);
            let modulus = self.reg(ValType::I32);
            if modulus != index && self.rng.below(5) != 0 {
                let m = if self.rng.below(5) == 0 {
                    self.table_len + 2
                } else {
                    self.table_len
                };
                b.inst(
                    Opcode::I32Const,
                    vec![Operand::Reg(modulus), Operand::I32(m as i32)],
                )
                .expect("operands");
                b.op(Opcode::I32RemU, &[index, index, modulus])
                    .expect("operands");
            }
            // Mostly call a known entry with its own signature.
            let sig = if index != modulus && self.rng.below(5) != 0 {
                b.inst(
                    Opcode::I32Const,
                    vec![Operand::Reg(index), Operand::I32(entry as i32)],
                )
                .expect("operands");
                self.table_entry_sigs[entry].clone()
            } else {
                sig
            };
            let (results, args) = self.args_for(&sig);
            let sig_index = callee_sig_index(&sig);
            b.inst(
                Opcode::CallIndirect,
                vec![
                    Operand::U32(sig_index),
                    Operand::Reg(index),
                    Operand::Regs(results),
                    Operand::Regs(args),
                ],
            )
            .expect("operands");
            return;
        }
        let (f, sig) = self.callees[self.rng.below(self.callees.len())].clone();
        let (results, args) = self.args_for(&sig);
        b.call(f, &results, &args).expect("operands");
    }
}

/// Signature indices are fixed before bodies are built (see `generate`).
fn callee_sig_index(sig: &Signature) -> u32 {
    SIGNATURES
        .iter()
        .position(|s| s.0 == sig.params.as_slice() && s.1 == sig.results.as_slice())
        .expect("a known signature") as u32
}
