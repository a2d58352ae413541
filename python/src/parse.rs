//! The eager parse shared by both APIs: every byte given is read at once by the core
//! `Reader`, its events handed to the API's sink (which makes the Python objects), its
//! error kept for the next `next_event`.

use pyo3::PyResult;
use sioscgi::{Config, Error, Event, Reader, RxState};

/// What went wrong, with what the Python exception says about it.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    pub(crate) problem: Problem,
    /// The variable name (`DuplicateHeader`) or value (`BadScgiVersion`,
    /// `BadContentLength`) involved, or the announced block length (`HeadersTooLarge`).
    pub(crate) detail: Detail,
    /// The bytes sioscgi 2.x would still hold in its buffer after this failure (a body
    /// chunk it refused, the body after an environment with a bad `CONTENT_LENGTH`),
    /// which its buffer limit is checked against.
    pub(crate) retained: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The core reader refused the request (or `ReceiveAfterEof`).
    Core(Error),
    /// 2.x: body bytes past `CONTENT_LENGTH`.
    BodyTooLong,
    /// 2.x: more bytes buffered than its limit allows ("Too many bytes buffered").
    BufferLimit,
    /// A Python exception while making an event (raised by that call): the bytes were
    /// read, the event lost, so the reader cannot go on.
    Broken,
    /// 2.x: an event sent in the wrong state (both halves fail).
    BadEvent,
}

#[derive(Clone, Debug, Default)]
pub(crate) enum Detail {
    #[default]
    None,
    Bytes(Vec<u8>),
    Length(u64),
}

/// What the sink tells the parser after an event.
pub(crate) enum Flow {
    Continue,
    /// The event's bytes break a rule the reader leaves to the sink (a repeated name:
    /// the dict made from the environment finds it), with what the error says about it.
    Refuse(Problem, Detail),
    /// A failure, which leaves this many bytes in 2.x's buffer (see
    /// [`Failure::retained`]).
    Fail(Problem, usize),
}

/// Header storage reserved up front: a browser's request through nginx (about 1 KiB of
/// environment, 30 variables of 24 bytes of index each) fits.
const STORAGE_RESERVED: usize = 2000;

/// The storages of parsers gone, for the next ones: a parser per connection, each taking
/// one made and zeroed before (no allocation, no zeroing, and the room for the index
/// already there). At most [`SPARE_STORAGES`], each of at most [`SPARE_BYTES`]: a larger
/// one (a large environment's) is freed. A spare holds its last request's bytes until a
/// parser reads over them, as freed memory would.
static SPARE: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

/// The most storages kept for later parsers.
const SPARE_STORAGES: usize = 16;

/// The largest storage kept for a later parser.
const SPARE_BYTES: usize = 16 * 1024;

/// A storage for a new parser: a spare one, or a new one of [`STORAGE_RESERVED`] bytes.
fn storage() -> Vec<u8> {
    let spare = SPARE.lock().ok().and_then(|mut spare| spare.pop());
    spare.unwrap_or_else(|| vec![0; STORAGE_RESERVED])
}

/// Keeps `storage` for a later parser, if it is small enough and there is room.
fn keep(storage: Vec<u8>) {
    if storage.len() > SPARE_BYTES || storage.capacity() > SPARE_BYTES {
        return;
    }
    if let Ok(mut spare) = SPARE.lock()
        && spare.len() < SPARE_STORAGES
    {
        spare.push(storage);
    }
}

impl Flow {
    /// The refusal of `event`, whose environment repeats a name.
    pub(crate) fn repeated(event: &Event<'_, '_>) -> Self {
        let name = match event {
            Event::Headers(environment) => first_repeat(environment.iter()),
            _ => None,
        };
        Flow::Refuse(
            Problem::Core(Error::DuplicateHeader),
            name.map_or(Detail::None, |name| Detail::Bytes(name.to_vec())),
        )
    }
}

