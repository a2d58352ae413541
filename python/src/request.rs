//! `sioscgi.request`: `SCGIReader` and its events (5.x).

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple, PyType};
use sioscgi::{Error, Event};

use crate::events::{end_event, value_event};
use crate::log::{Log, Record};
use crate::names;
use crate::parse::{Detail, Failure, Flow, Limit, Parser, Problem, Span};
use crate::python::{Members, exception};
use crate::receive::{Receiving, after_eof, feed, receive_data, traced};
use crate::received::Received;

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
    /// A subclass's arguments are left to its `__init__`.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
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
#[pyclass(subclass, module = "sioscgi.request", name = "SCGIReader")]
pub struct SCGIReader {
    parser: Parser,
    queue: crate::queue::Queue,
    /// Made by `new` from `__init__`'s arguments (the exact class): the `__init__` call
    /// that follows has nothing to do.
    fresh: bool,
}

#[pymethods]
impl SCGIReader {
    /// The exact class takes `__init__`'s argument here; a subclass's arguments are left
    /// to its `__init__`.
    #[new]
    #[classmethod]
    #[pyo3(signature = (*args, **kwargs))]
    fn new(
        cls: &Bound<'_, PyType>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let exact = crate::events::is_exact::<Self>(cls);
        let limit = if exact {
            limit_argument("SCGIReader", args, kwargs)?
        } else {
            DEFAULT_LIMIT
        };
        Ok(SCGIReader {
            parser: Parser::new(limit),
            queue: crate::queue::Queue::default(),
            fresh: exact,
        })
    }

    /// Starts the reader afresh, as the original's `__init__` does.
    #[pyo3(signature = (*args, **kwargs))]
    fn __init__(
        &mut self,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let limit = limit_argument("SCGIReader.__init__", args, kwargs)?;
        // Made by `new` from these same arguments (the usual call): nothing to do.
        if std::mem::take(&mut self.fresh) && limit == self.parser.limit() {
            return Ok(());
        }
        self.parser = Parser::new(limit);
        self.queue.clear();
        Ok(())
    }

    /// The queued events may hold the caller's objects (body chunks), which may hold this.
    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        for event in self.queue.iter() {
            visit.call(event)?;
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.queue.clear();
    }

    /// The state after every byte received so far (and after every queued event).
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        STATES.get(py, self.parser.state_index())
    }

    /// Gives the reader received bytes (`b""`, or any false value: the peer closed its
    /// end). A chunk that is all body is handed on as the same object; a part of one as
    /// a slice of it (`bytes`, `bytearray` or `memoryview`, as given).
    ///
    /// Raises `ReceiveAfterEOFError` at once for bytes after the end (also when the
    /// reader already failed: that error then replaces the first, as in the original); a
    /// protocol error is raised by the next `next_event`.
    fn receive_data(slf: &Bound<'_, Self>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        receive_data(slf, data)
    }

    /// The next event, or `None` when more bytes are needed.
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        if self.parser.failure().is_some() {
            return Err(raise(py, self.parser.failure()));
        }
        Ok(self.queue.pop_front())
    }
}

impl Receiving for SCGIReader {
    const LOG: &'static Log = &LOG;
    const STATES: &'static Members = &STATES;

    fn parser(&self) -> &Parser {
        &self.parser
    }

    fn receive(
        &mut self,
        py: Python<'_>,
        received: Option<Received<'_>>,
        records: Option<&mut Vec<Record>>,
    ) -> PyResult<()> {
        if let Some(received) = &received
            && self.parser.eof()
        {
            after_eof(records, received.len());
            self.parser
                .replace(Problem::Core(Error::ReceiveAfterEof), Detail::None);
            return Err(raise(py, self.parser.failure()));
        }
        let received = received.as_ref();
        let queue = &mut self.queue;
        traced(
            &mut self.parser,
            received,
            records,
            false,
            |parser, environment| {
                parser.feed(feed(received), |event, span| {
                    let made = event_object(py, event, received.map(|r| (r, span)));
                    // The environment was read, unless refused for a repeated name.
                    if let (Event::Headers(env), Ok(Some(_)) | Err(_)) = (&event, &made) {
                        *environment = Some((env.len(), env.content_length()));
                    }
                    let Some(object) = made? else {
                        return Ok(Flow::repeated(&event));
                    };
                    queue.push_back(object);
                    Ok(Flow::Continue)
                })
            },
        )
    }
}

