//! The server with a real axum `Router`, over TCP and a Unix socket: what a web server
//! sees on the SCGI side, hostile and idle peers, the connection bound, graceful shutdown,
//! quiet peers that go away.

use std::future::{Future, IntoFuture};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::{Extension, Request};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use sioscgi_tower::{CgiEnvironment, Config};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

fn app() -> Router {
    Router::new()
        .route(
            "/hello",
            get(|| async { ([(header::CONTENT_TYPE, "text/plain")], "hello\n") }),
        )
        .route(
            "/echo",
            post(|request: Request| async move { AxumBody::new(request.into_body()) }),
        )
        .route(
            "/client",
            get(|Extension(cgi): Extension<CgiEnvironment>| async move {
                format!("{:?} {}", cgi.remote_addr(), cgi.https())
            }),
        )
        .route(
            "/headers",
            get(|request: Request| async move { request.headers().len().to_string() }),
        )
        .route("/ignore-body", post(|| async { "ignored\n" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "slow\n"
            }),
        )
        .route(
            "/two-content-types",
            get(|| async {
                Response::builder()
                    .header("content-type", "text/plain")
                    .header("content-type", "text/html")
                    .body(AxumBody::from("x"))
                    .unwrap()
            }),
        )
        .route(
            "/short",
            get(|| async {
                Response::builder()
                    .header("content-length", "10")
                    .body(AxumBody::from("abc"))
                    .unwrap()
            }),
        )
        .route("/big", get(|| async { vec![b'z'; 4 << 20] }))
        .route("/panic", get(panicking))
        .route(
            "/status/{code}",
            get(
                |axum::extract::Path(code): axum::extract::Path<u16>| async move {
                    // As applications answer them: a 204 or a 304 without a body.
                    let body = if matches!(code, 204 | 304) {
                        ""
                    } else {
                        "status body"
                    };
                    let mut response = Response::new(AxumBody::from(body));
                    *response.status_mut() = StatusCode::from_u16(code).unwrap();
                    response
                        .headers_mut()
                        .insert(header::ETAG, "\"v1\"".parse().unwrap());
                    response
                },
            ),
        )
        .route(
            "/stream",
            get(|| async { AxumBody::new(Chunks(vec!["one ", "two ", "three"])) }),
        )
        .route(
            "/stream-buffered",
            get(|| async {
                (
                    [("x-accel-buffering", "yes")],
                    AxumBody::new(Chunks(vec!["a", "b"])),
                )
            }),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
}

/// A handler that panics before its first `.await`.
async fn panicking() -> &'static str {
    panic!("a handler that panics")
}

/// A body of pieces whose total length it does not say (a stream).
struct Chunks(Vec<&'static str>);

impl http_body::Body for Chunks {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        let next = (!self.0.is_empty()).then(|| self.0.remove(0));
        std::task::Poll::Ready(next.map(|piece| Ok(http_body::Frame::data(piece.into()))))
    }
}

/// A request as nginx sends it: `CONTENT_LENGTH`, `SCGI`, then `pairs`, then `body`.
fn scgi(method: &str, uri: &str, pairs: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let length = body.len().to_string();
    let mut block = Vec::new();
    let fixed = [
        ("CONTENT_LENGTH", length.as_str()),
        ("SCGI", "1"),
        ("REQUEST_METHOD", method),
        ("REQUEST_URI", uri),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("REMOTE_ADDR", "192.0.2.9"),
        ("REMOTE_PORT", "40000"),
    ];
    for (n, v) in fixed.iter().chain(pairs) {
        block.extend_from_slice(n.as_bytes());
        block.push(0);
        block.extend_from_slice(v.as_bytes());
        block.push(0);
    }
    let mut out = format!("{}:", block.len()).into_bytes();
    out.extend_from_slice(&block);
    out.push(b',');
    out.extend_from_slice(body);
    out
}

/// Sends `request`, reads the answer to the end.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, request: &[u8]) -> Vec<u8> {
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    answer
}

fn split(answer: &[u8]) -> (String, Vec<u8>) {
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head")
        + 4;
    (
        String::from_utf8_lossy(&answer[..end]).into_owned(),
        answer[end..].to_vec(),
    )
}

/// A TCP server on a free port, stopped when the returned sender is used or dropped.
async fn tcp_server(config: Config) -> (std::net::SocketAddr, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(
        sioscgi_tower::serve(listener, app())
            .config(config)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .into_future(),
    );
    (address, stop)
}

