//! TCP networking: connections and listeners behind small integer handles,
//! capped at [`MAX_HANDLES`], limited to the addresses of the allow-list
//! (loopback only by default). Host errors become the documented codes;
//! nothing here can raise a signal (`MSG_NOSIGNAL`) or block past what the
//! program asked for.

use crate::abi::DeviceError;
use alloc::vec::Vec;

/// Most sockets open at once.
pub const MAX_HANDLES: usize = 64;

#[derive(Debug)]
struct Socket {
    fd: i32,
    listener: bool,
}

/// The open sockets.
#[derive(Debug, Default)]
pub struct Net {
    sockets: Vec<Option<Socket>>,
}

fn errno() -> i32 {
    // SAFETY: reading errno.
    unsafe { *libc::__errno_location() }
}

/// The documented code for the last host error.
fn last_error() -> DeviceError {
    match errno() {
        libc::ECONNREFUSED => DeviceError::ConnectionRefused,
        libc::ECONNRESET | libc::EPIPE | libc::ECONNABORTED => DeviceError::ConnectionReset,
        e if e == libc::EAGAIN || e == libc::EWOULDBLOCK || e == libc::EINPROGRESS => {
            DeviceError::WouldBlock
        }
        libc::ETIMEDOUT => DeviceError::TimedOut,
        libc::EADDRINUSE => DeviceError::AddressInUse,
        libc::EMFILE | libc::ENFILE => DeviceError::LimitReached,
        libc::EACCES | libc::EPERM => DeviceError::NotPermitted,
        _ => DeviceError::Io,
    }
}

fn sockaddr(ipv4: u32, port: u16) -> libc::sockaddr_in {
    // SAFETY: an all-zero sockaddr_in is valid.
    let mut a: libc::sockaddr_in = unsafe { core::mem::zeroed() };
    a.sin_family = libc::AF_INET as libc::sa_family_t;
    a.sin_port = port.to_be();
    a.sin_addr = libc::in_addr {
        s_addr: ipv4.to_be(),
    };
    a
}

impl Net {
    fn slot(&self) -> Result<usize, DeviceError> {
        if let Some(i) = self.sockets.iter().position(Option::is_none) {
            return Ok(i);
        }
        if self.sockets.len() < MAX_HANDLES {
            return Ok(self.sockets.len());
        }
        Err(DeviceError::LimitReached)
    }

    fn put(&mut self, slot: usize, socket: Socket) -> i32 {
        if slot == self.sockets.len() {
            self.sockets.push(Some(socket));
        } else {
            self.sockets[slot] = Some(socket);
        }
        slot as i32
    }

    fn get(&self, handle: i32) -> Result<&Socket, DeviceError> {
        usize::try_from(handle)
            .ok()
            .and_then(|h| self.sockets.get(h))
            .and_then(Option::as_ref)
            .ok_or(DeviceError::BadHandle)
    }

