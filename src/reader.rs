//! The request reader: the receive state machine of the SCGI server side.
//!
//! Every rule about *when* something may happen lives here, in one `match` per entry point;
//! every rule about *what bytes mean* lives in the private `wire` module. The reader does not
//! know about the writer (a response may start at any time).

use crate::{
    Config, Environment, Error, Storage,
    wire::{
        environment::{self, Checked},
        index::{self, Index, Shape},
        netstring,
    },
};

/// Where the reader is in the request. The transitions are
/// `HeaderLength → Headers → Body → Done`, and any of them may go to the sticky `Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RxState {
    /// Reading the netstring length prefix (`LEN:`).
    HeaderLength,
    /// Reading the header block and its `,`.
    Headers,
    /// The headers are delivered; reading the body (also when `End` is the next event).
    Body,
    /// `End` was delivered; later bytes are ignored.
    Done,
    /// The request was refused; every call reports the same error.
    Error,
}

/// What the reader found in the bytes it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Event<'h, 'b> {
    /// The request environment, borrowed from the reader's storage.
    Headers(Environment<'h>),
    /// A piece of the body, borrowed from the caller's input: never empty.
    Body(&'b [u8]),
    /// The request is complete (headers and `CONTENT_LENGTH` body bytes).
    End,
}

/// Body chunks as their length and text (bytes outside ASCII escaped).
#[cfg(feature = "defmt")]
impl defmt::Format for Event<'_, '_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Event::Headers(env) => defmt::write!(f, "Headers({})", env),
            Event::Body(data) => {
                defmt::write!(f, "Body({=usize} bytes: {=[u8]:a})", data.len(), data)
            }
            Event::End => defmt::write!(f, "End"),
        }
    }
}

/// The reader's state with the counters it needs; never exposed.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// The digits of the length prefix seen so far (`None`: no digit yet).
    Length { so_far: Option<usize> },
    /// `filled` of the block's `len` bytes are in storage; the `,` follows them.
    Block { len: usize, filled: usize },
    /// Headers delivered; `remaining` body bytes to go (0: `End` is next).
    Body { remaining: u64 },
    /// `End` delivered.
    Done,
    /// Refused with this error.
    Failed(Error),
}

/// The receive half of an SCGI connection (server side): bytes in, [`Event`]s out.
///
/// # Driving it
///
/// - [`Reader::read`] takes the bytes that just arrived and returns how many it used and
///   at most one event. It returns `None` only after using all of them, so call it in a
///   loop until it does (a zero-length body ends with an `End` that needs no input).
/// - [`Reader::read_eof`] says the peer closed its side.
/// - [`Reader::environment`] gives the environment again at any time after `Headers`.
/// - [`Reader::reset`] makes the reader ready for a new connection, keeping its storage.
///
/// Any split of the input into chunks gives the same events, each byte is looked at once,
/// and only the header block is copied (into the [`Storage`]); `Body` events are slices of
/// the input.
///
/// ```
/// use sioscgi::{Event, Reader};
///
/// let request = b"24:CONTENT_LENGTH\x005\x00SCGI\x001\x00,hello";
/// let mut storage = [0u8; 1024];
/// let mut reader = Reader::new(&mut storage[..]);
/// let mut body = Vec::new();
/// for chunk in request.chunks(7) {          // as if from a socket
///     let mut input = &chunk[..];
///     loop {
///         let (used, event) = reader.read(input)?;
///         input = &input[used..];
///         match event {
///             Some(Event::Headers(env)) => assert_eq!(env.content_length(), 5),
///             Some(Event::Body(data)) => body.extend_from_slice(data),
///             Some(Event::End) => println!("complete"),
///             None => break,
///         }
///     }
/// }
/// assert_eq!(body, b"hello");
/// assert_eq!(reader.read_eof()?, None); // End was delivered already
/// # Ok::<(), sioscgi::Error>(())
/// ```
pub struct Reader<S> {
    storage: S,
    config: Config,
    phase: Phase,
    /// The length of the validated block, once known (below 4 GiB: see
    /// [`Reader::block_limit`]).
    block_len: u32,
    /// The shape of its index, in storage after it.
    shape: Shape,
    /// `CONTENT_LENGTH` of the validated block.
    content_length: u64,
    eof: bool,
}

