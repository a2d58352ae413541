//! `server_tokio`: the demo application of `server.rs` on tokio, through the async driver
//! and `embedded-io-adapters`' tokio adapter; many connections at once.
//!
//! Built to cost what the protocol costs: a connection is first read and answered as a
//! plain non-blocking socket (`accept4`, one read, one write, `close`) and registered
//! with tokio only if it must wait; it runs first in the accept loop's task (itself a task
//! on a worker thread, not `main`'s, so that no accept wakes another thread) and becomes a
//! task of its own only then, its timer made only then too; its 112 KiB of header-block
//! storage and its buffers come from a pool of finished connections', never zeroed again,
//! and the box it runs in is the last finished connection's.
//!
//! ```text
//! cargo run --example server_tokio -- [--listen 127.0.0.1:4000] [--max-connections 1024]
//!                                     [--timeout 30] [--allow-repeated-names] [--quiet]
//! ```

#[path = "demo/mod.rs"]
mod demo;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::{Duration, Instant};

use demo::Route;
use embedded_io_adapters::tokio_1::FromTokio;
use sioscgi::io::{Error, asynch};
use sioscgi::{Config, DEFAULT_MAX_BLOCK_LEN, Reader, ResponseHead, Status};
use tokio::io::unix::AsyncFd;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

const USAGE: &str = "usage: server_tokio [--listen ADDR:PORT] [--max-connections N] [--timeout SECONDS] \
                     [--allow-repeated-names] [--quiet]";

