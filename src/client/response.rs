//! The response reader: what an SCGI application answers, read by the web-server side.
//!
//! States: `Head → Body → Done`, or the sticky `Error`. The header section is copied into
//! the caller's [`Storage`] and each line is checked once, when its line end arrives; the
//! body is handed out as slices of the input and runs until EOF (SCGI closes the
//! connection after the response).

use crate::wire::header_line::{Field, field, split_line, status};
use crate::wire::response::reason_phrase;
use crate::{Error, ResponseKind, Storage};

/// The default limit on the response header section (64 KiB).
pub const DEFAULT_MAX_HEAD_LEN: usize = 65_536;

/// A byte range of the header section.
type Span = (usize, usize);

/// Where `Status`, `Location` and `Content-Type` are in the section.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Known {
    /// The code and the span of the reason phrase.
    status: Option<(u16, Span)>,
    location: Option<Span>,
    content_type: Option<Span>,
}

/// The header section of a response: status, the CGI response kind and the headers.
///
/// Built only from a section that passed every check, so nothing here fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ResponseHeaders<'a> {
    section: &'a [u8],
    known: Known,
}

fn span(section: &[u8], (start, end): Span) -> &[u8] {
    section.get(start..end).unwrap_or(&[])
}

impl<'a> ResponseHeaders<'a> {
    /// The `Status` code, if the application sent one (a document response without it
    /// means 200).
    pub fn status(&self) -> Option<u16> {
        self.known.status.map(|(code, _)| code)
    }

    /// The reason phrase of `Status` as sent (possibly empty), if there was a `Status`.
    pub fn reason(&self) -> Option<&'a [u8]> {
        self.known.status.map(|(_, s)| span(self.section, s))
    }

    /// The status a web server would answer with: `Status` if sent, else 302 for a client
    /// redirect and 200 otherwise.
    pub fn effective_status(&self) -> u16 {
        match (self.status(), self.kind()) {
            (Some(code), _) => code,
            (None, ResponseKind::ClientRedirect) => 302,
            (None, _) => 200,
        }
    }

    /// The standard reason phrase of [`ResponseHeaders::effective_status`] when no
    /// `Status` was sent, else the phrase sent.
    pub fn effective_reason(&self) -> &'a [u8] {
        self.reason().unwrap_or_else(|| {
            reason_phrase(self.effective_status())
                .unwrap_or("")
                .as_bytes()
        })
    }

    /// The kind of CGI response.
    pub fn kind(&self) -> ResponseKind {
        ResponseKind::classify(self.known.status.is_some(), self.location())
    }

    /// The `Location` value.
    pub fn location(&self) -> Option<&'a [u8]> {
        self.known.location.map(|s| span(self.section, s))
    }

    /// The `Content-Type` value.
    pub fn content_type(&self) -> Option<&'a [u8]> {
        self.known.content_type.map(|s| span(self.section, s))
    }

    /// Every header `(name, value)` in order, `Status`, `Location` and `Content-Type`
    /// included; values without surrounding whitespace.
    pub fn iter(&self) -> Headers<'a> {
        Headers { rest: self.section }
    }

    /// The headers other than `Status`, `Location` and `Content-Type`, in order.
    pub fn other_headers(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        self.iter().filter(|(name, _)| known_name(name).is_none())
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn get(&self, name: impl AsRef<[u8]>) -> Option<&'a [u8]> {
        let name = name.as_ref();
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The raw header section, with its empty last line.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.section
    }
}

