//! Turning a file of either format into a verified module: the one entry point
//! the CLI and the engines use, so every consumer runs the same checks.
//!
//! A file that starts with the `.jbc` magic is decoded; anything else is read
//! as `.jasm` text, assembled and encoded, then decoded again, so that both
//! formats pass through the same loader and verifier, and verifier errors in
//! assembled code can be mapped back to source lines through the
//! [`SourceMap`]: every verifier error on assembled text gets a span, the
//! operand at fault where the verifier names one, else the instruction,
//! directive or label behind its offset (for a missing `export main`, the
//! first `export` or `func` line).

use crate::asm::{self, AsmError, AsmWarning, SourceMap};
use crate::bytecode::format::MAGIC;
use crate::bytecode::{self, DecodeError, FileOffsets, Module};
use crate::verify::{self, VerifyError};
use std::ops::Range;
use thiserror::Error;

/// Which format a file was in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// Binary `.jbc`.
    Bytecode,
    /// Text `.jasm`.
    Assembly,
}

/// A verified module and what was learned loading it.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The module.
    pub module: Module,
    /// Its `.jbc` encoding (the file itself for bytecode input).
    pub bytes: Vec<u8>,
    /// Where its parts sit in `bytes`.
    pub offsets: FileOffsets,
    /// The input's format.
    pub kind: SourceKind,
    /// The assembler's warnings, in source order (empty for `.jbc`).
    pub warnings: Vec<AsmWarning>,
}

/// Why a file could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    /// Text input that is not UTF-8.
    #[error("file is neither JanusVM bytecode (no \"\\0JBC\" magic) nor UTF-8 assembly text: invalid UTF-8 at byte offset {offset:#x}")]
    NotText {
        /// The first invalid byte.
        offset: usize,
    },
    /// The assembler rejected the text.
    #[error("{} assembly error(s)", .0.len())]
    Assemble(Vec<AsmError>),
    /// The loader rejected the bytecode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The verifier rejected the module. For assembly input, `spans` gives
    /// every error's source span (the operand at fault where the error names
    /// one); for bytecode input they are all `None`.
    #[error("{} verification error(s)", .errors.len())]
    Verify {
        /// The errors, in file order.
        errors: Vec<VerifyError>,
        /// Source spans of the errors, for assembly input.
        spans: Vec<Option<Range<usize>>>,
    },
}

/// Loads and verifies a `.jbc` or `.jasm` file's contents.
pub fn load(contents: &[u8]) -> Result<Loaded, LoadError> {
    if contents.starts_with(&MAGIC) || !looks_like_text(contents) {
        let (module, offsets) = bytecode::decode(contents)?;
        verify::verify(&module, &offsets).map_err(|errors| {
            let spans = vec![None; errors.len()];
            LoadError::Verify { errors, spans }
        })?;
        return Ok(Loaded {
            module,
            bytes: contents.to_vec(),
            offsets,
            kind: SourceKind::Bytecode,
            warnings: Vec::new(),
        });
    }
    let text = std::str::from_utf8(contents).map_err(|e| LoadError::NotText {
        offset: e.valid_up_to(),
    })?;
    let (assembled, map, warnings) = asm::assemble(text).map_err(LoadError::Assemble)?;
    let bytes = bytecode::encode(&assembled);
    // Dropped before decoding, so its code and data are not held twice.
    drop(assembled);
    let (module, offsets) = bytecode::decode(&bytes)?;
    if let Err(errors) = verify::verify(&module, &offsets) {
        // The pcs of the function the last error was in: errors come in
        // file order, so each function's are found once.
        let mut pcs = None;
        let spans = errors
            .iter()
            .map(|e| {
                let span = span_of(e, text, &module, &offsets, &map, &mut pcs);
                Some(span.unwrap_or_else(|| fallback(&map)))
            })
            .collect();
        return Err(LoadError::Verify { errors, spans });
    }
    Ok(Loaded {
        module,
        bytes,
        offsets,
        kind: SourceKind::Assembly,
        warnings,
    })
}

/// Whether a file's first bytes read as text (no NUL), so a binary file with
/// a damaged magic is still reported as bytecode.
fn looks_like_text(contents: &[u8]) -> bool {
    !contents.iter().take(64).any(|&b| b == 0)
}

/// Where an error about the module as a whole (no `export main`) points: the
/// first `export` line, else the first `func` line, else the file's start.
fn fallback(map: &SourceMap) -> Range<usize> {
    map.exports
        .first()
        .or(map.functions.first())
        .cloned()
        .unwrap_or(0..0)
}

/// The source span behind a verifier error on assembled text: the operand
/// the error names, else whatever the assembler emitted at its offset.
/// `None` only for an offset nothing was emitted at (a missing `main`).
/// Every lookup is a binary search over offsets in file order, so a module
/// with an error on each of a million instructions is mapped in linear time.
fn span_of(
    error: &VerifyError,
    text: &str,
    module: &Module,
    offsets: &FileOffsets,
    map: &SourceMap,
    pcs_cache: &mut Option<(usize, Vec<u32>)>,
) -> Option<Range<usize>> {
    let offset = error.offset;
    // The function whose header starts at or before the offset.
    let containing = offsets.functions.partition_point(|&o| o <= offset);
    if let Some(f) = containing.checked_sub(1) {
        let func = &module.functions[f];
        let start = offsets.code[f];
        if !matches!(pcs_cache, Some((cached, _)) if *cached == f) {
            *pcs_cache = Some((f, func.pcs()));
        }
        let pcs = &pcs_cache.as_ref()?.1;
        let end = start + *pcs.last()? as usize;
        if (start..end).contains(&offset) {
            let pc = (offset - start) as u32;
            let index = pcs.partition_point(|&p| p <= pc).checked_sub(1)?;
            let operand = error.operand.and_then(|pos| {
                let operands = map.operands(text, f, index)?;
                let spans = operands.get(pos.index)?;
                match pos.element {
                    Some(e) => spans.elements.get(e).cloned(),
                    None => Some(spans.span.clone()),
                }
            });
            return operand.or_else(|| map.instructions.get(f)?.get(index).cloned());
        }
        if offset == offsets.functions[f] || (offset == start && func.code.is_empty()) {
            return map.functions.get(f).cloned();
        }
    }
    // Each list of offsets is in file order.
    let find = |list: &[usize], spans: &[Range<usize>]| {
        list.binary_search(&offset)
            .ok()
            .and_then(|i| spans.get(i).cloned())
    };
    // Label names are sorted by pc in the module, so they are found by name.
    let label = || {
        let index = offsets.label_names.binary_search(&offset).ok()?;
        let label = module.label_names.get(index)?;
        let spans = map.labels.get(label.func as usize)?;
        spans
            .iter()
            .find(|span| text.get((*span).clone()) == Some(label.name.as_str()))
            .cloned()
    };
    find(&offsets.signatures, &map.signatures)
        .or_else(|| find(&offsets.table, &map.table))
        .or_else(|| find(&offsets.exports, &map.exports))
        .or_else(|| find(&offsets.data, &map.data))
        .or_else(|| find(&offsets.globals, &map.globals))
        .or_else(label)
        .or_else(|| {
            if offset == offsets.memory && module.memory.is_some() {
                map.memory.clone()
            } else {
                None
            }
        })
}