struct Options {
    listen: String,
    max_connections: usize,
    timeout: Duration,
    config: Config,
    quiet: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        listen: "127.0.0.1:4000".into(),
        max_connections: 1024,
        timeout: Duration::from_secs(30),
        config: Config::new(),
        quiet: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--listen" => options.listen = value("--listen")?,
            "--max-connections" => {
                options.max_connections = value("--max-connections")?
                    .parse()
                    .map_err(|_| "--max-connections takes a number")?;
                options.max_connections = options.max_connections.max(1);
            }
            "--timeout" => {
                let secs: u64 = value("--timeout")?
                    .parse()
                    .map_err(|_| "--timeout takes seconds")?;
                options.timeout = Duration::from_secs(secs.max(1));
            }
            "--allow-repeated-names" => options.config = options.config.allow_repeated_names(true),
            "--quiet" => options.quiet = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

/// The header-block storage: inline (no lifetime, so the connection future is `Send`
/// without help), boxed with its reader. Blocks up to the default 64 KiB limit with up to
/// 2,048 pairs, and their index.
const STORAGE: usize = sioscgi::storage::len_for(DEFAULT_MAX_BLOCK_LEN, 2048);
type Storage = [u8; STORAGE];
type Request<'a> = asynch::Request<'a, Lazy, Storage>;
type Failure = Error<std::io::Error>;

async fn respond(
    request: &mut Request<'_>,
    code: u16,
    content_type: &str,
    body: &[u8],
) -> Result<u16, Failure> {
    let headers = [("Content-Type", content_type)];
    request
        .send_head(&ResponseHead::new(Some(Status::Code(code)), &headers)?)
        .await?;
    request.write_body(body).await?;
    Ok(code)
}

/// The application: answers one request, returns the status it sent.
async fn handle(request: &mut Request<'_>) -> Result<u16, Failure> {
    // Only the routes that read a body need the chunk.
    let chunk = || vec![0u8; 64 * 1024];
    match demo::route(&request.environment()) {
        Route::Index => {
            let page = demo::index_page(&request.environment());
            respond(request, 200, "text/html; charset=utf-8", page.as_bytes()).await
        }
        Route::Echo if request.body_remaining() > demo::ECHO_LIMIT => {
            respond(request, 413, "text/plain", b"body too large to echo\n").await
        }
        Route::Echo => {
            let mut chunk = chunk();
            let mut body = Vec::new();
            loop {
                let n = request.read_body(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
            let mut summary = demo::Summary::default();
            summary.update(&body);
            let (_, sha256) = summary.finish();
            let headers = [
                ("Content-Type", "application/octet-stream"),
                ("X-Body-SHA256", sha256.as_str()),
            ];
            request
                .send_head(&ResponseHead::new(Some(Status::Code(200)), &headers)?)
                .await?;
            request.write_body(&body).await?;
            Ok(200)
        }
        Route::Upload => {
            let mut chunk = chunk();
            let mut summary = demo::Summary::default();
            loop {
                let n = request.read_body(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                summary.update(&chunk[..n]);
            }
            let (len, sha256) = summary.finish();
            respond(
                request,
                200,
                "text/plain",
                demo::upload_text(len, &sha256).as_bytes(),
            )
            .await
        }
        Route::Redirect => {
            request.send_head(&ResponseHead::redirect("/")?).await?;
            Ok(200)
        }
        Route::Moved => {
            // With a status: Apache passes a bare client redirect on as 200.
            let location = demo::moved_location(&request.environment());
            let headers = [
                ("Location", location.as_str()),
                ("Content-Type", "text/html; charset=utf-8"),
            ];
            request
                .send_head(&ResponseHead::new(Some(Status::Code(302)), &headers)?)
                .await?;
            request
                .write_body(demo::moved_page(&location).as_bytes())
                .await?;
            Ok(302)
        }
        Route::Bytes => {
            let total = demo::bytes_wanted(&request.environment());
            let mut digits = [0u8; 20];
            let headers = [
                ("Content-Type", "application/octet-stream"),
                ("X-Length", demo::decimal(total, &mut digits)),
            ];
            request
                .send_head(&ResponseHead::new(Some(Status::Code(200)), &headers)?)
                .await?;
            // A short body from the stack, a long one in pieces of up to 64 KiB.
            let mut small = [0u8; 256];
            let mut large = Vec::new();
            let buf = if total <= small.len() as u64 {
                &mut small[..]
            } else {
                large.resize(total.min(64 * 1024) as usize, 0);
                &mut large[..]
            };
            let mut sent = 0u64;
            while sent < total {
                let n = (total - sent).min(buf.len() as u64) as usize;
                demo::fill_pattern(&mut buf[..n], sent);
                request.write_body(&buf[..n]).await?;
                sent += n as u64;
            }
            Ok(200)
        }
        Route::Stats => respond(request, 200, "text/plain", demo::stats_text().as_bytes()).await,
        Route::NotFound => {
            let page = demo::not_found_page(&request.environment());
            respond(request, 404, "text/html; charset=utf-8", page.as_bytes()).await
        }
    }
}

/// A connection's buffers: the reader with its header-block storage, the receive and
/// send buffers. Kept for the next connection when one ends (a fresh set is 136 KiB to
/// zero).
struct Buffers {
    reader: Box<Reader<Storage>>,
    rx: Vec<u8>,
    tx: Vec<u8>,
}

/// The buffers of finished connections.
static POOL: Mutex<Vec<Buffers>> = Mutex::new(Vec::new());

impl Buffers {
    fn take(config: Config) -> Self {
        let pooled = POOL.lock().unwrap_or_else(PoisonError::into_inner).pop();
        match pooled {
            Some(mut buffers) => {
                buffers.reader.reset();
                buffers
            }
            None => Buffers {
                reader: Box::new(Reader::with_config([0u8; STORAGE], config)),
                rx: vec![0u8; 16 * 1024],
                tx: vec![0u8; 8 * 1024],
            },
        }
    }

    /// Back to the pool, which keeps at most `most`.
    fn give_back(self, most: usize) {
        let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.len() < most {
            pool.push(self);
        }
    }
}

async fn connection(stream: Lazy, options: Arc<Options>) {
    let started = Instant::now();
    let mut buffers = Buffers::take(options.config);
    let Buffers { reader, rx, tx } = &mut buffers;
    let mut transport = stream;
    let mut status = 0;
    let serve = asynch::serve(&mut transport, reader, rx, tx, async |request| {
        status = handle(request).await?;
        Ok(())
    });
    let outcome = match within(started, options.timeout, serve).await {
        Some(Ok(())) => {
            demo::REQUESTS.fetch_add(1, Ordering::Relaxed);
            String::new()
        }
        // Apache's 411 (an empty connection), or a web server that dropped the connection
        // because its client left (EPIPE, ECONNRESET): nothing to log.
        Some(Err(e)) if e.is_peer_gone() => return buffers.give_back(POOLED),
        Some(Err(Error::EmptyConnection)) => return buffers.give_back(POOLED),
        Some(Err(Error::Protocol(e))) => {
            status = e.status_hint().unwrap_or(0);
            format!(" ({})", e.name())
        }
        Some(Err(Error::Io(e))) => format!(" (I/O: {e})"),
        None => " (timed out)".to_owned(),
    };
    if !options.quiet || !outcome.is_empty() {
        let line = demo::log_line(
            reader.environment().as_ref(),
            status,
            started.elapsed().as_millis(),
            &outcome,
        );
        eprintln!("{line}");
    }
    buffers.give_back(POOLED);
}

/// `future`'s output, or `None` once `limit` has passed since `started`. The timer is
/// made only when the future first waits: a request answered without waiting (most are,
/// from a web server on the same machine) never makes one (nor reads the clock for it).
async fn within<F: Future>(started: Instant, limit: Duration, future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    // Unconstrained: a future that spends the task's budget (a body streamed fast) must
    // not keep the timer from being polled, as `tokio::time::timeout` sees to.
    let mut timer = std::pin::pin!(None::<tokio::task::Unconstrained<tokio::time::Sleep>>);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if timer.is_none() {
            // A deadline past what an `Instant` can hold: none.
            let Some(deadline) = started.checked_add(limit) else {
                return Poll::Pending;
            };
            let sleep = tokio::time::sleep_until(deadline.into());
            timer.set(Some(tokio::task::unconstrained(sleep)));
        }
        match timer.as_mut().as_pin_mut() {
            Some(timer) => timer.poll(cx).map(|()| None),
            None => Poll::Pending,
        }
    })
    .await
}

/// How many sets of buffers the pool keeps (14 MiB).
const POOLED: usize = 128;

/// A connection as `accept4` gave it, read and written without waiting until something
/// must wait: then registered with tokio, for good (registering costs two `epoll_ctl`
/// calls, as many as the request's read and write).
enum Lazy {
    Raw(mio::net::TcpStream),
    Registered(FromTokio<TcpStream>),
    Gone,
}

impl Lazy {
    fn register(&mut self) -> std::io::Result<&mut FromTokio<TcpStream>> {
        if let Lazy::Raw(_) = self
            && let Lazy::Raw(stream) = std::mem::replace(self, Lazy::Gone)
        {
            let stream = TcpStream::from_std(stream.into())?;
            // Only a connection that waits can write twice before an acknowledgement.
            stream.set_nodelay(true)?;
            *self = Lazy::Registered(FromTokio::new(stream));
        }
        match self {
            Lazy::Registered(stream) => Ok(stream),
            _ => Err(std::io::ErrorKind::NotConnected.into()),
        }
    }
}

impl embedded_io_async::ErrorType for Lazy {
    type Error = std::io::Error;
}

impl embedded_io_async::Read for Lazy {
    async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Lazy::Raw(stream) = self {
            match std::io::Read::read(stream, buf) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                done => return done,
            }
        }
        self.register()?.read(buf).await
    }
}

