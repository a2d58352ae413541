//! `Environment` → `http::Request`: the request line and headers a CGI environment
//! describes.

use std::fmt;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Uri, Version};
use sioscgi::Environment;

use crate::cgi::Typed;

/// Why an environment does not make an `http::Request` (the server answers `400`
/// without calling the service).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// No `REQUEST_METHOD`.
    MissingMethod,
    /// `REQUEST_METHOD` is not an HTTP method token.
    BadMethod,
    /// `REQUEST_URI` (or `SCRIPT_NAME` + `PATH_INFO` + `QUERY_STRING`) is not a URI.
    BadUri,
    /// `SERVER_PROTOCOL` is not `HTTP/0.9`, `HTTP/1.0`, `HTTP/1.1`, `HTTP/2`, `HTTP/3`.
    BadVersion,
    /// An `HTTP_*` variable whose name does not make a header name.
    BadHeaderName(String),
    /// A header value (`HTTP_*` or `CONTENT_TYPE`) with bytes a header value cannot have.
    BadHeaderValue(String),
    /// A variable that describes the request line appears twice with different values
    /// (possible when repeated names are allowed).
    Conflicting(&'static str),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::MissingMethod => f.write_str("no REQUEST_METHOD"),
            RequestError::BadMethod => f.write_str("REQUEST_METHOD is not a method"),
            RequestError::BadUri => f.write_str("the request URI is not a URI"),
            RequestError::BadVersion => f.write_str("SERVER_PROTOCOL is not an HTTP version"),
            RequestError::BadHeaderName(name) => write!(f, "{name} is not a header name"),
            RequestError::BadHeaderValue(name) => write!(f, "{name} is not a header value"),
            RequestError::Conflicting(name) => write!(f, "{name} appears twice"),
        }
    }
}

impl RequestError {
    /// What the `400` answer says: the kind of problem, without the peer's bytes.
    pub(crate) fn summary(&self) -> &'static str {
        match self {
            RequestError::MissingMethod => "no REQUEST_METHOD",
            RequestError::BadMethod => "REQUEST_METHOD is not a method",
            RequestError::BadUri => "the request URI is not a URI",
            RequestError::BadVersion => "SERVER_PROTOCOL is not an HTTP version",
            RequestError::BadHeaderName(_) => "a header name is not valid",
            RequestError::BadHeaderValue(_) => "a header value is not valid",
            RequestError::Conflicting(_) => "a variable of the request line appears twice",
        }
    }
}

impl std::error::Error for RequestError {}

/// Builds the `http::Request` an environment describes, with `body` as its body.
///
/// - method: `REQUEST_METHOD`;
/// - URI: `REQUEST_URI` as sent (origin form, `/path?query`, as a web server's own
///   HTTP/1 request line has it), else `SCRIPT_NAME` + `PATH_INFO` (percent-encoded
///   again) + `?QUERY_STRING`, else `/`;
/// - version: `SERVER_PROTOCOL` (`HTTP/1.1` when absent);
/// - headers: every `HTTP_*` variable (`HTTP_X_FOO` → `x-foo`, repeated names as
///   repeated headers, in order), `content-type` from `CONTENT_TYPE` (when not empty)
///   and `content-length` from `CONTENT_LENGTH` (when not 0); `HTTP_CONTENT_TYPE` and
///   `HTTP_CONTENT_LENGTH` are ignored in their favour;
/// - extensions: the whole environment as a [`CgiEnvironment`](crate::CgiEnvironment).
///
/// The header block is copied once; the headers, the URI and the
/// [`CgiEnvironment`](crate::CgiEnvironment) all point into that copy.
///
/// # Errors
/// [`RequestError`] for a value that `http` cannot represent.
///
/// ```
/// use sioscgi::{Event, Reader};
///
/// let mut reader = Reader::new(vec![]);
/// let request = b"105:CONTENT_LENGTH\x000\x00SCGI\x001\x00REQUEST_METHOD\x00GET\x00\
///                 REQUEST_URI\x00/a?b=1\x00HTTP_X_TRACE_ID\x007\x00SERVER_PROTOCOL\x00HTTP/1.1\x00,";
/// let (_, event) = reader.read(request)?;
/// let Some(Event::Headers(environment)) = event else { unreachable!() };
/// let request = sioscgi_tower::into_request(&environment, ())?;
/// assert_eq!(request.method(), "GET");
/// assert_eq!(request.uri(), "/a?b=1");
/// assert_eq!(request.headers()["x-trace-id"], "7");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn into_request<B>(environment: &Environment<'_>, body: B) -> Result<Request<B>, RequestError> {
    let block = Bytes::copy_from_slice(environment.as_bytes());
    let parts = request_parts(environment, &block)?;
    Ok(Request::from_parts(parts, body))
}

