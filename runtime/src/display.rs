//! The display: a framebuffer the program fills in linear memory and
//! presents; each frame becomes a PNG a person can open (headless by design).

use crate::abi::DeviceError;
use crate::png;
use alloc::ffi::CString;
use alloc::string::String;
use alloc::vec::Vec;

/// Largest width or height.
pub const MAX_SIDE: i32 = 4096;

/// Display state.
#[derive(Debug, Default)]
pub struct Display {
    /// Where frames go: a directory, or a `.png` file overwritten each time.
    pub target: Option<String>,
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
        if !(1..=MAX_SIDE).contains(&width) || !(1..=MAX_SIDE).contains(&height) {
            return Err(DeviceError::InvalidArgument);
        }
        if self.target.is_none() {
            return Err(DeviceError::NotAttached);
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
        let path = if target.ends_with(".png") {
            target.clone()
        } else {
            alloc::format!(
                "{}/frame-{:05}.png",
                target.trim_end_matches('/'),
                self.frames
            )
        };
        write_file(&path, &data)?;
        self.frames += 1;
        Ok(self.frames - 1)
    }
}

/// Writes a whole file through a temporary name, so a reader never sees a
/// half-written frame.
fn write_file(path: &str, data: &[u8]) -> Result<(), DeviceError> {
    let tmp = alloc::format!("{path}.tmp");
    let (Ok(c_tmp), Ok(c_path)) = (CString::new(tmp), CString::new(path)) else {
        return Err(DeviceError::Io);
    };
    // SAFETY: creating and writing a file by C-string path.
    unsafe {
        let fd = libc::open(
            c_tmp.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC,
            0o644,
        );
        if fd < 0 {
            return Err(DeviceError::Io);
        }
        let ok = crate::console::write_fd(fd, data);
        libc::close(fd);
        if !ok || libc::rename(c_tmp.as_ptr(), c_path.as_ptr()) != 0 {
            libc::unlink(c_tmp.as_ptr());
            return Err(DeviceError::Io);
        }
    }
    Ok(())
}
