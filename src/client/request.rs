//! The request writer: what a web server sends to an SCGI application.

use crate::Error;
use crate::wire::duplicates::{self, has_repeat};
use crate::wire::environment::{CONTENT_LENGTH, SCGI, parse_content_length};

/// The decimal digits of a `u64`, without allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    fn new(mut value: u64) -> Self {
        let mut digits = [b'0'; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            if let Some(d) = digits.get_mut(start) {
                *d = b'0' + (value % 10) as u8;
            }
            value /= 10;
            if value == 0 || start == 0 {
                break;
            }
        }
        Decimal { digits, start }
    }

    fn as_bytes(&self) -> &[u8] {
        self.digits.get(self.start..).unwrap_or(&[])
    }
}

/// A checked SCGI request head: the netstring of the environment.
///
/// The block is written as the spec wants it: `CONTENT_LENGTH` first (from the body
/// length), then `SCGI=1` unless the caller gave `SCGI` itself, then the caller's
/// variables in their order. A `CONTENT_LENGTH` in the caller's list is allowed if it
/// equals the body length (it is written once, first).
///
/// ```
/// use sioscgi::client::RequestHead;
/// let env: [(&[u8], &[u8]); 2] = [(b"REQUEST_METHOD", b"POST"), (b"REQUEST_URI", b"/x")];
/// let head = RequestHead::new(&env, 5)?;
/// let mut out = [0u8; 128];
/// let n = head.encode(&mut out)?;
/// assert_eq!(
///     &out[..n],
///     b"59:CONTENT_LENGTH\x005\x00SCGI\x001\x00REQUEST_METHOD\x00POST\x00REQUEST_URI\x00/x\x00,"
/// );
/// # Ok::<(), sioscgi::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RequestHead<'a> {
    env: &'a [(&'a [u8], &'a [u8])],
    content_length: u64,
    length: Decimal,
    add_scgi: bool,
    block_len: usize,
}

/// The most variables [`RequestHead::new`] checks for repeated names with the stack alone
/// (2 KiB of it); more need [`RequestHead::with_scratch`].
pub const STACK_NAMES: usize = duplicates::STACK_NAMES;

/// The scratch [`RequestHead::with_scratch`] needs for `names` variables: 16 bytes each.
pub const fn scratch_len(names: usize) -> usize {
    names.saturating_mul(duplicates::SCRATCH_PER_NAME)
}

impl<'a> RequestHead<'a> {
    /// Checks `env` for a request whose body has `content_length` bytes.
    ///
    /// The check for repeated names takes time linear in the names' bytes whatever they
    /// are (a gateway forwards names from the internet), in 2 KiB of stack for up to
    /// [`STACK_NAMES`] (256) variables; for more, use [`RequestHead::with_scratch`].
    ///
    /// # Errors
    /// For the first offending pair in order: [`Error::RequestNameEmpty`],
    /// [`Error::RequestNulByte`], [`Error::RequestBadScgiVersion`] (`SCGI` not `1`),
    /// [`Error::RequestContentLengthMismatch`]; then [`Error::BufferTooSmall`] if `env`
    /// has more than [`STACK_NAMES`] variables (`needed`: the scratch
    /// [`RequestHead::with_scratch`] needs), then [`Error::RequestDuplicateName`] if a
    /// name is repeated.
    pub fn new(env: &'a [(&'a [u8], &'a [u8])], content_length: u64) -> Result<Self, Error> {
        Self::checked(env, content_length, None)
    }

    /// [`RequestHead::new`] for any number of variables, with `scratch` for the check of
    /// repeated names: [`scratch_len`]`(env.len())` bytes (16 a variable), whose contents
    /// do not matter and are overwritten.
    ///
    /// ```
    /// use sioscgi::client::{RequestHead, scratch_len};
    /// let names: Vec<String> = (0..1000).map(|i| format!("HTTP_X_{i}")).collect();
    /// let env: Vec<(&[u8], &[u8])> = names.iter().map(|n| (n.as_bytes(), &b"v"[..])).collect();
    /// assert!(RequestHead::new(&env, 0).is_err()); // more than 256 variables
    /// let mut scratch = vec![0u8; scratch_len(env.len())];
    /// let head = RequestHead::with_scratch(&env, 0, &mut scratch)?;
    /// assert_eq!(head.content_length(), 0);
    /// # Ok::<(), sioscgi::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`RequestHead::new`]; [`Error::BufferTooSmall`] if `scratch` is too short.
    pub fn with_scratch(
        env: &'a [(&'a [u8], &'a [u8])],
        content_length: u64,
        scratch: &mut [u8],
    ) -> Result<Self, Error> {
        Self::checked(env, content_length, Some(scratch))
    }

