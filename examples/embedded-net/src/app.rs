//! The application: `GET /hello`, `POST /upload` (length and CRC-32 of the body, computed
//! as it streams), `GET /env` (the environment's pairs), `GET /stats` (the firmware's
//! counters and stack high-water mark), 404 for anything else. Everything is written with
//! the crate's async driver into fixed buffers; nothing is buffered whole.

use core::fmt::Write as _;
use core::sync::atomic::{AtomicU32, Ordering};

use crc::{CRC_32_ISO_HDLC, Crc};
use embedded_io_async::{Read, Write};
use heapless::String;
use sioscgi::io::{Error, asynch::Request};
use sioscgi::{Environment, ResponseHead, Status, Storage};

use crate::stack_paint;

/// The CRC of `/upload`: CRC-32 as zlib, Python's `zlib.crc32` and `cksum -a crc32b` have it.
const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// The largest body `/upload` takes; a larger one gets 413 before a byte of it is read.
/// (A connection has 10 s in all: a slower upload is cut at the deadline.)
pub const MAX_UPLOAD: u64 = 16 * 1024 * 1024;

/// Requests answered in full.
pub static ANSWERED: AtomicU32 = AtomicU32::new(0);
/// Connections refused for a broken request (answered with the status hint).
pub static REFUSED: AtomicU32 = AtomicU32::new(0);
/// Connections that ended otherwise (the peer left, a timeout, an I/O error).
pub static FAILED: AtomicU32 = AtomicU32::new(0);

/// `true` if the request's path (without its query string) is `want`: nginx's
/// `DOCUMENT_URI`, else lighttpd's and Apache's `SCRIPT_NAME` + `PATH_INFO`, else
/// `REQUEST_URI` up to `?`.
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

enum Route {
    Hello,
    Upload,
    Env,
    Stats,
    /// The path exists; the method does not: the methods it takes.
    MethodNotAllowed(&'static str),
    NotFound,
}

fn route(env: &Environment<'_>) -> Route {
    let method = env.request_method().unwrap_or(b"GET");
    let get = method == b"GET" || method == b"HEAD";
    let (path_route, allowed, methods) = if path_is(env, b"/hello") {
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
        path_route
    } else {
        Route::MethodNotAllowed(methods)
    }
}

async fn text<T: Read + Write, S: Storage>(
    request: &mut Request<'_, T, S>,
    code: u16,
    body: &str,
) -> Result<(), Error<T::Error>> {
    let headers = [("Content-Type", "text/plain")];
    request
        .send_head(&ResponseHead::new(Some(Status::Code(code)), &headers)?)
        .await?;
    request.write_body(body.as_bytes()).await
}

/// Answers one request; `chunk` is where `/upload` reads the body into.
pub async fn handle<T: Read + Write, S: Storage>(
    request: &mut Request<'_, T, S>,
    chunk: &mut [u8],
) -> Result<(), Error<T::Error>> {
    match route(&request.environment()) {
        Route::Hello => text(request, 200, "hello\n").await,
        Route::Upload if request.body_remaining() > MAX_UPLOAD => {
            text(request, 413, "body too large\n").await
        }
        Route::Upload => {
            let mut digest = CRC32.digest();
            let mut length = 0u64;
            loop {
                let n = request.read_body(chunk).await?;
                if n == 0 {
                    break;
                }
                digest.update(&chunk[..n]);
                length += n as u64;
            }
            let mut line = String::<48>::new();
            let _ = writeln!(line, "length={length} crc32={:08x}", digest.finalize());
            text(request, 200, &line).await
        }
        Route::Env => {
            let headers = [("Content-Type", "text/plain; charset=iso-8859-1")];
            request
                .send_head(&ResponseHead::new(Some(Status::Code(200)), &headers)?)
                .await?;
            // `NAME\0VALUE\0` becomes `NAME=VALUE\n`: as long as the block, which fits
            // `chunk` (at least the reader's block limit).
            let block = request.environment().as_bytes();
            let Some(out) = chunk.get_mut(..block.len()) else {
                return text(request, 500, "environment larger than the buffer\n").await;
            };
            out.copy_from_slice(block);
            let mut separator = b'=';
            for byte in out.iter_mut().filter(|b| **b == 0) {
                *byte = separator;
                separator = if separator == b'=' { b'\n' } else { b'=' };
            }
            request.write_body(out).await
        }
        Route::Stats => {
            let (used, size) = stack_paint::high_water();
            let mut body = String::<160>::new();
            let _ = write!(
                body,
                "answered={}\nrefused={}\nfailed={}\nstack_used={used}\nstack_size={size}\n",
                ANSWERED.load(Ordering::Relaxed),
                REFUSED.load(Ordering::Relaxed),
                FAILED.load(Ordering::Relaxed),
            );
            text(request, 200, &body).await
        }
        Route::MethodNotAllowed(methods) => {
            let headers = [("Content-Type", "text/plain"), ("Allow", methods)];
            request
                .send_head(&ResponseHead::new(Some(Status::Code(405)), &headers)?)
                .await?;
            request.write_body(b"method not allowed\n").await
        }
        Route::NotFound => text(request, 404, "not found\n").await,
    }
}
