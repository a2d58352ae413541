//! A response head from Python values: the original's header handling (the first
//! `Content-Type` and `Location` are the head's, every one of them leaves the other
//! headers), the core's checks and encoding. The strings are read where Python keeps
//! them (no copy); the head keeps the Python objects it was given.

use pyo3::exceptions::PyAssertionError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use sioscgi::{Error, ResponseHead, Status};

/// A checked head: the given status and headers, and the bytes they encode to.
pub(crate) struct Head {
    pub(crate) status: Option<Py<PyString>>,
    pairs: Vec<(Py<PyString>, Py<PyString>)>,
    content_type: Option<usize>,
    location: Option<usize>,
    pub(crate) encoded: Py<PyBytes>,
}

/// Why a head is refused: the core's error, and for `HeaderHopByHop` the header's name.
pub(crate) struct Refusal {
    pub(crate) error: Error,
    pub(crate) name: Option<String>,
    /// For `HeaderHopByHop`: the name is on the original's own list.
    pub(crate) listed: bool,
    /// Whether `Location` was given (2.x words its `NonDocumentHeaders` by that).
    pub(crate) has_location: bool,
}

/// A text the core can check: the string's UTF-8, or, for a string that has none (lone
/// surrogates), a character ISO-8859-1 cannot encode (as the original finds it).
fn text<'a>(s: &'a Bound<'_, PyString>) -> &'a str {
    s.to_str().unwrap_or("\u{100}")
}

fn is(name: &str, wanted: &str) -> bool {
    name.eq_ignore_ascii_case(wanted)
}

