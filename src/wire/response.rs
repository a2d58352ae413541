//! The CGI response head (RFC 3875 §6): lexical rules and the byte encoding.
//!
//! ```text
//! header-line = name ": " value CRLF          ; ISO-8859-1, no CR / LF / NUL
//! name        = 1*tchar                       ; RFC 9110 token
//! status      = 3DIGIT SP reason-phrase       ; code 100..=999
//! ```

use nom::IResult;

/// Response headers that describe one hop and must not come from a CGI application (S12):
/// RFC 2616 §13.5.1's list, which sioscgi (through `wsgiref.util.is_hop_by_hop`) refuses.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
];

/// Hop-by-hop headers this crate also refuses (stricter than sioscgi): `Trailer`, which
/// announces trailer fields no CGI response can carry, and the non-standard
/// `Proxy-Connection`.
const HOP_BY_HOP_MORE: [&str; 2] = ["proxy-connection", "trailer"];

/// Which list a hop-by-hop header name is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HopByHop {
    /// RFC 2616's (sioscgi's own check).
    Listed,
    /// This crate's addition (checked after sioscgi's checks, in sioscgi's order).
    More,
}

/// Which hop-by-hop list `name` is on, if any (ASCII case-insensitive).
#[inline]
pub(crate) fn hop_by_hop(name: &str) -> Option<HopByHop> {
    // Most names have a length no hop-by-hop name has: one comparison rules them out.
    if !matches!(name.len(), 2 | 7 | 8 | 10 | 16..=19) {
        return None;
    }
    if HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        Some(HopByHop::Listed)
    } else if HOP_BY_HOP_MORE.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        Some(HopByHop::More)
    } else {
        None
    }
}

/// `true` if `name` is a hop-by-hop header of either list (ASCII case-insensitive).
#[inline]
pub(crate) fn is_hop_by_hop(name: &str) -> bool {
    hop_by_hop(name).is_some()
}

/// `true` if `b` is an RFC 9110 `tchar`.
const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z'
        | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_'
        | b'`' | b'|' | b'~')
}

/// Whether each byte is a `tchar`: one load per byte, without branches (256 bytes of
/// read-only data, against a handful of instructions per byte for a bit set).
#[allow(clippy::indexing_slicing)] // evaluated at compile time: an error would not compile
const TCHARS: [bool; 256] = {
    let mut set = [false; 256];
    let mut b = 0;
    while b < 256 {
        set[b] = is_tchar(b as u8);
        b += 1;
    }
    set
};

/// `true` if `name` is an RFC 9110 token: `1*tchar`.
///
/// This check and the line-break one look at every byte without stopping early (folds,
/// not `any`/`all`): header texts are short and usually valid, and a loop without an
/// exit runs several bytes per step.
pub(crate) fn is_token(name: &str) -> bool {
    // `get` of a `u8` index in 256 entries: never `None`.
    let in_set = |b: u8| TCHARS.get(usize::from(b)).copied().unwrap_or(false);
    !name.is_empty() && name.as_bytes().iter().fold(true, |ok, &b| ok & in_set(b))
}

/// `true` if `text` holds a byte that would end or split a header line (S10).
pub(crate) fn has_line_break_or_nul(text: &str) -> bool {
    text.as_bytes()
        .iter()
        .fold(false, |found, &b| found | matches!(b, b'\r' | b'\n' | 0))
}

/// `true` if `text` is ASCII without CR, LF or NUL: a header value that needs none of
/// the finer checks ([`has_line_break_or_nul`], [`latin1_len`]).
pub(crate) fn is_plain_ascii(text: &str) -> bool {
    if usize::BITS < 64 {
        // On microcontrollers a byte loop is the smaller code (and 64-bit words no faster).
        return text.bytes().all(is_plain_byte);
    }
    is_plain_ascii_in_words(text)
}

