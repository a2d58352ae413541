"""The original's log records: same loggers, levels and messages (each sequence below
recorded from sioscgi 5.0.0 and 2.1.1 on the same calls)."""

from __future__ import annotations

import logging

import pytest

import sioscgi
import sioscgi.request as rq
import sioscgi.response as rs

REQUEST = b"24:CONTENT_LENGTH\x005\x00SCGI\x001\x00,hello"


def records(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    return [(r.name, r.levelno, r.getMessage()) for r in caplog.records]


def test_a_request_in_two_chunks_and_its_response(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    reader = rq.SCGIReader()
    reader.receive_data(REQUEST[:10])
    reader.receive_data(REQUEST[10:])
    reader.receive_data(b"")
    writer = rs.SCGIWriter()
    writer.send(rs.Headers("200 OK", []))
    writer.send(rs.End())
    d = logging.DEBUG
    assert records(caplog) == [
        ("sioscgi.request", d, "Received 10 bytes"),
        ("sioscgi.request", d, "In RX_HEADER_LENGTH"),
        ("sioscgi.request", d, "Found : at 2"),
        ("sioscgi.request", d, "Length of headers is 24, residue is 7 bytes"),
        ("sioscgi.request", d, "In RX_HEADERS"),
        ("sioscgi.request", d, "Received 23 bytes"),
        ("sioscgi.request", d, "In RX_HEADERS"),
        ("sioscgi.request", d, "Got all headers"),
        ("sioscgi.request", d, "Retrieved 2 headers, residue is 5 bytes"),
        ("sioscgi.request", d, "In RX_BODY, buffer length = 5, body remaining = 5"),
        ("sioscgi.request", d, "In RX_DONE"),
        ("sioscgi.request", d, "Received EOF"),
        ("sioscgi.request", d, "In RX_DONE"),
        ("sioscgi.response", d, "Sending <class 'sioscgi.response.Headers'>"),
        ("sioscgi.response", d, "Sending <class 'sioscgi.response.End'>"),
    ]


def test_errors_stop_the_records_where_the_original_stops(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    reader = rq.SCGIReader()
    reader.receive_data(b"24:CONTENT_LENGTH\x005\x00SCGI\x002\x00,")
    reader.receive_data(b"more")
    reader.receive_data(b"")
    with pytest.raises(rq.ReceiveAfterEOFError):
        reader.receive_data(b"after")
    assert [m for _, _, m in records(caplog)] == [
        "Received 28 bytes",
        "In RX_HEADER_LENGTH",
        "Found : at 2",
        "Length of headers is 24, residue is 25 bytes",
        "In RX_HEADERS",
        "Got all headers",
        "Received EOF",
        "Received 5 bytes after EOF",
    ]


def test_2x_records(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    conn = sioscgi.SCGIConnection()
    conn.receive_data(REQUEST[:30])
    conn.receive_data(REQUEST[30:])
    conn.send(sioscgi.ResponseHeaders("200 OK", []))
    assert records(caplog) == [
        ("sioscgi", logging.DEBUG, m)
        for m in [
            "Received 30 bytes",
            "In RX_HEADER_LENGTH",
            "Found : at 2",
            "Length of headers is 24, residue is 27 bytes",
            "In RX_HEADERS",
            "Got all headers",
            "Retrieved 2 headers, residue is 2 bytes",
            "In RX_BODY, buffer length = 2, body remaining = 5",
            "Received 3 bytes",
            "In RX_BODY, buffer length = 3, body remaining = 3",
            "In RXState.DONE",
            "Sending <class 'sioscgi.ResponseHeaders'>",
        ]
    ]


def test_nothing_is_logged_above_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    reader = rq.SCGIReader()
    reader.receive_data(REQUEST)
    rs.SCGIWriter().send(rs.Headers("200 OK", []))
    assert caplog.records == []
    # Turned on later: the records come (the logger's cache of levels is cleared).
    caplog.set_level(logging.DEBUG, logger="sioscgi.request")
    rq.SCGIReader().receive_data(REQUEST)
    assert len(caplog.records) == 9


def test_a_handler_may_look_at_the_reader() -> None:
    reader = rq.SCGIReader()
    seen = []

    class Look(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(reader.state)

    logger = logging.getLogger("sioscgi.request")
    handler = Look()
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        reader.receive_data(REQUEST)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    # (The original logs as it parses; this package once the call has parsed.)
    assert len(seen) == 9
    assert seen[-1] is rq.State.DONE