async fn request_get(address: std::net::SocketAddr, uri: &str, pairs: &[(&str, &str)]) -> Vec<u8> {
    let stream = TcpStream::connect(address).await.unwrap();
    exchange(stream, &scgi("GET", uri, pairs, b"")).await
}

#[tokio::test]
async fn hello_json_like_routes_and_404_over_tcp() {
    let (address, _stop) = tcp_server(Config::new()).await;
    let answer = request_get(address, "/hello", &[]).await;
    assert_eq!(
        answer,
        b"Content-Type: text/plain\r\nStatus: 200 OK\r\ncontent-length: 6\r\n\r\nhello\n"
    );
    let (head, body) = split(&request_get(address, "/client", &[("HTTPS", "on")]).await);
    assert!(head.contains("Status: 200 OK"), "{head}");
    assert_eq!(body, b"Some(192.0.2.9:40000) true");
    let (_, body) =
        split(&request_get(address, "/headers", &[("HTTP_A", "1"), ("HTTP_B", "2")]).await);
    assert_eq!(body, b"2");
    let (head, body) = split(&request_get(address, "/nowhere", &[]).await);
    assert!(head.contains("Status: 404 Not Found"), "{head}");
    assert_eq!(body, b"not found\n");
}

#[tokio::test]
async fn head_requests_get_the_head_only() {
    let (address, _stop) = tcp_server(Config::new()).await;
    let stream = TcpStream::connect(address).await.unwrap();
    let answer = exchange(stream, &scgi("HEAD", "/hello", &[], b"")).await;
    assert_eq!(
        answer,
        b"Content-Type: text/plain\r\nStatus: 200 OK\r\ncontent-length: 6\r\n\r\n"
    );
}

#[tokio::test]
async fn a_big_upload_is_streamed_back() {
    let (address, _stop) = tcp_server(Config::new()).await;
    let upload: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = scgi("POST", "/echo", &[], &upload);
    let (mut read, mut write) = stream.split();
    let (_, answer) = tokio::join!(write.write_all(&request), async {
        let mut answer = Vec::new();
        read.read_to_end(&mut answer).await.unwrap();
        answer
    });
    let (head, body) = split(&answer);
    assert!(head.contains("content-length: 3000000"), "{head}");
    assert!(body == upload, "the echo differs");
}

#[tokio::test]
async fn an_ignored_body_is_drained_and_the_answer_arrives_whole() {
    let (address, _stop) = tcp_server(Config::new()).await;
    let body = vec![b'x'; 200_000];
    let stream = TcpStream::connect(address).await.unwrap();
    let answer = exchange(stream, &scgi("POST", "/ignore-body", &[], &body)).await;
    let (head, body) = split(&answer);
    assert!(head.contains("Status: 200 OK"));
    assert_eq!(body, b"ignored\n");
}

#[tokio::test]
async fn bad_requests_get_their_status_without_the_service() {
    let (address, _stop) = tcp_server(Config::new()).await;
    // http cannot represent it: 400, with the reason.
    let stream = TcpStream::connect(address).await.unwrap();
    let answer = exchange(stream, &scgi("GE T", "/hello", &[], b"")).await;
    let (head, body) = split(&answer);
    assert!(head.contains("Status: 400 Bad Request"), "{head}");
    assert_eq!(body, b"REQUEST_METHOD is not a method\n");
    // The answer names the problem, never the peer's bytes.
    let stream = TcpStream::connect(address).await.unwrap();
    let answer = exchange(stream, &scgi("GET", "/", &[("HTTP_<B>", "1")], b"")).await;
    let (head, body) = split(&answer);
    assert!(head.contains("Status: 400 Bad Request"), "{head}");
    assert_eq!(body, b"a header name is not valid\n");
    // A broken netstring: the core's error and status hint.
    let stream = TcpStream::connect(address).await.unwrap();
    let answer = exchange(stream, b"05:abcde,").await;
    assert!(answer.starts_with(b"Content-Type: text/plain\r\nStatus: 400 Bad Request"));
    // Repeated names are allowed by default (two `Accept` lines), refused by a strict
    // configuration (the core's own default).
    let repeated = [("HTTP_ACCEPT", "a"), ("HTTP_ACCEPT", "b")];
    let (_, body) = split(&request_get(address, "/headers", &repeated).await);
    assert_eq!(body, b"2");
    let strict = Config::new().protocol(sioscgi_tower::sioscgi::Config::new());
    let (address, _stop) = tcp_server(strict).await;
    let (head, _) = split(&request_get(address, "/headers", &repeated).await);
    assert!(head.contains("400"), "{head}");
}

