//! What `receive_data` was given, taken as the original takes it: any object whose truth
//! says "data" or "end of stream", whose body chunks are handed on as the original hands
//! them (the object itself when all of it is body, else a slice of it, of its own type),
//! and whose bytes are read without a copy when it is `bytes`.
//!
//! A `bytes` object is read where Python keeps it. Any other buffer (`bytearray`,
//! `memoryview`) cannot be read in place without `unsafe` (the package forbids it, and the
//! limited API has no buffer protocol before 3.11); in the body it need not be: the
//! reader only counts body bytes, so only the object's length is taken
//! ([`Feed::Unread`]); after the request (or a failure) nothing is read either. Before
//! the body, the bytes of a buffer are copied once (a request's first chunk), through
//! the buffer protocol: an object that is not a buffer fails as in the original, where
//! its `len()` or its use as bytes fails.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PySlice};

use sioscgi::RxState;

use crate::parse::Feed;

/// Whether the reader in `state` reads the bytes it is given (the length prefix and the
/// environment); in the body, after the request and after a failure it only counts them.
pub(crate) fn is_head(state: RxState) -> bool {
    matches!(state, RxState::HeaderLength | RxState::Headers)
}

/// A `receive_data` argument that is not the end of the stream.
pub(crate) struct Received<'py> {
    object: Bound<'py, PyAny>,
    /// The bytes the reader reads: the object itself if it is `bytes`, a copy of another
    /// buffer's bytes before the body; `None` in the body (only counted).
    bytes: Option<Bound<'py, PyBytes>>,
    /// Whether body chunks are sliced from `bytes` (the object is `bytes`, or a view whose
    /// items are not bytes, sliced from its copy): they are then `bytes`.
    is_bytes: bool,
    len: usize,
}

impl<'py> Received<'py> {
    /// `None` if `object` is the end of the stream (any false value: `b""`, `None`, an
    /// empty `bytearray`, as the original's `if data:` has it). `counted`: the reader
    /// only counts the bytes (see [`is_head`]).
    pub(crate) fn new(object: &Bound<'py, PyAny>, counted: bool) -> PyResult<Option<Self>> {
        if let Ok(bytes) = object.cast::<PyBytes>() {
            let len = bytes.as_bytes().len();
            return Ok((len > 0).then(|| Received {
                object: object.clone(),
                bytes: Some(bytes.clone()),
                is_bytes: true,
                len,
            }));
        }
        if !object.is_truthy()? {
            return Ok(None);
        }
        // `len()` first: what the original takes the length of (an `int` fails here).
        let len = object.len()?;
        let (bytes, sliced) = if counted {
            (None, false)
        } else {
            // One copy, through the buffer protocol. A view whose items are not bytes (or
            // of more than one dimension) has another length in bytes than in items: its
            // body is then sliced from the copy, in bytes.
            let view = pyo3::types::PyMemoryView::from(object)?;
            let copy = view.call_method0(pyo3::intern!(object.py(), "tobytes"))?;
            let copy = copy.cast_into::<PyBytes>().map_err(PyErr::from)?;
            let from_copy = copy.as_bytes().len() != len;
            (Some(copy), from_copy)
        };
        let len = match (&bytes, sliced) {
            (Some(copy), true) => copy.as_bytes().len(),
            _ => len,
        };
        Ok(Some(Received {
            object: object.clone(),
            bytes,
            is_bytes: sliced,
            len,
        }))
    }

    /// How many bytes were given (items, for a view of another format in the body, as
    /// the original counts them).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// What the reader is fed.
    pub(crate) fn feed(&self) -> Feed<'_> {
        match &self.bytes {
            Some(bytes) => Feed::Bytes(bytes.as_bytes()),
            None => Feed::Unread(self.len),
        }
    }

    /// The body chunk at `start..end` of what was given: the object itself if that is
    /// all of it, else `object[start:end]` (`bytes` for `bytes`).
    pub(crate) fn chunk(&self, start: usize, end: usize) -> PyResult<Bound<'py, PyAny>> {
        if start == 0 && end == self.len {
            return Ok(self.object.clone());
        }
        if self.is_bytes
            && let Some(bytes) = &self.bytes
            && let Some(part) = bytes.as_bytes().get(start..end)
        {
            return Ok(PyBytes::new(self.object.py(), part).into_any());
        }
        let slice = PySlice::new(
            self.object.py(),
            isize::try_from(start).unwrap_or(isize::MAX),
            isize::try_from(end).unwrap_or(isize::MAX),
            1,
        );
        self.object.get_item(slice)
    }
}
