//! Control-flow predecessors and the dominator tree, by the iterative
//! algorithm of Cooper, Harvey and Kennedy ("A Simple, Fast Dominance
//! Algorithm", 2001), with tree pre/post numbers so `dominates` is O(1).
//! Only blocks reachable from the entry are in the tree. Nothing here
//! recurses.

use super::entities::Block;
use super::function::Function;

/// Dominance facts of one function.
#[derive(Clone, Debug)]
pub struct DominatorTree {
    /// Reachable blocks in reverse postorder; the entry first.
    pub rpo: Vec<Block>,
    /// Position of each block in `rpo`, `usize::MAX` if unreachable.
    rpo_index: Vec<usize>,
    /// Immediate dominator of each reachable block (the entry's is itself).
    idom: Vec<Option<Block>>,
    /// Preorder and postorder numbers in the dominator tree.
    pre: Vec<u32>,
    post: Vec<u32>,
    /// Dominator-tree children of each block, in reverse postorder.
    pub children: Vec<Vec<Block>>,
    /// Predecessors of each block (blocks whose terminator branches to it;
    /// repeated when several edges do).
    pub preds: Vec<Vec<Block>>,
}

/// The successors of `block`: its terminator's destinations, in order.
pub fn successors(func: &Function, block: Block) -> Vec<Block> {
    func.layout
        .terminator(block)
        .map(|t| {
            func.dfg
                .inst(t)
                .destinations()
                .iter()
                .map(|d| d.block)
                .collect()
        })
        .unwrap_or_default()
}

impl DominatorTree {
    /// Computes the tree of `func` (which may be unverified: destinations
    /// outside the function are ignored).
    pub fn compute(func: &Function) -> Self {
        let n = func.dfg.blocks.len();
        let in_layout: Vec<bool> = {
            let mut v = vec![false; n];
            for &b in &func.layout.blocks {
                v[b.index()] = true;
            }
            v
        };
        let mut succs = vec![Vec::new(); n];
        for &b in &func.layout.blocks {
            succs[b.index()] = successors(func, b)
                .into_iter()
                .filter(|s| s.index() < n && in_layout[s.index()])
                .collect();
        }
        Self::of_graph(func.layout.entry(), &succs)
    }

    /// The tree of the graph whose block `b` has the successors `succs[b]`
    /// (all of them indices into `succs`), from `entry`.
    pub fn of_graph(entry: Option<Block>, succs: &[Vec<Block>]) -> Self {
        let n = succs.len();
        let mut preds = vec![Vec::new(); n];
        for (b, ss) in succs.iter().enumerate() {
            for s in ss {
                preds[s.index()].push(Block::new(b));
            }
        }
        // Postorder by an explicit stack.
        let mut post_order = Vec::new();
        let mut visited = vec![false; n];
        if let Some(entry) = entry {
            let mut stack = vec![(entry, 0usize)];
            visited[entry.index()] = true;
            while let Some((b, i)) = stack.last_mut() {
                let ss = &succs[b.index()];
                if *i < ss.len() {
                    let s = ss[*i];
                    *i += 1;
                    if !visited[s.index()] {
                        visited[s.index()] = true;
                        stack.push((s, 0));
                    }
                } else {
                    post_order.push(*b);
                    stack.pop();
                }
            }
        }
        let rpo: Vec<Block> = post_order.iter().rev().copied().collect();
        let mut rpo_index = vec![usize::MAX; n];
        for (i, b) in rpo.iter().enumerate() {
            rpo_index[b.index()] = i;
        }
        let mut idom: Vec<Option<Block>> = vec![None; n];
        if let Some(&entry) = rpo.first() {
            idom[entry.index()] = Some(entry);
            let mut changed = true;
            while changed {
                changed = false;
                for &b in &rpo[1..] {
                    let mut new: Option<Block> = None;
                    for &p in &preds[b.index()] {
                        if idom[p.index()].is_none() {
                            continue;
                        }
                        new = Some(match new {
                            None => p,
                            Some(q) => intersect(&idom, &rpo_index, p, q),
                        });
                    }
                    if new.is_some() && idom[b.index()] != new {
                        idom[b.index()] = new;
                        changed = true;
                    }
                }
            }
        }
        let mut children = vec![Vec::new(); n];
        for &b in rpo.iter().skip(1) {
            if let Some(d) = idom[b.index()] {
                children[d.index()].push(b);
            }
        }
        let mut pre = vec![0; n];
        let mut post = vec![0; n];
        if let Some(&entry) = rpo.first() {
            let (mut pre_n, mut post_n) = (0u32, 0u32);
            let mut stack = vec![(entry, 0usize)];
            pre[entry.index()] = pre_n;
            pre_n += 1;
            while let Some((b, i)) = stack.last_mut() {
                if let Some(&c) = children[b.index()].get(*i) {
                    *i += 1;
                    pre[c.index()] = pre_n;
                    pre_n += 1;
                    stack.push((c, 0));
                } else {
                    post[b.index()] = post_n;
                    post_n += 1;
                    stack.pop();
                }
            }
        }
        DominatorTree {
            rpo,
            rpo_index,
            idom,
            pre,
            post,
            children,
            preds,
        }
    }

    /// Whether `b` is reachable from the entry.
    pub fn is_reachable(&self, b: Block) -> bool {
        self.rpo_index
            .get(b.index())
            .is_some_and(|&i| i != usize::MAX)
    }

    /// The immediate dominator of `b` (the entry's is itself).
    pub fn idom(&self, b: Block) -> Option<Block> {
        self.idom.get(b.index()).copied().flatten()
    }

    /// The dominance frontier of every block, by the algorithm of Cooper,
    /// Harvey and Kennedy: for each join, the blocks on the tree paths up
    /// from its reachable predecessors to its immediate dominator. Each
    /// frontier lists a block once.
    pub fn frontiers(&self) -> Vec<Vec<Block>> {
        let mut df: Vec<Vec<Block>> = vec![Vec::new(); self.idom.len()];
        for &b in &self.rpo {
            let preds = &self.preds[b.index()];
            if preds.len() < 2 {
                continue;
            }
            let stop = self.idom(b);
            for &p in preds {
                let mut runner = p;
                while self.is_reachable(runner) && Some(runner) != stop {
                    if df[runner.index()].last() == Some(&b) {
                        break;
                    }
                    df[runner.index()].push(b);
                    match self.idom(runner) {
                        Some(up) if up != runner => runner = up,
                        _ => break,
                    }
                }
            }
        }
        df
    }

    /// Whether `a` dominates `b` (every block dominates itself).
    pub fn dominates(&self, a: Block, b: Block) -> bool {
        self.is_reachable(a)
            && self.is_reachable(b)
            && self.pre[a.index()] <= self.pre[b.index()]
            && self.post[b.index()] <= self.post[a.index()]
    }
}

fn intersect(idom: &[Option<Block>], rpo_index: &[usize], mut a: Block, mut b: Block) -> Block {
    while a != b {
        while rpo_index[a.index()] > rpo_index[b.index()] {
            a = idom[a.index()].expect("processed blocks have an idom");
        }
        while rpo_index[b.index()] > rpo_index[a.index()] {
            b = idom[b.index()].expect("processed blocks have an idom");
        }
    }
    a
}
