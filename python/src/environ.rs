//! The environment as a Python dict, made fast for the common case: a web server sends
//! the same names in the same order request after request, and most values again too
//! (`SCGI`, the method, the protocol, the server's name, address and port, the client's
//! headers). The last request's dict is kept as a template: when the names match, only
//! the values that differ are made and set in it, and the new dict is a copy of it (one
//! copy of its table: no growing, no hashing; values are immutable, sharing them is
//! safe); otherwise it is built name by name and becomes the template. Memory:
//! one request's environment per API flavour, of at most [`TEMPLATE_PAIRS`] variables in
//! at most [`TEMPLATE_BYTES`]: a larger environment is built name by name and not kept
//! (what a template holds, a copy of the block, of the dict's table and of the places of
//! the pairs, would come to twice what the environment itself takes).

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};
use sioscgi::Environment;

use crate::names;
use crate::shape::{Changed, Shape};

/// The two kinds of dict: 5.x (`bytes` values) and 2.x (`str` values).
#[derive(Clone, Copy)]
pub(crate) enum Flavor {
    Bytes = 0,
    Text = 1,
}

struct Template {
    /// The last request's block and where its pairs are.
    shape: Shape,
    keys: Vec<Py<PyString>>,
    /// The last request's dict (kept apart from the one handed out).
    dict: Py<PyDict>,
}

/// The most variables a template is kept for (nginx sends about 30 for a browser).
const TEMPLATE_PAIRS: usize = crate::shape::MAX_PAIRS;

/// The largest header block a template is kept for.
const TEMPLATE_BYTES: usize = 16 * 1024;

static TEMPLATES: [PyOnceLock<Mutex<Option<Template>>>; 2] = [PyOnceLock::new(), PyOnceLock::new()];

/// An environment too large for a template, as a dict made name by name (`None` if a
/// name repeats).
#[cold]
#[inline(never)]
fn untemplated<'py>(
    py: Python<'py>,
    environment: &Environment<'_>,
    value: impl Fn(Python<'py>, &[u8]) -> Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let dict = PyDict::new(py);
    for (name, v) in environment.iter() {
        dict.set_item(names::name(py, name), value(py, v))?;
    }
    Ok(unique(dict, environment))
}

/// `dict`, if it has a key for every pair of `environment` (no name repeats).
fn unique<'py>(
    dict: Bound<'py, PyDict>,
    environment: &Environment<'_>,
) -> Option<Bound<'py, PyDict>> {
    (dict.len() == environment.len()).then_some(dict)
}

/// The dict of a request whose names are the template's: the template's dict with the
/// `changed` values made from its block, the request's, set in it (each made and set
/// once), then copied (the template keeps its own: the copy handed out is the caller's
/// to change).
fn from_template<'py>(
    py: Python<'py>,
    template: &Template,
    changed: &Changed,
    value: &impl Fn(Python<'py>, &[u8]) -> Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = template.dict.bind(py);
    for (word, bits) in changed.iter().enumerate() {
        let mut bits = *bits;
        while bits != 0 {
            let i = word * 64 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let (Some(v), Some(key)) = (template.shape.value(i), template.keys.get(i)) else {
                continue;
            };
            dict.set_item(key.bind(py), value(py, v))?;
        }
    }
    dict.copy()
}

/// The environment as a dict from name (`str`, ISO-8859-1) to `value(bytes)`, or `None`
/// if a name repeats: the parser's reader does not look for repeats (see
/// `parse::lenient`), the dict finds them. A request with the template's names has
/// none (the template's dict has a key for each of its pairs).
pub(crate) fn dict<'py>(
    py: Python<'py>,
    environment: &Environment<'_>,
    flavor: Flavor,
    value: impl Fn(Python<'py>, &[u8]) -> Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    if environment.len() > TEMPLATE_PAIRS || environment.as_bytes().len() > TEMPLATE_BYTES {
        return untemplated(py, environment, value);
    }
    let cell = TEMPLATES
        .get(flavor as usize)
        .map(|c| c.get_or_init(py, || Mutex::new(None)));
    let Some(cell) = cell else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err("no template"));
    };
    let mut slot = cell
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let block = environment.as_bytes();
    if let Some(template) = slot.as_mut() {
        match template.shape.compare(block, environment.len()) {
            Some(changed) => {
                let made = from_template(py, template, &changed, &value);
                if made.is_err() {
                    // The template's dict may be half changed.
                    *slot = None;
                }
                return made.map(Some);
            }
            // Other names: the template is made again below (the comparison may have
            // changed it).
            None => *slot = None,
        }
    }
    let dict = PyDict::new(py);
    let mut keys = Vec::with_capacity(environment.len());
    for (name, v) in environment.iter() {
        let key = names::name(py, name);
        dict.set_item(&key, value(py, v))?;
        keys.push(key.unbind());
    }
    let Some(dict) = unique(dict, environment) else {
        return Ok(None);
    };
    *slot = Some(Template {
        shape: Shape::new(block, environment.iter()),
        keys,
        dict: dict.copy()?.unbind(),
    });
    Ok(Some(dict))
}
