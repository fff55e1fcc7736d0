//! SSA construction in the manner of Cytron, Ferrante, Rosen, Wegman and
//! Zadeck ("Efficiently Computing Static Single Assignment Form and the
//! Control Dependence Graph", TOPLAS 1991): before any instruction is
//! translated, a register written in some blocks gets a block parameter at
//! each block of the iterated dominance frontier of those blocks; blocks are
//! then translated in dominator-tree preorder, with each register's current
//! value in one slot and an undo log per block, so reading a register costs
//! the same however far away it was written. Afterwards parameters nothing
//! reads are dropped and trivial ones (all arguments one value) removed, so
//! what is left is the pruned, minimal SSA the predecessor walks of Braun et
//! al. (CC 2013) gave for these programs, with each block's parameters in
//! register order. Those walks cached a value for every register and every
//! block between a write and a read: 7.3 GB and 197 s for 20,000 if-then
//! diamonds over 4,096 registers.

use super::*;

impl Builder<'_> {
    pub(super) fn ty(&self, reg: Reg) -> ValType {
        self.registers[reg as usize]
    }

    /// Register `reg` holds `v` from here to the end of `block`, the block
    /// being translated, and in the blocks it dominates, unless written
    /// again. Only a block's first write of a register is logged for undo.
    pub(super) fn def_var(&mut self, block: Block, reg: Reg, v: Value) {
        let r = reg as usize;
        let stamp = block.index() as u32 + 1;
        if self.written_in[r] != stamp {
            self.written_in[r] = stamp;
            self.undo.push((reg, self.current[r]));
        }
        self.current[r] = Some(v);
    }

    /// The value register `reg` holds at the current point: the last write
    /// in this block or a dominating one, a block parameter where writes
    /// merge, or the parameter or zero it starts with.
    pub(super) fn use_var(&mut self, _block: Block, reg: Reg) -> Value {
        match self.current[reg as usize] {
            Some(v) => v,
            None => {
                let z = self.zero(self.ty(reg));
                self.current[reg as usize] = Some(z);
                z
            }
        }
    }

    /// Emits a terminator; its destinations' arguments are filled when the
    /// block is finished ([`Builder::finish_block`]).
    pub(super) fn branch(&mut self, block: Block, data: InstData, pc: u32) {
        let inst = self.func.append(self.ctx, block, data, pc);
        self.terminators[block.index()] = Some(inst);
    }

    pub(super) fn zero(&mut self, ty: ValType) -> Value {
        let slot = ValType::ALL
            .iter()
            .position(|&t| t == ty)
            .expect("a value type");
        if let Some(v) = self.zeros[slot] {
            return v;
        }
        let inst = self
            .func
            .dfg
            .make_inst(InstData::Const { ty, bits: 0 }, &[ty], 0);
        let insts = &mut self.func.layout.insts[self.entry.index()];
        let at = insts
            .iter()
            .take_while(|i| matches!(self.func.dfg.insts[i.index()], InstData::Const { .. }))
            .count();
        insts.insert(at, inst);
        let v = self
            .func
            .dfg
            .first_result(inst)
            .expect("const has a result");
        self.zeros[slot] = Some(v);
        v
    }

    /// Gives each block a parameter for every register it must merge, at
    /// the iterated dominance frontier of the blocks writing the register
    /// (`writes`, from [`merging_writes`]); the parameters of a block come
    /// in register order.
    pub(super) fn place_params(&mut self, writes: &[(Reg, Block)], frontiers: &[Vec<Block>]) {
        let blocks = self.func.dfg.blocks.len();
        // The register (plus one) that last put a parameter at, or queued,
        // each block: no clearing between registers.
        let mut placed = vec![0u32; blocks];
        let mut queued = vec![0u32; blocks];
        let mut work = Vec::new();
        for group in writes.chunk_by(|a, b| a.0 == b.0) {
            let reg = group[0].0;
            let stamp = u32::from(reg) + 1;
            for &(_, b) in group {
                if queued[b.index()] != stamp {
                    queued[b.index()] = stamp;
                    work.push(b);
                }
            }
            while let Some(x) = work.pop() {
                for &y in &frontiers[x.index()] {
                    if placed[y.index()] == stamp {
                        continue;
                    }
                    placed[y.index()] = stamp;
                    self.merges[y.index()].push(reg);
                    self.func.dfg.append_param(y, self.ty(reg));
                    if queued[y.index()] != stamp {
                        queued[y.index()] = stamp;
                        work.push(y);
                    }
                }
            }
        }
    }

    /// Starts `block` in the walk: its parameters become the values of the
    /// registers they merge. Returns the undo log's height to go back to.
    pub(super) fn start_block(&mut self, block: Block) -> usize {
        let mark = self.undo.len();
        for i in 0..self.merges[block.index()].len() {
            let reg = self.merges[block.index()][i];
            let p = self.func.dfg.params(block)[i];
            self.def_var(block, reg, p);
        }
        mark
    }

    /// Ends `block`: every edge out of it passes the values its target's
    /// parameters merge, as they are at the end of the block.
    pub(super) fn finish_block(&mut self, block: Block) {
        let Some(term) = self.terminators[block.index()] else {
            return;
        };
        let targets: Vec<Block> = self.func.dfg.insts[term.index()]
            .destinations()
            .iter()
            .map(|d| d.block)
            .collect();
        for (i, target) in targets.into_iter().enumerate() {
            let args: Vec<Value> = (0..self.merges[target.index()].len())
                .map(|k| {
                    let reg = self.merges[target.index()][k];
                    self.use_var(block, reg)
                })
                .collect();
            self.func.dfg.insts[term.index()].destinations_mut()[i].args = args;
        }
    }

    /// Leaves a block of the walk: the registers it and the blocks it
    /// dominates wrote get back the values they had before it.
    pub(super) fn leave_block(&mut self, mark: usize) {
        while self.undo.len() > mark {
            let (reg, old) = self.undo.pop().expect("above the mark");
            self.current[reg as usize] = old;
        }
    }
}