#[tokio::test]
async fn a_refused_request_with_a_big_body_still_gets_its_answer() {
    // 16 MB, more than loopback's socket buffers: the server answers 400 at once, then
    // reads the rest (up to its drain limit), so that its close does not reset the
    // connection while the peer is still sending, which would lose the answer.
    let config = Config::new()
        .drain_limit(32 << 20)
        .drain_timeout(Duration::from_secs(20));
    let (address, _stop) = tcp_server(config).await;
    let upload = vec![b'b'; 16 << 20];
    let stream = TcpStream::connect(address).await.unwrap();
    let answer = exchange(stream, &scgi("P O S T", "/echo", &[], &upload)).await;
    let (head, body) = split(&answer);
    assert!(head.contains("Status: 400 Bad Request"), "{head}");
    assert_eq!(body, b"REQUEST_METHOD is not a method\n");
    // The same for a broken netstring (the length of what follows is unknown: the rest
    // is read until the peer stops or the limit).
    let stream = TcpStream::connect(address).await.unwrap();
    let mut broken = b"05:abcde,".to_vec();
    broken.extend_from_slice(&upload);
    let mut stream = stream;
    let (mut read, mut write) = stream.split();
    let (sent, answer) = tokio::join!(
        async {
            let sent = write.write_all(&broken).await;
            let _ = write.shutdown().await;
            sent
        },
        async {
            let mut answer = Vec::new();
            read.read_to_end(&mut answer).await.map(|_| answer)
        }
    );
    sent.unwrap();
    assert!(
        answer
            .unwrap()
            .starts_with(b"Content-Type: text/plain\r\nStatus: 400 Bad Request")
    );
}

#[tokio::test]
async fn too_many_pairs_for_the_configured_storage_is_431() {
    // 3,000 pairs of ~14 bytes: a 42 KB block whose index (72 KB) fits the default
    // storage (64 KiB + 2,048 x 24 bytes), not storage for 16 pairs at the full limit.
    let names: Vec<String> = (0..3000).map(|i| format!("HTTP_X_{i}")).collect();
    let pairs: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
    let (address, _stop) = tcp_server(Config::new().max_pairs(16)).await;
    let (head, _) = split(&request_get(address, "/headers", &pairs).await);
    assert!(head.contains("Status: 431"), "{head}");
    let (address, _stop) = tcp_server(Config::new()).await;
    let (_, body) = split(&request_get(address, "/headers", &pairs).await);
    assert_eq!(body, b"3000");
}

#[tokio::test]
async fn a_response_that_breaks_a_cgi_rule_is_a_500() {
    let (address, _stop) = tcp_server(Config::new()).await;
    let (head, body) = split(&request_get(address, "/two-content-types", &[]).await);
    assert!(head.contains("Status: 500 Internal Server Error"), "{head}");
    assert_eq!(body, b"internal server error\n");
}

#[tokio::test]
async fn status_codes_as_hyper_answers_them() {
    let (address, _stop) = tcp_server(Config::new()).await;
    // A final status below 200 is a logged 500, never an interim head without a body.
    for code in [100, 103] {
        let (head, body) = split(&request_get(address, &format!("/status/{code}"), &[]).await);
        assert!(
            head.contains("Status: 500 Internal Server Error"),
            "{code}: {head}"
        );
        assert_eq!(body, b"internal server error\n");
    }
    // No length on a 204 and a 304 (axum set `content-length: 0`), no body either.
    for (code, line) in [(204, "204 No Content"), (304, "304 Not Modified")] {
        let answer = request_get(address, &format!("/status/{code}"), &[]).await;
        assert_eq!(
            String::from_utf8(answer).unwrap(),
            format!("Status: {line}\r\netag: \"v1\"\r\n\r\n")
        );
    }
    // A reason phrase for 418 (the http crate's), an empty one for 599.
    for (code, line) in [
        (418, "418 I'm a teapot"),
        (599, "599 "),
        (422, "422 Unprocessable Content"),
    ] {
        let (head, body) = split(&request_get(address, &format!("/status/{code}"), &[]).await);
        assert!(
            head.starts_with(&format!("Status: {line}\r\n")),
            "{code}: {head}"
        );
        assert!(head.contains("content-length: 11"), "{head}");
        assert_eq!(body, b"status body");
    }
    // HEAD: the head a GET has, no body.
    let stream = TcpStream::connect(address).await.unwrap();
    let answer = exchange(stream, &scgi("HEAD", "/status/200", &[], b"")).await;
    assert!(
        answer.ends_with(b"content-length: 11\r\n\r\n"),
        "{answer:?}"
    );
}

