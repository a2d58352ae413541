#!/usr/bin/env python3
"""Instructions per call of the benchmark cases, counted by valgrind (callgrind).

Usage: python3 benches/instructions.py [REPEAT_BINARY]   (default: the release `repeat`
       in benches/target, built first)

Prints one JSON object: case -> instructions per call. Each case is run by
`src/bin/repeat.rs` N times and 0 times under `valgrind --tool=callgrind`; the difference
over N is the cost of one call, without the set-up. Unlike the timings, the counts do not
move with the load of the machine: they are what the report compares run to run.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", HERE / "target"))

# (case, input, calls): the calls are enough to drown valgrind's start-up noise.
CASES = [
    ("sioscgi", "typical", 1000),
    ("httparse", "typical", 1000),
    ("sioscgi-visit", "typical", 1000),
    ("sioscgi-unindexed-visit", "typical", 1000),
    ("httparse-visit", "typical", 1000),
    ("sioscgi-get8", "typical", 1000),
    ("crafted/one_key_16/normal", "-", 20),
    ("crafted/one_key_16/crafted", "-", 20),
    ("crafted/repeated_2/normal", "-", 10),
    ("crafted/repeated_2/crafted", "-", 10),
    ("crafted/full_windows_2_3/normal", "-", 10),
    ("crafted/full_windows_2_3/crafted", "-", 10),
    ("sioscgi", "post_4k", 1000),
    ("sioscgi", "pairs_2000", 50),
    ("httparse", "pairs_2000", 50),
    ("sioscgi-bytewise", "typical", 200),
    ("writer", "typical", 1000),
    ("writer-encode", "typical", 1000),
    ("response-reader", "typical", 1000),
]


def collected(binary: pathlib.Path, case: str, input_name: str, calls: int) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", str(binary), case, input_name, str(calls)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    ).stderr
    m = re.search(r"Collected : (\d+)", out)
    if not m:
        raise RuntimeError(f"no instruction count from callgrind for {case} {input_name}")
    return int(m.group(1))


def counts(binary: pathlib.Path) -> dict[str, int]:
    result = {}
    for case, input_name, calls in CASES:
        base = collected(binary, case, input_name, 0)
        total = collected(binary, case, input_name, calls)
        result[f"{case}/{input_name}"] = round((total - base) / calls)
        print(f"  {case}/{input_name}: {result[f'{case}/{input_name}']}", file=sys.stderr)
    return result


def main() -> int:
    if shutil.which("valgrind") is None:
        print("valgrind not found", file=sys.stderr)
        return 1
    if len(sys.argv) > 1:
        binary = pathlib.Path(sys.argv[1])
    else:
        subprocess.run(["cargo", "build", "--locked", "--quiet", "--release", "--bin", "repeat"], cwd=HERE, check=True)
        binary = TARGET / "release" / "repeat"
    print(json.dumps(counts(binary), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
