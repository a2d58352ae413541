//! Owned conveniences (feature `alloc`): the Python shape on the same state machine.
//!
//! [`Reader`] buffers what [`Reader::receive_data`] gets and returns owned [`Event`]s from
//! [`Reader::next_event`], like sioscgi's `SCGIReader`. Inside it is the crate's one
//! [`crate::Reader`], over a growable `Vec<u8>` storage: no second parser.

use alloc::vec::Vec;

use crate::wire::index::{Index, Shape};
use crate::{Config, Error, RxState, Writer};

/// An owned copy of a request environment: the block and its index. Equal (and hashed
/// alike) when the blocks are, however each was indexed.
#[derive(Clone, Debug)]
pub struct Environment {
    block: Vec<u8>,
    index: Vec<u32>,
    shape: Shape,
    content_length: u64,
}

impl PartialEq for Environment {
    fn eq(&self, other: &Self) -> bool {
        self.block == other.block && self.content_length == other.content_length
    }
}

impl Eq for Environment {}

impl core::hash::Hash for Environment {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.block.hash(state);
        self.content_length.hash(state);
    }
}

impl Environment {
    /// The borrowed view, with every lookup of [`crate::Environment`].
    pub fn view(&self) -> crate::Environment<'_> {
        crate::Environment::new(
            Index::new(&self.block, &self.index, self.shape),
            self.content_length,
        )
    }

    /// The pairs as owned `(name, value)` vectors, in wire order.
    pub fn to_pairs(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.view()
            .iter()
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect()
    }
}

impl From<crate::Environment<'_>> for Environment {
    fn from(env: crate::Environment<'_>) -> Self {
        let ([ends, lookup], shape) = env.index().parts();
        let mut index = Vec::with_capacity(ends.len() + lookup.len());
        index.extend_from_slice(ends);
        index.extend_from_slice(lookup);
        Environment {
            block: env.as_bytes().to_vec(),
            index,
            shape,
            content_length: env.content_length(),
        }
    }
}

/// An owned request event.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// The request environment.
    Headers(Environment),
    /// A piece of the body (never empty).
    Body(Vec<u8>),
    /// The request is complete.
    End,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Environment {
    fn format(&self, f: defmt::Formatter<'_>) {
        self.view().format(f);
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Event {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Event::Headers(env) => defmt::write!(f, "Headers({})", env),
            Event::Body(data) => defmt::write!(f, "Body({=[u8]})", data.as_slice()),
            Event::End => defmt::write!(f, "End"),
        }
    }
}

impl From<crate::Event<'_, '_>> for Event {
    fn from(event: crate::Event<'_, '_>) -> Self {
        match event {
            crate::Event::Headers(env) => Event::Headers(env.into()),
            crate::Event::Body(data) => Event::Body(data.to_vec()),
            crate::Event::End => Event::End,
        }
    }
}

/// A buffering request reader with owned events.
///
/// ```
/// use sioscgi::owned::{Event, Reader};
/// let mut reader = Reader::new();
/// reader.receive_data(b"24:CONTENT_LENGTH\x002\x00SCGI\x001\x00,h")?;
/// reader.receive_data(b"i")?;
/// let Some(Event::Headers(env)) = reader.next_event()? else { panic!() };
/// assert_eq!(env.view().get("SCGI"), Some(&b"1"[..]));
/// assert_eq!(reader.next_event()?, Some(Event::Body(b"h".to_vec())));
/// assert_eq!(reader.next_event()?, Some(Event::Body(b"i".to_vec())));
/// assert_eq!(reader.next_event()?, Some(Event::End));
/// assert_eq!(reader.next_event()?, None);
/// # Ok::<(), sioscgi::Error>(())
/// ```
#[derive(Debug)]
pub struct Reader {
    inner: crate::Reader<Vec<u8>>,
    /// Received chunks not yet turned into events, with the offset into the first.
    pending: alloc::collections::VecDeque<Vec<u8>>,
    offset: usize,
    eof: EofState,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum EofState {
    #[default]
    Open,
    Signalled,
    Delivered,
}

impl Reader {
    /// A reader with the default [`Config`] (65,536-byte block limit).
    pub fn new() -> Self {
        Self::with_config(Config::new())
    }

    /// A reader with the given [`Config`]; the block storage grows to its limit.
    pub fn with_config(config: Config) -> Self {
        Reader {
            inner: crate::Reader::with_config(Vec::new(), config),
            pending: alloc::collections::VecDeque::new(),
            offset: 0,
            eof: EofState::Open,
        }
    }

