#!/usr/bin/env python3
"""An SCGI backend on asyncio with the 5.x API of whichever `sioscgi` is importable.

    asyncio_backend.py --listen 127.0.0.1:4000

One task per connection: the request is read with `SCGIReader` until `End` (the body
read and dropped), then `hello\\n` is answered through `SCGIWriter` in one write and the
connection closed. It is what `run.py` puts behind nginx to compare the CPU time per
request of the original package and this one: the asyncio overhead is the same; the
protocol work differs.
"""

from __future__ import annotations

import asyncio
import sys

import sioscgi.request as rq
import sioscgi.response as rs

ANSWER_HEADERS = [("Content-Type", "text/plain"), ("Content-Length", "6")]


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    scgi = rq.SCGIReader()
    try:
        done = False
        while not done:
            data = await reader.read(65536)
            scgi.receive_data(data)
            while (event := scgi.next_event()) is not None:
                if isinstance(event, rq.End):
                    done = True
            if not data and not done:
                return
        out = rs.SCGIWriter()
        answer = out.send(rs.Headers("200 OK", ANSWER_HEADERS))
        answer += out.send(rs.Body(b"hello\n"))
        out.send(rs.End())
        writer.write(answer)
        await writer.drain()
    except (rq.Error, ConnectionError):
        pass
    finally:
        writer.close()


async def main(host: str, port: int) -> None:
    server = await asyncio.start_server(serve, host, port, backlog=1024)
    print(f"asyncio backend on {host}:{port}", file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--listen":
        print("usage: asyncio_backend.py --listen HOST:PORT", file=sys.stderr)
        sys.exit(2)
    host, _, port = sys.argv[2].rpartition(":")
    asyncio.run(main(host, int(port)))