impl<S: Storage> Reader<S> {
    /// A reader with the default [`Config`].
    pub const fn new(storage: S) -> Self {
        Self::with_config(storage, Config::new())
    }

    /// A reader with the given [`Config`].
    pub const fn with_config(storage: S, config: Config) -> Self {
        Reader {
            storage,
            config,
            phase: Phase::Length { so_far: None },
            block_len: 0,
            shape: Shape {
                pairs: 0,
                kind: crate::wire::index::Kind::Table,
            },
            content_length: 0,
            eof: false,
        }
    }

    /// Makes the reader ready for the next connection; the storage is kept.
    pub fn reset(&mut self) {
        self.phase = Phase::Length { so_far: None };
        self.block_len = 0;
        self.shape = Shape::default();
        self.content_length = 0;
        self.eof = false;
    }

    /// The storage, given back.
    pub fn into_storage(self) -> S {
        self.storage
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The largest header block accepted: the configured limit or the storage's
    /// capacity, whichever is smaller (and below 4 GiB). The storage must also hold the
    /// block's index, 24 bytes per pair from the first 4-byte boundary after the block
    /// ([`storage::len_for`](crate::storage::len_for)):
    /// a block that fits but whose index does not is
    /// [`TooManyHeaders`](Error::TooManyHeaders).
    pub fn block_limit(&self) -> usize {
        self.config
            .block_limit()
            .min(self.storage.max_len())
            .min(u32::MAX as usize)
    }

    /// The current state.
    pub fn state(&self) -> RxState {
        match self.phase {
            Phase::Length { .. } => RxState::HeaderLength,
            Phase::Block { .. } => RxState::Headers,
            Phase::Body { .. } => RxState::Body,
            Phase::Done => RxState::Done,
            Phase::Failed(_) => RxState::Error,
        }
    }

    /// The lookup of the index validation built (for the tests that bound its work).
    #[cfg(test)]
    pub(crate) fn index_kind(&self) -> crate::wire::index::Kind {
        self.shape.kind
    }

    /// The error the reader stopped at, if any.
    pub fn error(&self) -> Option<Error> {
        match self.phase {
            Phase::Failed(error) => Some(error),
            _ => None,
        }
    }

    /// The environment, from the `Headers` event until the reader is reset.
    pub fn environment(&self) -> Option<Environment<'_>> {
        match self.phase {
            Phase::Body { .. } | Phase::Done => Some(self.validated_environment()),
            _ => None,
        }
    }

    /// The body bytes still to come (`None` before `Headers` and after an error).
    pub fn body_remaining(&self) -> Option<u64> {
        match self.phase {
            Phase::Body { remaining } => Some(remaining),
            Phase::Done => Some(0),
            _ => None,
        }
    }

    /// How many more bytes the next event needs at least (`0`: it needs none, or the
    /// request is over). Useful to size the next socket read.
    pub fn min_needed(&self) -> usize {
        match self.phase {
            Phase::Length { .. } => 1,
            Phase::Block { len, filled } => (len - filled).saturating_add(1),
            Phase::Body { remaining } => usize::from(remaining > 0),
            Phase::Done | Phase::Failed(_) => 0,
        }
    }

    /// Consumes bytes from `input` and returns how many it used and the next event, if
    /// one is complete. `None` means all of `input` was used and more is needed.
    ///
    /// # Errors
    /// A remote [`Error`] when the request breaks the protocol; [`Error::ReceiveAfterEof`]
    /// for data after [`Reader::read_eof`]. Errors are sticky.
    #[inline]
    pub fn read<'r, 'i>(
        &'r mut self,
        input: &'i [u8],
    ) -> Result<(usize, Option<Event<'r, 'i>>), Error> {
        // The calls that only move bytes along (body bytes, block bytes before the block's
        // end) are small enough to inline into the caller's loop: a server reading a few
        // bytes at a time pays a few instructions per call. Microcontrollers (targets of 32
        // bits or fewer but wasm32 and x86) keep the one way, the smaller code.
        if crate::MICROCONTROLLER {
            return self.read_any(input);
        }
        match self.phase {
            Phase::Body { remaining } if remaining > 0 && !self.eof => {
                if input.is_empty() {
                    return Ok((0, None));
                }
                let take = usize::try_from(remaining).map_or(input.len(), |r| r.min(input.len()));
                self.phase = Phase::Body {
                    remaining: remaining - take as u64,
                };
                return Ok((take, input.get(..take).map(Event::Body)));
            }
            Phase::Block { len, filled } if !self.eof && input.len() <= len - filled => {
                let dst = self
                    .storage
                    .block_mut()
                    .get_mut(filled..)
                    .and_then(|room| room.get_mut(..input.len()));
                match (dst, input) {
                    (Some([d]), [s]) => *d = *s,
                    (Some(dst), _) => dst.copy_from_slice(input),
                    (None, _) => return Err(self.fail(Error::HeadersTooLarge)),
                }
                self.phase = Phase::Block {
                    len,
                    filled: filled + input.len(),
                };
                return Ok((input.len(), None));
            }
            _ => {}
        }
        self.read_any(input)
    }

