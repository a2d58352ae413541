"""The 5.x reader: captures against their reference traces, every error class, eagerness."""

from __future__ import annotations

import pathlib
import random

import pytest

import sioscgi.request as rq

import trace_rs
from conftest import reference_trace

GOOD = (
    b"70:CONTENT_LENGTH\x0027\x00SCGI\x001\x00REQUEST_METHOD\x00POST\x00"
    b"REQUEST_URI\x00/deepthought\x00,What is the answer to life?"
)


def netstring(block: bytes, body: bytes = b"") -> bytes:
    return str(len(block)).encode() + b":" + block + b"," + body


def trace(data: bytes, sizes: list[int], limit: int = 65536) -> list[dict]:
    """The reference traces' format (the differential test's tracer)."""
    return trace_rs.trace_request(data, sizes, limit)


def test_captures_whole_match_the_reference(capture: pathlib.Path) -> None:
    data = capture.read_bytes()
    assert trace(data, [len(data)]) == reference_trace(capture)


def test_captures_byte_by_byte_match_the_reference(capture: pathlib.Path) -> None:
    data = capture.read_bytes()
    if len(data) > 200_000:
        pytest.skip("a megabyte one byte at a time is for the Rust tests")
    assert trace(data, [1] * len(data)) == reference_trace(capture)


def test_events_and_state_are_eager() -> None:
    reader = rq.SCGIReader()
    assert reader.state is rq.State.HEADER_LENGTH
    reader.receive_data(GOOD[:3])
    assert reader.state is rq.State.HEADERS
    reader.receive_data(GOOD[3:-5])
    assert reader.state is rq.State.BODY
    reader.receive_data(GOOD[-5:])
    # Everything is parsed already: DONE before a single event is taken.
    assert reader.state is rq.State.DONE
    headers = reader.next_event()
    assert isinstance(headers, rq.Headers) and isinstance(headers, rq.Event)
    assert headers.environment == {
        "CONTENT_LENGTH": b"27",
        "SCGI": b"1",
        "REQUEST_METHOD": b"POST",
        "REQUEST_URI": b"/deepthought",
    }
    bodies = []
    while isinstance(event := reader.next_event(), rq.Body):
        bodies.append(event.data)
    assert b"".join(bodies) == b"What is the answer to life?"
    assert isinstance(event, rq.End)
    assert reader.next_event() is None
    # Bytes after the request are ignored; EOF then is fine.
    reader.receive_data(b"extra")
    reader.receive_data(b"")
    assert reader.next_event() is None


def test_body_events_follow_the_received_chunks() -> None:
    reader = rq.SCGIReader()
    reader.receive_data(GOOD[:-27])
    for piece in (b"What ", b"is the answer", b" to life?"):
        reader.receive_data(piece)
    events = []
    while (event := reader.next_event()) is not None:
        events.append(event)
    assert [e.data for e in events[1:-1]] == [b"What ", b"is the answer", b" to life?"]
    assert repr(events[1]) == "Body(b'What ')"
    assert repr(events[-1]) == "End()"
    assert repr(events[0]).startswith("Headers({'CONTENT_LENGTH': b'27'")


def test_an_error_comes_before_queued_events_and_stays() -> None:
    reader = rq.SCGIReader()
    reader.receive_data(GOOD[:-1])  # Headers and most of the body are queued
    reader.receive_data(b"")
    assert reader.state is rq.State.ERROR
    for _ in range(2):
        with pytest.raises(rq.RemotePrematureEOFError):
            reader.next_event()


def test_receive_after_eof_is_raised_at_once() -> None:
    reader = rq.SCGIReader()
    reader.receive_data(GOOD)
    reader.receive_data(b"")
    with pytest.raises(rq.ReceiveAfterEOFError):
        reader.receive_data(b"x")
    assert reader.state is rq.State.ERROR
    with pytest.raises(rq.ReceiveAfterEOFError):
        reader.next_event()


BASE = b"CONTENT_LENGTH\x000\x00SCGI\x001\x00"

