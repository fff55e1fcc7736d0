//! Keyboard events. Where standard input is a terminal it is switched to raw
//! mode on first use (and restored when the program ends) and keys arrive
//! as they are pressed: characters as their Unicode scalar, arrows and a few
//! other keys as codes from the key table. Terminals report no key-up, so
//! every event is a key-down. Where standard input is not a terminal, each
//! byte is a key-down event with the byte as its code.

/// Key codes past Unicode for keys that are not characters.
pub mod keys {
    /// Arrow up.
    pub const UP: u32 = 0x11_0001;
    /// Arrow down.
    pub const DOWN: u32 = 0x11_0002;
    /// Arrow right.
    pub const RIGHT: u32 = 0x11_0003;
    /// Arrow left.
    pub const LEFT: u32 = 0x11_0004;
    /// Home.
    pub const HOME: u32 = 0x11_0005;
    /// End.
    pub const END: u32 = 0x11_0006;
}

/// Terminal state to restore.
#[derive(Debug, Default)]
pub struct Keyboard {
    saved: Option<libc::termios>,
    checked: bool,
    terminal: bool,
}

impl Keyboard {
    /// Whether stdin is a terminal; switches it to raw mode the first time.
    pub fn prepare(&mut self) -> bool {
        if !self.checked {
            self.checked = true;
            // SAFETY: isatty and termios calls on fd 0.
            unsafe {
                if libc::isatty(0) == 1 {
                    let mut t: libc::termios = core::mem::zeroed();
                    if libc::tcgetattr(0, &mut t) == 0 {
                        self.saved = Some(t);
                        let mut raw = t;
                        raw.c_lflag &= !(libc::ICANON | libc::ECHO);
                        raw.c_cc[libc::VMIN] = 1;
                        raw.c_cc[libc::VTIME] = 0;
                        self.terminal = libc::tcsetattr(0, libc::TCSANOW, &raw) == 0;
                    }
                }
            }
        }
        self.terminal
    }

    /// Puts the terminal back as it was.
    pub fn restore(&mut self) {
        if let Some(t) = self.saved.take() {
            // SAFETY: restoring saved attributes on fd 0.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &t);
            }
        }
    }
}

/// Decodes one key from the front of `bytes` read from a terminal: the code
/// and how many bytes it used, or `None` if more bytes are needed.
pub fn decode_terminal(bytes: &[u8]) -> Option<(u32, usize)> {
    let first = *bytes.first()?;
    if first == 0x1b {
        match bytes.get(1) {
            None => return Some((0x1b, 1)),
            Some(b'[') => {
                let code = match bytes.get(2)? {
                    b'A' => keys::UP,
                    b'B' => keys::DOWN,
                    b'C' => keys::RIGHT,
                    b'D' => keys::LEFT,
                    b'H' => keys::HOME,
                    b'F' => keys::END,
                    _ => return Some((0x1b, 1)),
                };
                return Some((code, 3));
            }
            Some(_) => return Some((0x1b, 1)),
        }
    }
    let len = match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return Some((u32::from(first), 1)),
    };
    let s = bytes.get(..len)?;
    match core::str::from_utf8(s) {
        Ok(text) => Some((text.chars().next().map_or(u32::from(first), u32::from), len)),
        Err(_) => Some((u32::from(first), 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_decode() {
        assert_eq!(decode_terminal(b"a"), Some((97, 1)));
        assert_eq!(decode_terminal(b"\x1b[A"), Some((keys::UP, 3)));
        assert_eq!(decode_terminal("é".as_bytes()), Some((0xe9, 2)));
        assert_eq!(decode_terminal(&"é".as_bytes()[..1]), None);
        assert_eq!(decode_terminal(b""), None);
    }
}