/// An `rx_buffer_limit` as given (any number): the bytes it allows, and whether it was
/// below zero (2.x then fails every call: its buffer, even empty, is over the limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limit {
    pub(crate) bytes: usize,
    pub(crate) negative: bool,
}

pub(crate) struct Parser {
    reader: Reader<Vec<u8>>,
    limit: Limit,
    eof: bool,
    failure: Option<Failure>,
    /// The bytes given while the environment was incomplete (for an error's details).
    head: Vec<u8>,
}

impl Drop for Parser {
    /// The storage is kept for a later parser.
    fn drop(&mut self) {
        keep(self.take_storage());
    }
}

/// The core reader's rules for a limit of `bytes`: repeated names let through and not
/// indexed (the sink's dict finds a repeat, see [`Flow::Refuse`]; a block the reader
/// refuses is checked again under [`strict`] for the error the originals give first).
const fn lenient(bytes: usize) -> Config {
    strict(bytes).allow_repeated_names(true).index_names(false)
}

/// The rules of the originals: repeated names refused.
const fn strict(bytes: usize) -> Config {
    Config::new().max_block_len(bytes)
}

impl Parser {
    /// A parser for environments of at most `limit` bytes (the core indexes blocks of up
    /// to 2**32 - 1 bytes, a larger limit is that). Repeated names are refused as the
    /// originals refuse them, though not by the core reader: see [`lenient`].
    pub(crate) fn new(limit: Limit) -> Self {
        Parser {
            // Room for a typical environment and its index from the start: no growing,
            // and the block scanned once (the reader indexes it in the room the storage
            // already has).
            reader: Reader::with_config(storage(), lenient(limit.bytes)),
            limit,
            eof: false,
            failure: None,
            head: Vec::new(),
        }
    }

    /// The reader's storage, an empty reader left in its place.
    fn take_storage(&mut self) -> Vec<u8> {
        std::mem::replace(
            &mut self.reader,
            Reader::with_config(Vec::new(), Config::new()),
        )
        .into_storage()
    }

