//! The response state machine both APIs share: the head first, then body chunks and
//! the end (or only the end after a head without status).

use pyo3::PyClass;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

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
    /// The head's bytes as they are now.
    fn current(&self, py: Python<'_>) -> PyResult<Py<PyBytes>>;
    /// Whether it has a status (then a body may follow).
    fn has_status(&self) -> bool;
}

/// An event that carries a value (a body chunk).
pub(crate) trait ValueEvent {
    fn value(&self, py: Python<'_>) -> Py<PyAny>;
}

/// What `event` sends in `state` (the bytes, or `None` to close) and the next state;
/// `Ok(None)` if the state does not allow it.
pub(crate) fn step<Head, Body, End>(
    py: Python<'_>,
    state: TxState,
    event: &Bound<'_, PyAny>,
) -> PyResult<Option<(Option<Py<PyAny>>, TxState)>>
where
    Head: PyClass + HeadEvent,
    Body: PyClass + ValueEvent,
    End: PyClass,
{
    Ok(match state {
        TxState::Headers => match event.cast::<Head>() {
            Ok(head) => {
                let head = head.borrow();
                let next = if head.has_status() {
                    TxState::Body
                } else {
                    TxState::NoBody
                };
                Some((Some(head.current(py)?.into_any()), next))
            }
            Err(_) => None,
        },
        TxState::Body => {
            if let Ok(body) = event.cast::<Body>() {
                Some((Some(body.borrow().value(py)), TxState::Body))
            } else if event.is_instance_of::<End>() {
                Some((None, TxState::Done))
            } else {
                None
            }
        }
        TxState::NoBody if event.is_instance_of::<End>() => Some((None, TxState::Done)),
        TxState::NoBody | TxState::Done => None,
    })
}