    /// Buffers received bytes; an empty slice means EOF.
    ///
    /// # Errors
    /// [`Error::ReceiveAfterEof`] for data after EOF (the reader then stays in error).
    pub fn receive_data(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            if self.eof == EofState::Open {
                self.eof = EofState::Signalled;
            }
            return Ok(());
        }
        if self.eof != EofState::Open {
            // Let the state machine record the (sticky) error.
            self.inner.note_eof();
            return self.inner.read(data).map(|_| ());
        }
        // After the request (or an error) the bytes can never matter: not buffered.
        if !matches!(self.inner.state(), RxState::Done | RxState::Error) {
            self.pending.push_back(data.to_vec());
        }
        Ok(())
    }

    /// The next event from the buffered data, or `None` if more data is needed.
    ///
    /// # Errors
    /// The state machine's sticky error.
    pub fn next_event(&mut self) -> Result<Option<Event>, Error> {
        let inner = &mut self.inner;
        while let Some(chunk) = self.pending.front() {
            let input = chunk.get(self.offset..).unwrap_or(&[]);
            let (used, event) = inner.read(input)?;
            let event = event.map(Event::from);
            self.offset += used;
            if self.offset >= chunk.len() {
                self.pending.pop_front();
                self.offset = 0;
            }
            if event.is_some() {
                return Ok(event);
            }
        }
        if let Some(event) = inner.read(&[])?.1 {
            return Ok(Some(event.into()));
        }
        if self.eof == EofState::Signalled {
            self.eof = EofState::Delivered;
            return Ok(inner.read_eof()?.map(Event::from));
        }
        inner.error().map_or(Ok(None), Err)
    }

    /// The state of the state machine (of the events pulled so far).
    pub fn state(&self) -> RxState {
        self.inner.state()
    }

    /// The environment, after its `Headers` event.
    pub fn environment(&self) -> Option<crate::Environment<'_>> {
        self.inner.environment()
    }
}

impl Default for Reader {
    fn default() -> Self {
        Self::new()
    }
}

/// An owned-events connection: [`Reader`] plus a [`Writer`] whose `send` returns bytes.
///
/// ```
/// use sioscgi::{ResponseEvent, ResponseHead, Status, owned::Connection};
/// let mut conn = Connection::new();
/// let head = ResponseHead::new(Some(Status::Code(404)), &[])?;
/// let bytes = conn.send(ResponseEvent::Headers(&head))?;
/// assert_eq!(bytes.as_deref(), Some(&b"Status: 404 Not Found\r\n\r\n"[..]));
/// assert_eq!(conn.send(ResponseEvent::End)?, None); // close the connection
/// # Ok::<(), sioscgi::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Connection {
    reader: Reader,
    writer: Writer,
}

impl Connection {
    /// A connection with the default [`Config`].
    pub fn new() -> Self {
        Self::with_config(Config::new())
    }

    /// A connection with the given [`Config`].
    pub fn with_config(config: Config) -> Self {
        Connection {
            reader: Reader::with_config(config),
            writer: Writer::new(),
        }
    }

    /// See [`Reader::receive_data`].
    ///
    /// # Errors
    /// As [`Reader::receive_data`].
    pub fn receive_data(&mut self, data: &[u8]) -> Result<(), Error> {
        self.reader.receive_data(data)
    }

    /// See [`Reader::next_event`].
    ///
    /// # Errors
    /// As [`Reader::next_event`].
    pub fn next_event(&mut self) -> Result<Option<Event>, Error> {
        self.reader.next_event()
    }

    /// Sends a response event: its bytes, or `None` for "close the connection".
    ///
    /// # Errors
    /// As [`Writer::send_to_vec`].
    pub fn send(&mut self, event: crate::ResponseEvent<'_, '_>) -> Result<Option<Vec<u8>>, Error> {
        self.writer.send_to_vec(event)
    }

    /// The receive state.
    pub fn rx_state(&self) -> RxState {
        self.reader.state()
    }

    /// The transmit state.
    pub fn tx_state(&self) -> crate::TxState {
        self.writer.state()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Reader {
    fn format(&self, f: defmt::Formatter<'_>) {
        let buffered: usize = self.pending.iter().map(Vec::len).sum::<usize>() - self.offset;
        defmt::write!(
            f,
            "owned::Reader {{ inner: {}, buffered: {=usize} }}",
            self.inner,
            buffered
        );
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Connection {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "owned::Connection {{ reader: {}, writer: {} }}",
            self.reader,
            self.writer
        );
    }
}
