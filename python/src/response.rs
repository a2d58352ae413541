//! `sioscgi.response`: `Headers` (checked when made), `Body`, `End`, `SCGIWriter` (5.x).

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple, PyType};
use sioscgi::Error;

use crate::head::{self, Head, Refusal};
use crate::python::{Members, exception};

const MODULE: &str = "sioscgi.response";

static STATES: Members = Members::new(MODULE, "State", &["HEADERS", "BODY", "NO_BODY", "DONE"]);

/// The base class of the events an `SCGIWriter` sends.
#[pyclass(subclass, module = "sioscgi.response", name = "Event")]
pub struct ResponseEvent;

#[pymethods]
impl ResponseEvent {
    #[new]
    fn new() -> Self {
        ResponseEvent
    }
}

/// The response head: a status (`"200 OK"`, or `None` for a redirect without
/// document) and headers, checked when made.
#[pyclass(extends = ResponseEvent, module = "sioscgi.response", name = "Headers")]
pub struct ResponseHeaders {
    head: Head,
    /// `other_headers` as a `wsgiref.headers.Headers`, once asked for (it may then be
    /// changed: the head is encoded from it again).
    other_headers: Option<Py<PyAny>>,
}

#[pymethods]
impl ResponseHeaders {
    #[new]
    #[pyo3(signature = (status, headers))]
    fn new(
        py: Python<'_>,
        status: Option<Bound<'_, PyString>>,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let head = Head::new(status, headers)?.map_err(|r| refusal(py, &r))?;
        Ok(
            PyClassInitializer::from(ResponseEvent).add_subclass(ResponseHeaders {
                head,
                other_headers: None,
            }),
        )
    }

    /// The status line (`"200 OK"`), or `None`.
    #[getter]
    fn status(&self, py: Python<'_>) -> Option<Py<PyString>> {
        self.head.status.as_ref().map(|s| s.clone_ref(py))
    }

    /// The `Content-Type` value, or `None`.
    #[getter]
    fn content_type(&self, py: Python<'_>) -> Option<Py<PyString>> {
        self.head.content_type(py)
    }

    /// The `Location` value, or `None`.
    #[getter]
    fn location(&self, py: Python<'_>) -> Option<Py<PyString>> {
        self.head.location(py)
    }

    /// The headers other than `Content-Type` and `Location`, as a
    /// `wsgiref.headers.Headers`.
    #[getter]
    fn other_headers(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if let Some(h) = &self.other_headers {
            return Ok(h.clone_ref(py));
        }
        let made = self.head.other_headers(py)?;
        self.other_headers = Some(made.clone_ref(py));
        Ok(made)
    }

    /// The state the writer is in after sending this head.
    #[getter]
    fn succeeding_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        STATES.get(py, if self.head.has_status() { 1 } else { 2 })
    }

    /// The head as bytes.
    fn encode(&self, py: Python<'_>) -> PyResult<Py<PyBytes>> {
        self.current(py)
    }

    fn __repr__(&mut self, py: Python<'_>) -> PyResult<String> {
        let others = self.other_headers(py)?;
        self.head.repr(py, "Headers", others.bind(py))
    }
}

impl ResponseHeaders {
    /// The encoding, made again from `other_headers` if it was handed out (and may have
    /// been changed since).
    fn current(&self, py: Python<'_>) -> PyResult<Py<PyBytes>> {
        let Some(others) = &self.other_headers else {
            return Ok(self.head.encoded.clone_ref(py));
        };
        let pairs = head::items(others.bind(py))?;
        let rebuilt = self
            .head
            .with_others(py, pairs)
            .map_err(|r| refusal(py, &r))?;
        Ok(rebuilt.encoded)
    }
}

/// A chunk of the response body.
#[pyclass(extends = ResponseEvent, module = "sioscgi.response", name = "Body")]
pub struct ResponseBody {
    /// The chunk.
    #[pyo3(get, set)]
    data: Py<PyAny>,
}

#[pymethods]
impl ResponseBody {
    #[new]
    fn new(data: Py<PyAny>) -> PyClassInitializer<Self> {
        PyClassInitializer::from(ResponseEvent).add_subclass(ResponseBody { data })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Body({})", self.data.bind(py).repr()?))
    }
}

/// The end of the response.
#[pyclass(extends = ResponseEvent, module = "sioscgi.response", name = "End")]
pub struct ResponseEnd;

#[pymethods]
impl ResponseEnd {
    #[new]
    fn new() -> PyClassInitializer<Self> {
        PyClassInitializer::from(ResponseEvent).add_subclass(ResponseEnd)
    }

    fn __repr__(&self) -> &'static str {
        "End()"
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TxState {
    Headers = 0,
    Body = 1,
    NoBody = 2,
    Done = 3,
}

/// The write half of an SCGI connection: events in, bytes out.
#[pyclass(module = "sioscgi.response", name = "SCGIWriter")]
pub struct SCGIWriter {
    state: TxState,
}

#[pymethods]
impl SCGIWriter {
    #[new]
    fn new() -> Self {
        SCGIWriter {
            state: TxState::Headers,
        }
    }

    /// The writer's state.
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        STATES.get(py, self.state as usize)
    }

    /// The bytes that send `event`, or `None` to close the connection (after `End`).
    ///
    /// Raises `BadEventInStateError` for an event the state does not allow.
    fn send(&mut self, py: Python<'_>, event: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
        match self.state {
            TxState::Headers => {
                if let Ok(headers) = event.cast::<ResponseHeaders>() {
                    let headers = headers.borrow();
                    let bytes = headers.current(py)?;
                    self.state = if headers.head.has_status() {
                        TxState::Body
                    } else {
                        TxState::NoBody
                    };
                    return Ok(Some(bytes.into_any()));
                }
            }
            TxState::Body => {
                if let Ok(body) = event.cast::<ResponseBody>() {
                    return Ok(Some(body.borrow().data.clone_ref(py)));
                }
                if event.is_instance_of::<ResponseEnd>() {
                    self.state = TxState::Done;
                    return Ok(None);
                }
            }
            TxState::NoBody => {
                if event.is_instance_of::<ResponseEnd>() {
                    self.state = TxState::Done;
                    return Ok(None);
                }
            }
            TxState::Done => {}
        }
        let kind: Bound<'_, PyType> = event.get_type();
        Err(exception(
            py,
            MODULE,
            "BadEventInStateError",
            (kind, self.state(py)?),
        ))
    }
}

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
