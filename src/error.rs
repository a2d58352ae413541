//! The one error type of the crate: what went wrong, and whose fault it was.
//!
//! Errors are small `Copy + Eq` values. A *remote* error means the peer (the web server)
//! sent something that breaks the protocol; it carries a [`Error::status_hint`] for the
//! HTTP answer the web server should give. A *local* error means the application misused
//! the API (sent events out of order, asked for a header that would corrupt the response,
//! gave too small a buffer).
//!
//! The reader keeps the first error it meets and reports it again on every later call
//! (the state is sticky, as in the Python original). The writer refuses a bad event and
//! stays where it was, so the application can send a different one (an error page).

use core::fmt;

/// Who broke the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Origin {
    /// The peer sent something invalid.
    Remote,
    /// The local application misused the API.
    Local,
}

/// Everything that can go wrong, named as in Python sioscgi without the `Error` suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    // ----- remote: the request -----
    /// The netstring length prefix is not `[1-9][0-9]*` followed by `:`.
    BadNetstringLength,
    /// The byte after the header block is not `,`.
    BadNetstringTerminator,
    /// The header block does not end with a NUL byte.
    HeadersNotNulTerminated,
    /// The header block holds an odd number of NUL-terminated strings.
    HeadersOddStringCount,
    /// A header (environment variable) name is empty.
    HeaderEmpty,
    /// A name appears twice in the request environment, or (writer) `Content-Type` or
    /// `Location` is given twice.
    DuplicateHeader,
    /// The mandatory `SCGI` variable is missing.
    NoScgiVariable,
    /// `SCGI` is not exactly `1`.
    BadScgiVersion,
    /// The mandatory `CONTENT_LENGTH` variable is missing.
    NoContentLength,
    /// `CONTENT_LENGTH` is not a decimal number that fits in a `u64`.
    BadContentLength,
    /// `CONTENT_LENGTH` is not the first variable (only with
    /// [`Config::require_content_length_first`](crate::Config::require_content_length_first)).
    ContentLengthNotFirst,
    /// The declared header block is larger than the configured limit or the storage.
    HeadersTooLarge,
    /// The header block fits the storage, but its index does not: it has more pairs than
    /// the room after it takes (24 bytes per pair from the first 4-byte boundary, see
    /// [`storage::len_for`](crate::storage::len_for)).
    TooManyHeaders,
    /// The peer closed the connection before the request was complete.
    RemotePrematureEof,

    // ----- local: the reader -----
    /// Data was passed to the reader after it was told about EOF.
    ReceiveAfterEof,

    // ----- local: the writer -----
    /// A response header is hop-by-hop (`Connection`, `Transfer-Encoding`, ...).
    HeaderHopByHop,
    /// A response header, status or location cannot be encoded in ISO-8859-1.
    HeaderNotIso88591,
    /// A response without a status (local redirect) must have `Location` and nothing else.
    NonDocumentHeaders,
    /// The event cannot be sent in the writer's current state.
    BadEventInState,
    /// A CR, LF or NUL inside a header name, value, status or location.
    HeaderInjection,
    /// A response header name that is not an HTTP token.
    BadHeaderName,
    /// A status that is not `NNN Reason` with a code in 100..=999.
    BadStatus,
    /// An empty or otherwise invalid `Location` value.
    BadLocation,
    /// The output buffer cannot hold the encoded response head.
    BufferTooSmall {
        /// The number of bytes the encoding needs.
        needed: usize,
    },

    // ----- local: the request writer (client side) -----
    /// A request variable with an empty name.
    RequestNameEmpty,
    /// A NUL byte in a request variable's name or value.
    RequestNulByte,
    /// A request variable given twice.
    RequestDuplicateName,
    /// `SCGI` given with a value other than `1`.
    RequestBadScgiVersion,
    /// `CONTENT_LENGTH` given with a value other than the body length.
    RequestContentLengthMismatch,
    /// More body bytes than the announced `CONTENT_LENGTH`.
    BodyTooLong,
    /// The request ended before `CONTENT_LENGTH` body bytes were sent.
    BodyTooShort,

    // ----- remote: the response (client side) -----
    /// A response header line without `:`.
    ResponseHeaderNoColon,
    /// A response header name that is not an HTTP token.
    ResponseBadHeaderName,
    /// A NUL or a lone CR inside a response header value.
    ResponseBadHeaderValue,
    /// A response header line starting with whitespace (obsolete line folding).
    ResponseHeaderFolded,
    /// A `Status` that is not `NNN` or `NNN Reason` with a code in 100..=999.
    ResponseBadStatus,
    /// `Status`, `Location` or `Content-Type` given twice.
    ResponseDuplicateHeader,
    /// The response header section does not end within the limit.
    ResponseHeadersTooLarge,
}

