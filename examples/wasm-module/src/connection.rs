//! Connections over the host's sockets: the host moves bytes, the module decides.
//!
//! The host opens a slot per accepted socket ([`conn_open`]), writes each received chunk at
//! [`chunk_buffer`] and calls [`conn_feed`], tells the end of input with [`conn_eof`], and
//! does what the answer says: [`MORE`] (wait for more bytes), [`RESPOND`] (write the
//! [`conn_output_len`] bytes at [`conn_output`], then close), [`CLOSE`] (close without a
//! word). [`conn_close`] frees the slot. Every byte of every response, and every protocol
//! decision (what is a request, what is broken and with which status, when a request is
//! complete), is made here; the body is never held whole (`/upload`'s CRC-32 is computed
//! chunk by chunk).
//!
//! The application: `GET /hello`, `POST /upload` (length and CRC-32), `GET /env` (the
//! environment's pairs), `GET /stats` (counters), 404 for anything else; a broken request
//! gets its status hint (400, 431) and the connection closes.

use core::fmt::Write as _;
use core::sync::atomic::{AtomicU32, Ordering};

use crc::{CRC_32_ISO_HDLC, Crc, Digest};
use sioscgi::{Config, Environment, Error, Event, Reader, ResponseHead, Status, Writer, storage};

use crate::Cursor;

/// Connections served at once.
const SLOTS: usize = 16;
/// The most bytes the host passes per [`conn_feed`].
const CHUNK: usize = 16 * 1024;
/// The largest header block, and the pairs the storage indexes with a block that large.
const BLOCK_LEN: usize = 2048;
const PAIRS: usize = 64;
const STORAGE_LEN: usize = storage::len_for(BLOCK_LEN, PAIRS);
/// A response: the head and a body of at most a header block.
const OUTPUT: usize = BLOCK_LEN + 512;
/// Repeated names allowed: nginx passes repeated headers as repeated pairs.
const CONFIG: Config = Config::new()
    .max_block_len(BLOCK_LEN)
    .allow_repeated_names(true);
/// The largest body `/upload` takes; a larger one gets 413 before a byte of it is read.
const MAX_UPLOAD: u64 = 16 * 1024 * 1024;

/// [`conn_feed`] and [`conn_eof`]: wait for more input.
pub const MORE: i32 = 0;
/// Write the output, then close.
pub const RESPOND: i32 = 1;
/// Close without writing.
pub const CLOSE: i32 = 2;
/// No such open slot.
pub const INVALID: i32 = -1;

#[derive(Clone, Copy, PartialEq)]
enum Route {
    Hello,
    Upload,
    Env,
    Stats,
    /// The path exists; the method does not: the methods it takes.
    MethodNotAllowed(&'static str),
    NotFound,
}

struct Slot {
    open: bool,
    reader: Reader<[u8; STORAGE_LEN]>,
    route: Route,
    digest: Digest<'static, u32>,
    length: u64,
    output: [u8; OUTPUT],
    output_len: usize,
}

/// CRC-32 as zlib, Python's `zlib.crc32` and `cksum -a crc32b` compute it.
static CRC: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

impl Slot {
    fn new() -> Self {
        Self {
            open: true,
            reader: Reader::with_config([0; STORAGE_LEN], CONFIG),
            route: Route::NotFound,
            digest: CRC.digest(),
            length: 0,
            output: [0; OUTPUT],
            output_len: 0,
        }
    }

    fn reopen(&mut self) {
        self.open = true;
        self.reader.reset();
        self.route = Route::NotFound;
        self.digest = CRC.digest();
        self.length = 0;
        self.output_len = 0;
    }
}

struct Connections {
    slots: [Option<Slot>; SLOTS],
    chunk: [u8; CHUNK],
}

/// Made at the first call: a `static` with its value (an empty slot is not all zero bytes)
/// would put all of it in the module's data section, 120 KB of the file.
static CONNECTIONS: spin::Once<spin::Mutex<Connections>> = spin::Once::new();

fn connections() -> spin::MutexGuard<'static, Connections> {
    CONNECTIONS
        .call_once(|| {
            spin::Mutex::new(Connections {
                slots: [const { None }; SLOTS],
                chunk: [0; CHUNK],
            })
        })
        .lock()
}

/// Requests answered in full.
static ANSWERED: AtomicU32 = AtomicU32::new(0);
/// Connections refused for a broken request (answered with the status hint).
static REFUSED: AtomicU32 = AtomicU32::new(0);
/// Connections that ended otherwise (the peer left before its request was complete).
static FAILED: AtomicU32 = AtomicU32::new(0);

/// Where the host writes a received chunk before [`conn_feed`].
#[unsafe(no_mangle)]
pub extern "C" fn chunk_buffer() -> *mut u8 {
    connections().chunk.as_mut_ptr()
}

/// The most bytes per [`conn_feed`].
#[unsafe(no_mangle)]
pub extern "C" fn chunk_capacity() -> usize {
    CHUNK
}

