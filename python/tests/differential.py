#!/usr/bin/env python3
"""Differential test: sioscgi-rs against the original sioscgi 5.0.0 and 2.1.1, in one process.

Usage: differential.py --originals DIR [--cases N] [--seed S] [--logs] [--vectors DIR]

Run it with the Python that has sioscgi-rs installed (``import sioscgi`` is sioscgi-rs).
DIR holds the originals' extracted sdists, ``sioscgi-5.0.0/`` and ``sioscgi-2.1.1/``
(``pip download --no-deps --no-binary :all: sioscgi==5.0.0``, the same for 2.1.1, then
unpack both into DIR). The originals are loaded from their source under other module
names (5.0.0's ``request.py`` and ``response.py`` as two standalone modules, since its
``__init__`` asks importlib.metadata for its own version; 2.1.1's ``__init__.py`` as one
module), so they never shadow, nor are shadowed by, sioscgi-rs's ``sioscgi``. Messages,
reprs and logger names that carry those module names are mapped back to ``sioscgi.request``,
``sioscgi.response`` and ``sioscgi``, as the originals installed would print them.

What is compared, on both APIs (5.x ``sioscgi.request``/``sioscgi.response``; 2.x
``sioscgi.SCGIConnection`` and its events):

* requests: the captures in tests/vectors, hand-written edge cases and seeded random
  streams, each fed whole, one byte per call and in random chunkings (bytes, bytearray,
  memoryview, a memoryview of a bytearray and a bytes subclass mixed per chunk, every EOF
  spelling, data after EOF, small limits), the events drained after every call, only at
  the end, or a few at a time. After every call: the exception from ``receive_data``
  (class, ``str()``), the state(s), and each event drained (class; the environment with
  key order and value types; Body data, its type and whether it is the very object given
  to ``receive_data``; the repr) or the exception from ``next_event``.
* responses: random heads (odd statuses, Content-Type and Location zero to two times,
  hop-by-hop names, non-Latin-1 text, CR/LF/NUL, non-token names, non-str values), then
  body chunks, End, foreign objects, a second head and changes to ``other_headers``, in
  valid and invalid orders. Compared: the exception from the constructor, the attributes
  ``status``, ``content_type``, ``location``, ``list(other_headers.items())``, ``repr()``,
  ``encode()``, what each ``send`` returns (value, type, identity) or raises, the states;
  in 2.x also a request before the response and the receive half afterwards.
* the API surface: every class of the originals' modules exists in sioscgi-rs with the
  same MRO names, enums with the same members and values; readers made with odd limits;
  events made by the application (repr, equality, hashing, the attribute being the very
  object given); events pickled (every protocol, and their ``__reduce_ex__(2)`` form),
  copied, subclassed, and their attributes set.
* with ``--logs``: the log records (logger name, level, message) at DEBUG, call by call.

The deliberate differences of python/README.md ("Differences from the original") are
modelled here from the input alone, independently of sioscgi-rs:

  R1 length prefix not ``[1-9][0-9]*:``  -> BadNetstringLengthError at the first bad byte
  R2 prefix value over rx_buffer_limit   -> HeadersTooLargeError at the digit that shows it
  R3 CONTENT_LENGTH not ASCII digits <= 2**64-1 (once the original's own header checks
     pass)                               -> BadContentLengthError at the netstring's comma
  MV a non-empty memoryview given in the length prefix (the original: AttributeError)
                                         -> read like bytes; body taken from it comes out
                                            as a memoryview slice of it, as from any chunk
  and, after the original's own checks accepted a response head: Trailer or
  Proxy-Connection (HeaderHopByHopError naming the first), CR/LF/NUL anywhere
  (HeaderInjectionError), a non-token name (BadHeaderNameError), two Content-Type or two
  Location (DuplicateHeaderError), a status not ``NNN Reason`` with NNN 100..999
  (BadStatusError), an empty Location (BadLocationError); when several apply, any of them.
  A head changed after it was made is checked again by the same rules when encoded: its
  encode() and send() raise what the original's constructor raises for the head as it
  now is (exactly), else any of the strict rules it breaks, where the original writes the
  change out (or fails with UnicodeEncodeError). A Content-Type or Location put into
  other_headers after the head was made is sent as the head's own: the same lines, in
  another order. An rx_buffer_limit over 2**32 - 1 acts as 2**32 - 1.

For a request under R1-R3 sioscgi-rs must behave as the original up to the call that
delivers the offending byte, and from that call on as a reader failed with that error: it
stays in ERROR, ``next_event`` raises the error, data after EOF replaces it with
ReceiveAfterEOFError. In 5.x the class and message are exact (the README's classes, each
a subclass of the original's); in 2.x the class is RemoteProtocolError with one of the
original's messages for that kind of problem (and, as 2.x checks its buffer on every
call that parses, "Too many bytes buffered" again after an end of stream). Everything
else must match exactly.

Prints ``N cases, N differences``, then each kind of difference with its count and its
smallest example, and the elapsed time; exits 1 on any difference. Deterministic for a
seed.
"""

from __future__ import annotations

import argparse
import collections
import copy
import dataclasses
import importlib
import importlib.util
import logging
import pathlib
import pickle
import random
import re
import sys
import time
from collections.abc import Callable

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_VECTORS = HERE.parents[1] / "tests" / "vectors"

# The module names the originals are loaded under, and the names they stand for.
O5_REQ = "_sioscgi_original_5_0_0_request"
O5_RESP = "_sioscgi_original_5_0_0_response"
O2 = "_sioscgi_original_2_1_1"
CANONICAL = {O5_REQ: "sioscgi.request", O5_RESP: "sioscgi.response", O2: "sioscgi"}

# What a call may raise that is recorded as its outcome: everything, as PyO3 raises a Rust
# panic as PanicException, a BaseException (exc_rec re-raises KeyboardInterrupt/SystemExit).
CAUGHT = BaseException

DEFAULT_LIMIT = 65536
ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]+")
MODEL_USE: collections.Counter = collections.Counter()  # how often each model rule applied


def norm(text: str) -> str:
    """Map the originals' module names back to the real ones; hide object addresses."""
    for name, real in CANONICAL.items():
        text = text.replace(name, real)
    return ADDRESS.sub("at 0x…", text)


# ------------------------------------------------------------------------------ loading


def load_module(name: str, path: pathlib.Path):
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=None)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_originals(directory: pathlib.Path):
    five = directory / "sioscgi-5.0.0" / "src" / "sioscgi"
    two = directory / "sioscgi-2.1.1" / "src" / "sioscgi"
    for path in (five / "request.py", five / "response.py", two / "__init__.py"):
        if not path.is_file():
            sys.exit(f"{path} is missing: --originals must hold sioscgi-5.0.0/ and sioscgi-2.1.1/")
    return (
        load_module(O5_REQ, five / "request.py"),
        load_module(O5_RESP, five / "response.py"),
        load_module(O2, two / "__init__.py"),
    )


def import_ours(originals: pathlib.Path):
    """sioscgi-rs; retried for a while, as the package may be being rebuilt."""
    deadline = time.monotonic() + 90
    while True:
        try:
            import sioscgi
            import sioscgi.request
            import sioscgi.response

            break
        except ImportError as error:
            if time.monotonic() > deadline:
                raise
            print(f"import sioscgi failed ({error}); retrying", file=sys.stderr)
            for name in [n for n in sys.modules if n == "sioscgi" or n.startswith("sioscgi.")]:
                del sys.modules[name]
            time.sleep(2)
    where = pathlib.Path(sioscgi.__file__).resolve()
    if originals.resolve() in where.parents:
        sys.exit(f"`import sioscgi` found an original ({where}), not sioscgi-rs")
    if not hasattr(sioscgi.request, "HeadersTooLargeError"):
        sys.exit(f"`import sioscgi` ({where}) is not sioscgi-rs")
    return sioscgi, sioscgi.request, sioscgi.response


# ----------------------------------------------------------------------------- matchers


class Anything:
    """Equal to anything (a part of an outcome the model cannot know)."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "<any>"


ANY = Anything()


class OneOf:
    """Equal to any of its alternatives."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, *alternatives: object) -> None:
        self.alternatives = alternatives

    def __eq__(self, other: object) -> bool:
        return any(a == other for a in self.alternatives)

    def __repr__(self) -> str:
        return "one of: " + " | ".join(map(repr, self.alternatives))


class Regex:
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern, re.S)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.regex.fullmatch(other) is not None

    def __repr__(self) -> str:
        return f"/{self.regex.pattern}/"


