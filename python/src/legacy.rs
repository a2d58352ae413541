//! The 2.x API: one `SCGIConnection` with both halves, its events, `RXState`/`TXState`
//! and `ProtocolError`s, at the top of the `sioscgi` package.
//!
//! Its semantics, where they differ from 5.x: environment values are `str` (ISO-8859-1);
//! body bytes past `CONTENT_LENGTH` are an error (nothing of that chunk is delivered);
//! each body chunk received is one event; errors are `RemoteProtocolError` or
//! `LocalProtocolError` with a message, and any error puts both halves in `ERROR`.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple, PyType};
use sioscgi::{Error, Event, RxState};

use crate::events::{end_event, head_event, value_event};
use crate::head::Refusal;
use crate::log::{Log, Record};
use crate::names;
use crate::parse::{Detail, Failure, Flow, Limit, Parser, Problem, Span};
use crate::python::{Members, exception};
use crate::receive::{Receiving, after_eof, feed, receive_data, traced};
use crate::received::Received;
use crate::request::{DEFAULT_LIMIT, limit_argument};
use crate::writer::{TxState, step};

const MODULE: &str = "sioscgi";

static RX_STATES: Members = Members::new(
    MODULE,
    "RXState",
    &["HEADER_LENGTH", "HEADERS", "BODY", "DONE", "ERROR"],
);
static TX_STATES: Members = Members::new(
    MODULE,
    "TXState",
    &["HEADERS", "BODY", "NO_BODY", "DONE", "ERROR"],
);

/// The base class of every 2.x event.
#[pyclass(subclass, module = "sioscgi", name = "Event")]
pub struct LegacyEvent;

#[pymethods]
impl LegacyEvent {
    /// A subclass's arguments are left to its `__init__`.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        LegacyEvent
    }
}

value_event!(
    /// A request started: its environment, a dict of `str` to `str`.
    LegacyRequestHeaders: LegacyEvent, "sioscgi", "RequestHeaders",
    /// The environment variables (names and values as ISO-8859-1 strings).
    environment, str
);

value_event!(
    /// A chunk of the request body, as received.
    LegacyRequestBody: LegacyEvent, "sioscgi", "RequestBody",
    /// The chunk.
    data, repr
);

end_event!(
    /// The request is complete.
    LegacyRequestEnd: LegacyEvent, "sioscgi", "RequestEnd"
);

head_event!(
    /// The response head, checked when made (`LocalProtocolError` if it breaks a rule).
    LegacyResponseHeaders: LegacyEvent, "sioscgi", "ResponseHeaders", TX_STATES, refusal
);

value_event!(
    /// A chunk of the response body.
    LegacyResponseBody: LegacyEvent, "sioscgi", "ResponseBody",
    /// The chunk.
    data, repr
);

end_event!(
    /// The end of the response.
    LegacyResponseEnd: LegacyEvent, "sioscgi", "ResponseEnd"
);

/// An SCGI connection (2.x): bytes in, request events out; response events in, bytes
/// out.
#[pyclass(subclass, module = "sioscgi", name = "SCGIConnection")]
pub struct SCGIConnection {
    parser: Parser,
    queue: crate::queue::Queue,
    tx: TxState,
    /// A local error (`LocalProtocolError`), which fails both halves as a remote one does.
    local: Option<String>,
    /// Made by `new` from `__init__`'s arguments (the exact class): the `__init__` call
    /// that follows has nothing to do.
    fresh: bool,
}

