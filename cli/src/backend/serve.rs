//! The library's side of each request: decode what the front end sent,
//! call `janus_compiler::driver` as `janusc build` and `run` always did,
//! and turn its artefacts and errors into the protocol's messages.
//!
//! The module arrives as its `.jbc` encoding and is loaded again here: the
//! same bytes give the same module, and the executable's metadata hashes
//! exactly those bytes, so an executable is byte-identical to one built
//! in-process.

use crate::protocol::{
    Artefacts, BackendFailure, CompileRequest, CompileResponse, Fact, FailureKind, ProtocolError,
    RunJitRequest, RunJitResponse, TierCode, TierCompileRequest, TierCompileResponse,
    TierOpenRequest,
};
use janus_compiler::driver::{self, DriverError, Options, Wanted};
use janus_compiler::link::{LinkError, LinkOptions};
use janus_compiler::llvm::tier::Session;
use janus_compiler::llvm::{self, OptLevel};
use janus_compiler::Loaded;
use std::any::Any;
use std::collections::HashMap;

/// Makes what a [`CompileRequest`] asks for.
pub fn compile(request: &CompileRequest) -> CompileResponse {
    let prepared = load(&request.module).and_then(|loaded| Ok((loaded, opt_level(&request.opt)?)));
    let (loaded, opt) = match prepared {
        Ok(prepared) => prepared,
        Err(failure) => {
            return CompileResponse {
                link_command: None,
                result: Err(failure),
            }
        }
    };
    let options = Options {
        opt,
        target: request.target.clone(),
        link: LinkOptions {
            linker: request.linker.clone(),
            static_: request.static_,
            strip: request.strip,
            extra_args: request.linker_args.clone(),
        },
        ..Options::default()
    };
    let w = request.wanted;
    let wanted = Wanted {
        ssa_raw: w.ssa_raw,
        ssa: w.ssa,
        llvm_ir_raw: w.llvm_ir_raw,
        llvm_ir: w.llvm_ir,
        asm: w.asm,
        object: w.object,
        executable: w.executable,
    };
    match driver::compile(&loaded, &options, wanted) {
        Ok(artefacts) => {
            let mut notes: Vec<String> = artefacts
                .reduced
                .iter()
                .map(|reduced| format!("note: {reduced}"))
                .collect();
            if artefacts.units > 1 {
                notes.push(format!(
                    "note: built in {} codegen units of at most {} IR instructions each",
                    artefacts.units,
                    llvm::units::MAX_UNIT_INSTRUCTIONS
                ));
            }
            let (executable, link_command) = match artefacts.executable {
                Some(linked) => (Some(linked.executable), Some(linked.command)),
                None => (None, None),
            };
            CompileResponse {
                link_command,
                result: Ok(Artefacts {
                    ssa_raw: artefacts.ssa_raw.map(|ir| ir.to_string()),
                    ssa: artefacts.ssa.map(|ir| ir.to_string()),
                    llvm_ir_raw: artefacts.llvm_ir_raw,
                    llvm_ir: artefacts.llvm_ir,
                    asm: artefacts.asm,
                    object: artefacts.object,
                    executable,
                    notes,
                }),
            }
        }
        Err(error) => CompileResponse {
            link_command: match &error {
                DriverError::Link(LinkError::Failed { command, .. }) => Some(command.clone()),
                _ => None,
            },
            result: Err(failure(&error)),
        },
    }
}

/// Runs a [`RunJitRequest`]'s program under the JIT, in this process.
pub fn run_jit(request: &RunJitRequest) -> RunJitResponse {
    let loaded = load(&request.module)?;
    let opt = opt_level(&request.opt)?;
    driver::run_jit(&loaded, opt, &request.argv).map_err(|error| failure(&error))
}

/// Opens a tiered session on a [`TierOpenRequest`]'s program.
pub fn tier_open(request: &TierOpenRequest) -> Result<Session, BackendFailure> {
    let loaded = load(&request.module)?;
    let opt = opt_level(&request.opt)?;
    let addresses: HashMap<&str, usize> = request
        .addresses
        .iter()
        .map(|(symbol, address)| (symbol.as_str(), *address as usize))
        .collect();
    driver::open_tier(&loaded, opt, &|symbol| addresses.get(symbol).copied())
        .map_err(|error| failure(&error))
}

/// Compiles what a [`TierCompileRequest`] asks for in `session`.
pub fn tier_compile(session: &mut Session, request: &TierCompileRequest) -> TierCompileResponse {
    let code = session
        .compile(request.func, request.osr_pc)
        .map_err(|error| failure(&DriverError::Backend(error)))?;
    Ok(TierCode {
        native: code.native,
        boxed: code.boxed,
        osr: code.osr,
        compile_nanos: code.compile_nanos,
        functions: code.functions,
    })
}

/// A fact's bytes.
pub fn fact(fact: Fact) -> Vec<u8> {
    match fact {
        Fact::LlvmVersion => llvm::llvm_version().into_bytes(),
        Fact::TargetList => {
            let mut text = llvm::target_list().join("\n");
            text.push('\n');
            text.into_bytes()
        }
        Fact::HostTriple => llvm::host_triple().into_bytes(),
        Fact::RuntimeArchive => driver::RUNTIME_ARCHIVE.to_vec(),
    }
}

/// The failure for a request the library could not decode.
pub fn malformed(error: ProtocolError) -> BackendFailure {
    internal(format!(
        "janusc sent the LLVM backend library a malformed request: {error}"
    ))
}

/// The failure for a panic inside the library (a broken invariant).
pub fn panicked(payload: &(dyn Any + Send)) -> BackendFailure {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    internal(format!("internal error in the LLVM backend: {what}"))
}

fn internal(message: String) -> BackendFailure {
    BackendFailure {
        kind: FailureKind::Internal,
        message,
    }
}

/// The driver's error as the front end renders it.
fn failure(error: &DriverError) -> BackendFailure {
    let kind = match error {
        DriverError::Backend(_) => FailureKind::Backend,
        DriverError::NoRuntime { .. } => FailureKind::Usage,
        DriverError::Link(_) => FailureKind::Link,
    };
    BackendFailure {
        kind,
        message: error.to_string(),
    }
}

/// The module the front end verified, loaded again from its encoding.
fn load(module: &[u8]) -> Result<Loaded, BackendFailure> {
    janus_compiler::load(module).map_err(|error| {
        internal(format!(
            "the module janusc sent the LLVM backend library does not load: {error}"
        ))
    })
}

fn opt_level(name: &str) -> Result<OptLevel, BackendFailure> {
    OptLevel::parse(name)
        .ok_or_else(|| internal(format!("janusc sent an unknown -O level `{name}`")))
}