class SameLines:
    """A record ("bytes", head) equal to another whose head has the same lines in any
    order (names case-insensitively): the README's difference for a Content-Type or
    Location put into other_headers after the head was made (sent as the head's own)."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, record: tuple) -> None:
        # ("bytes", head) from encode(), ("returned", "bytes", head, same) from send().
        self.record = record
        self.lines = self.split(self.head_of(record) or b"")

    @staticmethod
    def head_of(record: object) -> bytes | None:
        if isinstance(record, tuple) and record[:1] == ("bytes",) and len(record) == 2:
            return record[1]
        if isinstance(record, tuple) and record[:2] == ("returned", "bytes") and len(record) == 4:
            return record[2]
        return None

    @staticmethod
    def split(head: bytes) -> list[tuple[bytes, bytes]]:
        lines = [line.partition(b": ") for line in head.split(b"\r\n") if line]
        return sorted((name.lower(), value) for name, _, value in lines)

    def __eq__(self, other: object) -> bool:
        head = self.head_of(other)
        return (
            head is not None
            and isinstance(other, tuple)
            and other[:1] == self.record[:1]
            and head.endswith(b"\r\n\r\n")
            and self.split(head) == self.lines
        )

    def __repr__(self) -> str:
        return f"the same head lines as {self.lines!r}"


# Marks a changed head whose other_headers hold a Content-Type or Location.
SPECIAL_IN_OTHERS = ("special header in other_headers",)


class Expected(Exception):
    """An error the model raises in place of an implementation: its record is given."""

    def __init__(self, name: object, message: object) -> None:
        super().__init__(name, message)
        self.record = ("raise", name, message)


# ------------------------------------------------------------------------ the two sides


@dataclasses.dataclass
class Side:
    """One implementation of one API."""

    api: str  # "5.x" or "2.x"
    who: str  # "original" or "ours"
    modules: tuple  # where its classes are exported
    reader: Callable  # (limit or None) -> reader/connection
    writer: Callable  # () -> writer/connection
    req_headers: type
    req_body: type
    req_end: type
    req_event: type
    resp_headers: type
    resp_body: type
    resp_end: type
    resp_event: type
    error_state: object  # the receive half's ERROR member
    after_eof: Callable  # () -> the error data after EOF raises

    def rx_state(self, obj) -> object:
        return obj.state if self.api == "5.x" else obj.rx_state

    def state(self, obj) -> tuple:
        if self.api == "2.x":
            return (enum_rec(obj.rx_state), enum_rec(obj.tx_state))
        return (enum_rec(obj.state),)


ENUM_RECS: dict = {}


def enum_rec(member: object) -> tuple:
    try:
        return ENUM_RECS[member]
    except (KeyError, TypeError):
        rec = (type(member).__name__, getattr(member, "name", repr(member)))
        try:
            ENUM_RECS[member] = rec
        except TypeError:
            pass
        return rec


def make_reader(cls: type, limit: int | None) -> object:
    """The default limit, else the limit as a keyword (odd limits) or positionally."""
    if limit is None:
        return cls()
    return cls(rx_buffer_limit=limit) if limit % 2 else cls(limit)


def make_sides(o5req, o5resp, o2, ours_top, ours_rq, ours_rs) -> dict[str, Side]:
    def five(who, rq, rs):
        return Side(
            "5.x", who, (rq, rs),
            lambda limit: make_reader(rq.SCGIReader, limit),
            rs.SCGIWriter,
            rq.Headers, rq.Body, rq.End, rq.Event,
            rs.Headers, rs.Body, rs.End, rs.Event,
            rq.State.ERROR, lambda: rq.ReceiveAfterEOFError(),
        )

    def two(who, m):
        return Side(
            "2.x", who, (m,),
            lambda limit: make_reader(m.SCGIConnection, limit),
            m.SCGIConnection,
            m.RequestHeaders, m.RequestBody, m.RequestEnd, m.Event,
            m.ResponseHeaders, m.ResponseBody, m.ResponseEnd, m.Event,
            m.RXState.ERROR, lambda: m.LocalProtocolError("Data received after EOF"),
        )

    return {
        "5.x original": five("original", o5req, o5resp),
        "5.x ours": five("ours", ours_rq, ours_rs),
        "2.x original": two("original", o2),
        "2.x ours": two("ours", ours_top),
    }


def exc_rec(error: BaseException, side: Side) -> tuple:
    if isinstance(error, (KeyboardInterrupt, SystemExit)):
        raise error
    if isinstance(error, Expected):
        return error.record
    cls = type(error)
    name = cls.__name__
    if cls.__module__ != "builtins" and not any(getattr(m, name, None) is cls for m in side.modules):
        name += f" (not {side.api}'s exported class: {cls.__module__}.{cls.__qualname__})"
    return ("raise", norm(name), norm(str(error)))


# ------------------------------------------------------------------------------- logs


class LogCapture(logging.Handler):
    NAMES = {O5_REQ: "sioscgi.request", O5_RESP: "sioscgi.response", O2: "sioscgi"}

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple] = []
        self.enabled = False

    def emit(self, record: logging.LogRecord) -> None:
        name = self.NAMES.get(record.name, record.name)
        if name == "sioscgi" or name.startswith("sioscgi.") or name.startswith("sioscgi::"):
            self.records.append((name, record.levelname, norm(record.getMessage())))

    def take(self) -> tuple:
        if not self.enabled:
            return ()
        out = tuple(self.records)
        self.records.clear()
        return out


CAPTURE = LogCapture()


# ------------------------------------------------------------------------ request model

MAX_CONTENT_LENGTH = 2**64 - 1
# The README's differences: a larger rx_buffer_limit acts as this (the core indexes
# environments of up to 2**32 - 1 bytes).
MAX_BLOCK_LIMIT = 2**32 - 1


def netstring(pairs: list[tuple[bytes, bytes]], body: bytes = b"", prefix: str = "{}") -> bytes:
    block = b"".join(n + b"\0" + v + b"\0" for n, v in pairs)
    return prefix.format(len(block)).encode("latin-1") + b":" + block + b"," + body


def prefix_rule(stream: bytes, limit: int) -> tuple[int, str] | tuple[None, int]:
    """R1/R2 on the length prefix: (offset, rule) of the first offending byte, or
    (None, offset of the colon) when the prefix is fine (-1 when it is not complete)."""
    value = None
    for i, b in enumerate(stream):
        if 0x30 <= b <= 0x39:
            if value is None and b == 0x30:
                return i, "R1"
            value = (value or 0) * 10 + (b - 0x30)
            if value > limit:
                return i, "R2"
        elif b == 0x3A and value is not None:
            return None, i
        else:
            return i, "R1"
    return None, -1


def content_length_rule(stream: bytes, colon: int, api: str) -> tuple[int, bytes] | None:
    """R3: the offset of the netstring's comma and the CONTENT_LENGTH value, when the
    original's own checks of the environment pass and the value breaks the stricter rule."""
    length = int(stream[:colon])
    block = stream[colon + 1 : colon + 1 + length]
    comma = colon + 1 + length
    if len(block) < length or len(stream) <= comma or stream[comma] != 0x2C:
        return None
    if not block or block[-1] != 0:
        return None
    parts = block[:-1].split(b"\0")
    if len(parts) % 2:
        return None
    env: dict[bytes, bytes] = {}
    for i in range(0, len(parts), 2):
        if not parts[i] or parts[i] in env:
            return None
        env[parts[i]] = parts[i + 1]
    if env.get(b"SCGI") != b"1" or b"CONTENT_LENGTH" not in env:
        return None
    value = env[b"CONTENT_LENGTH"]
    try:
        if int(value.decode("latin-1")) < 0:
            return None
    except ValueError:
        return None  # the original refuses it too: no rule of this package's
    digits = value.lstrip(b"0") or b"0"
    if re.fullmatch(rb"[0-9]+", value) and len(digits) <= 20 and int(digits) <= MAX_CONTENT_LENGTH:
        return None
    return comma, value


def body_start(stream: bytes) -> int | None:
    offset, colon = prefix_rule(stream, 2**200)
    if offset is not None or colon < 0:
        return None
    return colon + 1 + int(stream[:colon]) + 1


def request_rule(stream: bytes, limit: int | None, api: str) -> tuple[int, str, Expected] | None:
    """Which strict rule the stream falls under: (offset of the offending byte, rule, the
    error sioscgi-rs raises), or None."""
    limit = DEFAULT_LIMIT if limit is None else limit
    if api == "2.x" and limit < 0:
        # 2.x fails every call with "Too many bytes buffered" (its buffer, even empty, is
        # over the limit), and so must sioscgi-rs: no rule of its own comes first.
        return None
    offset, rule_or_colon = prefix_rule(stream, min(limit, MAX_BLOCK_LIMIT))
    if offset is not None:
        if api == "5.x":
            name = "BadNetstringLengthError" if rule_or_colon == "R1" else "HeadersTooLargeError"
            return offset, rule_or_colon, Expected(name, "Invalid netstring length prefix")
        if rule_or_colon == "R1":
            message = OneOf("Invalid length-of-environment", "Too many bytes buffered")
        else:
            m = re.match(rb"[0-9]*", stream)
            whole = m.group() if m and stream[m.end() : m.end() + 1] == b":" else None
            got = rf"got {whole.decode()}, " if whole else r"got [0-9]+, "
            message = OneOf(
                Regex(rf"Headers too long \(({got})?limit {limit}\)"),
                "Too many bytes buffered",
                "Invalid length-of-environment",  # the original's, for a prefix int() refuses
            )
        return offset, rule_or_colon, Expected("RemoteProtocolError", message)
    if rule_or_colon < 0:
        return None
    found = content_length_rule(stream, rule_or_colon, api)
    if found is None:
        return None
    comma, value = found
    if api == "5.x":
        error = Expected("BadContentLengthError", f"Invalid CONTENT_LENGTH {value!r}, expected a whole number")
    else:
        error = Expected(
            "RemoteProtocolError",
            OneOf("CONTENT_LENGTH missing or not a whole number", "Too many bytes buffered"),
        )
    return comma, "R3", error


RULE_NAMES = {
    "R1": "R1 length prefix not [1-9][0-9]*",
    "R2": "R2 length prefix over the limit",
    "R3": "R3 CONTENT_LENGTH not digits <= 2**64-1",
}


class MemoryviewModel:
    """The original, but a non-empty memoryview given in the length prefix is read like
    bytes (README: the original raises AttributeError there); the body bytes that came
    from it come out as a memoryview slice of it, as from any other chunk."""

    def __init__(self, inner, side: Side, stream: bytes) -> None:
        self.inner = inner
        self.side = side
        self.offset = 0
        self.converted: list[tuple[int, int, memoryview]] = []
        self.body_start = body_start(stream)
        self.emitted = 0
        self.used = False

    @property
    def state(self):
        return self.inner.state

    @property
    def rx_state(self):
        return self.inner.rx_state

    @property
    def tx_state(self):
        return self.inner.tx_state

    def receive_data(self, data) -> None:
        given = data
        if (
            isinstance(data, memoryview)
            and data
            and self.side.rx_state(self.inner).name == "HEADER_LENGTH"
        ):
            self.converted.append((self.offset, self.offset + len(data), data))
            given = bytes(data)
            if not self.used:
                MODEL_USE[f"{self.side.api} request: memoryview in the length prefix"] += 1
            self.used = True
        if data:
            self.offset += len(data)
        return self.inner.receive_data(given)

    def next_event(self):
        event = self.inner.next_event()
        if type(event) is self.side.req_body and self.body_start is not None:
            start = self.body_start + self.emitted
            size = len(event.data)
            self.emitted += size
            for first, end, view in self.converted:
                if first <= start < end:
                    event = self.side.req_body(view[start - first : start - first + size])
                    break
        return event


