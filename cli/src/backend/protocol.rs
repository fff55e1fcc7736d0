//! What crosses between `janusc` and its LLVM backend library
//! (`libjanus_llvm.so`): the requests, the responses, and their bytes.
//!
//! janusc links no LLVM; it `dlopen`s the library for the commands that
//! need the backend (docs/ARCHITECTURE.md, "The backend library"). Both
//! sides compile this one file, so they cannot disagree on a layout; what
//! they can disagree on is the version of it, which is why every change
//! to a message bumps [`INTERFACE_VERSION`] and the front end refuses a
//! library with another.
//!
//! The encoding is small and hand-written: integers little-endian, a
//! byte string or text as its `u64` length and its bytes, an option as a
//! `0`/`1` byte before the value, a list as its `u32` length and its items.
//! Each entry point takes a request's bytes and returns a response's bytes
//! allocated by the library, which the front end copies and hands back to
//! [`FREE_SYMBOL`]: memory is freed on the side that allocated it.

use std::ffi::CStr;
use thiserror::Error;

mod tier;

pub use tier::{
    TierCode, TierCompileRequest, TierCompileResponse, TierOpenRequest, TierOpenResponse,
};

/// The version of this protocol: the library's must equal the front end's.
pub const INTERFACE_VERSION: u32 = 2;

/// The library's file name.
pub const LIBRARY_FILE: &str = "libjanus_llvm.so";

/// `extern "C" fn() -> u32`: the library's [`INTERFACE_VERSION`].
pub const VERSION_SYMBOL: &CStr = c"janus_llvm_interface_version";
/// An [`Entry`]: a [`CompileRequest`] in, a [`CompileResponse`] out.
pub const COMPILE_SYMBOL: &CStr = c"janus_llvm_compile";
/// An [`Entry`]: a [`RunJitRequest`] in, a [`RunJitResponse`] out (when the
/// program does not end the process itself).
pub const RUN_JIT_SYMBOL: &CStr = c"janus_llvm_run_jit";
/// An [`Entry`]: a [`Fact`] in, a [`FactResponse`] out.
pub const FACT_SYMBOL: &CStr = c"janus_llvm_fact";
/// A [`Free`]: gives a response's bytes back to the library.
pub const FREE_SYMBOL: &CStr = c"janus_llvm_free";
/// An [`Entry`]: a [`TierOpenRequest`] in, a [`TierOpenResponse`] out
/// (the session's handle).
pub const TIER_OPEN_SYMBOL: &CStr = c"janus_llvm_tier_open";
/// A [`TierCompileEntry`]: a session's handle and a [`TierCompileRequest`]
/// in, a [`TierCompileResponse`] out.
pub const TIER_COMPILE_SYMBOL: &CStr = c"janus_llvm_tier_compile";
/// A [`TierClose`]: ends a session (its code stays mapped, unused).
pub const TIER_CLOSE_SYMBOL: &CStr = c"janus_llvm_tier_close";

/// An entry point: the request's bytes and length in; the response's
/// bytes out, their length written through the last argument.
pub type Entry = unsafe extern "C" fn(*const u8, usize, *mut usize) -> *mut u8;

/// Frees a response an [`Entry`] returned, given its pointer and length.
pub type Free = unsafe extern "C" fn(*mut u8, usize);

/// An entry point on a tiered session: its handle first, then as [`Entry`].
pub type TierCompileEntry = unsafe extern "C" fn(u64, *const u8, usize, *mut usize) -> *mut u8;

/// Closes a tiered session, given its handle.
pub type TierClose = unsafe extern "C" fn(u64);

/// The spellings `-O` accepts, each the name the backend parses.
pub const OPT_LEVELS: [&str; 5] = ["0", "1", "2", "3", "s"];

