//! The loader's errors: what went wrong and the byte offset where reading
//! stopped, each with a stable code documented in `docs/ISA.md`.

use crate::bytecode::format::{OLDEST_VERSION, VERSION};
use crate::bytecode::limits::MAX_FILE_SIZE;
use crate::bytecode::opcodes::Opcode;
use thiserror::Error;

/// Why a file could not be decoded, and where.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{kind} (at offset {offset:#x})")]
pub struct DecodeError {
    /// Byte offset in the file where the problem was found.
    pub offset: usize,
    /// What the problem is.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// The stable error code, `D` and four digits.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

/// The problems the loader reports; each has a stable code (see
/// [`DecodeErrorKind::code`]) documented in `docs/ISA.md`.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The file does not start with the magic.
    #[error("not a JanusVM bytecode file: expected magic 00 4a 42 43 (\"\\0JBC\"), found {}", hex(.found))]
    BadMagic {
        /// The bytes found instead (fewer if the file is shorter).
        found: Vec<u8>,
    },
    /// The version is not the one this toolchain reads.
    #[error("unsupported format version {found}: this janusc reads versions {OLDEST_VERSION} to {VERSION}")]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
    },
    /// The file ended in the middle of something.
    #[error("unexpected end of file: expected {expected}")]
    UnexpectedEnd {
        /// What was being read.
        expected: &'static str,
    },
    /// A section's contents ended before its declared size.
    #[error("section `{section}` has {count} bytes left over after its contents")]
    TrailingBytes {
        /// The section.
        section: &'static str,
        /// How many bytes were not used.
        count: usize,
    },
    /// A section's declared size runs past the end of the file.
    #[error("section `{section}` declares {size} bytes but only {remaining} remain in the file")]
    SectionPastEnd {
        /// The section.
        section: &'static str,
        /// Its declared size.
        size: u32,
        /// Bytes left in the file.
        remaining: usize,
    },
    /// A section appears a second time.
    #[error("section `{section}` appears twice")]
    DuplicateSection {
        /// The section.
        section: &'static str,
    },
    /// A section appears after one that must follow it.
    #[error("section `{section}` must come before section `{after}`")]
    SectionOutOfOrder {
        /// The section found.
        section: &'static str,
        /// The section before it that should have come later.
        after: &'static str,
    },
    /// A section is present but empty; empty sections are omitted.
    #[error("section `{section}` is empty: an empty section must be left out")]
    EmptySection {
        /// The section.
        section: &'static str,
    },
    /// An unknown section id.
    #[error("unknown section id {id:#04x}: expected 0x01..=0x09")]
    UnknownSection {
        /// The id byte.
        id: u8,
    },
    /// A LEB128 integer uses more bytes than its value needs.
    #[error("integer encoding is longer than needed (over-long LEB128)")]
    OverlongInteger,
    /// A LEB128 integer exceeds 32 bits.
    #[error("integer does not fit in 32 bits")]
    IntegerTooLarge,
    /// A count claims more elements than the remaining bytes could hold.
    #[error("{what} count {count} needs at least {needed} bytes but only {remaining} remain")]
    CountPastEnd {
        /// What is being counted.
        what: &'static str,
        /// The count.
        count: u32,
        /// Bytes the count needs at the least.
        needed: u64,
        /// Bytes that remain.
        remaining: usize,
    },
    /// A documented limit is exceeded.
    #[error("{what} {value} exceeds the limit of {limit}")]
    LimitExceeded {
        /// What exceeds its limit.
        what: &'static str,
        /// The value found.
        value: u64,
        /// The limit.
        limit: u64,
    },
    /// A name is not UTF-8.
    #[error("{what} is not valid UTF-8")]
    InvalidUtf8 {
        /// Whose name.
        what: &'static str,
    },
    /// A byte that should be a value type is not one.
    #[error(
        "invalid value type {byte:#04x}: expected 0x01 (i32), 0x02 (i64), 0x03 (f32) or 0x04 (f64)"
    )]
    BadValType {
        /// The byte.
        byte: u8,
    },
    /// A signature with more than one result in a version-1 file.
    #[error("signature has {count} results: a version-1 file allows 0 or 1")]
    BadResultCount {
        /// The count.
        count: u32,
    },
    /// An opcode byte that names no instruction.
    #[error("function `{func}` pc {pc}: unknown opcode {byte:#04x}")]
    UnknownOpcode {
        /// The function.
        func: String,
        /// The instruction's pc.
        pc: u32,
        /// The byte.
        byte: u8,
    },
    /// An instruction's operands run past the end of its function's code.
    #[error("function `{func}` pc {pc}: `{opcode}` runs past the end of the function's code")]
    InstructionPastEnd {
        /// The function.
        func: String,
        /// The instruction's pc.
        pc: u32,
        /// The instruction.
        opcode: Opcode,
    },
    /// A section the file's format version does not have.
    #[error("section `{section}` needs format version {since}: this file is version {version}")]
    SectionTooNew {
        /// The section.
        section: &'static str,
        /// The first version with it.
        since: u32,
        /// The file's version.
        version: u32,
    },
    /// A global's mutability byte is neither 0 nor 1.
    #[error("invalid global mutability {byte:#04x}: expected 0x00 (constant) or 0x01 (mutable)")]
    BadMutability {
        /// The byte.
        byte: u8,
    },
    /// A data segment's mode byte is neither 0 nor 1.
    #[error("invalid data segment mode {byte:#04x}: expected 0x00 (active) or 0x01 (passive)")]
    BadDataMode {
        /// The byte.
        byte: u8,
    },
    /// The file is larger than the loader accepts.
    #[error("file is {size} bytes: the limit is {MAX_FILE_SIZE}")]
    FileTooLarge {
        /// The file's size.
        size: usize,
    },
}

impl DecodeErrorKind {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            DecodeErrorKind::BadMagic { .. } => "D0001",
            DecodeErrorKind::UnsupportedVersion { .. } => "D0002",
            DecodeErrorKind::UnexpectedEnd { .. } => "D0003",
            DecodeErrorKind::TrailingBytes { .. } => "D0004",
            DecodeErrorKind::SectionPastEnd { .. } => "D0005",
            DecodeErrorKind::DuplicateSection { .. } => "D0006",
            DecodeErrorKind::SectionOutOfOrder { .. } => "D0007",
            DecodeErrorKind::EmptySection { .. } => "D0008",
            DecodeErrorKind::UnknownSection { .. } => "D0009",
            DecodeErrorKind::OverlongInteger => "D0010",
            DecodeErrorKind::IntegerTooLarge => "D0011",
            DecodeErrorKind::CountPastEnd { .. } => "D0012",
            DecodeErrorKind::LimitExceeded { .. } => "D0013",
            DecodeErrorKind::InvalidUtf8 { .. } => "D0014",
            DecodeErrorKind::BadValType { .. } => "D0015",
            DecodeErrorKind::BadResultCount { .. } => "D0016",
            DecodeErrorKind::UnknownOpcode { .. } => "D0017",
            DecodeErrorKind::InstructionPastEnd { .. } => "D0018",
            DecodeErrorKind::FileTooLarge { .. } => "D0019",
            DecodeErrorKind::SectionTooNew { .. } => "D0020",
            DecodeErrorKind::BadMutability { .. } => "D0021",
            DecodeErrorKind::BadDataMode { .. } => "D0026",
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing".to_string();
    }
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The loader's result type.
pub(super) type Result<T> = std::result::Result<T, DecodeError>;
