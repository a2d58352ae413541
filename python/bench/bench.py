#!/usr/bin/env python3
"""Time the typical request and response through whichever `sioscgi` is importable.

Prints one JSON object: the package's distribution and version, and the median
nanoseconds per operation over several timeit repeats:

- `parse`: a new `SCGIReader`, the typical request as nginx sends it (a browser's GET,
  944 bytes, 28 variables) given whole, events pulled until `End`; the requests come in
  turn from 16 variants of the capture whose `REMOTE_PORT` and `REQUEST_URI` differ, as a
  web server's do;
- `parse_and_use`: the same, then three variables looked up and every pair visited (the
  same Python code for both packages);
- `parse_bytewise`: the same, the request given one byte per `receive_data`;
- `head`: a new `SCGIWriter`, a `Headers("200 OK", ...)` with four headers made and
  sent;
- `encode`: the same, then a 1 KiB `Body` and `End`;
- `body_<size>_<type>`: an upload's body, one chunk of `size` bytes (`bytes` or
  `bytearray`, as an asyncio protocol or `sock.recv_into` gives them) per `receive_data`,
  its `Body` event pulled and its `data` looked at (the length summed), per chunk.

Run it with each package's interpreter (`run.py` does, and writes BENCHMARKS.md).
"""

from __future__ import annotations

import importlib.metadata
import json
import pathlib
import statistics
import sys
import timeit

import sioscgi.request as rq
import sioscgi.response as rs

HERE = pathlib.Path(__file__).resolve().parent
TYPICAL = (HERE.parents[1] / "tests" / "vectors" / "nginx" / "browser_get.scgi").read_bytes()


def variants(capture: bytes, count: int) -> list[bytes]:
    """The capture with its client port and URI changed, `count` ways."""
    length, _, rest = capture.partition(b":")
    block, body = rest[: int(length)], rest[int(length) + 1 :]
    strings = block.split(b"\0")[:-1]
    pairs = list(zip(strings[::2], strings[1::2]))
    out = []
    for i in range(count):
        changed = {b"REMOTE_PORT": str(40000 + 37 * i).encode(), b"REQUEST_URI": b"/articles/%d?ref=home" % i}
        new = b"".join(n + b"\0" + changed.get(n, v) + b"\0" for n, v in pairs)
        out.append(str(len(new)).encode() + b":" + new + b"," + body)
    return out


REQUESTS = variants(TYPICAL, 16)
_turn = 0
BODY = b"x" * 1024
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Length", "1024"),
    ("Cache-Control", "no-store"),
    ("Set-Cookie", "session=3f2a9c; Path=/; HttpOnly"),
]


def parse() -> rq.Headers:
    global _turn
    _turn = (_turn + 1) % len(REQUESTS)
    reader = rq.SCGIReader()
    reader.receive_data(REQUESTS[_turn])
    headers = reader.next_event()
    while not isinstance(reader.next_event(), rq.End):
        pass
    return headers


def parse_and_use() -> int:
    env = parse().environment
    used = len(env["REQUEST_METHOD"]) + len(env["REQUEST_URI"]) + len(env.get("HTTP_COOKIE", b""))
    for name, value in env.items():
        used += len(name) + len(value)
    return used


def parse_bytewise() -> None:
    reader = rq.SCGIReader()
    for i in range(len(TYPICAL)):
        reader.receive_data(TYPICAL[i : i + 1])
    while not isinstance(reader.next_event(), rq.End):
        pass


def head() -> bytes:
    writer = rs.SCGIWriter()
    return writer.send(rs.Headers("200 OK", HEADERS))


def encode() -> bytes:
    writer = rs.SCGIWriter()
    out = writer.send(rs.Headers("200 OK", HEADERS))
    out += writer.send(rs.Body(BODY))
    writer.send(rs.End())
    return out


BODY_SIZES = [1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20]
UPLOAD_BLOCK = b"CONTENT_LENGTH\x001152921504606846976\x00SCGI\x001\x00"
UPLOAD_HEAD = str(len(UPLOAD_BLOCK)).encode() + b":" + UPLOAD_BLOCK + b","


def body_chunks(chunk: bytes | bytearray):
    """A function that gives `chunk` to a reader in the body and uses its event."""
    reader = rq.SCGIReader()
    reader.receive_data(UPLOAD_HEAD)
    assert isinstance(reader.next_event(), rq.Headers)
    total = [0]

    def one() -> None:
        reader.receive_data(chunk)
        event = reader.next_event()
        total[0] += len(event.data)

    return one


def per_call(fn, number: int) -> float:
    runs = timeit.repeat(fn, number=number, repeat=7)
    return statistics.median(runs) / number * 1e9


def distribution() -> str:
    for name in ("sioscgi-rs", "sioscgi"):
        try:
            return f"{name} {importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            continue
    return "?"


def main() -> int:
    assert encode().endswith(BODY)
    result = {
        "package": distribution(),
        "python": sys.version.split()[0],
        "parse_ns": per_call(parse, 2000),
        "parse_and_use_ns": per_call(parse_and_use, 2000),
        "parse_bytewise_ns": per_call(parse_bytewise, 20),
        "head_ns": per_call(head, 5000),
        "encode_ns": per_call(encode, 5000),
    }
    for size in BODY_SIZES:
        for kind in (bytes, bytearray):
            chunk = kind(b"x" * size)
            result[f"body_{size}_{kind.__name__}_ns"] = per_call(body_chunks(chunk), 2000)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
