"""SCGI, sans I/O, on the Rust core of sioscgi.

The 5.x API is in ``sioscgi.request`` (``SCGIReader``) and ``sioscgi.response``
(``SCGIWriter``); the 2.x API (``SCGIConnection`` and its events, states and errors) is
here, as sioscgi 2.x had it.
"""

from __future__ import annotations

import enum
import importlib.metadata

__all__ = [
    "Event",
    "LocalProtocolError",
    "ProtocolError",
    "RXState",
    "RemoteProtocolError",
    "RequestBody",
    "RequestEnd",
    "RequestHeaders",
    "ResponseBody",
    "ResponseEnd",
    "ResponseHeaders",
    "SCGIConnection",
    "TXState",
    "request",
    "response",
]
__version__ = importlib.metadata.version("sioscgi-rs")


@enum.unique
class RXState(enum.Enum):
    """Where the receive half of an ``SCGIConnection`` is."""

    HEADER_LENGTH = enum.auto()
    HEADERS = enum.auto()
    BODY = enum.auto()
    DONE = enum.auto()
    ERROR = enum.auto()


@enum.unique
class TXState(enum.Enum):
    """Where the transmit half of an ``SCGIConnection`` is."""

    HEADERS = enum.auto()
    BODY = enum.auto()
    NO_BODY = enum.auto()
    DONE = enum.auto()
    ERROR = enum.auto()


class ProtocolError(Exception):
    """A protocol violation, by the web server or by the application."""


class LocalProtocolError(ProtocolError):
    """The application broke the protocol."""


class RemoteProtocolError(ProtocolError):
    """The web server broke the protocol."""


from sioscgi._native import (  # noqa: E402  (the native classes use the names above)
    LegacyEvent as Event,
    LegacyRequestBody as RequestBody,
    LegacyRequestEnd as RequestEnd,
    LegacyRequestHeaders as RequestHeaders,
    LegacyResponseBody as ResponseBody,
    LegacyResponseEnd as ResponseEnd,
    LegacyResponseHeaders as ResponseHeaders,
    SCGIConnection,
)


def __getattr__(name: str) -> object:
    # `sioscgi.request` and `sioscgi.response` without importing them first, as
    # `import sioscgi` then `sioscgi.request.SCGIReader` would expect.
    if name in ("request", "response"):
        return importlib.import_module(f"sioscgi.{name}")
    raise AttributeError(f"module 'sioscgi' has no attribute {name!r}")
