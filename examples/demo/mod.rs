//! The demo application of `server.rs` and `server_tokio.rs`: the routes and pages, with
//! no I/O (each server drives the body and the response itself).
#![allow(dead_code)]

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use sioscgi::Environment;

/// Requests answered since start (served at `/stats`).
pub static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Bodies up to this size are echoed by `/echo`; larger ones get 413.
pub const ECHO_LIMIT: u64 = 16 << 20;

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/`: the environment as a page.
    Index,
    /// `/echo`: the body back, with its SHA-256 in `X-Body-SHA256`.
    Echo,
    /// `/upload`: the body streamed and summarized (length and SHA-256).
    Upload,
    /// `/redirect`: a CGI local redirect to `/`.
    Redirect,
    /// `/moved`: a client redirect (302, with a short document) to `/` on the same host.
    Moved,
    /// `/stats`: the number of requests answered.
    Stats,
    /// `/bytes?n=N`: N bytes of a fixed pattern (byte `i` is `i * 7 % 251`), at most 64 MiB.
    Bytes,
    /// Anything else: 404.
    NotFound,
}

/// The path the web server resolved, without the query string: nginx sends it as
/// `DOCUMENT_URI`; lighttpd and Apache as `SCRIPT_NAME` + `PATH_INFO` (after an Apache
/// internal redirect these name the new target, while `REQUEST_URI` keeps the original).
/// Borrowed from the request unless two variables must be joined.
pub fn path<'a>(env: &Environment<'a>) -> Cow<'a, [u8]> {
    if let Some(uri) = env.document_uri() {
        return Cow::Borrowed(uri);
    }
    let script = env.script_name().unwrap_or(b"");
    let info = env.path_info().unwrap_or(b"");
    match (script.is_empty(), info.is_empty()) {
        (false, false) => return Cow::Owned([script, info].concat()),
        (false, true) => return Cow::Borrowed(script),
        (true, false) => return Cow::Borrowed(info),
        (true, true) => {}
    }
    let uri = env.request_uri().unwrap_or(b"/");
    Cow::Borrowed(uri.split(|&b| b == b'?').next().unwrap_or(b"/"))
}

pub fn route(env: &Environment<'_>) -> Route {
    match &*path(env) {
        b"/" => Route::Index,
        b"/echo" => Route::Echo,
        b"/upload" => Route::Upload,
        b"/redirect" => Route::Redirect,
        b"/moved" => Route::Moved,
        b"/stats" => Route::Stats,
        b"/bytes" => Route::Bytes,
        _ => Route::NotFound,
    }
}

fn html_escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'<' => out.push_str("&lt;"),
            b'>' => out.push_str("&gt;"),
            b'&' => out.push_str("&amp;"),
            b'"' => out.push_str("&quot;"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// `/`: the environment as an HTML page.
pub fn index_page(env: &Environment<'_>) -> String {
    let mut page = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>sioscgi</title></head><body>\n\
         <h1>Hello from sioscgi</h1>\n<table>\n",
    );
    for (name, value) in env.iter() {
        let _ = writeln!(
            page,
            "<tr><th>{}</th><td>{}</td></tr>",
            html_escape(name),
            html_escape(value)
        );
    }
    page.push_str("</table>\n</body></html>\n");
    page
}

/// `404`: a short page.
pub fn not_found_page(env: &Environment<'_>) -> String {
    format!(
        "<!doctype html>\n<h1>404 Not Found</h1>\n<p>{}</p>\n",
        html_escape(&path(env))
    )
}

/// `/moved`: where the client is sent.
pub fn moved_location(env: &Environment<'_>) -> String {
    let host = env
        .http_host()
        .or(env.server_name())
        .unwrap_or(b"localhost");
    format!("http://{}/", String::from_utf8_lossy(host))
}

/// A SHA-256 as lower-case hex.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Streams a body through SHA-256.
#[derive(Default)]
pub struct Summary {
    pub len: u64,
    hasher: Sha256,
}

impl Summary {
    pub fn update(&mut self, data: &[u8]) {
        self.len += data.len() as u64;
        self.hasher.update(data);
    }
    pub fn finish(self) -> (u64, String) {
        (self.len, hex(&self.hasher.finalize()))
    }
}

/// `/upload`'s answer.
pub fn upload_text(len: u64, sha256: &str) -> String {
    format!("length={len}\nsha256={sha256}\n")
}

/// `/stats`' answer.
pub fn stats_text() -> String {
    format!("requests={}\n", REQUESTS.load(Ordering::Relaxed))
}

/// One log line per request.
pub fn log_line(env: Option<&Environment<'_>>, status: u16, millis: u128, outcome: &str) -> String {
    let get = |name: &str| {
        env.and_then(|e| e.get(name))
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    format!(
        "{} {} {} -> {status} in {millis} ms{outcome}",
        get("REMOTE_ADDR").unwrap_or_else(|| "-".into()),
        get("REQUEST_METHOD").unwrap_or_else(|| "-".into()),
        get("REQUEST_URI").unwrap_or_else(|| "-".into()),
    )
}

/// `/moved`'s document.
pub fn moved_page(location: &str) -> String {
    format!(
        "<!doctype html>\n<p>Moved to <a href=\"{0}\">{0}</a>.</p>\n",
        html_escape(location.as_bytes())
    )
}

/// The largest `/bytes` answer.
pub const BYTES_LIMIT: u64 = 64 << 20;

/// `n` from `/bytes?n=N` (0 if absent or invalid, capped at [`BYTES_LIMIT`]).
pub fn bytes_wanted(env: &Environment<'_>) -> u64 {
    let from_uri = || {
        let uri = env.request_uri().unwrap_or(b"");
        uri.iter()
            .position(|&b| b == b'?')
            .and_then(|i| uri.get(i + 1..))
    };
    let query = env.query_string().or_else(from_uri).unwrap_or(b"");
    query
        .split(|&b| b == b'&')
        .find_map(|kv| kv.strip_prefix(b"n="))
        .and_then(|n| std::str::from_utf8(n).ok()?.parse::<u64>().ok())
        .unwrap_or(0)
        .min(BYTES_LIMIT)
}

/// `n` in decimal, written at the end of `buf` (without allocating).
pub fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).unwrap_or("0")
}

/// Fills `out` with the `/bytes` pattern starting at byte `offset`.
pub fn fill_pattern(out: &mut [u8], offset: u64) {
    for (i, b) in out.iter_mut().enumerate() {
        *b = ((offset + i as u64) * 7 % 251) as u8;
    }
}
