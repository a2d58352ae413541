"""The 2.x API: one SCGIConnection, str values, errors that fail both halves."""

from __future__ import annotations

import pytest

import sioscgi

GOOD = (
    b"70:CONTENT_LENGTH\x0027\x00SCGI\x001\x00REQUEST_METHOD\x00POST\x00"
    b"REQUEST_URI\x00/deepthought\x00,What is the answer to life?"
)


def events(conn: sioscgi.SCGIConnection) -> list[sioscgi.Event]:
    out = []
    while (event := conn.next_event()) is not None:
        out.append(event)
    return out


def test_a_request_and_its_response() -> None:
    conn = sioscgi.SCGIConnection()
    assert conn.rx_state is sioscgi.RXState.HEADER_LENGTH
    assert conn.tx_state is sioscgi.TXState.HEADERS
    conn.receive_data(GOOD[:50])
    conn.receive_data(GOOD[50:80])
    conn.receive_data(GOOD[80:])
    assert conn.rx_state is sioscgi.RXState.DONE
    got = events(conn)
    assert isinstance(got[0], sioscgi.RequestHeaders)
    assert got[0].environment == {
        "CONTENT_LENGTH": "27",
        "SCGI": "1",
        "REQUEST_METHOD": "POST",
        "REQUEST_URI": "/deepthought",
    }
    assert all(isinstance(e, sioscgi.RequestBody) for e in got[1:-1])
    assert b"".join(e.data for e in got[1:-1]) == b"What is the answer to life?"
    assert isinstance(got[-1], sioscgi.RequestEnd)
    out = conn.send(sioscgi.ResponseHeaders("200 OK", [("Content-Type", "text/plain")]))
    assert conn.tx_state is sioscgi.TXState.BODY
    out += conn.send(sioscgi.ResponseBody(b"42"))
    assert conn.send(sioscgi.ResponseEnd()) is None
    assert conn.tx_state is sioscgi.TXState.DONE
    assert out == b"Content-Type: text/plain\r\nStatus: 200 OK\r\n\r\n42"
    conn.receive_data(b"")
    assert conn.next_event() is None


def test_values_are_latin1_strings() -> None:
    conn = sioscgi.SCGIConnection()
    block = b"CONTENT_LENGTH\x000\x00SCGI\x001\x00HTTP_X\x00caf\xe9\x00"
    conn.receive_data(str(len(block)).encode() + b":" + block + b",")
    assert conn.next_event().environment["HTTP_X"] == "café"


@pytest.mark.parametrize(
    "chunks",
    [
        [GOOD + b"X"],  # the extra byte arrives with the body
        [GOOD, b"X"],  # after the end
        [GOOD[:-3], GOOD[-3:] + b"X"],  # with the end of the body
    ],
)
def test_body_longer_than_content_length_is_an_error(chunks: list[bytes]) -> None:
    conn = sioscgi.SCGIConnection()
    for chunk in chunks:
        conn.receive_data(chunk)
    assert conn.rx_state is sioscgi.RXState.ERROR
    assert conn.tx_state is sioscgi.TXState.ERROR
    with pytest.raises(sioscgi.RemoteProtocolError, match="longer than CONTENT_LENGTH"):
        conn.next_event()
    with pytest.raises(sioscgi.RemoteProtocolError):
        conn.send(sioscgi.ResponseHeaders("200 OK", []))


REMOTE = [
    (b"A:", "Invalid length-of-environment"),
    (b"70000:", "Headers too long (got 70000, limit 65536)"),
    (b"3:a\x00b;", "Invalid end-of-environment character"),
    (b"3:a\x00b,", "Environment block not NUL-terminated"),
    (b"2:a\x00,", "Environment block missing final value"),
    (b"3:\x00b\x00,", "Environment variable with empty name"),
    (b"8:a\x00b\x00a\x00c\x00,", "Duplicate environment variable a"),
    (b"17:CONTENT_LENGTH\x000\x00,", "Mandatory variable SCGI not set to 1"),
    (b"7:SCGI\x001\x00,", "CONTENT_LENGTH missing or not a whole number"),
    (b"24:CONTENT_LENGTH\x005\x00SCGI\x001\x00,ab", "Premature EOF"),
]


