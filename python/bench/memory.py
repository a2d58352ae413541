#!/usr/bin/env python3
"""The heap a request's header block costs: a 64 KiB block given to `SCGIReader` in one call.

Run by `bench/run.py` under each package, with `LD_PRELOAD` of `peak.c` built and
`PYTHONMALLOC=malloc` (every Python object from malloc, so every byte is counted). For
blocks of short to long values: the peak of the heap above what was in use before, while
a new reader reads the request and its `Headers` and `End` are pulled, and what stays in use
while the reader and its events are kept. Prints JSON: one entry per shape.
"""

from __future__ import annotations

import ctypes
import gc
import json

import sioscgi.request as rq

LIMIT = 65536
# Each shape: the length of the values (the names are `HTTP_X_HEADER_nnnnn`).
VALUE_LENGTHS = [0, 12, 100, 1000]


def request(value_length: int) -> tuple[bytes, int]:
    """The largest block under `LIMIT` of pairs with values of `value_length` bytes."""
    block = bytearray(b"CONTENT_LENGTH\x000\x00SCGI\x001\x00")
    pairs = 2
    while True:
        pair = b"HTTP_X_HEADER_%05d\x00%s\x00" % (pairs, b"v" * value_length)
        if len(block) + len(pair) >= LIMIT:
            break
        block += pair
        pairs += 1
    return str(len(block)).encode() + b":" + bytes(block) + b",", pairs


SMALL = b"24:CONTENT_LENGTH\x000\x00SCGI\x001\x00,"


def read(data: bytes) -> tuple[object, ...]:
    reader = rq.SCGIReader()
    reader.receive_data(data)
    headers = reader.next_event()
    end = reader.next_event()
    assert isinstance(headers, rq.Headers) and isinstance(end, rq.End)
    return reader, headers, end


def main() -> None:
    heap = ctypes.CDLL(None)
    heap.peak_reset.restype = ctypes.c_longlong
    heap.peak_get.restype = ctypes.c_longlong
    out = []
    for value_length in VALUE_LENGTHS:
        data, pairs = request(value_length)
        # A small request before, of other names: what either package makes once is made,
        # and the block's names are new (sioscgi-rs builds its dict afresh, as for a
        # request unlike the last one, and keeps a copy of it for the next).
        read(SMALL)
        gc.collect()
        before = heap.peak_reset()
        kept = read(data)
        peak = heap.peak_get() - before
        held = heap.peak_reset() - before
        del kept
        out.append({"value_length": value_length, "block": len(data), "pairs": pairs,
                    "peak": peak, "held": held})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
