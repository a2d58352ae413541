//! `Connection`: the reader and the writer of one SCGI connection, under sioscgi 2.x's
//! names (`receive_data`, `next_event`, `send`, `rx_state`, `tx_state`).
//!
//! The two halves are independent: the response may start before the request body has
//! ended (for example to refuse an upload early).

use crate::{
    Config, Environment, Error, Event, Output, Reader, ResponseEvent, RxState, Storage, TxState,
    Writer,
};

/// One SCGI connection, server side.
///
/// ```
/// use sioscgi::{Connection, Event, Output, ResponseEvent, ResponseHead, Status};
///
/// let mut conn = Connection::new([0u8; 512]);
/// let mut received = conn.receive_data(b"24:CONTENT_LENGTH\x002\x00SCGI\x001\x00,hi");
/// while let Some(event) = received.next_event()? {
///     match event {
///         Event::Headers(env) => assert_eq!(env.content_length(), 2),
///         Event::Body(data) => assert_eq!(data, b"hi"),
///         Event::End => {}
///     }
/// }
/// let mut eof = conn.receive_data(b""); // the peer closed its side
/// assert_eq!(eof.next_event()?, None);
///
/// let head = ResponseHead::new(Some(Status::Code(204)), &[])?;
/// let mut out = [0u8; 64];
/// assert_eq!(conn.send(ResponseEvent::Headers(&head), &mut out)?, Output::Head(26));
/// assert_eq!(conn.send(ResponseEvent::End, &mut out)?, Output::Close);
/// # Ok::<(), sioscgi::Error>(())
/// ```
#[derive(Debug)]
pub struct Connection<S: Storage> {
    reader: Reader<S>,
    writer: Writer,
}

impl<S: Storage> Connection<S> {
    /// A connection with the default [`Config`], keeping the header block in `storage`.
    pub const fn new(storage: S) -> Self {
        Self::with_config(storage, Config::new())
    }

    /// A connection with the given [`Config`].
    pub const fn with_config(storage: S, config: Config) -> Self {
        Connection {
            reader: Reader::with_config(storage, config),
            writer: Writer::new(),
        }
    }

    /// Hands over bytes received from the peer; an empty slice means EOF. Pull the
    /// events with [`Received::next_event`] until it returns `None`: bytes not consumed
    /// by then are dropped with the cursor.
    pub fn receive_data<'c, 'i>(&'c mut self, data: &'i [u8]) -> Received<'c, 'i, S> {
        Received {
            reader: &mut self.reader,
            rest: data,
            eof: data.is_empty(),
            eof_done: false,
        }
    }

    /// Sends a response event (see [`Writer::send`]).
    ///
    /// # Errors
    /// As [`Writer::send`].
    pub fn send<'b>(
        &mut self,
        event: ResponseEvent<'_, 'b>,
        out: &mut [u8],
    ) -> Result<Output<'b>, Error> {
        self.writer.send(event, out)
    }

    /// The receive state.
    pub fn rx_state(&self) -> RxState {
        self.reader.state()
    }

    /// The transmit state.
    pub fn tx_state(&self) -> TxState {
        self.writer.state()
    }

    /// The request environment, once its `Headers` event was produced.
    pub fn environment(&self) -> Option<Environment<'_>> {
        self.reader.environment()
    }

    /// The reader half.
    pub fn reader(&mut self) -> &mut Reader<S> {
        &mut self.reader
    }

    /// The writer half.
    pub fn writer(&mut self) -> &mut Writer {
        &mut self.writer
    }

    /// Makes both halves ready for a new connection, keeping the storage.
    pub fn reset(&mut self) {
        self.reader.reset();
        self.writer.reset();
    }
}

#[cfg(feature = "defmt")]
impl<S: Storage> defmt::Format for Connection<S> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Connection {{ reader: {}, writer: {} }}",
            self.reader,
            self.writer
        );
    }
}

/// The events in one piece of received data; from [`Connection::receive_data`].
#[derive(Debug)]
#[must_use = "events are only produced by next_event"]
pub struct Received<'c, 'i, S: Storage> {
    reader: &'c mut Reader<S>,
    rest: &'i [u8],
    eof: bool,
    eof_done: bool,
}

impl<'i, S: Storage> Received<'_, 'i, S> {
    /// The next event, or `None` when the data is used up.
    ///
    /// # Errors
    /// The reader's (sticky) error.
    pub fn next_event(&mut self) -> Result<Option<Event<'_, 'i>>, Error> {
        if self.eof {
            if self.eof_done {
                return self.reader.error().map_or(Ok(None), Err);
            }
            self.eof_done = true;
            return self.reader.read_eof();
        }
        let (used, event) = self.reader.read(self.rest)?;
        self.rest = self.rest.get(used..).unwrap_or(&[]);
        Ok(event)
    }

    /// The bytes not consumed yet.
    pub fn remaining(&self) -> &'i [u8] {
        self.rest
    }
}

#[cfg(feature = "defmt")]
impl<S: Storage> defmt::Format for Received<'_, '_, S> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Received {{ remaining: {=usize}, eof: {=bool} }}",
            self.rest.len(),
            self.eof
        );
    }
}