#[tokio::test]
async fn a_stream_is_marked_for_nginx_not_to_buffer() {
    let (address, _stop) = tcp_server(Config::new()).await;
    let (head, body) = split(&request_get(address, "/stream", &[]).await);
    assert!(head.contains("\r\nx-accel-buffering: no\r\n"), "{head}");
    assert!(!head.contains("content-length"), "{head}");
    assert_eq!(body, b"one two three");
    // The service's own choice stands; a body of known length is left alone.
    let (head, _) = split(&request_get(address, "/stream-buffered", &[]).await);
    assert!(head.contains("\r\nx-accel-buffering: yes\r\n"), "{head}");
    assert_eq!(head.matches("x-accel-buffering").count(), 1, "{head}");
    let (head, _) = split(&request_get(address, "/hello", &[]).await);
    assert!(!head.contains("x-accel-buffering"), "{head}");
    // HEAD of a stream: no body, nothing to mark.
    let stream = TcpStream::connect(address).await.unwrap();
    let answer = exchange(stream, &scgi("HEAD", "/stream", &[], b"")).await;
    assert!(!String::from_utf8_lossy(&answer).contains("x-accel-buffering"));
    // The switch turns it off.
    let (address, _stop) = tcp_server(Config::new().unbuffered_streams(false)).await;
    let (head, body) = split(&request_get(address, "/stream", &[]).await);
    assert!(!head.contains("x-accel-buffering"), "{head}");
    assert_eq!(body, b"one two three");
}

/// Handlers as they are written for `axum::serve`: the client's address from
/// `ConnectInfo`.
fn connect_info_app() -> Router {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    Router::new()
        .route(
            "/client",
            get(|ConnectInfo(client): ConnectInfo<SocketAddr>| async move { client.to_string() }),
        )
        .route(
            "/everything",
            get(
                |ConnectInfo(incoming): ConnectInfo<sioscgi_tower::IncomingRequest<SocketAddr>>| async move {
                    format!(
                        "{:?} {:?} {}",
                        incoming.remote_addr(),
                        incoming.server_addr(),
                        incoming.web_server_addr().ip()
                    )
                },
            ),
        )
}

#[tokio::test]
async fn the_client_address_is_axums_connect_info() {
    use std::net::SocketAddr;
    // The same code as behind `axum::serve`, three ways: the router itself, and both
    // make-services of axum.
    let pairs = [("SERVER_ADDR", "198.51.100.1"), ("SERVER_PORT", "443")];
    for way in 0..3 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let served = match way {
            0 => sioscgi_tower::serve(
                listener,
                connect_info_app().into_make_service_with_connect_info::<SocketAddr>(),
            )
            .into_future(),
            1 => {
                sioscgi_tower::serve(listener, connect_info_app().into_make_service()).into_future()
            }
            _ => sioscgi_tower::serve(listener, connect_info_app()).into_future(),
        };
        let server = tokio::spawn(served);
        let (head, body) = split(&request_get(address, "/client", &pairs).await);
        assert!(
            head.starts_with("Content-Type: text/plain; charset=utf-8\r\nStatus: 200 OK"),
            "{head}"
        );
        assert_eq!(body, b"192.0.2.9:40000", "{way}");
        server.abort();
    }
    // Everything the make-service was called with: the client, the address the web
    // server answered on, the web server's end of the SCGI connection.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let make = connect_info_app()
        .into_make_service_with_connect_info::<sioscgi_tower::IncomingRequest<SocketAddr>>();
    let server = tokio::spawn(sioscgi_tower::serve(listener, make).into_future());
    let (_, body) = split(&request_get(address, "/everything", &pairs).await);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "Some(192.0.2.9:40000) Some(198.51.100.1:443) 127.0.0.1"
    );
    server.abort();
}

