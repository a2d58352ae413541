// The WASM module behind a real socket: a Node server (node:net, no framework) that only
// moves bytes between its sockets and the module. The module (src/connection.rs) reads
// each request as it arrives, decides everything (what is complete, what is broken and
// with which status) and makes every response byte; this file writes those bytes and
// closes when the module says so.
//
// Usage: node serve.mjs MODULE.wasm [PORT]  (listens on 127.0.0.1:PORT, default 4000)
// Time is the host's (the module has no clock): a connection has 10 s from accept to close,
// however it trickles; after the answer, 2 s for the peer to close its half.
import { readFileSync } from 'node:fs';
import net from 'node:net';

const [wasmPath, portArg] = process.argv.slice(2);
const port = Number(portArg ?? 4000);
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
const m = instance.exports;
const MORE = 0;
const RESPOND = 1;
const DEADLINE_MS = 10_000;
const LINGER_MS = 2_000;
const capacity = m.chunk_capacity();

const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  const slot = m.conn_open();
  if (slot < 0) {
    // Every slot is busy: the module has no room for this connection.
    socket.destroy();
    return;
  }
  let open = true;
  const release = () => {
    if (open) {
      open = false;
      m.conn_close(slot);
    }
  };
  // An absolute deadline (socket.setTimeout would be an idle timeout, which a peer sending
  // a byte now and then never reaches).
  let timer = setTimeout(() => {
    release();
    socket.destroy();
  }, DEADLINE_MS);
  socket.on('close', () => clearTimeout(timer));
  // What the module answered: MORE, or the end of this connection.
  const act = (step) => {
    if (step === MORE) return false;
    if (step === RESPOND) {
      const out = new Uint8Array(m.memory.buffer, m.conn_output(slot), m.conn_output_len(slot));
      socket.end(Buffer.from(out)); // copied: the slot's memory is reused
    } else {
      socket.end();
    }
    release();
    // Whatever the peer still sends (an unread body) is read and dropped, for a while.
    clearTimeout(timer);
    timer = setTimeout(() => socket.destroy(), LINGER_MS);
    return true;
  };
  socket.on('data', (data) => {
    if (!open) return;
    for (let at = 0; at < data.length; at += capacity) {
      const piece = data.subarray(at, at + capacity);
      new Uint8Array(m.memory.buffer, m.chunk_buffer(), piece.length).set(piece);
      if (act(m.conn_feed(slot, piece.length))) return;
    }
  });
  socket.on('end', () => {
    if (open) act(m.conn_eof(slot));
  });
  socket.on('error', release);
  socket.on('close', release);
});

server.listen(port, '127.0.0.1', () => {
  console.log(`wasm-module: serving SCGI on 127.0.0.1:${port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
