//! How a user attaches devices to a program: one scheme for every engine,
//! environment variables read when the program starts.
//!
//! | variable | meaning |
//! |---|---|
//! | `JANUS_DISK=FILE` | attach FILE as the disk (its size, rounded down to 512-byte blocks, is the disk's size) |
//! | `JANUS_DISPLAY=DIR` | write each presented frame as `DIR/frame-NNNNN.png` |
//! | `JANUS_DISPLAY=FILE.png` | write each presented frame over FILE.png |
//! | `JANUS_DISPLAY_FRAMES=N` | the most frames a program may present (default 1000) |
//! | `JANUS_NET_ALLOW=LIST` | addresses the program may connect to or listen on: comma-separated IPv4 addresses or CIDR blocks, or `none`; default `127.0.0.0/8` (loopback only) |
//!
//! A `JANUS_DISPLAY` value ending in `.png`, in any ASCII case (`out.png`,
//! `OUT.PNG`), is a file; any other value (`frames`, `frames/`,
//! `frames.png/`) is a directory. The directory, or the file's parent
//! directory (`.` for a bare name), must exist and be writable; the file
//! need not exist.
//!
//! Every option is checked before `main` runs, under every engine (the
//! interpreter through `interp::machine_for`, the JIT and executables
//! through `janus_start`, all ending in `Machine::new`): a bad value prints
//! `janus: <variable>: ...` and the program exits with status 125.
//!
//! `PROGRAM --janus-help` prints this table instead of running the program.

use alloc::string::String;
use alloc::vec::Vec;

/// Device options for one program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceConfig {
    /// The disk image's path.
    pub disk: Option<String>,
    /// Where presented frames go.
    pub display: Option<String>,
    /// The frame limit.
    pub display_frames: u32,
    /// Allowed IPv4 networks: (address, prefix length).
    pub net_allow: Vec<(u32, u32)>,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        DeviceConfig {
            disk: None,
            display: None,
            display_frames: 1000,
            net_allow: alloc::vec![(0x7f00_0000, 8)],
        }
    }
}

/// The text `--janus-help` prints.
pub const HELP: &str = "\
This program was built by janusc, the JanusVM toolchain. Devices are attached
with environment variables:

  JANUS_DISK=FILE          attach FILE as the disk (512-byte blocks)
  JANUS_DISPLAY=DIR        write each presented frame as DIR/frame-NNNNN.png
  JANUS_DISPLAY=FILE.png   write each presented frame over FILE.png
                           (a value ending in .png, any case, is a file;
                           any other value is a directory; the directory,
                           or the file's, must already exist)
  JANUS_DISPLAY_FRAMES=N   the most frames the program may present (default 1000)
  JANUS_NET_ALLOW=LIST     IPv4 addresses or CIDR blocks the program may reach,
                           comma-separated, or `none` (default 127.0.0.0/8)

Limits: 64 open network handles; frames of at most 4096 x 4096 pixels.
A trap prints `janus: trap: ...` on stderr and exits with status 64 + its code;
a bad device option (a disk image that does not open, a display directory
that does not exist, a malformed list) prints `janus: ...` and exits with
status 125 before the program starts.
";

/// Parses a dotted IPv4 address.
pub fn parse_ipv4(text: &str) -> Option<u32> {
    let mut parts = text.split('.');
    let mut value = 0u32;
    for _ in 0..4 {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = part.parse().ok()?;
        if n > 255 {
            return None;
        }
        value = value << 8 | n;
    }
    parts.next().is_none().then_some(value)
}

/// Parses `JANUS_NET_ALLOW`'s list.
pub fn parse_allow_list(text: &str) -> Result<Vec<(u32, u32)>, String> {
    if text.trim() == "none" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (addr, prefix) = match item.split_once('/') {
            Some((a, p)) => (a, p.parse::<u32>().ok().filter(|&p| p <= 32)),
            None => (item, Some(32)),
        };
        match (parse_ipv4(addr), prefix) {
            (Some(a), Some(p)) => out.push((a, p)),
            _ => {
                return Err(alloc::format!(
                "JANUS_NET_ALLOW: `{item}` is not an IPv4 address or CIDR block like 127.0.0.0/8"
            ))
            }
        }
    }
    Ok(out)
}

impl DeviceConfig {
    /// Reads the environment; an error names the variable and what was expected.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut c = DeviceConfig::default();
        c.disk = get("JANUS_DISK").filter(|s| !s.is_empty());
        c.display = get("JANUS_DISPLAY").filter(|s| !s.is_empty());
        if let Some(n) = get("JANUS_DISPLAY_FRAMES") {
            c.display_frames = n
                .trim()
                .parse()
                .map_err(|_| alloc::format!("JANUS_DISPLAY_FRAMES: `{n}` is not a frame count"))?;
        }
        if let Some(list) = get("JANUS_NET_ALLOW") {
            c.net_allow = parse_allow_list(&list)?;
        }
        Ok(c)
    }

    /// Whether the allow-list permits `addr`.
    pub fn allows(&self, addr: u32) -> bool {
        self.net_allow.iter().any(|&(net, prefix)| {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            addr & mask == net & mask
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists() {
        let c = DeviceConfig::default();
        assert!(c.allows(0x7f00_0001));
        assert!(!c.allows(0x0a00_0001));
        let list = parse_allow_list("10.0.0.0/8, 192.168.1.7").expect("valid");
        assert_eq!(list, alloc::vec![(0x0a00_0000, 8), (0xc0a8_0107, 32)]);
        assert!(parse_allow_list("10.0.0.256").is_err());
        assert!(parse_allow_list("1.2.3.4/33").is_err());
        assert_eq!(parse_allow_list("none"), Ok(Vec::new()));
    }
}