/// The (register, block) pairs parameters are placed from, sorted by
/// register: each register each block writes, once, for the blocks whose
/// dominance frontier is not empty. Writes in other blocks merge nowhere,
/// so straight-line code is not read twice. `spans` gives each block's
/// first and last instruction (by index into `pcs`); the entry of a
/// function whose pc 0 is a jump target has none.
pub(super) fn merging_writes(
    code: &bc::Code,
    pcs: &[u32],
    spans: &[Option<(usize, usize)>],
    frontiers: &[Vec<Block>],
    registers: usize,
) -> Vec<(Reg, Block)> {
    let mut writes = Vec::new();
    let mut last_writer = vec![u32::MAX; registers];
    for (b, span) in spans.iter().enumerate() {
        let Some((start, end)) = *span else { continue };
        if frontiers[b].is_empty() {
            continue;
        }
        for &pc in &pcs[start..=end] {
            let inst = code.at(pc).expect("blocks hold instructions");
            let mut write = |r: Reg| {
                if last_writer[r as usize] != b as u32 {
                    last_writer[r as usize] = b as u32;
                    writes.push((r, Block::new(b)));
                }
            };
            for (kind, operand) in inst.opcode.operands().iter().zip(&inst.operands) {
                match (kind, operand) {
                    (OperandKind::Def(_), Operand::Reg(r)) => write(*r),
                    (OperandKind::Results, Operand::Regs(rs)) => rs.iter().for_each(|&r| write(r)),
                    _ => {}
                }
            }
        }
    }
    writes.sort_unstable();
    writes
}

/// Every edge into each block: the branch and which of its destinations.
fn incoming(func: &Function) -> Vec<Vec<(Inst, usize)>> {
    let mut incoming: Vec<Vec<(Inst, usize)>> = vec![Vec::new(); func.dfg.blocks.len()];
    for &b in &func.layout.blocks {
        if let Some(term) = func.layout.terminator(b) {
            for (i, d) in func.dfg.insts[term.index()]
                .destinations()
                .iter()
                .enumerate()
            {
                incoming[d.block.index()].push((term, i));
            }
        }
    }
    incoming
}

