//! `server`: an SCGI application on std threads, through the blocking driver.
//!
//! ```text
//! cargo run --example server -- [--listen 127.0.0.1:4000] [--threads 8] [--timeout 30]
//!                               [--allow-repeated-names] [--quiet]
//! ```
//!
//! Routes: `/` shows the environment as a page, `/echo` echoes the request body (its
//! SHA-256 in `X-Body-SHA256`), `/upload` streams the body and answers its length and
//! SHA-256, `/redirect` answers a CGI local redirect to `/`, `/moved` a client redirect,
//! `/stats` the number of requests answered, `/bytes?n=N` N bytes of a fixed pattern,
//! anything else 404. A fixed pool of threads serves the connections (the acceptor waits
//! when all are busy); each connection must be done within `--timeout` seconds (a slow
//! client cannot hold a thread longer); one log line per request goes to stderr.
//!
//! Its limit, by design (it shows the blocking driver, not a production server): a thread
//! serves one connection at a time, so `--threads` peers that connect and stay silent
//! (or trickle) make every other request wait up to `--timeout` seconds. Behind a web
//! server on loopback that is rarely a problem; facing anything else, run
//! `server_tokio` or the `sioscgi-tower` server, whose connections cost a task each and
//! whose header timeout is separate from the body's.

#[path = "demo/mod.rs"]
mod demo;

use std::net::{TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use demo::Route;
use embedded_io_adapters::std::FromStd;
use sioscgi::io::{Error, blocking};
use sioscgi::{Config, DEFAULT_MAX_BLOCK_LEN, Reader, ResponseHead, Status};

const USAGE: &str = "usage: server [--listen ADDR:PORT] [--threads N] [--timeout SECONDS] \
                     [--allow-repeated-names] [--quiet]";

struct Options {
    listen: String,
    threads: usize,
    timeout: Duration,
    config: Config,
    quiet: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        listen: "127.0.0.1:4000".into(),
        threads: 8,
        timeout: Duration::from_secs(30),
        config: Config::new(),
        quiet: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--listen" => options.listen = value("--listen")?,
            "--threads" => {
                options.threads = value("--threads")?
                    .parse()
                    .map_err(|_| "--threads takes a number")?;
                if options.threads == 0 {
                    return Err("--threads must be at least 1".into());
                }
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

/// A connection with a deadline for the whole exchange: each read waits at most until the
/// deadline (a per-read timeout alone would let a client trickle one byte at a time
/// forever).
struct Deadline {
    stream: FromStd<TcpStream>,
    deadline: Instant,
}

impl embedded_io::ErrorType for Deadline {
    type Error = std::io::Error;
}

impl embedded_io::Read for Deadline {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, std::io::Error> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "connection deadline passed",
            ));
        }
        self.stream.inner().set_read_timeout(Some(left))?;
        embedded_io::Read::read(&mut self.stream, buf)
    }
}

impl embedded_io::Write for Deadline {
    fn write(&mut self, buf: &[u8]) -> Result<usize, std::io::Error> {
        embedded_io::Write::write(&mut self.stream, buf)
    }
    fn flush(&mut self) -> Result<(), std::io::Error> {
        embedded_io::Write::flush(&mut self.stream)
    }
}

type Transport = Deadline;
type Failure = Error<std::io::Error>;

fn html(
    request: &mut blocking::Request<'_, Transport, &mut [u8]>,
    code: u16,
    page: &str,
) -> Result<u16, Failure> {
    let headers = [("Content-Type", "text/html; charset=utf-8")];
    request.send_head(&ResponseHead::new(Some(Status::Code(code)), &headers)?)?;
    request.write_body(page.as_bytes())?;
    Ok(code)
}

fn text(
    request: &mut blocking::Request<'_, Transport, &mut [u8]>,
    code: u16,
    body: &str,
) -> Result<u16, Failure> {
    let headers = [("Content-Type", "text/plain; charset=utf-8")];
    request.send_head(&ResponseHead::new(Some(Status::Code(code)), &headers)?)?;
    request.write_body(body.as_bytes())?;
    Ok(code)
}