#[pymethods]
impl SCGIConnection {
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
            limit_argument("SCGIConnection", args, kwargs)?
        } else {
            DEFAULT_LIMIT
        };
        Ok(SCGIConnection {
            parser: Parser::new(limit),
            queue: crate::queue::Queue::default(),
            tx: TxState::Headers,
            local: None,
            fresh: exact,
        })
    }

    /// Starts the connection afresh, as the original's `__init__` does.
    #[pyo3(signature = (*args, **kwargs))]
    fn __init__(
        &mut self,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let limit = limit_argument("SCGIConnection.__init__", args, kwargs)?;
        // Made by `new` from these same arguments (the usual call): nothing to do.
        if std::mem::take(&mut self.fresh) && limit == self.parser.limit() {
            return Ok(());
        }
        self.parser = Parser::new(limit);
        self.queue.clear();
        self.tx = TxState::Headers;
        self.local = None;
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

    /// The receive half's state (after every byte received so far).
    #[getter]
    fn rx_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // A local error fails the parser too: its state says `ERROR` then.
        RX_STATES.get(py, self.parser.state_index())
    }

    /// The transmit half's state.
    #[getter]
    fn tx_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if self.failed() {
            return TX_STATES.get(py, 4);
        }
        TX_STATES.get(py, self.tx as usize)
    }

    /// Gives the connection received bytes (`b""`, or any false value: the peer closed
    /// its end). A chunk that is all body is handed on as the same object; the body
    /// after the environment as a slice of it. Raises `LocalProtocolError` at once for
    /// bytes after the end (also when the connection already failed: that error then
    /// replaces the first, as in 2.x); a remote error is raised by the next
    /// `next_event`.
    fn receive_data(slf: &Bound<'_, Self>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        receive_data(slf, data)
    }

    /// The next request event, or `None` when more bytes are needed. Raises the
    /// connection's error, if any.
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        if self.failed() {
            return Err(self.error(py));
        }
        Ok(self.queue.pop_front())
    }

    /// The bytes that send `event`, or `None` to close the connection.
    fn send(slf: &Bound<'_, Self>, event: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
        let py = slf.py();
        crate::log::sending(&LOG, event)?;
        let state = {
            let this = slf.borrow();
            if this.failed() {
                return Err(this.error(py));
            }
            this.tx
        };
        let mut set_state = |next| slf.borrow_mut().tx = next;
        match step::<LegacyResponseHeaders, LegacyResponseBody, LegacyResponseEnd>(
            py,
            state,
            event,
            &TX_STATES,
            &mut set_state,
        ) {
            Ok(Some(out)) => Ok(out),
            Err(error) => Err(error),
            Ok(None) => {
                let kind: Bound<'_, PyType> = event.get_type();
                let mut this = slf.borrow_mut();
                let state = this.tx_state(py)?;
                let message = format!("Event {} prohibited in state {}", kind.str()?, state.str()?);
                Err(this.local_error(py, message))
            }
        }
    }
}

/// 2.x's logger.
static LOG: Log = Log::new("sioscgi");

impl Receiving for SCGIConnection {
    const LOG: &'static Log = &LOG;
    const STATES: &'static Members = &RX_STATES;

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
            self.local = Some("Data received after EOF".to_owned());
            // The bytes 2.x holds stay: its next parse checks them again.
            self.parser.replace_keeping_retained(Problem::BadEvent);
            return Err(self.error(py));
        }
        let received = received.as_ref();
        let queue = &mut self.queue;
        let result = traced(
            &mut self.parser,
            received,
            records,
            true,
            |parser, environment| parse(py, parser, queue, received, environment),
        );
        self.check_buffer();
        result
    }
}

/// 2.x's parse of `received` (`None`: the end of the stream), its events put in `queue`;
/// `environment` gets the number of variables and the content length if the environment
/// is read. Body bytes past `CONTENT_LENGTH` fail the whole chunk (it stays in 2.x's
/// buffer, which its limit is then checked against).
fn parse(
    py: Python<'_>,
    parser: &mut Parser,
    queue: &mut crate::queue::Queue,
    received: Option<&Received<'_>>,
    environment: &mut Option<(usize, u64)>,
) -> PyResult<()> {
    if let Some(received) = received {
        let extra = match parser.state() {
            RxState::Body => parser
                .body_remaining()
                .is_some_and(|left| received.len() as u64 > left),
            RxState::Done => true,
            _ => false,
        };
        if extra {
            parser.fail_retaining(Problem::BodyTooLong, received.len());
            return Ok(());
        }
    }
    parser.feed(feed(received), |event, span| {
        let made = event_object(py, event, received.map(|r| (r, span)));
        // The environment was read, unless refused for a repeated name.
        if let (Event::Headers(env), Ok(Some(_)) | Err(_)) = (&event, &made) {
            *environment = Some((env.len(), env.content_length()));
        }
        let Some(object) = made? else {
            return Ok(Flow::repeated(&event));
        };
        let content_length = match &event {
            Event::Headers(env) => Some(env.content_length()),
            _ => None,
        };
        queue.push_back(object);
        let after = received.map_or(0, |r| r.len().saturating_sub(span.end));
        Ok(match content_length {
            Some(length) if after as u64 > length => Flow::Fail(Problem::BodyTooLong, after),
            _ => Flow::Continue,
        })
    })
}

impl SCGIConnection {
    /// 2.x checks its buffer against the limit at the end of every call that parses
    /// (every call but data after the end): over it (a negative limit always is), the
    /// connection fails with "Too many bytes buffered", in place of any other error.
    fn check_buffer(&mut self) {
        let limit = self.parser.limit();
        let retained = self.parser.failure().map_or(0, |f| f.retained);
        if limit.negative || retained > limit.bytes {
            self.local = None;
            self.parser.replace_keeping_retained(Problem::BufferLimit);
        }
    }

    /// Whether the connection failed (a local error fails the parser too).
    fn failed(&self) -> bool {
        self.parser.failure().is_some()
    }

    /// Records a local error (both halves fail) and returns it to raise.
    fn local_error(&mut self, py: Python<'_>, message: String) -> PyErr {
        if !self.failed() {
            self.local = Some(message);
            self.parser.fail(Problem::BadEvent, Detail::None);
        }
        self.error(py)
    }

