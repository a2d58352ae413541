//! One connection: the header block, the service, the response, the drain.

use std::future::poll_fn;
use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use http::header::{HeaderName, HeaderValue};
use http::{Method, Request, Response};
use sioscgi::{Error as ProtocolError, Event, Reader, ResponseHead, Status};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tower_service::Service;
use tracing::{debug, error};

use crate::body::{Body, BodyError, Incoming, Source, drain};
#[cfg(feature = "axum")]
use crate::incoming::client_socket_addr;
use crate::response::may_have_body;
use crate::storage::HeaderStorage;
use crate::transport::Transport;
use crate::waiting::{Slot, Waiter};
use crate::{BoxError, CgiEnvironment, Config, IncomingRequest, encode_head, request};

/// Header-block storage reserved up front: what a browser's request through nginx needs.
const INITIAL_STORAGE: usize = 4096;

/// The response header that turns nginx's buffering of this response off.
const X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// What a response that broke a rule, or a failed service, becomes.
const INTERNAL_ERROR: &[u8] =
    b"Content-Type: text/plain\r\nStatus: 500 Internal Server Error\r\n\r\ninternal server error\n";

/// Serves the connection's one request with the service `make` makes for it (once its
/// header block has come), then closes the connection. `web_server` is the address of
/// the connection's other end.
///
/// The connection is read and answered without waiting for as long as it can be (see
/// [`Transport`]), and registered with the runtime only when something must wait.
pub(crate) async fn serve<T, A, M, F, S, B>(
    transport: T,
    make: M,
    web_server: A,
    slot: Option<Waiter>,
    config: &Config,
) where
    T: Transport,
    M: FnOnce(IncomingRequest<A>) -> F,
    F: Future<Output = S>,
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: http_body::Body,
    B::Error: Into<BoxError>,
{
    let storage = HeaderStorage::new(INITIAL_STORAGE, config.storage_len());
    let mut reader = Reader::with_config(storage, *config.get_protocol());
    let mut buffer = BytesMut::new();
    let mut conn = Conn::Raw(transport);
    if !T::IMMEDIATE {
        // Registered already: nothing to gain from a read without waiting.
        if let Err(e) = conn.register() {
            return log_io("registering the connection", &e);
        }
    }
    let head = read_head(
        &mut conn,
        &mut reader,
        &mut buffer,
        config.get_read_buffer_len(),
        slot.as_deref(),
    );
    // Until the block is complete, the server may tell the connection to close: a newer
    // one takes its place at the connection bound, or a shutdown finds it silent.
    let head = async {
        match &slot {
            Some(slot) => tokio::select! {
                head = head => head,
                () = slot.closed() => Err(HeadError::Closed),
            },
            None => head.await,
        }
    };
    let consumed = match tokio::time::timeout(config.get_header_timeout(), head).await {
        Ok(Ok(consumed)) => consumed,
        Ok(Err(HeadError::Empty)) => return,
        Ok(Err(HeadError::Closed)) => {
            return debug!("closed before its header block: a newer connection or a shutdown");
        }
        Ok(Err(HeadError::Io(e))) => return log_io("reading the header block", &e),
        Ok(Err(HeadError::Protocol(e))) => {
            debug!(error = e.name(), "refused a broken request");
            if let Some(code) = e.status_hint() {
                refuse(&mut conn, code, e.name(), config).await;
                drain_rest(&mut conn, config.get_drain_limit(), config).await;
            }
            return;
        }
        Err(_) => return debug!("the header block did not come within the header timeout"),
    };
    if let Some(slot) = slot
        && !slot.start()
    {
        return debug!("closed as its header block came: a newer connection or a shutdown");
    }
    let Some(environment) = reader.environment() else {
        return;
    };
    let content_length = environment.content_length();
    // The request keeps the block as it came off the wire (the reader's storage holds a
    // copy it indexes): the headers, the URI and the CGI environment point into it.
    let wire = buffer.split_to(consumed).freeze();
    let block = wire_block(&wire, environment.as_bytes());
    let parts = request::request_parts(&environment, &block);
    drop(reader);
    #[cfg_attr(not(feature = "axum"), allow(unused_mut))]
    let mut parts = match parts {
        Ok(parts) => parts,
        Err(e) => {
            debug!(error = %e, "refused a request http cannot represent");
            refuse(&mut conn, 400, e.summary(), config).await;
            // The body bytes that came with the block are read already.
            let left = content_length.saturating_sub(buffer.len() as u64);
            return drain_rest(&mut conn, left.min(config.get_drain_limit()), config).await;
        }
    };
    // A request without a body needs nothing more from the connection; one whose body
    // came whole with the block, nothing more either.
    let early = buffer.split().freeze();
    let incoming: Option<Arc<dyn Source>> = if content_length == 0 {
        None
    } else if early.len() as u64 >= content_length {
        Some(Arc::new(Incoming::new(
            tokio::io::empty(),
            early,
            buffer,
            content_length,
            config.get_read_buffer_len(),
            config.get_idle_timeout(),
        )))
    } else {
        let read = match conn.take_read() {
            Ok(read) => read,
            Err(e) => return log_io("registering the connection", &e),
        };
        Some(Arc::new(Incoming::new(
            read,
            early,
            buffer,
            content_length,
            config.get_read_buffer_len(),
            config.get_idle_timeout(),
        )))
    };
    let body = match &incoming {
        Some(incoming) => Body::new(Arc::clone(incoming)),
        None => Body::empty(),
    };
    let head_only = parts.method == Method::HEAD;
    let Some(cgi) = parts.extensions.get::<CgiEnvironment>().cloned() else {
        return error!("a request without its CGI environment");
    };
    // The client's address, as `axum::serve` gives it (here the web server's client's).
    #[cfg(feature = "axum")]
    parts
        .extensions
        .insert(axum::extract::ConnectInfo(client_socket_addr(&cgi)));
    let mut service = make(IncomingRequest::new(cgi, web_server)).await;
    let request = Request::from_parts(parts, body);

    let written = match call(&mut service, request).await {
        Ok(response) => write_response(&mut conn, response, head_only, config).await,
        Err(e) => {
            error!(error = %e, "the service failed: answered 500");
            write_all(&mut conn, INTERNAL_ERROR, config.get_idle_timeout()).await
        }
    };
    if let Err(e) = written {
        return log_io("writing the response", &e);
    }
    // The answer is complete. A registered connection's write half is shut down: that
    // flushes a writer that buffers (a `Listener` of your own may give one) and ends the
    // answer, so that the web server may answer its client while what the service left
    // of the body is read. A connection never registered has written everything, and
    // closing it ends the answer; so does closing a registered socket with nothing left
    // to read (one system call fewer than a shutdown and a close).
    let body_left = incoming
        .as_ref()
        .is_some_and(|incoming| incoming.remaining() > 0);
    let mut conn = match conn {
        Conn::Registered {
            read: Some(read),
            write,
        } if !body_left => match T::close(read, write) {
            None => return,
            Some((read, write)) => Conn::Registered {
                read: Some(read),
                write,
            },
        },
        conn => conn,
    };
    if let Conn::Registered { write, .. } = &mut conn {
        let idle = config.get_idle_timeout();
        if let Err(e) = with_idle(idle, write.shutdown()).await {
            return log_io("ending the response", &e);
        }
    }
    // Body bytes left unread are read, so that closing does not reset the connection
    // under a web server still sending them.
    let Some(incoming) = incoming.filter(|incoming| incoming.remaining() > 0) else {
        return;
    };
    let drain = drain(&*incoming, config.get_drain_limit());
    let _ = tokio::time::timeout(config.get_drain_timeout(), drain).await;
}