    /// [`Reader::read`] in every state.
    fn read_any<'r, 'i>(
        &'r mut self,
        input: &'i [u8],
    ) -> Result<(usize, Option<Event<'r, 'i>>), Error> {
        if let Phase::Failed(error) = self.phase {
            return Err(error);
        }
        if self.eof && !input.is_empty() {
            return Err(self.fail(Error::ReceiveAfterEof));
        }
        let step = match self.phase {
            Phase::Length { so_far } => self.read_length(so_far, input),
            Phase::Block { len, filled } => self.read_block(len, filled, input),
            Phase::Body { remaining } => Ok(self.read_body(remaining, input)),
            Phase::Done => Ok((input.len(), Step::Nothing)),
            Phase::Failed(error) => Err(error),
        };
        let (used, step) = match step {
            Ok(ok) => ok,
            Err(error) => return Err(self.fail(error)),
        };
        let event = match step {
            Step::Nothing => None,
            Step::Headers => Some(Event::Headers(self.validated_environment())),
            Step::Body => input.get(..used).map(Event::Body),
            Step::End => Some(Event::End),
        };
        Ok((used, event))
    }

    /// Says that the peer closed the connection. Returns `End` if the request was complete
    /// and `End` not yet delivered (a request without body whose headers were the last
    /// bytes), `None` if `End` was delivered already.
    ///
    /// # Errors
    /// [`Error::RemotePrematureEof`] if the request was not complete; the sticky error.
    pub fn read_eof(&mut self) -> Result<Option<Event<'_, 'static>>, Error> {
        self.eof = true;
        match self.phase {
            Phase::Failed(error) => Err(error),
            Phase::Done => Ok(None),
            Phase::Body { remaining: 0 } => {
                self.phase = Phase::Done;
                Ok(Some(Event::End))
            }
            Phase::Length { .. } | Phase::Block { .. } | Phase::Body { .. } => {
                Err(self.fail(Error::RemotePrematureEof))
            }
        }
    }

    /// Records EOF without producing its event (for the buffering reader, which delivers
    /// it later): any data read afterwards is `ReceiveAfterEof`.
    #[cfg(feature = "alloc")]
    pub(crate) fn note_eof(&mut self) {
        self.eof = true;
    }

    fn fail(&mut self, error: Error) -> Error {
        self.phase = Phase::Failed(error);
        error
    }