impl Error {
    /// Whether the peer or the local application is at fault.
    pub const fn origin(&self) -> Origin {
        match self {
            Error::BadNetstringLength
            | Error::BadNetstringTerminator
            | Error::HeadersNotNulTerminated
            | Error::HeadersOddStringCount
            | Error::HeaderEmpty
            | Error::NoScgiVariable
            | Error::BadScgiVersion
            | Error::NoContentLength
            | Error::BadContentLength
            | Error::ContentLengthNotFirst
            | Error::HeadersTooLarge
            | Error::TooManyHeaders
            | Error::RemotePrematureEof => Origin::Remote,
            // The reader reports a repeated request name; the writer a repeated
            // Content-Type or Location. Both directions use the same name, as sioscgi's
            // DuplicateHeaderError; the reader's use is the remote one.
            Error::DuplicateHeader => Origin::Remote,
            Error::ResponseHeaderNoColon
            | Error::ResponseBadHeaderName
            | Error::ResponseBadHeaderValue
            | Error::ResponseHeaderFolded
            | Error::ResponseBadStatus
            | Error::ResponseDuplicateHeader
            | Error::ResponseHeadersTooLarge => Origin::Remote,
            Error::ReceiveAfterEof
            | Error::RequestNameEmpty
            | Error::RequestNulByte
            | Error::RequestDuplicateName
            | Error::RequestBadScgiVersion
            | Error::RequestContentLengthMismatch
            | Error::BodyTooLong
            | Error::BodyTooShort
            | Error::HeaderHopByHop
            | Error::HeaderNotIso88591
            | Error::NonDocumentHeaders
            | Error::BadEventInState
            | Error::HeaderInjection
            | Error::BadHeaderName
            | Error::BadStatus
            | Error::BadLocation
            | Error::BufferTooSmall { .. } => Origin::Local,
        }
    }

    /// `true` if the peer broke the protocol.
    pub const fn is_remote(&self) -> bool {
        matches!(self.origin(), Origin::Remote)
    }

    /// The HTTP status a web server would answer for this remote error: 431 when the
    /// request's header block is too large or has too many pairs, 400 for every other broken request, 502 (Bad
    /// Gateway) for a broken response from an SCGI application. `None` for local errors
    /// and for [`Error::RemotePrematureEof`] (the connection is gone).
    pub const fn status_hint(&self) -> Option<u16> {
        match self {
            Error::HeadersTooLarge | Error::TooManyHeaders => Some(431),
            Error::RemotePrematureEof => None,
            Error::ResponseHeaderNoColon
            | Error::ResponseBadHeaderName
            | Error::ResponseBadHeaderValue
            | Error::ResponseHeaderFolded
            | Error::ResponseBadStatus
            | Error::ResponseDuplicateHeader
            | Error::ResponseHeadersTooLarge => Some(502),
            _ if self.is_remote() => Some(400),
            _ => None,
        }
    }