/// A byte [`is_plain_ascii`] lets through.
fn is_plain_byte(b: u8) -> bool {
    b.is_ascii() && !matches!(b, b'\r' | b'\n' | 0)
}

/// [`is_plain_ascii`] eight bytes at a time: a word has a zero byte exactly when
/// `(w - 0x01…) & !w & 0x80…` is not zero, so `w`, `w ^ 0x0D…` and `w ^ 0x0A…` tell NUL,
/// CR and LF; the high bits tell bytes above ASCII.
fn is_plain_ascii_in_words(text: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGH;
    let bad = |w: u64| {
        has_zero(w) | has_zero(w ^ (ONES * 0x0D)) | has_zero(w ^ (ONES * 0x0A)) | (w & HIGH)
    };
    let (words, tail) = text.as_bytes().as_chunks::<8>();
    // Values are a few words long: a loop with an exit costs less than vector set-up.
    tail.iter().all(|&b| is_plain_byte(b))
        && words.iter().all(|word| bad(u64::from_le_bytes(*word)) == 0)
}

/// The number of bytes `text` takes in ISO-8859-1, or `None` if a character is above U+00FF.
///
/// In UTF-8, U+0080..=U+00FF are the two-byte sequences led by `0xC2` or `0xC3`; any
/// higher lead byte starts a character ISO-8859-1 does not have. The length is then the
/// number of bytes that do not continue a character.
pub(crate) fn latin1_len(text: &str) -> Option<usize> {
    if text.is_ascii() {
        return Some(text.len());
    }
    let bytes = text.as_bytes();
    if bytes.iter().fold(false, |high, &b| high | (b >= 0xC4)) {
        return None;
    }
    Some(
        bytes
            .iter()
            .filter(|&&b| !(0x80..0xC0).contains(&b))
            .count(),
    )
}

/// A status code: three ASCII digits, 100..=999, and the rest of the input.
///
/// A nom parser written by hand: three digits need no combinators, and the byte-level
/// code stays small on microcontrollers.
fn status_code(input: &[u8]) -> IResult<&[u8], u16> {
    let fail = || nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Digit));
    match input {
        [a @ b'1'..=b'9', b @ b'0'..=b'9', c @ b'0'..=b'9', rest @ ..] => {
            let digit = |d: &u8| u16::from(d - b'0');
            Ok((rest, digit(a) * 100 + digit(b) * 10 + digit(c)))
        }
        _ => Err(fail()),
    }
}

/// Parses a whole status line `NNN Reason` into its code and reason phrase.
/// The reason phrase may be empty (RFC 3875: `reason-phrase = *TEXT`), the space may not.
pub(crate) fn status_line(input: &str) -> Option<(u16, &str)> {
    let (rest, code) = status_code(input.as_bytes()).ok()?;
    match rest {
        // The reason is what follows the space: the bytes after an ASCII byte are a
        // `str` of their own.
        [b' ', ..] => Some((code, input.get(4..)?)),
        _ => None,
    }
}

/// The standard reason phrases (IANA HTTP status code registry), one after the other.
const PHRASES: &str = concat!(
    "ContinueSwitching ProtocolsProcessingEarly HintsOKCreatedAccepted",
    "Non-Authoritative InformationNo ContentReset ContentPartial ContentMulti-Status",
    "Already ReportedIM UsedMultiple ChoicesMoved PermanentlyFoundSee Other",
    "Not ModifiedUse ProxyTemporary RedirectPermanent RedirectBad RequestUnauthorized",
    "Payment RequiredForbiddenNot FoundMethod Not AllowedNot Acceptable",
    "Proxy Authentication RequiredRequest TimeoutConflictGoneLength Required",
    "Precondition FailedContent Too LargeURI Too LongUnsupported Media Type",
    "Range Not SatisfiableExpectation FailedMisdirected RequestUnprocessable Content",
    "LockedFailed DependencyToo EarlyUpgrade RequiredPrecondition Required",
    "Too Many RequestsRequest Header Fields Too LargeUnavailable For Legal Reasons",
    "Internal Server ErrorNot ImplementedBad GatewayService Unavailable",
    "Gateway TimeoutHTTP Version Not SupportedVariant Also Negotiates",
    "Insufficient StorageLoop DetectedNot ExtendedNetwork Authentication Required",
);