impl Head {
    /// Checks and encodes `status` and `headers` (any iterable of `(name, value)` string
    /// pairs; a name or value that is not a `str` is refused as `wsgiref.headers.Headers`
    /// refuses it).
    ///
    /// The original's checks come in its order: a name or value that is not a `str`
    /// (`AssertionError`), hop-by-hop names, then the encoding of the other headers (a
    /// pair that is not a tuple fails there with `TypeError`, a character outside
    /// ISO-8859-1 with `HeaderNotISO88591Error`), of `Content-Type` and `Location`, and
    /// of the status (one that is not a `str` fails with `AttributeError`).
    pub(crate) fn new(
        status: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<Result<Head, Refusal>> {
        let py = headers.py();
        let (pairs, list_pair) = pairs(headers)?;
        let text_status = match status
            .cast_exact::<PyString>()
            .or_else(|_| status.cast::<PyString>())
        {
            Ok(s) => Some(Some(s.clone())),
            Err(_) if status.is_none() => Some(None),
            Err(_) => None,
        };
        if !list_pair && let Some(status) = text_status {
            return Ok(Self::check(py, status, pairs));
        }
        // A pair that is not a tuple, or a status that is not a string: checked here in
        // the original's order (the head is checked with a stand-in status first).
        let stand_in = PyString::new(py, "200 OK");
        let checked = Self::check(py, text_status.unwrap_or(Some(stand_in)), pairs);
        match checked {
            Err(refusal) if refusal.error == Error::HeaderHopByHop && refusal.listed => {
                return Ok(Err(refusal));
            }
            _ if list_pair => {
                return Err(pyo3::exceptions::PyTypeError::new_err(
                    "not enough arguments for format string",
                ));
            }
            Err(refusal) if refusal.error == Error::HeaderNotIso88591 => return Ok(Err(refusal)),
            _ => {}
        }
        status_argument(status)?;
        Ok(checked)
    }

    /// The same, from pairs already taken apart.
    pub(crate) fn check(
        py: Python<'_>,
        status: Option<Bound<'_, PyString>>,
        pairs: Pairs<'_>,
    ) -> Result<Head, Refusal> {
        // Room for the usual head's pairs without allocating (more go to the heap).
        let mut stack = [("", ""); 10];
        let heap: Vec<(&str, &str)>;
        let refs: &[(&str, &str)] = if pairs.len() <= stack.len() {
            for (slot, (n, v)) in stack.iter_mut().zip(&pairs) {
                *slot = (text(n), text(v));
            }
            stack.get(..pairs.len()).unwrap_or(&[])
        } else {
            heap = pairs.iter().map(|(n, v)| (text(n), text(v))).collect();
            &heap
        };
        let line = status.as_ref().map(|s| Status::Line(text(s)));
        let head = match ResponseHead::new(line, refs) {
            Ok(head) => head,
            Err(error) => return Err(refusal(py, error, &pairs, refs)),
        };
        // Encoded straight into the new bytes object (`encoded_len` is exact).
        let encoded = PyBytes::new_with(py, head.encoded_len(), |out| {
            head.encode(out)
                .map(drop)
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
        });
        let Ok(encoded) = encoded else {
            return Err(Refusal {
                error: Error::BufferTooSmall {
                    needed: head.encoded_len(),
                },
                name: None,
                listed: false,
                has_location: head.location().is_some(),
            });
        };
        // The pairs the head took its `Content-Type` and `Location` from: the values are
        // the pairs' own strings, found by where they are (no name compared again; a
        // string given as two values is one object, whichever pair is found).
        let position = |value: Option<&str>| {
            let value = value?;
            refs.iter().position(|(_, v)| {
                std::ptr::eq(v.as_ptr(), value.as_ptr()) && v.len() == value.len()
            })
        };
        let content_type = position(head.content_type());
        let location = position(head.location());
        Ok(Head {
            status: status.map(Bound::unbind),
            pairs: pairs
                .into_iter()
                .map(|(n, v)| (n.unbind(), v.unbind()))
                .collect(),
            content_type,
            location,
            encoded: encoded.unbind(),
        })
    }

    /// A head not made yet: what a subclass's object holds until its `__init__` calls
    /// ours (and what pickle's `cls.__new__(cls)` makes before setting the attributes).
    pub(crate) fn empty(py: Python<'_>) -> Head {
        Head {
            status: None,
            pairs: Vec::new(),
            content_type: None,
            location: None,
            encoded: PyBytes::new(py, b"").unbind(),
        }
    }

    /// The status line, or `None`.
    pub(crate) fn status(&self, py: Python<'_>) -> Py<PyAny> {
        self.status
            .as_ref()
            .map_or_else(|| py.None(), |s| s.clone_ref(py).into_any())
    }

    /// The `Content-Type` value, or `None`.
    pub(crate) fn content_type(&self, py: Python<'_>) -> Py<PyAny> {
        self.content_type
            .and_then(|i| self.pairs.get(i))
            .map_or_else(|| py.None(), |(_, v)| v.clone_ref(py).into_any())
    }

    /// The `Location` value, or `None`.
    pub(crate) fn location(&self, py: Python<'_>) -> Py<PyAny> {
        self.location
            .and_then(|i| self.pairs.get(i))
            .map_or_else(|| py.None(), |(_, v)| v.clone_ref(py).into_any())
    }

    /// The attributes of this head, to be changed.
    pub(crate) fn attributes(&self, py: Python<'_>) -> Attributes {
        Attributes {
            status: self.status(py),
            content_type: self.content_type(py),
            location: self.location(py),
            other_headers: None,
        }
    }

    /// The head made again from changed attributes (`other_headers` as they are now, or
    /// `head`'s if never handed out), checked by the same rules.
    pub(crate) fn from_attributes(
        py: Python<'_>,
        attributes: &Attributes,
        head: &Head,
    ) -> PyResult<Result<Head, Refusal>> {
        let status = status_argument(attributes.status.bind(py))?;
        let mut pairs = Vec::new();
        for (name, value) in [
            ("Content-Type", &attributes.content_type),
            ("Location", &attributes.location),
        ] {
            let value = value.bind(py);
            if !value.is_none() {
                pairs.push((PyString::new(py, name), string(value)?));
            }
        }
        match &attributes.other_headers {
            Some(others) => pairs.extend(items(others.bind(py))?),
            None => pairs.extend(head.others(py)),
        }
        Ok(Head::check(py, status, pairs))
    }

    /// The headers other than `Content-Type` and `Location`, in order.
    pub(crate) fn others<'py>(&self, py: Python<'py>) -> Pairs<'py> {
        self.pairs
            .iter()
            .filter(|(n, _)| {
                let n = n.bind(py);
                let name = text(n);
                !is(name, "Content-Type") && !is(name, "Location")
            })
            .map(|(n, v)| (n.bind(py).clone(), v.bind(py).clone()))
            .collect()
    }

    /// `wsgiref.headers.Headers` of the other headers.
    pub(crate) fn other_headers(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let list = PyList::empty(py);
        for pair in self.others(py) {
            list.append(pair)?;
        }
        Ok(py
            .import("wsgiref.headers")?
            .getattr("Headers")?
            .call1((list,))?
            .unbind())
    }
}

/// The refusal for the core's `error`, as the original would make it: the original
/// looks for hop-by-hop names first, with `wsgiref.util.is_hop_by_hop` (Python's
/// `str.lower()`, so `\u{212a}eep-Alive` is one), and names the first it finds among the
/// headers other than `Content-Type` and `Location`; only then does it check ISO-8859-1.
fn refusal(
    py: Python<'_>,
    error: Error,
    pairs: &[(Bound<'_, PyString>, Bound<'_, PyString>)],
    refs: &[(&str, &str)],
) -> Refusal {
    let mut refused = Refusal {
        error,
        name: None,
        listed: false,
        has_location: refs.iter().any(|(n, _)| is(n, "Location")),
    };
    if !matches!(error, Error::HeaderHopByHop | Error::HeaderNotIso88591) {
        return refused;
    }
    // Only on these two errors: the original's own test, through Python.
    let wsgiref = py
        .import("wsgiref.util")
        .and_then(|m| m.getattr("is_hop_by_hop"));
    let listed = pairs.iter().find_map(|(name, _)| {
        let lower = name.call_method0("lower").ok()?;
        let lower = lower.cast::<PyString>().ok()?.to_str().ok()?.to_owned();
        if lower == "content-type" || lower == "location" {
            return None;
        }
        let hop = wsgiref
            .as_ref()
            .ok()?
            .call1((name,))
            .ok()?
            .is_truthy()
            .ok()?;
        hop.then(|| name.to_string())
    });
    if let Some(name) = listed {
        refused.error = Error::HeaderHopByHop;
        refused.name = Some(name);
        refused.listed = true;
    } else if error == Error::HeaderHopByHop {
        // One of this crate's additions (`Trailer`, `Proxy-Connection`).
        refused.name = refs
            .iter()
            .find(|(n, _)| ResponseHead::is_hop_by_hop(n))
            .map(|(n, _)| (*n).to_owned());
    }
    refused
}

