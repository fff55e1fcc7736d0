//! The disk: 512-byte blocks of one host file, opened when the program starts
//! and touched only through its file descriptor, so no operation can reach
//! another path. A write that returned 0 is in the file after `flush`.

use crate::abi::DeviceError;
use alloc::ffi::CString;
use alloc::string::String;

/// Bytes in a block.
pub const BLOCK: usize = 512;

/// An attached disk image.
#[derive(Debug)]
pub struct Disk {
    fd: i32,
    blocks: u64,
}

fn errno() -> i32 {
    // SAFETY: reading errno.
    unsafe { *libc::__errno_location() }
}

impl Disk {
    /// Opens the image read-write; the error names the path and the cause.
    pub fn open(path: &str) -> Result<Self, String> {
        let c = CString::new(path)
            .map_err(|_| alloc::format!("JANUS_DISK: `{path}` contains a NUL byte"))?;
        // SAFETY: opening a C string path.
        let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(alloc::format!(
                "JANUS_DISK: cannot open `{path}` (errno {})",
                errno()
            ));
        }
        // SAFETY: fstat on our descriptor.
        let mut st: libc::stat = unsafe { core::mem::zeroed() };
        if unsafe { libc::fstat(fd, &mut st) } != 0 || (st.st_mode & libc::S_IFMT) != libc::S_IFREG
        {
            // SAFETY: closing our descriptor.
            unsafe { libc::close(fd) };
            return Err(alloc::format!("JANUS_DISK: `{path}` is not a regular file"));
        }
        Ok(Disk {
            fd,
            blocks: st.st_size as u64 / BLOCK as u64,
        })
    }

    /// The number of blocks.
    pub fn block_count(&self) -> u64 {
        self.blocks
    }

    fn check(&self, block: i64) -> Result<u64, DeviceError> {
        u64::try_from(block)
            .ok()
            .filter(|&b| b < self.blocks)
            .ok_or(DeviceError::InvalidArgument)
    }

    /// Reads block `block` into `buf`.
    pub fn read(&self, block: i64, buf: &mut [u8; BLOCK]) -> Result<(), DeviceError> {
        let at = self.check(block)? * BLOCK as u64;
        let ptr = buf.as_mut_ptr();
        // SAFETY: pread into the part of `buf` not yet filled.
        whole_block(|done| unsafe {
            libc::pread(
                self.fd,
                ptr.add(done).cast(),
                BLOCK - done,
                (at + done as u64) as i64,
            )
        })
    }

    /// Writes `buf` to block `block`.
    pub fn write(&self, block: i64, buf: &[u8; BLOCK]) -> Result<(), DeviceError> {
        let at = self.check(block)? * BLOCK as u64;
        let ptr = buf.as_ptr();
        // SAFETY: pwrite from the part of `buf` not yet written.
        whole_block(|done| unsafe {
            libc::pwrite(
                self.fd,
                ptr.add(done).cast(),
                BLOCK - done,
                (at + done as u64) as i64,
            )
        })
    }

    /// Makes completed writes durable.
    pub fn flush(&self) -> Result<(), DeviceError> {
        // SAFETY: fsync on our descriptor.
        if unsafe { libc::fsync(self.fd) } == 0 {
            Ok(())
        } else {
            Err(DeviceError::Io)
        }
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        // SAFETY: closing our descriptor once.
        unsafe {
            libc::close(self.fd);
        }
    }
}

/// Repeats a partial transfer (`step(bytes done so far)` returns the count
/// moved, or -1) until a whole block has moved; a short file or a host error
/// is `E_IO`, an interrupted call is retried.
fn whole_block(mut step: impl FnMut(usize) -> isize) -> Result<(), DeviceError> {
    let mut done = 0;
    while done < BLOCK {
        let n = step(done);
        if n <= 0 {
            if n < 0 && errno() == libc::EINTR {
                continue;
            }
            return Err(DeviceError::Io);
        }
        done += n as usize;
    }
    Ok(())
}