#[tokio::test]
async fn a_client_without_an_ip_address_is_unspecified() {
    // nginx sends `REMOTE_ADDR` `unix:` for a client on a Unix socket: the handler still
    // gets its `ConnectInfo<SocketAddr>` (0.0.0.0:0), not a 500.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(sioscgi_tower::serve(listener, connect_info_app()).into_future());
    let mut block = Vec::new();
    for (n, v) in [
        ("CONTENT_LENGTH", "0"),
        ("SCGI", "1"),
        ("REQUEST_METHOD", "GET"),
        ("REQUEST_URI", "/client"),
        ("REMOTE_ADDR", "unix:"),
    ] {
        block.extend_from_slice(format!("{n}\0{v}\0").as_bytes());
    }
    let mut request = format!("{}:", block.len()).into_bytes();
    request.extend_from_slice(&block);
    request.push(b',');
    let stream = TcpStream::connect(address).await.unwrap();
    let (head, body) = split(&exchange(stream, &request).await);
    assert!(head.contains("Status: 200 OK"), "{head}");
    assert_eq!(body, b"0.0.0.0:0");
    server.abort();
}

#[tokio::test]
async fn a_connection_that_waits_does_not_hold_up_the_next() {
    // By default a connection runs first in the accept loop; one that waits (the 300 ms
    // service) continues as a task of its own, and the next is served meanwhile. The same
    // with every connection a task from the start.
    for first in [true, false] {
        let config = Config::new().first_in_accept_loop(first);
        let (address, _stop) = tcp_server(config).await;
        let slow = tokio::spawn(request_get(address, "/slow", &[]));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let answer = request_get(address, "/hello", &[]).await;
        assert!(answer.ends_with(b"hello\n"));
        assert!(
            !slow.is_finished(),
            "the quick one was not held up by the slow one"
        );
        assert!(slow.await.unwrap().ends_with(b"slow\n"));
    }
}

#[tokio::test]
async fn a_service_that_panics_loses_its_connection_not_the_server() {
    for first in [true, false] {
        let (address, _stop) = tcp_server(Config::new().first_in_accept_loop(first)).await;
        let answer = request_get(address, "/panic", &[]).await;
        assert!(answer.is_empty(), "{first}: closed without an answer");
        let answer = request_get(address, "/hello", &[]).await;
        assert!(answer.ends_with(b"hello\n"), "{first}: still serving");
    }
}

#[tokio::test]
async fn a_failing_service_is_a_500() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = tower_fn(|_| async { Err::<Response, _>(std::io::Error::other("boom")) });
    let make = sioscgi_tower::Shared::new(service);
    tokio::spawn(sioscgi_tower::serve(listener, make).into_future());
    let (head, _) = split(&request_get(address, "/", &[]).await);
    assert!(head.contains("Status: 500"), "{head}");
}

/// A service from a closure (tower's `service_fn`, without the dependency).
#[derive(Clone)]
struct TowerFn<F>(F);
fn tower_fn<F>(f: F) -> TowerFn<F> {
    TowerFn(f)
}
impl<F, Fut> tower_service::Service<http::Request<sioscgi_tower::Body>> for TowerFn<F>
where
    F: FnMut(http::Request<sioscgi_tower::Body>) -> Fut,
    Fut: Future<Output = Result<Response, std::io::Error>>,
{
    type Response = Response;
    type Error = std::io::Error;
    type Future = Fut;
    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), std::io::Error>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn call(&mut self, request: http::Request<sioscgi_tower::Body>) -> Fut {
        (self.0)(request)
    }
}

#[tokio::test]
async fn a_small_answer_leaves_in_one_write() {
    // The head and the body of /hello arrive together: the first read after the
    // request (which waits for the first segment) returns the whole answer.
    let (address, _stop) = tcp_server(Config::new()).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(&scgi("GET", "/hello", &[], b""))
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    let whole: &[u8] =
        b"Content-Type: text/plain\r\nStatus: 200 OK\r\ncontent-length: 6\r\n\r\nhello\n";
    assert_eq!(&buf[..n], whole);
}

