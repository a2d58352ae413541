//! The e2e suite's reference backend: what an SCGI backend costs when it does nothing.
//!
//! ```text
//! null_backend --listen 127.0.0.1:4000 [--accept-on-worker]
//! null_backend --unix /tmp/sioscgi.sock [--accept-on-worker]
//! ```
//!
//! tokio, one task per connection; no protocol checks: it reads until the netstring's
//! length says the header block is complete, skips `CONTENT_LENGTH` body bytes (found by
//! a plain search), answers a fixed `hello\n` in one write and closes. Never run it
//! facing anything but a benchmark: it trusts its peer.
//!
//! Its accept loop runs in the task `main` awaits, as most tokio servers have it; with
//! `--accept-on-worker`, as a task of its own on a worker thread (as `sioscgi-tower`'s
//! `serve` runs it): the same backend in the runtime shape of the protocol's backends.

use sioscgi_benches::backend::{self, Address};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

const ANSWER: &[u8] =
    b"Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n";

/// The request's length up to the end of the body, once `buf` shows it.
fn request_len(buf: &[u8]) -> Option<usize> {
    let colon = buf.iter().position(|&b| b == b':')?;
    let block_len: usize = std::str::from_utf8(&buf[..colon]).ok()?.parse().ok()?;
    let block_end = colon + 1 + block_len;
    let block = buf.get(colon + 1..block_end)?;
    let key = b"CONTENT_LENGTH\0";
    let at = block.windows(key.len()).position(|w| w == key)? + key.len();
    let value = &block[at..];
    let value = &value[..value.iter().position(|&b| b == 0)?];
    let body: usize = std::str::from_utf8(value).ok()?.parse().ok()?;
    Some(block_end + 1 + body)
}

async fn connection<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut have = 0;
    loop {
        if have == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        match stream.read(&mut buf[have..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => have += n,
        }
        if let Some(total) = request_len(&buf[..have]) {
            let mut left = total.saturating_sub(have);
            while left > 0 {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => left = left.saturating_sub(n),
                }
            }
            let _ = stream.write_all(ANSWER).await;
            return;
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let serve = async {
        match Address::from_args() {
            Some(Address::Unix(path)) => {
                backend::serve_unix("null_backend", &path, connection).await
            }
            Some(Address::Tcp(_)) => backend::serve("null_backend", connection).await,
            None => backend::usage("null_backend"),
        }
    };
    if std::env::args().any(|arg| arg == "--accept-on-worker") {
        match tokio::spawn(serve).await {
            Ok(served) => served,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    } else {
        serve.await
    }
}