impl embedded_io_async::Write for Lazy {
    async fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Lazy::Raw(stream) = self {
            match std::io::Write::write(stream, buf) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                done => return done,
            }
        }
        self.register()?.write(buf).await
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Lazy::Registered(stream) => stream.flush().await,
            _ => Ok(()),
        }
    }
}

#[tokio::main]
async fn main() {
    let options = match parse_args() {
        Ok(o) => Arc::new(o),
        Err(message) => {
            if !message.is_empty() {
                eprintln!("server_tokio: {message}");
            }
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let listener = match listen(&options.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("server_tokio: cannot listen on {}: {e}", options.listen);
            std::process::exit(1);
        }
    };
    let address = listener
        .get_ref()
        .local_addr()
        .map_or(options.listen.clone(), |a| a.to_string());
    eprintln!(
        "sioscgi demo server (tokio): SCGI on {address} (up to {} connections)",
        options.max_connections
    );
    // On a worker thread, which waits for the listener in epoll itself: run here, on the
    // thread of `main`, every accept that had to wait would be a wake-up from a worker.
    if let Err(e) = tokio::spawn(accept_loop(listener, options)).await {
        eprintln!("server_tokio: the accept loop ended: {e}");
        std::process::exit(1);
    }
}

/// Accepts connections and serves each, up to the bound at a time.
async fn accept_loop(listener: AsyncFd<mio::net::TcpListener>, options: Arc<Options>) {
    let slots = Arc::new(Semaphore::new(options.max_connections));
    // The box of the last connection answered here, for the next one.
    let mut spare = None;
    loop {
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        match accept(&listener).await {
            Ok(stream) => {
                let options = Arc::clone(&options);
                let future = async move {
                    connection(Lazy::Raw(stream), options).await;
                    drop(permit);
                };
                let mut task = boxed(&mut spare, future);
                // Here first: a request answered without waiting never becomes a task,
                // and no other worker thread is woken for it.
                let first = std::future::poll_fn(|cx| Poll::Ready(task.as_mut().poll(cx))).await;
                if first.is_pending() {
                    tokio::spawn(task);
                } else {
                    spare = Some(task);
                }
            }
            Err(e) => eprintln!("accept failed: {e}"),
        }
    }
}

/// `future` in the box kept in `spare` (a finished connection's), or in a new one.
fn boxed<F>(spare: &mut Option<Pin<Box<F>>>, future: F) -> Pin<Box<F>> {
    match spare.take() {
        Some(mut task) => {
            task.set(future);
            task
        }
        None => Box::pin(future),
    }
}

/// A non-blocking listener, registered with tokio for its readiness only.
async fn listen(address: &str) -> std::io::Result<AsyncFd<mio::net::TcpListener>> {
    let listener = TcpListener::bind(address).await?.into_std()?;
    // `AsyncFd::new` is deprecated in tokio 1.54 for descriptors it does not own; this
    // one owns its listener, which closes only after the `AsyncFd` deregisters it.
    #[allow(deprecated)]
    AsyncFd::new(mio::net::TcpListener::from_std(listener))
}

/// The next connection, not registered with tokio (`accept4` with `SOCK_NONBLOCK`).
async fn accept(listener: &AsyncFd<mio::net::TcpListener>) -> std::io::Result<mio::net::TcpStream> {
    loop {
        let mut ready = listener.readable().await?;
        if let Ok(accepted) = ready.try_io(|listener| listener.get_ref().accept()) {
            return accepted.map(|(stream, _)| stream);
        }
    }
}
