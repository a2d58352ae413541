//! What `receive_data` was given, taken as the original takes it: any object whose truth
//! says "data" or "end of stream", whose body chunks are handed on as the original hands
//! them (the object itself when all of it is body, else a slice of it, of its own type),
//! and whose bytes are read without a copy when it is `bytes`.
//!
//! A `bytes` object is read where Python keeps it. Any other buffer (`bytearray`,
//! `memoryview`) cannot be read in place without `unsafe` (the package forbids it, and the
//! limited API has no buffer protocol before 3.11); in the body it need not be: the
//! reader only counts body bytes, so only the object's length is taken
//! ([`Feed::Unread`]). Before the body, its bytes are copied once (a request's first
//! chunk).

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PySlice};

use crate::parse::Feed;

/// A `receive_data` argument that is not the end of the stream.
pub(crate) struct Received<'py> {
    object: Bound<'py, PyAny>,
    /// The bytes the reader reads: the object itself if it is `bytes`, a copy of another
    /// buffer's bytes before the body; `None` in the body (only counted).
    bytes: Option<Bound<'py, PyBytes>>,
    /// Whether `object` is a `bytes` (or a subclass): its slices are then `bytes`.
    is_bytes: bool,
    len: usize,
}

impl<'py> Received<'py> {
    /// `None` if `object` is the end of the stream (any false value: `b""`, `None`, an
    /// empty `bytearray`, as the original's `if data:` has it).
    pub(crate) fn new(object: &Bound<'py, PyAny>, in_body: bool) -> PyResult<Option<Self>> {
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
        let (bytes, len) = if in_body {
            (None, object.len()?)
        } else {
            // `bytes(object)`: one copy, through the buffer protocol (its length in bytes:
            // a view of another format than bytes is taken byte by byte).
            let copy = object.py().get_type::<PyBytes>().call1((object,))?;
            let copy = copy.cast_into::<PyBytes>().map_err(PyErr::from)?;
            let len = copy.as_bytes().len();
            (Some(copy), len)
        };
        Ok(Some(Received {
            object: object.clone(),
            bytes,
            is_bytes: false,
            len,
        }))
    }

    /// How many bytes (items, for a `memoryview` of another format) were given.
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