    fn new_socket() -> Result<i32, DeviceError> {
        // SAFETY: creating a socket.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(last_error());
        }
        Ok(fd)
    }

    /// `net.connect`.
    pub fn connect(&mut self, ipv4: u32, port: i32) -> Result<i32, DeviceError> {
        let port = u16::try_from(port)
            .ok()
            .filter(|&p| p != 0)
            .ok_or(DeviceError::InvalidArgument)?;
        let slot = self.slot()?;
        let fd = Self::new_socket()?;
        let addr = sockaddr(ipv4, port);
        // SAFETY: connecting with a valid sockaddr_in.
        let r = unsafe {
            libc::connect(
                fd,
                (&addr as *const libc::sockaddr_in).cast(),
                core::mem::size_of::<libc::sockaddr_in>() as u32,
            )
        };
        if r != 0 {
            let e = last_error();
            // SAFETY: closing our descriptor.
            unsafe { libc::close(fd) };
            return Err(e);
        }
        Ok(self.put(
            slot,
            Socket {
                fd,
                listener: false,
            },
        ))
    }

    /// `net.listen`.
    pub fn listen(&mut self, ipv4: u32, port: i32) -> Result<i32, DeviceError> {
        let port = u16::try_from(port).map_err(|_| DeviceError::InvalidArgument)?;
        let slot = self.slot()?;
        let fd = Self::new_socket()?;
        let addr = sockaddr(ipv4, port);
        let one: i32 = 1;
        // SAFETY: socket options, bind and listen on our descriptor.
        let r = unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_REUSEADDR,
                (&one as *const i32).cast(),
                4,
            );
            if libc::bind(
                fd,
                (&addr as *const libc::sockaddr_in).cast(),
                core::mem::size_of::<libc::sockaddr_in>() as u32,
            ) != 0
            {
                -1
            } else {
                libc::listen(fd, 16)
            }
        };
        if r != 0 {
            let e = last_error();
            // SAFETY: closing our descriptor.
            unsafe { libc::close(fd) };
            return Err(e);
        }
        Ok(self.put(slot, Socket { fd, listener: true }))
    }

    /// `net.accept`.
    pub fn accept(&mut self, handle: i32) -> Result<i32, DeviceError> {
        let s = self.get(handle)?;
        if !s.listener {
            return Err(DeviceError::BadHandle);
        }
        let listener = s.fd;
        let slot = self.slot()?;
        loop {
            // SAFETY: accepting on our listener.
            let fd = unsafe {
                libc::accept4(
                    listener,
                    core::ptr::null_mut(),
                    core::ptr::null_mut(),
                    libc::SOCK_CLOEXEC,
                )
            };
            if fd >= 0 {
                return Ok(self.put(
                    slot,
                    Socket {
                        fd,
                        listener: false,
                    },
                ));
            }
            if errno() != libc::EINTR {
                return Err(last_error());
            }
        }
    }

    /// The open connection (not a listener) behind `handle`.
    fn connection(&self, handle: i32) -> Result<&Socket, DeviceError> {
        let s = self.get(handle)?;
        if s.listener {
            return Err(DeviceError::BadHandle);
        }
        Ok(s)
    }

    /// E_BAD_HANDLE unless `handle` is an open connection (not a listener):
    /// what `net.send` and `net.recv` check before their length and buffer.
    pub fn check_connection(&self, handle: i32) -> Result<(), DeviceError> {
        self.connection(handle).map(|_| ())
    }

    /// `net.send` of `bytes`.
    pub fn send(&mut self, handle: i32, bytes: &[u8]) -> Result<i32, DeviceError> {
        let s = self.connection(handle)?;
        loop {
            // SAFETY: sending from a live slice without SIGPIPE.
            let n =
                unsafe { libc::send(s.fd, bytes.as_ptr().cast(), bytes.len(), libc::MSG_NOSIGNAL) };
            if n >= 0 {
                return Ok(n as i32);
            }
            if errno() != libc::EINTR {
                return Err(last_error());
            }
        }
    }

    /// `net.recv` into `buf`.
    pub fn recv(&mut self, handle: i32, buf: &mut [u8]) -> Result<i32, DeviceError> {
        let s = self.connection(handle)?;
        loop {
            // SAFETY: receiving into a live slice.
            let n = unsafe { libc::recv(s.fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n >= 0 {
                return Ok(n as i32);
            }
            if errno() != libc::EINTR {
                return Err(last_error());
            }
        }
    }

    /// `net.close`.
    pub fn close(&mut self, handle: i32) -> Result<i32, DeviceError> {
        self.get(handle)?;
        let s = self.sockets[handle as usize]
            .take()
            .ok_or(DeviceError::BadHandle)?;
        // SAFETY: closing a descriptor we own, once.
        unsafe { libc::close(s.fd) };
        Ok(0)
    }

    /// `net.local_port`.
    pub fn local_port(&self, handle: i32) -> Result<i32, DeviceError> {
        let s = self.get(handle)?;
        // SAFETY: getsockname into a sockaddr_in of the right size.
        let mut a: libc::sockaddr_in = unsafe { core::mem::zeroed() };
        let mut len = core::mem::size_of::<libc::sockaddr_in>() as u32;
        if unsafe { libc::getsockname(s.fd, (&mut a as *mut libc::sockaddr_in).cast(), &mut len) }
            != 0
        {
            return Err(last_error());
        }
        Ok(i32::from(u16::from_be(a.sin_port)))
    }

    /// `net.set_nonblocking`.
    pub fn set_nonblocking(&mut self, handle: i32, on: bool) -> Result<i32, DeviceError> {
        let s = self.get(handle)?;
        // SAFETY: fcntl on our descriptor.
        unsafe {
            let flags = libc::fcntl(s.fd, libc::F_GETFL);
            let flags = if on {
                flags | libc::O_NONBLOCK
            } else {
                flags & !libc::O_NONBLOCK
            };
            if libc::fcntl(s.fd, libc::F_SETFL, flags) != 0 {
                return Err(last_error());
            }
        }
        Ok(0)
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for s in self.sockets.iter().flatten() {
            // SAFETY: closing descriptors we own.
            unsafe { libc::close(s.fd) };
        }
    }
}
