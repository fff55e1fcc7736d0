//! `janusc build`: one program through the pipeline to every output
//! `--emit` asks for, written as one transaction.

use crate::args::BuildArgs;
use crate::emit::{self, Emit, EmitKind};
use crate::failure::Failure;
use crate::input::Input;
use crate::output::Outputs;
use crate::session::Session;
use janus_compiler::driver::{self, DriverError, Options, Wanted};
use janus_compiler::link::{LinkError, LinkOptions};
use janus_compiler::llvm::{self, BoundsChecks, OptLevel};

/// Parses `-O`.
pub fn opt_level(text: &str) -> Result<OptLevel, Failure> {
    OptLevel::parse(text).ok_or_else(|| {
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
        if t != driver::RUNTIME_TARGET && *t != llvm::host_triple() {
            return Err(Failure::Usage(format!(
                "--target {t}: this janusc carries a runtime for `{}` only, so it cannot link an executable for `{t}` (try --emit obj or asm)",
                driver::RUNTIME_TARGET
            )));
        }
    }
    let mut outputs = Outputs::new(&[&input]);
    let slots = emits
        .iter()
        .map(|e| outputs.plan(&e.path, e.kind.content()))
        .collect::<Result<Vec<_>, _>>()?;

    let loaded = session.load(&input)?;
    let wants = |kind: EmitKind| emits.iter().any(|e| e.kind == kind);
    let wanted = Wanted {
        ssa_raw: wants(EmitKind::SsaRaw),
        ssa: wants(EmitKind::Ssa),
        llvm_ir_raw: wants(EmitKind::LlvmIrRaw),
        llvm_ir: wants(EmitKind::LlvmIr),
        asm: wants(EmitKind::Asm),
        object: wants(EmitKind::Obj),
        executable: wants_exe,
    };
    let options = Options {
        opt,
        target: args.target.clone(),
        bounds: BoundsChecks::Explicit,
        link: LinkOptions {
            linker: args.linker.clone(),
            static_: args.static_,
            strip: args.strip,
            extra_args: args.linker_args.clone(),
        },
    };
    let result = driver::compile(&loaded, &options, wanted);
    match &result {
        Ok(artefacts) => {
            for reduced in &artefacts.reduced {
                session.note(&format!("note: {reduced}"));
            }
            if artefacts.units > 1 {
                session.note(&format!(
                    "note: built in {} codegen units of at most {} IR instructions each",
                    artefacts.units,
                    janus_compiler::llvm::units::MAX_UNIT_INSTRUCTIONS
                ));
            }
            if let Some(linked) = &artefacts.executable {
                session.note(&linked.command);
            }
        }
        Err(DriverError::Link(LinkError::Failed { command, .. })) => session.note(command),
        Err(_) => {}
    }
    let artefacts = result?;
    for (emit, slot) in emits.iter().zip(slots) {
        let text = |ir: &Option<janus_compiler::ir::Module>| {
            ir.as_ref()
                .map_or_else(Vec::new, |ir| ir.to_string().into_bytes())
        };
        let bytes = match emit.kind {
            EmitKind::SsaRaw => text(&artefacts.ssa_raw),
            EmitKind::Ssa => text(&artefacts.ssa),
            EmitKind::LlvmIr => artefacts.llvm_ir.clone().unwrap_or_default().into_bytes(),
            EmitKind::LlvmIrRaw => artefacts
                .llvm_ir_raw
                .clone()
                .unwrap_or_default()
                .into_bytes(),
            EmitKind::Asm => artefacts.asm.clone().unwrap_or_default(),
            EmitKind::Obj => artefacts.object.clone().unwrap_or_default(),
            EmitKind::DepInfo => dep_info(&emits, &input).into_bytes(),
            EmitKind::Exe => artefacts
                .executable
                .as_ref()
                .map_or_else(Vec::new, |linked| linked.executable.clone()),
        };
        outputs.stage(slot, bytes)?;
    }
    outputs.commit()
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
