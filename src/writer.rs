//! The response writer: the transmit state machine of the SCGI server side.
//!
//! `Headers → Body → Done` for a response with a status, `Headers → NoBody → Done` for a
//! local redirect. A refused event leaves the state as it was (as sioscgi), so the
//! application can still send another head, e.g. an error page.

use crate::{Error, ResponseHead};

/// Where the writer is in the response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TxState {
    /// The head must be sent first.
    #[default]
    Headers,
    /// Body chunks or the end may be sent.
    Body,
    /// A local redirect was sent: only the end may follow.
    NoBody,
    /// The response is complete: close the connection.
    Done,
}

/// An event the application sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ResponseEvent<'h, 'b> {
    /// The status and headers.
    Headers(&'h ResponseHead<'h>),
    /// A piece of the body.
    Body(&'b [u8]),
    /// The end of the response.
    End,
}

/// What to send for an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use]
pub enum Output<'b> {
    /// The head was encoded into the first `n` bytes of the output buffer.
    Head(usize),
    /// Send these body bytes (the caller's own, untouched).
    Body(&'b [u8]),
    /// The response is complete: close the connection (SCGI has no other end marker).
    Close,
}

/// The transmit half of an SCGI connection (server side): events in, bytes out.
///
/// ```
/// use sioscgi::{Output, ResponseEvent, ResponseHead, Status, TxState, Writer};
///
/// let mut writer = Writer::new();
/// let headers = [("Content-Type", "text/plain")];
/// let head = ResponseHead::new(Some(Status::Code(200)), &headers)?;
/// let mut out = [0u8; 64];
/// let n = writer.send_head(&head, &mut out)?;
/// assert_eq!(&out[..n], b"Content-Type: text/plain\r\nStatus: 200 OK\r\n\r\n");
/// assert_eq!(writer.send(ResponseEvent::Body(b"hi"), &mut out)?, Output::Body(b"hi"));
/// writer.send_end()?; // now close the connection
/// assert_eq!(writer.state(), TxState::Done);
/// # Ok::<(), sioscgi::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Writer {
    state: TxState,
}

impl Writer {
    /// A writer at the start of a response.
    pub const fn new() -> Self {
        Writer {
            state: TxState::Headers,
        }
    }

    /// The current state.
    pub fn state(&self) -> TxState {
        self.state
    }

    /// Makes the writer ready for the next connection.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Sends any event; `out` is only used for the head.
    ///
    /// # Errors
    /// [`Error::BadEventInState`] for an event out of order; [`Error::BufferTooSmall`]
    /// if the head does not fit in `out`. The state does not change on an error.
    pub fn send<'b>(
        &mut self,
        event: ResponseEvent<'_, 'b>,
        out: &mut [u8],
    ) -> Result<Output<'b>, Error> {
        match event {
            ResponseEvent::Headers(head) => self.send_head(head, out).map(Output::Head),
            ResponseEvent::Body(data) => self.send_body(data).map(Output::Body),
            ResponseEvent::End => self.send_end().map(|()| Output::Close),
        }
    }

    /// Encodes the head into `out` and returns its length.
    ///
    /// # Errors
    /// As [`Writer::send`].
    pub fn send_head(&mut self, head: &ResponseHead<'_>, out: &mut [u8]) -> Result<usize, Error> {
        if self.state != TxState::Headers {
            return Err(Error::BadEventInState);
        }
        let n = head.encode(out)?;
        self.state = if head.status().is_some() {
            TxState::Body
        } else {
            TxState::NoBody
        };
        Ok(n)
    }

    /// Checks that a body chunk may be sent and hands it back untouched.
    ///
    /// # Errors
    /// [`Error::BadEventInState`] before the head, after a local redirect or after the end.
    pub fn send_body<'b>(&mut self, data: &'b [u8]) -> Result<&'b [u8], Error> {
        match self.state {
            TxState::Body => Ok(data),
            _ => Err(Error::BadEventInState),
        }
    }

    /// Ends the response: the caller closes the connection.
    ///
    /// # Errors
    /// [`Error::BadEventInState`] before the head or after the end.
    pub fn send_end(&mut self) -> Result<(), Error> {
        match self.state {
            TxState::Body | TxState::NoBody => {
                self.state = TxState::Done;
                Ok(())
            }
            _ => Err(Error::BadEventInState),
        }
    }

    /// Sends an event and returns its bytes as a `Vec`, or `None` for "close the
    /// connection" (the Python `send` shape; feature `alloc`).
    ///
    /// # Errors
    /// As [`Writer::send`] (never `BufferTooSmall`).
    #[cfg(feature = "alloc")]
    pub fn send_to_vec(
        &mut self,
        event: ResponseEvent<'_, '_>,
    ) -> Result<Option<alloc::vec::Vec<u8>>, Error> {
        match event {
            ResponseEvent::Headers(head) => {
                let mut out = alloc::vec![0; head.encoded_len()];
                let n = self.send_head(head, &mut out)?;
                out.truncate(n);
                Ok(Some(out))
            }
            ResponseEvent::Body(data) => self.send_body(data).map(|d| Some(d.to_vec())),
            ResponseEvent::End => self.send_end().map(|()| None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    #[test]
    fn document_then_body_then_end() {
        let mut w = Writer::new();
        let head = ResponseHead::new(Some(Status::Code(200)), &[]).unwrap();
        let mut out = [0u8; 64];
        assert_eq!(w.send_body(b"x"), Err(Error::BadEventInState));
        assert_eq!(w.send_end(), Err(Error::BadEventInState));
        assert_eq!(
            w.send_head(&head, &mut out[..3]),
            Err(Error::BufferTooSmall { needed: 18 })
        );
        assert_eq!(w.state(), TxState::Headers);
        assert_eq!(
            w.send(ResponseEvent::Headers(&head), &mut out),
            Ok(Output::Head(18))
        );
        assert_eq!(w.state(), TxState::Body);
        assert_eq!(w.send_head(&head, &mut out), Err(Error::BadEventInState));
        assert_eq!(
            w.send(ResponseEvent::Body(b""), &mut out),
            Ok(Output::Body(b""))
        );
        assert_eq!(w.send(ResponseEvent::End, &mut out), Ok(Output::Close));
        assert_eq!(w.state(), TxState::Done);
        assert_eq!(w.send_body(b"x"), Err(Error::BadEventInState));
        assert_eq!(w.send_end(), Err(Error::BadEventInState));
        w.reset();
        assert_eq!(w.state(), TxState::Headers);
    }

    #[test]
    fn local_redirect_has_no_body() {
        let mut w = Writer::new();
        let head = ResponseHead::redirect("/x").unwrap();
        let mut out = [0u8; 64];
        assert_eq!(w.send_head(&head, &mut out), Ok(16));
        assert_eq!(w.state(), TxState::NoBody);
        assert_eq!(w.send_body(b"x"), Err(Error::BadEventInState));
        assert_eq!(w.send_end(), Ok(()));
    }
}