/// Opens a slot for a new connection: its number, or [`INVALID`] when every slot is busy
/// (the host then closes the connection).
#[unsafe(no_mangle)]
pub extern "C" fn conn_open() -> i32 {
    let mut connections = connections();
    for (index, entry) in connections.slots.iter_mut().enumerate() {
        match entry {
            Some(slot) if slot.open => continue,
            Some(slot) => slot.reopen(),
            None => *entry = Some(Slot::new()),
        }
        return index as i32;
    }
    INVALID
}

/// Frees a slot (after the host closed its connection, for whatever reason).
#[unsafe(no_mangle)]
pub extern "C" fn conn_close(slot: i32) {
    let mut connections = connections();
    if let Some(Some(slot)) = usize::try_from(slot)
        .ok()
        .and_then(|i| connections.slots.get_mut(i))
    {
        slot.open = false;
    }
}

/// The response of a slot whose last call answered [`RESPOND`].
#[unsafe(no_mangle)]
pub extern "C" fn conn_output(slot: i32) -> *const u8 {
    let connections = connections();
    match usize::try_from(slot)
        .ok()
        .and_then(|i| connections.slots.get(i))
    {
        Some(Some(slot)) => slot.output.as_ptr(),
        _ => core::ptr::null(),
    }
}

/// The length of that response.
#[unsafe(no_mangle)]
pub extern "C" fn conn_output_len(slot: i32) -> usize {
    let connections = connections();
    match usize::try_from(slot)
        .ok()
        .and_then(|i| connections.slots.get(i))
    {
        Some(Some(slot)) => slot.output_len,
        _ => 0,
    }
}

/// Reads `len` bytes written at [`chunk_buffer`] into the slot's request.
#[unsafe(no_mangle)]
pub extern "C" fn conn_feed(slot: i32, len: usize) -> i32 {
    let mut guard = connections();
    let Connections { slots, chunk } = &mut *guard;
    let Some(Some(slot)) = usize::try_from(slot).ok().and_then(|i| slots.get_mut(i)) else {
        return INVALID;
    };
    if !slot.open {
        return INVALID;
    }
    let mut rest = chunk.get(..len).unwrap_or(&[]);
    // Until the reader wants more input: after the headers, a request without a body
    // ends with no further byte.
    loop {
        let (used, event) = match slot.reader.read(rest) {
            Ok(step) => step,
            Err(error) => return refuse(slot, error),
        };
        rest = rest.get(used..).unwrap_or(&[]);
        match event {
            Some(Event::Headers(env)) => {
                slot.route = route(&env);
                if slot.route == Route::Upload && env.content_length() > MAX_UPLOAD {
                    return text(slot, 413, "body too large\n");
                }
            }
            Some(Event::Body(data)) if slot.route == Route::Upload => {
                slot.digest.update(data);
                slot.length += data.len() as u64;
            }
            Some(Event::Body(_)) => {}
            Some(Event::End) => return respond(slot),
            None if used == 0 || rest.is_empty() => break,
            None => {}
        }
    }
    MORE
}

/// The peer closed its half: the request may be complete now (no body, its block the
/// last bytes), or cut short (nothing to answer: the peer is gone).
#[unsafe(no_mangle)]
pub extern "C" fn conn_eof(slot: i32) -> i32 {
    let mut guard = connections();
    let Some(Some(slot)) = usize::try_from(slot)
        .ok()
        .and_then(|i| guard.slots.get_mut(i))
    else {
        return INVALID;
    };
    if !slot.open {
        return INVALID;
    }
    match slot.reader.read_eof() {
        Ok(Some(Event::End)) => respond(slot),
        Ok(_) => CLOSE,
        Err(Error::RemotePrematureEof) => {
            FAILED.fetch_add(1, Ordering::Relaxed);
            CLOSE
        }
        Err(error) => refuse(slot, error),
    }
}

/// `true` if the request's path (without its query string) is `want`: nginx's
/// `DOCUMENT_URI`, else `SCRIPT_NAME` + `PATH_INFO`, else `REQUEST_URI` up to `?`.
fn path_is(env: &Environment<'_>, want: &[u8]) -> bool {
    if let Some(uri) = env.document_uri() {
        return uri == want;
    }
    let script = env.script_name().unwrap_or(b"");
    let info = env.path_info().unwrap_or(b"");
    if !script.is_empty() || !info.is_empty() {
        return want.len() == script.len() + info.len()
            && want.starts_with(script)
            && want.ends_with(info);
    }
    let uri = env.request_uri().unwrap_or(b"/");
    uri.split(|&b| b == b'?').next() == Some(want)
}

fn route(env: &Environment<'_>) -> Route {
    let method = env.request_method().unwrap_or(b"GET");
    let get = method == b"GET" || method == b"HEAD";
    let (found, allowed, methods) = if path_is(env, b"/hello") {
        (Route::Hello, get, "GET, HEAD")
    } else if path_is(env, b"/upload") {
        (
            Route::Upload,
            method == b"POST" || method == b"PUT",
            "POST, PUT",
        )
    } else if path_is(env, b"/env") {
        (Route::Env, get, "GET, HEAD")
    } else if path_is(env, b"/stats") {
        (Route::Stats, get, "GET, HEAD")
    } else {
        return Route::NotFound;
    };
    if allowed {
        found
    } else {
        Route::MethodNotAllowed(methods)
    }
}

