//! The outside oracle: `wasmi` runs a module's actions in-process, with
//! the same replay rule the JanusVM driver uses (`spec/run.rs`): a call
//! that traps ends the instance, and the next run starts from a fresh
//! instantiation with the calls that completed, skipping the one that
//! trapped. Following the rule exactly means a trapping call's partial
//! effects (a store before the trap) never reach later calls on either
//! side.
//!
//! Calls that wasmi cannot decide the same way every engine would are
//! *excluded*: running out of wasmi's per-call fuel (the call is too long
//! to be worth running under the engines, or does not stop) and stack
//! exhaustion (its depth is each engine's own limit). An excluded call is
//! skipped like a trapping one, and the plan leaves it out.

use crate::driver::Call;
use crate::wasm_diff::rewrite::CHECKSUM;
use crate::wasm_diff::smith;
use janus_runtime::abi::{TrapKind, ValType};

/// wasmi fuel for instantiation and for each call: about as many wasm
/// instructions. Keeps every kept call short under the debug interpreter.
pub const CALL_FUEL: u64 = 200_000;

/// wasmi fuel for the memory checksum: enough to hash the largest memory
/// the generator makes (4 pages, about 22 instructions per 8 bytes).
pub const CHECKSUM_FUEL: u64 = 2_000_000;

/// What one action did under wasmi.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Returned these results (bits, as the driver prints them).
    Values(Vec<u64>),
    /// Trapped; the JanusVM spelling of the trap.
    Trap(&'static str),
    /// Not comparable: why.
    Excluded(String),
}

/// A module under wasmi.
pub struct Oracle {
    engine: wasmi::Engine,
    module: wasmi::Module,
}

/// A store and an instance of the module.
struct Live {
    store: wasmi::Store<()>,
    instance: wasmi::Instance,
}

/// The JanusVM trap kind a wasmi trap code corresponds to; `None` for the
/// codes that are the oracle's own limits (fuel, stack, resources).
pub fn trap_kind(code: wasmi::TrapCode) -> Option<TrapKind> {
    use wasmi::TrapCode as W;
    match code {
        W::UnreachableCodeReached => Some(TrapKind::Unreachable),
        W::MemoryOutOfBounds => Some(TrapKind::OutOfBounds),
        W::TableOutOfBounds => Some(TrapKind::TableOutOfBounds),
        W::IndirectCallToNull => Some(TrapKind::NullTableEntry),
        W::IntegerDivisionByZero => Some(TrapKind::DivideByZero),
        W::IntegerOverflow => Some(TrapKind::IntegerOverflow),
        W::BadConversionToInteger => Some(TrapKind::InvalidConversion),
        W::BadSignature => Some(TrapKind::SignatureMismatch),
        W::StackOverflow | W::OutOfFuel | W::GrowthOperationLimited | W::OutOfSystemMemory => None,
    }
}

fn classify(error: &wasmi::Error) -> Expected {
    use wasmi::errors::{ErrorKind, InstantiationError, MemoryError};
    match error.as_trap_code() {
        Some(code) => match trap_kind(code) {
            Some(kind) => Expected::Trap(kind.name()),
            None => Expected::Excluded(format!("wasmi: {}", code.trap_message())),
        },
        // Instantiation reports segments outside their memory or table as
        // errors, not trap codes; the spec calls both traps.
        None => match error.kind() {
            ErrorKind::Memory(MemoryError::OutOfBoundsAccess) => {
                Expected::Trap(TrapKind::OutOfBounds.name())
            }
            ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. }) => {
                Expected::Trap(TrapKind::TableOutOfBounds.name())
            }
            _ => Expected::Excluded(format!("wasmi: {error}")),
        },
    }
}

fn to_val(ty: ValType, bits: u64) -> wasmi::Val {
    match ty {
        ValType::I32 => wasmi::Val::I32(bits as u32 as i32),
        ValType::I64 => wasmi::Val::I64(bits as i64),
        ValType::F32 => wasmi::Val::F32(wasmi::F32::from_bits(bits as u32)),
        ValType::F64 => wasmi::Val::F64(wasmi::F64::from_bits(bits)),
    }
}

