//! The debug-information sections: label names and source offsets.
//! Nothing runs differently with them, but the disassembler and trap
//! messages read them, so each entry must name a function that exists and
//! a pc where an instruction starts.

use super::{is_identifier, Verifier, VerifyErrorKind};
use std::collections::{HashMap, HashSet};

impl Verifier<'_> {
    /// The source section: a source kind that is an identifier, entries
    /// in strict (function, pc) order, each at an instruction.
    pub(super) fn source(&mut self) {
        let Some(source) = &self.module.source else {
            return;
        };
        if !is_identifier(&source.kind) {
            let offset = self
                .offsets
                .source
                .first()
                .copied()
                .unwrap_or(self.offsets.end);
            self.error(
                offset,
                VerifyErrorKind::BadName {
                    what: "source kind",
                    name: source.kind.clone(),
                },
            );
        }
        let mut previous: Option<(u32, u32)> = None;
        let mut pcs: Option<(u32, HashSet<u32>)> = None;
        for (index, o) in source.offsets.iter().enumerate() {
            let offset = Self::offset_of(&self.offsets.source, index, self.offsets.end);
            if previous.is_some_and(|p| p >= (o.func, o.pc)) {
                self.error(
                    offset,
                    VerifyErrorKind::SourceOffsetsUnsorted {
                        func: o.func,
                        pc: o.pc,
                    },
                );
            }
            previous = Some((o.func, o.pc));
            let Some(func) = self.module.functions.get(o.func as usize) else {
                self.error(
                    offset,
                    VerifyErrorKind::FunctionOutOfRange {
                        index: o.func,
                        count: self.module.functions.len(),
                    },
                );
                continue;
            };
            if !matches!(&pcs, Some((f, _)) if *f == o.func) {
                let all = func.pcs();
                pcs = Some((o.func, all[..all.len() - 1].iter().copied().collect()));
            }
            if !pcs.as_ref().is_some_and(|(_, set)| set.contains(&o.pc)) {
                self.error(
                    offset,
                    VerifyErrorKind::SourceNotAtInstruction {
                        func: o.func,
                        pc: o.pc,
                    },
                );
            }
        }
    }

    pub(super) fn label_names(&mut self) {
        let mut starts: HashMap<u32, HashSet<u32>> = HashMap::new();
        let mut previous: Option<(u32, u32)> = None;
        let mut names_in_func: HashSet<(u32, &str)> = HashSet::new();
        for (index, label) in self.module.label_names.iter().enumerate() {
            let offset = Self::offset_of(&self.offsets.label_names, index, self.offsets.end);
            if !is_identifier(&label.name) {
                self.error(
                    offset,
                    VerifyErrorKind::BadName {
                        what: "label",
                        name: label.name.clone(),
                    },
                );
            }
            if previous.is_some_and(|p| p > (label.func, label.pc)) {
                self.error(
                    offset,
                    VerifyErrorKind::LabelNamesUnsorted {
                        name: label.name.clone(),
                    },
                );
            }
            previous = Some((label.func, label.pc));
            if !names_in_func.insert((label.func, &label.name)) {
                self.error(
                    offset,
                    VerifyErrorKind::DuplicateLabel {
                        name: label.name.clone(),
                    },
                );
            }
            let Some(func) = self.module.functions.get(label.func as usize) else {
                self.error(
                    offset,
                    VerifyErrorKind::FunctionOutOfRange {
                        index: label.func,
                        count: self.module.functions.len(),
                    },
                );
                continue;
            };
            let pcs = starts.entry(label.func).or_insert_with(|| {
                let pcs = func.pcs();
                pcs[..pcs.len() - 1].iter().copied().collect()
            });
            if !pcs.contains(&label.pc) {
                self.error(
                    offset,
                    VerifyErrorKind::LabelNotAtInstruction {
                        name: label.name.clone(),
                        pc: label.pc,
                    },
                );
            }
        }
    }
}
