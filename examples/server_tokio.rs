//! `server_tokio`: the demo application of `server.rs` on tokio, through the async driver
//! and `embedded-io-adapters`' tokio adapter; many connections at once.
//!
//! ```text
//! cargo run --example server_tokio -- [--listen 127.0.0.1:4000] [--max-connections 1024]
//!                                     [--timeout 30] [--allow-repeated-names] [--quiet]
//! ```

#[path = "demo/mod.rs"]
mod demo;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use demo::Route;
use embedded_io_adapters::tokio_1::FromTokio;
use sioscgi::io::{Error, asynch};
use sioscgi::{Config, DEFAULT_MAX_BLOCK_LEN, Reader, ResponseHead, Status};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

const USAGE: &str = "usage: server_tokio [--listen ADDR:PORT] [--max-connections N] [--timeout SECONDS] \
                     [--allow-repeated-names] [--quiet]";

struct Options {
    listen: String,
    max_connections: usize,
    timeout: Duration,
    config: Config,
    quiet: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        listen: "127.0.0.1:4000".into(),
        max_connections: 1024,
        timeout: Duration::from_secs(30),
        config: Config::new(),
        quiet: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--listen" => options.listen = value("--listen")?,
            "--max-connections" => {
                options.max_connections = value("--max-connections")?
                    .parse()
                    .map_err(|_| "--max-connections takes a number")?;
                options.max_connections = options.max_connections.max(1);
            }
            "--timeout" => {
                let secs: u64 = value("--timeout")?
                    .parse()
                    .map_err(|_| "--timeout takes seconds")?;
                options.timeout = Duration::from_secs(secs.max(1));
            }
            "--allow-repeated-names" => options.config = options.config.allow_repeated_names(true),
            "--quiet" => options.quiet = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

/// The header-block storage: inline (no lifetime, so the connection future is `Send`
/// without help), boxed with its reader. Blocks up to the default 64 KiB limit with up to
/// 2,048 pairs, and their index.
const STORAGE: usize = sioscgi::storage::len_for(DEFAULT_MAX_BLOCK_LEN, 2048);
type Storage = [u8; STORAGE];
type Request<'a> = asynch::Request<'a, FromTokio<TcpStream>, Storage>;
type Failure = Error<std::io::Error>;

async fn respond(
    request: &mut Request<'_>,
    code: u16,
    content_type: &str,
    body: &[u8],
) -> Result<u16, Failure> {
    let headers = [("Content-Type", content_type)];
    request
        .send_head(&ResponseHead::new(Some(Status::Code(code)), &headers)?)
        .await?;
    request.write_body(body).await?;
    Ok(code)
}

/// The application: answers one request, returns the status it sent.
async fn handle(request: &mut Request<'_>) -> Result<u16, Failure> {
    let mut chunk = vec![0u8; 64 * 1024];
    match demo::route(&request.environment()) {
        Route::Index => {
            let page = demo::index_page(&request.environment());
            respond(request, 200, "text/html; charset=utf-8", page.as_bytes()).await
        }
        Route::Echo if request.body_remaining() > demo::ECHO_LIMIT => {
            respond(request, 413, "text/plain", b"body too large to echo\n").await
        }
        Route::Echo => {
            let mut body = Vec::new();
            loop {
                let n = request.read_body(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
            let mut summary = demo::Summary::default();
            summary.update(&body);
            let (_, sha256) = summary.finish();
            let headers = [
                ("Content-Type", "application/octet-stream"),
                ("X-Body-SHA256", sha256.as_str()),
            ];
            request
                .send_head(&ResponseHead::new(Some(Status::Code(200)), &headers)?)
                .await?;
            request.write_body(&body).await?;
            Ok(200)
        }
        Route::Upload => {
            let mut summary = demo::Summary::default();
            loop {
                let n = request.read_body(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                summary.update(&chunk[..n]);
            }
            let (len, sha256) = summary.finish();
            respond(
                request,
                200,
                "text/plain",
                demo::upload_text(len, &sha256).as_bytes(),
            )
            .await
        }
        Route::Redirect => {
            request.send_head(&ResponseHead::redirect("/")?).await?;
            Ok(200)
        }
        Route::Moved => {
            // With a status: Apache passes a bare client redirect on as 200.
            let location = demo::moved_location(&request.environment());
            let headers = [
                ("Location", location.as_str()),
                ("Content-Type", "text/html; charset=utf-8"),
            ];
            request
                .send_head(&ResponseHead::new(Some(Status::Code(302)), &headers)?)
                .await?;
            request
                .write_body(demo::moved_page(&location).as_bytes())
                .await?;
            Ok(302)
        }
        Route::Bytes => {
            let total = demo::bytes_wanted(&request.environment());
            let length = total.to_string();
            let headers = [
                ("Content-Type", "application/octet-stream"),
                ("X-Length", length.as_str()),
            ];
            request
                .send_head(&ResponseHead::new(Some(Status::Code(200)), &headers)?)
                .await?;
            let mut buf = vec![0u8; 64 * 1024];
            let mut sent = 0u64;
            while sent < total {
                let n = (total - sent).min(buf.len() as u64) as usize;
                demo::fill_pattern(&mut buf[..n], sent);
                request.write_body(&buf[..n]).await?;
                sent += n as u64;
            }
            Ok(200)
        }
        Route::Stats => respond(request, 200, "text/plain", demo::stats_text().as_bytes()).await,
        Route::NotFound => {
            let page = demo::not_found_page(&request.environment());
            respond(request, 404, "text/html; charset=utf-8", page.as_bytes()).await
        }
    }
}

async fn connection(stream: TcpStream, options: Arc<Options>) {
    let started = Instant::now();
    let mut reader = Box::new(Reader::with_config([0u8; STORAGE], options.config));
    let mut rx = vec![0u8; 16 * 1024];
    let mut tx = vec![0u8; 8 * 1024];
    let mut transport = FromTokio::new(stream);
    let mut status = 0;
    let serve = asynch::serve(
        &mut transport,
        &mut reader,
        &mut rx,
        &mut tx,
        async |request| {
            status = handle(request).await?;
            Ok(())
        },
    );
    let outcome = match tokio::time::timeout(options.timeout, serve).await {
        Ok(Ok(())) => {
            demo::REQUESTS.fetch_add(1, Ordering::Relaxed);
            String::new()
        }
        // Apache's 411 (an empty connection), or a web server that dropped the connection
        // because its client left (EPIPE, ECONNRESET): nothing to log.
        Ok(Err(e)) if e.is_peer_gone() => return,
        Ok(Err(Error::EmptyConnection)) => return,
        Ok(Err(Error::Protocol(e))) => {
            status = e.status_hint().unwrap_or(0);
            format!(" ({})", e.name())
        }
        Ok(Err(Error::Io(e))) => format!(" (I/O: {e})"),
        Err(_) => " (timed out)".to_owned(),
    };
    if !options.quiet || !outcome.is_empty() {
        let line = demo::log_line(
            reader.environment().as_ref(),
            status,
            started.elapsed().as_millis(),
            &outcome,
        );
        eprintln!("{line}");
    }
}

#[tokio::main]
async fn main() {
    let options = match parse_args() {
        Ok(o) => Arc::new(o),
        Err(message) => {
            if !message.is_empty() {
                eprintln!("server_tokio: {message}");
            }
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(&options.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("server_tokio: cannot listen on {}: {e}", options.listen);
            std::process::exit(1);
        }
    };
    let address = listener
        .local_addr()
        .map_or(options.listen.clone(), |a| a.to_string());
    eprintln!(
        "sioscgi demo server (tokio): SCGI on {address} (up to {} connections)",
        options.max_connections
    );
    let slots = Arc::new(Semaphore::new(options.max_connections));
    loop {
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        match listener.accept().await {
            Ok((stream, _)) => {
                let options = Arc::clone(&options);
                tokio::spawn(async move {
                    connection(stream, options).await;
                    drop(permit);
                });
            }
            Err(e) => eprintln!("accept failed: {e}"),
        }
    }
}
