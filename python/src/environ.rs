//! The environment as a Python dict, made fast for the common case: a web server sends
//! the same names in the same order request after request, and most values again too
//! (`SCGI`, the method, the protocol, the server's name, address and port, the client's
//! headers). The last request's dict is kept as a template: when the names match, the
//! new dict is a copy of it (one copy of its table: no growing, no hashing) in which only
//! the values that differ are made and replaced (values are immutable: sharing the
//! others is safe); otherwise it is built name by name and becomes the template. Memory:
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

/// The two kinds of dict: 5.x (`bytes` values) and 2.x (`str` values).
#[derive(Clone, Copy)]
pub(crate) enum Flavor {
    Bytes = 0,
    Text = 1,
}

/// Where a pair is in its block: `name\0value\0` is `block[start..end]`, the value
/// `block[value..end - 1]`.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    value: usize,
    end: usize,
}

struct Template {
    /// The last request's block and its pairs.
    block: Vec<u8>,
    spans: Vec<Span>,
    keys: Vec<Py<PyString>>,
    /// The last request's dict (kept apart from the one handed out).
    dict: Py<PyDict>,
}

/// The most variables a template is kept for (nginx sends about 30 for a browser).
const TEMPLATE_PAIRS: usize = 128;

/// The largest header block a template is kept for.
const TEMPLATE_BYTES: usize = 16 * 1024;

static TEMPLATES: [PyOnceLock<Mutex<Option<Template>>>; 2] = [PyOnceLock::new(), PyOnceLock::new()];

/// The pairs of an environment as spans of its block (they are slices of it).
fn spans(environment: &Environment<'_>) -> Vec<Span> {
    let base = environment.as_bytes().as_ptr() as usize;
    environment
        .iter()
        .map(|(name, value)| {
            let start = (name.as_ptr() as usize).wrapping_sub(base);
            let value_start = (value.as_ptr() as usize).wrapping_sub(base);
            Span {
                start,
                value: value_start,
                end: value_start + value.len() + 1,
            }
        })
        .collect()
}

/// Which values differ from the template's (a bit per pair), if the names are the
/// template's, in the same order; `None` otherwise.
fn changes(template: &Template, block: &[u8], now: &[Span]) -> Option<Vec<bool>> {
    if now.len() != template.spans.len() {
        return None;
    }
    let mut changed = Vec::with_capacity(now.len());
    for (new, old) in now.iter().zip(&template.spans) {
        let same_pair = block.get(new.start..new.end) == template.block.get(old.start..old.end);
        if same_pair {
            changed.push(false);
            continue;
        }
        let same_name = block.get(new.start..new.value) == template.block.get(old.start..old.value);
        if !same_name {
            return None;
        }
        changed.push(true);
    }
    Some(changed)
}

/// An environment too large for a template, as a dict made name by name.
#[cold]
#[inline(never)]
fn untemplated<'py>(
    py: Python<'py>,
    environment: &Environment<'_>,
    value: impl Fn(Python<'py>, &[u8]) -> Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (name, v) in environment.iter() {
        dict.set_item(names::name(py, name), value(py, v))?;
    }
    Ok(dict)
}

/// The environment as a dict from name (`str`, ISO-8859-1) to `value(bytes)`.
pub(crate) fn dict<'py>(
    py: Python<'py>,
    environment: &Environment<'_>,
    flavor: Flavor,
    value: impl Fn(Python<'py>, &[u8]) -> Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
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
    let now = spans(environment);
    if let Some(template) = slot.as_mut()
        && let Some(changed) = changes(template, block, &now)
    {
        let previous = template.dict.bind(py).clone();
        let dict = previous.copy()?;
        for (((_, v), key), _) in environment
            .iter()
            .zip(&template.keys)
            .zip(&changed)
            .filter(|(_, c)| **c)
        {
            let object = value(py, v);
            dict.set_item(key.bind(py), &object)?;
            previous.set_item(key.bind(py), object)?;
        }
        template.block.clear();
        template.block.extend_from_slice(block);
        template.spans = now;
        return Ok(dict);
    }
    let dict = PyDict::new(py);
    let mut keys = Vec::with_capacity(now.len());
    for (name, v) in environment.iter() {
        let key = names::name(py, name);
        dict.set_item(&key, value(py, v))?;
        keys.push(key.unbind());
    }
    *slot = Some(Template {
        block: block.to_vec(),
        spans: now,
        keys,
        dict: dict.copy()?.unbind(),
    });
    Ok(dict)
}