/// Each code with the end of its phrase in [`PHRASES`] (the phrase starts where the one
/// before ends), in ascending order: a table, not a `match`, which costs a kilobyte of
/// code on a microcontroller.
const PHRASE_ENDS: [(u16, u16); 61] = [
    (100, 8),
    (101, 27),
    (102, 37),
    (103, 48),
    (200, 50),
    (201, 57),
    (202, 65),
    (203, 94),
    (204, 104),
    (205, 117),
    (206, 132),
    (207, 144),
    (208, 160),
    (226, 167),
    (300, 183),
    (301, 200),
    (302, 205),
    (303, 214),
    (304, 226),
    (305, 235),
    (307, 253),
    (308, 271),
    (400, 282),
    (401, 294),
    (402, 310),
    (403, 319),
    (404, 328),
    (405, 346),
    (406, 360),
    (407, 389),
    (408, 404),
    (409, 412),
    (410, 416),
    (411, 431),
    (412, 450),
    (413, 467),
    (414, 479),
    (415, 501),
    (416, 522),
    (417, 540),
    (421, 559),
    (422, 580),
    (423, 586),
    (424, 603),
    (425, 612),
    (426, 628),
    (428, 649),
    (429, 666),
    (431, 697),
    (451, 726),
    (500, 747),
    (501, 762),
    (502, 773),
    (503, 792),
    (504, 807),
    (505, 833),
    (506, 856),
    (507, 876),
    (508, 889),
    (510, 901),
    (511, 932),
];

/// The standard reason phrase of a status code (IANA HTTP status code registry).
pub(crate) fn reason_phrase(code: u16) -> Option<&'static str> {
    let at = PHRASE_ENDS.binary_search_by_key(&code, |&(c, _)| c).ok()?;
    let start = match at.checked_sub(1) {
        Some(before) => PHRASE_ENDS.get(before)?.1,
        None => 0,
    };
    PHRASES.get(usize::from(start)..usize::from(PHRASE_ENDS.get(at)?.1))
}

/// Copies `src` into `dst` (of the same length). A head is a few dozen short pieces: on
/// 64-bit targets they are copied with word-sized moves (overlapping at the end) rather
/// than a call to `memcpy` each, which costs more than the copy.
#[inline]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    fn word<const N: usize>(dst: Option<&mut [u8]>, src: Option<&[u8]>) {
        let dst = dst.and_then(|d| <&mut [u8; N]>::try_from(d).ok());
        let src = src.and_then(|s| <&[u8; N]>::try_from(s).ok());
        if let (Some(d), Some(s)) = (dst, src) {
            *d = *s;
        }
    }
    let len = src.len();
    // On 32-bit targets (microcontrollers) `memcpy` is the smaller code, and a word move
    // no faster.
    if usize::BITS < 64 || len > 64 || len != dst.len() {
        dst.copy_from_slice(src);
        return;
    }
    if len >= 8 {
        let mut start = 0;
        while start + 8 < len {
            word::<8>(dst.get_mut(start..start + 8), src.get(start..start + 8));
            start += 8;
        }
        word::<8>(dst.get_mut(len - 8..), src.get(len - 8..));
    } else if len >= 4 {
        word::<4>(dst.get_mut(..4), src.get(..4));
        word::<4>(dst.get_mut(len - 4..), src.get(len - 4..));
    } else {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    }
}

/// Writes ISO-8859-1 bytes into a cursor over the caller's buffer.
pub(crate) struct Latin1Writer<'o> {
    out: &'o mut [u8],
    pos: usize,
    /// Every text given is ASCII (the caller checked): bytes are copied as they are.
    ascii: bool,
}

