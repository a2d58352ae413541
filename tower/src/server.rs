//! `serve`: the accept loop, the connection bound, graceful shutdown.

use std::convert::Infallible;
use std::fmt;
use std::future::{Future, IntoFuture, Pending, pending, poll_fn, ready};
use std::io;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use http::{Request, Response};
use tokio::runtime::RuntimeFlavor;
use tokio::sync::Semaphore;
use tower_service::Service;
use tracing::Instrument;
use tracing::instrument::WithSubscriber;
use tracing::{debug, error, warn};

use crate::connection;
use crate::listener::Accepted;
use crate::transport::Registered;
use crate::waiting::{GiveWay, MIN_WAIT_TO_GIVE_WAY, Waiting};
use crate::{Body, BoxError, Config, IncomingRequest, Listener};

/// Serves the application `make_service` makes over SCGI, on every connection
/// `listener` accepts: one tokio task per connection, which calls `make_service` with an
/// [`IncomingRequest`] once the header block has come, then the service it made.
///
/// Awaited in `main` on a multi-thread runtime, it runs its accept loop as a task of its
/// own, on a worker thread, so that waiting for a connection wakes no other thread (see
/// [`Config::accept_loop_task`] for what that changes and how to turn it off).
///
/// `make_service` is what `axum::serve` takes: an axum `Router` (a clone of it serves
/// each request), `router.into_make_service()`, or
/// `router.into_make_service_with_connect_info::<SocketAddr>()` (handlers then extract
/// `ConnectInfo<SocketAddr>`: the client's address, from `REMOTE_ADDR` and
/// `REMOTE_PORT`). With the `axum` feature (on by default) every request carries that
/// `ConnectInfo<SocketAddr>` anyway. Any other tower service serves through [`Shared`](crate::Shared).
///
/// Await it (it runs until the listener fails for good, or until the graceful-shutdown
/// signal), after choosing a [`Config`] with [`Serve::config`] and a signal with
/// [`Serve::with_graceful_shutdown`]. It must run inside a tokio runtime with the timer
/// enabled.
///
/// ```no_run
/// use std::net::SocketAddr;
///
/// use axum::{Router, extract::ConnectInfo, routing::get};
///
/// async fn hello(ConnectInfo(client): ConnectInfo<SocketAddr>) -> String {
///     format!("hello, {client}\n")
/// }
///
/// # #[tokio::main] async fn main() -> std::io::Result<()> {
/// let app = Router::new().route("/hello", get(hello));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:4000").await?;
/// sioscgi_tower::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
///     .config(sioscgi_tower::Config::new().max_connections(256))
///     .with_graceful_shutdown(async { tokio::signal::ctrl_c().await.unwrap() })
///     .await
/// # }
/// ```
pub fn serve<L, M, S, B>(listener: L, make_service: M) -> Serve<L, M, Pending<()>>
where
    L: Listener,
    M: Service<IncomingRequest<L::Addr>, Error = Infallible, Response = S> + Clone + Send + 'static,
    M::Future: Send,
    S: Service<Request<Body>, Response = Response<B>> + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    Serve {
        listener,
        make_service,
        config: Config::new(),
        signal: pending(),
    }
}

/// Serves one connection's request with `service` and ends the connection: for your own
/// accept loop, or a transport that is not a [`Listener`]. [`serve`] runs this in a task
/// per connection. Never fails: every failure is answered (`400`, `431`, `500`, ...) or
/// logged, as in [`serve`]; the header timeout and idle timeouts of `config` apply.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// let app = axum::Router::new().route("/", axum::routing::get(|| async { "hi" }));
/// let (server_side, mut client) = tokio::io::duplex(4096);
/// let (read, write) = tokio::io::split(server_side);
/// let config = sioscgi_tower::Config::new();
/// let served = sioscgi_tower::serve_connection(read, write, app, &config);
/// let ask = async {
///     let block = b"CONTENT_LENGTH\x000\x00SCGI\x001\x00REQUEST_METHOD\x00GET\x00REQUEST_URI\x00/\x00";
///     client.write_all(format!("{}:", block.len()).as_bytes()).await.unwrap();
///     client.write_all(block).await.unwrap();
///     client.write_all(b",").await.unwrap();
///     let mut answer = String::new();
///     client.read_to_string(&mut answer).await.unwrap();
///     answer
/// };
/// let ((), answer) = tokio::join!(served, ask);
/// assert!(answer.starts_with("Content-Type: text/plain; charset=utf-8\r\nStatus: 200 OK\r\n"));
/// assert!(answer.ends_with("\r\n\r\nhi"));
/// # }
/// ```
pub async fn serve_connection<R, W, S, B>(read: R, write: W, service: S, config: &Config)
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
    W: tokio::io::AsyncWrite + Unpin,
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: http_body::Body,
    B::Error: Into<BoxError>,
{
    let transport = Registered(read, write);
    connection::serve(transport, |_| ready(service), (), None, config).await;
}