    /// The connection's error, as 2.x raises it.
    fn error(&self, py: Python<'_>) -> PyErr {
        if let Some(message) = &self.local {
            return exception(py, MODULE, "LocalProtocolError", (message.clone(),));
        }
        let message = self
            .parser
            .failure()
            .map_or_else(String::new, |f| remote_message(f, self.parser.limit()));
        match self.parser.failure().map(|f| f.problem) {
            Some(Problem::Core(Error::ReceiveAfterEof) | Problem::Broken) => {
                exception(py, MODULE, "LocalProtocolError", (message,))
            }
            _ => exception(py, MODULE, "RemoteProtocolError", (message,)),
        }
    }
}

/// 2.x's message for a failure of the request.
fn remote_message(failure: &Failure, limit: Limit) -> String {
    let detail = match &failure.detail {
        Detail::Bytes(b) => b.iter().map(|&c| char::from(c)).collect(),
        Detail::Length(n) => n.to_string(),
        Detail::None => String::new(),
    };
    match failure.problem {
        // 2.x checks its buffer against the limit last, after every call.
        _ if limit.negative || failure.retained > limit.bytes => {
            "Too many bytes buffered".to_owned()
        }
        Problem::BodyTooLong => "Request body longer than CONTENT_LENGTH".to_owned(),
        Problem::BufferLimit => "Too many bytes buffered".to_owned(),
        Problem::BadEvent => "The connection failed".to_owned(),
        Problem::Broken => {
            "The connection failed: an exception was raised while it made an event".to_owned()
        }
        Problem::Core(error) => match error {
            Error::BadNetstringLength => "Invalid length-of-environment".to_owned(),
            Error::HeadersTooLarge if detail.is_empty() => {
                format!("Headers too long (limit {})", limit.bytes)
            }
            Error::HeadersTooLarge => {
                format!("Headers too long (got {detail}, limit {})", limit.bytes)
            }
            Error::BadNetstringTerminator => "Invalid end-of-environment character".to_owned(),
            Error::HeadersNotNulTerminated => "Environment block not NUL-terminated".to_owned(),
            Error::HeadersOddStringCount => "Environment block missing final value".to_owned(),
            Error::HeaderEmpty => "Environment variable with empty name".to_owned(),
            Error::DuplicateHeader => format!("Duplicate environment variable {detail}"),
            Error::TooManyHeaders => "Too many environment variables".to_owned(),
            Error::NoScgiVariable | Error::BadScgiVersion => {
                "Mandatory variable SCGI not set to 1".to_owned()
            }
            Error::NoContentLength | Error::BadContentLength => {
                "CONTENT_LENGTH missing or not a whole number".to_owned()
            }
            Error::RemotePrematureEof => "Premature EOF".to_owned(),
            Error::ReceiveAfterEof => "Data received after EOF".to_owned(),
            other => other.to_string(),
        },
    }
}

/// The 2.x event for a core event: values as ISO-8859-1 strings; a body chunk taken from
/// `received`, where `span` is. `None`: the environment repeats a name.
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
                crate::environ::Flavor::Text,
                |py, value| names::latin1(py, value).into_any(),
            )?
            else {
                return Ok(None);
            };
            let init = PyClassInitializer::from(LegacyEvent).add_subclass(LegacyRequestHeaders {
                environment: dict.into_any().unbind(),
            });
            Py::new(py, init)?.into_any()
        }
        Event::Body(data) => {
            let data = match received {
                Some((received, span)) => received.chunk(span.start, span.end)?.unbind(),
                None => PyBytes::new(py, data).into_any().unbind(),
            };
            let init =
                PyClassInitializer::from(LegacyEvent).add_subclass(LegacyRequestBody { data });
            Py::new(py, init)?.into_any()
        }
        Event::End => Py::new(
            py,
            PyClassInitializer::from(LegacyEvent).add_subclass(LegacyRequestEnd),
        )?
        .into_any(),
    }))
}

/// The `LocalProtocolError` for a refused head, worded as 2.x words it.
fn refusal(py: Python<'_>, refusal: &Refusal) -> PyErr {
    let message = match refusal.error {
        Error::HeaderHopByHop => format!(
            "Header {} is hop-by-hop and therefore illegal",
            refusal.name.clone().unwrap_or_default()
        ),
        Error::HeaderNotIso88591 => "A header is not ISO-8859-1-encodable".to_owned(),
        Error::NonDocumentHeaders if !refusal.has_location => {
            "Header Location is mandatory for non-document response".to_owned()
        }
        Error::NonDocumentHeaders => {
            "Headers other than Location are prohibited for non-document response".to_owned()
        }
        other => other.to_string(),
    };
    exception(py, MODULE, "LocalProtocolError", (message,))
}
