//! One child process measured: wall time, CPU time and peak resident size
//! from `wait4`, for the benchmarks that compare builds (`huge`, `memory`).

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one build cost: wall time, user+system CPU time, peak RSS, and
/// what it printed to standard error.
pub struct Cost {
    /// Wall-clock time.
    pub wall: Duration,
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Peak resident set size in bytes.
    pub peak_bytes: u64,
    /// What it printed to standard error.
    pub stderr: String,
}

/// Runs `command` to completion (killed after `timeout`), returning its
/// cost, or why it failed.
pub fn measure(command: &mut Command, timeout: Duration) -> Result<Cost, String> {
    let start = Instant::now();
    // Its own process group, so a timeout stops what it started too (gcc's
    // cc1 outlived a killed gcc and kept a core busy for later rows).
    let mut child = command
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let pid = child.id() as libc::pid_t;
    loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our child, status and usage are valid pointers.
        let done = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if done == pid {
            let wall = start.elapsed();
            let time = |t: libc::timeval| {
                Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
            };
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
                return Err(format!("failed (status {status}): {}", stderr.trim()));
            }
            return Ok(Cost {
                wall,
                cpu: time(usage.ru_utime) + time(usage.ru_stime),
                peak_bytes: usage.ru_maxrss as u64 * 1024,
                stderr,
            });
        }
        if done < 0 {
            return Err(format!("wait4: {}", std::io::Error::last_os_error()));
        }
        if start.elapsed() > timeout {
            // SAFETY: signalling the process group the child leads.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            let _ = child.wait();
            return Err(format!("stopped after {} s", timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