    fn validated_environment(&self) -> Environment<'_> {
        let (block, index) = self
            .storage
            .block()
            .split_at_checked(self.block_len as usize)
            .unwrap_or_default();
        Environment::new(
            Index::new(block, index::words(index), self.shape),
            self.content_length,
        )
    }

    /// Validates the block of `len` bytes in storage and indexes it in the room after it,
    /// asking the storage for more room if the index needs it (a `Vec` grows; a slice,
    /// an array or a `heapless::Vec` has it or not).
    fn validate_block(&mut self, len: usize) -> Result<(u64, Shape), Error> {
        let rules = self.config.rules();
        let (block, room) = self
            .storage
            .block_mut()
            .split_at_mut_checked(len)
            .ok_or(Error::HeadersTooLarge)?;
        let pairs = match environment::validate(block, index::words_mut(room), rules)? {
            Checked::Valid {
                content_length,
                shape,
            } => return Ok((content_length, shape)),
            Checked::NeedsRoom(pairs) => pairs,
        };
        // The index starts at the first 4-byte boundary after the block: up to
        // `ALIGNMENT_SLACK` bytes more, as far as the storage has them.
        let max = self.storage.max_len();
        let fits = pairs
            .checked_mul(index::BYTES_PER_PAIR)
            .and_then(|bytes| len.checked_add(bytes))
            .filter(|&total| total <= max);
        if !fits.is_some_and(|total| {
            self.storage
                .prepare_exact(total.saturating_add(index::ALIGNMENT_SLACK).min(max))
        }) {
            return Err(Error::TooManyHeaders);
        }
        let (block, room) = self
            .storage
            .block_mut()
            .split_at_mut_checked(len)
            .ok_or(Error::HeadersTooLarge)?;
        match environment::validate(block, index::words_mut(room), rules)? {
            Checked::Valid {
                content_length,
                shape,
            } => Ok((content_length, shape)),
            Checked::NeedsRoom(_) => Err(Error::TooManyHeaders),
        }
    }

    fn read_length(&mut self, so_far: Option<usize>, input: &[u8]) -> Result<(usize, Step), Error> {
        let (rest, digits) = netstring::digits(input).map_err(|_| Error::BadNetstringLength)?;
        let so_far = match digits {
            [] => so_far,
            _ => Some(netstring::accumulate(so_far, digits, self.block_limit())?),
        };
        match rest.first() {
            None => {
                self.phase = Phase::Length { so_far };
                Ok((input.len(), Step::Nothing))
            }
            Some(&netstring::LENGTH_END) => {
                let len = so_far.ok_or(Error::BadNetstringLength)?;
                // Bytes the storage already has past the block (a reused or pre-sized
                // `Vec`) are kept: the index goes there, and the block is read once.
                if self.storage.block().len() < len && !self.storage.prepare_exact(len) {
                    return Err(Error::HeadersTooLarge);
                }
                self.phase = Phase::Block { len, filled: 0 };
                let used = digits.len() + 1;
                // Continue with the block in the same call: one event per call is the
                // contract, and no event is complete yet.
                let (more, step) = self.read_block(len, 0, input.get(used..).unwrap_or(&[]))?;
                Ok((used + more, step))
            }
            Some(_) => Err(Error::BadNetstringLength),
        }
    }

    fn read_block(
        &mut self,
        len: usize,
        filled: usize,
        input: &[u8],
    ) -> Result<(usize, Step), Error> {
        let take = (len - filled).min(input.len());
        let (src, rest) = input.split_at(take);
        let dst = self
            .storage
            .block_mut()
            .get_mut(filled..filled + take)
            .ok_or(Error::HeadersTooLarge)?;
        dst.copy_from_slice(src);
        let filled = filled + take;
        self.phase = Phase::Block { len, filled };
        match rest.first() {
            None => Ok((take, Step::Nothing)),
            Some(&netstring::TERMINATOR) => {
                let (content_length, shape) = self.validate_block(len)?;
                // The limit keeps blocks below 4 GiB.
                self.block_len = u32::try_from(len).map_err(|_| Error::HeadersTooLarge)?;
                self.shape = shape;
                self.content_length = content_length;
                self.phase = Phase::Body {
                    remaining: content_length,
                };
                Ok((take + 1, Step::Headers))
            }
            Some(_) => Err(Error::BadNetstringTerminator),
        }
    }

    fn read_body(&mut self, remaining: u64, input: &[u8]) -> (usize, Step) {
        if remaining == 0 {
            self.phase = Phase::Done;
            return (0, Step::End);
        }
        if input.is_empty() {
            return (0, Step::Nothing);
        }
        let take = usize::try_from(remaining).map_or(input.len(), |r| r.min(input.len()));
        self.phase = Phase::Body {
            remaining: remaining - take as u64,
        };
        (take, Step::Body)
    }
}

#[cfg(feature = "defmt")]
impl<S: Storage> defmt::Format for Reader<S> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Reader {{ state: {}, block_limit: {=usize}, body_remaining: {} }}",
            self.state(),
            self.block_limit(),
            self.body_remaining()
        );
    }
}

/// Shows the state, not the storage (which may be 64 KiB of bytes).
impl<S: Storage> core::fmt::Debug for Reader<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reader")
            .field("state", &self.state())
            .field("block_limit", &self.block_limit())
            .field("body_remaining", &self.body_remaining())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What one step produced; turned into an [`Event`] once the borrows allow it.
