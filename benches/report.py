#!/usr/bin/env python3
"""Run the benchmarks and write BENCHMARKS.md from that one run.

Usage: python3 benches/report.py [--before FILE] [--save FILE] [--output FILE]
                                 [--from-existing] [--rounds N] [--from-saved FILE]

Runs, in benches/: the criterion benchmark (`cargo bench --bench compare`), the allocation
counter (`src/bin/allocations.rs`), the type sizes (`src/bin/sizes.rs`), the code size
script (`codesize.sh`) and, where valgrind is installed, the instruction counts
(`instructions.py`); then writes the report (default: benches/BENCHMARKS.md) with every
table and every target of the speed work checked against the measured numbers.

--before FILE   a run saved earlier with --save (e.g. before an optimisation): the report
                adds a before/after table. Default: benches/results/before.json if present.
--save FILE     also save this run's numbers as JSON (to be a later --before).
--from-existing read criterion's estimates already in target/criterion instead of
                running the benchmark again (the other measurements are always run).
--from-saved FILE  write the report from a run saved with --save (no measuring)
--rounds N      runs of the criterion suite; each benchmark's lowest median is reported
                (default 4).
--gateways-only run the allocation counter alone and rewrite only the section on the http
                gateways (sioscgi-tower beside cegla-scgi) of the existing report.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", HERE / "target"))
INPUTS = ["typical", "post_4k", "pairs_2000", "body_1mib"]
PEERS = ["scgi", "tokio-scgi", "cegla-scgi"]
REQUEST_IMPLEMENTATIONS = [
    "sioscgi", "sioscgi-visit", "sioscgi-unindexed-visit", "sioscgi-get8", "sioscgi-bytewise", "httparse",
    "httparse-visit",
    *PEERS, "memchr-count", "memcpy",
]
# The crafted 64 KiB blocks (benches/src/crafted.rs): case -> (names, description).
CRAFTED_CASES = {
    "one_key_16": (3_600, "3,600 names of 16 bytes, every one with the same home in the table (its hash inverted)"),
    "one_key_32": (1_900, "1,900 names of 32 bytes, one home"),
    "one_key_64": (980, "980 names of 64 bytes, one home"),
    "one_key_128": (500, "500 names of 128 bytes, one home"),
    "repeated_2": (16_300, "one 2-byte name 16,300 times (repeats allowed, as nginx needs); the twin has distinct 2-byte names"),
    "full_windows_2_3": (13_128, "13,128 names of 2 to 3 bytes, every window of the table nearly full, the last one full"),
    "budget_kept": (10_000, "10,000 names of 4 to 5 bytes, 3 per home: the table's probe budget spent exactly, the table kept"),
    "shared_prefix_64": (980, "980 names of 64 bytes sharing their first 56"),
    "sip_pairs_64": (979, "479 pairs of 64-byte names sharing their SipHash key (a minute of a peer's computing), then 21 names with one table home: the table given up at the very end, every run of the sorted index two names"),
}
STORAGES = {
    "exact-slice": "`&mut [u8]`, exactly the block and its index",
    "slice-1m-spare": "`&mut [u8]` with 1 MiB to spare",
    "array": "`[u8; N]` (inline, the largest request's size)",
    "heapless-vec": "`heapless::Vec<u8, N>`",
    "vec": "`Vec<u8>` (grows to the request)",
}
INPUT_DESCRIPTIONS = {
    "typical": "a browser's GET as nginx sent it (capture, 944 bytes, 28 pairs)",
    "post_4k": "the same request as a POST with a 4 KiB body",
    "pairs_2000": "2,000 pairs (`HTTP_X_NNNN=v-NNNN`, a 38 KB block), no body",
    "body_1mib": "a POST with 1 MiB of random bytes as nginx sent it (capture)",
}
DESCRIPTIONS = {
    "sioscgi": "this crate's reader, input whole",
    "sioscgi-visit": "this crate's reader, then a visit of every pair",
    "sioscgi-unindexed-visit": "the same, the names not indexed (`index_names(false)`, repeats allowed: as sioscgi-tower reads)",
    "sioscgi-get8": "this crate's reader, then 8 lookups (`get`)",
    "sioscgi-bytewise": "this crate's reader, 1 byte per call",
    "httparse-visit": "httparse, then a visit of every header",
    "httparse": "httparse on the HTTP/1.1 form (head only)",
    "scgi": "scgi 0.3.4 (blocking std::io)",
    "tokio-scgi": "tokio-scgi 0.2.4 (codec)",
    "cegla-scgi": "cegla-scgi 0.2.3 (tokio AsyncBufRead)",
    "memchr-count": "limit: memchr counts the block's NULs",
    "memcpy": "limit: memcpy of the block",
}


def run(cmd: list[str], **kw) -> str:
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, cwd=HERE, check=True, stdout=subprocess.PIPE, text=True, **kw).stdout


def criterion_results(target: pathlib.Path = TARGET) -> dict[str, dict]:
    """Every benchmark's median (ns) and throughput (bytes), by `group/function`."""
    results = {}
    for bench in (target / "criterion").glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        throughput = meta.get("throughput") or {}
        results[meta["full_id"]] = {
            "median_ns": estimates["median"]["point_estimate"],
            "bytes": throughput.get("Bytes") or throughput.get("BytesDecimal"),
        }
    return results


