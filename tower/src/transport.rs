//! A connection as the server handles it: first read and answered without waiting, as a
//! plain non-blocking socket, then, only if it must wait, registered with tokio.
//!
//! A web server sends its whole request at once, and a small answer fits the socket's
//! buffer: most connections never wait. Registering a socket with the runtime costs two
//! system calls (`epoll_ctl` to add it, and again to remove it), as many as reading the
//! request and writing the answer; a connection that does not wait skips them.

use std::io::{self, IoSlice};

use tokio::io::{AsyncRead, AsyncWrite};

/// The connection of one request.
pub(crate) trait Transport {
    /// The read half, once registered (the request body owns it).
    type Read: AsyncRead + Unpin + Send + 'static;
    /// The write half, once registered.
    type Write: AsyncWrite + Unpin;

    /// Whether [`Transport::read_now`] and [`Transport::write_now`] can ever do anything
    /// (a connection from a [`Listener`](crate::Listener) of your own is registered
    /// already).
    const IMMEDIATE: bool;

    /// Reads what has arrived, without waiting: `WouldBlock` if nothing has.
    fn read_now(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// Writes what fits, without waiting: `WouldBlock` if nothing does.
    fn write_now(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize>;

    /// Registers the connection with the runtime, for the reads and writes that wait.
    fn register(self) -> io::Result<(Self::Read, Self::Write)>;

    /// Closes a registered connection whose answer is written whole and which has
    /// nothing left to read, if closing is all it takes to end the answer (a socket,
    /// which buffers nothing of its own, needs no `shutdown` first); gives the halves
    /// back otherwise.
    fn close(read: Self::Read, write: Self::Write) -> Option<(Self::Read, Self::Write)>;
}

/// A connection already registered, as a [`Listener`](crate::Listener) of your own
/// gives it.
pub(crate) struct Registered<R, W>(pub(crate) R, pub(crate) W);

impl<R, W> Transport for Registered<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin,
{
    type Read = R;
    type Write = W;
    const IMMEDIATE: bool = false;

    fn read_now(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::ErrorKind::WouldBlock.into())
    }

    fn write_now(&mut self, _: &[IoSlice<'_>]) -> io::Result<usize> {
        Err(io::ErrorKind::WouldBlock.into())
    }

    fn register(self) -> io::Result<(R, W)> {
        Ok((self.0, self.1))
    }

    fn close(read: R, write: W) -> Option<(R, W)> {
        // A writer of a listener of your own may buffer: its shutdown flushes it.
        Some((read, write))
    }
}

/// A socket as `accept4` gave it: non-blocking, not registered with the runtime.
#[cfg(unix)]
pub(crate) trait RawSocket: io::Read + io::Write {
    /// The read half, once registered.
    type Read: AsyncRead + Unpin + Send + 'static;
    /// The write half, once registered.
    type Write: AsyncWrite + Unpin;

    /// Registers the socket with the runtime.
    fn register(self) -> io::Result<(Self::Read, Self::Write)>;

    /// Closes the registered socket at once, without a `shutdown` (which dropping the
    /// write half alone would make).
    fn close(read: Self::Read, write: Self::Write);
}

#[cfg(unix)]
impl<S: RawSocket> Transport for S {
    type Read = S::Read;
    type Write = S::Write;
    const IMMEDIATE: bool = true;

    fn read_now(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        io::Read::read(self, buf)
    }

    fn write_now(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        io::Write::write_vectored(self, bufs)
    }

    fn register(self) -> io::Result<(Self::Read, Self::Write)> {
        RawSocket::register(self)
    }

    fn close(read: Self::Read, write: Self::Write) -> Option<(Self::Read, Self::Write)> {
        S::close(read, write);
        None
    }
}

#[cfg(unix)]
impl RawSocket for mio::net::TcpStream {
    type Read = tokio::net::tcp::OwnedReadHalf;
    type Write = tokio::net::tcp::OwnedWriteHalf;

    fn register(self) -> io::Result<(Self::Read, Self::Write)> {
        let stream = tokio::net::TcpStream::from_std(self.into())?;
        // A connection registers for a large or streamed answer (a body in more than
        // one piece registers before its second): its later pieces must not wait for
        // the acknowledgement of the earlier ones (Nagle). One write alone never waits,
        // so a connection answered in one is spared the system call.
        stream.set_nodelay(true)?;
        Ok(stream.into_split())
    }

    fn close(read: Self::Read, write: Self::Write) {
        // Together again, the halves close as the stream does: `close` alone.
        drop(read.reunite(write));
    }
}

#[cfg(unix)]
impl RawSocket for mio::net::UnixStream {
    type Read = tokio::net::unix::OwnedReadHalf;
    type Write = tokio::net::unix::OwnedWriteHalf;

    fn register(self) -> io::Result<(Self::Read, Self::Write)> {
        Ok(tokio::net::UnixStream::from_std(self.into())?.into_split())
    }

    fn close(read: Self::Read, write: Self::Write) {
        drop(read.reunite(write));
    }
}