ERRORS = [
    (b"A:", rq.BadNetstringLengthError),
    (b" 5:", rq.BadNetstringLengthError),
    (b"+5:", rq.BadNetstringLengthError),
    (b"05:", rq.BadNetstringLengthError),
    (b"70000:", rq.HeadersTooLargeError),
    (netstring(BASE)[:-1] + b";", rq.BadNetstringTerminatorError),
    (netstring(BASE + b"X\x00y"), rq.HeadersNotNULTerminatedError),
    (netstring(BASE + b"X\x00"), rq.HeadersOddStringCountError),
    (netstring(BASE + b"\x00v\x00"), rq.HeaderEmptyError),
    (netstring(BASE + b"X\x001\x00X\x002\x00"), rq.DuplicateHeaderError),
    # A repeat before a rule that is checked after the names comes first.
    (netstring(b"CONTENT_LENGTH\x000\x00X\x001\x00X\x002\x00"), rq.DuplicateHeaderError),
    (netstring(b"SCGI\x002\x00CONTENT_LENGTH\x000\x00X\x00\x00X\x00\x00"), rq.DuplicateHeaderError),
    (netstring(b"SCGI\x001\x00X\x001\x00X\x002\x00"), rq.DuplicateHeaderError),
    (netstring(BASE + b"X\x001\x00X\x002\x00\x00v\x00"), rq.DuplicateHeaderError),
    (netstring(BASE + b"\x00v\x00X\x001\x00X\x002\x00"), rq.HeaderEmptyError),
    (netstring(b"CONTENT_LENGTH\x000\x00"), rq.NoSCGIVariableError),
    (netstring(b"CONTENT_LENGTH\x000\x00SCGI\x002\x00"), rq.BadSCGIVersionError),
    (netstring(b"SCGI\x001\x00"), rq.NoContentLengthError),
    (netstring(b"CONTENT_LENGTH\x00x1\x00SCGI\x001\x00"), rq.BadContentLengthError),
    (netstring(b"CONTENT_LENGTH\x00+1\x00SCGI\x001\x00"), rq.BadContentLengthError),
    (netstring(BASE)[:-2], rq.RemotePrematureEOFError),
]


@pytest.mark.parametrize(("data", "error"), ERRORS, ids=lambda x: getattr(x, "__name__", None))
def test_every_error_class(data: bytes, error: type[rq.Error]) -> None:
    for sizes in ([len(data)], [1] * len(data)):
        reader = rq.SCGIReader()
        at = 0
        for size in sizes:
            reader.receive_data(data[at : at + size])
            at += size
        reader.receive_data(b"")
        assert reader.state is rq.State.ERROR
        with pytest.raises(error) as raised:
            reader.next_event()
        assert type(raised.value) is error
        assert isinstance(raised.value, rq.Error)


def test_a_repeat_after_a_request_with_the_same_names_is_refused() -> None:
    # The package's reader leaves repeated names to the dict it makes from the
    # environment, made from the last request's when the names are the same: a request
    # whose names differ from the last one's only by a repeat is refused all the same,
    # naming the first name given twice.
    ok = netstring(BASE + b"HTTP_A\x001\x00HTTP_B\x002\x00")
    repeated = netstring(BASE + b"HTTP_A\x001\x00HTTP_A\x002\x00")
    for data in (ok, ok, repeated, ok):
        reader = rq.SCGIReader()
        reader.receive_data(data)
        if data is repeated:
            with pytest.raises(rq.DuplicateHeaderError, match="^Duplicate environment variable HTTP_A$"):
                reader.next_event()
        else:
            assert reader.next_event().environment == {
                "CONTENT_LENGTH": b"0",
                "SCGI": b"1",
                "HTTP_A": b"1",
                "HTTP_B": b"2",
            }


def test_the_new_classes_are_caught_as_the_original_ones() -> None:
    assert issubclass(rq.HeadersTooLargeError, rq.BadNetstringLengthError)
    assert issubclass(rq.TooManyHeadersError, rq.HeadersStructuralError)
    assert issubclass(rq.ContentLengthNotFirstError, rq.HeadersContentError)
    for cls in (rq.NetstringError, rq.HeadersStructuralError, rq.HeadersContentError):
        assert issubclass(cls, rq.HeadersError) and issubclass(cls, rq.Error)