def versions() -> dict[str, str]:
    lock = (HERE / "Cargo.lock").read_text()
    found = {}
    for name in ["criterion", "httparse", "scgi", "tokio-scgi", "cegla-scgi", "memchr", "tokio"]:
        m = re.search(rf'name = "{re.escape(name)}"\nversion = "([^"]+)"', lock)
        if m:
            found[name] = m.group(1)
    found["rustc"] = subprocess.run(["rustc", "-V"], check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    return found


def machine() -> str:
    model = ""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(re.findall(r"^processor", pathlib.Path("/proc/cpuinfo").read_text(), re.M))
    return f"{model or platform.processor()}, {cores} cores, {platform.system()} {platform.release()}"


def measure(from_existing: bool, rounds: int) -> dict:
    if from_existing:
        criterion = criterion_results()
    else:
        # Noise on a shared machine only ever adds time: of each benchmark's medians in
        # `rounds` runs of the whole suite, the lowest is the report's.
        criterion = {}
        for _ in range(rounds):
            # Stale estimates of renamed benchmarks must not reach the report.
            subprocess.run(["rm", "-rf", str(TARGET / "criterion")], check=True)
            run(["cargo", "bench", "--locked", "--bench", "compare"], stderr=None)
            for key, entry in criterion_results().items():
                if key not in criterion or entry["median_ns"] < criterion[key]["median_ns"]:
                    criterion[key] = entry
            # The index 32-bit targets build (sorted from the start), on this machine:
            # the crafted blocks again, as `sorted:crafted/...`.
            sorted_target = TARGET / "sorted-index"
            subprocess.run(["rm", "-rf", str(sorted_target / "criterion")], check=True)
            env = dict(os.environ, RUSTFLAGS="--cfg sioscgi_sorted_index", CARGO_TARGET_DIR=str(sorted_target))
            run(["cargo", "bench", "--locked", "--bench", "compare", "--", "^crafted/"], stderr=None, env=env)
            for key, entry in criterion_results(sorted_target).items():
                key = f"sorted:{key}"
                if key not in criterion or entry["median_ns"] < criterion[key]["median_ns"]:
                    criterion[key] = entry
    allocations = [json.loads(line) for line in run(["cargo", "run", "--locked", "--quiet", "--release", "--bin", "allocations"]).splitlines()]
    sizes = json.loads(run(["cargo", "run", "--locked", "--quiet", "--release", "--bin", "sizes"]))
    codesize = json.loads(run(["bash", "codesize.sh"]))
    instructions = None
    if shutil.which("valgrind"):
        instructions = json.loads(run([sys.executable, "instructions.py"]))
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, stdout=subprocess.PIPE, text=True).stdout.strip(),
        "machine": machine(),
        "versions": versions(),
        "criterion": criterion,
        "rounds": 1 if from_existing else rounds,
        "allocations": allocations,
        "sizes": sizes,
        "codesize": codesize,
        "instructions": instructions,
    }


GATEWAY_HEADING = "## The http gateway: allocations per request"


