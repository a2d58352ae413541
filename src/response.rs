//! The CGI response head: a status and headers, checked once, then encoded infallibly.

use crate::{
    Error,
    wire::response::{
        HopByHop, Latin1Writer, has_line_break_or_nul, hop_by_hop, is_hop_by_hop, is_plain_ascii,
        is_token, latin1_len, reason_phrase, status_line,
    },
};

/// The status of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Status<'a> {
    /// A code (100..=999); the standard reason phrase is added (`404` → `404 Not Found`;
    /// a code without a registered phrase gets an empty one: `299 `).
    Code(u16),
    /// A full status line, `NNN Reason` (`"200 OK"`, `"418 I'm a teapot"`).
    Line(&'a str),
}

impl Status<'_> {
    /// The registered reason phrase of a code (the IANA HTTP status code registry, RFC
    /// 9110's wording), the one [`Status::Code`] writes: `404` → `Some("Not Found")`;
    /// `None` for a code without one (`299`, `418`, `599`).
    ///
    /// ```
    /// use sioscgi::Status;
    ///
    /// assert_eq!(Status::reason_phrase(413), Some("Content Too Large"));
    /// assert_eq!(Status::reason_phrase(599), None);
    /// ```
    pub fn reason_phrase(code: u16) -> Option<&'static str> {
        reason_phrase(code)
    }
}

/// The kinds of CGI response (RFC 3875 §6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ResponseKind {
    /// A document, with or without a `Status` (the usual response).
    Document,
    /// `Location` with a local path (`/...`) and no status: the web server serves that
    /// location itself. No body follows.
    LocalRedirect,
    /// `Location` with an absolute URL and no status: the web server redirects the client
    /// (with 302). No body follows.
    ClientRedirect,
    /// `Location` with a status: a client redirect that carries a document.
    ClientRedirectWithDocument,
}

impl ResponseKind {
    /// The kind of a response with this status presence and `Location` value.
    pub(crate) fn classify(has_status: bool, location: Option<&[u8]>) -> Self {
        match (has_status, location) {
            (_, None) => ResponseKind::Document,
            (true, Some(_)) => ResponseKind::ClientRedirectWithDocument,
            (false, Some(l)) if l.first() == Some(&b'/') => ResponseKind::LocalRedirect,
            (false, Some(_)) => ResponseKind::ClientRedirect,
        }
    }
}

/// A validated response head: status, `Content-Type`, `Location` and other headers.
///
/// [`ResponseHead::new`] applies every check once (the same checks as Python sioscgi, in
/// its order, then the stricter ones of this crate); after that
/// [`ResponseHead::encoded_len`] and [`ResponseHead::encode`] cannot fail except for a
/// short buffer. The bytes are those sioscgi writes: a document response puts
/// `Content-Type` first, then `Status`, then the other headers in the caller's order; a
/// redirect with document puts `Location`, `Status`, `Content-Type`, then the rest; a
/// local redirect is `Location` alone.
///
/// ```
/// use sioscgi::{ResponseHead, Status};
/// let head = ResponseHead::new(
///     Some(Status::Code(200)),
///     &[("X-Id", "7"), ("Content-Type", "text/plain")],
/// )?;
/// let mut out = [0u8; 128];
/// let n = head.encode(&mut out)?;
/// assert_eq!(&out[..n], b"Content-Type: text/plain\r\nStatus: 200 OK\r\nX-Id: 7\r\n\r\n");
/// # Ok::<(), sioscgi::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ResponseHead<'a> {
    status: Option<Status<'a>>,
    content_type: Option<&'a str>,
    location: Option<&'a str>,
    headers: &'a [(&'a str, &'a str)],
    encoded_len: usize,
    /// Every text is ASCII: encoding copies bytes without looking at characters.
    ascii: bool,
}

const CONTENT_TYPE: &str = "Content-Type";
const LOCATION: &str = "Location";
const STATUS: &str = "Status";

#[inline]
fn is_special(name: &str) -> bool {
    is_named(name, CONTENT_TYPE) || is_named(name, LOCATION)
}

