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
    pub(crate) fn new(
        status: Option<Bound<'_, PyString>>,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<Result<Head, Refusal>> {
        Ok(Self::check(headers.py(), status, pairs(headers)?))
    }

    /// The same, from pairs already taken apart.
    pub(crate) fn check(
        py: Python<'_>,
        status: Option<Bound<'_, PyString>>,
        pairs: Vec<(Bound<'_, PyString>, Bound<'_, PyString>)>,
    ) -> Result<Head, Refusal> {
        let mut stack = [("", ""); 16];
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
        let has_location = refs.iter().any(|(n, _)| is(n, "Location"));
        let head = match ResponseHead::new(line, refs) {
            Ok(head) => head,
            Err(error) => {
                let name = (error == Error::HeaderHopByHop).then(|| {
                    refs.iter()
                        .find(|(n, _)| ResponseHead::is_hop_by_hop(n))
                        .map(|(n, _)| (*n).to_owned())
                        .unwrap_or_default()
                });
                return Err(Refusal {
                    error,
                    name,
                    has_location,
                });
            }
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
                has_location,
            });
        };
        let content_type = refs.iter().position(|(n, _)| is(n, "Content-Type"));
        let location = refs.iter().position(|(n, _)| is(n, "Location"));
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

    pub(crate) fn has_status(&self) -> bool {
        self.status.is_some()
    }

    pub(crate) fn content_type(&self, py: Python<'_>) -> Option<Py<PyString>> {
        self.content_type
            .and_then(|i| self.pairs.get(i))
            .map(|(_, v)| v.clone_ref(py))
    }

    pub(crate) fn location(&self, py: Python<'_>) -> Option<Py<PyString>> {
        self.location
            .and_then(|i| self.pairs.get(i))
            .map(|(_, v)| v.clone_ref(py))
    }

    /// The headers other than `Content-Type` and `Location`, in order.
    pub(crate) fn others<'py>(
        &self,
        py: Python<'py>,
    ) -> Vec<(Bound<'py, PyString>, Bound<'py, PyString>)> {
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

    /// The head again with other headers (`other_headers` as changed after the head was
    /// made); `Content-Type` and `Location` stay.
    pub(crate) fn with_others(
        &self,
        py: Python<'_>,
        others: Vec<(Bound<'_, PyString>, Bound<'_, PyString>)>,
    ) -> Result<Head, Refusal> {
        let mut pairs = Vec::with_capacity(others.len() + 2);
        for i in [self.content_type, self.location].into_iter().flatten() {
            if let Some((n, v)) = self.pairs.get(i) {
                pairs.push((n.bind(py).clone(), v.bind(py).clone()));
            }
        }
        pairs.extend(others);
        Head::check(py, self.status.as_ref().map(|s| s.bind(py).clone()), pairs)
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

    /// The `repr` of the original's events: `NAME(status=..., content_type=..., location=...,
    /// other_headers=Headers([...]))`.
    pub(crate) fn repr(
        &self,
        py: Python<'_>,
        class: &str,
        others: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let show = |v: Option<Py<PyString>>| -> PyResult<String> {
            Ok(match v {
                Some(s) => s.bind(py).to_str()?.to_owned(),
                None => "None".to_owned(),
            })
        };
        Ok(format!(
            "{class}(status={}, content_type={}, location={}, other_headers={})",
            show(self.status.as_ref().map(|s| s.clone_ref(py)))?,
            show(self.content_type(py))?,
            show(self.location(py))?,
            others.repr()?
        ))
    }
}

/// A header name or value: a `str`, else the original's `AssertionError`.
pub(crate) fn string<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.clone()),
        Err(_) => Err(PyAssertionError::new_err(format!(
            "Header names/values must be of type str (got {})",
            value.repr()?
        ))),
    }
}

/// The pairs of a `wsgiref.headers.Headers` (or any object with `items()`).
pub(crate) fn items<'py>(
    headers: &Bound<'py, PyAny>,
) -> PyResult<Vec<(Bound<'py, PyString>, Bound<'py, PyString>)>> {
    pairs(&headers.call_method0("items")?)
}

/// `(name, value)` string pairs from any iterable of pairs (a list without iterating).
fn pairs<'py>(
    headers: &Bound<'py, PyAny>,
) -> PyResult<Vec<(Bound<'py, PyString>, Bound<'py, PyString>)>> {
    let list: Bound<'py, PyList> = match headers.cast::<PyList>() {
        Ok(list) => list.clone(),
        Err(_) => PyList::new(
            headers.py(),
            headers.try_iter()?.collect::<PyResult<Vec<_>>>()?,
        )?,
    };
    list.iter()
        .map(|item| {
            let tuple = item.cast::<PyTuple>().map_err(PyErr::from)?;
            if tuple.len() != 2 {
                return Err(pyo3::exceptions::PyValueError::new_err(
                    "a header is a (name, value) pair",
                ));
            }
            Ok((string(&tuple.get_item(0)?)?, string(&tuple.get_item(1)?)?))
        })
        .collect()
}