    pub(crate) fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }

    /// The reader's state (`Error` once anything failed).
    pub(crate) fn state(&self) -> RxState {
        if self.failure.is_some() {
            RxState::Error
        } else {
            self.reader.state()
        }
    }

    /// The state as the APIs' enums number it: `HEADER_LENGTH`, `HEADERS`, `BODY`,
    /// `DONE`, `ERROR`.
    pub(crate) fn state_index(&self) -> usize {
        match self.state() {
            RxState::HeaderLength => 0,
            RxState::Headers => 1,
            RxState::Body => 2,
            RxState::Done => 3,
            RxState::Error => 4,
        }
    }

    pub(crate) fn limit(&self) -> Limit {
        self.limit
    }

    pub(crate) fn eof(&self) -> bool {
        self.eof
    }

    /// The bytes given before the environment was complete (while it is not).
    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }

    /// Body bytes still to come.
    pub(crate) fn body_remaining(&self) -> Option<u64> {
        self.reader.body_remaining()
    }

    /// Records a failure (the first one stays).
    pub(crate) fn fail(&mut self, problem: Problem, detail: Detail) {
        if self.failure.is_none() {
            self.failure = Some(Failure {
                problem,
                detail,
                retained: 0,
            });
        }
    }

    /// Records a failure that leaves `retained` bytes in 2.x's buffer (the first failure
    /// stays).
    pub(crate) fn fail_retaining(&mut self, problem: Problem, retained: usize) {
        if self.failure.is_none() {
            self.failure = Some(Failure {
                problem,
                detail: Detail::None,
                retained,
            });
        }
    }

    /// Records a failure in place of any earlier one, keeping what that one left in 2.x's
    /// buffer.
    pub(crate) fn replace_keeping_retained(&mut self, problem: Problem) {
        let retained = self.failure.as_ref().map_or(0, |f| f.retained);
        self.failure = Some(Failure {
            problem,
            detail: Detail::None,
            retained,
        });
    }

    /// Records what a sink says; whether it failed. A sink's own exception fails the
    /// parser too (the event is lost) and is passed on.
    fn flow(&mut self, flow: PyResult<Flow>) -> PyResult<bool> {
        match flow {
            Ok(Flow::Continue) => Ok(false),
            Ok(Flow::Refuse(problem, detail)) => {
                self.fail(problem, detail);
                // As after the reader's own refusal: the bytes of the head are not kept.
                self.head = Vec::new();
                Ok(true)
            }
            Ok(Flow::Fail(problem, retained)) => {
                self.fail_retaining(problem, retained);
                Ok(true)
            }
            Err(error) => {
                self.fail(Problem::Broken, Detail::None);
                Err(error)
            }
        }
    }

    /// Whether the failure is about the length prefix.
    pub(crate) fn failed_on_prefix(&self) -> bool {
        matches!(
            self.failure.as_ref().map(|f| f.problem),
            Some(Problem::Core(
                Error::BadNetstringLength | Error::HeadersTooLarge
            ))
        )
    }

    /// Records a failure in place of any earlier one (data after the end of the stream,
    /// which the originals report even on a reader that already failed).
    pub(crate) fn replace(&mut self, problem: Problem, detail: Detail) {
        self.failure = Some(Failure {
            problem,
            detail,
            retained: 0,
        });
    }

    /// Reads `data`, handing each event to `sink` with its [`Span`] in `data`. A protocol
    /// error is recorded, not returned; `Err` is the sink's own (a Python exception while
    /// making an object).
    ///
    /// Data after the end of the stream is the caller's to refuse first (its error is
    /// raised at once).
    pub(crate) fn feed(
        &mut self,
        data: Feed<'_>,
        mut sink: impl FnMut(Event<'_, '_>, Span) -> PyResult<Flow>,
    ) -> PyResult<()> {
        if self.failure.is_some() {
            self.eof |= matches!(data, Feed::Eof);
            return Ok(());
        }
        match data {
            Feed::Eof => {
                self.eof = true;
                match self.reader.read_eof() {
                    Ok(Some(event)) => {
                        let flow = sink(event, Span::default());
                        self.flow(flow)?;
                    }
                    Ok(None) => {}
                    Err(error) => self.fail(Problem::Core(error), Detail::None),
                }
                Ok(())
            }
            Feed::Bytes(bytes) => self.feed_bytes(bytes, &mut sink),
            Feed::Unread(len) => self.feed_unread(len, &mut sink),
        }
    }

    fn feed_bytes(
        &mut self,
        data: &[u8],
        sink: &mut impl FnMut(Event<'_, '_>, Span) -> PyResult<Flow>,
    ) -> PyResult<()> {
        let in_head = matches!(
            self.reader.state(),
            RxState::HeaderLength | RxState::Headers
        );
        let mut input = data;
        let mut failed = None;
        loop {
            let start = data.len() - input.len();
            match self.reader.read(input) {
                Err(error) => {
                    failed = Some(error);
                    break;
                }
                Ok((used, event)) => {
                    input = input.get(used..).unwrap_or(&[]);
                    let Some(event) = event else { break };
                    let span = match event {
                        Event::Body(_) => Span {
                            start,
                            end: start + used,
                        },
                        _ => Span {
                            start: start + used,
                            end: start + used,
                        },
                    };
                    let flow = sink(event, span);
                    if self.flow(flow)? {
                        return Ok(());
                    }
                }
            }
        }
        if let Some(mut error) = failed {
            let (detail, retained) = if in_head {
                let mut all = std::mem::take(&mut self.head);
                all.extend_from_slice(data);
                // A repeated name before what the lenient reader refused comes first: the
                // request read again under the originals' rules, in the same storage.
                let storage = self.take_storage();
                self.reader = Reader::with_config(storage, strict(self.limit.bytes));
                error = strict_refusal(&mut self.reader, &all).unwrap_or(error);
                (detail_of(error, &all), retained_by_2x(error, &all))
            } else {
                (Detail::None, 0)
            };
            self.fail(Problem::Core(error), detail);
            if let Some(failure) = &mut self.failure {
                failure.retained = retained;
            }
        } else if matches!(
            self.reader.state(),
            RxState::HeaderLength | RxState::Headers
        ) {
            self.head.extend_from_slice(data);
        } else if in_head {
            self.head = Vec::new();
        }
        Ok(())
    }

    /// `len` body bytes not read: the reader, which only counts body bytes, is given
    /// stand-ins of the same length, and the body they make is one event, as one chunk of
    /// bytes would be.
    fn feed_unread(
        &mut self,
        len: usize,
        sink: &mut impl FnMut(Event<'_, '_>, Span) -> PyResult<Flow>,
    ) -> PyResult<()> {
        let mut body = 0;
        let mut ended = false;
        let mut left = len;
        'parts: while left > 0 {
            let part = left.min(UNREAD.len());
            left -= part;
            let mut input = UNREAD.get(..part).unwrap_or(&[]);
            loop {
                match self.reader.read(input) {
                    Ok((used, Some(Event::Body(_)))) => {
                        body += used;
                        input = input.get(used..).unwrap_or(&[]);
                    }
                    Ok((_, Some(_))) => {
                        ended = true;
                        break 'parts;
                    }
                    Ok((_, None)) => break,
                    Err(error) => {
                        self.fail(Problem::Core(error), Detail::None);
                        break 'parts;
                    }
                }
            }
        }
        if body > 0 {
            let span = Span {
                start: 0,
                end: body,
            };
            let flow = sink(Event::Body(&[]), span);
            if self.flow(flow)? {
                return Ok(());
            }
        }
        if ended {
            let span = Span {
                start: body,
                end: body,
            };
            let flow = sink(Event::End, span);
            self.flow(flow)?;
        }
        Ok(())
    }
}

