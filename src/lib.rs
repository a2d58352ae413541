//! Sans-I/O SCGI for the application side: bytes in, events out; events in, bytes out.
//!
//! ```
//! use sioscgi::{Event, Output, Reader, ResponseEvent, ResponseHead, Status, Writer};
//!
//! // What nginx sends for `POST /submit` with a 5-byte body (netstring + body).
//! let request: &[u8] = b"64:CONTENT_LENGTH\x005\x00SCGI\x001\x00REQUEST_METHOD\x00POST\x00\
//!                        REQUEST_URI\x00/submit\x00,hello";
//!
//! // Receive: the header block goes into storage the caller owns (no allocation).
//! let mut storage = [0u8; 4096];
//! let mut reader = Reader::new(&mut storage[..]);
//! let mut input = request; // in a server: the bytes of one socket read
//! let mut body_len = 0;
//! loop {
//!     let (used, event) = reader.read(input)?;
//!     input = &input[used..];
//!     match event {
//!         Some(Event::Headers(env)) => assert_eq!(env.request_uri(), Some(&b"/submit"[..])),
//!         Some(Event::Body(chunk)) => body_len += chunk.len(), // a slice of `input`
//!         Some(Event::End) => break,
//!         None => unreachable!("the whole request was given"),
//!     }
//! }
//! assert_eq!(body_len, 5);
//! // The environment stays readable for the whole request.
//! assert_eq!(reader.environment().and_then(|e| e.request_method()), Some(&b"POST"[..]));
//!
//! // Send: the head is encoded into a caller buffer, the body passes through.
//! let mut writer = Writer::new();
//! let headers = [("Content-Type", "text/plain")];
//! let head = ResponseHead::new(Some(Status::Code(200)), &headers)?;
//! let mut out = [0u8; 256];
//! let n = writer.send_head(&head, &mut out)?;
//! assert_eq!(&out[..n], b"Content-Type: text/plain\r\nStatus: 200 OK\r\n\r\n");
//! assert_eq!(writer.send(ResponseEvent::Body(b"thanks"), &mut out)?, Output::Body(b"thanks"));
//! assert_eq!(writer.send(ResponseEvent::End, &mut out)?, Output::Close); // close the socket
//! # Ok::<(), sioscgi::Error>(())
//! ```
//!
//! # Layout
//!
//! - `wire` (private): the grammar, stateless `nom` parsers and encoders.
//! - [`Reader`] ([`reader`]): the request state machine
//!   `HeaderLength → Headers → Body → Done` (or the sticky `Error`), yielding
//!   [`Event::Headers`] (an [`Environment`]), [`Event::Body`] and [`Event::End`].
//! - [`Writer`] ([`writer`]): the response state machine `Headers → Body | NoBody → Done`,
//!   with a validated [`ResponseHead`].
//! - [`Connection`]: both halves under sioscgi's names.
//! - [`owned`] (feature `alloc`): buffering reader and owned events on the same state
//!   machine.
//! - [`client`]: the other side (what a web server does): a request writer and a
//!   response reader.
//!
//! Nothing panics on input, nothing allocates without `alloc`, and there is no `unsafe`.
//! The behaviour follows the Python library sioscgi, with the stricter rules listed in the
//! README.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo
    )
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

/// Whether this target is a microcontroller: of 32 bits or fewer, but not wasm32 or x86.
/// There the smaller code is chosen where a faster one would be larger (the NUL scan, the
/// reader's fast paths, the sort's small groups).
pub(crate) const MICROCONTROLLER: bool =
    usize::BITS < 64 && !cfg!(any(target_arch = "wasm32", target_arch = "x86"));

pub mod client;
mod config;
mod connection;
mod environment;
mod error;
#[cfg(feature = "embedded-io-v0.7")]
pub mod io;
pub mod reader;
mod response;
pub mod storage;
mod wire;
pub mod writer;

#[cfg(feature = "alloc")]
pub mod owned;

pub use config::{Config, DEFAULT_MAX_BLOCK_LEN};
pub use connection::{Connection, Received};
pub use environment::{Environment, GetAll, Iter};
pub use error::{Error, Origin};
pub use reader::{Event, Reader, RxState};
pub use response::{ResponseHead, ResponseKind, Status};
pub use storage::Storage;
pub use writer::{Output, ResponseEvent, TxState, Writer};

/// Not part of the API (no semver promise, after httparse's `_benchable`): what the
/// benchmarks need to build the worst case of the header block's index.
#[doc(hidden)]
pub mod _benchable {
    /// The probe window of the index's table: a name is stored at most this many slots
    /// from its home, or the index is sorted instead.
    pub const WINDOW: usize = crate::wire::index::table::WINDOW;

    /// The slots of the table of the index of a block of `pairs` pairs.
    pub const fn slots(pairs: usize) -> usize {
        crate::wire::index::table::SLOTS_PER_PAIR * pairs
    }

    /// The home slot of `name` in the table of the index of a block of `pairs` pairs
    /// (one of [`slots`]): names whose homes crowd one part of the table make it give up.
    pub fn home_slot(name: &[u8], pairs: usize) -> usize {
        crate::wire::index::table::home_of(name, pairs)
    }

    /// The constants the table's hash xors into the first and the last 8 bytes of a name
    /// of up to 16 bytes before multiplying them: a name whose words are these constants
    /// xor `a` and `b` hashes to `a * b ^ len` folded, so a peer can give names any home.
    pub const HASH_CONSTANTS: [u64; 2] = [
        crate::wire::name_hash::K_FIRST,
        crate::wire::name_hash::K_SECOND,
    ];

    /// The table's hash of `name`.
    pub fn hash(name: &[u8]) -> u64 {
        crate::wire::name_hash::hash(name)
    }

    /// The state the table's hash reaches after the 16-byte pieces of `prefix` (a
    /// multiple of 16 bytes, followed by at least 16 more in a name): the last 16 bytes
    /// then cancel it as [`HASH_CONSTANTS`] do.
    pub fn hash_state_after(prefix: &[u8]) -> u64 {
        crate::wire::name_hash::state_after(prefix)
    }
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
