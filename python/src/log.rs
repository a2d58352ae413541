//! The original's log records, on its loggers (`sioscgi.request` and `sioscgi.response`
//! for 5.x, `sioscgi` for 2.x), at `DEBUG`, costing one dict lookup when `DEBUG` is off.
//!
//! A logger is fetched at its first use, as the original fetches it (never at import:
//! `logging.config.dictConfig` disables the loggers that exist when it runs). Whether
//! `DEBUG` is on is read from the logger's own cache of `isEnabledFor` answers
//! (`Logger._cache`, a dict that `logging` clears, never replaces, when levels change):
//! a cached `False` is the answer; anything else asks `isEnabledFor`, which fills it.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

/// `logging.DEBUG`.
const DEBUG: u8 = 10;

/// A logger, its cache of `isEnabledFor` answers, and the key `DEBUG` in it.
type Logger = (Py<PyAny>, Option<Py<PyDict>>, Py<PyAny>);

/// One of the original's loggers.
pub(crate) struct Log {
    name: &'static str,
    logger: PyOnceLock<Logger>,
}

impl Log {
    pub(crate) const fn new(name: &'static str) -> Self {
        Log {
            name,
            logger: PyOnceLock::new(),
        }
    }

    fn logger(&self, py: Python<'_>) -> PyResult<&Logger> {
        self.logger.get_or_try_init(py, || {
            let logger = py
                .import("logging")?
                .call_method1("getLogger", (self.name,))?;
            let cache = logger
                .getattr("_cache")
                .ok()
                .and_then(|c| c.cast_into::<PyDict>().ok())
                .map(Bound::unbind);
            let key = DEBUG.into_pyobject(py)?.into_any().unbind();
            Ok((logger.unbind(), cache, key))
        })
    }

    /// The logger if it logs `DEBUG` records now.
    pub(crate) fn debug_logger<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let (logger, cache, key) = self.logger(py)?;
        if let Some(cache) = cache
            && let Some(cached) = cache.bind(py).get_item(key.bind(py))?
            && cached.is(&*pyo3::types::PyBool::new(py, false))
        {
            return Ok(None);
        }
        let logger = logger.bind(py);
        let on = logger
            .call_method1(intern!(py, "isEnabledFor"), (DEBUG,))?
            .is_truthy()?;
        Ok(on.then(|| logger.clone()))
    }
}

/// A record's argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arg {
    Int(u64),
    /// A member of the API's receive-state enum, by index (2.x logs `In %s` with it).
    RxState(usize),
}

/// A record: the original's format string and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) message: &'static str,
    pub(crate) args: Vec<Arg>,
}

impl Record {
    pub(crate) fn new(message: &'static str, args: &[Arg]) -> Self {
        Record {
            message,
            args: args.to_vec(),
        }
    }
}

/// Logs `records` at `DEBUG` on `logger` (`rx_states` gives the enum members).
pub(crate) fn emit(
    logger: &Bound<'_, PyAny>,
    records: &[Record],
    rx_states: &crate::python::Members,
) -> PyResult<()> {
    let py = logger.py();
    for record in records {
        let mut args = Vec::with_capacity(record.args.len() + 1);
        args.push(record.message.into_pyobject(py)?.into_any());
        for arg in &record.args {
            args.push(match arg {
                Arg::Int(n) => n.into_pyobject(py)?.into_any(),
                Arg::RxState(i) => rx_states.get(py, *i)?,
            });
        }
        logger.call_method1(intern!(py, "debug"), PyTuple::new(py, args)?)?;
    }
    Ok(())
}

/// The writers' record of an event about to be sent: `Sending <class ...>`.
pub(crate) fn sending(log: &Log, event: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = event.py();
    if let Some(logger) = log.debug_logger(py)? {
        logger.call_method1(intern!(py, "debug"), ("Sending %s", event.get_type()))?;
    }
    Ok(())
}