#[tokio::test]
async fn idle_and_trickling_peers_do_not_hold_up_a_valid_request() {
    let config = Config::new().header_timeout(Duration::from_secs(30));
    let (address, _stop) = tcp_server(config).await;
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(address).await.unwrap());
    }
    let mut trickling = Vec::new();
    for _ in 0..200 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(b"100:CONTENT_LEN").await.unwrap();
        trickling.push(stream);
    }
    // Well under the header timeout, with 500 peers holding connections open.
    let answer = tokio::time::timeout(Duration::from_secs(10), request_get(address, "/hello", &[]))
        .await
        .expect("served while the others wait");
    assert!(answer.ends_with(b"hello\n"));
    drop(idle);
    drop(trickling);
}

#[tokio::test]
async fn a_silent_peer_is_closed_at_the_header_timeout() {
    let config = Config::new().header_timeout(Duration::from_millis(200));
    let (address, _stop) = tcp_server(config).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(b"100:CONTENT_LEN").await.unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .expect("closed by the server")
        .unwrap_or(0);
    assert_eq!(n, 0, "closed without an answer");
}

#[tokio::test]
async fn at_the_bound_the_oldest_peer_without_a_header_block_gives_way() {
    let config = Config::new()
        .max_connections(4)
        .header_timeout(Duration::from_secs(60));
    let (address, _stop) = tcp_server(config).await;
    // Peers that connect and leave at once (a port check) are never the ones closed to
    // make room: they are gone already, and closing them frees nothing.
    for _ in 0..3 {
        drop(TcpStream::connect(address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Twice the bound of idle peers, one at a time (the accept order is theirs).
    let mut idle = Vec::new();
    for _ in 0..8 {
        let stream = TcpStream::connect(address).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        idle.push(stream);
    }
    let answer = tokio::time::timeout(Duration::from_secs(10), request_get(address, "/hello", &[]))
        .await
        .expect("served long before the header timeout");
    assert!(answer.ends_with(b"hello\n"));
    // The five oldest were closed to make room, unanswered; the three newest still wait.
    for (i, stream) in idle.iter_mut().enumerate().take(5) {
        let mut buf = [0u8; 16];
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("peer {i} closed by the server"))
            .unwrap_or(0);
        assert_eq!(n, 0, "peer {i}: closed without an answer");
    }
    for stream in &idle[5..] {
        let mut buf = [0u8; 16];
        let still_open = matches!(stream.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
        assert!(still_open);
    }
}

#[tokio::test]
async fn the_bound_holds_new_connections_back_while_every_one_is_served() {
    let (address, _stop) = tcp_server(Config::new().max_connections(1)).await;
    // The one connection is past its header block (the service takes 300 ms): nothing
    // to close, so the next request waits for it.
    let slow = tokio::spawn(request_get(address, "/slow", &[]));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let waiting = tokio::spawn(request_get(address, "/hello", &[]));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished(), "served beyond the bound");
    assert!(slow.await.unwrap().ends_with(b"slow\n"));
    let answer = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("served once the slot is free")
        .unwrap();
    assert!(answer.ends_with(b"hello\n"));
}

#[tokio::test]
async fn a_shutdown_closes_silent_peers_at_once_and_finishes_started_requests() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let config = Config::new().header_timeout(Duration::from_secs(3600));
    let server = tokio::spawn(
        sioscgi_tower::serve(listener, app())
            .config(config)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .into_future(),
    );
    let mut silent = TcpStream::connect(address).await.unwrap();
    // Half a header block: mid-request, it gets to finish.
    let request = scgi("GET", "/hello", &[], b"");
    let mut halfway = TcpStream::connect(address).await.unwrap();
    halfway.write_all(&request[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buf))
        .await
        .expect("the silent peer is closed at once, not at the header timeout")
        .unwrap_or(0);
    assert_eq!(n, 0);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!server.is_finished(), "waits for the request under way");
    let answer = exchange(halfway, &request[10..]).await;
    assert!(answer.ends_with(b"hello\n"));
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("returns once the request is done")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn graceful_shutdown_finishes_what_is_in_flight() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(
        sioscgi_tower::serve(listener, app())
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .into_future(),
    );
    let in_flight = tokio::spawn(request_get(address, "/slow", &[]));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // No longer accepting: a new connection is refused or closed unanswered.
    if let Ok(mut late) = TcpStream::connect(address).await {
        let _ = late.write_all(&scgi("GET", "/hello", &[], b"")).await;
        let mut answer = Vec::new();
        let _ = late.read_to_end(&mut answer).await;
        assert!(answer.is_empty());
    }
    assert!(!server.is_finished(), "waits for the request in flight");
    let answer = in_flight.await.unwrap();
    assert!(answer.ends_with(b"slow\n"));
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("returns once the request is done")
        .unwrap()
        .unwrap();
}

