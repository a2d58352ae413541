"""The response half of SCGI: events in, bytes for the web server out.

``Headers`` checks a response head when it is made (in Rust, with the rules of the
original and the stricter ones listed in the package README) and encodes it once.
"""

from __future__ import annotations

import enum

__all__ = [
    "BadEventInStateError",
    "BadHeaderNameError",
    "BadLocationError",
    "BadStatusError",
    "Body",
    "DuplicateHeaderError",
    "End",
    "Error",
    "Event",
    "HeaderHopByHopError",
    "HeaderInjectionError",
    "HeaderNotISO88591Error",
    "Headers",
    "NonDocumentHeadersError",
    "SCGIWriter",
    "State",
]


@enum.unique
class State(enum.Enum):
    """Where a writer is in the response."""

    HEADERS = enum.auto()
    """The head must be sent first."""

    BODY = enum.auto()
    """Body chunks, or the end, may be sent."""

    NO_BODY = enum.auto()
    """A head without a status (a local redirect) was sent: only the end may follow."""

    DONE = enum.auto()
    """The response is complete: close the connection."""


class Error(Exception):
    """The application broke the protocol. Only its subclasses are raised."""

    __slots__ = ()


class HeaderHopByHopError(Error):
    """A response header is hop-by-hop (``Connection``, ``Transfer-Encoding``, ...)."""

    __slots__ = ()

    def __init__(self, name: str) -> None:
        """Make the error for the header ``name``."""
        super().__init__(f"Header {name} is hop-by-hop and therefore illegal")


class HeaderNotISO88591Error(Error):
    """A header, the status or the location cannot be encoded in ISO-8859-1."""

    __slots__ = ()

    def __init__(self) -> None:
        """Make the error."""
        super().__init__("A response header is not ISO-8859-1-encodable")


class NonDocumentHeadersError(Error):
    """A response without a status must have ``Location`` and no other header."""

    __slots__ = ()

    def __init__(self) -> None:
        """Make the error."""
        super().__init__(
            "Non-document responses must contain a Location header and no others"
        )


class BadEventInStateError(Error):
    """The event cannot be sent in the writer's state."""

    __slots__ = ()

    def __init__(self, event: type[Event], state: State) -> None:
        """Make the error for an event of type ``event`` sent in ``state``."""
        super().__init__(f"Event {type(event)} prohibited in state {state}")


class HeaderInjectionError(Error):
    """
    A CR, LF or NUL in a header name or value, the status or the location.

    This package's own class (the original writes such a head out: response splitting).
    """

    __slots__ = ()


class BadHeaderNameError(Error):
    """A header name that is not an HTTP token (this package's own class)."""

    __slots__ = ()


class DuplicateHeaderError(Error):
    """
    ``Content-Type`` or ``Location`` given twice (this package's own class; the original
    keeps the first silently).
    """

    __slots__ = ()


class BadStatusError(Error):
    """A status that is not ``NNN Reason`` with NNN in 100..999 (this package's own class)."""

    __slots__ = ()


class BadLocationError(Error):
    """An empty ``Location`` (this package's own class)."""

    __slots__ = ()


from sioscgi._native import (  # noqa: E402  (the native classes use the names above)
    ResponseBody as Body,
    ResponseEnd as End,
    ResponseEvent as Event,
    ResponseHeaders as Headers,
    SCGIWriter,
)
