//! The display: a framebuffer the program fills in linear memory and
//! presents; each frame becomes a PNG a person can open (headless by design).
//!
//! Where frames go is decided once, when the program starts ([`Target`]):
//! a `JANUS_DISPLAY` value ending in `.png` in any ASCII case (`out.png`,
//! `OUT.PNG`) names a file each frame replaces; any other value (`frames`,
//! `frames/`, `frames.png/`) names a directory that receives
//! `frame-NNNNN.png`. The directory, or the file's parent directory (`.`
//! for a bare name), must already exist, or the program does not start: a
//! typo is then one clear message, not an E_IO from every `display.present`.
//!
//! Each frame is written whole through a temporary file of an unpredictable
//! name, created exclusively beside its final name and renamed into place
//! ([`crate::atomic_file`]): a reader never sees half a frame, and no link
//! planted in the directory is ever written through.

use crate::abi::DeviceError;
use crate::png;
use alloc::ffi::CString;
use alloc::string::String;
use alloc::vec::Vec;

/// Largest width or height.
pub const MAX_SIDE: i32 = 4096;

/// Where presented frames go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A directory receiving `frame-NNNNN.png`, written without a trailing `/`.
    Dir(String),
    /// A PNG file each frame replaces.
    File(String),
}

impl Target {
    /// Classifies a `JANUS_DISPLAY` value: a file when it ends in `.png` in
    /// any ASCII case, else a directory. Checks nothing on disk.
    pub fn classify(value: &str) -> Target {
        let is_png = value.len() >= 4
            && value.is_char_boundary(value.len() - 4)
            && value[value.len() - 4..].eq_ignore_ascii_case(".png");
        if is_png {
            Target::File(String::from(value))
        } else {
            let dir = value.trim_end_matches('/');
            Target::Dir(String::from(if dir.is_empty() { "/" } else { dir }))
        }
    }

    /// Classifies `value` and checks that frames can go there: the
    /// directory (or the file's parent) exists, is a directory and is
    /// writable, and a file target is not itself a directory. The error
    /// names `JANUS_DISPLAY`, the path and what is wrong.
    pub fn open(value: &str) -> Result<Target, String> {
        let target = Target::classify(value);
        let (dir, file) = match &target {
            Target::Dir(dir) => (dir.as_str(), None),
            Target::File(file) => (
                match file.rfind('/') {
                    Some(0) => "/",
                    Some(i) => &file[..i],
                    None => ".",
                },
                Some(file.as_str()),
            ),
        };
        let problem = if file.is_some_and(|f| kind(f) == Some(libc::S_IFDIR)) {
            " is a directory, but a value ending in .png names the file each frame replaces"
        } else {
            match kind(dir) {
                None => " does not exist (create it first; a value ending in .png names a file, any other value a directory)",
                Some(libc::S_IFDIR) if writable(dir) => return Ok(target),
                Some(libc::S_IFDIR) => " is not writable",
                Some(_) => " is not a directory (a value ending in .png names a file, any other value a directory)",
            }
        };
        Err(open_error(value, dir, file, problem))
    }
}

/// The one message of [`Target::open`]: out of line, since a program
/// starts far more often than it fails to.
#[cold]
#[inline(never)]
fn open_error(value: &str, dir: &str, file: Option<&str>, problem: &str) -> String {
    let (subject, lead, (open, of, close)) = match file {
        Some(file) if problem.starts_with(" is a directory") => (file, "", ("", "", "")),
        Some(_) => (dir, "directory ", (" (for `", value, "`)")),
        None => (dir, "directory ", ("", "", "")),
    };
    alloc::format!("JANUS_DISPLAY: {lead}`{subject}`{open}{of}{close}{problem}")
}

/// Whether this process may create files in directory `dir`.
fn writable(dir: &str) -> bool {
    // SAFETY: access on a C string path.
    CString::new(dir).is_ok_and(|c| unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0)
}

/// The file type bits (`S_IFDIR`, `S_IFREG`, ...) of `path`, following
/// symbolic links; `None` when it does not exist or cannot be reached.
fn kind(path: &str) -> Option<libc::mode_t> {
    let c = CString::new(path).ok()?;
    // SAFETY: stat on a C string path into a zeroed buffer.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    if unsafe { libc::stat(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.st_mode & libc::S_IFMT)
}

/// Display state.
#[derive(Debug, Default)]
pub struct Display {
    /// Where frames go, checked when the program started.
    pub target: Option<Target>,
    /// The frame limit.
    pub max_frames: u32,
    /// Width and height once opened.
    pub size: Option<(u32, u32)>,
    /// Frames presented so far.
    pub frames: u32,
}

impl Display {
    /// `display.open`.
    pub fn open(&mut self, width: i32, height: i32) -> Result<(), DeviceError> {
        // The device, then the arguments (ISA.md §6.8, order of checks).
        if self.target.is_none() {
            return Err(DeviceError::NotAttached);
        }
        if !(1..=MAX_SIDE).contains(&width) || !(1..=MAX_SIDE).contains(&height) {
            return Err(DeviceError::InvalidArgument);
        }
        self.size = Some((width as u32, height as u32));
        Ok(())
    }

    /// The framebuffer's byte length, once opened.
    pub fn frame_bytes(&self) -> Option<u32> {
        self.size.map(|(w, h)| w * h * 4)
    }

