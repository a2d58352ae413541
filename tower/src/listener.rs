//! Where connections come from: TCP and Unix-domain listeners, or your own.

use std::fmt;
use std::future::Future;
use std::io;

#[cfg(unix)]
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite};

/// A source of connections for [`serve`](crate::serve), each split into a read half and a
/// write half (the request body is read while the response is written).
///
/// Implemented for tokio's [`TcpListener`](tokio::net::TcpListener) (with `TCP_NODELAY`
/// set on each connection that waits for the network) and, on Unix,
/// [`UnixListener`](tokio::net::UnixListener) (nginx `scgi_pass unix:/path;`, lighttpd
/// `"socket" => "/path"`).
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

    /// How [`serve`](crate::serve) takes this listener's connections (it calls this
    /// once, when it starts). The default accepts them with [`Listener::accept`]. tokio's
    /// TCP and Unix-domain listeners take theirs as plain non-blocking sockets instead,
    /// which a request that has come whole is read from and answered on before they are
    /// ever registered with the runtime: two system calls fewer per request. A
    /// listener of your own leaves this as it is.
    ///
    /// # Errors
    /// Turning the listener into another kind failed.
    fn into_connections(self) -> io::Result<Connections<Self>>
    where
        Self: Sized,
    {
        Ok(Connections(Source::Accept(self)))
    }
}

/// Where [`serve`](crate::serve) takes a [`Listener`]'s connections from (see
/// [`Listener::into_connections`]).
pub struct Connections<L: Listener>(Source<L>);

impl<L: Listener> fmt::Debug for Connections<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.0 {
            Source::Accept(_) => "accept",
            #[cfg(unix)]
            Source::Tcp(..) => "tcp",
            #[cfg(unix)]
            Source::Unix(..) => "unix",
        };
        f.debug_tuple("Connections").field(&kind).finish()
    }
}

enum Source<L: Listener> {
    /// Through [`Listener::accept`].
    Accept(L),
    /// TCP, accepted as non-blocking sockets not registered with the runtime.
    #[cfg(unix)]
    Tcp(
        AsyncFd<mio::net::TcpListener>,
        fn(std::net::SocketAddr) -> L::Addr,
    ),
    /// Unix-domain sockets, the same way.
    #[cfg(unix)]
    Unix(
        AsyncFd<mio::net::UnixListener>,
        fn(std::os::unix::net::SocketAddr) -> L::Addr,
    ),
}

/// A connection [`Connections`] gave.
pub(crate) enum Accepted<L: Listener> {
    /// From [`Listener::accept`]: registered already.
    Registered(L::Read, L::Write, L::Addr),
    #[cfg(unix)]
    Tcp(mio::net::TcpStream, L::Addr),
    #[cfg(unix)]
    Unix(mio::net::UnixStream, L::Addr),
}

impl<L: Listener> Connections<L> {
    /// Waits for the next connection.
    pub(crate) async fn accept(&mut self) -> io::Result<Accepted<L>> {
        match &mut self.0 {
            Source::Accept(listener) => {
                let (read, write, peer) = listener.accept().await?;
                Ok(Accepted::Registered(read, write, peer))
            }
            #[cfg(unix)]
            Source::Tcp(listener, addr) => {
                let (stream, peer) = accept_now(listener, mio::net::TcpListener::accept).await?;
                Ok(Accepted::Tcp(stream, addr(peer)))
            }
            #[cfg(unix)]
            Source::Unix(listener, addr) => {
                let (stream, peer) = accept_now(listener, mio::net::UnixListener::accept).await?;
                Ok(Accepted::Unix(stream, addr(peer)))
            }
        }
    }
}

/// Registers a listener with the runtime for its readiness.
#[cfg(unix)]
fn watch<T: std::os::fd::AsRawFd>(listener: T) -> io::Result<AsyncFd<T>> {
    // tokio 1.54 deprecates `AsyncFd::new` for file descriptors the `AsyncFd` does not
    // own (the caller could close one while registered) in favour of an `unsafe`
    // constructor; a mio listener owns its descriptor, moved in here, and it is closed
    // only after the `AsyncFd` deregisters it.
    #[allow(deprecated)]
    AsyncFd::new(listener)
}

/// Accepts from a non-blocking listener once it is readable.
#[cfg(unix)]
async fn accept_now<T: std::os::fd::AsRawFd, C>(
    listener: &AsyncFd<T>,
    accept: impl Fn(&T) -> io::Result<C>,
) -> io::Result<C> {
    loop {
        let mut ready = listener.readable().await?;
        if let Ok(accepted) = ready.try_io(|listener| accept(listener.get_ref())) {
            return accepted;
        }
    }
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

    #[cfg(unix)]
    fn into_connections(self) -> io::Result<Connections<Self>> {
        let listener = mio::net::TcpListener::from_std(self.into_std()?);
        Ok(Connections(Source::Tcp(watch(listener)?, |peer| peer)))
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

    fn into_connections(self) -> io::Result<Connections<Self>> {
        let listener = mio::net::UnixListener::from_std(self.into_std()?);
        Ok(Connections(Source::Unix(watch(listener)?, |peer| {
            peer.into()
        })))
    }
}
