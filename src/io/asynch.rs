//! The async driver, over `embedded_io_async::{Read, Write}` 0.7 (feature
//! `embedded-io-async-v0.7`). No allocator and no runtime: the futures are plain `async`
//! code, so it runs under Embassy as under tokio (through `embedded-io-adapters`).
//!
//! It mirrors [`blocking`](super::blocking): [`serve`] reads the environment, calls the
//! async handler with a [`Request`], ends the response and flushes.

use embedded_io_async::{ErrorType, Read, Write};

use super::{BodyStep, Error, Exchange, Outgoing};
use crate::{Environment, Reader, ResponseHead, Storage};

/// One request being served: its environment, its body, its response.
///
/// It is also an `embedded_io_async::Read` (the body) and `embedded_io_async::Write` (the
/// response body, after [`Request::send_head`]).
pub struct Request<'a, T, S> {
    transport: &'a mut T,
    exchange: Exchange<'a, S>,
}

impl<T: Read + Write, S: Storage> Request<'_, T, S> {
    /// The request's environment.
    pub fn environment(&self) -> Environment<'_> {
        self.exchange.environment()
    }

    /// Body bytes not read yet.
    pub fn body_remaining(&self) -> u64 {
        self.exchange.body_remaining()
    }

    /// Reads body bytes into `out`; `0` at the end of the body (or for an empty `out`).
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::Protocol`] with `RemotePrematureEof` if the connection
    /// closes before `CONTENT_LENGTH` bytes.
    pub async fn read_body(&mut self, out: &mut [u8]) -> Result<usize, Error<T::Error>> {
        loop {
            match self.exchange.next_body(out)? {
                BodyStep::Copied(n) => return Ok(n),
                BodyStep::End => return Ok(0),
                BodyStep::NeedInput => {
                    let n = self
                        .transport
                        .read(self.exchange.rx_buffer())
                        .await
                        .map_err(Error::Io)?;
                    self.exchange.feed_body(n)?;
                }
            }
        }
    }

    /// Sends the response head: it is encoded into the send buffer and written with the
    /// body (in one write when both fit that buffer), at a flush, or when the response
    /// ends.
    ///
    /// # Errors
    /// [`Error::Protocol`] (`BadEventInState`, `BufferTooSmall` if the head does not fit
    /// the driver's send buffer); [`Error::Io`] (never, today: no I/O happens here).
    pub async fn send_head(&mut self, head: &ResponseHead<'_>) -> Result<(), Error<T::Error>> {
        self.exchange.head(head).map_err(Error::Protocol)
    }

    /// Sends response body bytes.
    ///
    /// # Errors
    /// [`Error::Protocol`] before the head or after a local redirect; [`Error::Io`].
    pub async fn write_body(&mut self, data: &[u8]) -> Result<(), Error<T::Error>> {
        if let Outgoing::Write { waiting, data } = self.exchange.body(data)? {
            if !waiting.is_empty() {
                self.transport.write_all(waiting).await.map_err(Error::Io)?;
            }
            self.transport.write_all(data).await.map_err(Error::Io)?;
        }
        Ok(())
    }
}

impl<T: ErrorType, S> ErrorType for Request<'_, T, S> {
    type Error = Error<T::Error>;
}

impl<T: Read + Write, S: Storage> Read for Request<'_, T, S> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        self.read_body(buf).await
    }
}

impl<T: Read + Write, S: Storage> Write for Request<'_, T, S> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.write_body(buf).await.map(|()| buf.len())
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        send(self.transport, self.exchange.take_waiting()).await
    }
}

/// Serves one connection: reads the request's environment into `reader`'s storage
/// (through `rx`), calls `handler`, ends the response and flushes.
///
/// `rx` is the receive buffer (any size; 1 KiB or more is sensible), `tx` holds the
/// encoded response head (it must fit). The reader is reset first, so one reader and its
/// storage serve connection after connection.
///
/// # Errors
/// [`Error::EmptyConnection`] if the peer closed before a byte; [`Error::Protocol`] for a
/// broken request (after answering it with its status hint) or a misused response;
/// [`Error::Io`]; or the handler's error.
pub async fn serve<T, S, F>(
    transport: &mut T,
    reader: &mut Reader<S>,
    rx: &mut [u8],
    tx: &mut [u8],
    handler: F,
) -> Result<(), Error<T::Error>>
where
    T: Read + Write,
    S: Storage,
    F: AsyncFnOnce(&mut Request<'_, T, S>) -> Result<(), Error<T::Error>>,
{
    let mut exchange = Exchange::new(reader, rx, tx);
    loop {
        let n = transport
            .read(exchange.rx_buffer())
            .await
            .map_err(Error::Io)?;
        if n == 0 {
            return Err(exchange.eof_in_head());
        }
        match exchange.feed_head(n) {
            Ok(true) => break,
            Ok(false) => {}
            Err(error) => {
                if let Some(answer) = exchange.refusal(error) {
                    send(transport, answer).await?;
                }
                return Err(Error::Protocol(error));
            }
        }
    }
    let mut request = Request {
        transport,
        exchange,
    };
    handler(&mut request).await?;
    let Request {
        transport,
        mut exchange,
    } = request;
    let last = exchange.finish()?;
    send(transport, last).await
}

/// Writes `bytes` (perhaps none) and flushes: the refusal of a broken request, or the end
/// of a response. One function for both, so that its awaits are in the flash once.
async fn send<T: Write>(transport: &mut T, bytes: &[u8]) -> Result<(), Error<T::Error>> {
    transport.write_all(bytes).await.map_err(Error::Io)?;
    transport.flush().await.map_err(Error::Io)
}