/// Drops the parameters `removed` marks, and their arguments on every edge.
fn drop_params(func: &mut Function, incoming: &[Vec<(Inst, usize)>], removed: &[Vec<bool>]) {
    for &b in &func.layout.blocks {
        let keep: Vec<bool> = removed[b.index()].iter().map(|r| !r).collect();
        if keep.iter().all(|&k| k) {
            continue;
        }
        let params = std::mem::take(&mut func.dfg.blocks[b.index()].params);
        func.dfg.blocks[b.index()].params = params
            .into_iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(p, _)| p)
            .collect();
        for &(inst, dest) in &incoming[b.index()] {
            let d = &mut func.dfg.insts[inst.index()].destinations_mut()[dest];
            let args = std::mem::take(&mut d.args);
            d.args = args
                .into_iter()
                .zip(&keep)
                .filter(|(_, &k)| k)
                .map(|(a, _)| a)
                .collect();
        }
    }
}

/// Removes the block parameters no instruction reads, directly or through
/// other parameters: the registers a block merges but never reads again.
pub(super) fn remove_dead_params(func: &mut Function) {
    if func.layout.blocks.len() < 2 {
        return;
    }
    let incoming = incoming(func);
    let mut live = vec![false; func.dfg.values.len()];
    let mut work = Vec::new();
    let is_param =
        |func: &Function, v: Value| matches!(func.dfg.values[v.index()].def, ValueDef::Param(..));
    for &b in &func.layout.blocks {
        for &inst in func.layout.block_insts(b) {
            let data = &func.dfg.insts[inst.index()];
            let args = data.args();
            // Branch arguments come last; only the operands before them read.
            let passed: usize = data.destinations().iter().map(|d| d.args.len()).sum();
            for &v in &args[..args.len() - passed] {
                if is_param(func, v) && !live[v.index()] {
                    live[v.index()] = true;
                    work.push(v);
                }
            }
        }
    }
    while let Some(p) = work.pop() {
        let ValueDef::Param(block, slot) = func.dfg.values[p.index()].def else {
            continue;
        };
        for &(inst, dest) in &incoming[block.index()] {
            let arg = func.dfg.insts[inst.index()].destinations()[dest].args[slot];
            if is_param(func, arg) && !live[arg.index()] {
                live[arg.index()] = true;
                work.push(arg);
            }
        }
    }
    let entry = func.layout.entry();
    let removed: Vec<Vec<bool>> = (0..func.dfg.blocks.len())
        .map(|b| {
            let params = &func.dfg.blocks[b].params;
            if Some(Block::new(b)) == entry {
                return vec![false; params.len()];
            }
            params.iter().map(|p| !live[p.index()]).collect()
        })
        .collect();
    drop_params(func, &incoming, &removed);
}

/// Removes block parameters whose arguments are all one value (or the
/// parameter itself), repeating until none is left: the paper's trivial phi
/// removal, done once after construction.
pub(super) fn remove_trivial_params(func: &mut Function) {
    if func.layout.blocks.len() < 2 {
        return;
    }
    let nvalues = func.dfg.values.len();
    let mut alias: Vec<Value> = (0..nvalues).map(Value::new).collect();
    fn resolve(alias: &[Value], mut v: Value) -> Value {
        while alias[v.index()] != v {
            v = alias[v.index()];
        }
        v
    }
    let incoming = incoming(func);
    let entry = func.layout.entry();
    let mut removed: Vec<Vec<bool>> = func
        .dfg
        .blocks
        .iter()
        .map(|b| vec![false; b.params.len()])
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for &b in &func.layout.blocks {
            if Some(b) == entry {
                continue;
            }
            for (slot, &p) in func.dfg.blocks[b.index()].params.iter().enumerate() {
                if removed[b.index()][slot] {
                    continue;
                }
                let mut same: Option<Value> = None;
                let mut trivial = true;
                for &(inst, dest) in &incoming[b.index()] {
                    let arg = func.dfg.insts[inst.index()].destinations()[dest].args[slot];
                    let arg = resolve(&alias, arg);
                    if arg == p || Some(arg) == same {
                        continue;
                    }
                    if same.is_some() {
                        trivial = false;
                        break;
                    }
                    same = Some(arg);
                }
                if trivial {
                    if let Some(s) = same {
                        alias[p.index()] = s;
                        removed[b.index()][slot] = true;
                        changed = true;
                    }
                }
            }
        }
    }
    // Drop removed parameters and their arguments, then rewrite every use.
    drop_params(func, &incoming, &removed);
    for &b in &func.layout.blocks {
        for &inst in &func.layout.insts[b.index()] {
            func.dfg.insts[inst.index()].map_args(|v| resolve(&alias, v));
        }
    }
}
