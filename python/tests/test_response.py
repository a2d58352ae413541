"""The 5.x writer: heads as the original encodes them, every error class, the states."""

from __future__ import annotations

import wsgiref.headers

import pytest

import sioscgi.response as rs


def send_all(status: str | None, headers: list[tuple[str, str]], *bodies: bytes) -> bytes:
    writer = rs.SCGIWriter()
    out = writer.send(rs.Headers(status, headers))
    for body in bodies:
        out += writer.send(rs.Body(body))
    assert writer.send(rs.End()) is None
    assert writer.state is rs.State.DONE
    return out


def test_document_response() -> None:
    out = send_all(
        "200 OK",
        [("X-First", "1"), ("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        b"he",
        b"llo",
    )
    assert out == (
        b"Content-Type: text/plain\r\nStatus: 200 OK\r\nX-First: 1\r\n"
        b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello"
    )


def test_redirects() -> None:
    assert send_all(None, [("Location", "/local")]) == b"Location: /local\r\n\r\n"
    assert send_all(None, [("Location", "http://example.org/")]) == (
        b"Location: http://example.org/\r\n\r\n"
    )
    assert send_all("302 Found", [("Content-Type", "text/html"), ("location", "/x")], b"<p>") == (
        b"Location: /x\r\nStatus: 302 Found\r\nContent-Type: text/html\r\n\r\n<p>"
    )


def test_latin1_values_are_written_as_latin1() -> None:
    out = send_all("200 OK", [("X-Name", "café")])
    assert out == b"Status: 200 OK\r\nX-Name: caf\xe9\r\n\r\n"


def test_attributes() -> None:
    head = rs.Headers("404 Not Found", [("content-type", "text/plain"), ("X-A", "1"), ("X-B", "2")])
    assert head.status == "404 Not Found"
    assert head.content_type == "text/plain"
    assert head.location is None
    assert isinstance(head.other_headers, wsgiref.headers.Headers)
    assert head.other_headers.items() == [("X-A", "1"), ("X-B", "2")]
    assert head.succeeding_state is rs.State.BODY
    assert rs.Headers(None, [("Location", "/")]).succeeding_state is rs.State.NO_BODY
    assert head.encode() == b"Content-Type: text/plain\r\nStatus: 404 Not Found\r\nX-A: 1\r\nX-B: 2\r\n\r\n"
    assert repr(head) == (
        "Headers(status=404 Not Found, content_type=text/plain, location=None, "
        "other_headers=Headers([('X-A', '1'), ('X-B', '2')]))"
    )
    assert isinstance(head, rs.Event)


def test_other_headers_changed_after_making_are_sent() -> None:
    head = rs.Headers("200 OK", [("X-A", "1")])
    head.other_headers["X-B"] = "2"
    assert head.encode() == b"Status: 200 OK\r\nX-A: 1\r\nX-B: 2\r\n\r\n"
    head.other_headers["X-C"] = "bad\r\nInjected: 1"
    with pytest.raises(rs.HeaderInjectionError):
        head.encode()


REFUSED = [
    ("200 OK", [("Connection", "close")], rs.HeaderHopByHopError),
    ("200 OK", [("transfer-encoding", "chunked")], rs.HeaderHopByHopError),
    ("200 OK", [("Trailer", "x")], rs.HeaderHopByHopError),
    ("200 OK", [("Proxy-Connection", "x")], rs.HeaderHopByHopError),
    ("200 OK", [("Content-Type", "text/Ω")], rs.HeaderNotISO88591Error),
    ("301 Moved", [("Location", "/Ω")], rs.HeaderNotISO88591Error),
    ("200 OK", [("X-A", "Ω")], rs.HeaderNotISO88591Error),
    ("200 ΩK", [], rs.HeaderNotISO88591Error),
    (None, [], rs.NonDocumentHeadersError),
    (None, [("Location", "/"), ("Content-Type", "text/plain")], rs.NonDocumentHeadersError),
    (None, [("Location", "/"), ("X-A", "1")], rs.NonDocumentHeadersError),
    ("200 OK", [("X-A", "a\r\nX-B: b")], rs.HeaderInjectionError),
    ("200 OK\r\nX: y", [], rs.HeaderInjectionError),
    ("200 OK", [("X A", "1")], rs.BadHeaderNameError),
    ("200 OK", [("", "1")], rs.BadHeaderNameError),
    ("200 OK", [("Content-Type", "a"), ("content-type", "b")], rs.DuplicateHeaderError),
    ("302 Found", [("Location", "/a"), ("Location", "/b")], rs.DuplicateHeaderError),
    ("OK", [], rs.BadStatusError),
    ("099 Low", [], rs.BadStatusError),
    ("200 OK", [("Location", "")], rs.BadLocationError),
]


@pytest.mark.parametrize(("status", "headers", "error"), REFUSED)
def test_every_error_class(status: str | None, headers: list[tuple[str, str]], error: type) -> None:
    with pytest.raises(error) as raised:
        rs.Headers(status, headers)
    assert type(raised.value) is error
    assert isinstance(raised.value, rs.Error)


def test_the_original_checks_come_first() -> None:
    # Hop-by-hop before the stricter rules, as in the original.
    with pytest.raises(rs.HeaderHopByHopError, match="Header Connection is hop-by-hop"):
        rs.Headers("bad", [("Connection", "x"), ("X A", "\r")])
    with pytest.raises(rs.NonDocumentHeadersError):
        rs.Headers(None, [("Location", "/"), ("X A", "1")])


def test_this_packages_hop_by_hop_names_come_after_the_originals_checks() -> None:
    # The original has no rule for Trailer and Proxy-Connection: it raises what it
    # finds first, and so does this package.
    with pytest.raises(rs.HeaderNotISO88591Error):
        rs.Headers("200 OK", [("Trailer", "x"), ("X", "\u20ac")])
    with pytest.raises(rs.NonDocumentHeadersError):
        rs.Headers(None, [("Location", "/x"), ("Trailer", "x")])
    with pytest.raises(rs.HeaderHopByHopError, match="Header Trailer is hop-by-hop"):
        rs.Headers("200 OK", [("Trailer", "x"), ("X", "\n")])


def test_the_original_names_the_first_of_its_hop_by_hop_headers() -> None:
    with pytest.raises(rs.HeaderHopByHopError, match="Header Connection is hop-by-hop"):
        rs.Headers("200 OK", [("Trailer", "x"), ("Connection", "close")])
    # wsgiref lowers names with str.lower(): the Kelvin sign is a "k".
    with pytest.raises(rs.HeaderHopByHopError, match="\u212aeep-Alive"):
        rs.Headers("200 OK", [("\u212aeep-Alive", "x")])


def test_headers_must_be_strings() -> None:
    with pytest.raises(AssertionError, match="must be of type str"):
        rs.Headers("200 OK", [("X-A", 1)])
    with pytest.raises(AssertionError):
        rs.Headers("200 OK", [(b"X-A", "1")])


def test_any_iterable_of_pairs() -> None:
    head = rs.Headers("200 OK", (pair for pair in [("X-A", "1")]))
    assert head.encode() == b"Status: 200 OK\r\nX-A: 1\r\n\r\n"


SEQUENCES = [
    (rs.State.HEADERS, lambda: rs.Body(b"x")),
    (rs.State.HEADERS, lambda: rs.End()),
]


def test_events_out_of_order() -> None:
    writer = rs.SCGIWriter()
    assert writer.state is rs.State.HEADERS
    for event in (rs.Body(b"x"), rs.End()):
        with pytest.raises(rs.BadEventInStateError):
            writer.send(event)
    writer.send(rs.Headers(None, [("Location", "/")]))
    assert writer.state is rs.State.NO_BODY
    with pytest.raises(rs.BadEventInStateError, match="NO_BODY"):
        writer.send(rs.Body(b"no body after a local redirect"))
    writer.send(rs.End())
    for event in (rs.Headers("200 OK", []), rs.Body(b"x"), rs.End()):
        with pytest.raises(rs.BadEventInStateError):
            writer.send(event)
    writer = rs.SCGIWriter()
    writer.send(rs.Headers("200 OK", []))
    with pytest.raises(rs.BadEventInStateError):
        writer.send(rs.Headers("200 OK", []))
    with pytest.raises(rs.BadEventInStateError):
        writer.send("not an event")


def test_body_data_is_returned_as_given() -> None:
    writer = rs.SCGIWriter()
    writer.send(rs.Headers("200 OK", []))
    data = bytearray(b"abc")
    assert writer.send(rs.Body(data)) is data
    assert repr(rs.Body(b"x")) == "Body(b'x')"
    assert repr(rs.End()) == "End()"