def gateway_section(allocations: list[dict]) -> list[str]:
    """sioscgi-tower beside cegla-scgi, whole requests over an in-memory connection."""
    rows = {(a["input"], a["implementation"]): a for a in allocations if a["input"].startswith("gateway/")}
    if not rows:
        return []
    out = [GATEWAY_HEADING, "",
           "`src/bin/allocations.rs`, `src/gateway.rs`: one request at a time through each crate's",
           "connection handler, over tokio's in-memory `duplex`, on a current-thread runtime; the",
           "service answers `hello\\n` (an `http::Response<Full<Bytes>>`, built inside the count).",
           "The harness (the connection and the client alone: a handler that reads the request and",
           "writes a fixed answer) is counted apart; the gateway's own share is the difference.",
           "sioscgi-tower runs `serve_connection` (what `serve` runs per connection, less the task);",
           "cegla-scgi 0.2.3 runs `server_handle_scgi`.",
           "",
           "| input | harness | sioscgi-tower | its own share | cegla-scgi | its own share | ratio |",
           "|---|---|---|---|---|---|---|"]
    for input_name in INPUTS:
        key = f"gateway/{input_name}"
        harness, ours, cegla = (rows.get((key, i)) for i in ("gateway-harness", "tower-gateway", "cegla-gateway"))
        if not (harness and ours and cegla):
            continue
        own, theirs = ours["allocations"] - harness["allocations"], cegla["allocations"] - harness["allocations"]
        ratio = f"{theirs / own:.1f}× fewer" if own > 0 else "–"
        out.append(f"| {input_name} | {harness['allocations']} | {ours['allocations']} ({ours['bytes']:,} B) | {own} | "
                   f"{cegla['allocations']} ({cegla['bytes']:,} B) | {theirs} | {ratio} |")
    out += ["", "On `pairs_2000` each custom header name is an allocation of `http::HeaderName`",
            "(standard names are not); the header values, the URI and the `CgiEnvironment` share one copy",
            "of the header block.", ""]
    return out


def update_gateways(path: pathlib.Path) -> None:
    """Rewrites only the gateway section of an existing report."""
    allocations = [json.loads(line) for line in run(["cargo", "run", "--locked", "--quiet", "--release", "--bin", "allocations"]).splitlines()]
    section = "\n".join(gateway_section(allocations))
    text = path.read_text()
    if GATEWAY_HEADING in text:
        text = re.sub(re.escape(GATEWAY_HEADING) + r".*?(?=\n## )", lambda _: section.rstrip("\n") + "\n", text, flags=re.S)
    else:
        text = text.replace("## Writing and reading a response", section + "\n## Writing and reading a response", 1)
    path.write_text(text)


def fmt_time(ns: float | None) -> str:
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def fmt_rate(nbytes: int | None, ns: float | None) -> str:
    if not nbytes or not ns:
        return "–"
    gib = nbytes / ns * 1e9 / 2**30
    return f"{gib:.2f} GiB/s" if gib >= 1 else f"{gib * 1024:.0f} MiB/s"


def median(run: dict, key: str) -> float | None:
    entry = run["criterion"].get(key)
    return entry["median_ns"] if entry else None


def allocs(run: dict, input_name: str, implementation: str) -> str:
    for a in run["allocations"]:
        if a["input"] == input_name and a["implementation"] == implementation:
            return f'{a["allocations"]} ({a["bytes"]:,} B)' if a["allocations"] else "0"
    return "–"