/// A connection, not registered with the runtime until something must wait.
enum Conn<T: Transport> {
    /// Read and written without waiting.
    Raw(T),
    /// Registered: the read half moves to the request body when it must be read.
    Registered {
        read: Option<T::Read>,
        write: T::Write,
    },
    /// Registering failed.
    Gone,
}

impl<T: Transport> Conn<T> {
    /// Registers the connection, if it is not yet.
    fn register(&mut self) -> io::Result<()> {
        if let Conn::Raw(_) = self {
            let Conn::Raw(transport) = std::mem::replace(self, Conn::Gone) else {
                return Ok(());
            };
            let (read, write) = transport.register()?;
            *self = Conn::Registered {
                read: Some(read),
                write,
            };
        }
        Ok(())
    }

    fn read_half(&mut self) -> io::Result<&mut T::Read> {
        self.register()?;
        match self {
            Conn::Registered {
                read: Some(read), ..
            } => Ok(read),
            _ => Err(io::Error::from(io::ErrorKind::NotConnected)),
        }
    }

    fn take_read(&mut self) -> io::Result<T::Read> {
        self.register()?;
        match self {
            Conn::Registered { read, .. } => read
                .take()
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected)),
            _ => Err(io::Error::from(io::ErrorKind::NotConnected)),
        }
    }

    fn write_half(&mut self) -> io::Result<&mut T::Write> {
        self.register()?;
        match self {
            Conn::Registered { write, .. } => Ok(write),
            _ => Err(io::Error::from(io::ErrorKind::NotConnected)),
        }
    }
}