    /// The variant's name, e.g. `"BadNetstringLength"` (stable; used by the trace tool).
    pub const fn name(&self) -> &'static str {
        match self {
            Error::BadNetstringLength => "BadNetstringLength",
            Error::BadNetstringTerminator => "BadNetstringTerminator",
            Error::HeadersNotNulTerminated => "HeadersNotNulTerminated",
            Error::HeadersOddStringCount => "HeadersOddStringCount",
            Error::HeaderEmpty => "HeaderEmpty",
            Error::DuplicateHeader => "DuplicateHeader",
            Error::NoScgiVariable => "NoScgiVariable",
            Error::BadScgiVersion => "BadScgiVersion",
            Error::NoContentLength => "NoContentLength",
            Error::BadContentLength => "BadContentLength",
            Error::ContentLengthNotFirst => "ContentLengthNotFirst",
            Error::HeadersTooLarge => "HeadersTooLarge",
            Error::TooManyHeaders => "TooManyHeaders",
            Error::RemotePrematureEof => "RemotePrematureEof",
            Error::ReceiveAfterEof => "ReceiveAfterEof",
            Error::HeaderHopByHop => "HeaderHopByHop",
            Error::HeaderNotIso88591 => "HeaderNotIso88591",
            Error::NonDocumentHeaders => "NonDocumentHeaders",
            Error::BadEventInState => "BadEventInState",
            Error::HeaderInjection => "HeaderInjection",
            Error::BadHeaderName => "BadHeaderName",
            Error::BadStatus => "BadStatus",
            Error::BadLocation => "BadLocation",
            Error::BufferTooSmall { .. } => "BufferTooSmall",
            Error::RequestNameEmpty => "RequestNameEmpty",
            Error::RequestNulByte => "RequestNulByte",
            Error::RequestDuplicateName => "RequestDuplicateName",
            Error::RequestBadScgiVersion => "RequestBadScgiVersion",
            Error::RequestContentLengthMismatch => "RequestContentLengthMismatch",
            Error::BodyTooLong => "BodyTooLong",
            Error::BodyTooShort => "BodyTooShort",
            Error::ResponseHeaderNoColon => "ResponseHeaderNoColon",
            Error::ResponseBadHeaderName => "ResponseBadHeaderName",
            Error::ResponseBadHeaderValue => "ResponseBadHeaderValue",
            Error::ResponseHeaderFolded => "ResponseHeaderFolded",
            Error::ResponseBadStatus => "ResponseBadStatus",
            Error::ResponseDuplicateHeader => "ResponseDuplicateHeader",
            Error::ResponseHeadersTooLarge => "ResponseHeadersTooLarge",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Error::BadNetstringLength => "invalid netstring length prefix",
            Error::BadNetstringTerminator => "invalid end-of-environment character (expected ',')",
            Error::HeadersNotNulTerminated => "environment block not NUL-terminated",
            Error::HeadersOddStringCount => "environment block missing final value",
            Error::HeaderEmpty => "environment variable with empty name",
            Error::DuplicateHeader => "duplicate header name",
            Error::NoScgiVariable => "mandatory variable SCGI missing",
            Error::BadScgiVersion => "SCGI variable is not 1",
            Error::NoContentLength => "mandatory variable CONTENT_LENGTH missing",
            Error::BadContentLength => "invalid CONTENT_LENGTH, expected a whole number",
            Error::ContentLengthNotFirst => "CONTENT_LENGTH is not the first variable",
            Error::HeadersTooLarge => "environment block larger than the limit",
            Error::TooManyHeaders => "more environment variables than the storage can index",
            Error::RemotePrematureEof => "premature EOF",
            Error::ReceiveAfterEof => "data received after EOF",
            Error::HeaderHopByHop => "hop-by-hop response header",
            Error::HeaderNotIso88591 => "a response header is not ISO-8859-1-encodable",
            Error::NonDocumentHeaders => {
                "non-document responses must contain a Location header and no others"
            }
            Error::BadEventInState => "event not allowed in the current state",
            Error::HeaderInjection => "CR, LF or NUL in a response header",
            Error::BadHeaderName => "response header name is not an HTTP token",
            Error::BadStatus => "status is not a 3-digit code (100-999) and a reason phrase",
            Error::BadLocation => "invalid Location value",
            Error::RequestNameEmpty => "request variable with an empty name",
            Error::RequestNulByte => "NUL byte in a request variable",
            Error::RequestDuplicateName => "request variable given twice",
            Error::RequestBadScgiVersion => "SCGI must be 1",
            Error::RequestContentLengthMismatch => "CONTENT_LENGTH differs from the body length",
            Error::BodyTooLong => "more body bytes than CONTENT_LENGTH",
            Error::BodyTooShort => "request ended before CONTENT_LENGTH body bytes",
            Error::ResponseHeaderNoColon => "response header line without ':'",
            Error::ResponseBadHeaderName => "response header name is not an HTTP token",
            Error::ResponseBadHeaderValue => "NUL or lone CR in a response header value",
            Error::ResponseHeaderFolded => "obsolete line folding in the response header",
            Error::ResponseBadStatus => "invalid response Status",
            Error::ResponseDuplicateHeader => "Status, Location or Content-Type given twice",
            Error::ResponseHeadersTooLarge => "response header section larger than the limit",
            Error::BufferTooSmall { needed } => {
                return write!(f, "output buffer too small: {needed} bytes needed");
            }
        };
        f.write_str(text)
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_hints() {
        assert_eq!(Error::HeadersTooLarge.status_hint(), Some(431));
        assert_eq!(Error::TooManyHeaders.status_hint(), Some(431));
        assert!(Error::TooManyHeaders.is_remote());
        assert_eq!(Error::BadContentLength.status_hint(), Some(400));
        assert_eq!(Error::RemotePrematureEof.status_hint(), None);
        assert_eq!(Error::BadEventInState.status_hint(), None);
        assert_eq!(Error::ReceiveAfterEof.origin(), Origin::Local);
        assert!(Error::DuplicateHeader.is_remote());
        assert_eq!(Error::ResponseBadStatus.status_hint(), Some(502));
        assert_eq!(Error::BodyTooLong.origin(), Origin::Local);
        assert_eq!(Error::BodyTooLong.status_hint(), None);
    }

    #[test]
    fn display_and_name() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(
            Error::BufferTooSmall { needed: 7 }.to_string(),
            "output buffer too small: 7 bytes needed"
        );
        assert_eq!(Error::BufferTooSmall { needed: 7 }.name(), "BufferTooSmall");
        assert_eq!(Error::HeaderEmpty.name(), "HeaderEmpty");
    }
}