/// The header lines of a [`ResponseHeaders`], in order.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Headers<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Headers<'a> {
    type Item = (&'a [u8], &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        let (line, len) = split_line(self.rest)?;
        self.rest = self.rest.get(len..).unwrap_or(&[]);
        match field(line) {
            Ok(Field { name, value, .. }) => Some((name, value)),
            Err(_) => {
                self.rest = &[]; // the empty last line (or, never, a bad one)
                None
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KnownName {
    Status,
    Location,
    ContentType,
}

fn known_name(name: &[u8]) -> Option<KnownName> {
    if name.eq_ignore_ascii_case(b"Status") {
        Some(KnownName::Status)
    } else if name.eq_ignore_ascii_case(b"Location") {
        Some(KnownName::Location)
    } else if name.eq_ignore_ascii_case(b"Content-Type") {
        Some(KnownName::ContentType)
    } else {
        None
    }
}

/// What the response reader found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use]
pub enum Event<'h, 'b> {
    /// The header section, borrowed from the reader's storage.
    Headers(ResponseHeaders<'h>),
    /// A piece of the body, borrowed from the input: never empty.
    Body(&'b [u8]),
    /// The application closed the connection after a complete header section.
    End,
}

/// Where the response reader is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ResponseState {
    /// Reading the header section.
    Head,
    /// Reading the body, until EOF.
    Body,
    /// `End` was delivered.
    Done,
    /// The response was refused; every call reports the same error.
    Error,
}

#[derive(Clone, Copy, Debug)]
enum Phase {
    /// `filled` bytes are stored; complete lines up to `line_start` were checked, and no
    /// line end lies before `searched`.
    Head {
        filled: usize,
        line_start: usize,
        searched: usize,
    },
    Body,
    Done,
    Failed(Error),
}

/// The receive half of the web-server side: response bytes in, [`Event`]s out.
///
/// Used like [`Reader`](crate::Reader): [`ResponseReader::read`] takes the bytes that
/// arrived and returns how many it used and at most one event (`None` once it used them
/// all); [`ResponseReader::read_eof`] says the application closed the connection. Lines
/// may end with CRLF or a bare LF, as nginx, lighttpd and Apache accept.
///
/// ```
/// use sioscgi::client::{Event, ResponseReader};
/// use sioscgi::ResponseKind;
///
/// let mut storage = [0u8; 1024];
/// let mut reader = ResponseReader::new(&mut storage[..]);
/// let answer = b"Status: 404 Not Found\nContent-Type: text/plain\n\nnothing here";
/// let (used, event) = reader.read(answer)?;
/// let Some(Event::Headers(head)) = event else { unreachable!() };
/// assert_eq!(head.status(), Some(404));
/// assert_eq!(head.reason(), Some(&b"Not Found"[..]));
/// assert_eq!(head.kind(), ResponseKind::Document);
/// assert_eq!(reader.read(&answer[used..])?, (12, Some(Event::Body(b"nothing here"))));
/// assert_eq!(reader.read_eof()?, Some(Event::End));
/// # Ok::<(), sioscgi::Error>(())
/// ```
pub struct ResponseReader<S> {
    storage: S,
    limit: usize,
    phase: Phase,
    /// The length of the checked section (its empty line included).
    section_len: usize,
    known: Known,
    eof: bool,
}

impl<S: Storage> ResponseReader<S> {
    /// A reader with the default header limit ([`DEFAULT_MAX_HEAD_LEN`]).
    pub const fn new(storage: S) -> Self {
        Self::with_limit(storage, DEFAULT_MAX_HEAD_LEN)
    }

    /// A reader whose header section may take at most `limit` bytes (and never more than
    /// the storage holds).
    pub const fn with_limit(storage: S, limit: usize) -> Self {
        ResponseReader {
            storage,
            limit,
            phase: Phase::Head {
                filled: 0,
                line_start: 0,
                searched: 0,
            },
            section_len: 0,
            known: Known {
                status: None,
                location: None,
                content_type: None,
            },
            eof: false,
        }
    }

    /// The largest header section accepted.
    pub fn head_limit(&self) -> usize {
        self.limit.min(self.storage.max_len())
    }

    /// The current state.
    pub fn state(&self) -> ResponseState {
        match self.phase {
            Phase::Head { .. } => ResponseState::Head,
            Phase::Body => ResponseState::Body,
            Phase::Done => ResponseState::Done,
            Phase::Failed(_) => ResponseState::Error,
        }
    }

    /// The header section, from the `Headers` event on.
    pub fn headers(&self) -> Option<ResponseHeaders<'_>> {
        match self.phase {
            Phase::Body | Phase::Done => Some(self.checked_headers()),
            _ => None,
        }
    }

    /// The storage, given back.
    pub fn into_storage(self) -> S {
        self.storage
    }

    /// Consumes bytes from `input` and returns how many it used and the next event, if
    /// one is complete. `None` means all of `input` was used and more is needed.
    ///
    /// # Errors
    /// A remote error for a malformed header section; [`Error::ReceiveAfterEof`]. Errors
    /// are sticky.
    pub fn read<'r, 'i>(
        &'r mut self,
        input: &'i [u8],
    ) -> Result<(usize, Option<Event<'r, 'i>>), Error> {
        if let Phase::Failed(error) = self.phase {
            return Err(error);
        }
        if self.eof && !input.is_empty() {
            return Err(self.fail(Error::ReceiveAfterEof));
        }
        match self.phase {
            Phase::Head {
                filled,
                line_start,
                searched,
            } => match self.read_head(input, filled, line_start, searched) {
                Ok((used, true)) => Ok((used, Some(Event::Headers(self.checked_headers())))),
                Ok((used, false)) => Ok((used, None)),
                Err(error) => Err(self.fail(error)),
            },
            Phase::Body if input.is_empty() => Ok((0, None)),
            Phase::Body => Ok((input.len(), Some(Event::Body(input)))),
            Phase::Done | Phase::Failed(_) => Ok((input.len(), None)),
        }
    }

    /// Says that the application closed the connection: `End` after a complete header
    /// section, `None` if `End` was delivered already.
    ///
    /// # Errors
    /// [`Error::RemotePrematureEof`] inside the header section; the sticky error.
    pub fn read_eof(&mut self) -> Result<Option<Event<'_, 'static>>, Error> {
        self.eof = true;
        match self.phase {
            Phase::Failed(error) => Err(error),
            Phase::Head { .. } => Err(self.fail(Error::RemotePrematureEof)),
            Phase::Body => {
                self.phase = Phase::Done;
                Ok(Some(Event::End))
            }
            Phase::Done => Ok(None),
        }
    }

    fn fail(&mut self, error: Error) -> Error {
        self.phase = Phase::Failed(error);
        error
    }

    fn checked_headers(&self) -> ResponseHeaders<'_> {
        ResponseHeaders {
            section: self.storage.block().get(..self.section_len).unwrap_or(&[]),
            known: self.known,
        }
    }

    /// Copies what fits, checks every completed line; `true` when the section is complete.
    fn read_head(
        &mut self,
        input: &[u8],
        filled: usize,
        mut line_start: usize,
        mut searched: usize,
    ) -> Result<(usize, bool), Error> {
        let limit = self.head_limit();
        let take = input.len().min(limit.saturating_sub(filled));
        let end = filled + take;
        if !self.storage.prepare(end) {
            return Err(Error::ResponseHeadersTooLarge);
        }
        let (src, _) = input.split_at(take);
        self.storage
            .block_mut()
            .get_mut(filled..end)
            .ok_or(Error::ResponseHeadersTooLarge)?
            .copy_from_slice(src);
        loop {
            let stored = self.storage.block();
            let Some(lf) = stored
                .get(searched..end)
                .and_then(|s| s.iter().position(|&b| b == b'\n'))
                .map(|i| searched + i)
            else {
                break;
            };
            let line = stored.get(line_start..lf).unwrap_or(&[]);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                self.section_len = lf + 1;
                self.phase = Phase::Body;
                return Ok((lf + 1 - filled, true));
            }
            let f = field(line)?;
            let value = (
                line_start + f.value_start,
                line_start + f.value_start + f.value.len(),
            );
            let known = &mut self.known;
            match known_name(f.name) {
                Some(KnownName::Status) if known.status.is_some() => {
                    return Err(Error::ResponseDuplicateHeader);
                }
                Some(KnownName::Status) => {
                    let (code, reason) = status(f.value)?;
                    let reason_start = value.1 - reason.len();
                    known.status = Some((code, (reason_start, value.1)));
                }
                Some(KnownName::Location) if known.location.is_some() => {
                    return Err(Error::ResponseDuplicateHeader);
                }
                Some(KnownName::Location) => known.location = Some(value),
                Some(KnownName::ContentType) if known.content_type.is_some() => {
                    return Err(Error::ResponseDuplicateHeader);
                }
                Some(KnownName::ContentType) => known.content_type = Some(value),
                None => {}
            }
            line_start = lf + 1;
            searched = lf + 1;
        }
        if end >= limit {
            return Err(Error::ResponseHeadersTooLarge);
        }
        self.phase = Phase::Head {
            filled: end,
            line_start,
            searched: end,
        };
        Ok((take, false))
    }
}

/// Shows the state, not the storage.
impl<S: Storage> core::fmt::Debug for ResponseReader<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ResponseReader")
            .field("state", &self.state())
            .field("head_limit", &self.head_limit())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "defmt")]
