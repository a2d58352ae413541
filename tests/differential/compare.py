#!/usr/bin/env python3
"""Differential test: `examples/trace` against the Python sioscgi 5.0.0 reference.

Usage: compare.py TRACE_BINARY REFERENCE_DIR [--cases N] [--seed S]

REFERENCE_DIR holds the reference tools `trace.py` and `trace_response.py` (the project's
`shared/reference/`); the `sioscgi` Python package must be importable (run this with the
python of a venv that has `pip install sioscgi==5.0.0`).

For every input the expected trace is the reference's, adjusted by the deliberate
differences S1-S7 (requests) and S10-S14 (responses) listed in the README, which this
script models independently of the Rust code:

  requests   the length prefix is `[1-9][0-9]*:`, refused as soon as a byte breaks it
             (BadNetstringLength) or the value passes the limit (HeadersTooLarge);
             CONTENT_LENGTH must be ASCII digits within u64 (BadContentLength).
  responses  after the reference's own checks: HeaderHopByHop for Proxy-Connection and
             Trailer, HeaderInjection, BadHeaderName, DuplicateHeader (Content-Type,
             Location), BadStatus, BadLocation.

Inputs: the captures in tests/vectors/*/, hand-written hostile requests, and seeded random
mutations of both; each fed whole, one byte at a time, and in random chunkings. Prints
`N passed, N failed` and exits non-zero on any difference.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import pathlib
import random
import re
import subprocess
import sys
from contextlib import redirect_stdout

HERE = pathlib.Path(__file__).resolve().parent
VECTORS = HERE.parent / "vectors"

KIND = {
    "BadNetstringLengthError": "BadNetstringLength",
    "BadNetstringTerminatorError": "BadNetstringTerminator",
    "HeadersNotNULTerminatedError": "HeadersNotNulTerminated",
    "HeadersOddStringCountError": "HeadersOddStringCount",
    "HeaderEmptyError": "HeaderEmpty",
    "DuplicateHeaderError": "DuplicateHeader",
    "NoSCGIVariableError": "NoScgiVariable",
    "BadSCGIVersionError": "BadScgiVersion",
    "NoContentLengthError": "NoContentLength",
    "BadContentLengthError": "BadContentLength",
    "RemotePrematureEOFError": "RemotePrematureEof",
    "ReceiveAfterEOFError": "ReceiveAfterEof",
    "HeaderHopByHopError": "HeaderHopByHop",
    "HeaderNotISO88591Error": "HeaderNotIso88591",
    "NonDocumentHeadersError": "NonDocumentHeaders",
    "BadEventInStateError": "BadEventInState",
}


# ----------------------------------------------------------------------------- requests


def prefix_verdict(data: bytes, limit: int) -> str | None:
    """Our stricter length-prefix rules (S1-S4, S7); None when the prefix is fine or
    incomplete in a way the reference judges identically."""
    value = None
    for b in data:
        if 0x30 <= b <= 0x39:
            d = b - 0x30
            if value is None and d == 0:
                return "BadNetstringLength"
            value = d if value is None else value * 10 + d
            if value > limit:
                return "HeadersTooLarge"
            continue
        if b == 0x3A and value is not None:
            return None
        return "BadNetstringLength"
    return "RemotePrematureEof"  # EOF inside the prefix


def content_length_ok(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9]+", value, re.ASCII)) and int(value) <= 2**64 - 1


def expected_request(tracer, data: bytes, sizes: list[int], limit: int) -> list[dict]:
    verdict = prefix_verdict(data, limit)
    if verdict is not None:
        return [{"event": "error", "kind": verdict}]
    lines = tracer.trace(data, sizes, limit)
    for line in lines:
        if line["event"] == "error":
            line["kind"] = KIND[line["kind"]]
    if lines and lines[0]["event"] == "headers":
        env = lines[0]["env"]
        length = next((v for n, v in env if n == "CONTENT_LENGTH"), None)
        if length is not None and not content_length_ok(length):
            return [{"event": "error", "kind": "BadContentLength"}]
    return lines


def actual_request(binary: str, data: bytes, sizes: list[int], limit: int) -> list[dict]:
    args = [binary, "--limit", str(limit)]
    if sizes and len(sizes) > 1:
        args += ["--chunks", ",".join(map(str, sizes))]
    args.append("-")
    out = subprocess.run(args, input=data, capture_output=True, check=True).stdout
    lines = [json.loads(x) for x in out.decode("ascii").splitlines()]
    for line in lines:
        line.pop("message", None)
    return lines


def netstring(pairs: list[tuple[bytes, bytes]], body: bytes = b"") -> bytes:
    block = b"".join(n + b"\0" + v + b"\0" for n, v in pairs)
    return str(len(block)).encode() + b":" + block + b"," + body


def base_request(body: bytes = b"hello") -> list[tuple[bytes, bytes]]:
    return [
        (b"CONTENT_LENGTH", str(len(body)).encode()),
        (b"SCGI", b"1"),
        (b"REQUEST_METHOD", b"POST"),
        (b"REQUEST_URI", b"/x?y=z"),
    ]


def hostile_requests() -> list[bytes]:
    body = b"hello"
    good = base_request(body)
    cases = [
        b"",
        b"99999999999:",
        b"9" * 100_000,
        b"1" * 30 + b":",
        b":",
        b"0:,",
        b"070:",
        b"+70:",
        b" 70:",
        b"7_0:",
        b"abc",
        b"12",
        b"65537:",
        b"65536:" + b"a" * 10,
        b"5:A\0B\0,",
        b"3:A\0\0,",
        b"4:A\0B\0",
        b"4:A\0B\0;",
        b"3:A\0B,",
        b"2:A\0,",
        b"1:\0,",
        netstring(good, body),
        netstring(good, body + b"trailing bytes are ignored"),
        netstring(good, body[:2]),
        netstring(good)[:20],
        netstring(good[1:], body),
        netstring(good[:1] + good[2:], body),
        netstring([(b"SCGI", b"2")] + good[:1], body),
        netstring([(b"SCGI", b"")] + good[:1], body),
        netstring([(b"CONTENT_LENGTH", b"18446744073709551616"), (b"SCGI", b"1")]),
        netstring([(b"CONTENT_LENGTH", b"18446744073709551615"), (b"SCGI", b"1")], b"x"),
        netstring([(b"CONTENT_LENGTH", b"+5"), (b"SCGI", b"1")], body),
        netstring([(b"CONTENT_LENGTH", b" 5"), (b"SCGI", b"1")], body),
        netstring([(b"CONTENT_LENGTH", b"5_0"), (b"SCGI", b"1")], body),
        netstring([(b"CONTENT_LENGTH", b"-1"), (b"SCGI", b"1")], body),
        netstring([(b"CONTENT_LENGTH", b""), (b"SCGI", b"1")], body),
        netstring([(b"CONTENT_LENGTH", b"0005"), (b"SCGI", b"1")], body),
        netstring([(b"CONTENT_LENGTH", b"x"), (b"SCGI", b"2")], body),
        netstring(good + [(b"", b"v")], body),
        netstring(good + [(b"A", b"1"), (b"A", b"2"), (b"", b"v")], body),
        netstring(good + [(b"", b"v"), (b"A", b"1"), (b"A", b"2")], body),
        netstring(good + [(b"SCGI", b"1")], body),
        netstring(good + [(b"X", b"\xff\x80\x01 \"\\")], body),
        netstring([(b"SCGI", b"1"), (b"CONTENT_LENGTH", b"0")]),
        netstring(good + [(b"N%d" % i, b"v") for i in range(10_000)], body),
        netstring(good + [(b"N%d" % i, b"v") for i in range(300)] + [(b"N7", b"again")], body),
    ]
    return cases


def mutate(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        pos = rng.randrange(len(data) + 1)
        if op < 0.3 and data:
            data[min(pos, len(data) - 1)] = rng.choice(b"\0:,0123456789AZ\xff")
        elif op < 0.5:
            data[pos:pos] = bytes([rng.choice(b"\0:,0123456789")])
        elif op < 0.7 and data:
            del data[min(pos, len(data) - 1)]
        elif op < 0.85:
            data = data[:pos]
        else:
            data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(data)


# ---------------------------------------------------------------------------- responses

TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
# The hop-by-hop names this crate refuses beyond the reference's own (wsgiref's) list,
# after the reference's checks.
OUR_HOP_BY_HOP = {"proxy-connection", "trailer"}


def expected_response(run_reference, desc: dict) -> dict:
    status = desc.get("status")
    headers = desc.get("headers", [])
    special = {"content-type", "location"}
    others = [(n, v) for n, v in headers if n.lower() not in special]
    if isinstance(status, int):
        from http import HTTPStatus
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        # An out-of-range code becomes a status line that fails the BadStatus rule, so
        # that the checks before it keep their precedence.
        desc = dict(desc, status=f"{status} {phrase}" if 100 <= status <= 999 else "000 invalid")
    ref = run_reference(desc)
    # The reference's head checks come first; its BadEventInState (a body after a local
    # redirect) only comes when the events are sent, after this crate's head checks.
    if "error" in ref and ref["error"] != "BadEventInStateError":
        return {"error": KIND[ref["error"]]}
    if any(n.isascii() and n.lower() in OUR_HOP_BY_HOP for n, _ in others):
        return {"error": "HeaderHopByHop"}
    texts = [t for nv in headers for t in nv] + ([desc["status"]] if desc.get("status") else [])
    if any(re.search(r"[\r\n\0]", t) for t in texts):
        return {"error": "HeaderInjection"}
    if any(not TOKEN.match(n) for n, _ in others):
        return {"error": "BadHeaderName"}
    for name in special:
        if sum(1 for n, _ in headers if n.lower() == name) > 1:
            return {"error": "DuplicateHeader"}
    if desc.get("status") is not None and not re.fullmatch(r"[0-9]{3} .*", desc["status"], re.S):
        return {"error": "BadStatus"}
    if desc.get("status") is not None and int(desc["status"][:3]) < 100:
        return {"error": "BadStatus"}
    if any(n.lower() == "location" and v == "" for n, v in headers):
        return {"error": "BadLocation"}
    if "error" in ref:
        return {"error": KIND[ref["error"]]}
    return ref


def response_cases(rng: random.Random, count: int) -> list[dict]:
    cases = [
        {"status": "200 OK", "headers": [["Content-Type", "text/html"], ["X-A", "1"]], "body": ["hi", {"b64": "AAE="}]},
        {"status": None, "headers": [["Location", "/local"]]},
        {"status": "302 Found", "headers": [["X", "1"], ["Location", "http://e/"], ["content-type", "a/b"]], "body": ["moved"]},
        {"status": None, "headers": [["Location", "/x"], ["Content-Type", "text/plain"]]},
        {"status": None, "headers": [["Location", "/x"], ["X-Other", "1"]]},
        {"status": None, "headers": []},
        {"status": "200 OK", "headers": [["Connection", "close"]]},
        {"status": "200 OK", "headers": [["Trailer", "x"]]},
        {"status": "200 OK", "headers": [["Proxy-Connection", "x"]]},
        {"status": "200 OK", "headers": [["Content-Type", "text/\u263a"]]},
        {"status": "200 OK", "headers": [["Location", "/\u263a"]]},
        {"status": "200 OK", "headers": [["X-Smile", "\u263a"]]},
        {"status": "200 \u263a", "headers": []},
        {"status": "200 OK", "headers": [["X", "a\r\nSet-Cookie: evil"]]},
        {"status": "200 OK", "headers": [["X Y", "1"]]},
        {"status": "200 OK", "headers": [["", "1"]]},
        {"status": "200 OK", "headers": [["Content-Type", "a"], ["Content-Type", "b"]]},
        {"status": None, "headers": [["Location", "/a"], ["location", "/b"]]},
        {"status": "200", "headers": []},
        {"status": "OK", "headers": []},
        {"status": "099 Low", "headers": []},
        {"status": None, "headers": [["Location", ""]]},
        {"status": 404, "headers": [], "body": ["nope"]},
        {"status": 299, "headers": []},
        {"status": "200 caf\u00e9", "headers": [["X", "\u00ff"]], "body": [""]},
    ]
    names = ["Content-Type", "content-type", "Location", "X-A", "Set-Cookie", "Connection",
             "TE", "Trailer", "Bad Name", "", "X:Y", "Caf\u00e9", "\u263a"]
    values = ["text/plain", "/path", "http://e/x", "", "v\r\n", "\u00e9", "\u263a", "a\0b", "1"]
    statuses = [None, "200 OK", "404 Not Found", "200", "20 OK", "999 ", "abc", "302 Found",
                "200 OK\n", "200 \u00e9", "200 \u263a", 200, 302, 1000]
    for _ in range(count):
        headers = [[rng.choice(names), rng.choice(values)] for _ in range(rng.randint(0, 4))]
        cases.append({"status": rng.choice(statuses), "headers": headers,
                      "body": [rng.choice(["", "x", {"b64": "/w=="}]) for _ in range(rng.randint(0, 2))]})
    return cases


def actual_response(binary: str, desc: dict) -> dict:
    data = json.dumps(desc).encode()
    out = subprocess.run([binary, "--response", "-"], input=data, capture_output=True, check=True).stdout
    return json.loads(out)


# --------------------------------------------------------------------------------- main


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("reference")
    p.add_argument("--cases", type=int, default=150, help="random mutations / responses")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    sys.path.insert(0, a.reference)
    import trace as tracer  # the reference trace.py
    import trace_response

    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(tracer.INT_MAX_STR_DIGITS)

    rng = random.Random(a.seed)
    passed = failed = 0

    def check(label: str, expected, actual) -> None:
        nonlocal passed, failed
        if expected == actual:
            passed += 1
        else:
            failed += 1
            print(f"DIFF {label}\n  expected {json.dumps(expected)[:600]}\n  actual   {json.dumps(actual)[:600]}")

    inputs = [(f"vector {p.parent.name}/{p.name}", p.read_bytes()) for p in sorted(VECTORS.glob("*/*.scgi"))]
    inputs += [(f"hostile #{i}", d) for i, d in enumerate(hostile_requests())]
    seeds = [d for _, d in inputs]
    inputs += [(f"mutation #{i}", mutate(rng, rng.choice(seeds))) for i in range(a.cases)]
    for label, data in inputs:
        chunkings = {"whole": [len(data)] if data else []}
        if len(data) <= 20_000:
            chunkings["1-byte"] = tracer.fixed_sizes(len(data), 1)
        chunkings["random"] = tracer.random_sizes(len(data), rng.randrange(1 << 30))
        for limit in ([65536, 64] if len(data) < 4096 else [65536]):
            for name, sizes in chunkings.items():
                check(f"{label} ({name}, limit {limit}) {data[:60]!r}",
                      expected_request(tracer, data, sizes, limit),
                      actual_request(a.binary, data, sizes, limit))

    def run_reference(desc: dict) -> dict:
        return trace_response.run(desc)

    for i, desc in enumerate(response_cases(rng, a.cases)):
        check(f"response #{i} {json.dumps(desc)[:200]}", expected_response(run_reference, desc),
              actual_response(a.binary, desc))

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
