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

/// What `event` sends in `state`: `Ok(None)` if the state does not allow it, else the
/// bytes to send (or `None` to close the connection). `set_state` moves the writer; no
/// borrow of the writer is held while the event's own code runs, so that code may look
/// at the writer.
///
/// As the original, the writer moves to the head's succeeding state before the head is
/// encoded (a head changed after it was made and refused then leaves it there, as the
/// original's `encode()` failing on a change does). The exact classes are sent in Rust;
/// an instance of a subclass through its attributes and methods, which it may override
/// (`succeeding_state`, `encode()`, and a body's `data`, read after the writer moved).
pub(crate) fn step<Head, Body, End>(
    py: Python<'_>,
    state: TxState,
    event: &Bound<'_, PyAny>,
    states: &Members,
    set_state: &mut dyn FnMut(TxState),
) -> PyResult<Option<Option<Py<PyAny>>>>
where
    Head: PyClass + HeadEvent + PyTypeInfo,
    Body: PyClass + ValueEvent + PyTypeInfo,
    End: PyClass + PyTypeInfo,
{
    match state {
        TxState::Headers => match event.cast::<Head>() {
            Ok(head) if event.is_exact_instance_of::<Head>() => {
                let next = if head.borrow().has_status(py) {
                    TxState::Body
                } else {
                    TxState::NoBody
                };
                set_state(next);
                let encoded = head.borrow().encoded(py)?;
                Ok(Some(Some(encoded.into_any())))
            }
            Ok(_) => {
                let succeeding = event.getattr(intern!(py, "succeeding_state"))?;
                let next = [
                    TxState::Headers,
                    TxState::Body,
                    TxState::NoBody,
                    TxState::Done,
                ]
                .into_iter()
                .find(|s| {
                    states
                        .get(py, *s as usize)
                        .is_ok_and(|member| succeeding.is(&member))
                });
                let Some(next) = next else {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "succeeding_state {} is not one of the writer's states",
                        succeeding.repr()?
                    )));
                };
                set_state(next);
                Ok(Some(Some(
                    event.call_method0(intern!(py, "encode"))?.unbind(),
                )))
            }
            Err(_) => Ok(None),
        },
        TxState::Body => {
            if let Ok(body) = event.cast::<Body>() {
                set_state(TxState::Body);
                if event.is_exact_instance_of::<Body>() {
                    let value = body.borrow().value(py);
                    Ok(Some(Some(value)))
                } else {
                    Ok(Some(Some(event.getattr(intern!(py, "data"))?.unbind())))
                }
            } else if event.is_instance_of::<End>() {
                set_state(TxState::Done);
                Ok(Some(None))
            } else {
                Ok(None)
            }
        }
        TxState::NoBody if event.is_instance_of::<End>() => {
            set_state(TxState::Done);
            Ok(Some(None))
        }
        TxState::NoBody | TxState::Done => Ok(None),
    }
}
