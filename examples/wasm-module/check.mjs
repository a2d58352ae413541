// Loads the sioscgi WASM module under node, feeds it SCGI requests and checks the answers.
// Usage: node check.mjs MODULE.wasm CAPTURE.scgi...
// Exit status 0 when every check passed.
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

const [wasmPath, ...captures] = process.argv.slice(2);
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
const { memory, input_buffer, input_capacity, output_buffer, handle } = instance.exports;

/** Runs one request through the module; returns the response as latin-1 text. */
function respond(bytes) {
  assert.ok(bytes.length <= input_capacity(), 'request fits the input buffer');
  new Uint8Array(memory.buffer, input_buffer(), bytes.length).set(bytes);
  const n = handle(bytes.length);
  assert.ok(n > 0, 'a response was produced');
  return Buffer.from(new Uint8Array(memory.buffer, output_buffer(), n)).toString('latin1');
}

/** What the module should say about a request, computed here independently. */
function expected(bytes) {
  const colon = bytes.indexOf(0x3a);
  const blockLength = Number(bytes.subarray(0, colon).toString('latin1'));
  const block = bytes.subarray(colon + 1, colon + 1 + blockLength).toString('latin1').split('\0');
  const env = new Map();
  for (let i = 0; i + 1 < block.length; i += 2) env.set(block[i], block[i + 1]);
  const body = bytes.subarray(colon + 1 + blockLength + 1);
  const sum = body.reduce((s, b) => (s + b) >>> 0, 0);
  return [
    'Content-Type: text/plain\r\nStatus: 200 OK\r\n\r\n',
    `method=${env.get('REQUEST_METHOD')}\n`,
    `uri=${env.get('REQUEST_URI')}\n`,
    `variables=${env.size}\n`,
    `body_length=${body.length}\n`,
    `body_sum=${sum}\n`,
  ].join('');
}

let passed = 0;
let failed = 0;
function check(name, fn) {
  try {
    fn();
    passed += 1;
  } catch (e) {
    failed += 1;
    console.error(`FAIL ${name}: ${e.message}`);
  }
}

for (const path of captures) {
  const bytes = readFileSync(path);
  check(path, () => assert.equal(respond(bytes), expected(bytes)));
  // The module keeps no state between requests: the same answer again.
  check(`${path} again`, () => assert.equal(respond(bytes), expected(bytes)));
}
check('a broken length prefix gets 400', () =>
  assert.equal(respond(Buffer.from('+70:')), 'Content-Type: text/plain\r\nStatus: 400 Bad Request\r\n\r\nerror=BadNetstringLength\n'));
check('a cut request gets its error', () =>
  assert.equal(respond(Buffer.from('24:CONTENT_LENGTH\0')), 'Content-Type: text/plain\r\nStatus: 500 Internal Server Error\r\n\r\nerror=RemotePrematureEof\n'));
check('an oversized block gets 431', () =>
  assert.match(respond(Buffer.from('99999999:')), /^Content-Type: text\/plain\r\nStatus: 431 Request Header Fields Too Large\r\n\r\nerror=HeadersTooLarge\n$/));

console.log(`wasm module under node ${process.version}: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
