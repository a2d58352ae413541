//! `sioscgi.response`: `Headers` (checked when made), `Body`, `End`, `SCGIWriter` (5.x).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};
use sioscgi::Error;

use crate::events::{end_event, head_event, value_event};
use crate::head::Refusal;
use crate::python::{Members, exception};
use crate::writer::{TxState, step};

const MODULE: &str = "sioscgi.response";

static STATES: Members = Members::new(MODULE, "State", &["HEADERS", "BODY", "NO_BODY", "DONE"]);

/// The base class of the events an `SCGIWriter` sends.
#[pyclass(subclass, module = "sioscgi.response", name = "Event")]
pub struct ResponseEvent;

#[pymethods]
impl ResponseEvent {
    /// A subclass's arguments are left to its `__init__`.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        ResponseEvent
    }
}

head_event!(
    /// The response head: a status (`"200 OK"`, or `None` for a redirect without
    /// document) and headers, checked when made.
    ResponseHeaders: ResponseEvent, "sioscgi.response", "Headers", STATES, refusal
);

value_event!(
    /// A chunk of the response body.
    ResponseBody: ResponseEvent, "sioscgi.response", "Body",
    /// The chunk.
    data, repr
);

end_event!(
    /// The end of the response.
    ResponseEnd: ResponseEvent, "sioscgi.response", "End"
);

/// The write half of an SCGI connection: events in, bytes out.
#[pyclass(subclass, module = "sioscgi.response", name = "SCGIWriter")]
pub struct SCGIWriter {
    state: TxState,
}

#[pymethods]
impl SCGIWriter {
    /// A subclass's arguments are left to its `__init__`.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        SCGIWriter {
            state: TxState::Headers,
        }
    }

    /// Starts the writer afresh, as the original's `__init__` does.
    fn __init__(&mut self) {
        self.state = TxState::Headers;
    }

    /// The writer's state.
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        STATES.get(py, self.state as usize)
    }

    /// The bytes that send `event`, or `None` to close the connection (after `End`).
    ///
    /// Raises `BadEventInStateError` for an event the state does not allow.
    fn send(slf: &Bound<'_, Self>, event: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
        let py = slf.py();
        crate::log::sending(&LOG, event)?;
        let state = slf.borrow().state;
        let mut set_state = |next| slf.borrow_mut().state = next;
        if let Some(out) = step::<ResponseHeaders, ResponseBody, ResponseEnd>(
            py,
            state,
            event,
            &STATES,
            &mut set_state,
        )? {
            return Ok(out);
        }
        let kind: Bound<'_, PyType> = event.get_type();
        Err(exception(
            py,
            MODULE,
            "BadEventInStateError",
            (kind, slf.borrow().state(py)?),
        ))
    }
}

/// The original's logger of this module.
static LOG: crate::log::Log = crate::log::Log::new("sioscgi.response");

/// The `sioscgi.response` exception for a refused head.
fn refusal(py: Python<'_>, refusal: &Refusal) -> PyErr {
    let none = || PyTuple::empty(py);
    match refusal.error {
        Error::HeaderHopByHop => exception(
            py,
            MODULE,
            "HeaderHopByHopError",
            (refusal.name.clone().unwrap_or_default(),),
        ),
        Error::HeaderNotIso88591 => exception(py, MODULE, "HeaderNotISO88591Error", none()),
        Error::NonDocumentHeaders => exception(py, MODULE, "NonDocumentHeadersError", none()),
        Error::HeaderInjection => exception(
            py,
            MODULE,
            "HeaderInjectionError",
            ("A CR, LF or NUL in a header, the status or the location",),
        ),
        Error::BadHeaderName => exception(
            py,
            MODULE,
            "BadHeaderNameError",
            ("A header name is not an HTTP token",),
        ),
        Error::DuplicateHeader => exception(
            py,
            MODULE,
            "DuplicateHeaderError",
            ("Content-Type or Location given twice",),
        ),
        Error::BadStatus => exception(
            py,
            MODULE,
            "BadStatusError",
            ("The status is not NNN Reason with NNN in 100..999",),
        ),
        Error::BadLocation => exception(py, MODULE, "BadLocationError", ("The Location is empty",)),
        other => exception(py, MODULE, "Error", (format!("{other}"),)),
    }
}
