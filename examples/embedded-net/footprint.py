#!/usr/bin/env python3
"""The firmware's footprint: flash and static RAM by section, and each crate's share of the
code, instruction by instruction.

Symbols undercount a library that is inlined (the async driver's `serve` is compiled into
the task that calls it). So every instruction is attributed through the debug line table
and its inlining chain (`llvm-symbolizer --inlining`): to the innermost frame that is not
the standard library's, that is, to the crate whose source asked for it (a `memcpy` or a
slice check inlined into the reader counts as the reader's). `sioscgi` is this repository's
`src/`; the firmware's own code is `examples/embedded-net/src/`.

Usage: footprint.py ELF [--markdown]. Needs llvm-objdump, llvm-size (rustup's llvm-tools or
Debian's llvm) and llvm-symbolizer (Debian's llvm).
"""

from __future__ import annotations

import collections
import json
import pathlib
import re
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def tool(name: str) -> str:
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True).stdout.strip()
    for candidate in pathlib.Path(sysroot, "lib", "rustlib").glob(f"*/bin/{name}"):
        return str(candidate)
    found = shutil.which(name)
    if not found:
        sys.exit(f"{name} not found (rustup component add llvm-tools, or apt-get install llvm)")
    return found


def sections(elf: str) -> dict[str, int]:
    out = subprocess.run([tool("llvm-size"), "-A", elf], capture_output=True, text=True, check=True).stdout
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\S+)\s+(\d+)", out, re.M)}


def instructions(elf: str) -> list[tuple[int, int]]:
    """(address, size) of every instruction in .text."""
    out = subprocess.run([tool("llvm-objdump"), "-d", "--no-show-raw-insn", "--section=.text", elf],
                         capture_output=True, text=True, check=True).stdout
    addresses = [int(m.group(1), 16) for m in re.finditer(r"^\s*([0-9a-f]+):\s", out, re.M)]
    addresses = sorted(set(addresses))
    text = sections(elf).get(".text", 0)
    end = addresses[0] + text if addresses else 0
    return [(a, (addresses[i + 1] if i + 1 < len(addresses) else end) - a) for i, a in enumerate(addresses)]


def owner(path: str) -> str:
    if path.startswith(str(ROOT / "src")):
        return "sioscgi"
    if path.startswith(str(HERE / "src")):
        return "the firmware (this example)"
    m = re.search(r"/registry/src/[^/]+/([A-Za-z0-9_\-]+?)-\d+\.\d+\.\d+[^/]*/", path)
    if m:
        return m.group(1)
    return ""


def attribute(elf: str) -> collections.Counter[str]:
    insns = instructions(elf)
    query = "".join(f"0x{a:x}\n" for a, _ in insns)
    out = subprocess.run(["llvm-symbolizer", "--inlining", "--output-style=JSON", f"--obj={elf}"],
                         input=query, capture_output=True, text=True, check=True).stdout
    shares: collections.Counter[str] = collections.Counter()
    for (_, size), line in zip(insns, out.splitlines()):
        frames = json.loads(line).get("Symbol", [])
        who = ""
        for frame in frames:  # innermost first
            who = owner(frame.get("FileName", ""))
            if who:
                break
        if not who:
            path = frames[0].get("FileName", "") if frames else ""
            who = ("compiler-builtins" if "/library/compiler" in path else
                   "core (not inlined)" if "/library/" in path else "no line information (start-up, trap entry)")
        shares[who] += size
    return shares


def main() -> None:
    elf = sys.argv[1]
    markdown = "--markdown" in sys.argv
    s = sections(elf)
    flash = sum(s.get(k, 0) for k in (".text", ".init.rust", ".rodata", ".eh_frame", ".data"))
    ram = s.get(".data", 0) + s.get(".bss", 0)
    shares = attribute(elf)
    if markdown:
        print(f"| flash: .text {s.get('.text', 0):,} + .rodata {s.get('.rodata', 0):,} + "
              f".eh_frame {s.get('.eh_frame', 0):,} + .data {s.get('.data', 0):,} | {flash:,} B |")
        print(f"| static RAM: .data + .bss | {ram:,} B |")
        for who, size in shares.most_common():
            print(f"| .text of {who} | {size:,} B |")
    else:
        print(f"flash {flash} B (.text {s.get('.text', 0)}, .rodata {s.get('.rodata', 0)}, "
              f".eh_frame {s.get('.eh_frame', 0)}, .data {s.get('.data', 0)}); static RAM {ram} B "
              f"(.bss {s.get('.bss', 0)}); stack region {s.get('.stack', 0)} B")
        for who, size in shares.most_common():
            print(f"  .text {size:7d} B  {who}")
        print(f"sioscgi's share of .text: {shares.get('sioscgi', 0)} B")


if __name__ == "__main__":
    main()
