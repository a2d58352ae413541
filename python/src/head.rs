//! A response head from Python values: the original's header handling (the first
//! `Content-Type` and `Location` taken out, the rest kept in order), the core's checks
//! and encoding.

use pyo3::exceptions::PyAssertionError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};
use sioscgi::{Error, ResponseHead, Status};

/// A checked head and its bytes.
pub(crate) struct Head {
    pub(crate) status: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) location: Option<String>,
    /// The headers other than `Content-Type` and `Location`, in order.
    pub(crate) others: Vec<(String, String)>,
    pub(crate) encoded: Vec<u8>,
}

/// Why a head is refused: the core's error, and for `HeaderHopByHop` the header's name.
pub(crate) struct Refusal {
    pub(crate) error: Error,
    pub(crate) name: Option<String>,
    /// Whether `Location` was given (2.x words its `NonDocumentHeaders` by that).
    pub(crate) has_location: bool,
}

/// The headers as `(name, value)` strings, from any iterable of pairs; a name or value
/// that is not a `str` is refused as `wsgiref.headers.Headers` refuses it.
pub(crate) fn pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    let list: Bound<'_, PyList> = match headers.cast::<PyList>() {
        Ok(list) => list.clone(),
        Err(_) => PyList::new(
            headers.py(),
            headers.try_iter()?.collect::<PyResult<Vec<_>>>()?,
        )?,
    };
    for item in list.iter() {
        let tuple = item.cast::<PyTuple>().map_err(PyErr::from)?;
        let (name, value) = match (tuple.get_item(0), tuple.get_item(1)) {
            (Ok(n), Ok(v)) if tuple.len() == 2 => (n, v),
            _ => {
                return Err(pyo3::exceptions::PyValueError::new_err(
                    "a header is a (name, value) pair",
                ));
            }
        };
        out.push((text(&name)?, text(&value)?));
    }
    Ok(out)
}

fn text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.to_owned()),
        Err(_) => Err(PyAssertionError::new_err(format!(
            "Header names/values must be of type str (got {})",
            value.repr()?
        ))),
    }
}

/// Checks and encodes a head: the first `Content-Type` and `Location` (ASCII
/// case-insensitive) are taken out as the original takes them; the core applies every
/// rule (the original's, then the stricter ones) in the original's order.
pub(crate) fn build(
    status: Option<String>,
    headers: Vec<(String, String)>,
) -> Result<Head, Refusal> {
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let status_ref = status.as_deref().map(Status::Line);
    let is = |name: &str, wanted: &str| name.eq_ignore_ascii_case(wanted);
    let has_location = headers.iter().any(|(n, _)| is(n, "Location"));
    let encoded = match ResponseHead::new(status_ref, &refs) {
        Ok(head) => head.to_vec(),
        Err(error) => {
            let name = (error == Error::HeaderHopByHop).then(|| {
                headers
                    .iter()
                    .find(|(n, _)| ResponseHead::is_hop_by_hop(n))
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default()
            });
            return Err(Refusal {
                error,
                name,
                has_location,
            });
        }
    };
    let content_type = headers
        .iter()
        .find(|(n, _)| is(n, "Content-Type"))
        .map(|(_, v)| v.clone());
    let location = headers
        .iter()
        .find(|(n, _)| is(n, "Location"))
        .map(|(_, v)| v.clone());
    let others = headers
        .into_iter()
        .filter(|(n, _)| !is(n, "Content-Type") && !is(n, "Location"))
        .collect();
    Ok(Head {
        status,
        content_type,
        location,
        others,
        encoded,
    })
}
