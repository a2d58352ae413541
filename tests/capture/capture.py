#!/usr/bin/env python3
"""Capture the raw SCGI requests a real web server sends, as test vectors.

Usage: capture.py lighttpd|apache|nginx OUTDIR

Starts a recording SCGI application on a loopback port, the web server (its own config,
pid and log files in a temp dir, on loopback only) in front of it, sends a fixed set of
requests with curl, and writes each request the application received to OUTDIR/NAME.scgi.
Used to make tests/vectors/{lighttpd,apache}/; values such as REMOTE_PORT and temp paths
change from run to run.
"""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import threading
import time

SCGI_PORT = 47011
HTTP_PORT = 47080


def complete(buf: bytes) -> bool:
    """Whether buf holds a whole netstring and CONTENT_LENGTH body bytes."""
    colon = buf.find(b":")
    if colon < 0:
        return False
    length = int(buf[:colon])
    end = colon + 1 + length + 1
    if len(buf) < end:
        return False
    block = buf[colon + 1 : colon + 1 + length].split(b"\0")
    env = dict(zip(block[0::2], block[1::2]))
    return len(buf) >= end + int(env.get(b"CONTENT_LENGTH", b"0") or 0)


class Recorder:
    def __init__(self) -> None:
        self.captures: list[bytes] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", SCGI_PORT))
        self.sock.listen(16)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            conn, _ = self.sock.accept()
            conn.settimeout(5)
            buf = b""
            try:
                while not complete(buf):
                    data = conn.recv(65536)
                    if not data:
                        break
                    buf += data
                # Apache opens and closes a connection without a byte on a 411: kept too.
                self.captures.append(buf)
                if buf:
                    conn.sendall(b"Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nrecorded\n")
            except (OSError, ValueError):
                pass
            conn.close()

    def take(self) -> bytes | None:
        time.sleep(0.3)
        return self.captures.pop() if self.captures else None


LIGHTTPD = """
server.document-root = "{tmp}"
server.port = {http}
server.bind = "127.0.0.1"
server.pid-file = "{tmp}/lighttpd.pid"
server.errorlog = "{tmp}/error.log"
server.modules += ("mod_scgi")
scgi.server = ("/" => (("host" => "127.0.0.1", "port" => {scgi}, "check-local" => "disable")))
"""

APACHE = """
ServerRoot "{tmp}"
Listen 127.0.0.1:{http}
PidFile "{tmp}/apache.pid"
ErrorLog "{tmp}/error.log"
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_scgi_module /usr/lib/apache2/modules/mod_proxy_scgi.so
ServerName localhost
ProxyPass / scgi://127.0.0.1:{scgi}/
"""

NGINX = """
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  server {{
    listen 127.0.0.1:{http};
    location / {{ include /etc/nginx/scgi_params; scgi_pass 127.0.0.1:{scgi}; }}
  }}
}}
"""

REQUESTS = [
    ("get_simple", ["/hello"]),
    ("get_query", ["/search?q=rust%20scgi&page=2", "-H", "Cookie: a=1", "-H", "Accept-Language: en"]),
    ("post_form", ["/submit", "--data", "name=sioscgi&lang=rust&answer=42&text=hello+world%21"]),
    ("post_binary", ["/upload", "--data-binary", "@{tmp}/binary", "-H", "Content-Type: application/octet-stream"]),
    ("post_chunked", ["/chunked", "--data-binary", "@{tmp}/binary", "-H", "Transfer-Encoding: chunked"]),
    ("head", ["/x", "-I"]),
    ("dup_headers", ["/dup", "-H", "X-Dup: one", "-H", "X-Dup: two", "-H", "Cookie: a=1", "-H", "Cookie: b=2"]),
    ("underscore_header", ["/under", "-H", "X-Foo: dash", "-H", "X_Foo: underscore", "-H", "lower-case: yes"]),
    # Raw bytes (not str, which subprocess would send as UTF-8).
    ("latin1_header", ["/odd", "-H", b"X-Odd: caf\xe9 \xff"]),
    ("many_headers", ["/many"] + [a for i in range(40) for a in ("-H", f"X-Custom-{i:02}: value-{i}")]),
    # What a browser sends (Firefox's headers): the benchmarks' typical request.
    ("browser_get", ["/articles/2026/sans-io-scgi?ref=home"] + [a for h in [
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/png,image/svg+xml,*/*;q=0.8",
        "Accept-Language: en-US,en;q=0.5",
        "Accept-Encoding: gzip, deflate, br, zstd",
        "Referer: http://127.0.0.1/articles/",
        "Connection: keep-alive",
        "Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark; lang=en",
        "Upgrade-Insecure-Requests: 1",
        "Sec-Fetch-Dest: document",
        "Sec-Fetch-Mode: navigate",
        "Sec-Fetch-Site: same-origin",
        "Sec-Fetch-User: ?1",
        "Priority: u=0, i",
    ] for a in ("-H", h)]),
]


def main() -> int:
    server, out = sys.argv[1], pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    recorder = Recorder()
    with tempfile.TemporaryDirectory() as tmp:
        (pathlib.Path(tmp) / "binary").write_bytes(bytes(range(256)) * 64)
        conf = pathlib.Path(tmp) / "server.conf"
        fmt = dict(tmp=tmp, http=HTTP_PORT, scgi=SCGI_PORT)
        if server == "lighttpd":
            conf.write_text(LIGHTTPD.format(**fmt))
            proc = subprocess.Popen(["lighttpd", "-D", "-f", str(conf)])
        elif server == "apache":
            conf.write_text(APACHE.format(**fmt))
            proc = subprocess.Popen(["/usr/sbin/apache2", "-X", "-f", str(conf)], env={"PATH": "/usr/bin:/bin"})
        else:
            conf.write_text(NGINX.format(**fmt))
            proc = subprocess.Popen(["nginx", "-c", str(conf)])
        time.sleep(1)
        try:
            for name, args in REQUESTS:
                args = [a.replace("{tmp}", tmp) if isinstance(a, str) else a for a in args]
                url = f"http://127.0.0.1:{HTTP_PORT}{args[0]}"
                subprocess.run(["curl", "-s", "-o", "/dev/null", url, *args[1:]], check=False, timeout=20)
                data = recorder.take()
                if data is None:
                    print(f"{server} {name}: no request reached the application")
                    continue
                (out / f"{name}.scgi").write_bytes(data)
                print(f"{server} {name}: {len(data)} bytes")
        finally:
            proc.terminate()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
