//! The response state machine both APIs share: the head first, then body chunks and
//! the end (or only the end after a head without status).

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3::{PyClass, PyTypeInfo, intern};

use crate::python::Members;

/// The writer's states, numbered as the API's state enums list them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxState {
    Headers = 0,
    Body = 1,
    NoBody = 2,
    Done = 3,
}

/// A response head event.
pub(crate) trait HeadEvent {
    /// The head's bytes as its attributes are now.
    fn encoded(&self, py: Python<'_>) -> PyResult<Py<PyBytes>>;
    /// Whether it has a status (then a body may follow).
    fn has_status(&self, py: Python<'_>) -> bool;
}

/// An event that carries a value (a body chunk).
pub(crate) trait ValueEvent {
    fn value(&self, py: Python<'_>) -> Py<PyAny>;
}

/// What sending an event does: the writer's next state, then the bytes to send (or
/// `None` to close), made after the state changed, as the original makes them (an
/// exception from a head's `encode()` leaves the writer in the new state).
pub(crate) struct Sent {
    pub(crate) next: TxState,
    pub(crate) out: PyResult<Option<Py<PyAny>>>,
}

/// What `event` does in `state`; `Ok(None)` if the state does not allow it. The exact
/// classes are sent in Rust; an instance of a subclass as the original sends it, through
/// its attributes and methods (`succeeding_state`, `encode()`, `data`), which it may
/// override.
pub(crate) fn step<Head, Body, End>(
    py: Python<'_>,
    state: TxState,
    event: &Bound<'_, PyAny>,
    states: &Members,
) -> PyResult<Option<Sent>>
where
    Head: PyClass + HeadEvent + PyTypeInfo,
    Body: PyClass + ValueEvent + PyTypeInfo,
    End: PyClass + PyTypeInfo,
{
    Ok(match state {
        TxState::Headers => match event.cast::<Head>() {
            Ok(head) if event.is_exact_instance_of::<Head>() => {
                let head = head.borrow();
                let next = if head.has_status(py) {
                    TxState::Body
                } else {
                    TxState::NoBody
                };
                Some(Sent {
                    next,
                    out: head.encoded(py).map(|b| Some(b.into_any())),
                })
            }
            Ok(_) => {
                let succeeding = event.getattr(intern!(py, "succeeding_state"))?;
                let next = if succeeding.is(&states.get(py, TxState::Body as usize)?) {
                    TxState::Body
                } else if succeeding.is(&states.get(py, TxState::NoBody as usize)?) {
                    TxState::NoBody
                } else {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "succeeding_state {} is not BODY or NO_BODY",
                        succeeding.repr()?
                    )));
                };
                let out = event
                    .call_method0(intern!(py, "encode"))
                    .map(|b| Some(b.unbind()));
                Some(Sent { next, out })
            }
            Err(_) => None,
        },
        TxState::Body => {
            if let Ok(body) = event.cast::<Body>() {
                let out = if event.is_exact_instance_of::<Body>() {
                    Ok(Some(body.borrow().value(py)))
                } else {
                    event.getattr(intern!(py, "data")).map(|d| Some(d.unbind()))
                };
                Some(Sent {
                    next: TxState::Body,
                    out,
                })
            } else if event.is_instance_of::<End>() {
                Some(Sent {
                    next: TxState::Done,
                    out: Ok(None),
                })
            } else {
                None
            }
        }
        TxState::NoBody if event.is_instance_of::<End>() => Some(Sent {
            next: TxState::Done,
            out: Ok(None),
        }),
        TxState::NoBody | TxState::Done => None,
    })
}