def test_messages_name_what_is_wrong() -> None:
    cases = [
        (netstring(BASE + b"X\x001\x00X\x002\x00"), "Duplicate environment variable X"),
        (netstring(b"CONTENT_LENGTH\x000\x00SCGI\x002\x00"), "SCGI variable is b'2', expected 1"),
        (netstring(b"CONTENT_LENGTH\x00x1\x00SCGI\x001\x00"), "Invalid CONTENT_LENGTH b'x1'"),
    ]
    for data, message in cases:
        reader = rq.SCGIReader()
        for i in range(len(data)):  # the name is found also when the block came in pieces
            reader.receive_data(data[i : i + 1])
        with pytest.raises(rq.Error, match=message.replace("(", r"\(").replace("[", r"\[")):
            reader.next_event()


def test_the_limit_bounds_the_environment() -> None:
    block = BASE + b"X\x00" + b"v" * 100 + b"\x00"
    reader = rq.SCGIReader(rx_buffer_limit=len(block))
    reader.receive_data(netstring(block))
    assert isinstance(reader.next_event(), rq.Headers)
    reader = rq.SCGIReader(rx_buffer_limit=len(block) - 1)
    reader.receive_data(netstring(block))
    with pytest.raises(rq.BadNetstringLengthError):
        reader.next_event()


def test_latin1_names_and_bytes_values() -> None:
    reader = rq.SCGIReader()
    reader.receive_data(netstring(BASE + b"HTTP_X_CAF\xc9\x00caf\xe9 \xff\x00"))
    env = reader.next_event().environment
    assert env["HTTP_X_CAF\xc9"] == b"caf\xe9 \xff"


def test_bytes_like_input() -> None:
    reader = rq.SCGIReader()
    reader.receive_data(bytearray(GOOD[:10]))
    reader.receive_data(memoryview(GOOD)[10:])
    assert reader.state is rq.State.DONE


def test_events_can_be_made_by_hand() -> None:
    assert rq.Headers({"A": b"1"}).environment == {"A": b"1"}
    assert rq.Body(b"x").data == b"x"
    assert isinstance(rq.End(), rq.Event)


# What sioscgi 5.0.0 does with the objects given to receive_data (each case observed on
# the original): a chunk that is all body is handed on itself, a part of one as a slice
# of the same type, and any false value is the end of the stream.
HEAD = netstring(b"CONTENT_LENGTH\x005\x00SCGI\x001\x00")


def body_events(*chunks: object) -> list[object]:
    reader = rq.SCGIReader()
    for chunk in chunks:
        reader.receive_data(chunk)
    out = []
    while (event := reader.next_event()) is not None:
        out.append(event)
    return [e.data for e in out if isinstance(e, rq.Body)]


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_a_chunk_that_is_all_body_is_handed_on_itself(kind: type) -> None:
    chunk = kind(b"hello")
    [data] = body_events(HEAD, chunk)
    assert data is chunk


def test_a_bytearray_body_is_the_callers_object_and_sees_its_changes() -> None:
    chunk = bytearray(b"hel")
    first, second = body_events(HEAD, chunk, b"lo")
    assert first is chunk
    chunk[0:1] = b"j"
    assert first == b"jel"
    assert second == b"lo"


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_part_of_a_chunk_is_a_slice_of_its_type(kind: type) -> None:
    # Past CONTENT_LENGTH: the first five bytes.
    [data] = body_events(HEAD, kind(b"hello, and more"))
    assert type(data) is kind
    assert bytes(data) == b"hello"


@pytest.mark.parametrize("kind", [bytes, bytearray])
def test_the_body_after_the_environment_is_a_slice_of_its_type(kind: type) -> None:
    [data] = body_events(kind(HEAD + b"hel"))
    assert type(data) is kind
    assert data == b"hel"


def test_a_memoryview_body_is_never_copied() -> None:
    source = bytearray(b"hello")
    view = memoryview(source)
    [data] = body_events(HEAD, view)
    assert data is view
    assert data.obj is source


def test_a_bytes_subclass_is_handed_on_whole_and_sliced_to_bytes() -> None:
    class Chunk(bytes):
        pass

    whole = Chunk(b"hello")
    assert body_events(HEAD, whole)[0] is whole
    [part] = body_events(HEAD, Chunk(b"hello!"))
    assert type(part) is bytes
    assert part == b"hello"


