//! The SSA builder of Braun, Buchwald, Hack, Leißa, Mallon and Zwinkau,
//! "Simple and Efficient Construction of Static Single Assignment Form"
//! (CC 2013): `def_var` and `use_var` (the paper's writeVariable and
//! readVariable), `seal` once a block's predecessors are known, the
//! non-recursive predecessor walk, and the removal of trivial parameters
//! after construction.

use super::*;

impl Builder<'_> {
    pub(super) fn ty(&self, reg: Reg) -> ValType {
        self.registers[reg as usize]
    }

    pub(super) fn def_var(&mut self, block: Block, reg: Reg, v: Value) {
        self.defs.insert((block, reg), v);
    }

    /// Emits a terminator and records its edges.
    pub(super) fn branch(&mut self, block: Block, data: InstData, pc: u32) {
        let dests: Vec<Block> = data.destinations().iter().map(|d| d.block).collect();
        let inst = self.func.append(self.ctx, block, data, pc);
        for (i, dest) in dests.into_iter().enumerate() {
            self.preds[dest.index()].push(Edge {
                from: block,
                branch: inst,
                dest: i,
            });
        }
    }

    pub(super) fn try_seal(&mut self, block: Block) {
        if !self.sealed[block.index()]
            && self.preds[block.index()].len() == self.expected_preds[block.index()]
        {
            self.seal(block);
        }
    }

    /// `seal_block`: every predecessor is known, so the parameters made while
    /// they were not get their arguments.
    pub(super) fn seal(&mut self, block: Block) {
        self.sealed[block.index()] = true;
        let pending = std::mem::take(&mut self.incomplete[block.index()]);
        for (reg, param) in pending {
            self.add_param_operands(block, reg, param);
        }
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

    /// `use_var`: the value register `reg` holds at the end of (or, while it
    /// is being filled, at the current point of) `block`.
    pub(super) fn use_var(&mut self, block: Block, reg: Reg) -> Value {
        if let Some(&v) = self.defs.get(&(block, reg)) {
            return v;
        }
        self.lookup(block, reg)
    }

    /// The non-local part of `use_var`, without recursion: follows
    /// single-predecessor chains, and for merges makes a parameter whose
    /// arguments are looked up through a worklist.
    pub(super) fn lookup(&mut self, block: Block, reg: Reg) -> Value {
        let mut work = Vec::new();
        let result = self.lookup_one(block, reg, &mut work);
        self.drain(reg, work);
        result
    }

    /// Makes room for argument `slot` on every edge into `block` and queues
    /// the lookups that will fill them.
    pub(super) fn request_operands(
        &mut self,
        block: Block,
        slot: usize,
        work: &mut Vec<(Block, Edge, usize)>,
    ) {
        for i in 0..self.preds[block.index()].len() {
            let edge = self.preds[block.index()][i];
            self.push_edge_arg(edge, PENDING, slot);
            work.push((edge.from, edge, slot));
        }
    }

    /// Fills queued edge arguments with the value `reg` has at the end of
    /// each edge's source, queueing further lookups as parameters appear.
    pub(super) fn drain(&mut self, reg: Reg, mut work: Vec<(Block, Edge, usize)>) {
        while let Some((from, edge, slot)) = work.pop() {
            let v = match self.defs.get(&(from, reg)) {
                Some(&v) => v,
                None => self.lookup_one(from, reg, &mut work),
            };
            self.push_edge_arg(edge, v, slot);
        }
    }

    pub(super) fn lookup_one(
        &mut self,
        start: Block,
        reg: Reg,
        work: &mut Vec<(Block, Edge, usize)>,
    ) -> Value {
        let mut path = Vec::new();
        let mut block = start;
        let value = loop {
            if let Some(&v) = self.defs.get(&(block, reg)) {
                break v;
            }
            let b = block.index();
            if !self.sealed[b] {
                let p = self.func.dfg.append_param(block, self.ty(reg));
                self.incomplete[b].push((reg, p));
                self.def_var(block, reg, p);
                break p;
            }
            match self.preds[b].len() {
                0 => {
                    let z = self.zero(self.ty(reg));
                    self.def_var(block, reg, z);
                    break z;
                }
                1 => {
                    path.push(block);
                    block = self.preds[b][0].from;
                }
                _ => {
                    let p = self.func.dfg.append_param(block, self.ty(reg));
                    self.def_var(block, reg, p);
                    let slot = self.func.dfg.params(block).len() - 1;
                    self.request_operands(block, slot, work);
                    break p;
                }
            }
        };
        for b in path {
            self.def_var(b, reg, value);
        }
        value
    }

    pub(super) fn add_param_operands(&mut self, block: Block, reg: Reg, param: Value) {
        let slot = match self.func.dfg.values[param.index()].def {
            ValueDef::Param(_, n) => n,
            ValueDef::Result(..) => unreachable!("incomplete parameters are parameters"),
        };
        let mut work = Vec::new();
        self.request_operands(block, slot, &mut work);
        self.drain(reg, work);
    }

    pub(super) fn edge_args(&mut self, edge: Edge) -> &mut Vec<Value> {
        let data = &mut self.func.dfg.insts[edge.branch.index()];
        &mut data
            .destinations_mut()
            .into_iter()
            .nth(edge.dest)
            .expect("edge destination exists")
            .args
    }

    /// Makes room for argument `slot` of an edge (arguments arrive in
    /// parameter order, but a slot may be filled later).
    pub(super) fn push_edge_arg(&mut self, edge: Edge, v: Value, slot: usize) {
        let args = self.edge_args(edge);
        if args.len() <= slot {
            args.resize(slot + 1, PENDING);
        }
        args[slot] = v;
    }
}

/// Removes block parameters whose arguments are all one value (or the
/// parameter itself), repeating until none is left: the paper's trivial phi
/// removal, done once after construction.
pub(super) fn remove_trivial_params(func: &mut Function) {
    let nvalues = func.dfg.values.len();
    let mut alias: Vec<Value> = (0..nvalues).map(Value::new).collect();
    fn resolve(alias: &[Value], mut v: Value) -> Value {
        while alias[v.index()] != v {
            v = alias[v.index()];
        }
        v
    }
    // Incoming edges of every block.
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
    for &b in &func.layout.blocks {
        for &inst in &func.layout.insts[b.index()] {
            func.dfg.insts[inst.index()].map_args(|v| resolve(&alias, v));
        }
    }
}
