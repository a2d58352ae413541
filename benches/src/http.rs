//! httparse on the HTTP/1.1 form of the same request: the yardstick.

use crate::ours::Found;

/// Parses the request line and headers of `request` into `headers` (the caller's array,
/// reused between runs as an httparse user would); the body is the rest of the buffer.
/// Only the parse is measured: finding `Content-Length` among the headers is left out,
/// which favours httparse.
pub fn parse<'b>(headers: &mut [httparse::Header<'b>], request: &'b [u8]) -> Found {
    let mut req = httparse::Request::new(headers);
    match req.parse(request) {
        Ok(httparse::Status::Complete(offset)) => Found {
            content_length: 0,
            body: request.len() - offset,
            end: true,
        },
        _ => Found::default(),
    }
}

/// [`parse`], then a visit of every header (adding up the lengths of names and values),
/// as [`crate::ours::read_and_use`] visits every pair.
pub fn parse_and_visit<'b>(
    headers: &mut [httparse::Header<'b>],
    request: &'b [u8],
) -> (Found, usize) {
    let mut req = httparse::Request::new(headers);
    match req.parse(request) {
        Ok(httparse::Status::Complete(offset)) => {
            let visited = req
                .headers
                .iter()
                .map(|h| h.name.len() + h.value.len())
                .sum::<usize>()
                + req.method.map_or(0, str::len)
                + req.path.map_or(0, str::len);
            let found = Found {
                content_length: 0,
                body: request.len() - offset,
                end: true,
            };
            (found, visited)
        }
        _ => (Found::default(), 0),
    }
}