/// `true` if `name` is `canonical` in any ASCII case. On 64-bit targets the canonical
/// spelling, the usual one, is told first by a comparison of a few words (on
/// microcontrollers the one comparison is the smaller code).
#[inline]
fn is_named(name: &str, canonical: &str) -> bool {
    (usize::BITS >= 64 && name == canonical) || name.eq_ignore_ascii_case(canonical)
}

impl<'a> ResponseHead<'a> {
    /// Checks a status (`None` for a local redirect) and a list of headers.
    ///
    /// `Content-Type` and `Location` are found in `headers` by ASCII case-insensitive
    /// name and written with their canonical spelling.
    ///
    /// # Errors
    /// In this order: [`Error::HeaderHopByHop`] (RFC 2616's hop-by-hop names),
    /// [`Error::HeaderNotIso88591`], [`Error::NonDocumentHeaders`] (sioscgi's checks, in
    /// its order), then this crate's stricter ones: [`Error::HeaderHopByHop`] (`Trailer`,
    /// `Proxy-Connection`), [`Error::HeaderInjection`],
    /// [`Error::BadHeaderName`], [`Error::DuplicateHeader`] (two `Content-Type` or two
    /// `Location`), [`Error::BadStatus`], [`Error::BadLocation`].
    pub fn new(
        status: Option<Status<'a>>,
        headers: &'a [(&'a str, &'a str)],
    ) -> Result<Self, Error> {
        // One pass over the headers notes every kind of problem; the checks below then
        // report the first kind in the documented order, as sioscgi does.
        // `Content-Type` and `Location`: the value and its length in ISO-8859-1.
        let mut content_type: Option<(&'a str, usize)> = None;
        let mut location: Option<(&'a str, usize)> = None;
        let mut repeated_special = false;
        let mut hop_by_hop_listed = false;
        let mut hop_by_hop_more = false;
        let mut not_latin1 = false;
        let mut injection = false;
        let mut bad_name = false;
        let mut has_others = false;
        let mut others_len = 0usize;
        // Whether the head is written as it is, byte for byte: every header clean and the
        // status line ASCII. Otherwise it is written a character at a time (the same bytes
        // where the text is ASCII, as with a control byte in a value).
        let mut ascii = true;
        for &(name, value) in headers {
            // The usual header passes every text check at once: a token name and a value
            // of plain ASCII. Any other is looked at rule by rule.
            let token = is_token(name);
            let clean = token && is_plain_ascii(value);
            ascii &= clean;
            if !clean {
                injection |= has_line_break_or_nul(name) || has_line_break_or_nul(value);
            }
            let special = if is_named(name, CONTENT_TYPE) {
                Some(&mut content_type)
            } else if is_named(name, LOCATION) {
                Some(&mut location)
            } else {
                None
            };
            match special {
                // Only the first value is used (and checked): a second is refused below.
                Some(slot @ None) => {
                    let len = if clean {
                        Some(value.len())
                    } else {
                        latin1_len(value)
                    };
                    not_latin1 |= len.is_none();
                    *slot = Some((value, len.unwrap_or(0)));
                }
                Some(Some(_)) => repeated_special = true,
                None => {
                    has_others = true;
                    match hop_by_hop(name) {
                        Some(HopByHop::Listed) => hop_by_hop_listed = true,
                        Some(HopByHop::More) => hop_by_hop_more = true,
                        None => {}
                    }
                    let latin1 = if clean {
                        Some((name.len(), value.len()))
                    } else {
                        bad_name |= !token;
                        latin1_len(name).zip(latin1_len(value))
                    };
                    match latin1 {
                        Some((n, v)) => others_len += n + 2 + v + 2,
                        None => not_latin1 = true,
                    }
                }
            }
        }
        // The status line's length in ISO-8859-1 (the usual line is plain ASCII: one
        // check tells).
        let mut line_len = 0;
        if let Some(Status::Line(line)) = status {
            if is_plain_ascii(line) {
                line_len = line.len();
            } else {
                let len = latin1_len(line);
                not_latin1 |= len.is_none();
                injection |= has_line_break_or_nul(line);
                ascii &= line.is_ascii();
                line_len = len.unwrap_or(0);
            }
        }

        // sioscgi's checks, in its order.
        if hop_by_hop_listed {
            return Err(Error::HeaderHopByHop);
        }
        if not_latin1 {
            return Err(Error::HeaderNotIso88591);
        }
        if status.is_none() && (location.is_none() || content_type.is_some() || has_others) {
            return Err(Error::NonDocumentHeaders);
        }

        // This crate's stricter checks (S12's additions, S10, S11, S13, S14).
        if hop_by_hop_more {
            return Err(Error::HeaderHopByHop);
        }
        if injection {
            return Err(Error::HeaderInjection);
        }
        if bad_name {
            return Err(Error::BadHeaderName);
        }
        if repeated_special {
            return Err(Error::DuplicateHeader);
        }
        let status_len = match status {
            None => 0,
            Some(Status::Code(code)) if (100..=999).contains(&code) => {
                4 + reason_phrase(code).map_or(0, str::len)
            }
            Some(Status::Code(_)) => return Err(Error::BadStatus),
            Some(Status::Line(line)) => match status_line(line) {
                Some(_) => line_len,
                None => return Err(Error::BadStatus),
            },
        };
        if location.is_some_and(|(l, _)| l.is_empty()) {
            return Err(Error::BadLocation);
        }

        // The length in ISO-8859-1 of a header line.
        let header_len = |name: &str, (_, len): (&str, usize)| name.len() + 2 + len + 2;
        let encoded_len = if status.is_none() {
            header_len(LOCATION, location.unwrap_or(("", 0))) + 2
        } else {
            location.map_or(0, |l| header_len(LOCATION, l))
                + content_type.map_or(0, |t| header_len(CONTENT_TYPE, t))
                + STATUS.len()
                + 2
                + status_len
                + 2
                + others_len
                + 2
        };
        Ok(ResponseHead {
            status,
            content_type: content_type.map(|(t, _)| t),
            location: location.map(|(l, _)| l),
            headers,
            encoded_len,
            ascii,
        })
    }

    /// A redirect without document, `Location` alone: a local redirect for a path
    /// (`/...`), a client redirect for an absolute URL.
    ///
    /// # Errors
    /// As [`ResponseHead::new`].
    pub fn redirect(location: &'a str) -> Result<Self, Error> {
        let Some(len) = latin1_len(location) else {
            return Err(Error::HeaderNotIso88591);
        };
        if has_line_break_or_nul(location) {
            return Err(Error::HeaderInjection);
        }
        if location.is_empty() {
            return Err(Error::BadLocation);
        }
        Ok(ResponseHead {
            status: None,
            content_type: None,
            location: Some(location),
            headers: &[],
            encoded_len: LOCATION.len() + 2 + len + 2 + 2,
            ascii: location.is_ascii(),
        })
    }

    /// Whether `name` is a hop-by-hop header (`Connection`, `Keep-Alive`,
    /// `Transfer-Encoding`, `Upgrade`, ...; ASCII case-insensitive): one that
    /// [`ResponseHead::new`] refuses with [`Error::HeaderHopByHop`]. A gateway that turns
    /// another library's response into a CGI head drops these first.
    ///
    /// ```
    /// use sioscgi::ResponseHead;
    /// assert!(ResponseHead::is_hop_by_hop("transfer-encoding"));
    /// assert!(!ResponseHead::is_hop_by_hop("Content-Length"));
    /// ```
    pub fn is_hop_by_hop(name: &str) -> bool {
        is_hop_by_hop(name)
    }

    /// Which of the three CGI response kinds this is.
    pub fn kind(&self) -> ResponseKind {
        ResponseKind::classify(self.status.is_some(), self.location.map(str::as_bytes))
    }

    /// The status (`None` for a local redirect).
    pub fn status(&self) -> Option<Status<'a>> {
        self.status
    }

    /// The status code (`None` for a local redirect).
    pub fn status_code(&self) -> Option<u16> {
        match self.status? {
            Status::Code(code) => Some(code),
            Status::Line(line) => status_line(line).map(|(code, _)| code),
        }
    }

    /// The `Content-Type` value.
    pub fn content_type(&self) -> Option<&'a str> {
        self.content_type
    }

