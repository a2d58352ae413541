//! The e2e suite's peer backend: `tokio-scgi` 0.2.4's codec, served the way its own
//! example server does (a `Framed` per connection on tokio, one task each), answering
//! `hello\n`.
//!
//! ```text
//! tokio_scgi_backend --listen 127.0.0.1:4000
//! ```

use bytes::BytesMut;
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_scgi::server::{SCGICodec, SCGIRequest};
use tokio_util_06::codec::Framed;

const ANSWER: &[u8] =
    b"Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n";

/// Counts body bytes down; `true` once the whole body came.
fn body_done(body: &BytesMut, left: &mut usize) -> bool {
    *left = left.saturating_sub(body.len());
    *left == 0
}

async fn connection(stream: TcpStream) {
    let mut framed = Framed::new(stream, SCGICodec::new());
    let mut left = 0usize;
    while let Some(event) = framed.next().await {
        let done = match event {
            Ok(SCGIRequest::Request(headers, body)) => {
                left = headers
                    .iter()
                    .find(|(n, _)| n == "CONTENT_LENGTH")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                body_done(&body, &mut left)
            }
            Ok(SCGIRequest::BodyFragment(body)) => body_done(&body, &mut left),
            Err(_) => return,
        };
        if done {
            let _ = framed.send(ANSWER.to_vec()).await;
            return;
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    sioscgi_benches::backend::serve("tokio_scgi_backend", connection).await
}