/// Awaited inside a task, `serve` runs its loop in place: a `Serve` future dropped early
/// stops it, its listener closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_dropped_early_stops_accepting() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(sioscgi_tower::serve(listener, app()).into_future());
    let answer = request_get(address, "/hello", &[]).await;
    assert!(answer.ends_with(b"hello\n"), "served while it runs");
    server.abort();
    assert!(server.await.unwrap_err().is_cancelled());
    listener_closes(address).await;
}

/// Waits (at most 5 s) until nothing accepts at `address` any more: the listener of a
/// dropped server closes.
async fn listener_closes(address: std::net::SocketAddr) {
    let closed = async {
        while TcpStream::connect(address).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .expect("the listener closes once the server is dropped");
}

/// A listener that panics when asked for a connection.
struct Exploding;

impl sioscgi_tower::Listener for Exploding {
    type Read = tokio::io::Empty;
    type Write = tokio::io::Sink;
    type Addr = ();

    async fn accept(&mut self) -> std::io::Result<(Self::Read, Self::Write, ())> {
        panic!("the listener broke")
    }

    fn local_addr(&self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A panic in the accept loop reaches whoever awaits the server: in a task (the loop
/// runs in place) and in `main` (the loop is a task of its own).
#[test]
fn a_panic_in_the_accept_loop_reaches_the_caller() {
    let runtime = multi_thread_runtime();
    let in_task =
        runtime.block_on(runtime.spawn(sioscgi_tower::serve(Exploding, app()).into_future()));
    let panic = in_task.unwrap_err().into_panic();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"the listener broke"));
    let in_main = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(sioscgi_tower::serve(Exploding, app()).into_future())
    }));
    let panic = in_main.unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"the listener broke"));
}

fn multi_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// The thread that answered `/thread`: the accept loop's, since the request is whole
/// before the server starts, and so answered in the connection's first poll.
async fn answering_thread(config: Config) -> (String, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (sent, whole) = std::sync::mpsc::channel();
    let client = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.write_all(&scgi("GET", "/thread", &[], b"")).unwrap();
        sent.send(()).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        answer
    });
    whole.recv().unwrap();
    let router = Router::new().route(
        "/thread",
        get(|| async { format!("{:?}", std::thread::current().id()) }),
    );
    let server = sioscgi_tower::serve(listener, router).config(config);
    let answered = async {
        while !client.is_finished() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    tokio::select! {
        _ = server.into_future() => panic!("the server stopped"),
        () = answered => {}
    }
    let here = format!("{:?}", std::thread::current().id());
    let (_, body) = split(&client.join().unwrap());
    (here, String::from_utf8(body).unwrap())
}

/// Awaited in `main` on a multi-thread runtime, the accept loop runs on a worker (which
/// waits for the listener in epoll itself), unless the configuration says otherwise.
#[test]
fn awaited_in_main_the_accept_loop_runs_on_a_worker() {
    let runtime = multi_thread_runtime();
    let (main, loop_thread) = runtime.block_on(answering_thread(Config::new()));
    assert_ne!(main, loop_thread, "a worker answered");
    let (main, loop_thread) =
        runtime.block_on(answering_thread(Config::new().accept_loop_task(false)));
    assert_eq!(main, loop_thread, "in place when told");
    // In a task, in place: on the task's thread.
    let (task, loop_thread) = runtime
        .block_on(runtime.spawn(answering_thread(Config::new())))
        .unwrap();
    assert_eq!(task, loop_thread, "in place inside a task");
}

/// Dropped in `main`, the server stops accepting soon after: its task is aborted and a
/// worker drops it.
#[test]
fn dropped_in_main_the_server_stops_accepting() {
    let runtime = multi_thread_runtime();
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = sioscgi_tower::serve(listener, app()).into_future();
        let answer = tokio::select! {
            _ = server => panic!("the server stopped"),
            answer = request_get(address, "/hello", &[]) => answer,
        };
        assert!(answer.ends_with(b"hello\n"));
        listener_closes(address).await;
    });
}