/// [`into_request`] without the body, with `block` a copy of `environment.as_bytes()`.
pub(crate) fn request_parts(
    environment: &Environment<'_>,
    block: &Bytes,
) -> Result<http::request::Parts, RequestError> {
    let shared = Shared {
        block,
        base: environment.as_bytes(),
    };
    let mut line = RequestLine::default();
    let mut typed = Typed::default();
    let mut headers = HeaderMap::with_capacity(environment.len());
    for (name, value) in environment.iter() {
        if let Some(header) = name.strip_prefix(b"HTTP_") {
            if header == b"CONTENT_TYPE" || header == b"CONTENT_LENGTH" {
                continue;
            }
            let name = match names::known(header) {
                Some(name) => name,
                None => header_name(header)?,
            };
            let value = HeaderValue::from_maybe_shared(shared.slice(value))
                .map_err(|_| RequestError::BadHeaderValue(name.as_str().to_owned()))?;
            headers.append(name, value);
            continue;
        }
        let slot = match name {
            b"REQUEST_METHOD" => &mut line.method,
            b"REQUEST_URI" => &mut line.uri,
            b"SERVER_PROTOCOL" => &mut line.protocol,
            b"CONTENT_TYPE" => &mut line.content_type,
            b"CONTENT_LENGTH" => &mut line.content_length,
            b"SCRIPT_NAME" => &mut line.script_name,
            b"PATH_INFO" => &mut line.path_info,
            b"QUERY_STRING" => &mut line.query_string,
            _ => {
                typed.note(name, value);
                continue;
            }
        };
        match slot {
            Some(earlier) if *earlier != value => {
                return Err(RequestError::Conflicting(static_name(name)));
            }
            Some(_) => {}
            None => *slot = Some(value),
        }
    }
    if let Some(content_type) = line.content_type.filter(|v| !v.is_empty()) {
        let value = HeaderValue::from_maybe_shared(shared.slice(content_type))
            .map_err(|_| RequestError::BadHeaderValue("CONTENT_TYPE".to_owned()))?;
        headers.insert(CONTENT_TYPE, value);
    }
    if let Some(length) = line.content_length.filter(|v| *v != b"0") {
        // The reader checked it: digits without a leading zero.
        let value = HeaderValue::from_maybe_shared(shared.slice(length))
            .map_err(|_| RequestError::BadHeaderValue("CONTENT_LENGTH".to_owned()))?;
        headers.insert(CONTENT_LENGTH, value);
    }
    let (mut parts, ()) = Request::new(()).into_parts();
    parts.method = method(line.method)?;
    parts.uri = uri(&line, &shared)?;
    parts.version = version(line.protocol)?;
    parts.headers = headers;
    parts.extensions.insert(typed.environment(block.clone()));
    Ok(parts)
}

/// The variables that make the request line, as found.
#[derive(Default)]
struct RequestLine<'a> {
    method: Option<&'a [u8]>,
    uri: Option<&'a [u8]>,
    protocol: Option<&'a [u8]>,
    content_type: Option<&'a [u8]>,
    content_length: Option<&'a [u8]>,
    script_name: Option<&'a [u8]>,
    path_info: Option<&'a [u8]>,
    query_string: Option<&'a [u8]>,
}

