//! `--jit-log`: a line per compile, on standard error or in a file,
//! written whole as each compile ends (from whichever thread ran it):
//!
//! ```text
//! jit: function 3 `fib`: calls, 12.345 ms, switch at call, asked at 4.020 ms, ready at 35.112 ms
//! jit: function 0 `main`: loop at pc 12, 20.100 ms, switch at loop pc 12, asked at 9.000 ms, ready at 29.100 ms
//! jit: function 1 `advance`: loop at pc 40, 22.900 ms, switch at loop pc 40 (or 12/139), asked at 6.248 ms, ready at 36.594 ms
//! jit: function 2 `f`: calls, failed: <why>
//! ```
//!
//! The first time is the compile's own; `asked at` and `ready at` are
//! since the engine started, so their difference less the compile is the
//! wait: for the queue, and for the first compile, loading the backend.

use crate::failure::Failure;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// Why a function was compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// It reached its call threshold (hybrid).
    Calls,
    /// A loop of it reached the loop threshold at the header at `pc`
    /// (hybrid): the compile has an OSR entry there.
    Loop {
        /// The loop header's bytecode pc.
        pc: u32,
    },
    /// It is called for the first time (`--engine jit`; `main` before the
    /// program starts).
    FirstCall,
}

impl Reason {
    /// The loop header, for a loop's compile.
    pub fn osr_pc(self) -> Option<u32> {
        match self {
            Reason::Loop { pc } => Some(pc),
            Reason::Calls | Reason::FirstCall => None,
        }
    }
}

/// When a compile that succeeded happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// How long the compile itself took.
    pub compile: Duration,
    /// When it was asked for, since the engine started.
    pub asked: Duration,
    /// When its code was published, since the engine started.
    pub ready: Duration,
}

/// Milliseconds with three decimals, as the report writes times.
fn millis(time: Duration) -> String {
    format!("{}.{:03} ms", time.as_millis(), time.as_micros() % 1_000)
}

/// The report's line for a compile of function `func` named `name`: how
/// long it took and when, or why it failed. `headers` are the loop headers
/// a loop's entry enters at (the one asked for among them): the switch
/// comes at whichever of them the running call reaches first.
pub fn line(
    func: u32,
    name: &str,
    reason: Reason,
    headers: &[u32],
    result: Result<Timing, &str>,
) -> String {
    let why = match reason {
        Reason::Calls => "calls".to_string(),
        Reason::Loop { pc } => format!("loop at pc {pc}"),
        Reason::FirstCall => "first call".to_string(),
    };
    let switch = match reason {
        Reason::Calls | Reason::FirstCall => "switch at call".to_string(),
        Reason::Loop { pc } => {
            let others: Vec<String> = headers
                .iter()
                .filter(|&&h| h != pc)
                .map(u32::to_string)
                .collect();
            match others.is_empty() {
                true => format!("switch at loop pc {pc}"),
                false => format!("switch at loop pc {pc} (or {})", others.join("/")),
            }
        }
    };
    match result {
        Ok(timing) => format!(
            "jit: function {func} `{name}`: {why}, {}, {switch}, asked at {}, ready at {}",
            millis(timing.compile),
            millis(timing.asked),
            millis(timing.ready)
        ),
        Err(message) => format!("jit: function {func} `{name}`: {why}, failed: {message}"),
    }
}

/// Where the lines go.
enum Sink {
    Stderr,
    File(std::fs::File),
}

/// The report.
pub struct JitLog {
    sink: Mutex<Sink>,
}

impl JitLog {
    /// The report into `path`, `-` for standard error.
    pub fn open(path: &Path) -> Result<JitLog, Failure> {
        let sink = if path == Path::new("-") {
            Sink::Stderr
        } else {
            let file = std::fs::File::create(path).map_err(|error| Failure::Io {
                path: path.to_path_buf(),
                action: "create",
                error,
            })?;
            Sink::File(file)
        };
        Ok(JitLog {
            sink: Mutex::new(sink),
        })
    }

    /// Writes one line (errors ignored: the report must not stop the
    /// program).
    pub fn write(&self, line: &str) {
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        let _ = match &mut *sink {
            Sink::Stderr => std::io::stderr().write_all(&bytes),
            Sink::File(file) => file.write_all(&bytes),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A timing from microseconds.
    fn timing(compile: u64, asked: u64, ready: u64) -> Timing {
        Timing {
            compile: Duration::from_micros(compile),
            asked: Duration::from_micros(asked),
            ready: Duration::from_micros(ready),
        }
    }

    #[test]
    fn lines_name_the_function_reason_times_and_switch() {
        assert_eq!(
            line(
                3,
                "fib",
                Reason::Calls,
                &[],
                Ok(timing(12_345, 4_020, 35_112))
            ),
            "jit: function 3 `fib`: calls, 12.345 ms, switch at call, \
             asked at 4.020 ms, ready at 35.112 ms"
        );
        assert_eq!(
            line(
                0,
                "main",
                Reason::Loop { pc: 12 },
                &[12],
                Ok(timing(20_100, 9_000, 1_029_100))
            ),
            "jit: function 0 `main`: loop at pc 12, 20.100 ms, switch at loop pc 12, \
             asked at 9.000 ms, ready at 1029.100 ms"
        );
        assert_eq!(
            line(
                1,
                "advance",
                Reason::Loop { pc: 40 },
                &[12, 40, 139],
                Ok(timing(22_900, 6_248, 36_594))
            ),
            "jit: function 1 `advance`: loop at pc 40, 22.900 ms, \
             switch at loop pc 40 (or 12/139), asked at 6.248 ms, ready at 36.594 ms"
        );
        assert_eq!(
            line(2, "f", Reason::FirstCall, &[], Err("no")),
            "jit: function 2 `f`: first call, failed: no"
        );
    }
}