/// The accept loop's own task logs to the subscriber of the thread that awaits `serve`,
/// as it did when it ran there.
#[test]
fn awaited_in_main_the_accept_loop_logs_to_the_callers_subscriber() {
    let (logged, _guard) = Logged::on_this_thread();
    let runtime = multi_thread_runtime();
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = sioscgi_tower::serve(listener, app()).into_future();
        tokio::select! {
            _ = server => panic!("the server stopped"),
            _ = request_get(address, "/two-content-types", &[]) => {}
        }
    });
    let log = String::from_utf8(logged.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("answered 500"), "{log:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn over_a_unix_socket() {
    let dir = std::env::temp_dir().join(format!("sioscgi-tower-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.sock");
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(
        sioscgi_tower::serve(listener, app())
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .into_future(),
    );
    let stream = tokio::net::UnixStream::connect(&path).await.unwrap();
    let answer = exchange(stream, &scgi("GET", "/hello", &[], b"")).await;
    assert!(answer.ends_with(b"\r\n\r\nhello\n"));
    let upload = vec![b'u'; 100_000];
    let mut stream = tokio::net::UnixStream::connect(&path).await.unwrap();
    let request = scgi("POST", "/echo", &[], &upload);
    let (mut read, mut write) = stream.split();
    let (_, answer) = tokio::join!(write.write_all(&request), async {
        let mut answer = Vec::new();
        read.read_to_end(&mut answer).await.unwrap();
        answer
    });
    assert_eq!(split(&answer).1, upload);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Collects what the server logs at `warn` and above.
#[derive(Clone, Default)]
struct Logged(Arc<Mutex<Vec<u8>>>);

impl Logged {
    /// A collector, made this thread's default subscriber until the guard drops.
    fn on_this_thread() -> (Self, tracing::subscriber::DefaultGuard) {
        let logged = Logged::default();
        let writer = logged.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_writer(move || writer.clone())
            .finish();
        (logged, tracing::subscriber::set_default(subscriber))
    }
}
impl std::io::Write for Logged {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test] // one thread: the subscriber below sees the server's tasks
async fn a_peer_that_leaves_early_is_not_logged_as_a_failure() {
    let (logged, _guard) = Logged::on_this_thread();
    let (address, _stop) = tcp_server(Config::new()).await;
    for _ in 0..5 {
        // Ask for 4 MiB, read a little, close: the server's writes fail with EPIPE or
        // ECONNRESET.
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(&scgi("GET", "/big", &[], b""))
            .await
            .unwrap();
        let mut some = [0u8; 1024];
        stream.read_exact(&mut some).await.unwrap();
        drop(stream);
        // And one that sends nothing at all (Apache's 411).
        drop(TcpStream::connect(address).await.unwrap());
        // And one that leaves in the middle of an upload being echoed: the response body
        // (the request body) fails.
        let mut stream = TcpStream::connect(address).await.unwrap();
        let upload = scgi("POST", "/echo", &[], &vec![b'e'; 100_000]);
        stream.write_all(&upload[..50_000]).await.unwrap();
        let mut some = [0u8; 100];
        stream.read_exact(&mut some).await.unwrap();
        drop(stream);
    }
    // Real failures are logged, once each: a response that breaks a rule, and a body
    // shorter than its length (its connection ended after what there was).
    let _ = request_get(address, "/two-content-types", &[]).await;
    let short = request_get(address, "/short", &[]).await;
    assert!(
        short.ends_with(b"\r\n\r\nabc"),
        "{:?}",
        String::from_utf8_lossy(&short)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = String::from_utf8(logged.0.lock().unwrap().clone()).unwrap();
    assert_eq!(log.lines().count(), 2, "{log}");
    assert!(log.contains("answered 500"), "{log}");
    assert!(
        log.contains("shorter than its length: 3 of 10 bytes"),
        "{log}"
    );
}

#[test]
fn a_connection_costs_no_buffer_it_does_not_use() {
    // Each connection's future is allocated, and moved, whole, whatever state it is in:
    // a buffer held across an await in a rare path (the scratch of the drain after a
    // refusal, once an array of 4 KiB) would be paid by every connection.
    let (_client, server) = tokio::io::duplex(64);
    let (read, write) = tokio::io::split(server);
    let config = Config::default();
    let connection = sioscgi_tower::serve_connection(read, write, app(), &config);
    let size = std::mem::size_of_val(&connection);
    assert!(size < 4096, "a connection's future is {size} bytes");
}