fn static_name(name: &[u8]) -> &'static str {
    [
        "REQUEST_METHOD",
        "REQUEST_URI",
        "SERVER_PROTOCOL",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
    ]
    .into_iter()
    .find(|n| n.as_bytes() == name)
    .unwrap_or("a variable")
}

/// Slices of the environment's block, as slices of its `Bytes` copy (no copy).
struct Shared<'a> {
    block: &'a Bytes,
    base: &'a [u8],
}

impl Shared<'_> {
    fn slice(&self, part: &[u8]) -> Bytes {
        let start = (part.as_ptr() as usize).wrapping_sub(self.base.as_ptr() as usize);
        match start.checked_add(part.len()) {
            Some(end) if end <= self.block.len() && self.base.len() == self.block.len() => {
                self.block.slice(start..end)
            }
            // Not a slice of the block (cannot happen with an `Environment`'s values).
            _ => Bytes::copy_from_slice(part),
        }
    }
}

/// `X_FORWARDED_FOR` → `x-forwarded-for`.
fn header_name(cgi: &[u8]) -> Result<HeaderName, RequestError> {
    let bad = || RequestError::BadHeaderName(format!("HTTP_{}", String::from_utf8_lossy(cgi)));
    let mut stack = [0u8; 64];
    let mut heap = Vec::new();
    let name: &mut [u8] = match stack.get_mut(..cgi.len()) {
        Some(name) => name,
        None => {
            heap.resize(cgi.len(), 0);
            &mut heap
        }
    };
    for (out, &b) in name.iter_mut().zip(cgi) {
        *out = if b == b'_' {
            b'-'
        } else {
            b.to_ascii_lowercase()
        };
    }
    HeaderName::from_bytes(name).map_err(|_| bad())
}

fn method(value: Option<&[u8]>) -> Result<Method, RequestError> {
    let value = value.ok_or(RequestError::MissingMethod)?;
    Method::from_bytes(value).map_err(|_| RequestError::BadMethod)
}

fn version(value: Option<&[u8]>) -> Result<Version, RequestError> {
    Ok(match value {
        None => Version::HTTP_11,
        Some(b"HTTP/1.1") => Version::HTTP_11,
        Some(b"HTTP/1.0") => Version::HTTP_10,
        Some(b"HTTP/2.0" | b"HTTP/2") => Version::HTTP_2,
        Some(b"HTTP/3.0" | b"HTTP/3") => Version::HTTP_3,
        Some(b"HTTP/0.9") => Version::HTTP_09,
        Some(_) => return Err(RequestError::BadVersion),
    })
}

fn uri(line: &RequestLine<'_>, shared: &Shared<'_>) -> Result<Uri, RequestError> {
    if let Some(uri) = line.uri.filter(|u| !u.is_empty()) {
        return Uri::from_maybe_shared(shared.slice(uri)).map_err(|_| RequestError::BadUri);
    }
    let mut built = String::new();
    for part in [line.script_name, line.path_info].into_iter().flatten() {
        percent_encode_path(part, &mut built);
    }
    if built.is_empty() {
        built.push('/');
    }
    if let Some(query) = line.query_string.filter(|q| !q.is_empty()) {
        built.push('?');
        built.push_str(std::str::from_utf8(query).map_err(|_| RequestError::BadUri)?);
    }
    Uri::try_from(built).map_err(|_| RequestError::BadUri)
}

/// Appends a decoded path (`SCRIPT_NAME`, `PATH_INFO`), percent-encoding every byte that
/// is not allowed as is in a URI path (RFC 3986 `pchar` and `/`), `%` included.
fn percent_encode_path(path: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in path {
        let plain = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
            );
        if plain {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

mod names;
#[cfg(test)]
mod tests;