/// Writes a response into the slot's output: the head, then `body` (given the body's
/// place in the output, after the head).
fn answer(
    slot: &mut Slot,
    code: u16,
    headers: &[(&str, &str)],
    body: impl FnOnce(&mut [u8]) -> usize,
) -> i32 {
    let mut writer = Writer::new();
    let written = ResponseHead::new(Some(Status::Code(code)), headers)
        .and_then(|head| writer.send_head(&head, &mut slot.output));
    let Ok(head_len) = written else {
        return CLOSE;
    };
    let Some(rest) = slot.output.get_mut(head_len..) else {
        return CLOSE;
    };
    let body_len = body(rest);
    // The writer checks the body against the response (none after a redirect, say).
    let Some(body) = rest.get(..body_len) else {
        return CLOSE;
    };
    if writer.send_body(body).is_err() || writer.send_end().is_err() {
        return CLOSE;
    }
    slot.output_len = head_len + body_len;
    ANSWERED.fetch_add(1, Ordering::Relaxed);
    RESPOND
}

fn text(slot: &mut Slot, code: u16, body: &str) -> i32 {
    text_with(slot, code, &[("Content-Type", "text/plain")], body)
}

fn text_with(slot: &mut Slot, code: u16, headers: &[(&str, &str)], body: &str) -> i32 {
    answer(slot, code, headers, |out| {
        let mut cursor = Cursor { buf: out, len: 0 };
        let _ = cursor.write_str(body);
        cursor.len
    })
}

/// The answer to a complete request.
fn respond(slot: &mut Slot) -> i32 {
    match slot.route {
        Route::Hello => text(slot, 200, "hello\n"),
        Route::Upload => {
            let mut line = [0u8; 48];
            let mut cursor = Cursor {
                buf: &mut line,
                len: 0,
            };
            let crc = core::mem::replace(&mut slot.digest, CRC.digest()).finalize();
            let _ = writeln!(cursor, "length={} crc32={crc:08x}", slot.length);
            let len = cursor.len;
            let line = core::str::from_utf8(line.get(..len).unwrap_or(&[])).unwrap_or("");
            text(slot, 200, line)
        }
        Route::Env => {
            // `NAME\0VALUE\0` becomes `NAME=VALUE\n`, as long as the block.
            let mut block = [0u8; BLOCK_LEN];
            let env = slot
                .reader
                .environment()
                .map(|env| env.as_bytes())
                .unwrap_or(&[]);
            let Some(copy) = block.get_mut(..env.len()) else {
                return CLOSE;
            };
            copy.copy_from_slice(env);
            let len = env.len();
            let headers = [("Content-Type", "text/plain; charset=iso-8859-1")];
            answer(slot, 200, &headers, |out| {
                let Some((out, from)) = out.get_mut(..len).zip(block.get(..len)) else {
                    return 0;
                };
                let mut separator = b'=';
                for (to, &byte) in out.iter_mut().zip(from) {
                    *to = if byte == 0 {
                        let this = separator;
                        separator = if separator == b'=' { b'\n' } else { b'=' };
                        this
                    } else {
                        byte
                    };
                }
                len
            })
        }
        Route::Stats => {
            let mut body = [0u8; 96];
            let mut cursor = Cursor {
                buf: &mut body,
                len: 0,
            };
            let _ = write!(
                cursor,
                "answered={}\nrefused={}\nfailed={}\n",
                ANSWERED.load(Ordering::Relaxed),
                REFUSED.load(Ordering::Relaxed),
                FAILED.load(Ordering::Relaxed),
            );
            let len = cursor.len;
            text(
                slot,
                200,
                core::str::from_utf8(body.get(..len).unwrap_or(&[])).unwrap_or(""),
            )
        }
        Route::MethodNotAllowed(methods) => {
            let headers = [("Content-Type", "text/plain"), ("Allow", methods)];
            text_with(slot, 405, &headers, "method not allowed\n")
        }
        Route::NotFound => text(slot, 404, "not found\n"),
    }
}

/// A broken request: its status hint, no body, then close.
fn refuse(slot: &mut Slot, error: Error) -> i32 {
    REFUSED.fetch_add(1, Ordering::Relaxed);
    let Some(code) = error.status_hint() else {
        return CLOSE;
    };
    let mut writer = Writer::new();
    let written = ResponseHead::new(Some(Status::Code(code)), &[])
        .and_then(|head| writer.send_head(&head, &mut slot.output));
    match written.and_then(|n| writer.send_end().map(|()| n)) {
        Ok(n) => {
            slot.output_len = n;
            RESPOND
        }
        Err(_) => CLOSE,
    }
}
