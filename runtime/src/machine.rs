//! One running program's state: its memory, heap, console and arguments.
//! Every engine drives the same `Machine`, so memory, heap and devices behave
//! identically under each.

use crate::abi::{DeviceError, TrapKind};
use crate::config::DeviceConfig;
use crate::console::{self, Output};
use crate::disk::Disk;
use crate::display::Display;
use crate::heap::Heap;
use crate::keyboard::{decode_terminal, Keyboard};
use crate::memory::LinearMemory;
use crate::net::Net;
use crate::random::Random;
use alloc::string::String;
use alloc::vec::Vec;

/// Where a translated program's instructions came from, for trap
/// messages: the source format (`wasm`) and (function, pc, source offset)
/// triples sorted by function and pc.
#[derive(Clone, Debug, Default)]
pub struct TrapSource {
    /// The source format's name.
    pub kind: String,
    /// (function, pc, offset), sorted.
    pub offsets: Vec<(u32, u32, u32)>,
}

/// The one trap message every engine prints (without the newline):
/// `janus: trap: WHAT in function `NAME` at pc PC`, then
/// ` (KIND offset 0xOFF)` when the instruction's source offset is known.
pub fn trap_text(
    kind: TrapKind,
    code: u32,
    name: &str,
    pc: u32,
    source: Option<(&str, u32)>,
) -> String {
    let what = if kind == TrapKind::User {
        alloc::format!("user trap {code}")
    } else {
        String::from(kind.name())
    };
    match source {
        Some((source, offset)) => alloc::format!(
            "janus: trap: {what} in function `{name}` at pc {pc} ({source} offset {offset:#x})"
        ),
        None => alloc::format!("janus: trap: {what} in function `{name}` at pc {pc}"),
    }
}

/// A program's state outside its registers.
#[derive(Debug)]
pub struct Machine {
    /// Linear memory.
    pub memory: LinearMemory,
    /// The heap allocator.
    pub heap: Heap,
    /// Buffered standard output.
    pub stdout: Output,
    /// Bytes read from standard input but not yet handed to the program.
    pub stdin: Vec<u8>,
    /// Standard input reached its end.
    pub stdin_done: bool,
    /// Program arguments, the program name excluded.
    pub args: Vec<Vec<u8>>,
    /// Function names, for trap messages.
    pub function_names: Vec<String>,
    /// Device options.
    pub config: DeviceConfig,
    /// The disk, when attached.
    pub disk: Option<Disk>,
    /// The display.
    pub display: Display,
    /// Open sockets.
    pub net: Net,
    /// Terminal state.
    pub keyboard: Keyboard,
    /// What `memory.init` may copy from each data segment, by index: a
    /// passive segment's bytes until `data.drop`, nothing for an active one
    /// (it counts as dropped once the program has started).
    pub segments: Vec<Vec<u8>>,
    /// Environment entries, `KEY=VALUE`, for the `env` device and WASI.
    pub env: Vec<Vec<u8>>,
    /// Where random bytes come from.
    pub random: Random,
    /// Which of the console's WASI descriptors 0..=2 `wasi.fd_close` closed.
    pub wasi_closed: [bool; 3],
    /// Source offsets for trap messages, for a translated program.
    pub source: Option<TrapSource>,
    /// WASI descriptors 3 and up: preopened directories and open files.
    pub files: crate::wasi::fs::Files,
}

impl Machine {
    /// A machine for a program; the error says what could not be set up
    /// (memory reservation, a device option).
    pub fn new(
        initial_pages: u32,
        max_pages: u32,
        heap_base: u32,
        args: Vec<Vec<u8>>,
        function_names: Vec<String>,
        config: DeviceConfig,
    ) -> Result<Self, String> {
        let disk = match &config.disk {
            Some(path) => Some(Disk::open(path)?),
            None => None,
        };
        let display = Display {
            target: match &config.display {
                Some(value) => Some(crate::display::Target::open(value)?),
                None => None,
            },
            max_frames: config.display_frames,
            size: None,
            frames: 0,
        };
        let files = crate::wasi::fs::Files::preopen(&config.dirs)?;
        Ok(Machine {
            memory: LinearMemory::new(initial_pages, max_pages)
                .ok_or_else(|| String::from("cannot reserve the program's memory"))?,
            heap: Heap::new(heap_base),
            stdout: Output::default(),
            stdin: Vec::new(),
            stdin_done: false,
            args,
            function_names,
            disk,
            display,
            net: Net::default(),
            keyboard: Keyboard::default(),
            segments: Vec::new(),
            env: config.env.clone(),
            random: Random::new(config.random_seed),
            wasi_closed: [false; 3],
            source: None,
            files,
            config,
        })
    }

    /// What must happen however the program ends: output flushed, the
    /// terminal restored.
    pub fn shutdown(&mut self) {
        self.stdout.flush();
        self.keyboard.restore();
    }