/// The application: answers one request, returns the status it sent.
fn handle(
    request: &mut blocking::Request<'_, Transport, &mut [u8]>,
    chunk: &mut [u8],
) -> Result<u16, Failure> {
    match demo::route(&request.environment()) {
        Route::Index => {
            let page = demo::index_page(&request.environment());
            html(request, 200, &page)
        }
        Route::Echo if request.body_remaining() > demo::ECHO_LIMIT => {
            text(request, 413, "body too large to echo\n")
        }
        Route::Echo => {
            let mut body = Vec::new();
            loop {
                let n = request.read_body(chunk)?;
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
            request.send_head(&ResponseHead::new(Some(Status::Code(200)), &headers)?)?;
            request.write_body(&body)?;
            Ok(200)
        }
        Route::Upload => {
            let mut summary = demo::Summary::default();
            loop {
                let n = request.read_body(chunk)?;
                if n == 0 {
                    break;
                }
                summary.update(&chunk[..n]);
            }
            let (len, sha256) = summary.finish();
            text(request, 200, &demo::upload_text(len, &sha256))
        }
        Route::Redirect => {
            request.send_head(&ResponseHead::redirect("/")?)?;
            Ok(200)
        }
        Route::Moved => {
            // With a status: Apache passes a bare client redirect on as 200.
            let location = demo::moved_location(&request.environment());
            let headers = [
                ("Location", location.as_str()),
                ("Content-Type", "text/html; charset=utf-8"),
            ];
            request.send_head(&ResponseHead::new(Some(Status::Code(302)), &headers)?)?;
            request.write_body(demo::moved_page(&location).as_bytes())?;
            Ok(302)
        }
        Route::Bytes => {
            let total = demo::bytes_wanted(&request.environment());
            let length = total.to_string();
            let headers = [
                ("Content-Type", "application/octet-stream"),
                ("X-Length", length.as_str()),
            ];
            request.send_head(&ResponseHead::new(Some(Status::Code(200)), &headers)?)?;
            let mut buf = vec![0u8; 64 * 1024];
            let mut sent = 0u64;
            while sent < total {
                let n = (total - sent).min(buf.len() as u64) as usize;
                demo::fill_pattern(&mut buf[..n], sent);
                request.write_body(&buf[..n])?;
                sent += n as u64;
            }
            Ok(200)
        }
        Route::Stats => text(request, 200, &demo::stats_text()),
        Route::NotFound => {
            let page = demo::not_found_page(&request.environment());
            html(request, 404, &page)
        }
    }
}

/// A worker: its own storage and buffers, connection after connection.
fn worker(queue: Arc<Mutex<mpsc::Receiver<TcpStream>>>, options: Arc<Options>) {
    // Blocks up to the default 64 KiB limit with up to 2,048 pairs, and their index.
    let mut storage = vec![0u8; sioscgi::storage::len_for(DEFAULT_MAX_BLOCK_LEN, 2048)];
    let mut reader = Reader::with_config(&mut storage[..], options.config);
    let mut rx = vec![0u8; 16 * 1024];
    let mut tx = vec![0u8; 8 * 1024];
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let next = queue.lock().map(|q| q.recv());
        let Ok(Ok(stream)) = next else { return };
        let started = Instant::now();
        if let Err(e) = stream.set_write_timeout(Some(options.timeout)) {
            eprintln!("socket setup failed: {e}");
            continue;
        }
        let mut transport = Deadline {
            stream: FromStd::new(stream),
            deadline: started + options.timeout,
        };
        let mut status = 0;
        let result = blocking::serve(&mut transport, &mut reader, &mut rx, &mut tx, |request| {
            status = handle(request, &mut chunk)?;
            Ok(())
        });
        let outcome = match &result {
            Ok(()) => {
                demo::REQUESTS.fetch_add(1, Ordering::Relaxed);
                String::new()
            }
            // Apache's 411 (an empty connection), or a web server that dropped the
            // connection because its client left (EPIPE, ECONNRESET): nothing to log.
            Err(e) if e.is_peer_gone() => continue,
            Err(Error::EmptyConnection) => continue,
            Err(Error::Protocol(e)) => {
                status = e.status_hint().unwrap_or(0);
                format!(" ({})", e.name())
            }
            Err(Error::Io(e)) => format!(" (I/O: {e})"),
        };
        if !options.quiet || result.is_err() {
            let line = demo::log_line(
                reader.environment().as_ref(),
                status,
                started.elapsed().as_millis(),
                &outcome,
            );
            eprintln!("{line}");
        }
    }
}

fn main() {
    let options = match parse_args() {
        Ok(o) => Arc::new(o),
        Err(message) => {
            if !message.is_empty() {
                eprintln!("server: {message}");
            }
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(&options.listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("server: cannot listen on {}: {e}", options.listen);
            std::process::exit(1);
        }
    };
    let address = listener
        .local_addr()
        .map_or(options.listen.clone(), |a| a.to_string());
    eprintln!(
        "sioscgi demo server: SCGI on {address} ({} threads)",
        options.threads
    );
    let (sender, receiver) = mpsc::sync_channel::<TcpStream>(options.threads);
    let queue = Arc::new(Mutex::new(receiver));
    for _ in 0..options.threads {
        let (queue, options) = (Arc::clone(&queue), Arc::clone(&options));
        std::thread::spawn(move || worker(queue, options));
    }
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                if sender.send(stream).is_err() {
                    break;
                }
            }
            Err(e) => eprintln!("accept failed: {e}"),
        }
    }
}