/// Why no request came.
enum HeadError {
    /// The peer closed before a byte (Apache does, when it answers 411 itself).
    Empty,
    /// The server told the connection to close (see [`Slot`]).
    Closed,
    Io(io::Error),
    Protocol(ProtocolError),
}

/// Reads until the header block is complete; returns how many bytes of `buffer` it took
/// (the rest is body).
async fn read_head<T: Transport>(
    conn: &mut Conn<T>,
    reader: &mut Reader<HeaderStorage>,
    buffer: &mut BytesMut,
    read_len: usize,
    slot: Option<&Slot>,
) -> Result<usize, HeadError> {
    let mut consumed = 0;
    loop {
        if buffer.capacity() - buffer.len() < read_len / 4 {
            buffer.reserve(read_len);
        }
        let n = match conn {
            Conn::Raw(transport) => match read_now(transport, buffer, read_len) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // Nothing more has come: wait for it like any connection.
                    conn.register().map_err(HeadError::Io)?;
                    continue;
                }
                read => read.map_err(HeadError::Io)?,
            },
            _ => {
                let read = conn.read_half().map_err(HeadError::Io)?;
                read.read_buf(buffer).await.map_err(HeadError::Io)?
            }
        };
        if n == 0 {
            if buffer.is_empty() {
                return Err(HeadError::Empty);
            }
            let error = reader.read_eof().err();
            return Err(HeadError::Protocol(
                error.unwrap_or(ProtocolError::RemotePrematureEof),
            ));
        }
        if let Some(slot) = slot {
            slot.receiving();
        }
        loop {
            let input = buffer.get(consumed..).unwrap_or(&[]);
            let (used, event) = reader.read(input).map_err(HeadError::Protocol)?;
            consumed += used;
            match event {
                Some(Event::Headers(_)) => return Ok(consumed),
                Some(_) => {}
                None => break,
            }
        }
    }
}

/// The header block inside the received netstring `LEN:BLOCK,` (no copy), or a copy of
/// `checked` if the two differ (they never do: the reader copies the block as it comes).
fn wire_block(wire: &Bytes, checked: &[u8]) -> Bytes {
    let start = wire
        .iter()
        .position(|&b| b == b':')
        .map_or(0, |colon| colon + 1);
    let end = start + checked.len();
    match wire.get(start..end) {
        Some(block) if block == checked && wire.get(end) == Some(&b',') => wire.slice(start..end),
        _ => Bytes::copy_from_slice(checked),
    }
}

/// Waits until the service is ready, then calls it.
async fn call<S, B>(service: &mut S, request: Request<Body>) -> Result<Response<B>, BoxError>
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Into<BoxError>,
{
    poll_fn(|cx| service.poll_ready(cx))
        .await
        .map_err(Into::into)?;
    service.call(request).await.map_err(Into::into)
}