/// The `End` every request ends with.
static END: pyo3::sync::PyOnceLock<Py<RequestEnd>> = pyo3::sync::PyOnceLock::new();

/// The original's logger of this module.
static LOG: Log = Log::new("sioscgi.request");

/// The original's default `rx_buffer_limit`.
pub(crate) const DEFAULT_LIMIT: Limit = Limit {
    bytes: 65536,
    negative: false,
};

/// `rx_buffer_limit`, from a constructor's arguments (`(limit)` or `(rx_buffer_limit=...)`):
/// any number, as the original compares lengths with it.
#[inline]
pub(crate) fn limit_argument(
    class: &str,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Limit> {
    // The usual reader is made without arguments: told here, in the caller.
    if kwargs.is_none() && args.is_empty() {
        return Ok(DEFAULT_LIMIT);
    }
    given_limit(class, args, kwargs)
}

/// [`limit_argument`] of a constructor given arguments.
#[inline(never)]
fn given_limit(
    class: &str,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Limit> {
    let given = match (args.len(), kwargs) {
        (0, None) => return Ok(DEFAULT_LIMIT),
        (1, None) => args.get_item(0)?,
        (0, Some(kwargs)) if kwargs.len() == 1 => match kwargs.get_item("rx_buffer_limit")? {
            Some(limit) => limit,
            None => {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "{class}() got an unexpected keyword argument"
                )));
            }
        },
        _ => {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "{class}() takes at most one argument (rx_buffer_limit)"
            )));
        }
    };
    if let Ok(n) = given.extract::<i64>() {
        return Ok(Limit {
            bytes: usize::try_from(n).unwrap_or(0),
            negative: n < 0,
        });
    }
    // A larger int, or a float.
    let negative = given.lt(0)?;
    let bytes = if negative {
        0
    } else {
        match given.extract::<f64>() {
            Ok(f) if f < usize::MAX as f64 => f as usize,
            _ => usize::MAX,
        }
    };
    Ok(Limit { bytes, negative })
}

/// The Python event for a core event; a body chunk is taken from `received`, where
/// `span` is. `None`: the environment repeats a name.
fn event_object(
    py: Python<'_>,
    event: Event<'_, '_>,
    received: Option<(&Received<'_>, Span)>,
) -> PyResult<Option<Py<PyAny>>> {
    Ok(Some(match event {
        Event::Headers(environment) => {
            let Some(dict) = crate::environ::dict(
                py,
                &environment,
                crate::environ::Flavor::Bytes,
                |py, value| PyBytes::new(py, value).into_any(),
            )?
            else {
                return Ok(None);
            };
            let init = PyClassInitializer::from(RequestEvent).add_subclass(RequestHeaders {
                environment: dict.into_any().unbind(),
            });
            Py::new(py, init)?.into_any()
        }
        Event::Body(data) => {
            let data = match received {
                Some((received, span)) => received.chunk(span.start, span.end)?.unbind(),
                None => PyBytes::new(py, data).into_any().unbind(),
            };
            let init = PyClassInitializer::from(RequestEvent).add_subclass(RequestBody { data });
            Py::new(py, init)?.into_any()
        }
        // It carries nothing and has no attributes to set: one object serves every
        // request (the original makes one each time; only `is` can tell).
        Event::End => END
            .get_or_try_init(py, || {
                Py::new(
                    py,
                    PyClassInitializer::from(RequestEvent).add_subclass(RequestEnd),
                )
            })?
            .clone_ref(py)
            .into_any(),
    }))
}

/// The exception of `sioscgi.request` for a failure.
fn raise(py: Python<'_>, failure: Option<&Failure>) -> PyErr {
    let Some(failure) = failure else {
        return pyo3::exceptions::PyRuntimeError::new_err("no failure");
    };
    let Problem::Core(error) = failure.problem else {
        return pyo3::exceptions::PyRuntimeError::new_err(
            "the reader failed: an exception was raised while it made an event",
        );
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
