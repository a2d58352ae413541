//! An axum application served over SCGI: put it behind nginx, lighttpd or Apache.
//!
//! ```text
//! cargo run -p sioscgi-tower --example axum -- --listen 127.0.0.1:4000
//! cargo run -p sioscgi-tower --example axum -- --unix /tmp/app.sock
//!     [--max-connections N] [--header-timeout SECONDS] [--quiet | --verbose]
//! ```
//!
//! - `GET /hello`: `hello\n` (`text/plain`);
//! - `POST /echo`: the request body, sent back (up to 100 MiB, else 413);
//! - `GET /json`: `{"method", "uri", "remote_addr", "headers"}` (the number of headers);
//! - `GET /headers`: every header, `{"name": ["value", ...]}` (repeated ones in order);
//! - `GET /client`: the client's address, from axum's `ConnectInfo<SocketAddr>`;
//! - `GET /events`: five server-sent events, 300 ms apart (`text/event-stream`);
//! - anything else: 404.
//!
//! `--http ADDR:PORT` serves the same application over HTTP with `axum::serve` instead
//! (the end-to-end suite's reference: nginx `proxy_pass` to it).
//!
//! The echo reads the whole body before it answers, as every SCGI application must for a
//! body larger than the socket buffers: nginx stops sending the request body once the
//! response head arrives, and Apache reads nothing of the response until it has sent the
//! whole body, so an answer that streams the body back while it comes stalls behind them
//! (lighttpd copes). The server itself never buffers the upload: the handler reads it as
//! it comes.
//!
//! Ctrl-C (or SIGTERM) stops it gracefully: it stops accepting and finishes the requests
//! in flight. It logs warnings and errors (a failed service, a response that breaks a CGI
//! rule, an I/O failure that is not a peer going away); `--verbose` adds refused requests,
//! timeouts and peers that went away, `--quiet` leaves errors only.
//!
//! With `--unix`, the socket is made writable by every local user (mode 0666), so that
//! the web server's workers (`www-data`, `nobody`) can connect; in production, give the
//! socket to a group the web server is in instead.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Extension, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json};
use axum::routing::{get, post};
use http_body::Frame;
use sioscgi_tower::{CgiEnvironment, Config};

const USAGE: &str = "usage: axum (--listen ADDR:PORT | --unix PATH | --http ADDR:PORT) [--max-connections N] \
                     [--header-timeout SECONDS] [--quiet | --verbose]";

/// The application.
fn app() -> Router {
    Router::new()
        .route("/hello", get(hello))
        .route("/echo", post(echo).layer(DefaultBodyLimit::max(ECHO_LIMIT)))
        .route("/json", get(json))
        .route("/headers", get(headers))
        .route("/client", get(client))
        .route("/events", get(events))
        .fallback(not_found)
}

/// Every header, repeated ones in order (nginx passes each line as a pair of its own).
async fn headers(headers: HeaderMap) -> impl IntoResponse {
    let mut all = serde_json::Map::new();
    for name in headers.keys() {
        let values = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned().into())
            .collect();
        all.insert(name.as_str().to_owned(), serde_json::Value::Array(values));
    }
    Json(all)
}

/// The client's address, as behind `axum::serve`: the web server's client, not the web
/// server.
async fn client(ConnectInfo(client): ConnectInfo<SocketAddr>) -> String {
    format!("{client}\n")
}

/// Server-sent events: `data: N` every 300 ms, five of them (a body of unknown length:
/// the server marks it `X-Accel-Buffering: no` for nginx).
async fn events() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::new(Ticks {
            sent: 0,
            next: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }),
    )
}

/// The body of `/events`.
struct Ticks {
    sent: u32,
    next: Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for Ticks {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.sent == 5 {
            return Poll::Ready(None);
        }
        ready!(self.next.as_mut().poll(cx));
        self.sent += 1;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
        self.next.as_mut().reset(deadline);
        let event = format!("data: {}\n\n", self.sent);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(event)))))
    }
}

async fn hello() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain")], "hello\n")
}

/// The largest body `/echo` sends back.
const ECHO_LIMIT: usize = 100 << 20;

/// The whole body, read as it comes, then sent back with its content type.
async fn echo(headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(header::HeaderValue::from_static("application/octet-stream"));
    ([(header::CONTENT_TYPE, content_type)], body)
}

async fn json(Extension(cgi): Extension<CgiEnvironment>, request: Request) -> impl IntoResponse {
    Json(serde_json::json!({
        "method": request.method().as_str(),
        "uri": request.uri().to_string(),
        "remote_addr": cgi.remote_addr().map(|a| a.to_string()),
        "headers": request.headers().len(),
    }))
}

async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found\n")
}

enum Address {
    Tcp(String),
    Http(String),
    #[cfg(unix)]
    Unix(std::path::PathBuf),
}

struct Options {
    address: Address,
    config: Config,
    level: tracing::Level,
}

fn parse_args() -> Result<Options, String> {
    let mut address = None;
    let mut config = Config::new();
    let mut level = tracing::Level::WARN;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--listen" => address = Some(Address::Tcp(value("--listen")?)),
            "--http" => address = Some(Address::Http(value("--http")?)),
            #[cfg(unix)]
            "--unix" => address = Some(Address::Unix(value("--unix")?.into())),
            "--max-connections" => {
                let n = value("--max-connections")?;
                config = config.max_connections(n.parse().map_err(|_| "not a number")?);
            }
            "--header-timeout" => {
                let secs: u64 = value("--header-timeout")?
                    .parse()
                    .map_err(|_| "--header-timeout takes seconds")?;
                config = config.header_timeout(Duration::from_secs(secs));
            }
            "--quiet" => level = tracing::Level::ERROR,
            "--verbose" => level = tracing::Level::DEBUG,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let address = address.ok_or("--listen, --unix or --http is needed")?;
    Ok(Options {
        address,
        config,
        level,
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("axum: {message}");
            }
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    tracing_subscriber::fmt()
        .with_max_level(options.level)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    match options.address {
        Address::Tcp(address) => {
            let listener = tokio::net::TcpListener::bind(&address).await?;
            eprintln!("axum over SCGI on {}", listener.local_addr()?);
            sioscgi_tower::serve(listener, app())
                .config(options.config)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
        Address::Http(address) => {
            // The reference: the same application over HTTP, as axum serves it.
            let listener = tokio::net::TcpListener::bind(&address).await?;
            eprintln!("axum over HTTP on {}", listener.local_addr()?);
            let app = app().into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
        #[cfg(unix)]
        Address::Unix(path) => {
            // A socket file left by an earlier run would make bind fail.
            if std::fs::symlink_metadata(&path).is_ok_and(|m| {
                use std::os::unix::fs::FileTypeExt;
                m.file_type().is_socket()
            }) {
                std::fs::remove_file(&path)?;
            }
            let listener = tokio::net::UnixListener::bind(&path)?;
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666))?;
            }
            eprintln!("axum over SCGI on unix:{}", path.display());
            let served = sioscgi_tower::serve(listener, app())
                .config(options.config)
                .with_graceful_shutdown(shutdown_signal())
                .await;
            let _ = std::fs::remove_file(&path);
            served
        }
    }
}
