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
//! | `JANUS_ENV=NAMES` | host environment variables the program sees (the `env` device, WASI `environ_get`), comma-separated names, each passed as `NAME=VALUE` with its host value; default none |
//! | `JANUS_RANDOM_SEED=N` | draw random bytes from a deterministic generator seeded with N (0 to 18446744073709551615) instead of the host |
//! | `JANUS_DIR=LIST` | host directories a WASI program may use (preopened as fds 3, 4, ...): comma-separated `HOST` or `HOST::GUEST` items; the guest name is HOST as given unless `::GUEST` names it; default none |
//!
//! `JANUS_ENV` lists names, never values, so a value may hold any byte,
//! commas and `=` included (like `wasmtime --env NAME`, which inherits the
//! host's value); every name must be a set host variable (`[A-Za-z_]` then
//! `[A-Za-z0-9_]*`), and the entries keep the list's order. `janusc run
//! --env KEY=VALUE` sets the host variable and names it.
//!
//! A `JANUS_DISPLAY` value ending in `.png`, in any ASCII case (`out.png`,
//! `OUT.PNG`), is a file; any other value (`frames`, `frames/`,
//! `frames.png/`) is a directory. The directory, or the file's parent
//! directory (`.` for a bare name), must exist and be writable; the file
//! need not exist.
//!
//! **One rule for every option.** An unset variable means the default. A
//! set one must be UTF-8, must not be empty and must neither begin nor end
//! with whitespace (`JANUS_DISK=""` is an error, not "no disk": unset the
//! variable for that), and must have its variable's form: a frame count
//! and a CIDR prefix length in canonical decimal (digits only, no leading
//! zero), an address in canonical dotted form (`127.0.0.1`, not
//! `127.0.0.01`), a list with no empty item (`a,,b`, a trailing comma) and
//! no spaces. Nothing is trimmed or skipped, so a value either means
//! exactly what it says or stops the program: a stray comma or space never
//! silently changes which hosts a program may reach.
//!
//! Every option is checked before `main` runs, under every engine (the
//! interpreter through `interp::machine_for`, the JIT and executables
//! through `janus_start`, all ending in `Machine::new`): a bad value prints
//! `janus: <variable>: `<value>` <problem>; expected <form>` and the
//! program exits with status 125.
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
    /// Environment entries the program sees, `KEY=VALUE`.
    pub env: Vec<Vec<u8>>,
    /// The random device's seed, if any.
    pub random_seed: Option<u64>,
    /// Preopened directories for WASI, in fd order: (host path, guest name).
    pub dirs: Vec<(String, String)>,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        DeviceConfig {
            disk: None,
            display: None,
            display_frames: 1000,
            net_allow: alloc::vec![(0x7f00_0000, 8)],
            env: Vec::new(),
            random_seed: None,
            dirs: Vec::new(),
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
  JANUS_ENV=NAMES          host variables the program sees as NAME=VALUE,
                           comma-separated names of set variables (default none)
  JANUS_RANDOM_SEED=N      random bytes from a generator seeded with N
                           (0 to 18446744073709551615) instead of the host
  JANUS_DIR=LIST           host directories a WASI program may use, comma-separated
                           HOST or HOST::GUEST items (preopened as fds 3, 4, ...;
                           nothing outside them is reachable; default none)

An unset variable means the default. A set one must not be empty, must not
begin or end with whitespace, and must have the form above: numbers in plain
decimal (no leading zeros), addresses in canonical dotted form (127.0.0.1,
not 127.0.0.01), blocks without host bits (10.0.0.0/8), no empty list items,
no spaces.

Limits: 64 open network handles; frames of at most 4096 x 4096 pixels.
A trap prints `janus: trap: ...` on stderr and exits with status 64 + its code;
a bad device option (a value breaking the rule above, a disk image that does
not open, a display directory that does not exist) prints `janus: ...`,
naming the variable and the value, and exits with status 125 before the
program starts.
";

/// An option's name and what its value must look like, for messages.
struct Var {
    name: &'static str,
    expected: &'static str,
}

const DISK: Var = Var {
    name: "JANUS_DISK",
    expected: "the path of a disk image (unset the variable for no disk)",
};
const DISPLAY: Var = Var {
    name: "JANUS_DISPLAY",
    expected: "a directory or a FILE.png path (unset the variable for no display)",
};
const DISPLAY_FRAMES: Var = Var {
    name: "JANUS_DISPLAY_FRAMES",
    expected: "a frame count in plain decimal, 0 to 4294967295 \
               (unset the variable for the default, 1000)",
};
const NET_ALLOW: Var = Var {
    name: "JANUS_NET_ALLOW",
    expected: "`none` or comma-separated IPv4 addresses and CIDR blocks in \
               canonical form, like 127.0.0.0/8,10.1.2.3 \
               (unset the variable for the default, 127.0.0.0/8)",
};

const ENV: Var = Var {
    name: "JANUS_ENV",
    expected: "comma-separated names of set host variables, like HOME,LANG \
               (unset the variable for no environment)",
};
const RANDOM_SEED: Var = Var {
    name: "JANUS_RANDOM_SEED",
    expected: "a seed in plain decimal, 0 to 18446744073709551615 \
               (unset the variable for host random bytes)",
};

const DIR: Var = Var {
    name: "JANUS_DIR",
    expected: "comma-separated HOST or HOST::GUEST directories, like data,/tmp/out::out \
               (unset the variable for no directory)",
};

/// The most characters of a value a message quotes: a value may be as long
/// as the environment allows, the message stays one readable line.
const SHOWN_CHARS: usize = 200;

impl Var {
    /// `NAME: `value` PROBLEM; expected WHAT`. The value is quoted with
    /// control characters escaped (so the message stays one line and
    /// whitespace is visible), cut after `SHOWN_CHARS` characters.
    fn error(&self, value: &str, problem: &str) -> String {
        let mut shown = String::new();
        for (i, ch) in value.chars().enumerate() {
            if i == SHOWN_CHARS {
                shown.push_str("...");
                break;
            }
            if ch.is_control() {
                shown.extend(ch.escape_default());
            } else {
                shown.push(ch);
            }
        }
        alloc::format!(
            "{}: `{shown}` {problem}; expected {}",
            self.name,
            self.expected
        )
    }

    /// The rule every option shares: an unset variable is `None` (the
    /// default); a set one must be UTF-8, not empty, and neither begin nor
    /// end with whitespace.
    fn text(&self, raw: Option<Vec<u8>>) -> Result<Option<String>, String> {
        let Some(raw) = raw else { return Ok(None) };
        let text = match String::from_utf8(raw) {
            Ok(text) => text,
            Err(e) => {
                return Err(self.error(&String::from_utf8_lossy(e.as_bytes()), "is not UTF-8"))
            }
        };
        self.check(&text)?;
        Ok(Some(text))
    }

    /// The empty and whitespace parts of the rule.
    fn check(&self, text: &str) -> Result<(), String> {
        if text.is_empty() {
            Err(self.error(text, "is empty"))
        } else if text.trim() != text {
            Err(self.error(text, "begins or ends with whitespace"))
        } else {
            Ok(())
        }
    }
}

/// Parses a number in canonical decimal: ASCII digits, no sign, no leading
/// zero (except `0` itself), at most `max`.
pub fn parse_decimal(text: &str, max: u32) -> Option<u32> {
    let canonical = !text.is_empty()
        && text.len() <= 10
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text.len() == 1 || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    let n: u64 = text.parse().ok()?;
    u32::try_from(n).ok().filter(|&n| n <= max)
}

/// Parses an IPv4 address in canonical dotted form: four decimal octets
/// 0..=255 without leading zeros (`127.0.0.1`, not `127.0.0.01`).
pub fn parse_ipv4(text: &str) -> Option<u32> {
    let mut parts = text.split('.');
    let mut value = 0u32;
    for _ in 0..4 {
        value = value << 8 | parse_decimal(parts.next()?, 255)?;
    }
    parts.next().is_none().then_some(value)
}

/// Parses one allow-list item, `A.B.C.D` or `A.B.C.D/N`, into (address,
/// prefix length); the error says what is wrong with it.
fn parse_allow_item(item: &str) -> Result<(u32, u32), String> {
    let (addr, prefix) = match item.split_once('/') {
        Some((a, p)) => (a, parse_decimal(p, 32)),
        None => (item, Some(32)),
    };
    let (Some(addr), Some(prefix)) = (parse_ipv4(addr), prefix) else {
        return Err(alloc::format!(
            "has `{item}`, not an IPv4 address or CIDR block in canonical form"
        ));
    };
    let host = if prefix == 32 { 0 } else { u32::MAX >> prefix };
    if addr & host != 0 {
        let net = addr & !host;
        return Err(alloc::format!(
            "has `{item}`, whose address has bits set past its prefix (the block is {}.{}.{}.{}/{prefix})",
            net >> 24,
            net >> 16 & 0xff,
            net >> 8 & 0xff,
            net & 0xff
        ));
    }
    Ok((addr, prefix))
}

/// Parses `JANUS_NET_ALLOW`'s value under the rule every option follows:
/// `none`, or items separated by single commas, each an address or CIDR
/// block in canonical form; no empty item (`a,,b`, `a,` and `,a` are
/// errors, so a stray comma cannot silently shrink the list), no
/// whitespace anywhere, no host bits set in a block (`10.1.2.3/8`). The
/// error is the whole message, naming the variable and the value.
pub fn parse_allow_list(text: &str) -> Result<Vec<(u32, u32)>, String> {
    NET_ALLOW.check(text)?;
    if text == "none" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for item in text.split(',') {
        if item.is_empty() {
            return Err(NET_ALLOW.error(text, "has an empty item"));
        }
        out.push(parse_allow_item(item).map_err(|problem| NET_ALLOW.error(text, &problem))?);
    }
    Ok(out)
}

/// Parses a `u64` in canonical decimal: ASCII digits, no sign, no leading
/// zero (except `0` itself).
pub fn parse_u64(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text.len() == 1 || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// Parses `JANUS_ENV`'s list of names into `NAME=VALUE` entries, taking
/// each value through `get`. The error is the whole message.
fn parse_env(text: &str, get: &impl Fn(&str) -> Option<Vec<u8>>) -> Result<Vec<Vec<u8>>, String> {
    // The whole list's form first, then the host values.
    for name in text.split(',') {
        if name.is_empty() {
            return Err(ENV.error(text, "has an empty item"));
        }
        let valid = name
            .bytes()
            .enumerate()
            .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
        if !valid {
            return Err(ENV.error(text, &alloc::format!("has `{name}`, not a variable name")));
        }
    }
    let mut out = Vec::new();
    for name in text.split(',') {
        let Some(value) = get(name) else {
            return Err(ENV.error(text, &alloc::format!("names `{name}`, which is not set")));
        };
        let mut entry = name.as_bytes().to_vec();
        entry.push(b'=');
        entry.extend_from_slice(&value);
        out.push(entry);
    }
    Ok(out)
}

/// Parses `JANUS_DIR`'s list: items separated by single commas, each
/// `HOST` (the guest name is HOST as given, as `wasmtime --dir HOST`) or
/// `HOST::GUEST` (split at the first `::`), neither part empty. Whether
/// HOST is a directory is checked when the machine opens it. The error is
/// the whole message.
pub fn parse_dirs(text: &str) -> Result<Vec<(String, String)>, String> {
    DIR.check(text)?;
    let mut out = Vec::new();
    for item in text.split(',') {
        if item.is_empty() {
            return Err(DIR.error(text, "has an empty item"));
        }
        let (host, guest) = item.split_once("::").unwrap_or((item, item));
        if host.is_empty() || guest.is_empty() {
            return Err(DIR.error(
                text,
                &alloc::format!("has `{item}`, with an empty host path or guest name"),
            ));
        }
        out.push((String::from(host), String::from(guest)));
    }
    Ok(out)
}

impl DeviceConfig {
    /// Reads the options through `get`, which returns a variable's raw
    /// value or `None` when it is unset. Every variable follows one rule
    /// (see the module doc): unset means the default; a value that is not
    /// UTF-8, is empty, begins or ends with whitespace, or is malformed is
    /// an error naming the variable, the quoted value and what was
    /// expected. Variables are checked in the order of the table, and the
    /// first error is returned.
    pub fn from_env(get: impl Fn(&str) -> Option<Vec<u8>>) -> Result<Self, String> {
        let mut c = DeviceConfig::default();
        c.disk = DISK.text(get(DISK.name))?;
        c.display = DISPLAY.text(get(DISPLAY.name))?;
        if let Some(n) = DISPLAY_FRAMES.text(get(DISPLAY_FRAMES.name))? {
            c.display_frames = parse_decimal(&n, u32::MAX)
                .ok_or_else(|| DISPLAY_FRAMES.error(&n, "is not a frame count"))?;
        }
        if let Some(list) = NET_ALLOW.text(get(NET_ALLOW.name))? {
            c.net_allow = parse_allow_list(&list)?;
        }
        if let Some(names) = ENV.text(get(ENV.name))? {
            c.env = parse_env(&names, &get)?;
        }
        if let Some(n) = RANDOM_SEED.text(get(RANDOM_SEED.name))? {
            c.random_seed =
                Some(parse_u64(&n).ok_or_else(|| RANDOM_SEED.error(&n, "is not a seed"))?);
        }
        if let Some(list) = DIR.text(get(DIR.name))? {
            c.dirs = parse_dirs(&list)?;
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

    /// `from_env` over exactly these variables.
    fn config(vars: &[(&str, &[u8])]) -> Result<DeviceConfig, String> {
        DeviceConfig::from_env(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_vec())
        })
    }

    /// The error for one variable set to `value`, checked to name the
    /// variable, quote the value and say what was expected.
    fn error(name: &str, value: &str) -> String {
        let err = config(&[(name, value.as_bytes())])
            .expect_err(&alloc::format!("{name}={value:?} is rejected"));
        assert!(
            err.starts_with(&alloc::format!("{name}: `{value}` ")),
            "{err}"
        );
        assert!(err.contains("; expected "), "{err}");
        err
    }

    #[test]
    fn unset_variables_mean_the_defaults() {
        assert_eq!(config(&[]), Ok(DeviceConfig::default()));
    }

    #[test]
    fn every_variable_rejects_empty_and_whitespace_values() {
        for name in [
            "JANUS_DISK",
            "JANUS_DISPLAY",
            "JANUS_DISPLAY_FRAMES",
            "JANUS_NET_ALLOW",
            "JANUS_ENV",
            "JANUS_RANDOM_SEED",
            "JANUS_DIR",
        ] {
            assert!(error(name, "").contains("` is empty;"), "{name}");
            for value in [" x", "x ", "\tx", "x\n", " ", "\u{a0}x"] {
                let err = config(&[(name, value.as_bytes())]).expect_err(value);
                assert!(
                    err.starts_with(&alloc::format!("{name}: `")),
                    "{name}={value:?}: {err}"
                );
                assert!(
                    err.contains("` begins or ends with whitespace; expected "),
                    "{name}={value:?}: {err}"
                );
            }
            let err = config(&[(name, b"a\xffb")]).expect_err("not UTF-8");
            assert!(
                err.starts_with(&alloc::format!(
                    "{name}: `a\u{fffd}b` is not UTF-8; expected "
                )),
                "{err}"
            );
        }
        // Control characters are escaped: the message stays one line.
        let err = config(&[("JANUS_DISK", b"\ndisk.img")]).expect_err("newline");
        assert!(err.starts_with("JANUS_DISK: `\\ndisk.img` begins"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn paths_are_taken_as_given() {
        let c =
            config(&[("JANUS_DISK", b"disk.img"), ("JANUS_DISPLAY", b"frames/")]).expect("valid");
        assert_eq!(c.disk.as_deref(), Some("disk.img"));
        assert_eq!(c.display.as_deref(), Some("frames/"));
        // Inner spaces are part of a path, not whitespace around a value.
        let c = config(&[("JANUS_DISPLAY", b"my frames/out.png")]).expect("valid");
        assert_eq!(c.display.as_deref(), Some("my frames/out.png"));
    }

    #[test]
    fn frame_counts_are_plain_decimal() {
        for (value, n) in [("0", 0), ("7", 7), ("1000", 1000), ("4294967295", u32::MAX)] {
            let c = config(&[("JANUS_DISPLAY_FRAMES", value.as_bytes())]).expect(value);
            assert_eq!(c.display_frames, n, "{value}");
        }
        for value in [
            "007",
            "+5",
            "-1",
            "4294967296",
            "99999999999",
            "1e3",
            "0x10",
            "5 frames",
            "ten",
        ] {
            let err = error("JANUS_DISPLAY_FRAMES", value);
            assert!(
                err.contains("is not a frame count; expected a frame count in plain decimal"),
                "{err}"
            );
        }
    }

    #[test]
    fn addresses_are_canonical_dotted_quads() {
        assert_eq!(parse_ipv4("127.0.0.1"), Some(0x7f00_0001));
        assert_eq!(parse_ipv4("0.0.0.0"), Some(0));
        assert_eq!(parse_ipv4("255.255.255.255"), Some(u32::MAX));
        for bad in [
            "127.0.0.01",
            "127.0.0.001",
            "0127.0.0.1",
            "127.0.0",
            "127.0.0.1.5",
            "127..0.1",
            "127.0.0.256",
            "+1.0.0.1",
            " 1.0.0.1",
            "1.0.0.1 ",
            "0x7f.0.0.1",
            "",
        ] {
            assert_eq!(parse_ipv4(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn allow_lists() {
        let c = DeviceConfig::default();
        assert!(c.allows(0x7f00_0001));
        assert!(!c.allows(0x0a00_0001));
        // A space after the comma was once trimmed; now it is an error.
        let list = parse_allow_list("10.0.0.0/8,192.168.1.7").expect("valid");
        assert_eq!(list, alloc::vec![(0x0a00_0000, 8), (0xc0a8_0107, 32)]);
        assert_eq!(parse_allow_list("0.0.0.0/0"), Ok(alloc::vec![(0, 0)]));
        assert_eq!(
            parse_allow_list("127.0.0.1/32,127.0.0.1"),
            Ok(alloc::vec![(0x7f00_0001, 32), (0x7f00_0001, 32)])
        );
        assert_eq!(parse_allow_list("none"), Ok(Vec::new()));
        let c = config(&[("JANUS_NET_ALLOW", b"10.0.0.0/8")]).expect("valid");
        assert!(c.allows(0x0a01_0203) && !c.allows(0x7f00_0001));
        let c = config(&[("JANUS_NET_ALLOW", b"none")]).expect("valid");
        assert!(!c.allows(0x7f00_0001));
    }

    #[test]
    fn allow_lists_reject_what_is_not_canonical() {
        for (value, problem) in [
            ("127.0.0.01", "has `127.0.0.01`, not an IPv4 address"),
            ("10.0.0.256", "has `10.0.0.256`, not"),
            ("1.2.3.4/33", "has `1.2.3.4/33`, not"),
            ("10.0.0.0/08", "has `10.0.0.0/08`, not"),
            ("10.0.0.0/", "has `10.0.0.0/`, not"),
            ("10.0.0.0/+8", "has `10.0.0.0/+8`, not"),
            ("10.0.0.0/8/8", "has `10.0.0.0/8/8`, not"),
            ("localhost", "has `localhost`, not"),
            ("10.0.0.0/8, 127.0.0.1", "has ` 127.0.0.1`, not"),
            ("10.0.0.0/8 ,127.0.0.1", "has `10.0.0.0/8 `, not"),
            ("none,127.0.0.1", "has `none`, not"),
            ("NONE", "has `NONE`, not"),
            ("10.1.2.3/8", "has `10.1.2.3/8`, whose address has bits set past its prefix (the block is 10.0.0.0/8)"),
            ("127.0.0.1/0", "(the block is 0.0.0.0/0)"),
            (",", "has an empty item"),
            (",,", "has an empty item"),
            ("10.0.0.0/8,,127.0.0.1", "has an empty item"),
            ("127.0.0.1,", "has an empty item"),
            (",127.0.0.1", "has an empty item"),
        ] {
            let err = error("JANUS_NET_ALLOW", value);
            assert!(err.contains(problem), "{value}: {err}");
            assert!(err.ends_with("(unset the variable for the default, 127.0.0.0/8)"), "{err}");
            assert_eq!(parse_allow_list(value), Err(err));
        }
        assert!(error("JANUS_NET_ALLOW", " 127.0.0.1").contains("begins or ends with whitespace"));
    }

    #[test]
    fn the_first_bad_variable_in_table_order_is_reported() {
        let err = config(&[("JANUS_NET_ALLOW", b",,"), ("JANUS_DISPLAY_FRAMES", b"")])
            .expect_err("two bad");
        assert!(err.starts_with("JANUS_DISPLAY_FRAMES: "), "{err}");
    }

    #[test]
    fn environment_names_take_their_host_values_in_order() {
        let c = config(&[("JANUS_ENV", b"B,A_1,B"), ("A_1", b"x=y,z"), ("B", b"")]).expect("valid");
        assert_eq!(
            c.env,
            alloc::vec![b"B=".to_vec(), b"A_1=x=y,z".to_vec(), b"B=".to_vec()]
        );
        for (value, problem) in [
            ("HOME,", "has an empty item"),
            ("A,,B", "has an empty item"),
            ("1A", "has `1A`, not a variable name"),
            ("A=1", "has `A=1`, not a variable name"),
            ("NOT_SET_HERE", "names `NOT_SET_HERE`, which is not set"),
        ] {
            let err = error("JANUS_ENV", value);
            assert!(err.contains(problem), "{value}: {err}");
        }
    }

    #[test]
    fn random_seeds_are_plain_decimal_u64() {
        for (value, n) in [("0", 0), ("42", 42), ("18446744073709551615", u64::MAX)] {
            let c = config(&[("JANUS_RANDOM_SEED", value.as_bytes())]).expect(value);
            assert_eq!(c.random_seed, Some(n));
        }
        for value in ["18446744073709551616", "042", "-1", "+1", "0x10", "seed"] {
            let err = error("JANUS_RANDOM_SEED", value);
            assert!(
                err.contains("is not a seed; expected a seed in plain decimal"),
                "{err}"
            );
        }
    }

    #[test]
    fn directories_name_a_host_path_and_a_guest_name() {
        let c = config(&[("JANUS_DIR", b"data,/tmp/x y::out,a::b::c")]).expect("valid");
        assert_eq!(
            c.dirs,
            alloc::vec![
                (String::from("data"), String::from("data")),
                (String::from("/tmp/x y"), String::from("out")),
                (String::from("a"), String::from("b::c")),
            ]
        );
        for (value, problem) in [
            ("a,,b", "has an empty item"),
            ("a,", "has an empty item"),
            (
                "::guest",
                "has `::guest`, with an empty host path or guest name",
            ),
            (
                "host::",
                "has `host::`, with an empty host path or guest name",
            ),
        ] {
            let err = error("JANUS_DIR", value);
            assert!(err.contains(problem), "{value}: {err}");
        }
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let value = "1".repeat(5000);
        let err = config(&[("JANUS_DISPLAY_FRAMES", value.as_bytes())]).expect_err("too big");
        assert!(err.len() < 400, "{err}");
        assert!(
            err.contains(&alloc::format!("`{}...` is not", "1".repeat(200))),
            "{err}"
        );
    }
}