@pytest.mark.parametrize("end", [b"", None, bytearray(), memoryview(b"")])
def test_any_false_value_is_the_end_of_the_stream(end: object) -> None:
    reader = rq.SCGIReader()
    reader.receive_data(HEAD + b"hel")
    reader.receive_data(end)
    assert reader.state is rq.State.ERROR
    with pytest.raises(rq.RemotePrematureEOFError):
        reader.next_event()


def test_data_after_eof_replaces_an_earlier_error() -> None:
    reader = rq.SCGIReader()
    reader.receive_data(b"x:")
    reader.receive_data(b"")
    with pytest.raises(rq.BadNetstringLengthError):
        reader.next_event()
    with pytest.raises(rq.ReceiveAfterEOFError):
        reader.receive_data(b"more")
    with pytest.raises(rq.ReceiveAfterEOFError):
        reader.next_event()


def test_data_after_an_error_before_eof_is_ignored() -> None:
    reader = rq.SCGIReader()
    reader.receive_data(b"x:")
    reader.receive_data(b"more")
    with pytest.raises(rq.BadNetstringLengthError):
        reader.next_event()


def test_every_request_ends_with_an_end() -> None:
    for _ in range(2):
        reader = rq.SCGIReader()
        reader.receive_data(HEAD + b"hello")
        assert type(list(iter(reader.next_event, None))[-1]) is rq.End



@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
@pytest.mark.parametrize("size", [1, 65535, 65536, 65537, 300_000])
def test_a_large_chunk_is_one_event_however_it_is_read(kind: type, size: int) -> None:
    reader = rq.SCGIReader()
    reader.receive_data(netstring(b"CONTENT_LENGTH\x00" + str(size + 3).encode() + b"\x00SCGI\x001\x00"))
    first = kind(b"a" * size)
    reader.receive_data(first)
    reader.receive_data(kind(b"bcdef"))  # three to end the body, two past it
    events = list(iter(reader.next_event, None))
    assert [type(e) for e in events] == [rq.Headers, rq.Body, rq.Body, rq.End]
    assert events[1].data is first
    assert type(events[2].data) is kind
    assert bytes(events[2].data) == b"bcd"
    assert reader.state is rq.State.DONE


@pytest.mark.parametrize("given", [1, [50, 52, 58], "24:"])
def test_what_is_not_bytes_is_refused_as_in_the_original(given: object) -> None:
    with pytest.raises((TypeError, AttributeError)):
        rq.SCGIReader().receive_data(given)


def test_a_view_of_other_items_is_read_byte_by_byte() -> None:
    reader = rq.SCGIReader()
    reader.receive_data(HEAD[:-1])
    reader.receive_data(memoryview(b",hello!!").cast("H"))
    events = list(iter(reader.next_event, None))
    assert bytes(events[1].data) == b"hello"


def test_an_exception_while_making_an_event_fails_the_reader() -> None:
    class Chunk(bytearray):
        def __getitem__(self, index):  # the slice that would be the body
            raise MemoryError("no")

    reader = rq.SCGIReader()
    reader.receive_data(HEAD)
    with pytest.raises(MemoryError):
        reader.receive_data(Chunk(b"hel, and more"))
    assert reader.state is rq.State.ERROR
    with pytest.raises(RuntimeError):
        reader.next_event()


def environment_of(pairs: list[tuple[bytes, bytes]]) -> bytes:
    block = b"".join(n + b"\x00" + v + b"\x00" for n, v in pairs)
    return netstring(b"CONTENT_LENGTH\x000\x00SCGI\x001\x00" + block)


def expected(pairs: list[tuple[bytes, bytes]]) -> dict[str, bytes]:
    return {"CONTENT_LENGTH": b"0", "SCGI": b"1"} | {n.decode("latin-1"): v for n, v in pairs}


def environment_read(data: bytes) -> dict[str, bytes]:
    reader = rq.SCGIReader()
    reader.receive_data(data)
    headers = reader.next_event()
    assert isinstance(reader.next_event(), rq.End)
    return headers.environment


