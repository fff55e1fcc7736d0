//! Constants of the `.jbc` container: the header and the section ids, in the
//! order a file must carry them.

/// The first four bytes of every `.jbc` file. The leading NUL keeps a text file
/// from ever passing for bytecode.
pub const MAGIC: [u8; 4] = *b"\0JBC";

/// The format version this toolchain writes. It reads every version from
/// [`OLDEST_VERSION`] to this one; a file of any other is rejected.
pub const VERSION: u32 = 2;

/// The oldest format version this toolchain reads. Version 1 is version 2
/// without the sections version 2 added ([`SectionId::since`]).
pub const OLDEST_VERSION: u32 = 1;

/// The mode byte that starts an active data segment (version 2): its
/// address, length and bytes follow, as in version 1.
pub const DATA_ACTIVE: u8 = 0x00;

/// The mode byte that starts a passive data segment (version 2): its length
/// and bytes follow, and no address.
pub const DATA_PASSIVE: u8 = 0x01;

/// Section ids. Sections appear at most once, in increasing id order, and only
/// when non-empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum SectionId {
    /// Function signatures.
    Type = 1,
    /// The linear memory's initial and maximum page counts.
    Memory = 2,
    /// Functions: name, signature, register types, code.
    Function = 3,
    /// The function table for `call_indirect`.
    Table = 4,
    /// Exported functions.
    Export = 5,
    /// Data segments.
    Data = 6,
    /// Label names (debug information).
    Names = 7,
    /// Global variables (version 2).
    Global = 8,
    /// Instruction origins in a source the module was translated from.
    Source = 9,
}

impl SectionId {
    /// Every section, in file order.
    pub const ALL: [SectionId; 9] = [
        SectionId::Type,
        SectionId::Memory,
        SectionId::Function,
        SectionId::Table,
        SectionId::Export,
        SectionId::Data,
        SectionId::Names,
        SectionId::Global,
        SectionId::Source,
    ];

    /// The section a byte names, if any.
    pub fn from_byte(byte: u8) -> Option<SectionId> {
        SectionId::ALL.into_iter().find(|s| *s as u8 == byte)
    }

    /// The section's name in diagnostics.
    pub const fn name(self) -> &'static str {
        match self {
            SectionId::Type => "type",
            SectionId::Memory => "memory",
            SectionId::Function => "function",
            SectionId::Table => "table",
            SectionId::Export => "export",
            SectionId::Data => "data",
            SectionId::Names => "names",
            SectionId::Global => "global",
            SectionId::Source => "source",
        }
    }

    /// The first format version with this section.
    pub const fn since(self) -> u32 {
        match self {
            SectionId::Type
            | SectionId::Memory
            | SectionId::Function
            | SectionId::Table
            | SectionId::Export
            | SectionId::Data
            | SectionId::Names => 1,
            SectionId::Global | SectionId::Source => 2,
        }
    }
}