/// Where an event is in the bytes given: a body chunk's bytes, or (for other events) the
/// empty span just after the bytes that made it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// What [`Parser::feed`] reads.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Feed<'a> {
    /// The end of the stream.
    Eof,
    /// Received bytes.
    Bytes(&'a [u8]),
    /// This many body bytes, not read (the reader is in the body, which it only counts);
    /// their events carry no bytes, only their [`Span`].
    Unread(usize),
}

/// The error `reader` (under the originals' rules, [`strict`]) gives for `bytes`, the
/// start of a request, if it gives one before it has read the environment (the checks of
/// the whole block included); `None` if it reads the environment or needs more bytes.
fn strict_refusal<S: sioscgi::Storage>(reader: &mut Reader<S>, bytes: &[u8]) -> Option<Error> {
    let mut input = bytes;
    loop {
        match reader.read(input) {
            Err(error) => return Some(error),
            Ok((_, Some(_)) | (0, None)) => return None,
            Ok((used, None)) => input = input.get(used..).unwrap_or(&[]),
        }
    }
}

/// The first name of `pairs` that an earlier pair has (a set, not a list: a peer
/// controls how many names there are).
pub(crate) fn first_repeat<'a>(
    pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
) -> Option<&'a [u8]> {
    let mut seen = std::collections::HashSet::new();
    pairs
        .into_iter()
        .map(|(name, _)| name)
        .find(|&name| !seen.insert(name))
}

/// The stand-in for unread body bytes.
static UNREAD: [u8; 65536] = [0; 65536];

/// The bytes of a request's start (`LEN:`, the block, what follows) that sioscgi 2.x
/// keeps buffered after `error`: the bytes after the block when `CONTENT_LENGTH` is
/// missing or bad (it buffers them before that check). (A length prefix this package
/// refuses early, 2.x would still be buffering: that is this package's stricter rule.)
fn retained_by_2x(error: Error, bytes: &[u8]) -> usize {
    let colon = bytes.iter().position(|&b| b == b':');
    match (error, colon) {
        (Error::NoContentLength | Error::BadContentLength, Some(colon)) => {
            let len: usize = std::str::from_utf8(bytes.get(..colon).unwrap_or(&[]))
                .ok()
                .and_then(|digits| digits.parse().ok())
                .unwrap_or(usize::MAX);
            bytes
                .len()
                .saturating_sub(colon.saturating_add(len).saturating_add(2))
        }
        _ => 0,
    }
}