# Shapes of environment in the order a server might send them: the same names again with
# other values (a dict made from the last one's), other names, the same names in another
# order, and environments too large to be kept as a template (over 128 variables, over 16 KiB).
TYPICAL_PAIRS = [(b"REQUEST_METHOD", b"GET"), (b"REMOTE_PORT", b"50000"), (b"HTTP_X_\xe9", b"\xff")]
LARGE_PAIRS = [(b"HTTP_X_%d" % i, b"v%d" % i) for i in range(300)]
LONG_PAIRS = [(b"HTTP_COOKIE", b"c" * 20_000), (b"REMOTE_PORT", b"1")]
SEQUENCE = [
    TYPICAL_PAIRS,
    [(n, v + b"1" if n == b"REMOTE_PORT" else v) for n, v in TYPICAL_PAIRS],
    TYPICAL_PAIRS,
    list(reversed(TYPICAL_PAIRS)),
    LARGE_PAIRS,
    [(n, v + b"!") for n, v in LARGE_PAIRS],
    TYPICAL_PAIRS,
    LONG_PAIRS,
    [(b"HTTP_COOKIE", b"d" * 20_000), (b"REMOTE_PORT", b"2")],
    [(n, b"") for n, _ in TYPICAL_PAIRS],
    TYPICAL_PAIRS,
]


def template_sequence(seed: int, count: int) -> list[list[tuple[bytes, bytes]]]:
    """Environments, each mostly the one before with some values or names changed: names
    that are prefixes of one another, values of every length around the comparison's
    32-byte steps and 8-byte words, values that look like the names after them, and the
    protocol's own variables anywhere."""
    rng = random.Random(seed)
    names = [b"A", b"AB", b"ABC", b"B", b"BA", b"HTTP_X", b"HTTP_XY", b"REMOTE_PORT", b"\xe9"]
    values = [b"", b"A", b"AB\xff", b"x" * 7, b"x" * 8, b"x" * 9, b"y" * 31, b"y" * 32, b"y" * 33, b"B\x01A"]

    def value() -> bytes:
        return rng.choice(values) if rng.random() < 0.7 else bytes(rng.randrange(1, 256) for _ in range(rng.randrange(70)))

    def fresh() -> list[tuple[bytes, bytes]]:
        chosen = rng.sample(names, rng.randrange(len(names) + 1))
        pairs = [(n, value()) for n in chosen]
        for protocol in ((b"SCGI", b"1"), (b"CONTENT_LENGTH", b"0")):
            pairs.insert(rng.randrange(len(pairs) + 1), protocol)
        return pairs

    out = [fresh()]
    for _ in range(count - 1):
        pairs = list(out[-1])
        roll = rng.random()
        if roll < 0.6:
            for i in range(len(pairs)):
                if pairs[i][0] not in (b"SCGI", b"CONTENT_LENGTH") and rng.random() < 0.4:
                    pairs[i] = (pairs[i][0], value())
        elif roll < 0.8:
            others = [i for i, (n, _) in enumerate(pairs) if n not in (b"SCGI", b"CONTENT_LENGTH")]
            unused = [n for n in names if n not in {p[0] for p in pairs}]
            if others and unused:
                i = rng.choice(others)
                pairs[i] = (rng.choice(unused), pairs[i][1] if rng.random() < 0.5 else value())
        else:
            pairs = fresh()
        out.append(pairs)
    return out


def test_environments_made_from_the_last_are_exact() -> None:
    for seed in range(3):
        for pairs in template_sequence(seed, 1500):
            block = b"".join(n + b"\x00" + v + b"\x00" for n, v in pairs)
            environment = environment_read(netstring(block))
            want = {n.decode("latin-1"): v for n, v in pairs}
            assert environment == want
            assert list(environment) == list(want)


def test_each_environment_is_its_own_whatever_came_before() -> None:
    made = []
    for pairs in SEQUENCE:
        environment = environment_read(environment_of(pairs))
        assert environment == expected(pairs)
        assert list(environment) == list(expected(pairs))
        made.append(environment)
    # Earlier dicts are untouched by later requests, and changing one changes no other.
    made[0]["REMOTE_PORT"] = b"changed"
    made[0]["NEW"] = b"x"
    for environment, pairs in zip(made[1:], SEQUENCE[1:]):
        assert environment == expected(pairs)
    assert environment_read(environment_of(TYPICAL_PAIRS)) == expected(TYPICAL_PAIRS)
