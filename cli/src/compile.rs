//! `janusc build`: one program through the pipeline to every output
//! `--emit` asks for, written as one transaction.

use crate::args::BuildArgs;
use crate::backend::{self, protocol};
use crate::emit::{self, Emit, EmitKind};
use crate::failure::Failure;
use crate::input::Input;
use crate::output::Outputs;
use crate::session::Session;

/// The target triple the runtime archive is built for (cargo's spelling of
/// the host), the one target executables can be linked for.
pub const RUNTIME_TARGET: &str = env!("JANUS_RUNTIME_TARGET");

/// Parses `-O`: its canonical spelling, one of [`protocol::OPT_LEVELS`].
pub fn opt_level(text: &str) -> Result<&'static str, Failure> {
    protocol::OPT_LEVELS
        .into_iter()
        .find(|level| *level == text)
        .ok_or_else(|| {
            Failure::Usage(format!(
                "-O{text}: expected an optimisation level 0, 1, 2, 3 or s"
            ))
        })
}

/// Runs `janusc build`.
pub fn build(session: &Session, args: BuildArgs) -> Result<(), Failure> {
    let opt = opt_level(&args.opt_level)?;
    let input = Input::read(&args.input)?;
    let emits = emit::parse(&args.emit, &input.stem(), args.output.as_deref())?;
    let wants_exe = emits.iter().any(|e| e.kind == EmitKind::Exe);
    if let (true, Some(t)) = (wants_exe, &args.target) {
        if t != RUNTIME_TARGET && !is_llvm_host(t)? {
            return Err(Failure::Usage(format!(
                "--target {t}: this janusc carries a runtime for `{RUNTIME_TARGET}` only, so it cannot link an executable for `{t}` (try --emit obj or asm)"
            )));
        }
    }
    let mut outputs = Outputs::new(&[&input]);
    let slots = emits
        .iter()
        .map(|e| outputs.plan(&e.path, e.kind.content()))
        .collect::<Result<Vec<_>, _>>()?;

    // Only the encoding crosses to the backend, which loads it again; the
    // decoded module is dropped here rather than held through the compile.
    let module = session.load(&input)?.bytes;
    let wants = |kind: EmitKind| emits.iter().any(|e| e.kind == kind);
    let request = protocol::CompileRequest {
        module,
        opt: opt.into(),
        target: args.target.clone(),
        linker: args.linker.clone(),
        static_: args.static_,
        strip: args.strip,
        linker_args: args.linker_args.clone(),
        wanted: protocol::Wanted {
            ssa_raw: wants(EmitKind::SsaRaw),
            ssa: wants(EmitKind::Ssa),
            llvm_ir_raw: wants(EmitKind::LlvmIrRaw),
            llvm_ir: wants(EmitKind::LlvmIr),
            asm: wants(EmitKind::Asm),
            object: wants(EmitKind::Obj),
            executable: wants_exe,
        },
    };
    let response = if request.wanted == protocol::Wanted::default() {
        // Only `dep-info`: nothing for the backend to make.
        protocol::CompileResponse {
            link_command: None,
            result: Ok(protocol::Artefacts::default()),
        }
    } else {
        backend::backend()?.compile(&request)?
    };
    if let Ok(artefacts) = &response.result {
        for note in &artefacts.notes {
            session.note(note);
        }
    }
    if let Some(command) = &response.link_command {
        session.note(command);
    }
    let artefacts = response.result?;
    for (emit, slot) in emits.iter().zip(slots) {
        let text = |text: &Option<String>| text.clone().unwrap_or_default().into_bytes();
        let bytes = |bytes: &Option<Vec<u8>>| bytes.clone().unwrap_or_default();
        let bytes = match emit.kind {
            EmitKind::SsaRaw => text(&artefacts.ssa_raw),
            EmitKind::Ssa => text(&artefacts.ssa),
            EmitKind::LlvmIr => text(&artefacts.llvm_ir),
            EmitKind::LlvmIrRaw => text(&artefacts.llvm_ir_raw),
            EmitKind::Asm => bytes(&artefacts.asm),
            EmitKind::Obj => bytes(&artefacts.object),
            EmitKind::DepInfo => dep_info(&emits, &input).into_bytes(),
            EmitKind::Exe => bytes(&artefacts.executable),
        };
        outputs.stage(slot, bytes)?;
    }
    outputs.commit()
}

/// Whether `triple` is LLVM's spelling of the host, which the runtime
/// archive also links for.
fn is_llvm_host(triple: &str) -> Result<bool, Failure> {
    let host = backend::backend()?.fact(protocol::Fact::HostTriple)?;
    Ok(host == triple.as_bytes())
}

/// The dependency rule for this build's file outputs.
fn dep_info(emits: &[Emit], input: &Input) -> String {
    let targets: Vec<&std::path::Path> = emits
        .iter()
        .filter(|e| e.kind != EmitKind::DepInfo && e.path != std::path::Path::new("-"))
        .map(|e| e.path.as_path())
        .collect();
    let inputs: Vec<&std::path::Path> = input.path.as_deref().into_iter().collect();
    emit::dep_info(&targets, &inputs)
}