@pytest.mark.parametrize(("data", "message"), REMOTE)
def test_remote_errors(data: bytes, message: str) -> None:
    conn = sioscgi.SCGIConnection()
    conn.receive_data(data)
    conn.receive_data(b"")
    with pytest.raises(sioscgi.RemoteProtocolError) as raised:
        conn.next_event()
    assert str(raised.value) == message
    assert isinstance(raised.value, sioscgi.ProtocolError)


def test_local_errors_fail_both_halves() -> None:
    conn = sioscgi.SCGIConnection()
    with pytest.raises(sioscgi.LocalProtocolError) as raised:
        conn.send(sioscgi.ResponseBody(b"before the head"))
    assert str(raised.value) == (
        "Event <class 'sioscgi.ResponseBody'> prohibited in state TXState.HEADERS"
    )
    assert conn.rx_state is sioscgi.RXState.ERROR
    with pytest.raises(sioscgi.LocalProtocolError):
        conn.next_event()
    conn = sioscgi.SCGIConnection()
    conn.receive_data(GOOD)
    conn.receive_data(b"")
    with pytest.raises(sioscgi.LocalProtocolError, match="Data received after EOF"):
        conn.receive_data(b"x")
    assert conn.tx_state is sioscgi.TXState.ERROR


def test_response_headers_are_checked_with_2x_messages() -> None:
    cases = [
        ("200 OK", [("Connection", "close")], "Header Connection is hop-by-hop and therefore illegal"),
        ("200 OK", [("X", "Ω")], "A header is not ISO-8859-1-encodable"),
        (None, [], "Header Location is mandatory for non-document response"),
        (None, [("Location", "/"), ("X", "1")], "Headers other than Location are prohibited"),
        ("200 OK", [("X", "a\nb")], None),
    ]
    for status, headers, message in cases:
        with pytest.raises(sioscgi.LocalProtocolError, match=message):
            sioscgi.ResponseHeaders(status, headers)
    head = sioscgi.ResponseHeaders(None, [("Location", "/x")])
    assert head.encode() == b"Location: /x\r\n\r\n"
    assert head.succeeding_state is sioscgi.TXState.NO_BODY
    assert repr(head).startswith("ResponseHeaders(status=None, content_type=None, location=/x")


def test_local_redirect_takes_no_body() -> None:
    conn = sioscgi.SCGIConnection()
    conn.send(sioscgi.ResponseHeaders(None, [("Location", "/x")]))
    assert conn.tx_state is sioscgi.TXState.NO_BODY
    with pytest.raises(sioscgi.LocalProtocolError):
        conn.send(sioscgi.ResponseBody(b"x"))


def test_the_package_has_both_apis() -> None:
    import sioscgi.request
    import sioscgi.response

    assert sioscgi.request.SCGIReader is not None and sioscgi.response.SCGIWriter is not None
    assert sioscgi.__version__
    assert repr(sioscgi.RequestEnd()) == "RequestEnd()"
    assert repr(sioscgi.ResponseBody(b"x")) == "ResponseBody(b'x')"


# What sioscgi 2.1.1 does with the objects given to receive_data (each case observed on
# the original).
HEAD = b"24:CONTENT_LENGTH\x005\x00SCGI\x001\x00,"


def test_a_body_chunk_is_the_callers_object() -> None:
    conn = sioscgi.SCGIConnection()
    conn.receive_data(HEAD)
    chunk = bytearray(b"hello")
    conn.receive_data(chunk)
    body = [e for e in events(conn) if isinstance(e, sioscgi.RequestBody)]
    assert body[0].data is chunk


def test_none_is_the_end_of_the_stream() -> None:
    conn = sioscgi.SCGIConnection()
    conn.receive_data(HEAD + b"hello")
    conn.receive_data(None)
    assert conn.rx_state is sioscgi.RXState.DONE