/// A result's bits as the driver prints them: 32-bit values zero-extended.
/// `None` for a non-numeric value (the plan never calls such functions).
fn bits(value: &wasmi::Val) -> Option<u64> {
    match value {
        wasmi::Val::I32(v) => Some(u64::from(*v as u32)),
        wasmi::Val::I64(v) => Some(*v as u64),
        wasmi::Val::F32(v) => Some(u64::from(v.to_bits())),
        wasmi::Val::F64(v) => Some(v.to_bits()),
        wasmi::Val::V128(_) | wasmi::Val::FuncRef(_) | wasmi::Val::ExternRef(_) => None,
    }
}

impl Oracle {
    /// Compiles the module; `Err` when wasmi rejects it.
    pub fn new(bytes: &[u8]) -> Result<Oracle, String> {
        let mut config = wasmi::Config::default();
        config
            .consume_fuel(true)
            // Above the depth the termination fuel allows (each call from
            // outside, wrapper included, gets TERMINATION_FUEL calls).
            .set_max_recursion_depth(4 * smith::TERMINATION_FUEL as usize)
            .compilation_mode(wasmi::CompilationMode::Eager);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, bytes).map_err(|e| e.to_string())?;
        Ok(Oracle { engine, module })
    }

    fn instantiate(&self) -> Result<Live, Expected> {
        let mut store = wasmi::Store::new(&self.engine, ());
        store
            .set_fuel(CALL_FUEL)
            .map_err(|e| Expected::Excluded(e.to_string()))?;
        let linker = wasmi::Linker::<()>::new(&self.engine);
        let instance = linker
            .instantiate_and_start(&mut store, &self.module)
            .map_err(|e| classify(&e))?;
        Ok(Live { store, instance })
    }

    fn act(&self, live: &mut Live, action: &Call) -> Expected {
        match action {
            Call::Invoke { name, args } => {
                let Some(func) = live.instance.get_func(&live.store, name) else {
                    return Expected::Excluded(format!("wasmi has no function `{name}`"));
                };
                let ty = func.ty(&live.store);
                let args: Vec<wasmi::Val> = args.iter().map(|&(t, b)| to_val(t, b)).collect();
                let mut results: Vec<wasmi::Val> = ty
                    .results()
                    .iter()
                    .map(|&t| wasmi::Val::default_for_ty(t))
                    .collect();
                let fuel = if name == CHECKSUM {
                    CHECKSUM_FUEL
                } else {
                    CALL_FUEL
                };
                if let Err(e) = live.store.set_fuel(fuel) {
                    return Expected::Excluded(e.to_string());
                }
                match func.call(&mut live.store, &args, &mut results) {
                    Ok(()) => match results.iter().map(bits).collect() {
                        Some(values) => Expected::Values(values),
                        None => Expected::Excluded("a non-numeric result".into()),
                    },
                    Err(e) => classify(&e),
                }
            }
            Call::Get { name } => {
                let Some(global) = live.instance.get_global(&live.store, name) else {
                    return Expected::Excluded(format!("wasmi has no global `{name}`"));
                };
                match bits(&global.get(&live.store)) {
                    Some(b) => Expected::Values(vec![b]),
                    None => Expected::Excluded("a non-numeric global".into()),
                }
            }
        }
    }

    /// Runs `actions` with the driver's replay rule and returns each one's
    /// outcome; `Err` when instantiation itself traps (or is excluded).
    pub fn replay(&self, actions: &[Call]) -> Result<Vec<Expected>, Expected> {
        let mut outcomes: Vec<Option<Expected>> = vec![None; actions.len()];
        'fresh: loop {
            let mut live = self.instantiate()?;
            for (k, action) in actions.iter().enumerate() {
                if matches!(outcomes[k], Some(Expected::Trap(_) | Expected::Excluded(_))) {
                    continue;
                }
                let outcome = self.act(&mut live, action);
                let ended = !matches!(outcome, Expected::Values(_));
                outcomes[k] = Some(outcome);
                if ended {
                    continue 'fresh;
                }
            }
            break;
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Expected::Excluded("never ran".into())))
            .collect())
    }
}
