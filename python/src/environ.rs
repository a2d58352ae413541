//! The environment as a Python dict, made fast for the common case: a web server sends
//! the same names in the same order request after request, and most values again too
//! (`SCGI`, the method, the protocol, the server's name, address and port, the client's
//! headers). The last request's dict is kept as a template: when the names match, the
//! new dict is a copy of it (one copy of its table: no growing, no hashing) in which only
//! the values that differ are made and replaced (values are immutable: sharing the
//! others is safe); otherwise it is built name by name and becomes the template. Memory:
//! one request's environment per API flavour.

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

struct Template {
    /// The names, one after the other, and where each ends.
    names: Vec<u8>,
    name_ends: Vec<usize>,
    /// The values of the last request, the same way.
    values: Vec<u8>,
    value_ends: Vec<usize>,
    keys: Vec<Py<PyString>>,
    /// The last request's dict (kept apart from the one handed out).
    dict: Py<PyDict>,
}

impl Template {
    fn matches(&self, environment: &Environment<'_>) -> bool {
        if environment.len() != self.name_ends.len() {
            return false;
        }
        let mut start = 0;
        for ((name, _), &end) in environment.iter().zip(&self.name_ends) {
            if self.names.get(start..end) != Some(name) {
                return false;
            }
            start = end;
        }
        true
    }
}

static TEMPLATES: [PyOnceLock<Mutex<Option<Template>>>; 2] = [PyOnceLock::new(), PyOnceLock::new()];

/// The environment as a dict from name (`str`, ISO-8859-1) to `value(bytes)`.
pub(crate) fn dict<'py>(
    py: Python<'py>,
    environment: &Environment<'_>,
    flavor: Flavor,
    value: impl Fn(Python<'py>, &[u8]) -> Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let cell = TEMPLATES
        .get(flavor as usize)
        .map(|c| c.get_or_init(py, || Mutex::new(None)));
    let Some(cell) = cell else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err("no template"));
    };
    let mut slot = cell
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(template) = slot.as_mut().filter(|t| t.matches(environment)) {
        let previous = template.dict.bind(py).clone();
        let dict = previous.copy()?;
        let mut values = Vec::with_capacity(template.values.len());
        let mut value_ends = Vec::with_capacity(template.value_ends.len());
        let mut start = 0;
        for (((_, v), key), &end) in environment
            .iter()
            .zip(&template.keys)
            .zip(&template.value_ends)
        {
            if template.values.get(start..end) != Some(v) {
                let object = value(py, v);
                dict.set_item(key.bind(py), &object)?;
                previous.set_item(key.bind(py), object)?;
            }
            start = end;
            values.extend_from_slice(v);
            value_ends.push(values.len());
        }
        template.values = values;
        template.value_ends = value_ends;
        return Ok(dict);
    }
    let dict = PyDict::new(py);
    let mut made = Template {
        names: Vec::new(),
        name_ends: Vec::with_capacity(environment.len()),
        values: Vec::new(),
        value_ends: Vec::with_capacity(environment.len()),
        keys: Vec::with_capacity(environment.len()),
        dict: dict.clone().unbind(),
    };
    for (name, v) in environment.iter() {
        let key = names::name(py, name);
        dict.set_item(&key, value(py, v))?;
        made.names.extend_from_slice(name);
        made.name_ends.push(made.names.len());
        made.values.extend_from_slice(v);
        made.value_ends.push(made.values.len());
        made.keys.push(key.unbind());
    }
    made.dict = dict.copy()?.unbind();
    *slot = Some(made);
    Ok(dict)
}
