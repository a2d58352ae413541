//! The log records the original writes for one `receive_data` call, worked out from what
//! the call did: the original logs the bytes received, then each state its parse passes
//! through with what it found there (the colon's place in the chunk, the environment's
//! length and the bytes after it, the number of variables, the body still to come).
//!
//! Only made when `DEBUG` records are wanted. Where this package refuses a request the
//! original would read further (its stricter rules), the records stop where this
//! package stopped.

use sioscgi::RxState;

use crate::log::{Arg, Record};

/// What a `receive_data` call did.
pub(crate) struct Call<'a> {
    /// The state before the call (`Error` once failed).
    pub(crate) before: RxState,
    /// The call was the end of the stream.
    pub(crate) eof: bool,
    /// The bytes given before this call while the environment was incomplete.
    pub(crate) prior: &'a [u8],
    /// The bytes given, if they were read (body bytes are only counted).
    pub(crate) data: Option<&'a [u8]>,
    /// How many bytes were given.
    pub(crate) len: usize,
    /// The body still to come before the call.
    pub(crate) body_remaining: Option<u64>,
    /// The state after the call.
    pub(crate) after: RxState,
    /// The number of variables and the content length, if the environment was read in
    /// this call.
    pub(crate) environment: Option<(usize, u64)>,
    /// The call failed on the length prefix.
    pub(crate) prefix_failed: bool,
    /// 2.x's records (`In RXState.DONE` for `In RX_DONE`).
    pub(crate) legacy: bool,
}

const fn int(n: usize) -> Arg {
    Arg::Int(n as u64)
}

/// The records of `call`, in the original's order.
pub(crate) fn records(call: &Call<'_>) -> Vec<Record> {
    let mut out = Vec::new();
    if call.eof {
        out.push(Record::new("Received EOF", &[]));
    } else if call.before != RxState::Error {
        out.push(Record::new("Received %d bytes", &[int(call.len)]));
    }
    let mut state = call.before;
    // The bytes of the body (or after the environment) the parse has in hand.
    let mut buffered = if call.eof { 0 } else { call.len };
    let mut remaining = call.body_remaining.unwrap_or(0);
    let data = call.data.unwrap_or(&[]);
    if state == RxState::HeaderLength {
        out.push(Record::new("In RX_HEADER_LENGTH", &[]));
        let colon = data.iter().position(|&b| b == b':');
        let Some(colon) = colon.filter(|_| !call.eof) else {
            return out;
        };
        out.push(Record::new("Found : at %d", &[int(colon)]));
        if call.prefix_failed {
            return out;
        }
        let residue = data.len() - colon - 1;
        out.push(Record::new(
            "Length of headers is %d, residue is %d bytes",
            &[Arg::Int(announced(call.prior, data)), int(residue)],
        ));
        state = RxState::Headers;
        buffered = residue;
    } else if state == RxState::Headers && !call.eof {
        // The environment's bytes so far: those of earlier calls after the colon, and
        // these.
        let before_colon = call.prior.iter().position(|&b| b == b':').unwrap_or(0);
        buffered += call.prior.len().saturating_sub(before_colon + 1);
    }
    if state == RxState::Headers {
        out.push(Record::new("In RX_HEADERS", &[]));
        let length = announced(call.prior, data);
        if call.eof || (buffered as u64) <= length {
            return out;
        }
        out.push(Record::new("Got all headers", &[]));
        let Some((variables, content_length)) = call.environment else {
            return out;
        };
        let residue = buffered - length as usize - 1;
        out.push(Record::new(
            "Retrieved %d headers, residue is %d bytes",
            &[int(variables), int(residue)],
        ));
        state = RxState::Body;
        buffered = residue;
        remaining = content_length;
    }
    if state == RxState::Body {
        out.push(Record::new(
            "In RX_BODY, buffer length = %d, body remaining = %d",
            &[int(buffered), Arg::Int(remaining)],
        ));
        if call.after != RxState::Done {
            return out;
        }
        state = RxState::Done;
    }
    if state == RxState::Done {
        if call.legacy {
            out.push(Record::new("In %s", &[Arg::RxState(3)]));
        } else {
            out.push(Record::new("In RX_DONE", &[]));
        }
    }
    out
}

/// The environment's length the prefix announces (`prior` and `data` hold the prefix).
fn announced(prior: &[u8], data: &[u8]) -> u64 {
    prior
        .iter()
        .chain(data)
        .take_while(|&&b| b != b':')
        .try_fold(0u64, |n, &b| {
            n.checked_mul(10)?
                .checked_add(u64::from(b.checked_sub(b'0')?))
        })
        .unwrap_or(0)
}
