//! Reading a `.wast` script into what the runner does with it: modules,
//! each with the actions (invokes and assertions on it) in script order,
//! and the assertions about modules themselves (malformed, invalid,
//! unlinkable, trapping at instantiation), which are decided by
//! translating alone or by one run.

use super::driver::Call;
use janus_runtime::abi::ValType;
use wast::core::{NanPattern, WastArgCore, WastRetCore};
use wast::{QuoteWat, WastArg, WastExecute, WastInvoke, WastRet};

/// What a result must be.
#[derive(Clone, Debug)]
pub enum Pattern {
    /// Exactly these bits.
    Bits(ValType, u64),
    /// A NaN with the canonical payload (either sign).
    CanonicalNan(ValType),
    /// A NaN with the quiet bit set (either sign, any payload).
    ArithmeticNan(ValType),
    /// Any one of these.
    Either(Vec<Pattern>),
}

impl Pattern {
    /// Whether the result `bits` of type `ty` matches.
    pub fn matches(&self, bits: u64) -> bool {
        match self {
            Pattern::Bits(_, want) => *want == bits,
            Pattern::CanonicalNan(ValType::F32) => bits as u32 & 0x7fff_ffff == 0x7fc0_0000,
            Pattern::CanonicalNan(_) => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
            Pattern::ArithmeticNan(ValType::F32) => bits as u32 & 0x7fc0_0000 == 0x7fc0_0000,
            Pattern::ArithmeticNan(_) => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
            Pattern::Either(options) => options.iter().any(|p| p.matches(bits)),
        }
    }

    fn is_float(&self) -> bool {
        match self {
            Pattern::Bits(ty, _) | Pattern::CanonicalNan(ty) | Pattern::ArithmeticNan(ty) => {
                matches!(ty, ValType::F32 | ValType::F64)
            }
            Pattern::Either(options) => options.iter().any(Pattern::is_float),
        }
    }
}

/// What an action must do.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Return these results.
    Return(Vec<Pattern>),
    /// Trap with this spec message.
    Trap(String),
    /// Run without trapping (a bare `invoke`).
    Complete,
}

/// An invoke or assertion on a module.
#[derive(Clone, Debug)]
pub struct Action {
    /// The directive kind it is counted under.
    pub kind: &'static str,
    /// The script line.
    pub line: usize,
    /// What runs.
    pub call: Call,
    /// What must happen.
    pub expect: Expect,
}

impl Action {
    /// Whether the action involves floats or traps, which AOT must run too.
    pub fn wants_aot(&self) -> bool {
        let float_args = match &self.call {
            Call::Invoke { args, .. } => args
                .iter()
                .any(|(ty, _)| matches!(ty, ValType::F32 | ValType::F64)),
            Call::Get { .. } => false,
        };
        float_args
            || match &self.expect {
                Expect::Return(patterns) => patterns.iter().any(Pattern::is_float),
                Expect::Trap(_) => true,
                Expect::Complete => false,
            }
    }
}

/// Why a directive cannot be run, counted as unsupported.
pub type Unsupported = String;

fn arg(arg: &WastArg<'_>) -> Result<(ValType, u64), Unsupported> {
    match arg {
        WastArg::Core(WastArgCore::I32(v)) => Ok((ValType::I32, *v as u32 as u64)),
        WastArg::Core(WastArgCore::I64(v)) => Ok((ValType::I64, *v as u64)),
        WastArg::Core(WastArgCore::F32(v)) => Ok((ValType::F32, v.bits as u64)),
        WastArg::Core(WastArgCore::F64(v)) => Ok((ValType::F64, v.bits)),
        _ => Err("a reference or vector argument".into()),
    }
}

fn float32(p: &NanPattern<wast::token::F32>) -> Pattern {
    match p {
        NanPattern::CanonicalNan => Pattern::CanonicalNan(ValType::F32),
        NanPattern::ArithmeticNan => Pattern::ArithmeticNan(ValType::F32),
        NanPattern::Value(v) => Pattern::Bits(ValType::F32, v.bits as u64),
    }
}

fn float64(p: &NanPattern<wast::token::F64>) -> Pattern {
    match p {
        NanPattern::CanonicalNan => Pattern::CanonicalNan(ValType::F64),
        NanPattern::ArithmeticNan => Pattern::ArithmeticNan(ValType::F64),
        NanPattern::Value(v) => Pattern::Bits(ValType::F64, v.bits),
    }
}

fn core_result(ret: &WastRetCore<'_>) -> Result<Pattern, Unsupported> {
    match ret {
        WastRetCore::I32(v) => Ok(Pattern::Bits(ValType::I32, *v as u32 as u64)),
        WastRetCore::I64(v) => Ok(Pattern::Bits(ValType::I64, *v as u64)),
        WastRetCore::F32(p) => Ok(float32(p)),
        WastRetCore::F64(p) => Ok(float64(p)),
        WastRetCore::Either(options) => Ok(Pattern::Either(
            options.iter().map(core_result).collect::<Result<_, _>>()?,
        )),
        _ => Err("a reference or vector result".into()),
    }
}

/// The expected results of an `assert_return`.
pub fn results(results: &[WastRet<'_>]) -> Result<Vec<Pattern>, Unsupported> {
    results
        .iter()
        .map(|r| match r {
            WastRet::Core(core) => core_result(core),
            _ => Err("a component-model result".into()),
        })
        .collect()
}

/// The call an `invoke` makes.
pub fn invoke(invoke: &WastInvoke<'_>) -> Result<Call, Unsupported> {
    Ok(Call::Invoke {
        name: invoke.name.to_string(),
        args: invoke.args.iter().map(arg).collect::<Result<_, _>>()?,
    })
}

/// The module an execution names (`None` for the latest), and its call.
pub fn execute<'a>(exec: &WastExecute<'a>) -> Result<(Option<&'a str>, Call), Unsupported> {
    match exec {
        WastExecute::Invoke(i) => Ok((i.module.map(|id| id.name()), invoke(i)?)),
        WastExecute::Get { module, global, .. } => Ok((
            module.map(|id| id.name()),
            Call::Get {
                name: global.to_string(),
            },
        )),
        WastExecute::Wat(_) => Err("a module as an assertion's action".into()),
    }
}

/// A module's binary, or why the text format rejected it (wast's message).
pub fn encode(module: &mut QuoteWat<'_>) -> Result<Vec<u8>, String> {
    match module {
        QuoteWat::QuoteComponent(..) => Err("a component".into()),
        QuoteWat::Wat(wast::Wat::Component(_)) => Err("a component".into()),
        _ => module.encode().map_err(|e| e.message()),
    }
}