impl<'o> Latin1Writer<'o> {
    /// A writer at the start of `out`; `ascii` promises that every text is ASCII.
    pub(crate) fn new(out: &'o mut [u8], ascii: bool) -> Self {
        Latin1Writer { out, pos: 0, ascii }
    }

    /// Appends `text` (already checked to be ISO-8859-1 and to fit): ASCII as it is,
    /// anything else a character at a time. Out of line on 32-bit targets (the smaller
    /// code).
    #[cfg_attr(target_pointer_width = "64", inline)]
    #[cfg_attr(not(target_pointer_width = "64"), inline(never))]
    pub(crate) fn text(&mut self, text: &str) {
        if self.ascii || text.is_ascii() {
            self.bytes(text.as_bytes());
        } else {
            self.latin1(text);
        }
    }

    /// Appends bytes as they are (out of line on 32-bit targets).
    #[cfg_attr(target_pointer_width = "64", inline)]
    #[cfg_attr(not(target_pointer_width = "64"), inline(never))]
    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        let room = self.out.get_mut(self.pos..).unwrap_or_default();
        if let Some(dst) = room.get_mut(..bytes.len()) {
            copy_short(dst, bytes);
            self.pos += bytes.len();
        }
    }

    /// Appends text with characters above ASCII (checked to be at most U+00FF), one byte
    /// each: in UTF-8 they are a lead byte `0xC2` or `0xC3`, whose low two bits are the
    /// character's high two, and a continuation byte with its low six.
    #[cold]
    fn latin1(&mut self, text: &str) {
        let mut lead = 0u8;
        for &b in text.as_bytes() {
            match b {
                0..0x80 => self.byte(b),
                0x80..0xC0 => self.byte((lead << 6) | (b & 0x3F)),
                _ => lead = b,
            }
        }
    }

    /// Appends `name: value\r\n`.
    pub(crate) fn line(&mut self, name: &str, value: &str) {
        // One piece of the output for the whole line, its four parts copied in (on 64-bit
        // targets: on microcontrollers the pieces one by one are the smaller code).
        if self.ascii && usize::BITS >= 64 {
            let (n, v) = (name.len(), value.len());
            let line = self
                .out
                .get_mut(self.pos..)
                .and_then(|room| room.get_mut(..n + v + 4));
            let Some((name_part, rest)) = line.and_then(|line| line.split_at_mut_checked(n)) else {
                return;
            };
            let Some((colon, rest)) = rest.split_first_chunk_mut::<2>() else {
                return;
            };
            let Some((value_part, end)) = rest.split_last_chunk_mut::<2>() else {
                return;
            };
            copy_short(name_part, name.as_bytes());
            *colon = *b": ";
            copy_short(value_part, value.as_bytes());
            *end = *b"\r\n";
            self.pos += n + v + 4;
            return;
        }
        self.text(name);
        self.bytes(b": ");
        self.text(value);
        self.bytes(b"\r\n");
    }

    fn byte(&mut self, b: u8) {
        if let Some(slot) = self.out.get_mut(self.pos) {
            *slot = b;
            self.pos += 1;
        }
    }

    /// The number of bytes written.
    pub(crate) fn written(&self) -> usize {
        self.pos
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    /// Every character of ISO-8859-1, alone and among others, is its one byte.
    #[test]
    fn every_latin1_character_is_its_byte() {
        let text: std::string::String = (0..=255u8).map(char::from).collect();
        let want: std::vec::Vec<u8> = (0..=255u8).collect();
        let mut out = [0u8; 256];
        let mut w = Latin1Writer::new(&mut out, false);
        w.text(&text);
        assert_eq!(w.written(), 256);
        assert_eq!(out[..], want[..]);
        assert_eq!(latin1_len(&text), Some(256));
        for c in (0..=255u8).map(char::from) {
            let mut out = [0u8; 3];
            let mut w = Latin1Writer::new(&mut out, false);
            w.text(&std::format!("a{c}"));
            let n = w.written();
            assert_eq!(&out[..n], &[b'a', c as u8], "{c:?}");
        }
    }

    #[test]
    fn short_copies_are_exact() {
        let src: std::vec::Vec<u8> = (1..=80).collect();
        for len in 0..=80 {
            let mut dst = [0u8; 80];
            copy_short(&mut dst[..len], &src[..len]);
            assert_eq!(&dst[..len], &src[..len], "len {len}");
            assert!(dst[len..].iter().all(|&b| b == 0), "len {len}");
        }
    }

    #[test]
    fn plain_ascii_agrees_with_the_finer_checks() {
        let mut texts: std::vec::Vec<std::string::String> = std::vec::Vec::new();
        for len in 0..20 {
            for at in 0..len {
                for bad in ['\r', '\n', '\0', 'é', '\u{7f}', '\u{80}', '€', 'a'] {
                    let mut text: std::string::String =
                        (0..len).map(|i| char::from(b'!' + i as u8)).collect();
                    text.replace_range(at..=at, bad.encode_utf8(&mut [0; 4]));
                    texts.push(text);
                }
            }
        }
        for text in &texts {
            let want = text.is_ascii() && !has_line_break_or_nul(text);
            assert_eq!(is_plain_ascii(text), want, "{text:?}");
            assert_eq!(is_plain_ascii_in_words(text), want, "{text:?}");
            assert_eq!(text.bytes().all(is_plain_byte), want, "{text:?}");
        }
        assert!(is_plain_ascii(""));
    }

    #[test]
    fn tokens() {
        assert!(is_token("Content-Type"));
        assert!(is_token("X-a.b_c~!"));
        for b in 0..=255u8 {
            let listed = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            assert_eq!(is_tchar(b), listed, "{b:#x}");
            let name = [b];
            if let Ok(name) = core::str::from_utf8(&name) {
                assert_eq!(is_token(name), listed, "{b:#x}");
            }
        }
        for bad in ["", "A B", "A:B", "A\tB", "Ä", "A\r", "(x)"] {
            assert!(!is_token(bad), "{bad:?}");
        }
    }

    #[test]
    fn hop_by_hop_lists() {
        assert!(is_hop_by_hop("connection"));
        assert!(is_hop_by_hop("TRAILER"));
        assert!(is_hop_by_hop("Proxy-Connection"));
        assert!(!is_hop_by_hop("Content-Type"));
        assert!(!is_hop_by_hop("Connections"));
        for name in HOP_BY_HOP {
            assert_eq!(hop_by_hop(name), Some(HopByHop::Listed));
            assert_eq!(
                hop_by_hop(&name.to_ascii_uppercase()),
                Some(HopByHop::Listed)
            );
        }
        for name in HOP_BY_HOP_MORE {
            assert_eq!(hop_by_hop(name), Some(HopByHop::More));
            assert_eq!(hop_by_hop(&name.to_ascii_uppercase()), Some(HopByHop::More));
        }
        assert_eq!(hop_by_hop("Trailers"), Some(HopByHop::Listed));
        assert_eq!(hop_by_hop("Trailer"), Some(HopByHop::More));
    }

    #[test]
    fn reason_phrases() {
        let want = [
            (100, "Continue"),
            (101, "Switching Protocols"),
            (102, "Processing"),
            (103, "Early Hints"),
            (200, "OK"),
            (201, "Created"),
            (202, "Accepted"),
            (203, "Non-Authoritative Information"),
            (204, "No Content"),
            (205, "Reset Content"),
            (206, "Partial Content"),
            (207, "Multi-Status"),
            (208, "Already Reported"),
            (226, "IM Used"),
            (300, "Multiple Choices"),
            (301, "Moved Permanently"),
            (302, "Found"),
            (303, "See Other"),
            (304, "Not Modified"),
            (305, "Use Proxy"),
            (307, "Temporary Redirect"),
            (308, "Permanent Redirect"),
            (400, "Bad Request"),
            (401, "Unauthorized"),
            (402, "Payment Required"),
            (403, "Forbidden"),
            (404, "Not Found"),
            (405, "Method Not Allowed"),
            (406, "Not Acceptable"),
            (407, "Proxy Authentication Required"),
            (408, "Request Timeout"),
            (409, "Conflict"),
            (410, "Gone"),
            (411, "Length Required"),
            (412, "Precondition Failed"),
            (413, "Content Too Large"),
            (414, "URI Too Long"),
            (415, "Unsupported Media Type"),
            (416, "Range Not Satisfiable"),
            (417, "Expectation Failed"),
            (421, "Misdirected Request"),
            (422, "Unprocessable Content"),
            (423, "Locked"),
            (424, "Failed Dependency"),
            (425, "Too Early"),
            (426, "Upgrade Required"),
            (428, "Precondition Required"),
            (429, "Too Many Requests"),
            (431, "Request Header Fields Too Large"),
            (451, "Unavailable For Legal Reasons"),
            (500, "Internal Server Error"),
            (501, "Not Implemented"),
            (502, "Bad Gateway"),
            (503, "Service Unavailable"),
            (504, "Gateway Timeout"),
            (505, "HTTP Version Not Supported"),
            (506, "Variant Also Negotiates"),
            (507, "Insufficient Storage"),
            (508, "Loop Detected"),
            (510, "Not Extended"),
            (511, "Network Authentication Required"),
        ];
        for (code, phrase) in want {
            assert_eq!(reason_phrase(code), Some(phrase), "{code}");
        }
        for code in 0..=1000u16 {
            if !want.iter().any(|&(c, _)| c == code) {
                assert_eq!(reason_phrase(code), None, "{code}");
            }
        }
        assert!(
            PHRASE_ENDS
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1)
        );
        assert_eq!(
            usize::from(PHRASE_ENDS[PHRASE_ENDS.len() - 1].1),
            PHRASES.len()
        );
    }

    #[test]
    fn status_lines() {
        assert_eq!(status_line("200 OK"), Some((200, "OK")));
        assert_eq!(status_line("404 Not Found"), Some((404, "Not Found")));
        assert_eq!(status_line("999 "), Some((999, "")));
        for bad in [
            "200",
            "20 OK",
            "099 X",
            "2000 X",
            "abc OK",
            " 200 OK",
            "200\tOK",
            "２００ OK",
            "2",
            "",
            "20x OK",
            "200é",
        ] {
            assert_eq!(status_line(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn latin1() {
        assert_eq!(latin1_len("abc"), Some(3));
        assert_eq!(latin1_len("é\u{ff}"), Some(2));
        assert_eq!(latin1_len("\u{100}"), None);
        assert_eq!(latin1_len("a\u{80}b\u{bf}\u{c0}\u{ff}"), Some(6));
        assert_eq!(latin1_len("€"), None);
        assert_eq!(latin1_len("😀"), None);
        assert_eq!(latin1_len(""), Some(0));
        for c in (0..=0x2FFu32).filter_map(char::from_u32) {
            let text: std::string::String = ['x', c, 'y'].iter().collect();
            let want = (u32::from(c) <= 0xFF).then_some(3);
            assert_eq!(latin1_len(&text), want, "{c:?}");
        }
        assert!(has_line_break_or_nul("a\nb"));
        assert!(!has_line_break_or_nul("a\tb"));
        let mut buf = [0u8; 8];
        let mut w = Latin1Writer::new(&mut buf, false);
        w.text("é");
        w.bytes(b"042");
        let n = w.written();
        assert_eq!(&buf[..n], b"\xe9042");
    }
}
