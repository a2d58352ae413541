#!/usr/bin/env python3
"""Seeds for the fuzz targets from the header blocks a peer who has read the source would
send (issue 18's families), beside the captures CI seeds with:

- names whose table hash is inverted onto one home (16 bytes, and 64 bytes after a shared
  prefix), and names with one and the same whole hash;
- one name repeated (with the option byte that allows repeats, and without);
- names sharing a 200-byte prefix;
- names crowding the first window of the table.

Usage: python3 fuzz/seeds.py REQUESTS_DIR BLOCKS_DIR

REQUESTS_DIR gets whole requests behind the four option/chunk bytes of `request_reader` and
`owned_vs_borrowed`; BLOCKS_DIR gets an option byte and the pairs after `CONTENT_LENGTH` and
`SCGI`, for `environment_index`. The hash is the crate's `wire::name_hash`, written again
here the way an attacker would.
"""

from __future__ import annotations

import pathlib
import sys

M64 = (1 << 64) - 1
K_FIRST = 0x243F_6A88_85A3_0800
K_SECOND = 0x9E37_79B9_7F4A_7C00


def folded_multiply(a: int, b: int) -> int:
    p = a * b
    return (p & M64) ^ (p >> 64)


def mix(state: int, first: int, second: int) -> int:
    return folded_multiply(first ^ K_FIRST ^ state, second ^ K_SECOND) ^ state


def finish(state: int, first: int, second: int, length: int) -> int:
    h = mix(state, first, second) ^ length
    return h ^ (h >> 32)


def word(b: bytes) -> int:
    return int.from_bytes(b.ljust(8, b"\0"), "little")


def name_hash(name: bytes) -> int:
    n = len(name)
    if n < 8:
        return finish(0, word(name), 0, n)
    if n <= 16:
        return finish(0, word(name[:8]), word(name[-8:]), n)
    state, rest = 0, name
    while len(rest) > 16:
        state = mix(state, word(rest[:8]), word(rest[8:16]))
        rest = rest[16:]
    tail = name[-16:]
    return finish(state, word(tail[:8]), word(tail[8:]), n)


def state_after(prefix: bytes) -> int:
    state = 0
    for i in range(0, len(prefix), 16):
        state = mix(state, word(prefix[i:i + 8]), word(prefix[i + 8:i + 16]))
    return state


def home(name: bytes, pairs: int) -> int:
    return ((name_hash(name) >> 32) * 4 * pairs) >> 32


def inverted(prefix: bytes, count: int, b: int = 0x0101) -> list[bytes]:
    """Names `prefix` + 16 bytes whose multiply gives `a * b`: one home for all."""
    state = state_after(prefix) if prefix else 0
    names, a = [], 1
    while len(names) < count:
        name = prefix + ((K_FIRST ^ state ^ a) & M64).to_bytes(8, "little") + (K_SECOND ^ b).to_bytes(8, "little")
        if 0 not in name:
            names.append(name)
        a += 1
    return names


def equal_hash(count: int) -> list[bytes]:
    """16-byte names with one whole hash: the divisor pairs of 735,134,400."""
    product, names = 735_134_400, []
    for a in range(1, product + 1):
        if len(names) == count or a * a > product:
            break
        if product % a == 0:
            name = (K_FIRST ^ a).to_bytes(8, "little") + (K_SECOND ^ (product // a)).to_bytes(8, "little")
            if 0 not in name:
                names.append(name)
    return names


def first_window(count: int, pairs: int) -> list[bytes]:
    names, i = [], 0
    while len(names) < count:
        name = f"w{i:x}".encode()
        i += 1
        if home(name, pairs) < 20:
            names.append(name)
    return names


def families() -> dict[str, tuple[list[bytes], bool]]:
    """name -> (names, whether repeats must be allowed)."""
    prefix = b"HTTP_X_LONG_SHARED_PREFIX_0000000000000000000000"
    return {
        "one-home-16": (inverted(b"", 120), False),
        "one-home-64": (inverted(prefix, 60), False),
        "equal-hash": (equal_hash(80), False),
        "repeated": ([b"HTTP_COOKIE"] * 150, True),
        "repeated-refused": ([b"HTTP_COOKIE"] * 40, False),
        "shared-prefix": ([b"X" * 200 + str(i).encode() for i in range(20)], False),
        "first-window": (first_window(60, 62), False),
    }


def main() -> int:
    requests, blocks = (pathlib.Path(d) for d in sys.argv[1:3])
    for name, (names, allow) in families().items():
        pairs = b"".join(n + b"\0v\0" for n in names)
        block = b"CONTENT_LENGTH\x000\x00SCGI\x001\x00" + pairs
        request = str(len(block)).encode() + b":" + block + b","
        # request_reader, owned_vs_borrowed: the first byte's low 3 bits count the chunk
        # sizes after it (three, as in the captures' seeds), its 0x40 allows repeats.
        options = b"\x43" if allow else b"\x03"
        (requests / f"crafted-{name}").write_bytes(options + b"\x01\x07\x40" + request)
        (blocks / f"crafted-{name}").write_bytes(bytes([1 if allow else 0]) + pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