class StrictModel:
    """The original until the call that delivers the offending byte of a strict rule, then
    a reader failed with the rule's error (unless the original had failed before)."""

    def __init__(self, inner, side: Side, trigger_call: int, rule: str, error: Expected) -> None:
        self.inner = inner
        self.rule = rule
        self.side = side
        self.trigger_call = trigger_call
        self.error = error
        self.failed: BaseException | None = None
        self.eof = False
        self.calls = 0
        self.logs_unknown = False

    @property
    def state(self):
        return self.side.error_state if self.failed else self.inner.state

    @property
    def rx_state(self):
        return self.side.error_state if self.failed else self.inner.rx_state

    @property
    def tx_state(self):
        if self.failed:
            return type(self.inner.tx_state).ERROR
        return self.inner.tx_state

    def receive_data(self, data) -> None:
        if (
            self.failed is None
            and self.calls == self.trigger_call
            and self.side.rx_state(self.inner) is not self.side.error_state
        ):
            self.failed = self.error
            self.logs_unknown = True
            MODEL_USE[f"{self.side.api} request: {self.rule}"] += 1
        self.calls += 1
        if self.failed is None:
            if not data:
                self.eof = True
            return self.inner.receive_data(data)
        if data:
            if self.eof:
                self.failed = self.side.after_eof()
                raise self.failed
        else:
            self.eof = True
            if self.side.api == "2.x":
                # 2.x checks its buffer against the limit on every call that parses: what
                # it holds after the failure (a refused body, the body after the
                # environment) may make that "Too many bytes buffered" again, in place of
                # the error before.
                before = exc_rec(self.failed, self.side)
                self.failed = Expected(
                    OneOf(before[1], "RemoteProtocolError"),
                    OneOf(before[2], "Too many bytes buffered"),
                )
        return None

    def next_event(self):
        if self.failed is not None:
            raise self.failed
        return self.inner.next_event()


# --------------------------------------------------------------------- request plans

DATA_KINDS = ("bytes", "bytearray", "memoryview", "mv_bytearray", "bytes_subclass")
EOF_KINDS = ("eof_bytes", "eof_none", "eof_bytearray", "eof_memoryview")


class BytesSubclass(bytes):
    pass


def make_obj(kind: str, content: bytes):
    if kind == "bytes":
        return bytes(content)
    if kind == "bytearray":
        return bytearray(content)
    if kind == "memoryview":
        return memoryview(bytes(content))
    if kind == "mv_bytearray":
        return memoryview(bytearray(content))
    if kind == "bytes_subclass":
        return BytesSubclass(content)
    if kind == "eof_bytes":
        return b""
    if kind == "eof_none":
        return None
    if kind == "eof_bytearray":
        return bytearray()
    if kind == "eof_memoryview":
        return memoryview(b"")
    raise ValueError(kind)


@dataclasses.dataclass
class RequestPlan:
    source: str
    calls: list[tuple[str, bytes]]  # (kind, content) per receive_data call
    limit: int | None  # None: the default
    drains: list[int | None]  # next_event calls after each call (None: until None)
    chunking: str
    drain: str

    @property
    def stream(self) -> bytes:
        """The data given before the first EOF."""
        return b"".join(content for _, content in self.calls[: self._first_eof()])

    def size(self) -> tuple:
        return (len(self.stream), len(self.calls), len(self.source))

    def describe(self) -> str:
        calls = []
        for kind, content in self.calls:
            calls.append(kind if kind.startswith("eof") else f"{kind}[{len(content)}]")
        shown = ", ".join(calls) if len(calls) <= 40 else ", ".join(calls[:20]) + f", … ({len(calls)} calls)"
        after = [c for k, c in self.calls[self._first_eof() :] if not k.startswith("eof")]
        return (
            f"{self.source}: stream {short(self.stream)}\n"
            f"      limit {'default' if self.limit is None else self.limit}; chunking {self.chunking}: {shown}"
            + (f"; data after EOF {[short(a, 60) for a in after]}" if after else "")
            + f"; drain {self.drain}"
        )

    def _first_eof(self) -> int:
        for i, (kind, _) in enumerate(self.calls):
            if kind.startswith("eof"):
                return i
        return len(self.calls)


def short(data: object, width: int = 400) -> str:
    text = repr(data)
    return text if len(text) <= width else text[: width - 40] + f"…{text[-30:]} ({len(data)} bytes)"


def cut(stream: bytes, points: list[int]) -> list[bytes]:
    points = sorted({p for p in points if 0 < p < len(stream)})
    out, last = [], 0
    for p in points + [len(stream)]:
        out.append(stream[last:p])
        last = p
    return [c for c in out if c]


def interesting_points(stream: bytes) -> list[int]:
    points = []
    colon = stream.find(b":")
    if colon >= 0:
        points += [colon, colon + 1]
        start = body_start(stream)
        if start is not None:
            points += [start - 2, start - 1, start, start + 1]
        cl = stream.find(b"CONTENT_LENGTH\0")
        if cl >= 0:
            points += [cl + 15, cl + 16]
    return points


def chunkings(rng: random.Random, stream: bytes) -> list[tuple[str, list[bytes], list[str]]]:
    """(label, pieces, kinds) for the stream."""

    def kinds(n: int, mixed: bool) -> list[str]:
        if not mixed:
            return ["bytes"] * n
        return [rng.choice(DATA_KINDS) for _ in range(n)]

    n = len(stream)
    out = []
    whole = [stream] if stream else []
    out.append(("whole", whole, kinds(len(whole), False)))
    out.append(("whole", whole, [rng.choice(DATA_KINDS[1:])] * len(whole)))
    if n <= 2500:
        pieces = [stream[i : i + 1] for i in range(n)]
        out.append(("one byte per call", pieces, kinds(len(pieces), rng.random() < 0.5)))
    else:
        points, at = [], 0
        while at < n:
            at += rng.choice([1, 2, 3, 7, 64, 1000, 4096, 30000])
            points.append(at)
        pieces = cut(stream, points)
        out.append(("small random pieces", pieces, kinds(len(pieces), True)))
    pieces = cut(stream, [rng.randrange(n + 1) for _ in range(rng.randint(1, 6))]) if n else []
    out.append(("random cuts", pieces, kinds(len(pieces), True)))
    points = interesting_points(stream)
    if points:
        pieces = cut(stream, rng.sample(points, rng.randint(1, len(points))))
        out.append(("cuts at the boundaries", pieces, kinds(len(pieces), True)))
    return out


def tails(rng: random.Random) -> list[tuple[str, bytes]]:
    choice = rng.random()
    eof = rng.choice(EOF_KINDS)
    if choice < 0.1:
        return []
    if choice < 0.2:
        return [(rng.choice(DATA_KINDS), rng.choice([b"extra", b"1", b":"])), (eof, b"")]
    if choice < 0.6:
        return [(eof, b"")]
    if choice < 0.8:
        return [(eof, b""), (rng.choice(DATA_KINDS), rng.choice([b"x", b"more data", b"\0"]))]
    if choice < 0.9:
        return [(eof, b""), (rng.choice(EOF_KINDS), b"")]
    return [(eof, b""), ("bytes", b"x"), (rng.choice(EOF_KINDS), b""), ("bytearray", b"yz")]


def request_plans(rng: random.Random, source: str, stream: bytes, limits: list[int | None]) -> list[RequestPlan]:
    plans = []
    for limit in limits:
        for label, pieces, kinds in chunkings(rng, stream):
            calls = list(zip(kinds, pieces)) + tails(rng)
            for drain in ("after each call", "at the end"):
                drains = [None if drain == "after each call" else 0] * len(calls)
                plans.append(RequestPlan(source, calls, limit, drains, label, drain))
        # One with partial drains.
        label, pieces, kinds = rng.choice(chunkings(rng, stream))
        calls = list(zip(kinds, pieces)) + tails(rng)
        drains = [rng.choice([0, 1, 1, 2]) for _ in calls]
        plans.append(RequestPlan(source, calls, limit, drains, label, "a few events per call"))
    return plans


# ---------------------------------------------------------------------- request runs


class Given(list):
    """The objects given to receive_data, in order, kept alive; finds one by identity."""

    def __init__(self) -> None:
        super().__init__()
        self.index: dict[int, int] = {}

    def append(self, obj: object) -> None:
        self.index[id(obj)] = len(self)
        super().append(obj)

    def find(self, obj: object) -> int | None:
        i = self.index.get(id(obj))
        return i if i is not None and self[i] is obj else None


def data_rec(data: object, given: Given) -> tuple:
    ident = given.find(data)
    try:
        value = bytes(data)
    except TypeError:
        value = repr(data)
    return (type(data).__name__, value, ident)


def event_rec(event: object, side: Side, given: list) -> tuple:
    cls = type(event)
    name = cls.__name__
    exported = any(getattr(m, name, None) is cls for m in side.modules)
    rec: list = [name if exported else f"{name} (not exported)", isinstance(event, side.req_event)]
    if hasattr(event, "environment"):
        env = event.environment
        rec.append(("environment is the same object on each access", env is event.environment))
        rec.append(type(env).__name__)
        rec.append(tuple((type(k).__name__, k, type(v).__name__, v) for k, v in env.items()))
        rec.append(norm(repr(event)) if len(env) < 500 else "<long>")
    elif hasattr(event, "data"):
        rec.append(("data is the same object on each access", event.data is event.data))
        rec.append(data_rec(event.data, given))
        size = len(event.data) if hasattr(event.data, "__len__") else 0
        rec.append(norm(repr(event)) if size <= 4096 else "<long>")
    else:
        rec.append(norm(repr(event)))
    return tuple(rec)


def drain(reader, side: Side, count: int | None, given: list) -> tuple:
    out = []
    while count is None or len(out) < count:
        try:
            event = reader.next_event()
        except CAUGHT as error:
            out.append(exc_rec(error, side))
            break
        if event is None:
            out.append(("None",))
            break
        out.append(event_rec(event, side, given))
    return tuple(out)


def run_request(side: Side, plan: RequestPlan, expected: bool) -> list[tuple]:
    """The outcome of a plan on one side; expected=True wraps the original in the models."""
    CAPTURE.take()
    try:
        reader = side.reader(plan.limit)
    except CAUGHT as error:
        return [("construct", exc_rec(error, side), CAPTURE.take())]
    if expected:
        stream = plan.stream
        reader = MemoryviewModel(reader, side, stream)
        rule = request_rule(stream, plan.limit, side.api)
        if rule is not None:
            offset, name, error = rule
            at = 0
            for index, (kind, content) in enumerate(plan.calls):
                if kind.startswith("eof"):
                    break
                at += len(content)
                if offset < at:
                    reader = StrictModel(reader, side, index, RULE_NAMES[name], error)
                    break
    out: list[tuple] = [("construct", None, CAPTURE.take())]
    given = Given()
    for index, (kind, content) in enumerate(plan.calls):
        obj = make_obj(kind, content)
        if obj:
            given.append(obj)
        try:
            reader.receive_data(obj)
            raised = None
        except CAUGHT as error:
            raised = exc_rec(error, side)
        state = side.state(reader)
        logs = CAPTURE.take()
        if getattr(reader, "logs_unknown", False):
            logs = ANY
        events = drain(reader, side, plan.drains[index], given)
        more = CAPTURE.take()
        out.append(("call", index, raised, state, events, ANY if logs is ANY else logs + more))
    out.append(("final", drain(reader, side, None, given), side.state(reader)))
    return out


