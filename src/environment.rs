//! The request environment: a read-only view of a validated header block.

use core::fmt;

use crate::wire::index::{Find, Index, PairIter};

/// The CGI environment of a request, borrowed from the reader's storage.
///
/// It is only ever built from a block that passed validation, so nothing here can fail:
/// names are non-empty, `SCGI` is `1`, `CONTENT_LENGTH` is a valid number and, unless
/// [`Config::allow_repeated_names`](crate::Config::allow_repeated_names) is on, every name
/// is unique. Names and values are bytes (web servers forward request headers as they
/// came); the `*_str` helpers give `&str` where the bytes are UTF-8.
///
/// Validation indexed the block (in the reader's storage, after it): [`Environment::iter`]
/// and [`Environment::len`] never search the block again, and [`Environment::get`] is a
/// hash-table lookup of a few probes (at most 20 slots), or a binary search when a peer's
/// names crowd the table, and on 32-bit targets.
///
/// ```
/// # use sioscgi::{Reader, Event};
/// let request = b"62:CONTENT_LENGTH\x000\x00SCGI\x001\x00REQUEST_METHOD\x00GET\x00REQUEST_URI\x00/a?b=c\x00,";
/// let mut storage = [0u8; 256];
/// let mut reader = Reader::new(&mut storage[..]);
/// let (_, event) = reader.read(request)?;
/// let Some(Event::Headers(env)) = event else { unreachable!() };
/// assert_eq!(env.request_method(), Some(&b"GET"[..]));
/// assert_eq!(env.get_str("REQUEST_URI"), Some("/a?b=c"));
/// assert_eq!(env.content_length(), 0);
/// assert_eq!(env.iter().count(), 4);
/// # Ok::<(), sioscgi::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Environment<'a> {
    index: Index<'a>,
    content_length: u64,
}

/// Two environments are equal when their blocks are: the same pairs in the same order
/// (however each was indexed: with a table, sorted, or not at all).
impl PartialEq for Environment<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes() && self.content_length == other.content_length
    }
}

impl Eq for Environment<'_> {}

#[cfg(feature = "embedded-io-v0.7")]
impl Environment<'static> {
    /// No pairs (only for places that cannot fail, never handed out for a request).
    pub(crate) const EMPTY: Self = Environment {
        index: Index::EMPTY,
        content_length: 0,
    };
}

impl<'a> Environment<'a> {
    /// Wraps a validated block's index.
    pub(crate) const fn new(index: Index<'a>, content_length: u64) -> Self {
        Environment {
            index,
            content_length,
        }
    }

    /// The index (to copy it).
    #[cfg(feature = "alloc")]
    pub(crate) const fn index(&self) -> &Index<'a> {
        &self.index
    }

    /// The pairs `(name, value)` in wire order, repeated names included.
    pub fn iter(&self) -> Iter<'a> {
        Iter {
            pairs: self.index.pairs().iter(),
        }
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.index.pairs().len()
    }

    /// `true` if there are no pairs (never the case for a validated request, which has at
    /// least `SCGI` and `CONTENT_LENGTH`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of the first pair named `name` (names are case-sensitive).
    #[inline]
    pub fn get(&self, name: impl AsRef<[u8]>) -> Option<&'a [u8]> {
        self.index.get(name.as_ref())
    }

    /// The value of `name` as `&str`, if present and valid UTF-8.
    pub fn get_str(&self, name: impl AsRef<[u8]>) -> Option<&'a str> {
        self.get(name).and_then(|v| core::str::from_utf8(v).ok())
    }

    /// Every value of `name`, in wire order (more than one only with
    /// [`Config::allow_repeated_names`](crate::Config::allow_repeated_names)).
    pub fn get_all<'n>(&self, name: &'n [u8]) -> GetAll<'a, 'n> {
        GetAll {
            environment: *self,
            find: self.index.find(name),
        }
    }

    /// The length of the request body, from `CONTENT_LENGTH`.
    pub fn content_length(&self) -> u64 {
        self.content_length
    }

    /// The raw header block: `NAME\0VALUE\0...` exactly as received.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.index.pairs().block()
    }
}

macro_rules! meta_variables {
    ($($(#[$doc:meta])* $method:ident => $name:literal;)*) => {
        impl<'a> Environment<'a> {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\nThe value of `", $name, "`, if the web server sent it.")]
                pub fn $method(&self) -> Option<&'a [u8]> {
                    self.get($name)
                }
            )*
        }
    };
}

meta_variables! {
    /// The HTTP method (`GET`, `POST`, ...).
    request_method => "REQUEST_METHOD";
    /// The request target as the client sent it, with the query string.
    request_uri => "REQUEST_URI";
    /// The request path without the query string (nginx, lighttpd).
    document_uri => "DOCUMENT_URI";
    /// The part of the URL after `?`.
    query_string => "QUERY_STRING";
    /// The path below the script (RFC 3875 §4.1.5).
    path_info => "PATH_INFO";
    /// `PATH_INFO` mapped to the file system (RFC 3875 §4.1.6).
    path_translated => "PATH_TRANSLATED";
    /// The path of the script (RFC 3875 §4.1.13).
    script_name => "SCRIPT_NAME";
    /// The media type of the request body (RFC 3875 §4.1.3).
    content_type => "CONTENT_TYPE";
    /// The server's host name (RFC 3875 §4.1.14).
    server_name => "SERVER_NAME";
    /// The server's port (RFC 3875 §4.1.15).
    server_port => "SERVER_PORT";
    /// The protocol of the request, e.g. `HTTP/1.1` (RFC 3875 §4.1.16).
    server_protocol => "SERVER_PROTOCOL";
    /// The web server's name and version (RFC 3875 §4.1.17).
    server_software => "SERVER_SOFTWARE";
    /// `CGI/1.1` (RFC 3875 §4.1.4).
    gateway_interface => "GATEWAY_INTERFACE";
    /// The client's address (RFC 3875 §4.1.8).
    remote_addr => "REMOTE_ADDR";
    /// The client's port.
    remote_port => "REMOTE_PORT";
    /// The client's host name (RFC 3875 §4.1.9).
    remote_host => "REMOTE_HOST";
    /// The authenticated user (RFC 3875 §4.1.11).
    remote_user => "REMOTE_USER";
    /// The authentication scheme (RFC 3875 §4.1.1).
    auth_type => "AUTH_TYPE";
    /// `on` when the client used TLS (a web-server extension).
    https => "HTTPS";
    /// The `Host` request header.
    http_host => "HTTP_HOST";
}

