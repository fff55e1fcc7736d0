//! The hybrid engine's messages: opening a tiered session on a program and
//! compiling one function (and optionally an OSR entry) at a time.

use super::{read_result, write_result, BackendFailure, Message, ProtocolError, Reader, Writer};

/// What the hybrid engine opens a tiered session with: the program, and
/// where this process's shared state is (`janus_runtime::abi::tier`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TierOpenRequest {
    /// The verified module's `.jbc` encoding, as in [`CompileRequest`].
    pub module: Vec<u8>,
    /// The `-O` level, one of [`OPT_LEVELS`].
    pub opt: String,
    /// (symbol, address) of every `RUNTIME_FUNCTIONS` symbol, `janus_vm`,
    /// and the three `abi::tier` symbols, in janusc.
    pub addresses: Vec<(String, u64)>,
}

/// The answer to a [`TierOpenRequest`]: the session's opaque handle.
pub type TierOpenResponse = Result<u64, BackendFailure>;

/// One tiered compile: a bytecode function, and optionally its
/// on-stack-replacement entry at a loop header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TierCompileRequest {
    /// The bytecode function's index.
    pub func: u32,
    /// The pc of the loop header (a block start) to enter by OSR.
    pub osr_pc: Option<u32>,
}

/// What a tiered compile made: addresses in janusc's process, valid until
/// it exits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TierCode {
    /// The function's `abi::tier::NativeEntry`, for its functions slot; 0
    /// for a loop's compile, which makes only the OSR entry.
    pub native: u64,
    /// Its `abi::tier::BoxedEntry`; 0 for a loop's compile.
    pub boxed: u64,
    /// The `abi::tier::OsrEntry` asked for, if one was.
    pub osr: Option<u64>,
    /// How long the compile took, in nanoseconds.
    pub compile_nanos: u64,
    /// The bytecode functions whose code the unit holds (the function
    /// first, then the callees copied in).
    pub functions: Vec<u32>,
}

/// The answer to a [`TierCompileRequest`].
pub type TierCompileResponse = Result<TierCode, BackendFailure>;

impl Message for TierOpenRequest {
    fn write(&self, out: &mut Writer) {
        out.bytes(&self.module);
        out.text(&self.opt);
        out.u32(self.addresses.len() as u32);
        for (symbol, address) in &self.addresses {
            out.text(symbol);
            out.u64(*address);
        }
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        let module = input.bytes("the module")?;
        let opt = input.text("the -O level")?;
        let count = input.u32("the addresses")?;
        let addresses = (0..count)
            .map(|_| Ok((input.text("a symbol")?, input.u64("an address")?)))
            .collect::<Result<_, ProtocolError>>()?;
        Ok(TierOpenRequest {
            module,
            opt,
            addresses,
        })
    }
}

impl Message for TierOpenResponse {
    fn write(&self, out: &mut Writer) {
        write_result(out, self, |out, handle| out.u64(*handle));
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        read_result(input, |input| input.u64("the session handle"))
    }
}

impl Message for TierCompileRequest {
    fn write(&self, out: &mut Writer) {
        out.u32(self.func);
        out.option(&self.osr_pc, |out, pc| out.u32(*pc));
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        Ok(TierCompileRequest {
            func: input.u32("the function")?,
            osr_pc: input.option("the OSR pc", Reader::u32)?,
        })
    }
}

impl Message for TierCode {
    fn write(&self, out: &mut Writer) {
        out.u64(self.native);
        out.u64(self.boxed);
        out.option(&self.osr, |out, a| out.u64(*a));
        out.u64(self.compile_nanos);
        out.u32(self.functions.len() as u32);
        for &f in &self.functions {
            out.u32(f);
        }
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        let native = input.u64("the native entry")?;
        let boxed = input.u64("the boxed entry")?;
        let osr = input.option("the OSR entry", Reader::u64)?;
        let compile_nanos = input.u64("the compile time")?;
        let count = input.u32("the unit's functions")?;
        let functions = (0..count)
            .map(|_| input.u32("a unit function"))
            .collect::<Result<_, _>>()?;
        Ok(TierCode {
            native,
            boxed,
            osr,
            compile_nanos,
            functions,
        })
    }
}

impl Message for TierCompileResponse {
    fn write(&self, out: &mut Writer) {
        write_result(out, self, |out, code| code.write(out));
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        read_result(input, TierCode::read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_messages_round_trip() {
        let open = TierOpenRequest {
            module: b"JNVM".to_vec(),
            opt: "2".into(),
            addresses: vec![("janus_vm".into(), 0x7f00_0000_1000), ("x".into(), 0)],
        };
        assert_eq!(TierOpenRequest::from_bytes(&open.to_bytes()), Ok(open));
        let handle: TierOpenResponse = Ok(0x5555_0000_0010);
        assert_eq!(TierOpenResponse::from_bytes(&handle.to_bytes()), Ok(handle));
        for request in [
            TierCompileRequest {
                func: 7,
                osr_pc: Some(35),
            },
            TierCompileRequest {
                func: 0,
                osr_pc: None,
            },
        ] {
            assert_eq!(
                TierCompileRequest::from_bytes(&request.to_bytes()),
                Ok(request)
            );
        }
        let code: TierCompileResponse = Ok(TierCode {
            native: 0x4000_1000,
            boxed: 0x4000_1040,
            osr: Some(0x4000_2000),
            compile_nanos: 1_234_567,
            functions: vec![7, 2, 3],
        });
        let bytes = code.to_bytes();
        assert_eq!(TierCompileResponse::from_bytes(&bytes), Ok(code));
        for len in 0..bytes.len() {
            assert!(TierCompileResponse::from_bytes(&bytes[..len]).is_err());
        }
    }
}