def test_data_after_eof_replaces_an_earlier_error() -> None:
    conn = sioscgi.SCGIConnection()
    conn.receive_data(b"x:")
    conn.receive_data(b"")
    with pytest.raises(sioscgi.RemoteProtocolError):
        conn.next_event()
    with pytest.raises(sioscgi.LocalProtocolError, match="Data received after EOF"):
        conn.receive_data(b"more")
    with pytest.raises(sioscgi.LocalProtocolError, match="Data received after EOF"):
        conn.next_event()


def test_a_refused_chunk_over_the_limit_is_too_many_bytes_buffered() -> None:
    conn = sioscgi.SCGIConnection(rx_buffer_limit=100)
    conn.receive_data(HEAD)
    conn.receive_data(b"x" * 101)
    with pytest.raises(sioscgi.RemoteProtocolError, match="Too many bytes buffered"):
        conn.next_event()
    conn = sioscgi.SCGIConnection(rx_buffer_limit=100)
    conn.receive_data(HEAD)
    conn.receive_data(b"x" * 100)
    with pytest.raises(sioscgi.RemoteProtocolError, match="longer than CONTENT_LENGTH"):
        conn.next_event()


def test_a_negative_limit_fails_every_call_as_2x_does() -> None:
    # 2.x checks its buffer against the limit after every call: even empty, it is over.
    conn = sioscgi.SCGIConnection(-1)
    conn.receive_data(HEAD + b"hello")
    with pytest.raises(sioscgi.RemoteProtocolError, match="Too many bytes buffered"):
        conn.next_event()


def test_the_body_after_a_bad_content_length_counts_against_the_limit() -> None:
    # 2.x buffers the bytes after the environment before it checks CONTENT_LENGTH.
    conn = sioscgi.SCGIConnection(10)
    conn.receive_data(b"7:SCGI\x001\x00," + b"x" * 11)
    with pytest.raises(sioscgi.RemoteProtocolError, match="Too many bytes buffered"):
        conn.next_event()
    conn = sioscgi.SCGIConnection(10)
    conn.receive_data(b"7:SCGI\x001\x00," + b"x" * 10)
    with pytest.raises(sioscgi.RemoteProtocolError, match="CONTENT_LENGTH missing"):
        conn.next_event()


def test_bytes_over_the_limit_fail_every_later_call_again() -> None:
    conn = sioscgi.SCGIConnection(30)
    conn.receive_data(b"24:CONTENT_LENGTH\x001\x00SCGI\x001\x00," + b"x" * 40)
    conn.receive_data(b"")
    with pytest.raises(sioscgi.LocalProtocolError, match="Data received after EOF"):
        conn.receive_data(b"z")
    conn.receive_data(b"")  # parses again: the 40 bytes are still over the limit
    with pytest.raises(sioscgi.RemoteProtocolError, match="Too many bytes buffered"):
        conn.next_event()


@pytest.mark.parametrize("limit", [2**63, 2**100, 1e6])
def test_any_limit_is_taken(limit: object) -> None:
    conn = sioscgi.SCGIConnection(limit)
    conn.receive_data(HEAD + b"hello")
    assert conn.rx_state is sioscgi.RXState.DONE


def test_each_environment_is_its_own_whatever_came_before() -> None:
    from test_request import SEQUENCE, environment_of

    made = []
    for pairs in SEQUENCE:
        conn = sioscgi.SCGIConnection()
        conn.receive_data(environment_of(pairs))
        headers = conn.next_event()
        want = {"CONTENT_LENGTH": "0", "SCGI": "1"}
        want |= {n.decode("latin-1"): v.decode("latin-1") for n, v in pairs}
        assert headers.environment == want
        assert list(headers.environment) == list(want)
        made.append((headers.environment, want))
    made[0][0]["REMOTE_PORT"] = "changed"
    for environment, want in made[1:]:
        assert environment == want