    /// The next key event (`keyboard.poll` when `!wait`, `keyboard.wait`).
    pub fn key_event(&mut self, wait: bool) -> Result<u64, DeviceError> {
        let terminal = self.keyboard.prepare();
        self.stdout.flush();
        loop {
            if terminal {
                if let Some((code, n)) = decode_terminal(&self.stdin) {
                    self.stdin.drain(..n);
                    return Ok(u64::from(code));
                }
                if self.stdin_done && !self.stdin.is_empty() {
                    return Ok(u64::from(self.stdin.remove(0)));
                }
            } else if !self.stdin.is_empty() {
                return Ok(u64::from(self.stdin.remove(0)));
            }
            if self.stdin_done {
                return Err(DeviceError::NotAttached);
            }
            if !wait {
                let mut fds = libc::pollfd {
                    fd: 0,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: polling one descriptor without waiting.
                if unsafe { libc::poll(&mut fds, 1, 0) } <= 0 {
                    return Ok(0);
                }
            }
            let mut chunk = [0u8; 256];
            let got = console::read_stdin(&mut chunk).ok_or(DeviceError::Io)?;
            if got == 0 {
                self.stdin_done = true;
            }
            self.stdin.extend_from_slice(&chunk[..got]);
        }
    }

    /// Starts the next data segment, in index order, before `main` runs:
    /// an active one (with an `address`) is copied into memory and then
    /// counts as dropped, a passive one is kept for `memory.init`. False
    /// when an active segment does not fit (never for verified modules).
    pub fn start_segment(&mut self, address: Option<u32>, bytes: &[u8]) -> bool {
        let Some(address) = address else {
            self.segments.push(bytes.to_vec());
            return true;
        };
        self.segments.push(Vec::new());
        match self.memory.slice_mut(address, bytes.len() as u32) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    /// `memory.init`: copies `len` bytes of data segment `segment` from its
    /// offset `src` to memory at `dst`. Traps, copying nothing, when
    /// `src + len` passes the segment's current length (0 once dropped) or
    /// `dst + len` the memory's size, both in 64 bits; a length of 0 at
    /// either end is fine.
    pub fn memory_init(
        &mut self,
        segment: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapKind> {
        let bytes = self
            .segments
            .get(segment as usize)
            .map_or(&[][..], Vec::as_slice);
        let src_end = u64::from(src) + u64::from(len);
        if src_end > bytes.len() as u64 {
            return Err(TrapKind::OutOfBounds);
        }
        let to = self
            .memory
            .slice_mut(dst, len)
            .ok_or(TrapKind::OutOfBounds)?;
        to.copy_from_slice(&bytes[src as usize..src_end as usize]);
        Ok(())
    }

    /// `data.drop`: releases data segment `segment`'s bytes, so
    /// `memory.init` sees it empty; dropping it again does nothing.
    pub fn data_drop(&mut self, segment: u32) {
        if let Some(bytes) = self.segments.get_mut(segment as usize) {
            *bytes = Vec::new();
        }
    }

    /// Writes to fd 1 (buffered) or fd 2 (after flushing fd 1).
    pub fn console_write(&mut self, fd: i32, bytes: &[u8]) -> bool {
        if fd == 1 {
            self.stdout.write(bytes)
        } else {
            self.stdout.flush() && console::write_fd(2, bytes)
        }
    }

    /// Up to `cap` bytes of input (up to and including a newline when
    /// `line`); empty at end of input, `None` on a host error.
    pub fn read_input(&mut self, cap: usize, line: bool) -> Option<Vec<u8>> {
        loop {
            let newline = if line {
                self.stdin.iter().position(|&b| b == b'\n')
            } else {
                None
            };
            let have = self.stdin.len();
            let enough = match newline {
                Some(i) => Some(i + 1),
                None if have >= cap || (self.stdin_done && have > 0) || (!line && have > 0) => {
                    Some(have)
                }
                None if self.stdin_done => Some(0),
                None => None,
            };
            if let Some(n) = enough {
                let n = n.min(cap);
                return Some(self.stdin.drain(..n).collect());
            }
            let mut chunk = [0u8; 4096];
            let got = console::read_stdin(&mut chunk)?;
            if got == 0 {
                self.stdin_done = true;
            }
            self.stdin.extend_from_slice(&chunk[..got]);
        }
    }

    /// The text of a trap message, without the newline.
    pub fn trap_message(&self, kind: TrapKind, func: u32, pc: u32, code: u32) -> String {
        let name = self
            .function_names
            .get(func as usize)
            .map_or("?", |s| s.as_str());
        let source = self.source.as_ref().and_then(|s| {
            let i = s
                .offsets
                .binary_search_by_key(&(func, pc), |&(f, p, _)| (f, p))
                .ok()?;
            Some((s.kind.as_str(), s.offsets[i].2))
        });
        trap_text(kind, code, name, pc, source)
    }

    /// Memory copy with the VM's bounds rule (both ranges checked first).
    pub fn memory_copy(&mut self, dst: u32, src: u32, len: u32) -> Result<(), TrapKind> {
        if !self.memory.in_bounds(dst, u64::from(len))
            || !self.memory.in_bounds(src, u64::from(len))
        {
            return Err(TrapKind::OutOfBounds);
        }
        self.memory
            .bytes_mut()
            .copy_within(src as usize..(src + len) as usize, dst as usize);
        Ok(())
    }

    /// Memory fill with the VM's bounds rule.
    pub fn memory_fill(&mut self, addr: u32, byte: u8, len: u32) -> Result<(), TrapKind> {
        self.memory
            .slice_mut(addr, len)
            .ok_or(TrapKind::OutOfBounds)?
            .fill(byte);
        Ok(())
    }
}