impl fmt::Debug for Environment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Text<'a>(&'a [u8]);
        impl fmt::Debug for Text<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"")?;
                for chunk in self.0.utf8_chunks() {
                    for c in chunk.valid().chars() {
                        fmt::Display::fmt(&c.escape_debug(), f)?;
                    }
                    for b in chunk.invalid() {
                        write!(f, "\\x{b:02x}")?;
                    }
                }
                f.write_str("\"")
            }
        }
        f.debug_map()
            .entries(self.iter().map(|(n, v)| (Text(n), Text(v))))
            .finish()
    }
}

/// The pairs as text (`NAME="value"`), bytes outside ASCII escaped.
#[cfg(feature = "defmt")]
impl defmt::Format for Environment<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Environment {{");
        for (name, value) in self.iter() {
            defmt::write!(f, " {=[u8]:a}={=[u8]:a}", name, value);
        }
        defmt::write!(f, " }}");
    }
}

impl<'a> IntoIterator for Environment<'a> {
    type Item = (&'a [u8], &'a [u8]);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The pairs of an [`Environment`], in wire order (from the index: no search).
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    pairs: PairIter<'a>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.pairs.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.pairs.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl core::iter::FusedIterator for Iter<'_> {}

#[cfg(feature = "defmt")]
impl defmt::Format for Iter<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Iter({=usize} pairs left)", self.pairs.len());
    }
}

/// The values of one name, from [`Environment::get_all`].
#[derive(Clone, Debug)]
pub struct GetAll<'a, 'n> {
    environment: Environment<'a>,
    find: Find<'a, 'n>,
}

#[cfg(feature = "defmt")]
impl defmt::Format for GetAll<'_, '_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "GetAll({=[u8]})", self.find.name());
    }
}

impl<'a> Iterator for GetAll<'a, '_> {
    type Item = &'a [u8];
    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let pair = self.find.next()?;
        Some(self.environment.index.pairs().value(pair))
    }
}

impl core::iter::FusedIterator for GetAll<'_, '_> {}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::wire::environment::{Checked, Rules, validate};
    use crate::wire::index::WORDS_PER_PAIR;
    use std::{format, vec, vec::Vec};

    const BLOCK: &[u8] = b"CONTENT_LENGTH\x005\x00SCGI\x001\x00HTTP_COOKIE\x00a\x00HTTP_COOKIE\x00b\x00X\x00\xff\x00";

    /// Calls `f` with the environment of `block` (a valid block, repeated names allowed).
    fn with_environment(block: &[u8], f: impl FnOnce(Environment<'_>)) {
        let pairs = block.iter().filter(|&&b| b == 0).count() / 2;
        let mut room = vec![0u32; pairs * WORDS_PER_PAIR];
        let rules = Rules {
            allow_repeated_names: true,
            require_content_length_first: false,
            index_names: true,
        };
        let Ok(Checked::Valid {
            content_length,
            shape,
        }) = validate(block, &mut room, rules)
        else {
            panic!("a valid block");
        };
        f(Environment::new(
            Index::new(block, &room, shape),
            content_length,
        ));
    }

    #[test]
    fn lookups() {
        with_environment(BLOCK, |env| {
            assert_eq!(env.len(), 5);
            assert!(!env.is_empty());
            assert_eq!(env.get("HTTP_COOKIE"), Some(&b"a"[..]));
            assert_eq!(
                env.get_all(b"HTTP_COOKIE").collect::<Vec<_>>(),
                [&b"a"[..], b"b"]
            );
            assert_eq!(env.get_all(b"NONE").count(), 0);
            assert_eq!(env.get("http_cookie"), None);
            assert_eq!(env.get_str("X"), None);
            assert_eq!(env.get("X"), Some(&b"\xff"[..]));
            assert_eq!(env.content_length(), 5);
            assert_eq!(env.request_method(), None);
            assert_eq!(env.as_bytes(), BLOCK);
            let mut iter = env.into_iter();
            assert_eq!(iter.len(), 5);
            assert_eq!(iter.next(), Some((&b"CONTENT_LENGTH"[..], &b"5"[..])));
            assert_eq!(iter.len(), 4);
            assert_eq!(iter.last(), Some((&b"X"[..], &b"\xff"[..])));
        });
    }

    #[test]
    fn debug_shows_bytes() {
        with_environment(
            b"CONTENT_LENGTH\x000\x00SCGI\x001\x00A\x00\xff\"\x00",
            |env| {
                assert_eq!(
                    format!("{env:?}"),
                    r#"{"CONTENT_LENGTH": "0", "SCGI": "1", "A": "\xff\""}"#
                );
            },
        );
    }
}