/// Writes the CGI head and streams the body. A response that breaks a CGI rule, or
/// whose body fails before its first byte, becomes a `500`; a body that fails later, or
/// is longer or shorter than it said, ends the connection abruptly (the web server then
/// knows the answer is broken).
async fn write_response<T, B>(
    conn: &mut Conn<T>,
    response: Response<B>,
    head_only: bool,
    config: &Config,
) -> io::Result<()>
where
    T: Transport,
    B: http_body::Body,
    B::Error: Into<BoxError>,
{
    let idle = config.get_idle_timeout();
    let (mut parts, body) = response.into_parts();
    let declared = declared_length(&parts, &body);
    if declared.is_none()
        && config.get_unbuffered_streams()
        && !head_only
        && may_have_body(parts.status)
        && !parts.headers.contains_key(X_ACCEL_BUFFERING)
    {
        // A stream: nginx passes each piece on as it comes instead of gathering them.
        parts
            .headers
            .insert(X_ACCEL_BUFFERING, HeaderValue::from_static("no"));
    }
    let mut head = Vec::with_capacity(256);
    if let Err(e) = encode_head(&parts, body.size_hint().exact(), &mut head) {
        error!(error = %e, status = parts.status.as_u16(), "answered 500");
        return write_all(conn, INTERNAL_ERROR, idle).await;
    }
    let head = Bytes::from(head);
    if head_only || !may_have_body(parts.status) {
        return write_all(conn, head, idle).await;
    }
    let mut body = pin!(body);
    // Errors become `BoxError` at once: the body's own error type need not be `Send`.
    let mut next = move |cx: &mut std::task::Context<'_>| {
        body.as_mut()
            .poll_frame(cx)
            .map(|frame| frame.map(|result| result.map_err(Into::<BoxError>::into)))
    };
    // The first frame, if the body has it already, leaves with the head: one write.
    let first = poll_fn(|cx| match next(cx) {
        Poll::Ready(frame) => Poll::Ready(Some(frame)),
        Poll::Pending => Poll::Ready(None),
    })
    .await;
    let mut sent = 0u64;
    match first {
        Some(Some(Err(e))) => {
            error!(error = %e, "the response body failed before its first byte: answered 500");
            return write_all(conn, INTERNAL_ERROR, idle).await;
        }
        Some(Some(Ok(frame))) => {
            let data = frame.into_data().ok();
            sent = data.as_ref().map_or(0, |d| d.remaining() as u64);
            check_length(sent, declared)?;
            match data {
                Some(data) => write_all(conn, head.chain(data), idle).await?,
                None => write_all(conn, head, idle).await?,
            }
        }
        Some(None) => return write_all(conn, head, idle).await,
        None => write_all(conn, head, idle).await?,
    }
    while let Some(frame) = poll_fn(&mut next).await {
        let frame = frame.map_err(|e| {
            if from_request_body(&*e) {
                // An echo of the request body, say, when the web server went away: the
                // peer's doing.
                io::Error::new(io::ErrorKind::ConnectionAborted, e)
            } else {
                broken(format!("the response body failed: {e}"))
            }
        })?;
        // A body in pieces streams: its later pieces must not wait for the
        // acknowledgement of the earlier ones (the registered socket has TCP_NODELAY).
        conn.register()?;
        // Trailers have no place in a CGI response: they are dropped.
        if let Ok(data) = frame.into_data() {
            sent += data.remaining() as u64;
            check_length(sent, declared)?;
            write_all(conn, data, idle).await?;
        }
    }
    if let Some(declared) = declared
        && sent < declared
    {
        return Err(broken(format!(
            "the response body is shorter than its length: {sent} of {declared} bytes"
        )));
    }
    Ok(())
}

