//! What every command shares: how to report diagnostics, how talkative to
//! be, and the one way to turn an input (`.jasm`, `.jbc` or `.wasm`) into a
//! verified module.

use crate::diagnostics::{Diagnostic, Emitter, Level, LineIndex, SourceSpan};
use crate::failure::{Failure, LoadFailure};
use crate::input::Input;
use janus_bytecode::Loaded;

/// One invocation's settings.
#[derive(Debug)]
pub struct Session {
    /// Prints diagnostics.
    pub emitter: Emitter,
    /// `-v` count.
    pub verbose: u8,
}

impl Session {
    /// Loads and verifies an input, printing its warnings (which fail the
    /// command under `-D warnings`).
    pub fn load(&self, input: &Input) -> Result<Loaded, Failure> {
        if janus_wasm::is_wasm(&input.bytes) {
            let options = janus_wasm::Options::default();
            return janus_wasm::load(&input.bytes, &options)
                .map(|(loaded, _)| loaded)
                .map_err(|error| Failure::Wasm {
                    name: input.name.clone(),
                    error: Box::new(error),
                });
        }
        let loaded = janus_bytecode::load(&input.bytes).map_err(|error| {
            Failure::Load(Box::new(LoadFailure {
                name: input.name.clone(),
                contents: std::sync::Arc::clone(&input.bytes),
                error,
            }))
        })?;
        if !loaded.warnings.is_empty() {
            let source = String::from_utf8_lossy(&input.bytes);
            let mut index = LineIndex::new();
            let warnings = loaded
                .warnings
                .iter()
                .map(|w| Diagnostic {
                    level: Level::Warning,
                    code: Some(w.code),
                    message: w.message.clone(),
                    file: Some(input.name.clone()),
                    offset: None,
                    span: Some(SourceSpan::indexed(&source, &mut index, w.span.clone())),
                })
                .collect();
            self.emitter.warn(warnings)?;
        }
        Ok(loaded)
    }

    /// Loads an input for `janusc run`: with `--invoke NAME`, a `.wasm`
    /// module whose `main` calls that export with `args` and prints its
    /// results.
    pub fn load_run(
        &self,
        input: &Input,
        invoke: Option<&str>,
        args: &[String],
    ) -> Result<Loaded, Failure> {
        let Some(name) = invoke else {
            return self.load(input);
        };
        if !janus_wasm::is_wasm(&input.bytes) {
            return Err(Failure::Usage(format!(
                "--invoke {name}: `{}` is not a WebAssembly module; --invoke calls an export of a .wasm program",
                input.name
            )));
        }
        janus_wasm::load_invoke(&input.bytes, &janus_wasm::Options::default(), name, args)
            .map(|(loaded, _)| loaded)
            .map_err(|error| Failure::Wasm {
                name: input.name.clone(),
                error: Box::new(error),
            })
    }

    /// Prints a line of `-v` information to standard error.
    pub fn note(&self, text: &str) {
        if self.verbose > 0 {
            eprintln!("{text}");
        }
    }
}