enum Step {
    Nothing,
    Headers,
    Body,
    End,
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET: &[u8] = b"24:CONTENT_LENGTH\x000\x00SCGI\x001\x00,";

    #[test]
    fn zero_length_body_ends_without_input() {
        let mut storage = [0u8; 128];
        let mut reader = Reader::new(&mut storage[..]);
        let (used, event) = reader.read(GET).unwrap();
        assert_eq!(used, GET.len());
        assert!(matches!(event, Some(Event::Headers(_))));
        assert_eq!(reader.state(), RxState::Body);
        assert_eq!(reader.read(&[]).unwrap(), (0, Some(Event::End)));
        assert_eq!(reader.state(), RxState::Done);
        assert_eq!(reader.read(b"junk").unwrap(), (4, None));
        assert_eq!(reader.read_eof().unwrap(), None);
        assert_eq!(reader.read(b"x"), Err(Error::ReceiveAfterEof));
        assert_eq!(reader.read(b""), Err(Error::ReceiveAfterEof));
        assert_eq!(reader.state(), RxState::Error);
    }

    #[test]
    fn eof_right_after_headers_delivers_end() {
        let mut reader = Reader::new([0u8; 128]);
        assert!(matches!(
            reader.read(GET).unwrap().1,
            Some(Event::Headers(_))
        ));
        assert_eq!(reader.read_eof().unwrap(), Some(Event::End));
        assert!(reader.environment().is_some());
    }

    /// A `Vec` that already has room past the block (a reader reused, or a storage made
    /// with a length) keeps it: the block is scanned once and indexed there, nothing is
    /// allocated. A new `Vec` is scanned twice (the count, then the positions in the room
    /// it grew), and keeps its room for the next request.
    #[cfg(feature = "alloc")]
    #[test]
    fn a_vec_with_room_reads_a_block_in_one_pass() {
        extern crate std;
        use crate::wire::nul_scan::scans_taken;
        let request = b"62:CONTENT_LENGTH\x000\x00SCGI\x001\x00REQUEST_METHOD\x00GET\x00REQUEST_URI\x00/a?b=c\x00,";
        let shorter = b"24:CONTENT_LENGTH\x000\x00SCGI\x001\x00,";
        let mut reader = Reader::new(std::vec::Vec::new());
        scans_taken();
        assert!(matches!(
            reader.read(request),
            Ok((_, Some(Event::Headers(_))))
        ));
        assert_eq!(scans_taken(), 2, "a new Vec: counted, then indexed");
        let grown = reader.storage.len();
        assert!(grown >= crate::storage::len_for(62, 4) - crate::storage::INDEX_ALIGNMENT_SLACK);
        for again in [&request[..], shorter, request] {
            reader.reset();
            let place = reader.storage.as_ptr();
            let (_, event) = reader.read(again).unwrap();
            let Some(Event::Headers(env)) = event else {
                panic!("no headers")
            };
            assert_eq!(env.get("SCGI"), Some(&b"1"[..]));
            assert_eq!(scans_taken(), 1, "the room kept: one pass");
            assert_eq!(reader.storage.as_ptr(), place, "nothing allocated");
        }
        let mut reader = Reader::new(std::vec![0u8; 512]);
        assert!(matches!(
            reader.read(request),
            Ok((_, Some(Event::Headers(_))))
        ));
        assert_eq!(scans_taken(), 1, "a Vec made with room: one pass");
        assert_eq!(reader.storage.len(), 512);
    }

    #[test]
    fn storage_caps_the_limit() {
        let mut reader = Reader::new([0u8; 23]);
        assert_eq!(reader.block_limit(), 23);
        assert_eq!(reader.read(GET), Err(Error::HeadersTooLarge));
        let mut reader = Reader::with_config([0u8; 128], Config::new().max_block_len(10));
        assert_eq!(reader.block_limit(), 10);
        assert_eq!(reader.read(b"11"), Err(Error::HeadersTooLarge));
    }

    #[test]
    fn min_needed_counts_down() {
        let mut reader = Reader::new([0u8; 128]);
        assert_eq!(reader.min_needed(), 1);
        assert_eq!(reader.read(b"24:").unwrap(), (3, None));
        assert_eq!(reader.min_needed(), 25);
        assert_eq!(reader.read(&GET[3..10]).unwrap(), (7, None));
        assert_eq!(reader.min_needed(), 18);
    }