/// The server [`serve`] returns: set it up, then `.await` it.
#[must_use = "a server does nothing until awaited"]
pub struct Serve<L, M, F> {
    listener: L,
    make_service: M,
    config: Config,
    signal: F,
}

impl<L: Listener, M, F> fmt::Debug for Serve<L, M, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("local_addr", &self.listener.local_addr().ok())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<L: Listener, M, F> Serve<L, M, F> {
    /// Uses `config` (limits, timeouts, the protocol rules of the core).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Stops when `signal` completes: the server stops accepting, closes the connections
    /// that have not sent a byte yet, lets every other connection finish its request (for
    /// at most [`Config::shutdown_timeout`]), then returns.
    pub fn with_graceful_shutdown<G>(self, signal: G) -> Serve<L, M, G>
    where
        G: Future<Output = ()> + Send + 'static,
    {
        Serve {
            listener: self.listener,
            make_service: self.make_service,
            config: self.config,
            signal,
        }
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    /// The listener's.
    pub fn local_addr(&self) -> io::Result<L::Addr> {
        self.listener.local_addr()
    }
}

impl<L, M, S, B, F> IntoFuture for Serve<L, M, F>
where
    L: Listener,
    M: Service<IncomingRequest<L::Addr>, Error = Infallible, Response = S> + Clone + Send + 'static,
    M::Future: Send,
    S: Service<Request<Body>, Response = Response<B>> + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    F: Future<Output = ()> + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        let Serve {
            listener,
            make_service,
            config,
            signal,
        } = self;
        let own_task = config.get_accept_loop_task() && outside_tasks_of_multi_thread_runtime();
        let accepting = async move {
            let mut connections = listener.into_connections()?;
            let max = config.get_max_connections();
            let permits = Arc::new(Semaphore::new(max));
            let config = Arc::new(config);
            let mut waiting = Waiting::new(max);
            let mut signal = std::pin::pin!(signal);
            'accepting: loop {
                let accepted = tokio::select! {
                    accepted = connections.accept() => accepted,
                    () = &mut signal => break,
                };
                let accepted = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) if connection::is_peer_gone(&e) => {
                        debug!(error = %e, "accept: peer gone");
                        continue;
                    }
                    Err(e) => {
                        // Out of file descriptors, most likely: give the connections in flight
                        // a moment to end instead of spinning.
                        error!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let permit = match Arc::clone(&permits).try_acquire_owned() {
                    Ok(permit) => permit,
                    Err(_) => {
                        // At the bound, the connection that has waited longest for its
                        // header block (idle, trickling: at least a quarter of a second)
                        // gives way to this one; while none has waited that long, or if
                        // every connection is past its header block, this one waits for a
                        // connection to end, and the rest wait in the kernel's backlog.
                        let permit = loop {
                            let ask_again = match waiting.close_oldest(MIN_WAIT_TO_GIVE_WAY) {
                                GiveWay::Closed => {
                                    debug!(
                                        "at the connection bound: closed the oldest still without its header block"
                                    );
                                    None
                                }
                                GiveWay::NotBefore(at) => Some(at),
                                GiveWay::Nobody => None,
                            };
                            let later = async {
                                match ask_again {
                                    Some(at) => tokio::time::sleep_until(at).await,
                                    None => pending().await,
                                }
                            };
                            tokio::select! {
                                permit = Arc::clone(&permits).acquire_owned() => break permit,
                                () = later => {}
                                () = &mut signal => break 'accepting,
                            }
                        };
                        let Ok(permit) = permit else { break };
                        permit
                    }
                };
                let slot = waiting.admit();
                let make = make_service.clone();
                let first_here = config.get_first_in_accept_loop();
                let config = Arc::clone(&config);
                let mut task = Box::pin(async move {
                    let make = |incoming| make_one(make, incoming);
                    let slot = Some(slot);
                    match accepted {
                        Accepted::Registered(read, write, peer) => {
                            let transport = Registered(read, write);
                            connection::serve(transport, make, peer, slot, &config).await;
                        }
                        #[cfg(unix)]
                        Accepted::Tcp(stream, peer) => {
                            connection::serve(stream, make, peer, slot, &config).await;
                        }
                        #[cfg(unix)]
                        Accepted::Unix(stream, peer) => {
                            connection::serve(stream, make, peer, slot, &config).await;
                        }
                    }
                    drop(permit);
                });
                // The connection runs here first, in the accept loop's task: a request
                // that came whole and is answered without waiting (most are, from a web
                // server on the same machine) never becomes a task of its own, so no other
                // worker thread is woken for it. One that waits continues as a task.
                if !first_here {
                    tokio::spawn(task.with_current_subscriber());
                    continue;
                }
                match poll_once(task.as_mut()).await {
                    Ok(Poll::Ready(())) => {}
                    // With the subscriber of the thread that awaits `serve`, which a
                    // task on another thread would not see.
                    Ok(Poll::Pending) => drop(tokio::spawn(task.with_current_subscriber())),
                    // As `tokio::spawn` would keep a service's panic in its task, the
                    // server keeps serving; the connection is dropped (closed).
                    Err(panic) => error!(
                        panic = panic_message(&*panic),
                        "the service panicked: connection closed"
                    ),
                }
            }
            // Connections that have not sent a byte close now; the others finish.
            waiting.close_silent();
            drop(connections);
            let everyone = u32::try_from(max).unwrap_or(u32::MAX);
            let finished = permits.acquire_many(everyone);
            match config.get_shutdown_timeout() {
                Some(limit) => {
                    if tokio::time::timeout(limit, finished).await.is_err() {
                        warn!("graceful shutdown: connections still in flight after the timeout");
                    }
                }
                None => drop(finished.await),
            }
            Ok(())
        };
        if !own_task {
            return Box::pin(accepting);
        }
        Box::pin(async move {
            // The accept loop as a task of its own: on a worker thread, which waits for
            // the listener in epoll itself. On the thread of `block_on`, every accept
            // that had to wait would be a wake-up from a worker (two context switches).
            let accepting = accepting.in_current_span().with_current_subscriber();
            let mut accepting = AbortOnDrop(tokio::spawn(accepting));
            match (&mut accepting.0).await {
                Ok(served) => served,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => Err(io::Error::other("the runtime shut down the accept loop")),
            }
        })
    }
}

