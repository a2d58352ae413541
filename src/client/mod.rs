//! The client half: what a web server does in SCGI, sans-I/O and allocation-free.
//!
//! - [`RequestHead`] and [`RequestWriter`] encode a request: the environment as a
//!   netstring, then exactly `CONTENT_LENGTH` body bytes.
//! - [`ResponseReader`] reads the application's answer: CGI header lines (CRLF or bare LF),
//!   then the body until the connection closes.
//!
//! With it a Rust program can be the web-server side of SCGI (a gateway, a reverse proxy,
//! a test harness); `examples/scgi_request.rs` is a "curl for SCGI" built on it.
//!
//! ```
//! use sioscgi::client::{Event, RequestHead, RequestWriter, ResponseReader};
//!
//! // The request.
//! let env: [(&[u8], &[u8]); 2] = [(b"REQUEST_METHOD", b"POST"), (b"REQUEST_URI", b"/echo")];
//! let body = b"ping";
//! let head = RequestHead::new(&env, body.len() as u64)?;
//! let mut writer = RequestWriter::new();
//! let mut out = [0u8; 256];
//! let n = writer.send_head(&head, &mut out)?;
//! let mut wire = out[..n].to_vec();                   // send these bytes
//! wire.extend_from_slice(writer.send_body(body)?);    // then the body
//! writer.send_end()?;
//! # assert!(wire.starts_with(b"62:CONTENT_LENGTH\0"));
//!
//! // The answer, as it might arrive.
//! let mut storage = [0u8; 1024];
//! let mut reader = ResponseReader::new(&mut storage[..]);
//! let answer = b"Status: 200 OK\r\nContent-Type: text/plain\r\n\r\npong";
//! let (used, event) = reader.read(answer)?;
//! let Some(Event::Headers(headers)) = event else { unreachable!() };
//! assert_eq!(headers.status(), Some(200));
//! assert_eq!(headers.content_type(), Some(&b"text/plain"[..]));
//! assert_eq!(reader.read(&answer[used..])?.1, Some(Event::Body(b"pong")));
//! assert_eq!(reader.read_eof()?, Some(Event::End)); // the application closed
//! # Ok::<(), sioscgi::Error>(())
//! ```

mod request;
mod response;

pub use request::{RequestHead, RequestState, RequestWriter, STACK_NAMES, scratch_len};
pub use response::{
    DEFAULT_MAX_HEAD_LEN, Event, Headers, ResponseHeaders, ResponseReader, ResponseState,
};
