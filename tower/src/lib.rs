//! Serve any [tower `Service`](tower_service::Service) — an [axum](https://docs.rs/axum)
//! `Router`, a hyper-style `service_fn`, anything that takes an `http::Request` — over
//! SCGI, behind nginx, lighttpd or Apache, on tokio.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let app = Router::new().route("/hello", get(|| async { "hello\n" }));
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:4000").await?;
//!     sioscgi_tower::serve(listener, app).await
//! }
//! ```
//!
//! with, in nginx, `location / { include /etc/nginx/scgi_params; scgi_pass 127.0.0.1:4000; }`.
//!
//! The parsing is the [`sioscgi`] core's (`no_std`, no `unsafe`, zero allocation): this
//! crate adds the `http` types and the server.
//!
//! - **Requests**: [`into_request`] turns the CGI environment into an `http::Request`
//!   (method, URI, version, `HTTP_*` headers, `content-type`, `content-length`), with the
//!   rest of the environment (`REMOTE_ADDR`, `HTTPS`, `SCRIPT_NAME`, ...) as a
//!   [`CgiEnvironment`] extension; repeated header lines become repeated headers (the
//!   default [`Config`] allows repeated names). With the `axum` feature (default), every
//!   request also carries `axum::extract::ConnectInfo<SocketAddr>`: the web server's
//!   client. A value `http` cannot represent gets a `400` without calling the service.
//!   The body is a [`Body`]: read from the socket as the service polls it, bounded by
//!   `CONTENT_LENGTH`.
//!
//!   Read the whole body before you answer if it can be larger than the socket buffers
//!   (a few MiB): nginx stops sending the request body once the response head arrives,
//!   and Apache reads nothing of the response until it has sent the whole body, so an
//!   answer that streams while the upload still comes (an echo) stalls behind them until
//!   the idle timeout. lighttpd copes.
//! - **Responses**: [`encode_head`] writes the status and headers as a CGI head through
//!   the core's writer rules and RFC 9110 as hyper applies it (a final `1xx` is a
//!   `500`, no `Content-Length` on `204`, none added to `304`), without the hop-by-hop
//!   headers; a response that breaks a rule becomes a logged `500`. The body is
//!   streamed (a stream marked `X-Accel-Buffering: no` for nginx); a small response
//!   leaves in one write with its head. Trailers are dropped.
//! - **The server**: [`serve`] takes any [`Listener`] (TCP, Unix-domain sockets) and
//!   what `axum::serve` takes (a `Router`, its make-services; [`Shared`] for any other
//!   service), bounds the connections served at once (the longest idle before its header
//!   block gives way at the bound), times out the header block and idle bodies, shuts
//!   down gracefully (closing at once the connections that sent nothing), and ends
//!   quietly the connections a web server drops (`EPIPE`, `ECONNRESET`). A connection
//!   answered at once is never registered with tokio nor made a task of its own.
//!   [`Config`] holds its limits.
//!
//! Logging goes through [`tracing`](https://docs.rs/tracing): `error` for a service
//! failure or a response that breaks a rule (answered `500`), `warn` for I/O failures,
//! `debug` for refused requests, timeouts and peers that went away.

#![forbid(unsafe_code)]

mod body;
mod cgi;
mod config;
mod connection;
mod incoming;
mod listener;
mod request;
mod response;
mod server;
mod storage;
mod transport;
mod waiting;

/// The protocol core (for [`Config::protocol`]'s `sioscgi::Config`, and the reader and
/// writer themselves), at the version this crate uses.
pub use sioscgi;

pub use body::{Body, BodyError};
pub use cgi::CgiEnvironment;
pub use config::Config;
pub use incoming::{IncomingRequest, Shared};
pub use listener::{Connections, Listener};
pub use request::{RequestError, into_request};
pub use response::{ResponseError, encode_head};
pub use server::{Serve, serve, serve_connection};

/// The crate README's example, compiled as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The error type services and bodies convert theirs into.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