/// What `janusc build` and `run --engine aot` ask the backend to make.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompileRequest {
    /// The verified module's `.jbc` encoding (for WebAssembly input, the
    /// translated module's, with its source section).
    pub module: Vec<u8>,
    /// The `-O` level, one of [`OPT_LEVELS`].
    pub opt: String,
    /// `--target`; the host when `None`.
    pub target: Option<String>,
    /// The linker driver (`--linker`); `JANUS_LINKER` or `cc` when `None`.
    pub linker: Option<String>,
    /// `--static`.
    pub static_: bool,
    /// `--strip`.
    pub strip: bool,
    /// `-C link-arg`s, after janusc's own.
    pub linker_args: Vec<String>,
    /// Which artefacts to make.
    pub wanted: Wanted,
}

/// Which artefacts a [`CompileRequest`] asks for (the driver's `Wanted`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// `--emit ssa-raw`.
    pub ssa_raw: bool,
    /// `--emit ssa`.
    pub ssa: bool,
    /// `--emit llvm-ir-raw`.
    pub llvm_ir_raw: bool,
    /// `--emit llvm-ir`.
    pub llvm_ir: bool,
    /// `--emit asm`.
    pub asm: bool,
    /// `--emit obj`.
    pub object: bool,
    /// `--emit exe`.
    pub executable: bool,
}

/// What the backend made: each field is `Some` exactly when asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Artefacts {
    /// The SSA IR text as constructed.
    pub ssa_raw: Option<String>,
    /// The SSA IR text after the pass pipeline.
    pub ssa: Option<String>,
    /// LLVM IR text before LLVM's passes.
    pub llvm_ir_raw: Option<String>,
    /// LLVM IR text after LLVM's passes.
    pub llvm_ir: Option<String>,
    /// Assembly text.
    pub asm: Option<Vec<u8>>,
    /// The object file.
    pub object: Option<Vec<u8>>,
    /// The linked executable.
    pub executable: Option<Vec<u8>>,
    /// What `-v` prints about the compile (reduced functions, codegen
    /// units), one line each.
    pub notes: Vec<String>,
}

/// The answer to a [`CompileRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileResponse {
    /// The command that linked (or failed to link) the executable, for `-v`.
    pub link_command: Option<String>,
    /// The artefacts, or why there are none.
    pub result: Result<Artefacts, BackendFailure>,
}

/// What `janusc run --engine jit` asks the backend to run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunJitRequest {
    /// The verified module's `.jbc` encoding, as in [`CompileRequest`].
    pub module: Vec<u8>,
    /// The `-O` level, one of [`OPT_LEVELS`].
    pub opt: String,
    /// The program's arguments, its own name first.
    pub argv: Vec<String>,
}

/// The answer to a [`RunJitRequest`] whose program returned from `main`:
/// its exit status, or why it could not run.
pub type RunJitResponse = Result<i32, BackendFailure>;

/// A fact about the backend `janusc print` and `-vV` show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    /// LLVM's version, `19.1.7`.
    LlvmVersion,
    /// The triples `--target` accepts, one a line.
    TargetList,
    /// LLVM's spelling of the host triple.
    HostTriple,
    /// The runtime archive executables are linked with.
    RuntimeArchive,
}

/// Why the backend could not do what was asked, as the front end renders
/// it: one error diagnostic with this message.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct BackendFailure {
    /// What kind of failure, for the exit status and the renderer.
    pub kind: FailureKind,
    /// The message, lowercase and specific, as the backend's error says it.
    pub message: String,
}

/// The kinds of [`BackendFailure`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The request cannot be met as asked (an executable for a target
    /// without a runtime).
    Usage,
    /// The LLVM backend failed.
    Backend,
    /// Linking failed.
    Link,
    /// The two sides do not understand each other, or the backend broke.
    Internal,
}

