//! I/O drivers: serve one SCGI connection over `embedded-io` transports.
//!
//! The sans-I/O core stays as it is; a driver only moves bytes between a transport and
//! the [`Reader`] and [`Writer`]. Both drivers work the same way:
//!
//! 1. read until the request's environment is complete, into the caller's buffers (no
//!    allocation);
//! 2. call the handler with a request object: the [`Environment`], the body as a stream
//!    bounded by `CONTENT_LENGTH`, and a response side that applies the writer's rules;
//! 3. end the response (a handler that sent nothing gets a `500`), flush, return.
//!
//! The response head is not written on its own: it waits in the send buffer for the body,
//! so a response whose head and body fit that buffer leaves in one write (one TCP
//! segment, one wake-up of the web server). A larger body flushes the head and is then
//! written straight from the caller's slice, without copying.
//!
//! A broken request is answered with its [`status_hint`](crate::Error::status_hint)
//! (400 or 431) before the error is returned; a connection closed before its first byte
//! (Apache does this when it answers 411 itself) is [`Error::EmptyConnection`], so a
//! server can ignore it quietly.
//!
//! Timeouts are the transport's: give the driver a socket with a read timeout (std:
//! `TcpStream::set_read_timeout`; Embassy: `TcpSocket::set_timeout`), or wrap the async
//! driver's future in your runtime's timeout (`tokio::time::timeout`,
//! `embassy_time::with_timeout`). A timeout then comes back as [`Error::Io`].

use core::fmt;

use crate::{
    Environment, Error as ProtocolError, Event, Reader, ResponseHead, Status, Storage, Writer,
};

#[cfg(feature = "embedded-io-async-v0.7")]
pub mod asynch;
pub mod blocking;

/// What can go wrong while serving a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Error<E> {
    /// The request broke the protocol, or the handler misused the response.
    Protocol(ProtocolError),
    /// The transport failed.
    Io(E),
    /// The peer closed the connection before sending a byte (not a broken request).
    EmptyConnection,
}

impl<E> From<ProtocolError> for Error<E> {
    fn from(error: ProtocolError) -> Self {
        Error::Protocol(error)
    }
}

impl<E: embedded_io::Error> Error<E> {
    /// Whether the peer went away: it closed before sending a byte, or the transport
    /// reports the connection broken, reset or aborted (`EPIPE`, `ECONNRESET`). A web
    /// server does this whenever its own client gives up, so a server should end such a
    /// connection quietly rather than log it as a failure.
    pub fn is_peer_gone(&self) -> bool {
        match self {
            Error::EmptyConnection => true,
            Error::Io(e) => matches!(
                e.kind(),
                embedded_io::ErrorKind::BrokenPipe
                    | embedded_io::ErrorKind::ConnectionReset
                    | embedded_io::ErrorKind::ConnectionAborted
                    | embedded_io::ErrorKind::NotConnected
            ),
            Error::Protocol(_) => false,
        }
    }
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Protocol(e) => write!(f, "SCGI protocol error: {e}"),
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::EmptyConnection => f.write_str("connection closed before the request"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for Error<E> {}

impl<E: embedded_io::Error> embedded_io::Error for Error<E> {
    fn kind(&self) -> embedded_io::ErrorKind {
        match self {
            Error::Protocol(_) => embedded_io::ErrorKind::InvalidData,
            Error::Io(e) => e.kind(),
            Error::EmptyConnection => embedded_io::ErrorKind::ConnectionAborted,
        }
    }
}

/// The next step of the body.
pub(crate) enum BodyStep {
    /// This many bytes were copied out.
    Copied(usize),
    /// The body is complete.
    End,
    /// The buffer is used up: read more from the transport.
    NeedInput,
}

/// What a driver writes for a piece of response body.
pub(crate) enum Outgoing<'t, 'd> {
    /// Nothing now: the data joined the waiting head in the send buffer.
    Buffered,
    /// `waiting` (the head, if it was still in the send buffer; may be empty), then `data`.
    Write { waiting: &'t [u8], data: &'d [u8] },
}

/// The driver state that does no I/O: the reader and writer, the receive buffer with its
/// unconsumed range, and the send buffer (the encoded head, and the start of the body
/// while it fits). Shared by both drivers.
pub(crate) struct Exchange<'a, S> {
    pub(crate) reader: &'a mut Reader<S>,
    pub(crate) rx: &'a mut [u8],
    /// `rx[start..end]` is received but not yet given to the reader.
    start: usize,
    end: usize,
    /// Whether any byte arrived on this connection.
    received: bool,
    writer: Writer,
    tx: &'a mut [u8],
    /// `tx[..waiting]` is encoded but not written yet.
    waiting: usize,
}

impl<'a, S: Storage> Exchange<'a, S> {
    pub(crate) fn new(reader: &'a mut Reader<S>, rx: &'a mut [u8], tx: &'a mut [u8]) -> Self {
        reader.reset();
        Exchange {
            reader,
            rx,
            start: 0,
            end: 0,
            received: false,
            writer: Writer::new(),
            tx,
            waiting: 0,
        }
    }

