//! What the native classes take from the package's Python modules: the state enums'
//! members and the exception classes (defined in Python, where the API shape is).

use pyo3::call::PyCallArgs;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// Members of an enum of a package module, in the given order, fetched once.
pub(crate) struct Members {
    module: &'static str,
    class: &'static str,
    names: &'static [&'static str],
    cell: PyOnceLock<Vec<Py<PyAny>>>,
}

impl Members {
    pub(crate) const fn new(
        module: &'static str,
        class: &'static str,
        names: &'static [&'static str],
    ) -> Self {
        Members {
            module,
            class,
            names,
            cell: PyOnceLock::new(),
        }
    }

    /// The member at `index` of `names`.
    pub(crate) fn get<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyAny>> {
        let members = self
            .cell
            .get_or_try_init(py, || -> PyResult<Vec<Py<PyAny>>> {
                let class = py.import(self.module)?.getattr(self.class)?;
                self.names
                    .iter()
                    .map(|n| class.getattr(*n).map(Bound::unbind))
                    .collect()
            })?;
        members
            .get(index)
            .map(|m| m.bind(py).clone())
            .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err("no such member"))
    }
}

/// An exception of a package module, made with `args`.
pub(crate) fn exception<'py>(
    py: Python<'py>,
    module: &str,
    class: &str,
    args: impl PyCallArgs<'py>,
) -> PyErr {
    let made = py
        .import(module)
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1(args));
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(error) => error,
    }
}
