#!/usr/bin/env python3
"""The differential test's tracer, on this package's Python API.

Speaks the command line and output of `examples/trace` (what
`tests/differential/compare.py` runs as its "binary"), so the corpus of hostile, mutated and
captured requests and of random responses checks the package as it checks the crate:

    trace_rs.py [--limit BYTES] [--chunks a,b,c] FILE|-
    trace_rs.py --response FILE|-

Requests: the bytes are given to `sioscgi.request.SCGIReader` in the chunking asked, the
events pulled after every call, then EOF; one JSON line per event (`headers`, `body` with
its length and SHA-256 before `end`, `end`, or `error` with the Rust core's name of the
error). Responses: a JSON description `{"status", "headers", "body"}` sent through
`sioscgi.response`; prints `{"bytes_b64"}` or `{"error"}`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http
import json
import sys

import sioscgi.request as rq
import sioscgi.response as rs

#: The Rust core's name of each exception class whose name does not follow from it.
CORE_NAMES = {
    "NoSCGIVariableError": "NoScgiVariable",
    "BadSCGIVersionError": "BadScgiVersion",
    "HeadersNotNULTerminatedError": "HeadersNotNulTerminated",
    "RemotePrematureEOFError": "RemotePrematureEof",
    "ReceiveAfterEOFError": "ReceiveAfterEof",
    "HeaderNotISO88591Error": "HeaderNotIso88591",
}


def core_name(error: BaseException) -> str:
    name = type(error).__name__
    return CORE_NAMES.get(name, name.removesuffix("Error"))


def line(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":"), ensure_ascii=True) + "\n")


def trace_request(data: bytes, sizes: list[int], limit: int) -> list[dict]:
    """The trace of `data` given in pieces of `sizes` (the rest, if any, in one piece)."""
    reader = rq.SCGIReader(limit)
    out: list[dict] = []
    digest = hashlib.sha256()
    length = 0

    def flush_body() -> None:
        if length:
            out.append({"event": "body", "len": length, "sha256": digest.hexdigest()})

    def pull() -> bool:
        nonlocal length
        while True:
            try:
                event = reader.next_event()
            except rq.Error as error:
                flush_body()
                out.append({"event": "error", "kind": core_name(error)})
                return False
            if event is None:
                return True
            if isinstance(event, rq.Headers):
                env = [[k, v.decode("latin-1")] for k, v in event.environment.items()]
                out.append({"event": "headers", "env": env})
            elif isinstance(event, rq.Body):
                assert event.data, "a Body event is never empty"
                digest.update(event.data)
                length += len(event.data)
            else:
                flush_body()
                out.append({"event": "end"})

    at = 0
    for size in [*sizes, len(data)]:
        if at >= len(data):
            break
        reader.receive_data(data[at : at + size])
        at += size
        if not pull():
            return out
    reader.receive_data(b"")
    pull()
    return out


def trace_response(desc: dict) -> None:
    status = desc.get("status")
    if isinstance(status, int):
        # The Python API takes status lines: the code with its standard phrase, as
        # compare.py gives the reference.
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        status = f"{status} {phrase}" if 100 <= status <= 999 else "000 invalid"
    headers = [(n, v) for n, v in desc.get("headers", [])]
    try:
        writer = rs.SCGIWriter()
        out = writer.send(rs.Headers(status, headers))
        for piece in desc.get("body", []):
            data = base64.b64decode(piece["b64"]) if isinstance(piece, dict) else piece.encode("latin-1")
            out += writer.send(rs.Body(data))
        writer.send(rs.End())
    except rs.Error as error:
        line({"error": core_name(error)})
        return
    line({"bytes_b64": base64.b64encode(out).decode("ascii")})


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--limit", type=int, default=65536)
    p.add_argument("--chunks", default="")
    p.add_argument("--response", action="store_true")
    p.add_argument("file")
    a = p.parse_args()
    raw = sys.stdin.buffer.read() if a.file == "-" else open(a.file, "rb").read()
    if a.response:
        trace_response(json.loads(raw))
        return 0
    sizes = [int(x) for x in a.chunks.split(",") if x] or ([len(raw)] if raw else [])
    for entry in trace_request(raw, sizes, a.limit):
        line(entry)
    return 0


if __name__ == "__main__":
    sys.exit(main())