    /// Takes `n` new bytes in `rx[..n]`; `true` once the environment is complete.
    pub(crate) fn feed_head(&mut self, n: usize) -> Result<bool, ProtocolError> {
        self.received |= n > 0;
        let mut input = self.rx.get(..n).unwrap_or(&[]);
        let mut offset = 0;
        loop {
            let (used, event) = self.reader.read(input)?;
            offset += used;
            input = input.get(used..).unwrap_or(&[]);
            match event {
                Some(Event::Headers(_)) => {
                    self.start = offset;
                    self.end = n;
                    return Ok(true);
                }
                Some(_) => {}
                None => return Ok(false),
            }
        }
    }

    /// The transport closed while reading the environment.
    pub(crate) fn eof_in_head<E>(&mut self) -> Error<E> {
        if !self.received {
            return Error::EmptyConnection;
        }
        match self.reader.read_eof() {
            Err(e) => Error::Protocol(e),
            Ok(_) => Error::Protocol(ProtocolError::RemotePrematureEof),
        }
    }

    pub(crate) fn environment(&self) -> Environment<'_> {
        self.reader.environment().unwrap_or(Environment::EMPTY)
    }

    pub(crate) fn body_remaining(&self) -> u64 {
        self.reader.body_remaining().unwrap_or(0)
    }

    /// Copies up to `out.len()` body bytes from what was received.
    pub(crate) fn next_body(&mut self, out: &mut [u8]) -> Result<BodyStep, ProtocolError> {
        if out.is_empty() {
            return Ok(BodyStep::Copied(0));
        }
        let limit = self.end.min(self.start.saturating_add(out.len()));
        let input = self.rx.get(self.start..limit).unwrap_or(&[]);
        if input.is_empty() && self.body_remaining() > 0 {
            return Ok(BodyStep::NeedInput);
        }
        let (used, event) = self.reader.read(input)?;
        self.start += used;
        Ok(match event {
            Some(Event::Body(data)) => {
                let n = data.len();
                if let Some(dst) = out.get_mut(..n) {
                    dst.copy_from_slice(data);
                }
                BodyStep::Copied(n)
            }
            Some(Event::Headers(_)) | Some(Event::End) | None => BodyStep::End,
        })
    }

    /// Takes `n` new body bytes in `rx[..n]` (`0`: the transport closed).
    pub(crate) fn feed_body(&mut self, n: usize) -> Result<(), ProtocolError> {
        if n == 0 {
            self.reader.read_eof()?;
        }
        self.start = 0;
        self.end = n;
        Ok(())
    }

    /// The buffer to read new bytes into.
    pub(crate) fn rx_buffer(&mut self) -> &mut [u8] {
        self.rx
    }

    /// Encodes the head into the send buffer, where it waits for the body.
    pub(crate) fn head(&mut self, head: &ResponseHead<'_>) -> Result<(), ProtocolError> {
        let n = self.writer.send_head(head, self.tx)?;
        self.waiting = n;
        Ok(())
    }

    /// Applies the writer's rules to `data`, then keeps it beside the waiting head if both
    /// fit the send buffer, or hands back what to write.
    pub(crate) fn body<'d>(&mut self, data: &'d [u8]) -> Result<Outgoing<'_, 'd>, ProtocolError> {
        let data = self.writer.send_body(data)?;
        if self.waiting > 0 {
            let end = self.waiting.saturating_add(data.len());
            if let Some(room) = self.tx.get_mut(self.waiting..end) {
                room.copy_from_slice(data);
                self.waiting = end;
                return Ok(Outgoing::Buffered);
            }
        }
        Ok(Outgoing::Write {
            waiting: self.take_waiting(),
            data,
        })
    }

    /// The encoded bytes not written yet (the head and the body that joined it), now
    /// handed to the caller to write.
    pub(crate) fn take_waiting(&mut self) -> &[u8] {
        let n = core::mem::take(&mut self.waiting);
        self.tx.get(..n).unwrap_or(&[])
    }

    /// What to write when the handler is done: what waits in the send buffer, or a `500`
    /// head if the handler sent none.
    pub(crate) fn finish(&mut self) -> Result<&[u8], ProtocolError> {
        if self.writer.state() == crate::TxState::Headers {
            let head = ResponseHead::new(Some(Status::Code(500)), &[])?;
            self.waiting = self.writer.send_head(&head, self.tx)?;
        }
        self.writer.send_end()?;
        Ok(self.take_waiting())
    }

    /// The answer to a broken request (its status hint), if one can still be sent.
    pub(crate) fn refusal(&mut self, error: ProtocolError) -> Option<&[u8]> {
        let code = error.status_hint()?;
        let head = ResponseHead::new(Some(Status::Code(code)), &[]).ok()?;
        let n = self.writer.send_head(&head, self.tx).ok()?;
        self.writer.send_end().ok()?;
        self.tx.get(..n)
    }
}
