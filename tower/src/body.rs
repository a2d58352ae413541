//! The request body: read from the connection as the service polls it.

use std::fmt;
use std::future::{Future as _, poll_fn};
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use tokio::io::AsyncRead;
use tokio::time::{Instant, Sleep};

/// The body of a request served by [`serve`](crate::serve): a stream of the
/// `CONTENT_LENGTH` bytes that follow the header block, read from the connection only as
/// it is polled (a service that does not read the body never makes the server buffer it;
/// one that reads slowly slows the web server down, through TCP).
///
/// It ends after `CONTENT_LENGTH` bytes (bytes after those are never read). It fails with
/// [`BodyError`] if the connection closes early, fails, or stays silent for the
/// configured idle timeout. Its [`size_hint`](http_body::Body::size_hint) is exact.
pub struct Body {
    source: Option<Arc<dyn Source>>,
}

impl Body {
    /// A body with no bytes.
    pub fn empty() -> Self {
        Body { source: None }
    }

    pub(crate) fn new(source: Arc<dyn Source>) -> Self {
        Body {
            source: Some(source),
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field(
                "remaining",
                &self.source.as_ref().map_or(0, |s| s.remaining()),
            )
            .finish()
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let Some(source) = &self.source else {
            return Poll::Ready(None);
        };
        source.poll_chunk(cx).map(|c| c.map(|r| r.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        self.source.as_ref().is_none_or(|s| s.remaining() == 0)
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.source.as_ref().map_or(0, |s| s.remaining()))
    }
}

/// Why a request body ended before its `CONTENT_LENGTH` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyError {
    /// The connection closed before the whole body came.
    PrematureEof,
    /// No byte came for the idle timeout.
    TimedOut,
    /// Reading the connection failed.
    Io(io::ErrorKind),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::PrematureEof => f.write_str("the connection closed inside the body"),
            BodyError::TimedOut => f.write_str("no body byte came for the idle timeout"),
            BodyError::Io(kind) => write!(f, "reading the body failed: {kind}"),
        }
    }
}

impl std::error::Error for BodyError {}

/// Reads and drops what the service left of `body`, if at most `limit` bytes. `true`
/// when the body was read to its end.
pub(crate) async fn drain(body: &dyn Source, limit: u64) -> bool {
    if body.remaining() > limit {
        return false;
    }
    loop {
        match poll_fn(|cx| body.poll_chunk(cx)).await {
            None => return true,
            Some(Ok(_)) => {}
            Some(Err(_)) => return false,
        }
    }
}

/// Where a [`Body`] gets its bytes: the connection's read half, shared with the server
/// (which drains what the service left unread).
pub(crate) trait Source: Send + Sync {
    fn poll_chunk(&self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BodyError>>>;
    fn remaining(&self) -> u64;
}

/// The read half of a connection after the header block, bounded by `CONTENT_LENGTH`.
pub(crate) struct Incoming<R> {
    state: Mutex<State<R>>,
}

struct State<R> {
    read: R,
    /// Body bytes that came with the header block.
    early: Bytes,
    buffer: BytesMut,
    /// Body bytes not handed out yet (`early` included).
    remaining: u64,
    read_len: usize,
    idle_timeout: Duration,
    /// Runs while a read waits; made the first time one does.
    timer: Option<Pin<Box<Sleep>>>,
    timer_armed: bool,
    failed: Option<BodyError>,
}

impl<R: AsyncRead + Unpin + Send> Incoming<R> {
    pub(crate) fn new(
        read: R,
        early: Bytes,
        buffer: BytesMut,
        content_length: u64,
        read_len: usize,
        idle_timeout: Duration,
    ) -> Self {
        Incoming {
            state: Mutex::new(State {
                read,
                early,
                buffer,
                remaining: content_length,
                read_len,
                idle_timeout,
                timer: None,
                timer_armed: false,
                failed: None,
            }),
        }
    }
}

impl<R: AsyncRead + Unpin + Send> Source for Incoming<R> {
    fn poll_chunk(&self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BodyError>>> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.poll_chunk(cx)
    }

    fn remaining(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remaining
    }
}

impl<R: AsyncRead + Unpin> State<R> {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BodyError>>> {
        if let Some(error) = &self.failed {
            return Poll::Ready(Some(Err(error.clone())));
        }
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        if !self.early.is_empty() {
            let n = usize::try_from(self.remaining)
                .unwrap_or(usize::MAX)
                .min(self.early.len());
            let chunk = self.early.split_to(n);
            self.remaining -= n as u64;
            if self.remaining == 0 {
                self.early = Bytes::new(); // bytes after the body are never handed out
            }
            return Poll::Ready(Some(Ok(chunk)));
        }
        let want = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(self.read_len);
        self.buffer.reserve(want);
        let mut limited = (&mut self.buffer).limit(want);
        match tokio_util::io::poll_read_buf(Pin::new(&mut self.read), cx, &mut limited) {
            Poll::Ready(Ok(0)) => Poll::Ready(Some(Err(self.fail(BodyError::PrematureEof)))),
            Poll::Ready(Ok(n)) => {
                self.timer_armed = false;
                self.remaining -= n as u64;
                Poll::Ready(Some(Ok(self.buffer.split().freeze())))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(self.fail(BodyError::Io(e.kind()))))),
            Poll::Pending => {
                let idle = self.idle_timeout;
                let timer = self
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                if !self.timer_armed {
                    timer.as_mut().reset(Instant::now() + idle);
                    self.timer_armed = true;
                }
                ready!(timer.as_mut().poll(cx));
                Poll::Ready(Some(Err(self.fail(BodyError::TimedOut))))
            }
        }
    }

    fn fail(&mut self, error: BodyError) -> BodyError {
        self.failed = Some(error.clone());
        error
    }
}

#[cfg(test)]
mod tests;
