"""The classes as the original's Python classes are: subclassable, picklable, copyable,
with writable attributes (each expectation observed on sioscgi 5.0.0 and 2.1.1)."""

from __future__ import annotations

import copy
import pickle

import pytest

import sioscgi
import sioscgi.request as rq
import sioscgi.response as rs

HEAD = b"24:CONTENT_LENGTH\x005\x00SCGI\x001\x00,"

CLASSES = [
    rq.SCGIReader, rq.Event, rq.Headers, rq.Body, rq.End,
    rs.SCGIWriter, rs.Event, rs.Headers, rs.Body, rs.End,
    sioscgi.SCGIConnection, sioscgi.Event, sioscgi.RequestHeaders, sioscgi.RequestBody,
    sioscgi.RequestEnd, sioscgi.ResponseHeaders, sioscgi.ResponseBody, sioscgi.ResponseEnd,
]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_class_can_be_subclassed(cls: type) -> None:
    sub = type(f"My{cls.__name__}", (cls,), {"extra": 1})
    assert issubclass(sub, cls)


def test_a_subclass_init_may_take_other_arguments() -> None:
    class Chunk(rq.Body):
        def __init__(self, data: bytes, tag: str) -> None:
            super().__init__(data)
            self.tag = tag

    chunk = Chunk(b"x", "t")
    assert (chunk.data, chunk.tag) == (b"x", "t")

    class Reader(rq.SCGIReader):
        def __init__(self, name: str) -> None:
            super().__init__(100)
            self.name = name

    reader = Reader("r")
    reader.receive_data(b"101:")
    with pytest.raises(rq.BadNetstringLengthError):
        reader.next_event()

    class Head(rs.Headers):
        def __init__(self, location: str) -> None:
            super().__init__(None, [("Location", location)])

    assert rs.SCGIWriter().send(Head("/x")) == b"Location: /x\r\n\r\n"


def test_init_starts_a_reader_afresh() -> None:
    reader = rq.SCGIReader()
    reader.receive_data(b"x:")
    assert reader.state is rq.State.ERROR
    reader.__init__()
    reader.receive_data(HEAD + b"hello")
    assert [type(e) for e in iter(reader.next_event, None)] == [rq.Headers, rq.Body, rq.End]


def test_the_writer_sends_a_subclass_through_its_methods() -> None:
    class Head(rs.Headers):
        def encode(self) -> bytes:
            return b"custom head\r\n\r\n"

    class Chunk(rs.Body):
        @property
        def data(self) -> bytes:
            return b"computed"

    writer = rs.SCGIWriter()
    assert writer.send(Head("200 OK", [])) == b"custom head\r\n\r\n"
    assert writer.send(Chunk(b"ignored")) == b"computed"
    assert writer.send(rs.End()) is None

    conn = sioscgi.SCGIConnection()

    class Legacy(sioscgi.ResponseHeaders):
        def encode(self) -> bytes:
            return b"2.x custom\r\n\r\n"

    assert conn.send(Legacy("200 OK", [])) == b"2.x custom\r\n\r\n"
    assert conn.tx_state is sioscgi.TXState.BODY


def test_the_state_moves_before_a_failing_encode() -> None:
    class Broken(rs.Headers):
        def encode(self) -> bytes:
            raise RuntimeError("no")

    writer = rs.SCGIWriter()
    with pytest.raises(RuntimeError):
        writer.send(Broken("200 OK", []))
    assert writer.state is rs.State.BODY


EVENTS = [
    lambda: rq.Headers({"SCGI": b"1"}),
    lambda: rq.Body(b"x"),
    lambda: rq.End(),
    lambda: rs.Headers("200 OK", [("X", "1"), ("Content-Type", "text/plain")]),
    lambda: rs.Headers(None, [("Location", "/x")]),
    lambda: rs.Body(b"y"),
    lambda: rs.End(),
    lambda: sioscgi.RequestHeaders({"SCGI": "1"}),
    lambda: sioscgi.RequestBody(b"x"),
    lambda: sioscgi.ResponseHeaders("404 Not Found", [("X", "1")]),
    lambda: sioscgi.ResponseEnd(),
]


@pytest.mark.parametrize("make", EVENTS)
@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
def test_events_pickle_to_equal_events(make, protocol: int) -> None:
    event = make()
    again = pickle.loads(pickle.dumps(event, protocol))
    assert type(again) is type(event)
    assert repr(again) == repr(event)
    if hasattr(event, "encode"):
        assert again.encode() == event.encode()


@pytest.mark.parametrize("make", EVENTS)
def test_events_copy_to_other_objects_with_equal_values(make) -> None:
    event = make()
    for twin in (copy.copy(event), copy.deepcopy(event)):
        assert twin is not event
        assert twin != event  # compared by identity, as in the original
        assert repr(twin) == repr(event)


def test_the_pickled_state_is_the_originals() -> None:
    # What the original's __slots__ give: a pickle loads in either package.
    assert rq.Body(b"x").__reduce_ex__(2)[2] == (None, {"data": b"x"})
    assert rq.End().__reduce_ex__(2)[2] is None
    state = rs.Headers("200 OK", [("X", "1")]).__reduce_ex__(2)[2]
    assert state[0] is None
    assert sorted(state[1]) == ["content_type", "location", "other_headers", "status"]
    assert state[1]["other_headers"].items() == [("X", "1")]