    /// The checks of [`RequestHead::new`], with or without scratch.
    fn checked(
        env: &'a [(&'a [u8], &'a [u8])],
        content_length: u64,
        scratch: Option<&mut [u8]>,
    ) -> Result<Self, Error> {
        let length = Decimal::new(content_length);
        let mut add_scgi = true;
        let mut block_len = CONTENT_LENGTH.len() + length.as_bytes().len() + 2;
        for (name, value) in env {
            if name.is_empty() {
                return Err(Error::RequestNameEmpty);
            }
            if name.contains(&0) || value.contains(&0) {
                return Err(Error::RequestNulByte);
            }
            if *name == SCGI {
                if *value != b"1" {
                    return Err(Error::RequestBadScgiVersion);
                }
                add_scgi = false;
            }
            if *name == CONTENT_LENGTH {
                if parse_content_length(value) != Ok(content_length) {
                    return Err(Error::RequestContentLengthMismatch);
                }
                continue; // written first, from `content_length`
            }
            block_len += name.len() + value.len() + 2;
        }
        match has_repeat(env, scratch) {
            Ok(false) => {}
            Ok(true) => return Err(Error::RequestDuplicateName),
            Err(needed) => return Err(Error::BufferTooSmall { needed }),
        }
        if add_scgi {
            block_len += SCGI.len() + 3;
        }
        Ok(RequestHead {
            env,
            content_length,
            length,
            add_scgi,
            block_len,
        })
    }

    /// The announced body length.
    pub fn content_length(&self) -> u64 {
        self.content_length
    }

    /// The exact number of bytes [`RequestHead::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        Decimal::new(self.block_len as u64).as_bytes().len() + 1 + self.block_len + 1
    }

    /// Writes the netstring into `out` and returns its length.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] if `out` is shorter than [`RequestHead::encoded_len`];
    /// nothing is written then.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
        let needed = self.encoded_len();
        let Some(out) = out.get_mut(..needed) else {
            return Err(Error::BufferTooSmall { needed });
        };
        let mut cursor = Cursor { out, pos: 0 };
        cursor.put(Decimal::new(self.block_len as u64).as_bytes());
        cursor.put(b":");
        cursor.pair(CONTENT_LENGTH, self.length.as_bytes());
        if self.add_scgi {
            cursor.pair(SCGI, b"1");
        }
        for (name, value) in self.env.iter().filter(|(name, _)| *name != CONTENT_LENGTH) {
            cursor.pair(name, value);
        }
        cursor.put(b",");
        Ok(cursor.pos)
    }

    /// The encoded netstring as a `Vec` (feature `alloc`).
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec![0; self.encoded_len()];
        let n = self.encode(&mut out).unwrap_or(0);
        out.truncate(n);
        out
    }
}

/// Copies into a buffer whose size was checked beforehand.
struct Cursor<'o> {
    out: &'o mut [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.out.get_mut(self.pos..self.pos + bytes.len()) {
            dst.copy_from_slice(bytes);
            self.pos += bytes.len();
        }
    }

    fn pair(&mut self, name: &[u8], value: &[u8]) {
        self.put(name);
        self.put(b"\0");
        self.put(value);
        self.put(b"\0");
    }
}

/// Where the request writer is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RequestState {
    /// The head must be sent first.
    #[default]
    Head,
    /// Body bytes are due (possibly none).
    Body,
    /// The whole request was sent.
    Done,
}

/// The request writer: a head, then exactly `CONTENT_LENGTH` body bytes.
///
/// ```
/// use sioscgi::client::{RequestHead, RequestWriter};
/// use sioscgi::Error;
/// let env: [(&[u8], &[u8]); 1] = [(b"REQUEST_METHOD", b"PUT")];
/// let head = RequestHead::new(&env, 4)?;
/// let mut writer = RequestWriter::new();
/// let mut out = [0u8; 64];
/// let n = writer.send_head(&head, &mut out)?;
/// assert_eq!(writer.send_body(b"abc")?, b"abc");
/// assert_eq!(writer.send_body(b"de"), Err(Error::BodyTooLong));
/// assert_eq!(writer.send_end(), Err(Error::BodyTooShort));
/// assert_eq!(writer.send_body(b"d")?, b"d");
/// writer.send_end()?;
/// # let _ = n;
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RequestWriter {
    state: RequestState,
    remaining: u64,
}

impl RequestWriter {
    /// A writer at the start of a request.
    pub const fn new() -> Self {
        RequestWriter {
            state: RequestState::Head,
            remaining: 0,
        }
    }

    /// The current state.
    pub fn state(&self) -> RequestState {
        self.state
    }

    /// Body bytes still due.
    pub fn body_remaining(&self) -> u64 {
        self.remaining
    }

    /// Encodes the head into `out` and returns its length.
    ///
    /// # Errors
    /// [`Error::BadEventInState`] after the head; [`Error::BufferTooSmall`]. The state does
    /// not change on an error.
    pub fn send_head(&mut self, head: &RequestHead<'_>, out: &mut [u8]) -> Result<usize, Error> {
        if self.state != RequestState::Head {
            return Err(Error::BadEventInState);
        }
        let n = head.encode(out)?;
        self.state = RequestState::Body;
        self.remaining = head.content_length();
        Ok(n)
    }

