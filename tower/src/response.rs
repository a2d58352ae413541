//! `http::Response` → a CGI response head (RFC 3875 §6), through the core's rules.

use std::fmt;

use http::header::{CONNECTION, CONTENT_LENGTH, HeaderName};
use http::{StatusCode, response::Parts};
use sioscgi::{ResponseHead, Status};

/// Why an `http::Response` does not make a CGI head (the server then answers `500` and
/// logs this).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// A header the CGI head cannot carry: a `Status` header (the status is the
    /// response's own).
    StatusHeader,
    /// A final status below 200 (`100 Continue`, `103 Early Hints`): an interim answer
    /// has no place in a CGI response, which is one head and its body (hyper answers
    /// `500` too).
    Informational(u16),
    /// The core's writer refused the head (a header injection, a bad `Location`, a status
    /// outside `100..=999`, a repeated `Content-Type`, ...).
    Rules(sioscgi::Error),
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::StatusHeader => f.write_str("a `status` header in an http::Response"),
            ResponseError::Informational(code) => {
                write!(f, "{code} is an interim status, not a final one")
            }
            ResponseError::Rules(e) => write!(f, "the response breaks a CGI rule: {e}"),
        }
    }
}

impl std::error::Error for ResponseError {}

/// Encodes the CGI head of a response into `out` (appended):
///
/// - `Status: NNN Reason` from the status: the registered phrase
///   ([`Status::reason_phrase`]), else the `http` crate's (`418 I'm a teapot`), else an
///   empty one (`599 `, as RFC 3875 allows);
/// - every header but the hop-by-hop ones (`Connection`, `Keep-Alive`,
///   `Transfer-Encoding`, `Upgrade`, `TE`, `Trailer`, `Proxy-*`, and those the
///   `Connection` header names): a gateway does not pass them on, and the web server
///   frames the answer to its client itself;
/// - `Content-Length`, as RFC 9110 §8.6 and hyper have it: `N` added when `body_len` is
///   known and the response has none; never on a `204` (a service's is dropped); none
///   added to a `304`, whose own is kept only when `body_len` is not `Some(0)` (axum sets
///   `content-length: 0` from an empty body, which would tell a cache the document is
///   empty; hyper drops it too).
///
/// Header values that are not ASCII are taken as ISO-8859-1, as HTTP has them.
///
/// # Errors
/// [`ResponseError`]: what the core's [`ResponseHead::new`] refuses (a header injection,
/// a bad `Location`, a repeated `Content-Type`, ...), a `Status` header, or a status
/// below 200.
///
/// ```
/// let response = http::Response::builder()
///     .status(404)
///     .header("content-type", "text/plain")
///     .header("connection", "close")
///     .body(())?;
/// let (parts, ()) = response.into_parts();
/// let mut head = Vec::new();
/// sioscgi_tower::encode_head(&parts, Some(10), &mut head)?;
/// assert_eq!(
///     head,
///     b"Content-Type: text/plain\r\nStatus: 404 Not Found\r\ncontent-length: 10\r\n\r\n"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encode_head(
    parts: &Parts,
    body_len: Option<u64>,
    out: &mut Vec<u8>,
) -> Result<(), ResponseError> {
    let named_by_connection = |name: &HeaderName| {
        parts.headers.get_all(CONNECTION).iter().any(|value| {
            value
                .to_str()
                .unwrap_or("")
                .split(',')
                .any(|token| token.trim().eq_ignore_ascii_case(name.as_str()))
        })
    };
    let code = parts.status.as_u16();
    if parts.status.is_informational() {
        return Err(ResponseError::Informational(code));
    }
    // A 204 never has a length; a 304's describes the document, unless it only says
    // that this answer is empty.
    let drop_length = parts.status == StatusCode::NO_CONTENT
        || (parts.status == StatusCode::NOT_MODIFIED && body_len == Some(0));
    let has_connection = parts.headers.contains_key(CONNECTION);
    // Values that are not ASCII, decoded from ISO-8859-1 (rare: most responses have none).
    let latin1: Vec<String> = parts
        .headers
        .values()
        .filter(|v| v.to_str().is_err())
        .map(|v| v.as_bytes().iter().map(|&b| char::from(b)).collect())
        .collect();
    let mut latin1 = latin1.iter();
    let mut pairs = PairList::new();
    for (name, value) in &parts.headers {
        let value = match value.to_str() {
            Ok(ascii) => ascii,
            Err(_) => latin1.next().map_or("", String::as_str),
        };
        if ResponseHead::is_hop_by_hop(name.as_str())
            || (has_connection && named_by_connection(name))
            || (drop_length && name == CONTENT_LENGTH)
        {
            continue;
        }
        if name.as_str() == "status" {
            return Err(ResponseError::StatusHeader);
        }
        pairs.push((name.as_str(), value));
    }
    let mut length = [0u8; 20];
    if let Some(len) = body_len
        && may_have_body(parts.status)
        && !parts.headers.contains_key(CONTENT_LENGTH)
    {
        pairs.push(("content-length", decimal(len, &mut length)));
    }
    // The few codes the http crate names and the registry does not (418): rare enough
    // for a line of their own.
    let line;
    let status = match (Status::reason_phrase(code), parts.status.canonical_reason()) {
        (None, Some(reason)) => {
            line = format!("{code} {reason}");
            Status::Line(&line)
        }
        _ => Status::Code(code),
    };
    let head = ResponseHead::new(Some(status), pairs.as_slice()).map_err(ResponseError::Rules)?;
    let start = out.len();
    out.resize(start + head.encoded_len(), 0);
    let written = head
        .encode(out.get_mut(start..).unwrap_or(&mut []))
        .map_err(ResponseError::Rules)?;
    out.truncate(start + written);
    Ok(())
}

/// The headers of a head: on the stack up to 32 (a response rarely has more), then on
/// the heap.
struct PairList<'a> {
    stack: [(&'a str, &'a str); 32],
    len: usize,
    heap: Vec<(&'a str, &'a str)>,
}

impl<'a> PairList<'a> {
    fn new() -> Self {
        PairList {
            stack: [("", ""); 32],
            len: 0,
            heap: Vec::new(),
        }
    }

    fn push(&mut self, pair: (&'a str, &'a str)) {
        if !self.heap.is_empty() {
            self.heap.push(pair);
        } else if let Some(slot) = self.stack.get_mut(self.len) {
            *slot = pair;
            self.len += 1;
        } else {
            self.heap.extend_from_slice(&self.stack);
            self.heap.push(pair);
        }
    }

    fn as_slice(&self) -> &[(&'a str, &'a str)] {
        if self.heap.is_empty() {
            self.stack.get(..self.len).unwrap_or(&[])
        } else {
            &self.heap
        }
    }
}

/// Whether a response with this status may have a body (RFC 9110 §6.4.1).
pub(crate) fn may_have_body(status: StatusCode) -> bool {
    !(status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED)
}

/// `n` in decimal, written at the end of `buf`.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        if let Some(digit) = buf.get_mut(at) {
            *digit = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(buf.get(at..).unwrap_or(b"0")).unwrap_or("0")
}

#[cfg(test)]
mod tests;