/// The name or value an error is about, found in the request's first bytes (`LEN:`,
/// then the block): the first name given twice, the `SCGI` or `CONTENT_LENGTH` value,
/// the announced length.
fn detail_of(error: Error, bytes: &[u8]) -> Detail {
    let Some(colon) = bytes.iter().position(|&b| b == b':') else {
        return Detail::None;
    };
    let announced: Option<u64> = std::str::from_utf8(bytes.get(..colon).unwrap_or(&[]))
        .ok()
        .and_then(|digits| digits.parse().ok());
    if error == Error::HeadersTooLarge {
        return announced.map_or(Detail::None, Detail::Length);
    }
    let Some(len) = announced.and_then(|n| usize::try_from(n).ok()) else {
        return Detail::None;
    };
    let Some(block) = bytes.get(colon + 1..).and_then(|rest| rest.get(..len)) else {
        return Detail::None;
    };
    let mut strings = block.split(|&b| b == 0);
    let pairs = std::iter::from_fn(|| Some((strings.next()?, strings.next()?)));
    let found = match error {
        Error::DuplicateHeader => first_repeat(pairs),
        Error::BadScgiVersion => pairs.filter(|(n, _)| *n == b"SCGI").map(|(_, v)| v).next(),
        Error::BadContentLength => pairs
            .filter(|(n, _)| *n == b"CONTENT_LENGTH")
            .map(|(_, v)| v)
            .next(),
        _ => None,
    };
    found.map_or(Detail::None, |bytes| Detail::Bytes(bytes.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(block: &[u8]) -> Vec<u8> {
        let mut data = format!("{}:", block.len()).into_bytes();
        data.extend_from_slice(block);
        data.push(b',');
        data
    }

    /// What the strict reader says is what the originals say first: a repeat before any
    /// later rule, nothing for a valid request (or one cut short).
    #[test]
    fn the_strict_reader_puts_a_repeat_first() {
        let cases: [(&[u8], Option<Error>); 6] = [
            (b"CONTENT_LENGTH\x000\x00SCGI\x001\x00", None),
            (
                b"CONTENT_LENGTH\x000\x00A\x00\x00A\x00\x00",
                Some(Error::DuplicateHeader),
            ),
            (
                b"SCGI\x001\x00A\x00\x00A\x00\x00",
                Some(Error::DuplicateHeader),
            ),
            (
                b"SCGI\x001\x00\x00\x00A\x00\x00A\x00\x00",
                Some(Error::HeaderEmpty),
            ),
            (
                b"SCGI\x002\x00CONTENT_LENGTH\x000\x00",
                Some(Error::BadScgiVersion),
            ),
            (b"SCGI\x001\x00", Some(Error::NoContentLength)),
        ];
        let refusal = |limit: usize, data: &[u8]| {
            strict_refusal(&mut Reader::with_config(Vec::new(), strict(limit)), data)
        };
        for (block, want) in cases {
            let data = request(block);
            assert_eq!(refusal(65536, &data), want, "{block:?}");
            assert_eq!(refusal(65536, &data[..data.len() - 2]), None);
        }
        assert_eq!(
            refusal(4, b"70000:"),
            Some(Error::HeadersTooLarge),
            "the limit is the strict reader's too"
        );
    }

    #[test]
    fn the_first_repeat_is_the_first_name_given_twice() {
        let pairs: [(&[u8], &[u8]); 5] = [
            (b"A", b"1"),
            (b"B", b"2"),
            (b"C", b"3"),
            (b"B", b"4"),
            (b"A", b"5"),
        ];
        assert_eq!(first_repeat(pairs), Some(&b"B"[..]));
        assert_eq!(first_repeat(pairs.into_iter().take(3)), None);
    }
}