    /// The `Location` value.
    pub fn location(&self) -> Option<&'a str> {
        self.location
    }

    /// The headers other than `Content-Type` and `Location`, in the caller's order.
    pub fn other_headers(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.headers.iter().filter(|(n, _)| !is_special(n)).copied()
    }

    /// The exact number of bytes [`ResponseHead::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        self.encoded_len
    }

    /// Writes the head (ending with the empty line) into `out` and returns its length.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] if `out` is shorter than [`ResponseHead::encoded_len`];
    /// nothing is written then.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
        let needed = self.encoded_len;
        let Some(out) = out.get_mut(..needed) else {
            return Err(Error::BufferTooSmall { needed });
        };
        let mut w = Latin1Writer::new(out, self.ascii);
        match self.status {
            None => {
                w.line(LOCATION, self.location.unwrap_or(""));
            }
            Some(status) => {
                if let Some(location) = self.location {
                    w.line(LOCATION, location);
                    self.write_status(&mut w, status);
                    self.write_content_type(&mut w);
                } else {
                    self.write_content_type(&mut w);
                    self.write_status(&mut w, status);
                }
                for (name, value) in self.other_headers() {
                    w.line(name, value);
                }
            }
        }
        w.bytes(b"\r\n");
        Ok(w.written())
    }

    fn write_content_type(&self, w: &mut Latin1Writer<'_>) {
        if let Some(content_type) = self.content_type {
            w.line(CONTENT_TYPE, content_type);
        }
    }

    fn write_status(&self, w: &mut Latin1Writer<'_>, status: Status<'_>) {
        match status {
            Status::Code(code) => {
                // `Status: NNN ` in one piece (the code is 100..=999: checked by `new`).
                let mut line = *b"Status: 000 ";
                let [.., hundreds, tens, ones, _] = &mut line;
                let digit = |n: u16| b'0' + (n % 10) as u8;
                (*hundreds, *tens, *ones) = (digit(code / 100), digit(code / 10), digit(code));
                w.bytes(&line);
                // The registered phrases are ASCII.
                w.bytes(reason_phrase(code).unwrap_or("").as_bytes());
            }
            Status::Line(line) => {
                w.bytes(b"Status: ");
                w.text(line);
            }
        }
        w.bytes(b"\r\n");
    }

    /// The encoded head as a `Vec` (feature `alloc`).
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec![0; self.encoded_len];
        let n = self.encode(&mut out).unwrap_or(0);
        out.truncate(n);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(
        status: Option<Status<'_>>,
        headers: &[(&str, &str)],
    ) -> Result<([u8; 256], usize), Error> {
        let head = ResponseHead::new(status, headers)?;
        let mut out = [0u8; 256];
        let n = head.encode(&mut out)?;
        assert_eq!(n, head.encoded_len());
        Ok((out, n))
    }

    fn bytes(status: Option<Status<'_>>, headers: &[(&str, &str)]) -> Result<[u8; 256], Error> {
        encode(status, headers).map(|(mut out, n)| {
            out[n..].fill(0);
            out
        })
    }

    fn expect(status: Option<Status<'_>>, headers: &[(&str, &str)], want: &[u8]) {
        let (out, n) = encode(status, headers).unwrap();
        assert_eq!(&out[..n], want);
    }

    /// Latin-1 text anywhere (status line, `Location`, a header) is written as Latin-1,
    /// and ASCII-only heads take the copying path with the same result.
    #[test]
    fn latin1_anywhere_is_encoded_as_latin1() {
        let mut out = [0u8; 128];
        let head = ResponseHead::new(Some(Status::Line("200 Caf\u{e9}")), &[]).unwrap();
        assert!(!head.ascii);
        let n = head.encode(&mut out).unwrap();
        assert_eq!(&out[..n], b"Status: 200 Caf\xe9\r\n\r\n");
        let head = ResponseHead::redirect("/\u{ff}").unwrap();
        let n = head.encode(&mut out).unwrap();
        assert_eq!(&out[..n], b"Location: /\xff\r\n\r\n");
        let headers = [("Content-Type", "text/plain"), ("X", "y")];
        let head = ResponseHead::new(Some(Status::Code(200)), &headers).unwrap();
        assert!(head.ascii);
        let n = head.encode(&mut out).unwrap();
        assert_eq!(n, head.encoded_len());
        assert_eq!(
            &out[..n],
            b"Content-Type: text/plain\r\nStatus: 200 OK\r\nX: y\r\n\r\n"
        );
        // Each place a header's text can be above ASCII; and an ASCII control byte (not
        // plain, but ASCII: the same bytes either way).
        for (headers, want) in [
            (
                [("Content-Type", "text/caf\u{e9}"), ("X", "y")],
                &b"Content-Type: text/caf\xe9\r\nStatus: 200 OK\r\nX: y\r\n\r\n"[..],
            ),
            (
                [("Location", "/\u{e9}"), ("X", "y")],
                b"Location: /\xe9\r\nStatus: 200 OK\r\nX: y\r\n\r\n",
            ),
            (
                [("X", "\u{e9}\u{e9}"), ("Y", "z")],
                b"Status: 200 OK\r\nX: \xe9\xe9\r\nY: z\r\n\r\n",
            ),
            (
                [("X", "a\u{1}b"), ("Y", "z")],
                b"Status: 200 OK\r\nX: a\x01b\r\nY: z\r\n\r\n",
            ),
        ] {
            let head = ResponseHead::new(Some(Status::Code(200)), &headers).unwrap();
            let n = head.encode(&mut out).unwrap();
            assert_eq!(n, head.encoded_len());
            assert_eq!(&out[..n], want, "{headers:?}");
        }
    }

    /// Every code is written as its three digits, then its phrase (if registered).
    #[test]
    fn every_code_is_its_digits() {
        extern crate std;
        let mut out = [0u8; 128];
        for code in 100..=999u16 {
            let head = ResponseHead::new(Some(Status::Code(code)), &[]).unwrap();
            let n = head.encode(&mut out).unwrap();
            let phrase = reason_phrase(code).unwrap_or("");
            let want = std::format!("Status: {code} {phrase}\r\n\r\n");
            assert_eq!(&out[..n], want.as_bytes());
        }
    }

    #[test]
    fn the_three_kinds() {
        expect(
            Some(Status::Line("200 OK")),
            &[("X-A", "1"), ("content-type", "text/html"), ("X-B", "2")],
            b"Content-Type: text/html\r\nStatus: 200 OK\r\nX-A: 1\r\nX-B: 2\r\n\r\n",
        );
        expect(None, &[("location", "/x")], b"Location: /x\r\n\r\n");
        expect(
            Some(Status::Code(302)),
            &[
                ("X", "y"),
                ("Content-Type", "text/plain"),
                ("Location", "http://e/"),
            ],
            b"Location: http://e/\r\nStatus: 302 Found\r\nContent-Type: text/plain\r\nX: y\r\n\r\n",
        );
        expect(Some(Status::Code(299)), &[], b"Status: 299 \r\n\r\n");
        expect(
            Some(Status::Line("200 \u{e9}")),
            &[],
            b"Status: 200 \xe9\r\n\r\n",
        );
    }

    #[test]
    fn checks_in_order() {
        let e = |s, h: &[(&str, &str)]| bytes(s, h).err();
        let ok = Some(Status::Code(200));
        assert_eq!(
            e(ok, &[("Connection", "close")]),
            Some(Error::HeaderHopByHop)
        );
        assert_eq!(
            e(ok, &[("X", "\u{100}"), ("Upgrade", "x")]),
            Some(Error::HeaderHopByHop)
        );
        assert_eq!(e(ok, &[("X", "\u{100}\n")]), Some(Error::HeaderNotIso88591));
        assert_eq!(
            e(Some(Status::Line("200 \u{263a}")), &[]),
            Some(Error::HeaderNotIso88591)
        );
        assert_eq!(e(None, &[]), Some(Error::NonDocumentHeaders));
        assert_eq!(
            e(None, &[("Location", "/"), ("X", "\n")]),
            Some(Error::NonDocumentHeaders)
        );
        // This crate's own hop-by-hop names come after sioscgi's checks, as sioscgi
        // has no such rule and raises what it finds first.
        assert_eq!(
            e(ok, &[("Trailer", "x"), ("X", "\u{20ac}")]),
            Some(Error::HeaderNotIso88591)
        );
        assert_eq!(
            e(None, &[("Location", "/x"), ("Trailer", "x")]),
            Some(Error::NonDocumentHeaders)
        );
        assert_eq!(
            e(ok, &[("Trailer", "x"), ("X", "\n")]),
            Some(Error::HeaderHopByHop)
        );
        assert_eq!(
            e(ok, &[("Proxy-Connection", "x"), ("Bad Name", "x")]),
            Some(Error::HeaderHopByHop)
        );
        assert_eq!(
            e(ok, &[("X", "a\r\nSet-Cookie: x")]),
            Some(Error::HeaderInjection)
        );
        assert_eq!(
            e(ok, &[("Content-Type", "a\0")]),
            Some(Error::HeaderInjection)
        );
        assert_eq!(
            e(Some(Status::Line("200 OK\r\n")), &[]),
            Some(Error::HeaderInjection)
        );
        assert_eq!(e(ok, &[("X Y", "1")]), Some(Error::BadHeaderName));
        assert_eq!(e(ok, &[("", "1")]), Some(Error::BadHeaderName));
        assert_eq!(
            e(ok, &[("Content-Type", "a"), ("content-type", "b")]),
            Some(Error::DuplicateHeader)
        );
        assert_eq!(
            e(None, &[("Location", "/a"), ("Location", "/b")]),
            Some(Error::DuplicateHeader)
        );
        assert_eq!(e(Some(Status::Line("200")), &[]), Some(Error::BadStatus));
        assert_eq!(e(Some(Status::Code(99)), &[]), Some(Error::BadStatus));
        assert_eq!(e(Some(Status::Code(1000)), &[]), Some(Error::BadStatus));
        assert_eq!(e(None, &[("Location", "")]), Some(Error::BadLocation));
    }

    #[test]
    fn short_buffer_is_reported_with_the_size() {
        let head = ResponseHead::new(Some(Status::Code(204)), &[]).unwrap();
        assert_eq!(head.encoded_len(), 26);
        let mut out = [0u8; 25];
        assert_eq!(
            head.encode(&mut out),
            Err(Error::BufferTooSmall { needed: 26 })
        );
        assert_eq!(out, [0; 25]);
    }

    #[test]
    fn redirect_constructor() {
        let head = ResponseHead::redirect("/elsewhere").unwrap();
        assert_eq!(head.kind(), ResponseKind::LocalRedirect);
        let mut out = [0u8; 64];
        let n = head.encode(&mut out).unwrap();
        assert_eq!(&out[..n], b"Location: /elsewhere\r\n\r\n");
        assert_eq!(ResponseHead::redirect(""), Err(Error::BadLocation));
        assert_eq!(ResponseHead::redirect("/\n"), Err(Error::HeaderInjection));
        assert_eq!(
            ResponseHead::redirect("/\u{1000}"),
            Err(Error::HeaderNotIso88591)
        );
    }

    #[test]
    fn accessors() {
        let h = [("Location", "http://x/"), ("X", "1")];
        let head = ResponseHead::new(Some(Status::Line("301 Moved")), &h).unwrap();
        assert_eq!(head.kind(), ResponseKind::ClientRedirectWithDocument);
        assert_eq!(head.status_code(), Some(301));
        assert_eq!(head.location(), Some("http://x/"));
        assert_eq!(head.content_type(), None);
        assert_eq!(head.other_headers().count(), 1);
        let doc = ResponseHead::new(Some(Status::Code(404)), &[]).unwrap();
        assert_eq!(doc.kind(), ResponseKind::Document);
        assert_eq!(doc.status(), Some(Status::Code(404)));
    }
}
