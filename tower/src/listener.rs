//! Where connections come from: TCP and Unix-domain listeners, or your own.

use std::future::Future;
use std::io;

use tokio::io::{AsyncRead, AsyncWrite};

/// A source of connections for [`serve`](crate::serve), each split into a read half and a
/// write half (the request body is read while the response is written).
///
/// Implemented for tokio's [`TcpListener`](tokio::net::TcpListener) (with `TCP_NODELAY`
/// set on each connection) and, on Unix, [`UnixListener`](tokio::net::UnixListener)
/// (nginx `scgi_pass unix:/path;`, lighttpd `"socket" => "/path"`).
pub trait Listener: Send + 'static {
    /// The read half of a connection.
    type Read: AsyncRead + Unpin + Send + 'static;
    /// The write half of a connection.
    type Write: AsyncWrite + Unpin + Send + 'static;
    /// The address of a peer, or of the listener.
    type Addr: std::fmt::Debug + Send + 'static;

    /// Waits for the next connection.
    fn accept(
        &mut self,
    ) -> impl Future<Output = io::Result<(Self::Read, Self::Write, Self::Addr)>> + Send;

    /// The address the listener is bound to.
    fn local_addr(&self) -> io::Result<Self::Addr>;
}

impl Listener for tokio::net::TcpListener {
    type Read = tokio::net::tcp::OwnedReadHalf;
    type Write = tokio::net::tcp::OwnedWriteHalf;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> io::Result<(Self::Read, Self::Write, Self::Addr)> {
        let (stream, peer) = tokio::net::TcpListener::accept(self).await?;
        // The response leaves in as few writes as possible; Nagle's delay would only
        // hold back the last segment of a streamed one.
        stream.set_nodelay(true)?;
        let (read, write) = stream.into_split();
        Ok((read, write, peer))
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        tokio::net::TcpListener::local_addr(self)
    }
}

#[cfg(unix)]
impl Listener for tokio::net::UnixListener {
    type Read = tokio::net::unix::OwnedReadHalf;
    type Write = tokio::net::unix::OwnedWriteHalf;
    type Addr = tokio::net::unix::SocketAddr;

    async fn accept(&mut self) -> io::Result<(Self::Read, Self::Write, Self::Addr)> {
        let (stream, peer) = tokio::net::UnixListener::accept(self).await?;
        let (read, write) = stream.into_split();
        Ok((read, write, peer))
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        tokio::net::UnixListener::local_addr(self)
    }
}