# ------------------------------------------------------------------ request inputs


def base_pairs(body: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"CONTENT_LENGTH", str(len(body)).encode()),
        (b"SCGI", b"1"),
        (b"REQUEST_METHOD", b"POST"),
        (b"REQUEST_URI", b"/x?y=z"),
    ]


CL_ODD = [
    b"+5", b" 5", b"5 ", b"5_0", b"-1", b"-0", b"0", b"00", b"005", b"", b"x", b"5x", b"0x5",
    b"\t5", b"5\n", b"\xa05", b"\x855", b"\x1c5", b"5\x1f", b"\xd9\xa5", b"\xb2", b"1e3",
    b"18446744073709551615", b"18446744073709551616", str(2**64 + 5).encode(), str(10**30).encode(),
    b"1" * 5000, b"0" * 30 + b"5", b"5.0", b"+0", b"\x00",
]


def hand_written() -> list[tuple[str, bytes, list[int | None]]]:
    """(label, stream, limits): the hostile cases of the brief, each on a whole request."""
    body = b"hello"
    good = base_pairs(body)
    block = b"".join(n + b"\0" + v + b"\0" for n, v in good)
    n = len(block)
    cases: list[tuple[str, bytes, list[int | None]]] = []

    def add(label: str, stream: bytes, limits: list[int | None] | None = None) -> None:
        cases.append((label, stream, limits or [None]))

    add("empty stream", b"")
    add("valid with body", netstring(good, body))
    add("valid without body", netstring([(b"CONTENT_LENGTH", b"0"), (b"SCGI", b"1")]))
    add("valid, CONTENT_LENGTH last",
        netstring([(b"SCGI", b"1"), (b"X", b"y"), (b"CONTENT_LENGTH", b"3")], b"abc"))
    add("valid, limit exactly the environment", netstring(good, body), [n, n - 1, n + 1, 1, 0, 5])
    for label, prefix in [
        ("leading zero", "0{}"), ("two leading zeros", "00{}"), ("plus sign", "+{}"),
        ("minus sign", "-{}"), ("leading space", " {}"), ("trailing space", "{} "),
        ("space inside", None), ("tab", "\t{}"), ("newline", "{}\n"),
        ("underscore", "_{}"), ("NUL", "{}\0"), ("letters", "x{}"), ("Arabic digit", "\u0665{}"),
    ]:
        if label == "space inside":
            s = str(n)
            stream = (s[0] + " " + s[1:]).encode() + b":" + block + b"," + body
        elif label == "Arabic digit":
            stream = "\u0665".encode() + str(n).encode() + b":" + block + b"," + body
        else:
            stream = netstring(good, body, prefix)
        add(f"length prefix: {label}", stream)
    s = str(n)
    add("length prefix: underscore inside", (s[0] + "_" + s[1:]).encode() + b":" + block + b"," + body)
    add("length prefix: zero", b"0:,")
    add("length prefix: empty", b":" + block + b",")
    add("length prefix: colon only", b":")
    add("length prefix: huge", b"99999999999999999999:" + block)
    add("length prefix: 16 digits, huge limit", b"1111111111111111:" + block, [None, 2**62])
    add("length prefix: 16 digits no colon, huge limit", b"1111111111111111", [2**62])
    add("length prefix: 30 digits", b"1" * 30 + b":")
    add("length prefix: 100000 nines", b"9" * 100_000, [None])
    add("length prefix: over the limit", b"65537:" + b"a" * 10)
    add("length prefix: limit + 1", b"65537:")
    add("length prefix: at the limit", b"65536:" + b"a" * 10)
    add("length prefix: missing colon", s.encode() + block + b"," + body)
    add("length prefix: non-digits", b"abc")
    add("length prefix: digits only", b"12")
    add("length prefix: small limit", netstring(good, body), [3, 10, 99])
    add("bad terminator ;", netstring(good)[:-1] + b";" + body)
    add("bad terminator NUL", netstring(good)[:-1] + b"\0" + body)
    add("missing terminator then EOF", netstring(good)[:-1])
    add("block not NUL-terminated", b"3:A\0B,")
    add("block not NUL-terminated 2", netstring(good)[:-2] + b"X,")
    add("odd string count", b"2:A\0,")
    add("odd string count 2", netstring(good + [(b"X", b"")])[:-2] + b",")
    add("empty name", netstring(good + [(b"", b"v")], body))
    add("empty name first", netstring([(b"", b"v")] + good, body))
    add("only NUL", b"1:\0,")
    add("duplicate name", netstring(good + [(b"A", b"1"), (b"A", b"2")], body))
    add("duplicate SCGI", netstring(good + [(b"SCGI", b"1")], body))
    add("duplicate CONTENT_LENGTH", netstring(good + [(b"CONTENT_LENGTH", b"5")], body))
    add("duplicate then empty", netstring(good + [(b"A", b"1"), (b"A", b"2"), (b"", b"v")], body))
    add("empty then duplicate", netstring(good + [(b"", b"v"), (b"A", b"1"), (b"A", b"2")], body))
    # A repeat before a rule checked after the names (the package's reader leaves
    # repeats to the dict it makes, and asks again under the originals' rules).
    add("duplicate, SCGI missing", netstring([(b"CONTENT_LENGTH", b"5"), (b"A", b"1"), (b"A", b"2")], body))
    add("duplicate, SCGI 2", netstring([(b"SCGI", b"2"), (b"CONTENT_LENGTH", b"5"), (b"A", b"1"), (b"A", b"2")], body))
    add("duplicate, CONTENT_LENGTH missing", netstring([(b"SCGI", b"1"), (b"A", b"1"), (b"A", b"2")], body))
    add("duplicate, bad CONTENT_LENGTH",
        netstring([(b"SCGI", b"1"), (b"CONTENT_LENGTH", b"x"), (b"A", b"1"), (b"A", b"2")], body))
    add("duplicate of SCGI, after a duplicate", netstring(good + [(b"A", b"1"), (b"A", b"2"), (b"SCGI", b"1")], body))
    # The names of the request before (the package's template), one turned into a repeat.
    add("the last request's names", netstring(good + [(b"HTTP_A", b"1"), (b"HTTP_B", b"2")], body))
    add("the last request's names, one repeated", netstring(good + [(b"HTTP_A", b"1"), (b"HTTP_A", b"2")], body))
    add("missing SCGI", netstring([p for p in good if p[0] != b"SCGI"], body))
    for v in (b"2", b"", b"1 ", b"01", b" 1", b"1\xff"):
        add(f"SCGI {v!r}", netstring([(b"SCGI", v), (b"CONTENT_LENGTH", b"5")], body))
    add("missing SCGI and bad CONTENT_LENGTH", netstring([(b"CONTENT_LENGTH", b"+5")], body))
    add("bad SCGI and bad CONTENT_LENGTH", netstring([(b"CONTENT_LENGTH", b"x"), (b"SCGI", b"2")], body))
    add("missing CONTENT_LENGTH", netstring([(b"SCGI", b"1")], body))
    for v in CL_ODD:
        stream = netstring([(b"CONTENT_LENGTH", v), (b"SCGI", b"1")], body)
        add(f"CONTENT_LENGTH {short(v, 40)}", stream, [None, 40])
        add(f"CONTENT_LENGTH {short(v, 40)} with a bad terminator", stream.replace(b"\0,", b"\0;", 1))
    add("CONTENT_LENGTH 2**64-1, short body",
        netstring([(b"CONTENT_LENGTH", b"18446744073709551615"), (b"SCGI", b"1")], b"x"))
    add("body shorter", netstring(good, body[:2]))
    add("body exact", netstring(good, body))
    add("body longer", netstring(good, body + b"trailing bytes"))
    add("body longer, small limit", netstring(good, body + b"t" * 200), [120, 100, 150])
    add("large body", netstring(base_pairs(b"b" * 70000), b"b" * 70000), [None, 1000])
    add("latin-1 and odd bytes", netstring(good + [(b"HTTP_X_CAF\xc9", b"caf\xe9 \xff\x80\x01\"\\")], body))
    add("many headers", netstring(good + [(b"N%d" % i, b"v") for i in range(3000)], body))
    add("duplicate after many",
        netstring(good + [(b"N%d" % i, b"v") for i in range(300)] + [(b"N7", b"again")], body))
    add("environment of exactly the default limit",
        netstring([(b"SCGI", b"1"), (b"CONTENT_LENGTH", b"0"), (b"X", b"v" * (65536 - 27))]), [None, 65535])
    add("truncated in the environment", netstring(good)[:20])
    add("truncated in the prefix", netstring(good)[:1])
    return cases


