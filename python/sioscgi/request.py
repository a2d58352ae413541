"""The request half of SCGI: bytes from the web server in, events out.

``SCGIReader`` parses eagerly in Rust: after ``receive_data`` returns, ``state`` already
reflects every byte given, and a protocol error is raised by the next ``next_event``
call, before any event still queued.
"""

from __future__ import annotations

import enum

__all__ = [
    "BadContentLengthError",
    "BadNetstringLengthError",
    "BadNetstringTerminatorError",
    "BadSCGIVersionError",
    "Body",
    "ContentLengthNotFirstError",
    "DuplicateHeaderError",
    "End",
    "Error",
    "Event",
    "HeaderEmptyError",
    "HeaderNotISO88591Error",
    "Headers",
    "HeadersContentError",
    "HeadersError",
    "HeadersNotNULTerminatedError",
    "HeadersOddStringCountError",
    "HeadersStructuralError",
    "HeadersTooLargeError",
    "NetstringError",
    "NoContentLengthError",
    "NoSCGIVariableError",
    "ReceiveAfterEOFError",
    "RemotePrematureEOFError",
    "SCGIReader",
    "State",
    "TooManyHeadersError",
]


@enum.unique
class State(enum.Enum):
    """Where a reader is in the request."""

    HEADER_LENGTH = enum.auto()
    """Reading the netstring's length prefix."""

    HEADERS = enum.auto()
    """Reading the header block (the environment)."""

    BODY = enum.auto()
    """Reading the body."""

    DONE = enum.auto()
    """The whole request was read."""

    ERROR = enum.auto()
    """The request broke the protocol (or the application misused the reader)."""


class Error(Exception):
    """The request broke the protocol. Only its subclasses are raised."""

    __slots__ = ()


class HeadersError(Error):
    """The environment block is not acceptable. Only its subclasses are raised."""

    __slots__ = ()


class NetstringError(HeadersError):
    """The netstring around the environment is broken. Only its subclasses are raised."""

    __slots__ = ()


class BadNetstringLengthError(NetstringError):
    """The length prefix is not a length, or it is over the reader's limit."""

    __slots__ = ()

    def __init__(self) -> None:
        """Make the error."""
        super().__init__("Invalid netstring length prefix")


class HeadersTooLargeError(BadNetstringLengthError):
    """
    The length prefix announces an environment larger than ``rx_buffer_limit``.

    Raised as soon as the prefix shows it (this package's own class: the original raises
    ``BadNetstringLengthError``, which this class is).
    """

    __slots__ = ()


class BadNetstringTerminatorError(NetstringError):
    """The byte after the environment is not a comma."""

    __slots__ = ()

    def __init__(self) -> None:
        """Make the error."""
        super().__init__("Invalid end-of-environment character")


class HeadersStructuralError(HeadersError):
    """The environment block is malformed. Only its subclasses are raised."""

    __slots__ = ()


class HeadersNotNULTerminatedError(HeadersStructuralError):
    """The environment block does not end with a NUL byte."""

    __slots__ = ()

    def __init__(self) -> None:
        """Make the error."""
        super().__init__("Environment block not NUL-terminated")


class HeadersOddStringCountError(HeadersStructuralError):
    """The environment block has a name without a value."""

    __slots__ = ()

    def __init__(self) -> None:
        """Make the error."""
        super().__init__("Environment block missing final value")


class HeaderNotISO88591Error(HeadersStructuralError):
    """
    A variable name is not ISO-8859-1.

    Every byte string is ISO-8859-1, so no reader raises it; it exists for code that
    catches it.
    """

    __slots__ = ()

    def __init__(self, name: bytes) -> None:
        """Make the error for the variable ``name``."""
        super().__init__(f"Environment variable name {name!r} is not ISO-8859-1")


class HeaderEmptyError(HeadersStructuralError):
    """A variable has an empty name."""

    __slots__ = ()

    def __init__(self) -> None:
        """Make the error."""
        super().__init__("Environment variable with empty name")


class DuplicateHeaderError(HeadersStructuralError):
    """A variable name appears twice."""

    __slots__ = ()

    def __init__(self, name: str) -> None:
        """Make the error for the variable ``name``."""
        super().__init__(f"Duplicate environment variable {name}")


class TooManyHeadersError(HeadersStructuralError):
    """
    The environment has more variables than the reader indexes.

    This package's own class; the reader of this package indexes any number, so it is
    only raised by readers given a fixed storage.
    """

    __slots__ = ()


class HeadersContentError(HeadersError):
    """A mandatory variable is missing or wrong. Only its subclasses are raised."""

    __slots__ = ()


class NoSCGIVariableError(HeadersContentError):
    """The ``SCGI`` variable is missing."""

    __slots__ = ()

    def __init__(self) -> None:
        """Make the error."""
        super().__init__("Mandatory variable SCGI missing")


class BadSCGIVersionError(HeadersContentError):
    """The ``SCGI`` variable is not ``1``."""

    __slots__ = ()

    def __init__(self, version: bytes) -> None:
        """Make the error for the value ``version``."""
        super().__init__(f"SCGI variable is {version!r}, expected 1")


class NoContentLengthError(HeadersContentError):
    """The ``CONTENT_LENGTH`` variable is missing."""

    __slots__ = ()

    def __init__(self) -> None:
        """Make the error."""
        super().__init__("Mandatory variable CONTENT_LENGTH missing")


class BadContentLengthError(HeadersContentError):
    """``CONTENT_LENGTH`` is not a whole number (ASCII digits, at most 2**64 - 1)."""

    __slots__ = ()

    def __init__(self, value: str) -> None:
        """Make the error for the value ``value``."""
        super().__init__(f"Invalid CONTENT_LENGTH {value}, expected a whole number")


class ContentLengthNotFirstError(HeadersContentError):
    """
    ``CONTENT_LENGTH`` is not the first variable.

    This package's own class, for readers that enforce the specification's order (the
    Rust core's ``Config::require_content_length_first``); ``SCGIReader`` does not.
    """

    __slots__ = ()


class RemotePrematureEOFError(Error):
    """The web server closed the connection before the end of the request."""

    __slots__ = ()

    def __init__(self) -> None:
        """Make the error."""
        super().__init__("Premature EOF")


class ReceiveAfterEOFError(Error):
    """Data was given after the end of the stream (raised at once by ``receive_data``)."""

    __slots__ = ()

    def __init__(self) -> None:
        """Make the error."""
        super().__init__("Data received after EOF")


from sioscgi._native import (  # noqa: E402  (the native classes use the names above)
    RequestBody as Body,
    RequestEnd as End,
    RequestEvent as Event,
    RequestHeaders as Headers,
    SCGIReader,
)
