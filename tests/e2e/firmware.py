"""End to end for the backends that are not Linux processes: the firmware of
examples/embedded-net (riscv32 under QEMU, embassy-net over virtio-net, QEMU's user-mode
network with the guest's port 4000 forwarded from 127.0.0.1:4000) behind nginx, lighttpd
and Apache; and the WASM module of examples/wasm-module behind its Node socket server.
Both serve the same application: /hello, /upload (length and CRC-32), /env, /stats, 404.

Imported by run.py (--firmware RUN_SH, --wasm SERVE_SH): the same checks for both, behind
the web servers with the README's TCP snippets, and faults straight at the SCGI port.
"""

from __future__ import annotations

import pathlib
import random
import re
import socket
import subprocess
import time
import zlib

import run
from run import APP_PORT, PORTS, Results, curl, log

BOOT_LINE = re.compile(rb"serving SCGI")
BLOCK_LEN = 2048  # the firmware's and the module's header block limit
PAIRS = 64  # the pairs the firmware's storage holds with a 2 KiB block


class Guest:
    """A backend started by its script in the foreground (QEMU, or Node), its console in
    a file; ready once the console says it serves."""

    def __init__(self, script: str, label: str, tmp: pathlib.Path, port: int = APP_PORT) -> None:
        self.label = label
        self.console = tmp / f"{label}-{time.monotonic_ns()}.console"
        self.file = open(self.console, "wb")
        self.proc = subprocess.Popen([script, "--no-build", "--port", str(port)], stdout=self.file,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not BOOT_LINE.search(self.console.read_bytes()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{label} did not start: {self.console.read_bytes()[-400:]!r}")
            time.sleep(0.05)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.file.close()


def scgi_raw(raw: bytes, timeout: float = 15) -> bytes:
    """Raw bytes to the SCGI port; everything that comes back until the backend closes."""
    with socket.create_connection(("127.0.0.1", APP_PORT), timeout=timeout) as s:
        s.sendall(raw)
        chunks = []
        try:
            while data := s.recv(65536):
                chunks.append(data)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def request(pairs: list[tuple[str, str]], body: bytes = b"") -> bytes:
    block = b"".join(n.encode() + b"\0" + v.encode() + b"\0" for n, v in pairs)
    return str(len(block)).encode() + b":" + block + b"," + body


def stats() -> dict[str, int]:
    answer = scgi_raw(request([("CONTENT_LENGTH", "0"), ("SCGI", "1"), ("REQUEST_METHOD", "GET"),
                               ("REQUEST_URI", "/stats")]))
    return {k.decode(): int(v) for k, v in re.findall(rb"(\w+)=(\d+)", answer.split(b"\r\n\r\n", 1)[-1])}


def crc_line(data: bytes) -> bytes:
    return f"length={len(data)} crc32={zlib.crc32(data):08x}\n".encode()


def idle_then_request(who: str, name: str, port: int, r: Results, when: str) -> None:
    """A connection to the SCGI port that sends nothing, then a request through the web
    server: answered at once, not after the idle peer's deadline."""
    with socket.create_connection(("127.0.0.1", APP_PORT)):
        time.sleep(0.2)
        t0 = time.monotonic()
        status, _, body = curl(port, "/hello", timeout=20)
        took = time.monotonic() - t0
    # QEMU's forwarded port listens with a backlog of one: a connect that finds it full
    # waits for the client's SYN retransmission (1 s).
    r.check(who, f"a request while another connection sits idle ({when})",
            status == 200 and body == b"hello\n" and took < 2.5, f"{status} in {took * 1000:.0f} ms")


def functional(who: str, name: str, port: int, tmp: pathlib.Path, r: Results) -> None:
    status, _, body = curl(port, "/env?a=1&b=two")
    r.check(who, "GET with a query string (/env)", status == 200 and b"QUERY_STRING=a=1&b=two\n" in body,
            f"{status} {body[:60]!r}")
    status, headers, body = curl(port, "/hello")
    r.check(who, "GET /hello", status == 200 and body == b"hello\n"
            and headers.get("content-type") == "text/plain", f"{status} {body!r}")
    status, _, body = curl(port, "/hello", "-I")  # with -I, curl writes the head where the body goes
    r.check(who, "HEAD /hello: the head, no body", status == 200 and b"hello" not in body, f"{status}")
    data = random.Random(11).randbytes(1 << 20)
    upload = tmp / "upload-1m.bin"
    upload.write_bytes(data)
    status, _, body = curl(port, "/upload", "--data-binary", f"@{upload}",
                           "-H", "Content-Type: application/octet-stream")
    r.check(who, "1 MiB upload, CRC-32 computed as it streams", status == 200 and body == crc_line(data),
            f"{status} {body[:60]!r}")
    status, _, _ = curl(port, "/nope")
    r.check(who, "404", status == 404, f"{status}")
    status, headers, _ = curl(port, "/upload")
    r.check(who, "405 for GET /upload, with Allow", status == 405 and headers.get("allow") == "POST, PUT",
            f"{status} {headers.get('allow')}")
    # A header block over the limit: the firmware answers 431 (its status hint), which the
    # web server passes on.
    status, _, _ = curl(port, "/hello", "-H", "X-Big: " + "b" * (BLOCK_LEN + 100))
    r.check(who, "header block over 2 KiB: 431 from the backend", status == 431, f"{status}")
    after, _, body = curl(port, "/hello")
    r.check(who, "answers again after the refusal", after == 200 and body == b"hello\n", f"{after}")
    idle_then_request(who, name, port, r, "before the load")


def load(who: str, port: int, guest: Guest, seconds: int, r: Results) -> dict[str, str]:
    """wrk for `seconds` (4 connections, as many as nginx then opens to the backend):
    zero errors, and the backend answering afterwards."""
    before = stats()
    out = subprocess.run(["wrk", "-t2", "-c4", f"-d{seconds}s", "--timeout", "10s", f"http://127.0.0.1:{port}/hello"],
                         capture_output=True, text=True, check=False).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    r.check(who, f"load ({seconds} s): zero non-2xx", non2xx == 0 and requests > 0, f"{non2xx} of {requests}")
    r.check(who, f"load ({seconds} s): zero socket errors", errors == 0, str(errors))
    time.sleep(0.5)
    after = stats()
    answered = after.get("answered", 0) - before.get("answered", 0)
    failed = after.get("failed", 0) - before.get("failed", 0)
    r.check(who, "load: every request answered in full by the backend, none failed",
            answered >= requests and failed == 0, f"answered {answered}, failed {failed}, wrk {requests}")
    r.check(who, "still alive after the load", guest.alive(), "")
    return {"requests": str(requests), "rate": rate, "errors": str(non2xx + errors),
            "latency": f"avg {latency.group(1)}, max {latency.group(3)}" if latency else "?",
            "stack": f"{after['stack_used']} of {after['stack_size']} B" if "stack_used" in after else "(no stack: Node)"}


def direct_faults(who: str, guest: Guest, r: Results) -> None:
    """Broken requests straight at the SCGI port: each answered with its status, the
    backend serving the next one."""
    base = [("CONTENT_LENGTH", "0"), ("SCGI", "1"), ("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/hello")]
    cases = [
        ("a length that is not a number", b"x:", 400),
        ("a length with a leading zero", b"07:abcdefg,", 400),
        ("no SCGI=1", request([("CONTENT_LENGTH", "0"), ("REQUEST_URI", "/hello")]), 400),
        ("a missing comma", request(base)[:-1] + b";", 400),
        ("a header block over 2 KiB", request(base + [("HTTP_X_BIG", "b" * BLOCK_LEN)]), 431),
        # The storage holds a 2 KiB block with 64 pairs (less block, more pairs): 74 pairs in
        # a block just under 2 KiB do not fit its index.
        ("74 pairs in a 2,030-byte block", request(base + [(f"H{i:02}", "v" * 23) for i in range(PAIRS + 6)]), 431),
        ("an upload over the limit: 413 before the body",
         request([("CONTENT_LENGTH", str(100 << 20)), ("SCGI", "1"), ("REQUEST_METHOD", "POST"),
                  ("REQUEST_URI", "/upload")]), 413),
    ]
    for label, raw, want in cases:
        answer = scgi_raw(raw)
        got = re.match(rb"(?:.*\r\n)?Status: (\d+)", answer, re.S)
        code = int(got.group(1)) if got else 0
        r.check(who, f"{label}: {want}", code == want, f"{code} {answer[:50]!r}")
    hello = request(base)
    ok = scgi_raw(hello).endswith(b"\r\n\r\nhello\n")
    r.check(who, "answers after the broken requests", ok, "")
    # A peer that leaves mid-body, and one that resets: the socket comes back.
    with socket.create_connection(("127.0.0.1", APP_PORT)) as s:
        s.sendall(request([("CONTENT_LENGTH", "1000"), ("SCGI", "1"), ("REQUEST_METHOD", "POST"),
                           ("REQUEST_URI", "/upload")], b"x" * 10))
    with socket.create_connection(("127.0.0.1", APP_PORT)) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        s.sendall(hello[:5])
    time.sleep(0.5)
    answered = sum(scgi_raw(hello).endswith(b"hello\n") for _ in range(20))
    r.check(who, "20 requests after peers that left mid-request", answered == 20, f"{answered} of 20")
    # As many silent peers as there are sockets but one: the last socket still serves.
    idle = [socket.create_connection(("127.0.0.1", APP_PORT)) for _ in range(7)]
    try:
        time.sleep(0.3)
        t0 = time.monotonic()
        ok = scgi_raw(hello).endswith(b"hello\n")
        took = time.monotonic() - t0
        r.check(who, "7 silent peers connected (the firmware has 8 sockets): a request is served", ok and took < 2.5,
                f"{took * 1000:.0f} ms")
    finally:
        for s in idle:
            s.close()
    # A peer that trickles a byte a second never finishes: the connection's deadline (10 s,
    # from accept, however often bytes come) closes it. (First the silent peers' sockets
    # come back: a connect while every socket is taken is refused.)
    time.sleep(0.5)
    trickle = request([("CONTENT_LENGTH", str(1 << 30)), ("SCGI", "1"), ("REQUEST_METHOD", "GET"),
                       ("REQUEST_URI", "/hello")])
    t0 = time.monotonic()
    closed_after = None
    with socket.create_connection(("127.0.0.1", APP_PORT)) as s:
        s.settimeout(1.0)
        for i in range(20):
            try:
                s.sendall(trickle[i:i + 1] if i < len(trickle) else b"x")
                if s.recv(1) == b"":
                    closed_after = time.monotonic() - t0
                    break
            except socket.timeout:
                continue
            except OSError:
                closed_after = time.monotonic() - t0
                break
    r.check(who, "a peer trickling a byte a second is closed at the 10 s deadline",
            closed_after is not None and 9 <= closed_after <= 13,
            f"closed after {closed_after:.1f} s" if closed_after else "still open after 20 s")
    r.check(who, "alive after the faults", guest.alive(), "")


def guest_suites(kind: str, script: str, only: list[str], tmp: pathlib.Path, seconds: int, r: Results,
                 loads: dict[str, dict[str, str]], ci: bool) -> None:
    """`kind` ("firmware" or "wasm") started by `script` behind each web server of `only`,
    then faults straight at its SCGI port."""
    for name in only:
        exe = {"nginx": "nginx", "lighttpd": "lighttpd", "apache": "/usr/sbin/apache2"}[name]
        if run.shutil.which(exe) is None:
            if ci:
                r.check(name, "installed", False, "missing under CI")
            continue
        who = f"{kind}: {name}"
        log(f"== {who}")
        t0 = time.monotonic()
        webdir = tmp / f"{kind}-{name}"
        webdir.mkdir()
        guest = web = None
        try:
            guest = Guest(script, kind, tmp)
            web = run.start_web_server(name, webdir)
            functional(who, name, PORTS[name], tmp, r)
            loads[who] = load(who, PORTS[name], guest, seconds, r)
            after, _, body = curl(PORTS[name], "/hello")
            r.check(who, "answers after the load", after == 200 and body == b"hello\n", f"{after}")
            idle_then_request(who, name, PORTS[name], r, "after the load")
        except Exception as e:
            error_log = webdir / "error.log"
            detail = error_log.read_text(errors="replace")[-500:] if error_log.exists() else ""
            r.check(who, "suite ran to the end", False, f"{e!r} {detail}")
        finally:
            if web is not None:
                run.stop_web_server(web)
            if guest is not None:
                guest.stop()
        log(f"   {who}: {round(time.monotonic() - t0)} s")
    log(f"== {kind}: faults at the SCGI port")
    guest = Guest(script, kind, tmp)
    try:
        direct_faults(f"{kind}: scgi port", guest, r)
    finally:
        guest.stop()
