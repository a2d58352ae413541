"""Type information for the native classes (re-exported by the package's modules)."""

from collections.abc import Iterable
from typing import Any
import wsgiref.headers

from sioscgi import RXState, TXState
from sioscgi.request import State as RequestState
from sioscgi.response import State as ResponseState

# ----- sioscgi.request

class RequestEvent:
    """The base class of the events an SCGIReader returns."""

class RequestHeaders(RequestEvent):
    """A request started: its environment."""

    environment: dict[str, bytes]
    def __init__(self, environment: dict[str, bytes]) -> None: ...

class RequestBody(RequestEvent):
    """A chunk of the request body (never empty)."""

    data: bytes | bytearray | memoryview
    def __init__(self, data: bytes | bytearray | memoryview) -> None: ...

class RequestEnd(RequestEvent):
    """The request is complete."""

    def __init__(self) -> None: ...

class SCGIReader:
    """The read half of an SCGI connection: bytes in, events out (parsed eagerly)."""

    def __init__(self, rx_buffer_limit: int = 65536) -> None: ...
    @property
    def state(self) -> RequestState: ...
    def receive_data(self, data: bytes | bytearray | memoryview) -> None: ...
    def next_event(self) -> RequestEvent | None: ...

# ----- sioscgi.response

class ResponseEvent:
    """The base class of the events an SCGIWriter sends."""

class ResponseHeaders(ResponseEvent):
    """The response head, checked when made."""

    def __init__(self, status: str | None, headers: Iterable[tuple[str, str]]) -> None: ...
    status: str | None
    content_type: str | None
    location: str | None
    other_headers: wsgiref.headers.Headers
    @property
    def succeeding_state(self) -> ResponseState: ...
    def encode(self) -> bytes: ...

class ResponseBody(ResponseEvent):
    """A chunk of the response body."""

    data: Any
    def __init__(self, data: Any) -> None: ...

class ResponseEnd(ResponseEvent):
    """The end of the response."""

    def __init__(self) -> None: ...

class SCGIWriter:
    """The write half of an SCGI connection: events in, bytes out."""

    def __init__(self) -> None: ...
    @property
    def state(self) -> ResponseState: ...
    def send(self, event: ResponseEvent) -> Any: ...

# ----- sioscgi (2.x)

class LegacyEvent:
    """The base class of every 2.x event."""

class LegacyRequestHeaders(LegacyEvent):
    environment: dict[str, str]
    def __init__(self, environment: dict[str, str]) -> None: ...

class LegacyRequestBody(LegacyEvent):
    data: bytes | bytearray | memoryview
    def __init__(self, data: bytes | bytearray | memoryview) -> None: ...

class LegacyRequestEnd(LegacyEvent):
    def __init__(self) -> None: ...

class LegacyResponseHeaders(LegacyEvent):
    def __init__(self, status: str | None, headers: Iterable[tuple[str, str]]) -> None: ...
    status: str | None
    content_type: str | None
    location: str | None
    other_headers: wsgiref.headers.Headers
    @property
    def succeeding_state(self) -> TXState: ...
    def encode(self) -> bytes: ...

class LegacyResponseBody(LegacyEvent):
    data: Any
    def __init__(self, data: Any) -> None: ...

class LegacyResponseEnd(LegacyEvent):
    def __init__(self) -> None: ...

class SCGIConnection:
    """An SCGI connection (2.x): both halves in one object."""

    def __init__(self, rx_buffer_limit: int = 65536) -> None: ...
    @property
    def rx_state(self) -> RXState: ...
    @property
    def tx_state(self) -> TXState: ...
    def receive_data(self, data: bytes | bytearray | memoryview) -> None: ...
    def next_event(self) -> LegacyEvent | None: ...
    def send(self, event: LegacyEvent) -> bytes | None: ...
