//! Renumbers a function densely in layout order: blocks `block0..`, values
//! in the order a reader meets their definitions (each block's parameters,
//! then its instructions' results), instructions likewise, dropping whatever
//! the layout no longer holds. The printed text is then a function of the
//! code alone, and parsing it back gives an equal function.

use crate::ir::entities::{Block, Inst, Value};
use crate::ir::function::{BlockData, DataFlowGraph, Function, Layout, ValueData, ValueDef};

/// Renumbers `func` in place.
pub fn renumber(func: &mut Function) {
    let old = std::mem::take(&mut func.dfg);
    let old_layout = std::mem::take(&mut func.layout);
    let mut block_map = vec![None; old.blocks.len()];
    let mut value_map = vec![None; old.values.len()];
    let mut next_value = 0usize;
    for (new, &b) in old_layout.blocks.iter().enumerate() {
        block_map[b.index()] = Some(Block::new(new));
        for &p in &old.blocks[b.index()].params {
            value_map[p.index()] = Some(Value::new(next_value));
            next_value += 1;
        }
        for &inst in old_layout.block_insts(b) {
            for r in old.inst_results(inst) {
                value_map[r.index()] = Some(Value::new(next_value));
                next_value += 1;
            }
        }
    }
    let map_value = |v: Value| value_map.get(v.index()).copied().flatten().unwrap_or(v);
    let mut dfg = DataFlowGraph::default();
    let mut layout = Layout::default();
    dfg.values.reserve(next_value);
    // One buffer for every instruction's renumbered results.
    let mut mapped: Vec<Value> = Vec::new();
    for &b in &old_layout.blocks {
        let nb = dfg.make_block();
        layout.append_block(nb);
        for (n, &p) in old.blocks[b.index()].params.iter().enumerate() {
            dfg.values.push(ValueData {
                ty: old.values[p.index()].ty,
                def: ValueDef::Param(nb, n),
            });
        }
        dfg.blocks[nb.index()] = BlockData {
            params: old.blocks[b.index()]
                .params
                .iter()
                .map(|&p| map_value(p))
                .collect(),
        };
        for &inst in old_layout.block_insts(b) {
            let mut data = old.insts[inst.index()].clone();
            data.map_args(map_value);
            for dest in data.destinations_mut() {
                dest.block = block_map[dest.block.index()].unwrap_or(dest.block);
            }
            let ni = Inst::new(dfg.insts.len());
            dfg.insts.push(data);
            dfg.pcs.push(old.pcs[inst.index()]);
            let results = old.inst_results(inst);
            for (n, r) in results.iter().enumerate() {
                dfg.values.push(ValueData {
                    ty: old.values[r.index()].ty,
                    def: ValueDef::Result(ni, n),
                });
            }
            mapped.clear();
            mapped.extend(results.iter().map(|&r| map_value(r)));
            dfg.push_results(&mapped);
            layout.append_inst(nb, ni);
        }
    }
    func.dfg = dfg;
    func.layout = layout;
}
