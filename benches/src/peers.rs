//! The SCGI crates a user would pick instead, server side, reading from memory.
//!
//! Each reads the whole request (environment and `CONTENT_LENGTH` body bytes) the way its
//! documentation shows, with the least work it allows: no socket, no runtime where the
//! crate can be driven without one.

use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::Found;

/// `scgi` 0.3.4 wants a `Read + Write` stream: a slice that discards writes.
struct MemoryStream<'a>(&'a [u8]);

impl Read for MemoryStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for MemoryStream<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `scgi` 0.3.4: `read_headers` (the netstring) then `parse` (zero-copy `&str` pairs);
/// the crate leaves the body to the caller, who reads `CONTENT_LENGTH` bytes.
pub fn scgi(request: &[u8]) -> Found {
    let Ok((block, mut stream)) = scgi::read_headers(MemoryStream(request)) else {
        return Found::default();
    };
    let mut content_length = 0u64;
    let parsed = scgi::parse(&block, |name, value| {
        if name == "CONTENT_LENGTH" {
            content_length = value.parse().unwrap_or(0);
        }
    });
    if parsed.is_err() {
        return Found::default();
    }
    let mut body = vec![0u8; content_length as usize];
    if stream.read_exact(&mut body).is_err() {
        return Found::default();
    }
    Found {
        content_length,
        body: body.len(),
        end: true,
    }
}

/// The buffer tokio-scgi's codec decodes from, as a socket read would have filled it
/// (made outside the measurement).
pub fn tokio_scgi_buffer(request: &[u8]) -> bytes::BytesMut {
    bytes::BytesMut::from(request)
}

/// `tokio-scgi` 0.2.4: its `SCGICodec` (a tokio-util 0.6 `Decoder`) on the request's
/// bytes; the body is what follows the block, cut to `CONTENT_LENGTH` by the caller.
pub fn tokio_scgi(mut buffer: bytes::BytesMut) -> Found {
    use tokio_scgi::server::{SCGICodec, SCGIRequest};
    use tokio_util_06::codec::Decoder;
    match SCGICodec::new().decode(&mut buffer) {
        Ok(Some(SCGIRequest::Request(headers, body))) => {
            let content_length: u64 = headers
                .iter()
                .find(|(name, _)| name == "CONTENT_LENGTH")
                .and_then(|(_, value)| value.parse().ok())
                .unwrap_or(0);
            if (body.len() as u64) < content_length {
                return Found::default();
            }
            Found {
                content_length,
                body: content_length as usize,
                end: true,
            }
        }
        _ => Found::default(),
    }
}

/// Polls a future that never waits (it reads from memory) to its end.
fn complete<F: Future>(future: F) -> Option<F::Output> {
    match pin!(future)
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// `cegla-scgi` 0.2.3: `read_environment_netstring` over tokio's `AsyncBufRead` for a
/// slice, polled without a runtime (a slice never makes it wait); the body is the slice
/// that follows.
pub fn cegla_scgi(request: &[u8]) -> Found {
    let mut reader: &[u8] = request;
    let Some(Ok(env)) = complete(cegla_scgi::server::read_environment_netstring(&mut reader))
    else {
        return Found::default();
    };
    let content_length: u64 = env
        .iter()
        .find(|(name, _)| name.as_str() == "CONTENT_LENGTH")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    match reader.get(..content_length as usize) {
        Some(body) => Found {
            content_length,
            body: body.len(),
            end: true,
        },
        None => Found::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{http, inputs, limits, ours};

    /// Every implementation reads every input completely and agrees on the body.
    #[test]
    fn every_implementation_reads_every_input() {
        let all = inputs::all();
        let mut storage = vec![0u8; sioscgi::storage::len_for_any_block(65_536)];
        let mut headers = vec![httparse::EMPTY_HEADER; 2048];
        for input in &all {
            let want = Found {
                content_length: input.body_len as u64,
                body: input.body_len,
                end: true,
            };
            assert_eq!(
                ours::read_request(&mut storage, &input.scgi, usize::MAX),
                want
            );
            assert_eq!(ours::read_request(&mut storage, &input.scgi, 1), want);
            assert_eq!(ours::read_request(&mut storage, &input.scgi, 4096), want);
            let visited = ours::read_and_use(&mut storage, &input.scgi, ours::Use::VisitEveryPair);
            let unindexed =
                ours::read_and_use(&mut storage, &input.scgi, ours::Use::VisitUnindexed);
            assert_eq!(visited.0, want, "{}", input.name);
            assert_eq!(unindexed, visited, "unindexed on {}", input.name);
            assert!(visited.1 >= input.block().len() / 2, "{}", input.name);
            assert_eq!(scgi(&input.scgi), want, "scgi on {}", input.name);
            assert_eq!(
                tokio_scgi(tokio_scgi_buffer(&input.scgi)),
                want,
                "tokio-scgi on {}",
                input.name
            );
            assert_eq!(
                cegla_scgi(&input.scgi),
                want,
                "cegla-scgi on {}",
                input.name
            );
            let parsed = http::parse(&mut headers, &input.http);
            assert_eq!((parsed.body, parsed.end), (input.body_len, true));
            assert_eq!(limits::count_nuls(input.block()), 2 * input.pairs);
            assert_eq!(
                limits::copy(&mut storage, input.block()),
                input.block().len()
            );
        }
    }

    #[test]
    fn the_response_benchmarks_do_the_whole_job() {
        let response = ours::typical_response();
        let mut out = [0u8; 512];
        let n = ours::write_response_head(&mut out);
        assert!(response.starts_with(&out[..n]));
        assert!(out[..n].starts_with(b"Content-Type: text/html; charset=utf-8\r\nStatus: 200 OK"));
        let mut storage = [0u8; 1024];
        assert_eq!(
            ours::read_response(&mut storage, &response),
            (200, response.len() - n)
        );
    }
}