/// The error of a response the service broke after its head left: the connection is
/// ended abruptly (the web server then knows the answer is broken) and it is logged as
/// the service's fault.
fn broken(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Whether `error` (or one of its sources) is the request body's: the peer's doing.
fn from_request_body(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<BodyError>() {
            return true;
        }
        // `io::Error` keeps a wrapped error out of `source()`.
        cause = match e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    false
}

/// The body length the head announces, if it does.
fn declared_length<B: http_body::Body>(parts: &http::response::Parts, body: &B) -> Option<u64> {
    match parts.headers.get(http::header::CONTENT_LENGTH) {
        Some(value) => value.to_str().ok()?.parse().ok(),
        None => body.size_hint().exact(),
    }
}

fn check_length(sent: u64, declared: Option<u64>) -> io::Result<()> {
    match declared {
        Some(declared) if sent > declared => Err(broken(format!(
            "the response body is longer than its length of {declared} bytes"
        ))),
        _ => Ok(()),
    }
}

/// Answers a request that cannot be served: `code`, with `reason` as a line of text.
async fn refuse<T: Transport>(conn: &mut Conn<T>, code: u16, reason: &str, config: &Config) {
    let Ok(head) = ResponseHead::new(Some(Status::Code(code)), &[("Content-Type", "text/plain")])
    else {
        return;
    };
    let mut answer = head.to_vec();
    answer.extend_from_slice(reason.as_bytes());
    answer.push(b'\n');
    let idle = config.get_idle_timeout();
    let written = async {
        let write = conn.write_half()?;
        write_idle(write, &answer[..], idle).await?;
        with_idle(idle, write.shutdown()).await
    };
    if let Err(e) = written.await {
        log_io("refusing a request", &e);
    }
}

/// After a refusal: reads and drops up to `limit` more bytes (for at most the drain
/// timeout) or until the peer closes, so that closing does not reset the connection
/// under a web server still sending the request, which would lose the answer.
async fn drain_rest<T: Transport>(conn: &mut Conn<T>, limit: u64, config: &Config) {
    let Ok(read) = conn.read_half() else { return };
    let drain = async {
        // On the heap: held across an await, an array would be part of every
        // connection's future (moved and allocated with it), refused or not.
        let mut scratch = vec![0u8; 4096];
        let mut left = limit;
        while left > 0 {
            match read.read(&mut scratch).await {
                Ok(0) | Err(_) => return,
                Ok(n) => left = left.saturating_sub(n as u64),
            }
        }
    };
    let _ = tokio::time::timeout(config.get_drain_timeout(), drain).await;
}

/// Writes all of `buf` to the connection: what fits at once without registering it,
/// the rest (if any) as [`write_idle`] does.
async fn write_all<T: Transport>(
    conn: &mut Conn<T>,
    mut buf: impl Buf,
    idle: Duration,
) -> io::Result<()> {
    if let Conn::Raw(transport) = conn {
        while buf.has_remaining() {
            let mut slices = [io::IoSlice::new(&[]); 4];
            let count = buf.chunks_vectored(&mut slices);
            match transport.write_now(slices.get(..count).unwrap_or(&[])) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero)),
                Ok(n) => buf.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if !buf.has_remaining() {
            return Ok(());
        }
    }
    write_idle(conn.write_half()?, buf, idle).await
}