/// Why bytes are not a message of this protocol.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ProtocolError {
    /// The bytes end inside a value.
    #[error("the message ends inside {0}")]
    Truncated(&'static str),
    /// A tag byte names no variant.
    #[error("{what} has no variant {tag}")]
    BadTag {
        /// What the tag chooses.
        what: &'static str,
        /// The byte read.
        tag: u8,
    },
    /// Text that is not UTF-8.
    #[error("{0} is not UTF-8")]
    NotUtf8(&'static str),
    /// Bytes left over after the message.
    #[error("{0} bytes follow the message")]
    Trailing(usize),
}

/// A message of this protocol: how it is written and read.
pub trait Message: Sized {
    /// Appends the message's encoding.
    fn write(&self, out: &mut Writer);
    /// Reads one message.
    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError>;

    /// The message's bytes.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Writer::default();
        self.write(&mut out);
        out.bytes
    }

    /// Reads a message that must fill `bytes` exactly.
    fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let mut input = Reader { rest: bytes };
        let message = Self::read(&mut input)?;
        match input.rest.len() {
            0 => Ok(message),
            n => Err(ProtocolError::Trailing(n)),
        }
    }
}

/// Appends values in the protocol's encoding.
#[derive(Debug, Default)]
pub struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    fn bool(&mut self, value: bool) {
        self.u8(u8::from(value));
    }

    fn u32(&mut self, value: u32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    fn i32(&mut self, value: i32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    fn u64(&mut self, value: u64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    fn bytes(&mut self, value: &[u8]) {
        self.bytes
            .extend_from_slice(&(value.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(value);
    }

    fn text(&mut self, value: &str) {
        self.bytes(value.as_bytes());
    }

    fn option<T>(&mut self, value: &Option<T>, write: impl FnOnce(&mut Self, &T)) {
        self.bool(value.is_some());
        if let Some(value) = value {
            write(self, value);
        }
    }

    fn texts(&mut self, values: &[String]) {
        self.u32(values.len() as u32);
        for value in values {
            self.text(value);
        }
    }
}

/// Reads values in the protocol's encoding.
#[derive(Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ProtocolError> {
        if self.rest.len() < n {
            return Err(ProtocolError::Truncated(what));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ProtocolError> {
        let bytes = self.take(N, what)?;
        Ok(bytes.try_into().expect("took N bytes"))
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, ProtocolError> {
        Ok(self.take(1, what)?[0])
    }

    fn bool(&mut self, what: &'static str) -> Result<bool, ProtocolError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            tag => Err(ProtocolError::BadTag { what, tag }),
        }
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, ProtocolError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn i32(&mut self, what: &'static str) -> Result<i32, ProtocolError> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, ProtocolError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn bytes(&mut self, what: &'static str) -> Result<Vec<u8>, ProtocolError> {
        let len = u64::from_le_bytes(self.array(what)?);
        let len = usize::try_from(len).map_err(|_| ProtocolError::Truncated(what))?;
        Ok(self.take(len, what)?.to_vec())
    }

    fn text(&mut self, what: &'static str) -> Result<String, ProtocolError> {
        String::from_utf8(self.bytes(what)?).map_err(|_| ProtocolError::NotUtf8(what))
    }

    fn option<T>(
        &mut self,
        what: &'static str,
        read: impl FnOnce(&mut Self, &'static str) -> Result<T, ProtocolError>,
    ) -> Result<Option<T>, ProtocolError> {
        match self.bool(what)? {
            true => read(self, what).map(Some),
            false => Ok(None),
        }
    }

    fn texts(&mut self, what: &'static str) -> Result<Vec<String>, ProtocolError> {
        let count = self.u32(what)?;
        (0..count).map(|_| self.text(what)).collect()
    }
}

impl Message for Wanted {
    fn write(&self, out: &mut Writer) {
        let flags = [
            self.ssa_raw,
            self.ssa,
            self.llvm_ir_raw,
            self.llvm_ir,
            self.asm,
            self.object,
            self.executable,
        ];
        let bits = flags
            .iter()
            .enumerate()
            .fold(0u8, |bits, (i, &on)| bits | (u8::from(on) << i));
        out.u8(bits);
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        let bits = input.u8("the wanted artefacts")?;
        if bits >> 7 != 0 {
            return Err(ProtocolError::BadTag {
                what: "the wanted artefacts",
                tag: bits,
            });
        }
        let on = |i: u8| bits & (1 << i) != 0;
        Ok(Wanted {
            ssa_raw: on(0),
            ssa: on(1),
            llvm_ir_raw: on(2),
            llvm_ir: on(3),
            asm: on(4),
            object: on(5),
            executable: on(6),
        })
    }
}

impl Message for CompileRequest {
    fn write(&self, out: &mut Writer) {
        out.bytes(&self.module);
        out.text(&self.opt);
        out.option(&self.target, |out, t| out.text(t));
        out.option(&self.linker, |out, l| out.text(l));
        out.bool(self.static_);
        out.bool(self.strip);
        out.texts(&self.linker_args);
        self.wanted.write(out);
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        Ok(CompileRequest {
            module: input.bytes("the module")?,
            opt: input.text("the -O level")?,
            target: input.option("the target", Reader::text)?,
            linker: input.option("the linker", Reader::text)?,
            static_: input.bool("--static")?,
            strip: input.bool("--strip")?,
            linker_args: input.texts("the linker arguments")?,
            wanted: Wanted::read(input)?,
        })
    }
}

impl Message for Artefacts {
    fn write(&self, out: &mut Writer) {
        for text in [&self.ssa_raw, &self.ssa, &self.llvm_ir_raw, &self.llvm_ir] {
            out.option(text, |out, t| out.text(t));
        }
        for bytes in [&self.asm, &self.object, &self.executable] {
            out.option(bytes, |out, b| out.bytes(b));
        }
        out.texts(&self.notes);
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        Ok(Artefacts {
            ssa_raw: input.option("the raw SSA IR", Reader::text)?,
            ssa: input.option("the SSA IR", Reader::text)?,
            llvm_ir_raw: input.option("the raw LLVM IR", Reader::text)?,
            llvm_ir: input.option("the LLVM IR", Reader::text)?,
            asm: input.option("the assembly", Reader::bytes)?,
            object: input.option("the object", Reader::bytes)?,
            executable: input.option("the executable", Reader::bytes)?,
            notes: input.texts("the notes")?,
        })
    }
}

impl Message for BackendFailure {
    fn write(&self, out: &mut Writer) {
        out.u8(match self.kind {
            FailureKind::Usage => 0,
            FailureKind::Backend => 1,
            FailureKind::Link => 2,
            FailureKind::Internal => 3,
        });
        out.text(&self.message);
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        let kind = match input.u8("the failure kind")? {
            0 => FailureKind::Usage,
            1 => FailureKind::Backend,
            2 => FailureKind::Link,
            3 => FailureKind::Internal,
            tag => {
                return Err(ProtocolError::BadTag {
                    what: "the failure kind",
                    tag,
                })
            }
        };
        Ok(BackendFailure {
            kind,
            message: input.text("the failure's message")?,
        })
    }
}

/// Writes `Ok` as `0` and the value, `Err` as `1` and the failure.
fn write_result<T>(
    out: &mut Writer,
    result: &Result<T, BackendFailure>,
    ok: impl FnOnce(&mut Writer, &T),
) {
    match result {
        Ok(value) => {
            out.u8(0);
            ok(out, value);
        }
        Err(failure) => {
            out.u8(1);
            failure.write(out);
        }
    }
}

fn read_result<T>(
    input: &mut Reader<'_>,
    ok: impl FnOnce(&mut Reader<'_>) -> Result<T, ProtocolError>,
) -> Result<Result<T, BackendFailure>, ProtocolError> {
    match input.u8("the result")? {
        0 => ok(input).map(Ok),
        1 => BackendFailure::read(input).map(Err),
        tag => Err(ProtocolError::BadTag {
            what: "the result",
            tag,
        }),
    }
}

impl Message for CompileResponse {
    fn write(&self, out: &mut Writer) {
        out.option(&self.link_command, |out, c| out.text(c));
        write_result(out, &self.result, |out, artefacts| artefacts.write(out));
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        Ok(CompileResponse {
            link_command: input.option("the link command", Reader::text)?,
            result: read_result(input, Artefacts::read)?,
        })
    }
}

impl Message for RunJitRequest {
    fn write(&self, out: &mut Writer) {
        out.bytes(&self.module);
        out.text(&self.opt);
        out.texts(&self.argv);
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        Ok(RunJitRequest {
            module: input.bytes("the module")?,
            opt: input.text("the -O level")?,
            argv: input.texts("the arguments")?,
        })
    }
}

impl Message for RunJitResponse {
    fn write(&self, out: &mut Writer) {
        write_result(out, self, |out, status| out.i32(*status));
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        read_result(input, |input| input.i32("the exit status"))
    }
}

impl Message for Fact {
    fn write(&self, out: &mut Writer) {
        out.u8(match self {
            Fact::LlvmVersion => 0,
            Fact::TargetList => 1,
            Fact::HostTriple => 2,
            Fact::RuntimeArchive => 3,
        });
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        Ok(match input.u8("the fact")? {
            0 => Fact::LlvmVersion,
            1 => Fact::TargetList,
            2 => Fact::HostTriple,
            3 => Fact::RuntimeArchive,
            tag => {
                return Err(ProtocolError::BadTag {
                    what: "the fact",
                    tag,
                })
            }
        })
    }
}

/// A fact's answer: its bytes (text for every fact but the archive).
pub type FactResponse = Result<Vec<u8>, BackendFailure>;

impl Message for FactResponse {
    fn write(&self, out: &mut Writer) {
        write_result(out, self, |out, bytes| out.bytes(bytes));
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        read_result(input, |input| input.bytes("the fact's bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_responses_round_trip() {
        let request = CompileRequest {
            module: b"JNVM\x02...".to_vec(),
            opt: "s".into(),
            target: Some("aarch64-unknown-linux-gnu".into()),
            linker: None,
            static_: true,
            strip: false,
            linker_args: vec!["-Wl,-z,now".into(), String::new()],
            wanted: Wanted {
                ssa: true,
                executable: true,
                ..Wanted::default()
            },
        };
        assert_eq!(CompileRequest::from_bytes(&request.to_bytes()), Ok(request));
        let response = CompileResponse {
            link_command: Some("cc a.o -o a".into()),
            result: Ok(Artefacts {
                asm: Some(b"\tret\n".to_vec()),
                ssa: Some(String::new()),
                notes: vec!["note: one".into()],
                ..Artefacts::default()
            }),
        };
        assert_eq!(
            CompileResponse::from_bytes(&response.to_bytes()),
            Ok(response)
        );
        let failed: RunJitResponse = Err(BackendFailure {
            kind: FailureKind::Link,
            message: "linking failed".into(),
        });
        assert_eq!(RunJitResponse::from_bytes(&failed.to_bytes()), Ok(failed));
        assert_eq!(RunJitResponse::from_bytes(&Ok(-3).to_bytes()), Ok(Ok(-3)));
        for fact in [
            Fact::LlvmVersion,
            Fact::TargetList,
            Fact::HostTriple,
            Fact::RuntimeArchive,
        ] {
            assert_eq!(Fact::from_bytes(&fact.to_bytes()), Ok(fact));
        }
    }

    #[test]
    fn damaged_messages_are_errors() {
        let bytes = RunJitRequest {
            module: vec![1, 2, 3],
            opt: "2".into(),
            argv: vec!["prog".into()],
        }
        .to_bytes();
        for len in 0..bytes.len() {
            assert!(RunJitRequest::from_bytes(&bytes[..len]).is_err(), "{len}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            RunJitRequest::from_bytes(&longer),
            Err(ProtocolError::Trailing(1))
        );
        assert_eq!(
            Fact::from_bytes(&[9]),
            Err(ProtocolError::BadTag {
                what: "the fact",
                tag: 9
            })
        );
        assert_eq!(
            Wanted::from_bytes(&[0x80]),
            Err(ProtocolError::BadTag {
                what: "the wanted artefacts",
                tag: 0x80
            })
        );
    }
}