def targets(run: dict) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each target of the speed work."""
    out = []
    ours = {i: median(run, f"request/sioscgi/{i}") for i in INPUTS}
    bytewise = {i: median(run, f"request/sioscgi-bytewise/{i}") for i in INPUTS}
    visit = median(run, "request/sioscgi-visit/typical")
    http_visit = median(run, "request/httparse-visit/typical")
    if visit and http_visit:
        r = visit / http_visit
        out.append(("typical request, read + visit every pair: ≤ 1.0× httparse + visit (aim 0.6×)", f"{r:.2f}×", r <= 1.0))
    unindexed = median(run, "request/sioscgi-unindexed-visit/typical")
    if unindexed and http_visit:
        r = unindexed / http_visit
        out.append(("the same, the names not indexed (`index_names(false)`, as sioscgi-tower reads): "
                    "≤ 1.0× httparse + visit (aim 0.6×)", f"{r:.2f}×", r <= 1.0))
    get8 = median(run, "request/sioscgi-get8/typical")
    if get8 and ours["typical"]:
        r = get8 / ours["typical"]
        out.append(("typical request, read + 8 lookups: ≤ 1.3× read alone", f"{r:.2f}×", r <= 1.3))
    for prefix, label in (("", "64-bit (table first)"), ("sorted:", "the 32-bit targets' index, sorted from the start")):
        worst_ratio, worst_where = 0.0, ""
        best_normal_per_name, worst_per_name, worst_name_where = None, 0.0, ""
        worst_get, worst_get_where = 0.0, ""
        for case, (names, _) in CRAFTED_CASES.items():
            for storage in STORAGES:
                normal = median(run, f"{prefix}crafted/{case}/{storage}/normal")
                crafted = median(run, f"{prefix}crafted/{case}/{storage}/crafted")
                if normal and crafted:
                    if crafted / normal > worst_ratio:
                        worst_ratio, worst_where = crafted / normal, f"{case}, {storage}"
                    per_name = normal / (names + 2)
                    if best_normal_per_name is None or per_name < best_normal_per_name:
                        best_normal_per_name = per_name
                    if crafted / (names + 2) > worst_per_name:
                        worst_per_name, worst_name_where = crafted / (names + 2), f"{case}, {storage}"
            normal = median(run, f"{prefix}crafted/{case}/get-64/normal")
            crafted = median(run, f"{prefix}crafted/{case}/get-64/crafted")
            if normal and crafted and crafted / normal > worst_get:
                worst_get, worst_get_where = crafted / normal, case
        if worst_where:
            out.append((f"{label}: every crafted 64 KiB block ≤ 3× its ordinary twin, on every storage kind",
                        f"{worst_ratio:.2f}× at worst ({worst_where})", worst_ratio <= 3))
        if worst_name_where and best_normal_per_name:
            r = worst_per_name / best_normal_per_name
            out.append((f"{label}: per name ≤ 3× the best ordinary per-name cost",
                        f"{r:.2f}× ({worst_per_name:.1f} vs {best_normal_per_name:.1f} ns; {worst_name_where})", r <= 3))
        if worst_get_where:
            out.append((f"{label}: `get` on any block ≤ 5× its cost on the ordinary twin",
                        f"{worst_get:.2f}× at worst ({worst_get_where})", worst_get <= 5))
    small, large = (median(run, f"client/duplicate-check-{n}/ordinary") for n in (1_000, 10_000))
    if small and large:
        r = large / small
        out.append(("client duplicate check: 10,000 names ≤ 10× the time of 1,000", f"{r:.1f}×", r <= 10))
    worst_client = max((median(run, f"client/duplicate-check-{n}/crafted") / median(run, f"client/duplicate-check-{n}/ordinary")
                        for n in (1_000, 10_000)
                        if median(run, f"client/duplicate-check-{n}/crafted") and median(run, f"client/duplicate-check-{n}/ordinary")),
                       default=None)
    if worst_client:
        out.append(("client duplicate check: crafted names ≤ 3× ordinary ones", f"{worst_client:.2f}×", worst_client <= 3))
    http_typical = median(run, "request/httparse/typical")
    if ours["typical"] and http_typical:
        r = ours["typical"] / http_typical
        out.append(("(first round) typical request, read alone: ≤ 1.0× httparse alone", f"{r:.2f}×", r <= 1.0))
    for i in INPUTS:
        peer_times = [t for t in (median(run, f"request/{p}/{i}") for p in PEERS) if t]
        if ours[i] and peer_times:
            r = min(peer_times) / ours[i]
            out.append((f"{i}: ≥ 5× faster than the fastest SCGI peer", f"{r:.1f}×", r >= 5))
    for i in ["typical", "pairs_2000"]:
        if ours[i] and bytewise[i]:
            r = bytewise[i] / ours[i]
            out.append((f"{i}, 1 byte per call: ≤ 15× the whole-input time", f"{r:.1f}×", r <= 15))
    mib = run["criterion"].get("request/sioscgi-bytewise/body_1mib")
    if mib and mib["bytes"]:
        # Each 1-byte chunk of body takes two `read` calls: one returns the byte as `Body`,
        # the next (on the empty rest) returns `None`, as the API asks. Header bytes take one.
        per_byte = mib["median_ns"] / mib["bytes"]
        per_call = per_byte / 2
        out.append(("body bytes, 1 byte per call: a few ns per `read` call (≤ 5 ns)",
                    f"{per_call:.2f} ns ({per_byte:.2f} ns per byte: 2 calls)", per_call <= 5))
    if ours["typical"] and ours["pairs_2000"]:
        per_pair_typical = ours["typical"] / 28
        per_pair_many = ours["pairs_2000"] / 2000
        r = per_pair_many / per_pair_typical
        out.append(("2,000 pairs: time per pair ≤ 1.5× the typical request's", f"{r:.2f}× ({per_pair_many:.1f} vs {per_pair_typical:.1f} ns)", r <= 1.5))
    encode = median(run, "response/writer-encode/typical")
    if encode:
        out.append(("typical response encode (the head validated once): ≤ 100 ns", fmt_time(encode), encode <= 100))
    build = median(run, "response/writer-build-and-encode/typical")
    if build:
        out.append(("the same, validating the head every time too (stricter reading): ≤ 100 ns", fmt_time(build), build <= 100))
    text = run["codesize"]["text"]["both"]
    out.append((f'.text of reader + writer on {run["codesize"]["target"]}, opt-level "s": ≤ 8 KiB (aim 6 KiB)', f"{text:,} B", text <= 8192))
    ours_allocs = [a for a in run["allocations"] if a["implementation"].startswith("sioscgi")]
    if ours_allocs:
        most = max(a["allocations"] for a in ours_allocs)
        out.append(("zero heap allocations per request (every input, whole and bytewise)", f"{most} at most", most == 0))
    state = run["sizes"]["reader"]
    out.append((f'reader state without the storage: ≤ 64 bytes ({run["sizes"]["pointer_bits"]}-bit)', f"{state} B", state <= 64))
    return out


def write_report(run: dict, before: dict | None, output: pathlib.Path) -> None:
    lines = []
    w = lines.append
    w("# Benchmarks")
    w("")
    w(f"Generated by `python3 benches/report.py` from one run on {run['date']} (commit `{run['commit']}`), "
      "on this machine:")
    w("")
    w(f"- CPU: {run['machine']}")
    w(f"- {run['versions'].get('rustc', '')}; " + ", ".join(f"{k} {v}" for k, v in run["versions"].items() if k != "rustc"))
    rounds = run.get("rounds", 1)
    if rounds > 1:
        w(f"- criterion medians, the lowest of {rounds} runs of the whole suite (noise on this shared")
        w("  machine only ever adds time); the input is handed over from memory, no socket.")
    else:
        w("- criterion medians; the input is handed over from memory, no socket.")
    w("  Throughput is the SCGI request's size over the time (for httparse, the same over its")
    w("  time on the HTTP form).")
    w("")
    w("## Targets")
    w("")
    w("| target | measured | met |")
    w("|---|---|---|")
    for name, measured, met in targets(run):
        w(f"| {name} | {measured} | {'yes' if met else '**no**'} |")
    w("")
    w("## Reading a request")
    w("")
    w("Each input is read completely: the environment and every body byte (`Headers`, `Body`*, `End`).")
    w("httparse parses the request line and headers of the same request written as HTTP/1.1")
    w("(it leaves the body, and finding `Content-Length`, to its caller). The peers read")
    w("from memory: `scgi` through a `Read + Write` slice wrapper, `tokio-scgi` decoding a")
    w("`BytesMut` (filled outside the timing), `cegla-scgi` polled once on a slice.")
    w("")
    for i in INPUTS:
        ours = median(run, f"request/sioscgi/{i}")
        http = median(run, f"request/httparse/{i}")
        w(f"### `{i}`: {INPUT_DESCRIPTIONS[i]}")
        w("")
        w("| implementation | median | throughput | allocations | ÷ httparse | ÷ sioscgi |")
        w("|---|---|---|---|---|---|")
        for impl in REQUEST_IMPLEMENTATIONS:
            entry = run["criterion"].get(f"request/{impl}/{i}")
            if not entry:
                continue
            t = entry["median_ns"]
            ratio_http = f"{t / http:.2f}×" if http else "–"
            ratio_ours = f"{t / ours:.2f}×" if ours else "–"
            alloc = allocs(run, i, impl) if impl not in ("memchr-count", "memcpy") else "0"
            w(f"| {DESCRIPTIONS[impl]} | {fmt_time(t)} | {fmt_rate(entry['bytes'], t)} | {alloc} | {ratio_http} | {ratio_ours} |")
        w("")
    w("## Crafted header blocks")
    w("")
    w("64 KiB blocks (the default limit), each crafted the way a peer who has read the source")
    w("would (`benches/src/crafted.rs`), beside an ordinary twin: the same bytes, the same")
    w("number of names of the same lengths, distinct and random. Each reader is made once")
    w("and reset between reads, as a server does; the time is one read of the headers.")
    w("`get` is 64 lookups of the block's own names, after one read (exact slice).")
    w("")
    typical = median(run, "request/sioscgi/typical")
    for case, (names, description) in CRAFTED_CASES.items():
        w(f"### `{case}`: {description}")
        w("")
        w("| storage | ordinary | crafted | crafted ÷ ordinary | crafted, per name | sorted index: ordinary | crafted | ÷ |")
        w("|---|---|---|---|---|---|---|---|")
        for storage, label in list(STORAGES.items()) + [("get-64", "64 × `get`")]:
            normal = median(run, f"crafted/{case}/{storage}/normal")
            crafted = median(run, f"crafted/{case}/{storage}/crafted")
            if not (normal and crafted):
                continue
            per_name = f"{crafted / (names + 2):.1f} ns" if storage != "get-64" else f"{crafted / 64:.1f} ns a `get`"
            s_normal = median(run, f"sorted:crafted/{case}/{storage}/normal")
            s_crafted = median(run, f"sorted:crafted/{case}/{storage}/crafted")
            sorted_cols = (f"{fmt_time(s_normal)} | {fmt_time(s_crafted)} | {s_crafted / s_normal:.2f}×"
                           if s_normal and s_crafted else "– | – | –")
            w(f"| {label} | {fmt_time(normal)} | {fmt_time(crafted)} | {crafted / normal:.2f}× | {per_name} | {sorted_cols} |")
        w("")
    w("The *sorted index* columns are the same blocks read by a build with")
    w("`--cfg sioscgi_sorted_index`: the index 32-bit targets (microcontrollers, wasm32)")
    w("always build, measured on this machine.")
    w("")
    w("### The client's duplicate check")
    w("")
    w("`RequestHead::with_scratch` on 1,000 and 10,000 names of 16 bytes: ordinary (random,")
    w("distinct) and crafted (one home of the table's hash, which made the old check quadratic).")
    w("")
    w("| names | ordinary | crafted | crafted ÷ ordinary |")
    w("|---|---|---|---|")
    for n in (1_000, 10_000):
        o, c = median(run, f"client/duplicate-check-{n}/ordinary"), median(run, f"client/duplicate-check-{n}/crafted")
        if o and c:
            w(f"| {n:,} | {fmt_time(o)} | {fmt_time(c)} | {c / o:.2f}× |")
    w("")
    for line in gateway_section(run["allocations"]):
        w(line)
    w("## Writing and reading a response")
    w("")
    w("| what | median | allocations |")
    w("|---|---|---|")
    for key, label, alloc_key in [
        ("response/writer-build-and-encode/typical", "writer: validate the head (`ResponseHead::new`, 4 headers) and encode it", "writer-build-and-encode"),
        ("response/writer-encode/typical", "writer: encode an already validated head", None),
        ("response/reader/typical", "client response reader: the same response, whole, then EOF", "reader"),
    ]:
        w(f"| {label} | {fmt_time(median(run, key))} | {allocs(run, 'response', alloc_key) if alloc_key else '0'} |")
    w("")
    instructions = run.get("instructions")
    if instructions:
        earlier_path = HERE / "results" / "before-instructions.json"
        earlier = json.loads(earlier_path.read_text()) if earlier_path.exists() else None
        w("## Instructions per call")
        w("")
        w("`benches/instructions.py`: `valgrind --tool=callgrind` on `src/bin/repeat.rs`, the set-up")
        w("subtracted. Timings on this shared machine move by a third and more between runs;")
        w("instruction counts do not, so they are what a change is judged by. They are not time:")
        w("httparse's SIMD instructions do 16 or 32 bytes each.")
        w("")
        if earlier:
            w(f"Earlier: `benches/results/before-instructions.json`, {earlier['note']}.")
            w("")
            w("| case | earlier | now | ratio |")
            w("|---|---|---|---|")
        else:
            w("| case | now |")
            w("|---|---|")
        for key, count in instructions.items():
            if earlier and key in earlier["counts"]:
                e = earlier["counts"][key]
                w(f"| `{key}` | {e:,} | {count:,} | {count / e:.2f}× |")
            elif earlier:
                w(f"| `{key}` | – | {count:,} | |")
            else:
                w(f"| `{key}` | {count:,} |")
        ours, http = instructions.get("sioscgi/typical"), instructions.get("httparse/typical")
        many = instructions.get("sioscgi/pairs_2000")
        visit, http_visit = instructions.get("sioscgi-visit/typical"), instructions.get("httparse-visit/typical")
        if ours and http and many:
            w("")
            w(f"The typical request takes {ours / http:.2f}× httparse's instructions; per pair "
              f"{ours / 28:.0f} on `typical` and {many / 2000:.0f} on `pairs_2000`.")
        if visit and http_visit:
            w(f"Read and visit every pair: {visit / http_visit:.2f}× httparse's instructions for the same.")
        for case in ("one_key_16", "repeated_2", "full_windows_2_3"):
            normal, crafted = instructions.get(f"crafted/{case}/normal/-"), instructions.get(f"crafted/{case}/crafted/-")
            if normal and crafted:
                w(f"The crafted `{case}` block takes {crafted / normal:.2f}× the instructions of its ordinary twin "
                  f"({crafted:,} vs {normal:,}).")
        w("")
    w("## Code size and memory")
    w("")
    cs = run["codesize"]
    w(f"`benches/codesize.sh`: a bare program for `{cs['target']}` at opt-level `\"{cs['opt_level']}\"` with LTO, built with")
    w("neither, either and both halves; each part is the difference to the program with neither.")
    w("")
    w("| part | .text | .rodata |")
    w("|---|---|---|")
    for part in ["reader", "writer", "both"]:
        w(f"| {part} | {cs['text'][part]:,} B | {cs['rodata'][part]:,} B |")
    w("")
    s = run["sizes"]
    w(f"`size_of` on this {s['pointer_bits']}-bit host, without the caller's storage (the `&mut [u8]` is subtracted):")
    w("")
    w("| type | bytes |")
    w("|---|---|")
    for key, label in [("reader", "`Reader<&mut [u8]>`"), ("writer", "`Writer`"), ("connection", "`Connection<&mut [u8]>`"),
                       ("config", "`Config`"), ("client_request_writer", "`client::RequestWriter`"),
                       ("client_response_reader", "`client::ResponseReader<&mut [u8]>`")]:
        w(f"| {label} | {s[key]} |")
    w("")
    if before:
        w("## Before and after")
        w("")
        w(f"Before: the run saved in `benches/results/before.json` ({before['date']}, commit `{before['commit']}`, "
          f"on {before['machine']}); after: this run (on {run['machine']}).")
        if before["machine"] != run["machine"]:
            w("The machines differ: these speed-ups mix the code's change with the machine's; the")
            w("instruction counts above compare the code alone.")
        w("")
        w("| measurement | before | after | speed-up |")
        w("|---|---|---|---|")
        keys = [f"request/sioscgi/{i}" for i in INPUTS] + [f"request/sioscgi-bytewise/{i}" for i in INPUTS] + [
            "response/writer-build-and-encode/typical", "response/writer-encode/typical", "response/reader/typical"]
        for key in keys:
            b, a = median(before, key), median(run, key)
            if b and a:
                w(f"| `{key}` | {fmt_time(b)} | {fmt_time(a)} | {b / a:.2f}× |")
        bt, at = before["codesize"]["text"]["both"], cs["text"]["both"]
        w(f"| .text, reader + writer | {bt:,} B | {at:,} B | |")
        w(f"| reader state | {before['sizes']['reader']} B | {s['reader']} B | |")
        w("")
    notes = HERE / "NOTES.md"
    if notes.exists():
        w(notes.read_text().rstrip())
        w("")
    output.write_text("\n".join(lines))
    print(f"wrote {output}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=pathlib.Path)
    parser.add_argument("--save", type=pathlib.Path)
    parser.add_argument("--output", type=pathlib.Path, default=HERE / "BENCHMARKS.md")
    parser.add_argument("--from-existing", action="store_true")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--gateways-only", action="store_true")
    parser.add_argument("--from-saved", type=pathlib.Path)
    args = parser.parse_args()
    if args.gateways_only:
        update_gateways(args.output)
        return 0
    run_data = (json.loads(args.from_saved.read_text()) if args.from_saved
                else measure(args.from_existing, args.rounds))
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(run_data, indent=1) + "\n")
    before_path = args.before or HERE / "results" / "before.json"
    before = json.loads(before_path.read_text()) if before_path.exists() else None
    write_report(run_data, before, args.output)
    failed = [name for name, _, met in targets(run_data) if not met]
    for name in failed:
        print(f"target not met: {name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