class Tagged(rq.Body):
    __slots__ = ("tag",)


class Noted(rq.Body):
    pass


def test_a_subclass_pickles_its_own_attributes() -> None:
    chunk = Tagged(b"x")
    chunk.tag = "t"
    again = pickle.loads(pickle.dumps(chunk))
    assert (type(again), again.data, again.tag) == (Tagged, b"x", "t")
    chunk = Noted(b"x")
    chunk.note = "n"
    assert chunk.__reduce_ex__(2)[2] == ({"note": "n"}, {"data": b"x"})
    again = pickle.loads(pickle.dumps(chunk))
    assert (type(again), again.data, again.note) == (Noted, b"x", "n")


def test_head_attributes_are_writable_and_sent() -> None:
    head = rs.Headers("200 OK", [("Content-Type", "text/plain"), ("X", "1")])
    head.status = "404 Not Found"
    head.location = "/a"
    head.content_type = "t/p"
    assert (head.status, head.location, head.content_type) == ("404 Not Found", "/a", "t/p")
    assert head.encode() == b"Location: /a\r\nStatus: 404 Not Found\r\nContent-Type: t/p\r\nX: 1\r\n\r\n"
    head.other_headers = rs.Headers("200 OK", [("Y", "2")]).other_headers
    assert head.encode().endswith(b"Content-Type: t/p\r\nY: 2\r\n\r\n")
    head.status = None
    head.content_type = None
    head.other_headers = rs.Headers("200 OK", []).other_headers
    assert head.succeeding_state is rs.State.NO_BODY
    assert head.encode() == b"Location: /a\r\n\r\n"


def test_changed_attributes_are_checked_again_when_sent() -> None:
    # This package's rule (the README's differences): the original sends what was set.
    head = rs.Headers("200 OK", [])
    head.other_headers.add_header("Connection", "close")
    with pytest.raises(rs.HeaderHopByHopError):
        head.encode()
    head = rs.Headers("200 OK", [])
    head.status = "200 OK\r\nX: injected"
    with pytest.raises(rs.HeaderInjectionError):
        rs.SCGIWriter().send(head)


def test_pairs_are_unpacked_as_the_original_unpacks_them() -> None:
    assert rs.Headers(None, [["Location", "/x"]]).encode() == b"Location: /x\r\n\r\n"
    with pytest.raises(TypeError):
        rs.Headers("200 OK", [["X", "1"]])
    # In the original's order: names and values are strings, hop-by-hop names, then the
    # other headers encoded (where a pair that is not a tuple fails).
    with pytest.raises(AssertionError):
        rs.Headers("200 OK", [["X", None]])
    with pytest.raises(rs.HeaderHopByHopError):
        rs.Headers("200 OK", [["Connection", "close"]])
    with pytest.raises(ValueError, match="not enough values to unpack"):
        rs.Headers("200 OK", [("X",)])
    with pytest.raises(ValueError, match="too many values to unpack"):
        rs.Headers("200 OK", [("X", "1", "2")])


def test_a_status_that_is_not_a_string_fails_as_in_the_original() -> None:
    with pytest.raises(AttributeError, match="'int' object has no attribute 'encode'"):
        rs.Headers(200, [])
    # After the hop-by-hop names and the other headers' encoding, as in the original.
    with pytest.raises(rs.HeaderHopByHopError):
        rs.Headers(200, [("Connection", "close")])
    with pytest.raises(rs.HeaderNotISO88591Error):
        rs.Headers(b"200 OK", [("X", "\u263a")])


def test_a_subclass_may_look_at_the_writer_while_it_is_sent() -> None:
    writer = rs.SCGIWriter()
    seen = []

    class Head(rs.Headers):
        def encode(self) -> bytes:
            seen.append(writer.state)  # the writer has moved, as in the original
            return super().encode()

    class Chunk(rs.Body):
        @property
        def data(self) -> bytes:
            seen.append(writer.state)
            return b"x"

    assert writer.send(Head("200 OK", [])) == b"Status: 200 OK\r\n\r\n"
    assert writer.send(Chunk(b"")) == b"x"
    assert seen == [rs.State.BODY, rs.State.BODY]


def test_a_head_refused_when_sent_has_moved_the_writer_as_in_the_original() -> None:
    head = rs.Headers("200 OK", [])
    head.status = "200 OK\r\nX: injected"
    writer = rs.SCGIWriter()
    with pytest.raises(rs.HeaderInjectionError):
        writer.send(head)
    assert writer.state is rs.State.BODY


def test_new_then_init_takes_inits_limit() -> None:
    reader = rq.SCGIReader.__new__(rq.SCGIReader)
    reader.__init__(10)
    reader.receive_data(b"24:")
    with pytest.raises(rq.BadNetstringLengthError):
        reader.next_event()


def test_cycles_through_the_classes_are_collected() -> None:
    import gc

    freed = []

    class Marker:
        def __del__(self) -> None:
            freed.append(True)

    class Chunk(bytearray):
        pass

    body = rq.Body(None)
    body.data = [body, Marker()]
    head = rs.Headers("200 OK", [])
    head.location = [head, Marker()]
    reader = rq.SCGIReader()
    reader.receive_data(HEAD)
    chunk = Chunk(b"hello")
    chunk.owner = (reader, Marker())
    reader.receive_data(chunk)
    del body, head, reader, chunk
    gc.collect()
    assert len(freed) == 3
