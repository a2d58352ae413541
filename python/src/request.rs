//! `sioscgi.request`: `SCGIReader` and its events (5.x).

use std::borrow::Cow;
use std::collections::VecDeque;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyTuple};
use sioscgi::{Error, Event};

use crate::events::{end_event, value_event};
use crate::names;
use crate::parse::{Detail, Failure, Flow, Parser, Problem};
use crate::python::{Members, exception};

const MODULE: &str = "sioscgi.request";

static STATES: Members = Members::new(
    MODULE,
    "State",
    &["HEADER_LENGTH", "HEADERS", "BODY", "DONE", "ERROR"],
);

/// The base class of the events an `SCGIReader` returns.
#[pyclass(subclass, module = "sioscgi.request", name = "Event")]
pub struct RequestEvent;

#[pymethods]
impl RequestEvent {
    #[new]
    fn new() -> Self {
        RequestEvent
    }
}

value_event!(
    /// A request started: its environment, a dict from variable name to value.
    RequestHeaders: RequestEvent, "sioscgi.request", "Headers",
    /// The environment variables: name (`str`, ISO-8859-1) to value (`bytes`).
    environment, str
);

value_event!(
    /// A chunk of the request body (never empty).
    RequestBody: RequestEvent, "sioscgi.request", "Body",
    /// The chunk.
    data, repr
);

end_event!(
    /// The request is complete: the response may start.
    RequestEnd: RequestEvent, "sioscgi.request", "End"
);

/// The read half of an SCGI connection: bytes in, events out.
///
/// Parsing is eager: `receive_data` reads every byte at once (in Rust), so `state` is
/// the state after all of them, and a protocol error is raised by the next
/// `next_event`, before any event still queued.
#[pyclass(module = "sioscgi.request", name = "SCGIReader")]
pub struct SCGIReader {
    parser: Parser,
    queue: VecDeque<Py<PyAny>>,
}

#[pymethods]
impl SCGIReader {
    #[new]
    #[pyo3(signature = (rx_buffer_limit = 65536))]
    fn new(rx_buffer_limit: i64) -> Self {
        SCGIReader {
            parser: Parser::new(usize::try_from(rx_buffer_limit).unwrap_or(0)),
            queue: VecDeque::new(),
        }
    }

    /// The state after every byte received so far (and after every queued event).
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        STATES.get(py, self.parser.state_index())
    }

    /// Gives the reader received bytes (`b""`: the peer closed its end).
    ///
    /// Raises `ReceiveAfterEOFError` at once for bytes after the end; a protocol error
    /// is raised by the next `next_event`.
    fn receive_data(&mut self, py: Python<'_>, data: Cow<'_, [u8]>) -> PyResult<()> {
        if !data.is_empty() && self.parser.eof() && self.parser.failure().is_none() {
            self.parser
                .fail(Problem::Core(Error::ReceiveAfterEof), Detail::None);
            return Err(raise(py, self.parser.failure()));
        }
        let queue = &mut self.queue;
        self.parser.feed(&data, |event, _| {
            queue.push_back(event_object(py, event)?);
            Ok(Flow::Continue)
        })
    }

    /// The next event, or `None` when more bytes are needed.
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        if self.parser.failure().is_some() {
            return Err(raise(py, self.parser.failure()));
        }
        Ok(self.queue.pop_front())
    }
}

/// `End` carries nothing: one object serves every request.
static END: PyOnceLock<Py<RequestEnd>> = PyOnceLock::new();

/// The Python event for a core event.
fn event_object(py: Python<'_>, event: Event<'_, '_>) -> PyResult<Py<PyAny>> {
    Ok(match event {
        Event::Headers(environment) => {
            let dict = crate::environ::dict(
                py,
                &environment,
                crate::environ::Flavor::Bytes,
                |py, value| PyBytes::new(py, value).into_any(),
            )?;
            let init = PyClassInitializer::from(RequestEvent).add_subclass(RequestHeaders {
                environment: dict.into_any().unbind(),
            });
            Py::new(py, init)?.into_any()
        }
        Event::Body(data) => {
            let init = PyClassInitializer::from(RequestEvent).add_subclass(RequestBody {
                data: PyBytes::new(py, data).into_any().unbind(),
            });
            Py::new(py, init)?.into_any()
        }
        Event::End => END
            .get_or_try_init(py, || {
                Py::new(
                    py,
                    PyClassInitializer::from(RequestEvent).add_subclass(RequestEnd),
                )
            })?
            .clone_ref(py)
            .into_any(),
    })
}

/// The exception of `sioscgi.request` for a failure.
fn raise(py: Python<'_>, failure: Option<&Failure>) -> PyErr {
    let Some(failure) = failure else {
        return pyo3::exceptions::PyRuntimeError::new_err("no failure");
    };
    let Problem::Core(error) = failure.problem else {
        return pyo3::exceptions::PyRuntimeError::new_err("not a 5.x failure");
    };
    let bytes = match &failure.detail {
        Detail::Bytes(b) => b.as_slice(),
        _ => &[],
    };
    let none = || PyTuple::empty(py);
    match error {
        Error::BadNetstringLength => exception(py, MODULE, "BadNetstringLengthError", none()),
        Error::HeadersTooLarge => exception(py, MODULE, "HeadersTooLargeError", none()),
        Error::BadNetstringTerminator => {
            exception(py, MODULE, "BadNetstringTerminatorError", none())
        }
        Error::HeadersNotNulTerminated => {
            exception(py, MODULE, "HeadersNotNULTerminatedError", none())
        }
        Error::HeadersOddStringCount => exception(py, MODULE, "HeadersOddStringCountError", none()),
        Error::HeaderEmpty => exception(py, MODULE, "HeaderEmptyError", none()),
        Error::DuplicateHeader => exception(
            py,
            MODULE,
            "DuplicateHeaderError",
            (names::latin1(py, bytes),),
        ),
        Error::TooManyHeaders => exception(
            py,
            MODULE,
            "TooManyHeadersError",
            ("Too many environment variables",),
        ),
        Error::NoScgiVariable => exception(py, MODULE, "NoSCGIVariableError", none()),
        Error::BadScgiVersion => exception(
            py,
            MODULE,
            "BadSCGIVersionError",
            (PyBytes::new(py, bytes),),
        ),
        Error::NoContentLength => exception(py, MODULE, "NoContentLengthError", none()),
        Error::BadContentLength => exception(
            py,
            MODULE,
            "BadContentLengthError",
            (PyBytes::new(py, bytes),),
        ),
        Error::ContentLengthNotFirst => exception(
            py,
            MODULE,
            "ContentLengthNotFirstError",
            ("CONTENT_LENGTH is not the first variable",),
        ),
        Error::RemotePrematureEof => exception(py, MODULE, "RemotePrematureEOFError", none()),
        Error::ReceiveAfterEof => exception(py, MODULE, "ReceiveAfterEOFError", none()),
        other => exception(
            py,
            MODULE,
            "Error",
            (format!("{} ({})", other, other.name()),),
        ),
    }
}
