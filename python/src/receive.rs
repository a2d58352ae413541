//! One `receive_data` call, as both APIs make it (`SCGIReader`, 5.x, and
//! `SCGIConnection`, 2.x): the object given read with the parser free, the parse, and the
//! original's log records of the call, written once the parser is free again.

use pyo3::PyClass;
use pyo3::prelude::*;
use pyo3::pyclass::boolean_struct::False;
use sioscgi::RxState;

use crate::log::{Arg, Log, Record, emit};
use crate::parse::{Feed, Parser};
use crate::python::Members;
use crate::received::{Received, is_head};
use crate::trace::{self, Call};

/// A class with a `receive_data` method.
pub(crate) trait Receiving: PyClass<Frozen = False> {
    /// The logger its records go to.
    const LOG: &'static Log;
    /// The members of its receive-state enum (in the records of 2.x).
    const STATES: &'static Members;

    /// Its parser.
    fn parser(&self) -> &Parser;

    /// Parses `received` (`None`: the end of the stream), putting the original's log
    /// records of the call in `records` if they are wanted.
    fn receive(
        &mut self,
        py: Python<'_>,
        received: Option<Received<'_>>,
        records: Option<&mut Vec<Record>>,
    ) -> PyResult<()>;
}

/// `receive_data(data)` on `receiver`.
pub(crate) fn receive_data<T: Receiving>(
    receiver: &Bound<'_, T>,
    data: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let py = receiver.py();
    let logger = T::LOG.debug_logger(py)?;
    let mut records = logger.as_ref().map(|_| Vec::new());
    // The object's own code (its truth, length, bytes) runs with the receiver free.
    let before = receiver.borrow().parser().state();
    let received = Received::new(data, !is_head(before))?;
    let result = receiver
        .borrow_mut()
        .receive(py, received, records.as_mut());
    // Logged once the receiver is free again: a handler may look at it.
    if let (Some(logger), Some(records)) = (logger, records) {
        emit(&logger, &records, T::STATES)?;
    }
    result
}

/// What a [`Receiving::receive`] feeds its parser: `received`'s bytes (or their count),
/// or the end of the stream.
pub(crate) fn feed<'a>(received: Option<&'a Received<'_>>) -> Feed<'a> {
    received.map_or(Feed::Eof, Received::feed)
}

/// Runs `parse`, one call's parse of `received` (`None`: the end of the stream) by
/// `parser`, and puts the original's log records of the call in `records` if they are
/// wanted (`legacy`: 2.x's). `parse` is given the parser and the place for the number of
/// variables and the content length, should it read the environment.
pub(crate) fn traced(
    parser: &mut Parser,
    received: Option<&Received<'_>>,
    records: Option<&mut Vec<Record>>,
    legacy: bool,
    parse: impl FnOnce(&mut Parser, &mut Option<(usize, u64)>) -> PyResult<()>,
) -> PyResult<()> {
    let before = parser.state();
    let body_remaining = parser.body_remaining();
    let prior = records.as_ref().map(|_| parser.head().to_vec());
    let mut environment = None;
    let result = parse(parser, &mut environment);
    if let (Some(records), Some(prior)) = (records, prior) {
        let eof = received.is_none();
        *records = trace::records(&Call {
            before,
            eof,
            prior: &prior,
            data: match feed(received) {
                Feed::Bytes(bytes) => Some(bytes),
                _ => None,
            },
            len: received.map_or(0, Received::len),
            body_remaining,
            after: parser.state(),
            environment,
            prefix_failed: !eof && before != RxState::Error && parser.failed_on_prefix(),
            legacy,
        });
    }
    result
}

/// Puts the original's record of `len` bytes received after the end of the stream in
/// `records`, if they are wanted.
pub(crate) fn after_eof(records: Option<&mut Vec<Record>>, len: usize) {
    if let Some(records) = records {
        records.push(Record::new(
            "Received %d bytes after EOF",
            &[Arg::Int(len as u64)],
        ));
    }
}
