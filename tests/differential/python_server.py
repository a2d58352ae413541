#!/usr/bin/env python3
"""An SCGI application on the Python reference (sioscgi 5.0.0), for testing our client.

Usage: python_server.py PORTFILE COUNT

Listens on 127.0.0.1 (a free port, written to PORTFILE), serves COUNT connections, then
exits. Each answer is a document whose body lists the environment as NAME=VALUE lines
(latin-1) followed by "body=" and the request body; the path /redirect answers a client
redirect instead, and /local a local redirect.
"""

from __future__ import annotations

import socket
import sys

import sioscgi.request as req
import sioscgi.response as resp


def handle(conn: socket.socket) -> None:
    reader = req.SCGIReader()
    writer = resp.SCGIWriter()
    env: dict[str, bytes] = {}
    body = b""
    done = False
    while not done:
        data = conn.recv(65536)
        reader.receive_data(data)
        while (event := reader.next_event()) is not None:
            if isinstance(event, req.Headers):
                env = event.environment
            elif isinstance(event, req.Body):
                body += event.data
            elif isinstance(event, req.End):
                done = True
        if not data:
            break
    uri = env.get("REQUEST_URI", b"").decode("latin-1")
    if uri == "/redirect":
        head = resp.Headers("302 Found", [("Location", "https://example.com/"), ("Content-Type", "text/plain")])
        out = writer.send(head) + writer.send(resp.Body(b"moved\n"))
    elif uri == "/local":
        out = writer.send(resp.Headers(None, [("Location", "/elsewhere")]))
    else:
        text = b"".join(k.encode("latin-1") + b"=" + v + b"\n" for k, v in env.items())
        head = resp.Headers("200 OK", [("Content-Type", "text/plain"), ("X-Server", "python-sioscgi")])
        out = writer.send(head) + writer.send(resp.Body(text + b"body=" + body))
    writer.send(resp.End())
    conn.sendall(out)
    conn.close()


def main() -> int:
    portfile, count = sys.argv[1], int(sys.argv[2])
    with socket.create_server(("127.0.0.1", 0)) as server:
        with open(portfile, "w") as f:
            f.write(str(server.getsockname()[1]))
        server.settimeout(60)
        for _ in range(count):
            conn, _ = server.accept()
            with conn:
                conn.settimeout(30)
                handle(conn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
