//! The blocking driver, over `embedded_io::{Read, Write}` 0.7 (feature `embedded-io-v0.7`).
//!
//! ```
//! # #[cfg(feature = "embedded-io-v0.7")] fn main() {
//! use sioscgi::io::blocking::serve;
//! use sioscgi::{Reader, ResponseHead, Status};
//!
//! /// An in-memory connection: the request to read, the response written.
//! struct Pipe<'a> { input: &'a [u8], output: Vec<u8> }
//! impl embedded_io::ErrorType for Pipe<'_> { type Error = core::convert::Infallible; }
//! impl embedded_io::Read for Pipe<'_> {
//!     fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
//!         let n = buf.len().min(self.input.len());
//!         buf[..n].copy_from_slice(&self.input[..n]);
//!         self.input = &self.input[n..];
//!         Ok(n)
//!     }
//! }
//! impl embedded_io::Write for Pipe<'_> {
//!     fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
//!         self.output.extend_from_slice(buf);
//!         Ok(buf.len())
//!     }
//!     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
//! }
//!
//! let mut pipe = Pipe { input: b"24:CONTENT_LENGTH\x003\x00SCGI\x001\x00,abc", output: Vec::new() };
//! let mut storage = [0u8; 1024];
//! let mut reader = Reader::new(&mut storage[..]);
//! let (mut rx, mut tx) = ([0u8; 512], [0u8; 256]);
//! serve(&mut pipe, &mut reader, &mut rx, &mut tx, |request| {
//!     let mut body = [0u8; 16];
//!     let n = request.read_body(&mut body)?;
//!     request.send_head(&ResponseHead::new(Some(Status::Code(200)), &[])?)?;
//!     request.write_body(&body[..n])
//! })
//! .unwrap();
//! assert_eq!(pipe.output, b"Status: 200 OK\r\n\r\nabc");
//! # }
//! # #[cfg(not(feature = "embedded-io-v0.7"))] fn main() {}
//! ```

use embedded_io::{ErrorType, Read, Write};

use super::{BodyStep, Error, Exchange, Outgoing};
use crate::{Environment, Reader, ResponseHead, Storage};

/// One request being served: its environment, its body, its response.
///
/// It is also an `embedded_io::Read` (the body) and `embedded_io::Write` (the response
/// body, after [`Request::send_head`]).
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
    pub fn read_body(&mut self, out: &mut [u8]) -> Result<usize, Error<T::Error>> {
        loop {
            match self.exchange.next_body(out)? {
                BodyStep::Copied(n) => return Ok(n),
                BodyStep::End => return Ok(0),
                BodyStep::NeedInput => {
                    let n = self
                        .transport
                        .read(self.exchange.rx_buffer())
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
    pub fn send_head(&mut self, head: &ResponseHead<'_>) -> Result<(), Error<T::Error>> {
        self.exchange.head(head).map_err(Error::Protocol)
    }

    /// Sends response body bytes.
    ///
    /// # Errors
    /// [`Error::Protocol`] before the head or after a local redirect; [`Error::Io`].
    pub fn write_body(&mut self, data: &[u8]) -> Result<(), Error<T::Error>> {
        if let Outgoing::Write { waiting, data } = self.exchange.body(data)? {
            if !waiting.is_empty() {
                self.transport.write_all(waiting).map_err(Error::Io)?;
            }
            self.transport.write_all(data).map_err(Error::Io)?;
        }
        Ok(())
    }
}

impl<T: ErrorType, S> ErrorType for Request<'_, T, S> {
    type Error = Error<T::Error>;
}

impl<T: Read + Write, S: Storage> Read for Request<'_, T, S> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        self.read_body(buf)
    }
}

impl<T: Read + Write, S: Storage> Write for Request<'_, T, S> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.write_body(buf).map(|()| buf.len())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        let waiting = self.exchange.take_waiting();
        if !waiting.is_empty() {
            self.transport.write_all(waiting).map_err(Error::Io)?;
        }
        self.transport.flush().map_err(Error::Io)
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
pub fn serve<T, S, F>(
    transport: &mut T,
    reader: &mut Reader<S>,
    rx: &mut [u8],
    tx: &mut [u8],
    handler: F,
) -> Result<(), Error<T::Error>>
where
    T: Read + Write,
    S: Storage,
    F: FnOnce(&mut Request<'_, T, S>) -> Result<(), Error<T::Error>>,
{
    let mut exchange = Exchange::new(reader, rx, tx);
    loop {
        let n = transport.read(exchange.rx_buffer()).map_err(Error::Io)?;
        if n == 0 {
            return Err(exchange.eof_in_head());
        }
        match exchange.feed_head(n) {
            Ok(true) => break,
            Ok(false) => {}
            Err(error) => {
                if let Some(answer) = exchange.refusal(error) {
                    transport.write_all(answer).map_err(Error::Io)?;
                    transport.flush().map_err(Error::Io)?;
                }
                return Err(Error::Protocol(error));
            }
        }
    }
    let mut request = Request {
        transport,
        exchange,
    };
    handler(&mut request)?;
    let Request {
        transport,
        mut exchange,
    } = request;
    let last = exchange.finish()?;
    if !last.is_empty() {
        transport.write_all(last).map_err(Error::Io)?;
    }
    transport.flush().map_err(Error::Io)
}