    #[test]
    fn debug_shows_the_state_not_the_storage() {
        extern crate std;
        let reader = Reader::new([0u8; 4096]);
        let text = std::format!("{reader:?}");
        assert!(
            text.starts_with("Reader { state: HeaderLength, block_limit: 4096"),
            "{text}"
        );
        assert!(text.len() < 300);
    }

    /// One step of a reader, owned: what a test compares.
    #[derive(Debug, PartialEq, Eq)]
    enum Seen {
        Read(usize, Option<SeenEvent>),
        Failed(Error),
    }

    #[derive(Debug, PartialEq, Eq)]
    enum SeenEvent {
        Headers(alloc::vec::Vec<(alloc::vec::Vec<u8>, alloc::vec::Vec<u8>)>),
        Body(alloc::vec::Vec<u8>),
        End,
    }

    extern crate alloc;

    fn seen(result: Result<(usize, Option<Event<'_, '_>>), Error>) -> Seen {
        match result {
            Err(error) => Seen::Failed(error),
            Ok((used, event)) => Seen::Read(
                used,
                event.map(|event| match event {
                    Event::Headers(env) => SeenEvent::Headers(
                        env.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect(),
                    ),
                    Event::Body(data) => SeenEvent::Body(data.to_vec()),
                    Event::End => SeenEvent::End,
                }),
            ),
        }
    }

    /// Feeds `data` in pieces of `chunk` bytes (each piece until the reader takes no more
    /// of it), then EOF and one byte more, through `read` or through `read_any` alone.
    fn trace(data: &[u8], chunk: usize, one_way: bool) -> alloc::vec::Vec<Seen> {
        let mut reader = Reader::new([0u8; 512]);
        let mut out = alloc::vec::Vec::new();
        for piece in data.chunks(chunk) {
            let mut input = piece;
            loop {
                let step = if one_way {
                    seen(reader.read_any(input))
                } else {
                    seen(reader.read(input))
                };
                let used = match step {
                    Seen::Read(used, _) => used,
                    Seen::Failed(_) => 0,
                };
                let stop = matches!(step, Seen::Failed(_) | Seen::Read(0, None));
                out.push(step);
                input = &input[used..];
                if stop || (input.is_empty() && matches!(out.last(), Some(Seen::Read(_, None)))) {
                    break;
                }
            }
        }
        out.push(match reader.read_eof() {
            Err(error) => Seen::Failed(error),
            Ok(event) => Seen::Read(0, event.map(|_| SeenEvent::End)),
        });
        out.push(if one_way {
            seen(reader.read_any(b"x"))
        } else {
            seen(reader.read(b"x"))
        });
        out
    }

    /// Microcontrollers read through `read_any` alone (no fast paths): the same steps as
    /// `read`, for every way of cutting valid and broken requests.
    #[test]
    fn read_any_alone_reads_as_read_does() {
        let requests: [&[u8]; 8] = [
            GET,
            b"24:CONTENT_LENGTH\x005\x00SCGI\x001\x00,hello",
            b"24:CONTENT_LENGTH\x005\x00SCGI\x001\x00,hel",
            b"24:CONTENT_LENGTH\x003\x00SCGI\x001\x00,hello and more",
            b"24:CONTENT_LENGTH\x000\x00SCGI\x001\x00;",
            b"24:CONTENT_LENGTH\x000\x00SCGI\x001",
            b"024:CONTENT_LENGTH\x000\x00SCGI\x001\x00,",
            b"33:CONTENT_LENGTH\x002\x00SCGI\x001\x00A\x00\x00A\x00\x00,ab",
        ];
        for data in requests {
            for chunk in 1..=data.len() {
                assert_eq!(
                    trace(data, chunk, true),
                    trace(data, chunk, false),
                    "{data:?} in pieces of {chunk}"
                );
            }
        }
    }

    #[test]
    fn reset_reuses_storage() {
        let mut reader = Reader::new([0u8; 128]);
        assert!(reader.read(b"x").is_err());
        reader.reset();
        assert_eq!(reader.state(), RxState::HeaderLength);
        assert!(matches!(
            reader.read(GET).unwrap().1,
            Some(Event::Headers(_))
        ));
    }
}