impl<S: Storage> defmt::Format for ResponseReader<S> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "ResponseReader {{ state: {}, head_limit: {=usize} }}",
            self.state(),
            self.head_limit()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(bytes: &[u8]) -> Result<(ResponseKind, Option<u16>), Error> {
        let mut reader = ResponseReader::new([0u8; 256]);
        match reader.read(bytes)? {
            (_, Some(Event::Headers(h))) => Ok((h.kind(), h.status())),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(
            head(b"Content-Type: text/html\r\n\r\n"),
            Ok((ResponseKind::Document, None))
        );
        assert_eq!(
            head(b"Location: /x\r\n\r\n"),
            Ok((ResponseKind::LocalRedirect, None))
        );
        assert_eq!(
            head(b"Location: http://e/\n\n"),
            Ok((ResponseKind::ClientRedirect, None))
        );
        assert_eq!(
            head(b"Location: http://e/\nStatus: 301 Moved\nContent-Type: a/b\n\n"),
            Ok((ResponseKind::ClientRedirectWithDocument, Some(301)))
        );
    }

    #[test]
    fn errors_are_sticky() {
        let mut reader = ResponseReader::new([0u8; 64]);
        assert_eq!(
            reader.read(b"bad line\n"),
            Err(Error::ResponseHeaderNoColon)
        );
        assert_eq!(reader.read(b"X: y\n\n"), Err(Error::ResponseHeaderNoColon));
        assert_eq!(reader.read_eof().err(), Some(Error::ResponseHeaderNoColon));
        assert_eq!(reader.state(), ResponseState::Error);
    }

    #[test]
    fn limit_counts_the_whole_section() {
        let section = b"X: 1234\r\n\r\n"; // 11 bytes
        let mut reader = ResponseReader::with_limit([0u8; 64], 11);
        assert!(matches!(
            reader.read(section),
            Ok((11, Some(Event::Headers(_))))
        ));
        let mut reader = ResponseReader::with_limit([0u8; 64], 10);
        assert_eq!(
            reader.read(section).map(|(n, _)| n),
            Err(Error::ResponseHeadersTooLarge)
        );
        let mut reader = ResponseReader::new([0u8; 10]);
        assert_eq!(reader.head_limit(), 10);
        assert_eq!(
            reader.read(section).map(|(n, _)| n),
            Err(Error::ResponseHeadersTooLarge)
        );
    }

    #[test]
    fn effective_status_and_reason() {
        let mut reader = ResponseReader::new([0u8; 128]);
        let Ok((_, Some(Event::Headers(h)))) = reader.read(b"Location: https://e/\r\n\r\n") else {
            panic!()
        };
        assert_eq!(
            (h.effective_status(), h.effective_reason()),
            (302, &b"Found"[..])
        );
        let mut reader = ResponseReader::new([0u8; 128]);
        let Ok((_, Some(Event::Headers(h)))) = reader.read(b"Content-Type: a/b\r\n\r\n") else {
            panic!()
        };
        assert_eq!(
            (h.effective_status(), h.effective_reason()),
            (200, &b"OK"[..])
        );
        let mut reader = ResponseReader::new([0u8; 128]);
        let Ok((_, Some(Event::Headers(h)))) = reader.read(b"Status: 299\r\n\r\n") else {
            panic!()
        };
        assert_eq!(
            (h.effective_status(), h.effective_reason()),
            (299, &b""[..])
        );
    }
}