    /// `display.present` of the frame's bytes (little-endian `u32` pixels).
    pub fn present(&mut self, bytes: &[u8]) -> Result<u32, DeviceError> {
        let (Some((w, h)), Some(target)) = (self.size, self.target.as_ref()) else {
            return Err(DeviceError::NotAttached);
        };
        if self.frames >= self.max_frames {
            return Err(DeviceError::LimitReached);
        }
        let pixels: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let data = png::encode(w, h, &pixels);
        let path = match target {
            Target::File(file) => file.clone(),
            Target::Dir(dir) if dir == "/" => alloc::format!("/frame-{:05}.png", self.frames),
            Target::Dir(dir) => alloc::format!("{dir}/frame-{:05}.png", self.frames),
        };
        crate::atomic_file::write(&path, &data)?;
        self.frames += 1;
        Ok(self.frames - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn names_ending_in_png_in_any_case_are_files_the_rest_directories() {
        let file = |s: &str| Target::File(s.to_string());
        let dir = |s: &str| Target::Dir(s.to_string());
        assert_eq!(Target::classify("out.png"), file("out.png"));
        assert_eq!(Target::classify("a/b/OUT.PNG"), file("a/b/OUT.PNG"));
        assert_eq!(Target::classify("x.Png"), file("x.Png"));
        assert_eq!(Target::classify("frames"), dir("frames"));
        assert_eq!(Target::classify("frames/"), dir("frames"));
        assert_eq!(Target::classify("frames.png/"), dir("frames.png"));
        assert_eq!(Target::classify("out.png.d"), dir("out.png.d"));
        assert_eq!(Target::classify("/"), dir("/"));
        assert_eq!(
            Target::classify("é.pn"),
            dir("é.pn"),
            "no panic on a char boundary"
        );
    }

    #[test]
    fn a_missing_directory_is_an_error_when_the_program_starts() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let base = tmp.path().to_string_lossy().into_owned();
        let open = |rest: &str| Target::open(&std::format!("{base}/{rest}"));

        assert_eq!(open(""), Ok(Target::Dir(base.clone())));
        assert_eq!(
            open("f.png"),
            Ok(Target::File(std::format!("{base}/f.png"))),
            "the file itself need not exist"
        );
        let err = open("missing/").expect_err("no such directory");
        assert!(
            err.starts_with(&std::format!(
                "JANUS_DISPLAY: directory `{base}/missing` does not exist"
            )),
            "{err}"
        );
        let err = open("missing/f.PNG").expect_err("no parent directory");
        assert!(
            err.starts_with(&std::format!(
                "JANUS_DISPLAY: directory `{base}/missing` (for `{base}/missing/f.PNG`) does not exist"
            )),
            "{err}"
        );
        std::fs::write(tmp.path().join("plain"), b"").expect("file");
        let err = open("plain").expect_err("a file is not a directory");
        assert!(err.contains("is not a directory"), "{err}");
        std::fs::create_dir(tmp.path().join("d.png")).expect("directory");
        let err = open("d.png").expect_err("a directory is not a PNG file");
        assert!(err.contains("is a directory"), "{err}");
        assert_eq!(
            open("d.png/"),
            Ok(Target::Dir(std::format!("{base}/d.png")))
        );
        assert_eq!(
            Target::open("bare.png"),
            Ok(Target::File("bare.png".to_string()))
        );
    }

    /// Every name the old code wrote through (`NAME.tmp`), and the final
    /// name, planted as links to a victim: the victim keeps its bytes, a
    /// dangling link creates nothing, the frames land as regular files.
    #[test]
    fn presenting_never_writes_through_a_planted_link() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().expect("temporary directory");
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, b"precious").expect("victim");
        let frames = tmp.path().join("frames");
        std::fs::create_dir(&frames).expect("frames");
        for name in ["frame-00000.png.tmp", "frame-00001.png", "out.png.tmp"] {
            symlink(&victim, frames.join(name)).expect("link");
        }
        symlink(
            tmp.path().join("created"),
            frames.join("frame-00001.png.tmp"),
        )
        .expect("link");
        let value = |rest: &str| std::format!("{}/{rest}", frames.display());
        for (target, presented) in [
            (
                Target::Dir(value("").trim_end_matches('/').to_string()),
                ["frame-00000.png", "frame-00001.png"],
            ),
            (Target::File(value("out.png")), ["out.png", "out.png"]),
        ] {
            let mut display = Display {
                target: Some(target),
                max_frames: 10,
                ..Display::default()
            };
            display.open(1, 1).expect("opened");
            for (frame, name) in presented.iter().enumerate() {
                assert_eq!(display.present(&[1, 2, 3, 0]), Ok(frame as u32));
                let meta = std::fs::symlink_metadata(frames.join(name)).expect("frame");
                assert!(meta.file_type().is_file(), "{name} is a regular file");
            }
        }
        assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
        assert!(
            !tmp.path().join("created").exists(),
            "a dangling link stays dangling"
        );
        let mut left: std::vec::Vec<_> = std::fs::read_dir(&frames)
            .expect("listing")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "frame-00000.png",
                "frame-00000.png.tmp",
                "frame-00001.png",
                "frame-00001.png.tmp",
                "out.png",
                "out.png.tmp"
            ],
            "no temporary file left behind"
        );
    }
}