    /// Checks a body chunk and hands it back untouched.
    ///
    /// # Errors
    /// [`Error::BadEventInState`] before the head or after the end; [`Error::BodyTooLong`]
    /// if the chunk goes past `CONTENT_LENGTH` (nothing of it counts then).
    pub fn send_body<'b>(&mut self, data: &'b [u8]) -> Result<&'b [u8], Error> {
        if self.state != RequestState::Body {
            return Err(Error::BadEventInState);
        }
        let len = data.len() as u64;
        if len > self.remaining {
            return Err(Error::BodyTooLong);
        }
        self.remaining -= len;
        Ok(data)
    }

    /// Ends the request; the caller then reads the response (and may shut down its
    /// sending side).
    ///
    /// # Errors
    /// [`Error::BadEventInState`] before the head or after the end; [`Error::BodyTooShort`]
    /// while body bytes are due.
    pub fn send_end(&mut self) -> Result<(), Error> {
        match self.state {
            RequestState::Body if self.remaining > 0 => Err(Error::BodyTooShort),
            RequestState::Body => {
                self.state = RequestState::Done;
                Ok(())
            }
            _ => Err(Error::BadEventInState),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(env: &[(&[u8], &[u8])], len: u64) -> Result<([u8; 256], usize), Error> {
        let head = RequestHead::new(env, len)?;
        let mut out = [0u8; 256];
        let n = head.encode(&mut out)?;
        assert_eq!(n, head.encoded_len());
        Ok((out, n))
    }

    #[test]
    fn content_length_first_and_scgi_added() {
        let (out, n) = encode(&[(b"A", b"1")], 0).unwrap();
        assert_eq!(
            &out[..n],
            b"28:CONTENT_LENGTH\x000\x00SCGI\x001\x00A\x001\x00,"
        );
        // SCGI and CONTENT_LENGTH given by the caller.
        let env: [(&[u8], &[u8]); 3] = [(b"A", b"1"), (b"SCGI", b"1"), (b"CONTENT_LENGTH", b"007")];
        let (out, n) = encode(&env, 7).unwrap();
        assert_eq!(
            &out[..n],
            b"28:CONTENT_LENGTH\x007\x00A\x001\x00SCGI\x001\x00,"
        );
        let (out, n) = encode(&[], u64::MAX).unwrap();
        assert_eq!(
            &out[..n],
            b"43:CONTENT_LENGTH\x0018446744073709551615\x00SCGI\x001\x00,"
        );
    }

    #[test]
    fn refusals() {
        let e = |env: &[(&[u8], &[u8])]| RequestHead::new(env, 3).err();
        assert_eq!(e(&[(b"", b"x")]), Some(Error::RequestNameEmpty));
        assert_eq!(e(&[(b"A\0", b"x")]), Some(Error::RequestNulByte));
        assert_eq!(e(&[(b"A", b"x\0")]), Some(Error::RequestNulByte));
        assert_eq!(e(&[(b"SCGI", b"2")]), Some(Error::RequestBadScgiVersion));
        assert_eq!(
            e(&[(b"CONTENT_LENGTH", b"4")]),
            Some(Error::RequestContentLengthMismatch)
        );
        assert_eq!(
            e(&[(b"CONTENT_LENGTH", b"+3")]),
            Some(Error::RequestContentLengthMismatch)
        );
        assert_eq!(
            e(&[(b"A", b"1"), (b"B", b""), (b"A", b"2")]),
            Some(Error::RequestDuplicateName)
        );
        assert_eq!(
            e(&[(b"A", b"1"), (b"A", b"2"), (b"", b"")]),
            Some(Error::RequestNameEmpty)
        );
    }

    #[test]
    fn short_buffer() {
        let head = RequestHead::new(&[], 0).unwrap();
        let mut out = [0u8; 10];
        assert_eq!(
            head.encode(&mut out),
            Err(Error::BufferTooSmall {
                needed: head.encoded_len()
            })
        );
        assert_eq!(out, [0; 10]);
    }

    #[test]
    fn writer_states() {
        let head = RequestHead::new(&[], 2).unwrap();
        let mut w = RequestWriter::new();
        let mut out = [0u8; 64];
        assert_eq!(w.send_body(b"x"), Err(Error::BadEventInState));
        assert_eq!(w.send_end(), Err(Error::BadEventInState));
        assert!(w.send_head(&head, &mut out).is_ok());
        assert_eq!(w.send_head(&head, &mut out), Err(Error::BadEventInState));
        assert_eq!(w.body_remaining(), 2);
        assert_eq!(w.send_body(b""), Ok(&b""[..]));
        assert_eq!(w.send_body(b"xy"), Ok(&b"xy"[..]));
        assert_eq!(w.send_body(b"z"), Err(Error::BodyTooLong));
        assert_eq!(w.send_end(), Ok(()));
        assert_eq!(w.state(), RequestState::Done);
        assert_eq!(w.send_end(), Err(Error::BadEventInState));
    }

    #[test]
    fn decimals() {
        for v in [0u64, 7, 10, 99, 100, 12345, u64::MAX] {
            let d = Decimal::new(v);
            let text = core::str::from_utf8(d.as_bytes()).unwrap();
            assert_eq!(text.parse::<u64>().unwrap(), v);
        }
    }
}