/// A head's attributes once changed (or handed out: `other_headers`), as the original
/// keeps them.
pub(crate) struct Attributes {
    pub(crate) status: Py<PyAny>,
    pub(crate) content_type: Py<PyAny>,
    pub(crate) location: Py<PyAny>,
    pub(crate) other_headers: Option<Py<PyAny>>,
}

/// A status argument: `None`, or a `str`; anything else fails where the original's
/// check fails on it (`status.encode(...)`).
pub(crate) fn status_argument<'py>(
    status: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyString>>> {
    if status.is_none() {
        return Ok(None);
    }
    match status.cast::<PyString>() {
        Ok(s) => Ok(Some(s.clone())),
        Err(_) => Err(pyo3::exceptions::PyAttributeError::new_err(format!(
            "'{}' object has no attribute 'encode'",
            status.get_type().name()?
        ))),
    }
}

/// A header name or value: a `str`, else the original's `AssertionError`.
#[inline]
pub(crate) fn string<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    // A `str` itself, told without a call; then its subclasses.
    if let Ok(s) = value.cast_exact::<PyString>() {
        return Ok(s.clone());
    }
    string_subclass(value)
}

/// [`string`] of anything but an exact `str`.
#[cold]
fn string_subclass<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.clone()),
        Err(_) => Err(PyAssertionError::new_err(format!(
            "Header names/values must be of type str (got {})",
            value.repr()?
        ))),
    }
}

/// Python's error for unpacking `len` values into `name, value`.
#[inline]
fn unpack(len: usize) -> PyResult<()> {
    if len == 2 { Ok(()) } else { unpack_error(len) }
}

/// [`unpack`]'s error.
#[cold]
fn unpack_error(len: usize) -> PyResult<()> {
    match len {
        0 | 1 => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "not enough values to unpack (expected 2, got {len})"
        ))),
        _ => Err(pyo3::exceptions::PyValueError::new_err(
            "too many values to unpack (expected 2)",
        )),
    }
}

/// The pairs of a `wsgiref.headers.Headers` (or any object with `items()`).
pub(crate) fn items<'py>(headers: &Bound<'py, PyAny>) -> PyResult<Pairs<'py>> {
    Ok(pairs(&headers.call_method0("items")?)?.0)
}

/// Header pairs taken apart: `(name, value)` strings.
type Pairs<'py> = Vec<(Bound<'py, PyString>, Bound<'py, PyString>)>;

/// `(name, value)` string pairs from any iterable of pairs (a list without iterating),
/// and whether a pair that is not a tuple stays among the other headers (the original
/// fails on it when it encodes them).
fn pairs<'py>(headers: &Bound<'py, PyAny>) -> PyResult<(Pairs<'py>, bool)> {
    let list: Bound<'py, PyList> = match headers.cast::<PyList>() {
        Ok(list) => list.clone(),
        Err(_) => PyList::new(
            headers.py(),
            headers.try_iter()?.collect::<PyResult<Vec<_>>>()?,
        )?,
    };
    let mut list_pair = false;
    let mut out = Vec::with_capacity(list.len());
    for item in list.iter() {
        // Any pair unpacks, as `for name, value in headers` does.
        // A tuple (the usual pair: its exact type, told without a call) is read in place.
        let tuple = match item.cast_exact::<PyTuple>() {
            Ok(tuple) => Ok(tuple),
            Err(_) => item.cast::<PyTuple>(),
        };
        let (name, value) = match tuple {
            Ok(tuple) => {
                unpack(tuple.len())?;
                let (name, value) = (tuple.get_borrowed_item(0)?, tuple.get_borrowed_item(1)?);
                out.push((string(&name)?, string(&value)?));
                continue;
            }
            Err(_) => {
                let parts = item.try_iter()?.collect::<PyResult<Vec<_>>>()?;
                unpack(parts.len())?;
                let mut parts = parts.into_iter();
                let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
                    return Err(unpack(0).unwrap_err());
                };
                let lower = string(&name)?.to_str().unwrap_or("").to_ascii_lowercase();
                list_pair |= lower != "content-type" && lower != "location";
                (name, value)
            }
        };
        out.push((string(&name)?, string(&value)?));
    }
    Ok((out, list_pair))
}
