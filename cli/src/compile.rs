//! `janusc build`: one program through the pipeline to every output
//! `--emit` asks for, written as one transaction.

use crate::args::BuildArgs;
use crate::emit::{self, Emit, EmitKind};
use crate::failure::Failure;
use crate::input::Input;
use crate::output::Outputs;
use crate::session::Session;
use janus_compiler::link::{link, LinkOptions};
use janus_compiler::llvm::{self, OptLevel, Wants};
use janus_compiler::meta::Metadata;
use janus_compiler::{bytecode, ir};

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
        if t != crate::RUNTIME_TARGET && *t != llvm::host_triple() {
            return Err(Failure::Usage(format!(
                "--target {t}: this janusc carries a runtime for `{}` only, so it cannot link an executable for `{t}` (try --emit obj or asm)",
                crate::RUNTIME_TARGET
            )));
        }
    }
    let mut outputs = Outputs::new(&[&input]);
    let slots = emits
        .iter()
        .map(|e| outputs.plan(&e.path, e.kind.content()))
        .collect::<Result<Vec<_>, _>>()?;

    let loaded = session.load(&input)?;
    let raw = ir::construct::build_module(&loaded.module);
    let mut optimized = raw.clone();
    ir::passes::optimize_module(&mut optimized, &loaded.module);
    let products = if emits.iter().any(|e| e.kind.needs_backend()) {
        let wants = Wants {
            llvm_ir_raw: emits.iter().any(|e| e.kind == EmitKind::LlvmIrRaw),
            llvm_ir: emits.iter().any(|e| e.kind == EmitKind::LlvmIr),
            asm: emits.iter().any(|e| e.kind == EmitKind::Asm),
        };
        Some(
            llvm::compile(
                &loaded.module,
                &optimized,
                args.target.as_deref(),
                opt,
                wants,
            )
            .map_err(Failure::Backend)?,
        )
    } else {
        None
    };
    let p = products.as_ref();
    let text = |s: Option<&String>| s.map_or_else(Vec::new, |s| s.as_bytes().to_vec());
    for (emit, slot) in emits.iter().zip(slots) {
        let bytes = match emit.kind {
            EmitKind::SsaRaw => raw.to_string().into_bytes(),
            EmitKind::Ssa => optimized.to_string().into_bytes(),
            EmitKind::LlvmIr => text(p.and_then(|p| p.llvm_ir.as_ref())),
            EmitKind::LlvmIrRaw => text(p.and_then(|p| p.llvm_ir_raw.as_ref())),
            EmitKind::Asm => p.and_then(|p| p.asm.clone()).unwrap_or_default(),
            EmitKind::Obj => p.map_or_else(Vec::new, |p| p.object.clone()),
            EmitKind::DepInfo => dep_info(&emits, &input).into_bytes(),
            EmitKind::Exe => {
                let object = p.map_or(&[][..], |p| &p.object);
                let meta = Metadata::new(
                    &bytecode::encode(&loaded.module),
                    &loaded.module,
                    opt.name(),
                )
                .to_object(args.target.as_deref().unwrap_or(crate::RUNTIME_TARGET));
                let options = LinkOptions {
                    linker: args.linker.clone(),
                    static_: args.static_,
                    strip: args.strip,
                    extra_args: args.linker_args.clone(),
                };
                let result = link(&[object, &meta], crate::RUNTIME_ARCHIVE, &options);
                match &result {
                    Ok(linked) => session.note(&linked.command),
                    Err(janus_compiler::link::LinkError::Failed { command, .. }) => {
                        session.note(command)
                    }
                    Err(_) => {}
                }
                result.map_err(Failure::Link)?.executable
            }
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