/// Whether the caller is outside any task, on a multi-thread runtime: in `block_on`'s
/// future, on a thread that is no worker (`main`, under `#[tokio::main]`).
fn outside_tasks_of_multi_thread_runtime() -> bool {
    tokio::task::try_id().is_none()
        && tokio::runtime::Handle::try_current()
            .is_ok_and(|runtime| runtime.runtime_flavor() == RuntimeFlavor::MultiThread)
}

/// A task that ends when this handle is dropped: a `Serve` future dropped before it
/// finished stops accepting (once a worker drops the task).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Makes the service of one request.
async fn make_one<M, A>(mut make: M, incoming: IncomingRequest<A>) -> M::Response
where
    M: Service<IncomingRequest<A>, Error = Infallible>,
{
    let ready = poll_fn(|cx| make.poll_ready(cx)).await;
    let Ok(()) = ready;
    let made = make.call(incoming).await;
    let Ok(service) = made;
    service
}

/// Polls `future` once, with the calling task's context; `Err` if it panicked.
async fn poll_once<F: Future + Unpin>(
    mut future: F,
) -> Result<Poll<F::Output>, Box<dyn std::any::Any + Send>> {
    poll_fn(|cx| {
        let poll = AssertUnwindSafe(|| Pin::new(&mut future).poll(cx));
        Poll::Ready(std::panic::catch_unwind(poll))
    })
    .await
}

/// The message of a panic, if it has one.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    match panic.downcast_ref::<&str>() {
        Some(message) => message,
        None => panic
            .downcast_ref::<String>()
            .map_or("(not a string)", String::as_str),
    }
}