/// Reads what has come on an unregistered connection into `buffer` (`WouldBlock` if
/// nothing has), through a scratch buffer of the thread's: its bytes stay initialized
/// from one connection to the next, so that no read pays for zeroing.
fn read_now<T: Transport>(
    transport: &mut T,
    buffer: &mut BytesMut,
    read_len: usize,
) -> io::Result<usize> {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.try_borrow_mut().map_err(io::Error::other)?;
        if scratch.len() < read_len {
            scratch.resize(read_len, 0);
        }
        let into = scratch.get_mut(..read_len).unwrap_or_default();
        loop {
            match transport.read_now(into) {
                Ok(n) => {
                    buffer.extend_from_slice(into.get(..n).unwrap_or_default());
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    })
}

/// Writes all of `buf` (vectored when it is in pieces), giving up after `idle` without
/// progress.
async fn write_idle<W: AsyncWrite + Unpin>(
    write: &mut W,
    mut buf: impl Buf,
    idle: Duration,
) -> io::Result<()> {
    while buf.has_remaining() {
        let before = buf.remaining();
        // One write call at a time, so that the timeout is per progress, not per answer.
        with_idle(idle, async {
            let n = write_some(write, &mut buf).await?;
            if n == 0 && before > 0 {
                return Err(io::Error::from(io::ErrorKind::WriteZero));
            }
            Ok(())
        })
        .await?;
    }
    Ok(())
}

async fn write_some<W: AsyncWrite + Unpin>(write: &mut W, buf: &mut impl Buf) -> io::Result<usize> {
    let mut slices = [io::IoSlice::new(&[]); 4];
    let count = buf.chunks_vectored(&mut slices);
    let n = if count > 1 && write.is_write_vectored() {
        write
            .write_vectored(slices.get(..count).unwrap_or(&[]))
            .await?
    } else {
        write.write(buf.chunk()).await?
    };
    buf.advance(n);
    Ok(n)
}

async fn with_idle<T>(
    idle: Duration,
    future: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    tokio::time::timeout(idle, future)
        .await
        .unwrap_or_else(|_| Err(io::Error::from(io::ErrorKind::TimedOut)))
}

/// Logs an I/O failure once: quietly when the peer just went away (`EPIPE`,
/// `ECONNRESET`: a web server does that whenever its own client gives up), as an error
/// when the service broke its response.
fn log_io(doing: &str, e: &io::Error) {
    if is_peer_gone(e) {
        debug!(error = %e, "the peer went away while {doing}");
    } else if e.kind() == io::ErrorKind::InvalidData {
        error!(error = %e, "{doing}: the connection was ended");
    } else {
        tracing::warn!(error = %e, "{doing} failed");
    }
}

pub(crate) fn is_peer_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::NotConnected
            | io::ErrorKind::UnexpectedEof
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    use tokio::io::{AsyncReadExt, DuplexStream};

    /// A socket whose reads without waiting give `now` (then `WouldBlock`), whose writes
    /// without waiting take at most `fits` bytes in all, and whose registration hands
    /// out a pipe: what came later is read from it, what is written after goes to it.
    struct Socket {
        now: Vec<u8>,
        fits: usize,
        written: Arc<Mutex<Vec<u8>>>,
        registered: Arc<AtomicBool>,
        later: Option<DuplexStream>,
    }

    impl Transport for Socket {
        type Read = tokio::io::ReadHalf<DuplexStream>;
        type Write = tokio::io::WriteHalf<DuplexStream>;
        const IMMEDIATE: bool = true;

        fn read_now(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.now.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.now.len());
            buf[..n].copy_from_slice(&self.now[..n]);
            self.now.drain(..n);
            Ok(n)
        }

        fn write_now(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
            let mut written = self.written.lock().unwrap();
            let room = self.fits - written.len();
            if room == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let mut n = 0;
            for buf in bufs {
                let take = buf.len().min(room - n);
                written.extend_from_slice(&buf[..take]);
                n += take;
            }
            Ok(n)
        }

        fn register(self) -> io::Result<(Self::Read, Self::Write)> {
            self.registered.store(true, Ordering::SeqCst);
            Ok(tokio::io::split(self.later.expect("registered once")))
        }

        fn close(read: Self::Read, write: Self::Write) -> Option<(Self::Read, Self::Write)> {
            // As a socket: both halves gone, the pipe closes (the peer reads its end).
            drop((read, write));
            None
        }
    }

    /// Serves `request`, of which `now` bytes have come when the connection is accepted
    /// (the rest comes through the pipe), with room for `fits` bytes of answer without
    /// waiting; returns whether the connection was registered and the whole answer.
    async fn serve_socket(
        request: &[u8],
        now: usize,
        fits: usize,
        answer: &'static [u8],
    ) -> (bool, Vec<u8>) {
        let (later, mut peer) = tokio::io::duplex(1 << 20);
        let written = Arc::new(Mutex::new(Vec::new()));
        let registered = Arc::new(AtomicBool::new(false));
        let socket = Socket {
            now: request[..now].to_vec(),
            fits,
            written: Arc::clone(&written),
            registered: Arc::clone(&registered),
            later: Some(later),
        };
        let service = tower_fn(move |request: Request<Body>| async move {
            // The body is read whole, as services do.
            let body = http_body_util::BodyExt::collect(request.into_body())
                .await?
                .to_bytes();
            assert_eq!(&body[..], b"body");
            Ok::<_, BoxError>(Response::new(http_body_util::Full::new(
                Bytes::from_static(answer),
            )))
        });
        let rest = request[now..].to_vec();
        let config = Config::new();
        let served = serve(socket, |_| std::future::ready(service), (), None, &config);
        let peer_side = async {
            peer.write_all(&rest).await.unwrap();
            let mut after = Vec::new();
            peer.read_to_end(&mut after).await.unwrap();
            after
        };
        let ((), after) = tokio::join!(served, peer_side);
        let mut all = written.lock().unwrap().clone();
        all.extend_from_slice(&after);
        (registered.load(Ordering::SeqCst), all)
    }

    fn request() -> Vec<u8> {
        let block =
            b"CONTENT_LENGTH\x004\x00SCGI\x001\x00REQUEST_METHOD\x00POST\x00REQUEST_URI\x00/\x00";
        let mut request = format!("{}:", block.len()).into_bytes();
        request.extend_from_slice(block);
        request.extend_from_slice(b",body");
        request
    }

    #[tokio::test]
    async fn a_request_that_came_whole_is_answered_without_registering() {
        let request = request();
        let (registered, answer) = serve_socket(&request, request.len(), 1 << 16, b"hello").await;
        assert!(!registered);
        assert_eq!(answer, b"Status: 200 OK\r\ncontent-length: 5\r\n\r\nhello");
    }

    #[tokio::test]
    async fn a_connection_registers_when_it_must_wait() {
        let request = request();
        let whole = b"Status: 200 OK\r\ncontent-length: 5\r\n\r\nhello";
        // Nothing yet, half the block, the block without its body: it waits for the rest.
        for now in [0, 20, request.len() - 4] {
            let (registered, answer) = serve_socket(&request, now, 1 << 16, b"hello").await;
            assert!(registered, "{now}");
            assert_eq!(answer, whole, "{now}");
        }
        // An answer larger than the socket takes at once: the rest waits.
        let (registered, answer) = serve_socket(&request, request.len(), 10, b"hello").await;
        assert!(registered);
        assert_eq!(answer, whole);
    }

    /// A service from a closure.
    fn tower_fn<F>(f: F) -> TowerFn<F> {
        TowerFn(f)
    }
    struct TowerFn<F>(F);
    impl<F, Fut, B> Service<Request<Body>> for TowerFn<F>
    where
        F: FnMut(Request<Body>) -> Fut,
        Fut: Future<Output = Result<Response<B>, BoxError>>,
    {
        type Response = Response<B>;
        type Error = BoxError;
        type Future = Fut;
        fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, request: Request<Body>) -> Fut {
            (self.0)(request)
        }
    }

    #[test]
    fn the_block_is_shared_with_the_received_bytes() {
        let wire = Bytes::from_static(b"8:A\x00b\x00C\x00d\x00,body");
        let wire = wire.slice(..wire.len() - 4);
        let block = wire_block(&wire, b"A\x00b\x00C\x00d\x00");
        assert_eq!(block, &b"A\x00b\x00C\x00d\x00"[..]);
        assert_eq!(block.as_ptr(), wire[2..].as_ptr());
        // Different bytes (cannot happen): a copy of what the reader checked.
        let copy = wire_block(&wire, b"X\x00b\x00C\x00d\x00");
        assert_eq!(copy, &b"X\x00b\x00C\x00d\x00"[..]);
        assert_ne!(copy.as_ptr(), wire[2..].as_ptr());
    }

    #[test]
    fn request_body_failures_are_found_under_other_errors() {
        let wrapped: BoxError = Box::new(io::Error::other(BodyError::PrematureEof));
        assert!(from_request_body(&*wrapped));
        let wrapped: BoxError = Box::new(axum::Error::new(BodyError::TimedOut));
        assert!(from_request_body(&*wrapped));
        let other: BoxError = Box::new(io::Error::other("the database is down"));
        assert!(!from_request_body(&*other));
    }

    #[test]
    fn lengths() {
        assert!(check_length(5, Some(5)).is_ok());
        assert!(check_length(6, Some(5)).is_err());
        assert!(check_length(6, None).is_ok());
    }
}