def mutate(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        pos = rng.randrange(len(data) + 1)
        if op < 0.3 and data:
            data[min(pos, len(data) - 1)] = rng.choice(b"\0:,0123456789AZ \xff+_-")
        elif op < 0.5:
            data[pos:pos] = bytes([rng.choice(b"\0:,0123456789 +_")])
        elif op < 0.7 and data:
            del data[min(pos, len(data) - 1)]
        elif op < 0.85:
            data = data[:pos]
        else:
            data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(data)


NAMES = [b"REQUEST_METHOD", b"REQUEST_URI", b"QUERY_STRING", b"HTTP_HOST", b"HTTP_X_A",
         b"SERVER_NAME", b"SERVER_PORT", b"HTTP_COOKIE", b"A", b"X", b"HTTP_CAF\xc9"]


def random_stream(rng: random.Random) -> bytes:
    body_len = rng.choice([0, 0, 1, 5, rng.randint(0, 300), rng.randint(0, 3000)])
    body = bytes(rng.randrange(256) for _ in range(body_len))
    pairs = []
    for _ in range(rng.randint(0, 8)):
        if rng.random() < 0.7:
            name = rng.choice(NAMES)
        else:
            name = bytes(rng.randrange(1, 256) for _ in range(rng.randint(1, 10)))
        value = bytes(rng.randrange(1, 256) for _ in range(rng.randint(0, 20)))
        pairs.append((name, value))
    cl = str(body_len).encode()
    r = rng.random()
    if r < 0.15:
        cl = rng.choice(CL_ODD)
    elif r < 0.25:
        cl = str(max(0, body_len + rng.randint(-3, 3))).encode()
    scgi = b"1" if rng.random() < 0.92 else rng.choice([b"2", b"", b"01", b"1 "])
    special = []
    if rng.random() < 0.96:
        special.append((b"CONTENT_LENGTH", cl))
    if rng.random() < 0.96:
        special.append((b"SCGI", scgi))
    if rng.random() < 0.6:
        pairs = special + pairs
    else:
        for pair in special:
            pairs.insert(rng.randint(0, len(pairs)), pair)
    if rng.random() < 0.05:
        pairs.append((b"", b"v"))
    if rng.random() < 0.05 and pairs:
        pairs.append((rng.choice(pairs)[0], b"again"))
    prefix = "{}"
    if rng.random() < 0.15:
        prefix = rng.choice(["0{}", "+{}", " {}", "{} ", "-{}", "{}\0", "x{}", "00{}"])
    stream = netstring(pairs, body, prefix)
    if rng.random() < 0.04:
        stream = stream.replace(b"\0,", b"\0" + bytes([rng.choice(b";.\0 x")]), 1)
    if rng.random() < 0.3:
        stream = mutate(rng, stream)
    return stream


# -------------------------------------------------------------------- response model

TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
OUR_HOP_BY_HOP = ("trailer", "proxy-connection")
SPECIAL = ("content-type", "location")


def response_rule_records(status: object, headers: list, api: str) -> list[tuple]:
    """The error records sioscgi-rs may raise for a head the original accepted (empty:
    no strict rule applies). Only called when the original's constructor accepted the
    head, so every name and value is a str and the status a str or None."""
    names = [h[0] for h in headers]
    values = [h[1] for h in headers]
    others = [n for n in names if n.lower() not in SPECIAL]
    found = []
    hop = [n for n in others if n.lower() in OUR_HOP_BY_HOP]
    if hop:
        found.append(("HeaderHopByHopError", f"Header {hop[0]} is hop-by-hop and therefore illegal"))
    texts = names + values + ([status] if status is not None else [])
    if any(re.search(r"[\r\n\0]", t) for t in texts):
        found.append(("HeaderInjectionError", ANY))
    if any(not TOKEN.match(n) for n in others):
        found.append(("BadHeaderNameError", ANY))
    if any(sum(1 for n in names if n.lower() == special) > 1 for special in SPECIAL):
        found.append(("DuplicateHeaderError", ANY))
    if status is not None and (
        not re.fullmatch(r"[0-9]{3} .*", status, re.S) or int(status[:3]) < 100
    ):
        found.append(("BadStatusError", ANY))
    if any(n.lower() == "location" and v == "" for n, v in zip(names, values)):
        found.append(("BadLocationError", ANY))
    if api == "2.x":
        return [("raise", "LocalProtocolError", message) for _, message in found]
    return [("raise", name, message) for name, message in found]


# ------------------------------------------------------------------- response plans

STATUSES = [
    "200 OK", "200 OK", "404 Not Found", "302 Found", "201 Created", "100 Continue",
    "999 Whatever", "200 ", "204 No Content", None, None, "200", "99 x", "099 Low", "2000 x",
    "20 OK", "OK", "", " 200 OK", "200\tOK", "200 OK\t", "200  two spaces", "200 OK\r\n",
    "200 OK\rX", "200 OK\nX: y", "200 O\0K", "200 caf\xe9", "200 \u263a", "200 \u0100",
    "\u0662\u0660\u0660 Arabic", "\uff12\uff10\uff10 wide", "200 OK\x7f", "200 \x01", "000 zero",
    "1000 x", "abc def", "200\x0bOK",
]
ODD_STATUSES = [200, b"200 OK", 3.5, ["200 OK"]]
ORDINARY = ["X-A", "X-B", "Set-Cookie", "Cache-Control", "X_Under", "x-a", "ETag", "Vary",
            "Content-Length", "Status", "X-" + "L" * 60, "!#$%&'*+-.^_`|~09AZaz"]
SPECIAL_NAMES = ["Content-Type", "content-type", "CONTENT-TYPE", "Content-type", "Location",
                 "location", "LOCATION", "LoCaTiOn"]
HOP = ["Connection", "connection", "Keep-Alive", "keep-alive", "Proxy-Authenticate",
       "Proxy-Authorization", "TE", "te", "Trailers", "Transfer-Encoding", "Upgrade", "UPGRADE",
       "Trailer", "trailer", "TRAILER", "Proxy-Connection", "proxy-connection",
       "PROXY-CONNECTION", "\u212aeep-Alive", "\u212aEEP-ALIVE"]
ODD_NAMES = ["X-\u263a", "X-\u0100", "Caf\xe9", "X\r\nY", "X\0", "X\n", "X\r", "X A", "X:Y",
             "", "(x)", 'X"', "X\t", "X\x7f", "X/Y", "X@", "X,Y", "X;Y", "{}", "X=Y", " X",
             "X ", "X\x01", "[x]", "X?", "\xff"]
VALUES = ["text/plain", "/path", "http://e/x", "", "v", "a b", "caf\xe9", "\u263a", "\u0100",
          "a\r\nSet-Cookie: x", "a\rb", "a\nb", "a\0b", "\t", "\x01", "\x7f", " lead",
          "trail ", "x" * 300, "text/html; charset=utf-8", "\xff", "\x80", "a\x0bb", "a\x0cb"]
ODD_VALUES = [1, b"v", None]


@dataclasses.dataclass
class ResponsePlan:
    source: str
    heads: list[tuple[object, list]]  # (status, headers); a header is a tuple or a list
    tokens: list[tuple]
    prelude: list[tuple[str, bytes]]  # 2.x only: receive_data calls before the response
    container: str = "list"  # how the headers are given: list, tuple or iterator

    def size(self) -> tuple:
        return (len(repr(self.heads)) + len(repr(self.tokens)) + sum(len(c) for _, c in self.prelude),)

    def describe(self) -> str:
        heads = "; ".join(f"Headers({status!r}, {headers!r})" for status, headers in self.heads)
        text = f"{self.source}: {short(heads, 900)}\n      then {self.tokens!r}"
        if self.container != "list":
            text += f" (headers given as a {self.container})"
        if self.prelude:
            text += f"\n      (2.x: after receive_data of {[(k, short(c, 80)) for k, c in self.prelude]})"
        return text


def random_header(rng: random.Random) -> tuple:
    r = rng.random()
    if r < 0.45:
        name = rng.choice(ORDINARY)
    elif r < 0.7:
        name = rng.choice(SPECIAL_NAMES)
    elif r < 0.85:
        name = rng.choice(HOP)
    else:
        name = rng.choice(ODD_NAMES)
    value = rng.choice(VALUES[:4]) if rng.random() < 0.5 else rng.choice(VALUES)
    if rng.random() < 0.01:
        value = rng.choice(ODD_VALUES)
    if rng.random() < 0.005:
        name = rng.choice(ODD_VALUES)
    pair = (name, value)
    return list(pair) if rng.random() < 0.015 else pair


def random_head(rng: random.Random) -> tuple[object, list]:
    status = rng.choice(STATUSES)
    if rng.random() < 0.01:
        status = rng.choice(ODD_STATUSES)
    count = rng.choice([0, 1, 1, 2, 2, 3, 4, 6])
    headers = [random_header(rng) for _ in range(count)]
    if rng.random() < 0.1:
        for _ in range(2):
            headers.insert(rng.randint(0, len(headers)), (rng.choice(SPECIAL_NAMES), rng.choice(VALUES[:4])))
    if status is None and rng.random() < 0.6:
        headers = [("Location", rng.choice(["/local", "http://e/", "", "/\u263a", "/a\r\nb"]))] + (
            headers if rng.random() < 0.3 else []
        )
    return status, headers


BODY_KINDS = ["bytes", "bytes", "bytearray", "memoryview", "str", "none", "int", "empty"]
FOREIGN = ["str", "none", "int", "object", "request_end", "request_body", "event_base"]


def random_tokens(rng: random.Random, heads: int, status: object) -> list[tuple]:
    body = lambda: ("B", rng.choice(BODY_KINDS), rng.choice([b"x", b"hello", b"\0\xff\r\n"]))  # noqa: E731
    r = rng.random()
    if r < 0.55:
        tokens = [("H", 0)] + [body() for _ in range(rng.randint(0, 3))] + [("E",)]
    elif r < 0.65:
        tokens = [("H", 0), ("E",), rng.choice([("E",), body(), ("H", heads - 1)])]
    else:
        pool = [("H", 0), ("H", heads - 1), ("E",), ("X", "str")]
        tokens = []
        for _ in range(rng.randint(1, 6)):
            t = rng.choice(pool + [body(), ("X", rng.choice(FOREIGN))])
            tokens.append(t)
    if rng.random() < 0.2:
        name = rng.choice(ORDINARY + SPECIAL_NAMES + HOP[:3] + ["X-\u263a", "X A"])
        value = rng.choice(["v", "", "caf\xe9", "\u263a", "x y"])
        op = rng.choice(["set", "add", "del"])
        tokens.insert(0, ("M", 0, op, name, value))
        tokens.insert(1, ("ENC", 0))
    if rng.random() < 0.1:
        name = rng.choice(["X-New", "X-A", "Trailer", "Content-Type"])
        value = rng.choice(["a\r\nInjected: 1", "a\nb", "a\0b", "\r"])
        at = rng.randint(0, len(tokens))
        tokens[at:at] = [("MI", 0, rng.choice(["set", "add"]), name, value), ("ENC", 0)]
    return tokens


PRELUDES: list[list[tuple[str, bytes]]] = [
    [],
    [("bytes", netstring(base_pairs(b"hello"), b"hello"))],
    [("bytes", netstring(base_pairs(b"hello"), b"hel"))],
    [("bytes", netstring(base_pairs(b"hello"), b"hel")), ("eof_bytes", b"")],
    [("bytes", netstring(base_pairs(b"hello"), b"hello!"))],
    [("bytes", b"3:a\0b;")],
    [("bytes", netstring(base_pairs(b"hello"), b"hello")), ("eof_none", b""), ("bytes", b"x")],
]


def hand_written_responses() -> list[ResponsePlan]:
    valid = [("H", 0), ("B", "bytes", b"hi"), ("E",)]
    heads: list[tuple[object, list]] = [
        ("200 OK", [("Content-Type", "text/html"), ("X-A", "1")]),
        (None, [("Location", "/local")]),
        ("302 Found", [("X", "1"), ("Location", "http://e/"), ("content-type", "a/b")]),
        (None, [("Location", "/x"), ("Content-Type", "text/plain")]),
        (None, [("Location", "/x"), ("X-Other", "1")]),
        (None, []),
        (None, [("Location", "")]),
        (None, [("Location", "/a"), ("location", "/b")]),
        ("200 OK", [("Connection", "close")]),
        ("200 OK", [("Trailer", "x")]),
        ("200 OK", [("Proxy-Connection", "x")]),
        ("200 OK", [("Trailer", "x"), ("Connection", "close")]),
        ("200 OK", [("Trailer", "x"), ("X", "\u20ac")]),
        ("200 OK", [("Trailer", "x"), ("X", "\n")]),
        (None, [("Location", "/x"), ("Trailer", "x")]),
        ("bad", [("Connection", "x"), ("X A", "\r")]),
        (None, [("Location", "/"), ("X A", "1")]),
        ("200 OK", [("\u212aeep-Alive", "x")]),
        ("200 OK", [("Content-Type", "text/\u263a")]),
        ("200 OK", [("Location", "/\u263a")]),
        ("200 OK", [("X-Smile", "\u263a")]),
        ("200 \u263a", []),
        ("200 OK", [("X", "a\r\nSet-Cookie: evil")]),
        ("200 OK\r\nX: y", []),
        ("200 OK", [("X Y", "1")]),
        ("200 OK", [("", "1")]),
        ("200 OK", [("Content-Type", "a"), ("Content-Type", "b")]),
        ("200", []),
        ("OK", []),
        ("099 Low", []),
        ("99 x", []),
        ("2000 x", []),
        ("200 caf\xe9", [("X", "\xff")]),
        ("200 OK", [("X-A", "1"), ("X-B", "2"), ("x-a", "3")]),
        ("200 OK", [["X-A", "1"], ("X-B", "2")]),
        ("200 OK", [("X-A", 1)]),
        ("200 OK", [(b"X-A", "1")]),
        (200, []),
        (b"200 OK", []),
        ("200 OK", [("Content-Type", "")]),
        ("200 OK", [("Location", "/x"), ("Content-Type", "t/p"), ("X", "")]),
    ]
    plans = []
    for i, head in enumerate(heads):
        tokens = valid if head[0] is not None else [("H", 0), ("E",)]
        plans.append(ResponsePlan(f"hand-written head #{i}", [head], tokens, []))
    ok = ("200 OK", [("X", "1")])
    redirect = (None, [("Location", "/x")])
    orders = [
        [("B", "bytes", b"x")], [("E",)], [("H", 0), ("H", 0)], [("H", 0), ("E",), ("B", "bytes", b"x")],
        [("H", 0), ("E",), ("E",)], [("H", 0), ("B", "bytes", b"x"), ("H", 0)], [("X", "str")],
        [("H", 0), ("X", "request_end")], [("X", "request_body")], [("H", 0), ("X", "none")],
        [("H", 0), ("B", "bytearray", b"x"), ("B", "memoryview", b"y"), ("B", "str", b"z"),
         ("B", "none", b""), ("B", "int", b""), ("B", "empty", b""), ("E",)],
        [("X", "event_base")], [("H", 0), ("X", "object"), ("E",)],
    ]
    for i, tokens in enumerate(orders):
        plans.append(ResponsePlan(f"hand-written order #{i}", [ok], tokens, []))
        plans.append(ResponsePlan(f"hand-written order #{i} after a redirect", [redirect], tokens, []))
    for i, prelude in enumerate(PRELUDES):
        plans.append(ResponsePlan(f"hand-written 2.x prelude #{i}", [ok], valid, prelude))
    plans.append(ResponsePlan("mutated other_headers", [ok], [
        ("M", 0, "set", "X-B", "2"), ("ENC", 0), ("M", 0, "add", "X-C", "\u263a"), ("ENC", 0),
        ("H", 0), ("E",)], []))
    plans.append(ResponsePlan("injected into other_headers", [ok], [
        ("MI", 0, "set", "X-C", "bad\r\nInjected: 1"), ("ENC", 0)], []))
    return plans


def body_data(kind: str, content: bytes) -> object:
    return {
        "bytes": lambda: bytes(content),
        "bytearray": lambda: bytearray(content),
        "memoryview": lambda: memoryview(bytes(content)),
        "str": lambda: content.decode("latin-1"),
        "none": lambda: None,
        "int": lambda: 42,
        "empty": lambda: b"",
    }[kind]()


def foreign(side: Side, what: str) -> object:
    if what == "str":
        return "not an event"
    if what == "none":
        return None
    if what == "int":
        return 42
    if what == "object":
        return object()
    if what == "request_end":
        return side.req_end()
    if what == "request_body":
        return side.req_body(b"x")
    if what == "event_base":
        return side.resp_event()
    raise ValueError(what)


# -------------------------------------------------------------------- response runs


def value_rec(value: object) -> tuple:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return (type(value).__name__, bytes(value))
    return (type(value).__name__, norm(repr(value)))


def head_rec(head: object, side: Side) -> tuple:
    def attr(name: str) -> tuple:
        try:
            return value_rec(getattr(head, name))
        except CAUGHT as error:
            return exc_rec(error, side)

    try:
        other = head.other_headers
        other_rec = (f"{type(other).__module__}.{type(other).__qualname__}", norm(repr(list(other.items()))))
    except CAUGHT as error:
        other_rec = exc_rec(error, side)
    try:
        encoded = value_rec(head.encode())
    except CAUGHT as error:
        encoded = exc_rec(error, side)
    try:
        succeeding = enum_rec(head.succeeding_state)
    except CAUGHT as error:
        succeeding = exc_rec(error, side)
    return (
        "ok",
        isinstance(head, side.resp_event),
        ("status", attr("status")),
        ("content_type", attr("content_type")),
        ("location", attr("location")),
        ("other_headers", other_rec),
        ("repr", norm(repr(head))),
        ("encode", encoded),
        ("succeeding_state", succeeding),
    )


def copy_headers(headers: list, container: str) -> object:
    pairs = [list(h) if isinstance(h, list) else tuple(h) for h in headers]
    if container == "tuple":
        return tuple(pairs)
    if container == "iterator":
        return iter(pairs)
    return pairs


def make_heads(side: Side, plan: ResponsePlan) -> tuple[list, list]:
    objects, records = [], []
    for status, headers in plan.heads:
        CAPTURE.take()
        try:
            head = side.resp_headers(status, copy_headers(headers, plan.container))
            records.append(head_rec(head, side))
            objects.append(head)
        except CAUGHT as error:
            records.append(exc_rec(error, side))
            objects.append(None)
        records[-1] = ("head", records[-1], CAPTURE.take())
    return objects, records


def changed_head_expectation(head: object, side: Side) -> list[tuple]:
    """README: a head changed after it was made is "checked again by the same rules when
    encoded". The error records sioscgi-rs may raise from encode() (and send()) instead of
    writing the change out as the original does: the original's own constructor on the
    head as it now is (its exact error), else the strict rules (any of them)."""
    pairs = [("Content-Type", head.content_type)] if head.content_type is not None else []
    pairs += [("Location", head.location)] if head.location is not None else []
    pairs += [tuple(pair) for pair in head.other_headers.items()]
    moved = any(name.lower() in ("content-type", "location") for name, _ in head.other_headers.items())
    try:
        side.resp_headers(head.status, list(pairs))
    except CAUGHT as error:
        return [exc_rec(error, side)]
    records = response_rule_records(head.status, pairs, side.api)
    if moved:
        records.append(SPECIAL_IN_OTHERS)
    return records


def run_response(side: Side, plan: ResponsePlan, heads: list, skip: set[int]) -> tuple[list[tuple], dict]:
    """The outcome on one side, and (on the original) the strict rules that apply to the
    records about heads changed after they were made: {record index: error records}."""
    out: list[tuple] = []
    rules: dict[int, list[tuple]] = {}
    mutated: set[int] = set()
    CAPTURE.take()
    conn = side.writer()
    out.append(("writer", side.state(conn), CAPTURE.take()))
    if side.api == "2.x" and plan.prelude:
        for kind, content in plan.prelude:
            try:
                conn.receive_data(make_obj(kind, content))
                raised = None
            except CAUGHT as error:
                raised = exc_rec(error, side)
            out.append(("prelude", raised, drain(conn, side, None, Given()), side.state(conn), CAPTURE.take()))
    for token in plan.tokens:
        kind = token[0]
        if kind in ("H", "M", "MI", "ENC") and (token[1] in skip or heads[token[1]] is None):
            out.append(("skipped", token))
            continue
        if kind in ("M", "MI"):
            _, i, op, name, value = token
            other = heads[i].other_headers
            try:
                if op == "set":
                    other[name] = value
                elif op == "add":
                    other.add_header(name, value)
                else:
                    del other[name]
                raised = None
            except CAUGHT as error:
                raised = exc_rec(error, side)
            mutated.add(i)
            out.append(("mutate", token, raised, CAPTURE.take()))
            continue
        if kind in ("ENC", "H") and token[1] in mutated and side.who == "original":
            rules[len(out)] = changed_head_expectation(heads[token[1]], side)
        if kind == "ENC":
            try:
                result = value_rec(heads[token[1]].encode())
            except CAUGHT as error:
                result = exc_rec(error, side)
            out.append(("encode", token, result, norm(repr(heads[token[1]])), CAPTURE.take()))
            continue
        if kind == "H":
            event = heads[token[1]]
        elif kind == "B":
            data = body_data(token[1], token[2])
            try:
                event = side.resp_body(data)
            except CAUGHT as error:
                out.append(("body", token, exc_rec(error, side)))
                continue
            out.append(("body", token, norm(repr(event)), event.data is data))
        elif kind == "E":
            event = side.resp_end()
            out.append(("end", norm(repr(event))))
        else:
            try:
                event = foreign(side, token[1])
            except CAUGHT as error:
                out.append(("foreign", token, exc_rec(error, side)))
                continue
        CAPTURE.take()
        try:
            result = conn.send(event)
            if result is None:
                returned = ("None",)
            else:
                returned = ("returned",) + value_rec(result) + (result is getattr(event, "data", object()),)
        except CAUGHT as error:
            returned = exc_rec(error, side)
        out.append(("send", token, returned, side.state(conn), CAPTURE.take()))
    if side.api == "2.x":
        out.append(("after", drain(conn, side, None, Given()), side.state(conn)))
        try:
            conn.receive_data(b"1")
            raised = None
        except CAUGHT as error:
            raised = exc_rec(error, side)
        out.append(("after receive", raised, drain(conn, side, None, Given()), side.state(conn), CAPTURE.take()))
    return out, rules


def expected_head(original: tuple, plan_head: tuple[object, list], api: str) -> object:
    """The original's head outcome, or the strict rules' when the original accepted it."""
    _, outcome, logs = original
    if outcome[0] != "ok":
        return original
    status, headers = plan_head
    records = response_rule_records(status, headers, api)
    if not records:
        return original
    for record in records:
        MODEL_USE[f"{api} response head: {record[1] if api == '5.x' else 'LocalProtocolError'}"] += 1
    return ("head", OneOf(*records), logs)


def expected_response(outcome: tuple[list[tuple], dict], api: str) -> list:
    """The original's outcome, but encode() and send() of a head whose other_headers were
    changed after it was made raise what the head as it now is breaks (README), after the
    same change of state as the original's send."""
    records, rules = outcome
    out: list = []
    for index, record in enumerate(records):
        found = rules.get(index)
        # send() encodes only in the right state (else it refuses the event, and so must
        # sioscgi-rs): it returned the bytes, or encode() failed on a non-Latin-1 change.
        encoded = found and record[0] in ("encode", "send") and (
            record[0] == "encode"
            or record[2][0] == "returned"
            or record[2][:2] == ("raise", "UnicodeEncodeError")
        )
        if encoded:
            found = list(found)
            if SPECIAL_IN_OTHERS in found:
                found.remove(SPECIAL_IN_OTHERS)
                if SameLines.head_of(record[2]) is not None:
                    found.append(SameLines(record[2]))
                MODEL_USE[f"{api} response: Content-Type or Location in other_headers: sent as the head's own"] += 1
            if record[2] not in found:
                for rule in found:
                    if isinstance(rule, tuple):
                        MODEL_USE[f"{api} response: head changed after making: {rule[1]}"] += 1
            record = (record[0], record[1], OneOf(*found), *record[3:])
        out.append(record)
    return out


# ------------------------------------------------------------------ events by hand

HAND_ARGS = [
    ("req_headers", lambda: {"A": b"1"}), ("req_headers", lambda: {}), ("req_headers", lambda: {"A": "str"}),
    ("req_headers", lambda: {"A": bytearray(b"1")}), ("req_headers", lambda: 42),
    ("req_body", lambda: b"x"), ("req_body", lambda: bytearray(b"x")), ("req_body", lambda: memoryview(b"x")),
    ("req_body", lambda: "str"), ("req_body", lambda: None), ("req_body", lambda: b""),
    ("req_end", None), ("resp_body", lambda: b"x"), ("resp_body", lambda: "str"), ("resp_body", lambda: None),
    ("resp_end", None), ("req_event", None), ("resp_event", None),
]


def hand_made_events(side: Side) -> list[tuple]:
    """Events made by the application itself, as the originals allow."""
    out = []
    for cls_name, make in HAND_ARGS:
        cls = getattr(side, cls_name)
        arg = make() if make else None
        try:
            event = cls(arg) if make else cls()
            twin = cls(arg) if make else cls()
        except CAUGHT as error:
            out.append((cls_name, norm(repr(arg)), exc_rec(error, side)))
            continue
        attr = "environment" if cls_name == "req_headers" else "data" if make else None
        rec = [cls_name, norm(repr(arg)), norm(repr(event)), event == twin, event == event,
               hasattr(event, "__dict__")]
        try:
            hash(event)
            rec.append("hashable")
        except TypeError:
            rec.append("unhashable")
        if attr:
            value = getattr(event, attr)
            rec += [value is arg, value is getattr(event, attr), type(value).__name__]
            if isinstance(value, dict):
                value["__probe__"] = b"1"
                rec.append("__probe__" in getattr(event, attr))
        out.append(tuple(rec))
    return out


OBJECT_ARGS = [
    ("req_headers", ({"A": b"1"},), [("environment", {"B": b"2"})]),
    ("req_body", (b"x",), [("data", bytearray(b"y"))]),
    ("req_end", (), []),
    ("resp_headers", ("200 OK", [("X", "1"), ("Content-Type", "t/p")]),
     [("status", "404 Not Found"), ("content_type", "a/b"), ("location", "/x")]),
    ("resp_headers", (None, [("Location", "/x")]), [("location", "/y")]),
    ("resp_body", (b"x",), [("data", "not bytes")]),
    ("resp_end", (), []),
]


def shape(obj: object, depth: int = 0) -> object:
    """A comparable form of a __reduce_ex__ result (classes and functions by name)."""
    if depth > 6:
        return "…"
    if isinstance(obj, type):
        return f"<class {obj.__qualname__}>"
    if callable(obj) and hasattr(obj, "__qualname__"):
        return f"<function {obj.__qualname__}>"
    if isinstance(obj, tuple):
        return tuple(shape(x, depth + 1) for x in obj)
    if isinstance(obj, list):
        return [shape(x, depth + 1) for x in obj]
    if isinstance(obj, dict):
        return {k: shape(v, depth + 1) for k, v in obj.items()}
    return norm(repr(obj))


def object_model(side: Side) -> list[tuple]:
    """Pickling and copying events, subclassing the event classes, setting attributes."""
    out: list[tuple] = []
    for cls_name, args, changes in OBJECT_ARGS:
        cls = getattr(side, cls_name)
        label = (cls_name, norm(repr(args)))
        try:
            event = cls(*args)
        except CAUGHT as error:
            out.append((*label, "construct", exc_rec(error, side)))
            continue
        for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
            try:
                copied = pickle.loads(pickle.dumps(event, protocol))
                rec = (type(copied).__name__, norm(repr(copied)))
            except CAUGHT as error:
                rec = exc_rec(error, side)
            out.append((*label, f"pickle protocol {protocol}", rec))
        try:
            rec = shape(event.__reduce_ex__(2))
        except CAUGHT as error:
            rec = exc_rec(error, side)
        out.append((*label, "__reduce_ex__(2)", rec))
        for how in (copy.copy, copy.deepcopy):
            try:
                copied = how(event)
                rec = (type(copied).__name__, norm(repr(copied)), copied is event)
            except CAUGHT as error:
                rec = exc_rec(error, side)
            out.append((*label, how.__name__, rec))
        try:
            sub = type("Sub", (cls,), {"extra": 1})
            made = sub(*args)
            rec = (type(made).__name__, norm(repr(made)), isinstance(made, side.resp_event if "resp" in cls_name
                                                                      else side.req_event))
            if hasattr(made, "encode"):
                rec += (value_rec(made.encode()),)
        except CAUGHT as error:
            rec = exc_rec(error, side)
        out.append((*label, "subclass", rec))
        for attr, value in changes:
            try:
                setattr(event, attr, value)
                rec = (value_rec(getattr(event, attr)), norm(repr(event)))
                if hasattr(event, "encode"):
                    try:
                        rec += (value_rec(event.encode()),)
                    except CAUGHT as error:
                        rec += (exc_rec(error, side),)
            except CAUGHT as error:
                rec = exc_rec(error, side)
            out.append((*label, f"set {attr}", rec))
    return out


# ------------------------------------------------------------------------ API surface


def surface_records(original_modules: tuple, side: Side) -> list[tuple]:
    out = []
    for module in original_modules:
        real = CANONICAL[module.__name__]
        ours = {m.__name__: m for m in side.modules}.get(real) if side.who == "ours" else module
        for name, obj in sorted(vars(module).items()):
            if not isinstance(obj, type) or obj.__module__ != module.__name__:
                continue
            theirs = getattr(ours, name, None)
            if not isinstance(theirs, type):
                out.append((real, name, "missing"))
                continue
            rec: list = [real, name, [c.__name__ for c in theirs.__mro__]]
            if hasattr(theirs, "__members__"):
                rec.append([(k, v.value) for k, v in theirs.__members__.items()])
            out.append(tuple(rec))
    return out


# ------------------------------------------------------------------------ comparison


@dataclasses.dataclass
class Difference:
    key: str
    plan: object
    size: tuple
    index: int
    expected: object
    actual: object


def generalise(record: object) -> str:
    """A short shape of a record, for grouping."""
    if record is None:
        return "nothing"
    if isinstance(record, OneOf):
        shapes = list(dict.fromkeys(generalise(a) for a in record.alternatives))
        return "one of [" + ", ".join(shapes) + "]"
    if isinstance(record, tuple) and record:
        if record[0] == "raise":
            return f"raise {record[1]!r}"
        if record[0] == "returned":
            return f"returned {record[1]}"
        if isinstance(record[0], str):
            return record[0]
    return type(record).__name__


def label(expected: object, actual: object) -> str:
    """What differs first between two records, in general terms."""
    if isinstance(expected, OneOf):
        return f"expected {generalise(expected)}, got {generalise(actual)}"
    if not (isinstance(expected, tuple) and isinstance(actual, tuple)):
        return f"{generalise(expected)} vs {generalise(actual)}"
    if len(expected) != len(actual) or expected[:1] != actual[:1]:
        return f"{[generalise(x) for x in expected]} vs {[generalise(x) for x in actual]}"
    tag = expected[0]
    names = {
        "call": ("tag", "call", "receive_data raised", "state", "events", "logs"),
        "final": ("tag", "final events", "final state"),
        "construct": ("tag", "constructor raised", "logs"),
        "send": ("tag", "token", "send", "state", "logs"),
        "prelude": ("tag", "receive_data raised", "events", "state", "logs"),
        "after receive": ("tag", "receive_data raised", "events", "state", "logs"),
        "after": ("tag", "events", "state"),
        "writer": ("tag", "state", "logs"),
        "encode": ("tag", "token", "encode()", "repr", "logs"),
        "mutate": ("tag", "token", "raised", "logs"),
        "body": ("tag", "token", "repr", "data is the object given"),
        "end": ("tag", "repr"),
    }.get(tag, ())
    for i, (e, a) in enumerate(zip(expected, actual)):
        if e == a:
            continue
        field = names[i] if i < len(names) else f"field {i}"
        where = f"{tag}: {field}"
        if field in ("events", "final events") and isinstance(e, tuple) and isinstance(a, tuple):
            ge, ga = [generalise(x) for x in e], [generalise(x) for x in a]
            if ge != ga:
                return f"{where}: {squash(ge)} vs {squash(ga)}"
            for x, y in zip(e, a):
                if x != y:
                    return f"{where}: {event_difference(x, y)}"
        if field in ("receive_data raised", "constructor raised", "send", "encode()", "raised"):
            return f"{where}: {generalise(e)} vs {generalise(a)}" + (
                " (value or message)" if generalise(e) == generalise(a) else ""
            )
        if field == "state":
            return f"{where}: {e} vs {a}"
        if tag == "head" and isinstance(a, tuple) and (not isinstance(e, tuple) or e[0] != "ok" or a[0] != "ok"):
            shape = lambda r: "accepted" if isinstance(r, tuple) and r[0] == "ok" else generalise(r)  # noqa: E731
            if isinstance(e, OneOf):
                return f"head: expected {generalise(e)}, got {shape(a)}"
            return f"head: {shape(e)} vs {shape(a)}" + (" (message)" if shape(e) == shape(a) else "")
        if tag == "head" and isinstance(e, tuple) and isinstance(a, tuple):
            for x, y in zip(e, a):
                if x != y:
                    what = x[0] if isinstance(x, tuple) else "isinstance Event"
                    detail = ""
                    if isinstance(x, tuple) and len(x) > 1:
                        detail = f" ({generalise(x[1])} vs {generalise(y[1])})"
                    return f"head: {what} differs{detail}"
        if isinstance(expected[i], OneOf):
            return f"{where}: expected {generalise(e)}, got {generalise(a)}"
        return f"{where} differs"
    return f"{tag} differs"


def squash(names: list[str]) -> str:
    out: list[str] = []
    for n in names:
        if out and out[-1].rstrip("+") == n:
            out[-1] = n + "+"
        else:
            out.append(n)
    return ",".join(out)


def event_difference(e: object, a: object) -> str:
    if not (isinstance(e, tuple) and isinstance(a, tuple)) or e[0] == "raise":
        return f"{generalise(e)} vs {generalise(a)}" + (" (message)" if generalise(e) == generalise(a) else "")
    kind = e[0]
    if e[1] != a[1]:
        return f"{kind}: isinstance(Event) {e[1]} vs {a[1]}"
    if e[2] != a[2]:
        return f"{kind}: {e[2][0]}: {e[2][1]} vs {a[2][1]}"
    e, a = e[:2] + e[3:], a[:2] + a[3:]
    if len(e) == 5 and len(a) == 5 and isinstance(e[2], str):  # Headers
        if e[2] != a[2]:
            return f"{kind}: environment type {e[2]} vs {a[2]}"
        if e[3] != a[3]:
            if dict((k, v) for _, k, _, v in e[3]) == dict((k, v) for _, k, _, v in a[3]):
                return f"{kind}: environment order or value types"
            return f"{kind}: environment differs"
        return f"{kind}: repr differs"
    if len(e) == 4 and len(a) == 4 and isinstance(e[2], tuple):  # Body
        (te, ve, ie), (ta, va, ia) = e[2], a[2]
        if te != ta:
            return f"{kind}: data type {te} vs {ta}"
        if ve != va:
            return f"{kind}: data differs"
        if (ie is None) != (ia is None):
            return f"{kind}: data is the object given to receive_data: {ie is not None} vs {ia is not None}"
        if ie != ia:
            return f"{kind}: data is a different object given to receive_data"
        return f"{kind}: repr differs"
    return f"{kind} differs"


class Report:
    def __init__(self) -> None:
        self.cases = 0
        self.differing = 0
        self.groups: dict[str, list[Difference]] = collections.defaultdict(list)

    def compare(self, part: str, plan: object, size: tuple, expected: list, actual: list) -> None:
        self.cases += 1
        if expected == actual:
            return
        self.differing += 1
        for i, (e, a) in enumerate(zip(expected, actual)):
            if e != a:
                break
        else:
            i = min(len(expected), len(actual))
            e = expected[i] if i < len(expected) else "<nothing>"
            a = actual[i] if i < len(actual) else "<nothing>"
        key = f"{part}: {label(e, a)}"
        self.groups[key].append(Difference(key, plan, size, i, e, a))

    def print(self) -> None:
        print(f"{self.cases} cases, {self.differing} differences")
        for key in sorted(self.groups, key=lambda k: (-len(self.groups[k]), k)):
            diffs = self.groups[key]
            best = min(diffs, key=lambda d: d.size)
            print(f"\n[{len(diffs)}] {key}")
            text = best.plan if isinstance(best.plan, str) else best.plan.describe()
            print(f"    smallest example: {text}")
            print(f"    at record #{best.index}:")
            print(f"      expected (original + model): {clip(best.expected)}")
            print(f"      sioscgi-rs:                  {clip(best.actual)}")


def clip(record: object, width: int = 1500) -> str:
    text = repr(record)
    return text if len(text) <= width else text[:width] + f"… ({len(text)} characters)"


# ------------------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--originals", required=True, type=pathlib.Path,
                        help="directory holding sioscgi-5.0.0/ and sioscgi-2.1.1/ (extracted sdists)")
    parser.add_argument("--cases", type=int, default=None,
                        help="random request streams and random responses, each (default: 2000, with --logs 800;"
                        " about 30 s either way on a 2-core machine)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--logs", action="store_true", help="also compare log records at DEBUG")
    parser.add_argument("--vectors", type=pathlib.Path, default=DEFAULT_VECTORS, help="the captures (*/*.scgi)")
    args = parser.parse_args()
    if args.cases is None:
        args.cases = 800 if args.logs else 2000
    started = time.monotonic()

    root = logging.getLogger()
    root.addHandler(CAPTURE)
    if args.logs:
        root.setLevel(logging.DEBUG)
        CAPTURE.enabled = True
    else:
        CAPTURE.setLevel(logging.CRITICAL + 1)

    o5req, o5resp, o2 = load_originals(args.originals)
    ours_top, ours_rq, ours_rs = import_ours(args.originals)
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(4300)
    sides = make_sides(o5req, o5resp, o2, ours_top, ours_rq, ours_rs)
    rng = random.Random(args.seed)
    report = Report()

    # The API surface, and the README's claim that each new class subclasses the nearest
    # original one.
    for api, modules in (("5.x", (o5req, o5resp)), ("2.x", (o2,))):
        report.compare(f"{api} API surface", "the classes of the original's modules", (0,),
                       surface_records(modules, sides[f"{api} original"]),
                       surface_records(modules, sides[f"{api} ours"]))
    for api in ("5.x", "2.x"):
        report.compare(f"{api} events made by hand", "each event class called by the application", (0,),
                       hand_made_events(sides[f"{api} original"]), hand_made_events(sides[f"{api} ours"]))
    for api in ("5.x", "2.x"):
        report.compare(f"{api} object model", "pickle, copy, subclass and set attributes of the events", (0,),
                       object_model(sides[f"{api} original"]), object_model(sides[f"{api} ours"]))
    subclasses = [
        (ours_rq, "HeadersTooLargeError", "BadNetstringLengthError"),
        (ours_rq, "TooManyHeadersError", "HeadersStructuralError"),
        (ours_rq, "ContentLengthNotFirstError", "HeadersContentError"),
    ] + [(ours_rs, name, "Error") for name in (
        "HeaderInjectionError", "BadHeaderNameError", "DuplicateHeaderError", "BadStatusError",
        "BadLocationError")]
    report.compare("5.x new classes", "issubclass(new class, nearest original class)", (0,),
                   [(n, b, True) for _, n, b in subclasses],
                   [(n, b, issubclass(getattr(m, n), getattr(m, b))) for m, n, b in subclasses])

    # Requests.
    inputs: list[tuple[str, bytes, list[int | None]]] = []
    for path in sorted(args.vectors.glob("*/*.scgi")):
        data = path.read_bytes()
        limits: list[int | None] = [None]
        start = body_start(data)
        if start is not None and len(data) < 4096:
            limits.append(rng.randint(1, start + 10))
        inputs.append((f"capture {path.parent.name}/{path.name}", data, limits))
    inputs += hand_written()
    seeds = [d for _, d, _ in inputs if len(d) < 5000]
    for i in range(args.cases):
        stream = random_stream(rng) if rng.random() < 0.7 else mutate(rng, rng.choice(seeds))
        limits = [None]
        if rng.random() < 0.3:
            limits = [rng.choice([None, rng.randint(0, len(stream) + 8), rng.randint(1, 64)])]
        inputs.append((f"random stream #{i}", stream, limits))
    odd_limits = [0, 1, -1, 2**31 - 1, 2**32 + 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 10**30, -(2**63) - 1]
    small = netstring(base_pairs(b"hello"), b"hello")
    for limit in odd_limits:
        inputs.append((f"odd rx_buffer_limit {limit}", small, [limit]))

    for source, stream, limits in inputs:
        for plan in request_plans(rng, source, stream, limits):
            for api in ("5.x", "2.x"):
                original, ours = sides[f"{api} original"], sides[f"{api} ours"]
                expected = run_request(original, plan, expected=True)
                actual = run_request(ours, plan, expected=False)
                report.compare(f"{api} request", plan, plan.size(), expected, actual)

    # Responses.
    plans = hand_written_responses()
    for i in range(args.cases):
        heads = [random_head(rng) for _ in range(1 if rng.random() < 0.8 else 2)]
        tokens = random_tokens(rng, len(heads), heads[0][0])
        prelude = rng.choice(PRELUDES) if rng.random() < 0.3 else []
        container = rng.choice(["list"] * 8 + ["tuple", "iterator"])
        plans.append(ResponsePlan(f"random response #{i}", heads, tokens, prelude, container))
    for plan in plans:
        for api in ("5.x", "2.x"):
            original, ours = sides[f"{api} original"], sides[f"{api} ours"]
            o_heads, o_records = make_heads(original, plan)
            r_heads, r_records = make_heads(ours, plan)
            expected_records = [expected_head(rec, h, api) for rec, h in zip(o_records, plan.heads)]
            report.compare(f"{api} response head", plan, plan.size(), expected_records, r_records)
            skip = {i for i, (a, b) in enumerate(zip(o_heads, r_heads)) if a is None or b is None}
            expected = expected_response(run_response(original, plan, o_heads, skip), api)
            actual, _ = run_response(ours, plan, r_heads, skip)
            report.compare(f"{api} response", plan, plan.size(), expected, actual)

    report.print()
    print("\nmodelled deliberate differences applied (runs):")
    for name, count in sorted(MODEL_USE.items()):
        print(f"  {count:6d}  {name}")
    print(f"\nelapsed {time.monotonic() - started:.1f} s (seed {args.seed}, --cases {args.cases}"
          f"{', --logs' if args.logs else ''})")
    return 1 if report.differing else 0


if __name__ == "__main__":
    sys.exit(main())
