//! `scgi_request`: "curl for SCGI". Sends one request to an SCGI application the way a web
//! server would, and prints the answer.
//!
//! ```text
//! cargo run --example scgi_request -- [-X METHOD] [-H 'Name: value']...
//!     [-d DATA | --data-file FILE] [--env NAME=VALUE]... [-i] HOST:PORT PATH
//! ```
//!
//! The CGI environment is what nginx's `scgi_params` would send: `REQUEST_METHOD`,
//! `REQUEST_URI`, `QUERY_STRING`, `DOCUMENT_URI`, `PATH_INFO`, `SCRIPT_NAME`,
//! `SERVER_PROTOCOL`, `SERVER_NAME`, `SERVER_PORT`, `REMOTE_ADDR`, `REMOTE_PORT`,
//! `CONTENT_TYPE`, an `HTTP_*` variable per `-H` header (repeated headers joined with
//! `, `), then the `--env` variables (which replace any of those). The request is encoded
//! with the crate's request writer and the answer read with its response reader.
//!
//! Prints the body, or with `-i` the status line, the headers and the body. Exit status: 0
//! on success, 1 on a protocol error (the error on stderr), 2 on a usage error, 3 when the
//! connection fails.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use sioscgi::client::{Event, RequestHead, RequestWriter, ResponseReader};

const USAGE: &str = "usage: scgi_request [-X METHOD] [-H 'Name: value']... [-d DATA | --data-file FILE] \
                     [--env NAME=VALUE]... [-i] HOST:PORT PATH";

/// What went wrong, and the exit status it gets.
enum Failure {
    Usage(String),
    Protocol(sioscgi::Error),
    Io(String),
}

struct Options {
    method: Option<String>,
    headers: Vec<(String, Vec<u8>)>,
    body: Option<Vec<u8>>,
    env: Vec<(Vec<u8>, Vec<u8>)>,
    include: bool,
    address: String,
    path: String,
}

fn parse_args(args: &[String]) -> Result<Options, Failure> {
    let usage = |m: String| Failure::Usage(m);
    let mut options = Options {
        method: None,
        headers: Vec::new(),
        body: None,
        env: Vec::new(),
        include: false,
        address: String::new(),
        path: String::new(),
    };
    let mut positional = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| usage(format!("{flag} needs a value")))
        };
        match arg.as_str() {
            "-X" | "--request" => options.method = Some(value(arg)?),
            "-H" | "--header" => {
                let header = value(arg)?;
                let (name, val) = header
                    .split_once(':')
                    .ok_or_else(|| usage(format!("-H takes 'Name: value', not {header:?}")))?;
                options
                    .headers
                    .push((name.trim().to_owned(), val.trim().as_bytes().to_vec()));
            }
            "-d" | "--data" => options.body = Some(value(arg)?.into_bytes()),
            "--data-file" => {
                let file = value(arg)?;
                let data = std::fs::read(&file).map_err(|e| Failure::Io(format!("{file}: {e}")))?;
                options.body = Some(data);
            }
            "--env" => {
                let pair = value(arg)?;
                let (name, val) = pair
                    .split_once('=')
                    .ok_or_else(|| usage(format!("--env takes NAME=VALUE, not {pair:?}")))?;
                options
                    .env
                    .push((name.as_bytes().to_vec(), val.as_bytes().to_vec()));
            }
            "-i" | "--include" => options.include = true,
            "-h" | "--help" => return Err(usage(String::new())),
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(usage(format!("unknown option {flag}")));
            }
            other => positional.push(other.to_owned()),
        }
    }
    match <[String; 2]>::try_from(positional) {
        Ok([address, path]) => {
            options.address = address;
            options.path = path;
            Ok(options)
        }
        Err(_) => Err(usage("HOST:PORT and PATH are needed".to_owned())),
    }
}

type Env = Vec<(Vec<u8>, Vec<u8>)>;

/// Sets `name` to `value`, in place if it is there already.
fn set(env: &mut Env, name: &str, value: &[u8]) {
    let name = name.as_bytes();
    match env.iter_mut().find(|(n, _)| n == name) {
        Some(pair) => pair.1 = value.to_vec(),
        None => env.push((name.to_vec(), value.to_vec())),
    }
}

/// The CGI environment a web server would send for this request.
fn environment(options: &Options, local_port: u16) -> Env {
    let (host, port) = options
        .address
        .rsplit_once(':')
        .unwrap_or((&options.address, ""));
    let (path, query) = options.path.split_once('?').unwrap_or((&options.path, ""));
    let method = options.method.clone().unwrap_or_else(|| {
        if options.body.is_some() {
            "POST"
        } else {
            "GET"
        }
        .to_owned()
    });
    let form: &[u8] = if options.body.is_some() {
        b"application/x-www-form-urlencoded"
    } else {
        b""
    };
    let mut env = Env::new();
    for (name, value) in [
        ("REQUEST_METHOD", method.as_bytes()),
        ("REQUEST_URI", options.path.as_bytes()),
        ("QUERY_STRING", query.as_bytes()),
        ("DOCUMENT_URI", path.as_bytes()),
        ("SCRIPT_NAME", b""),
        ("PATH_INFO", path.as_bytes()),
        ("SERVER_PROTOCOL", b"HTTP/1.1"),
        ("GATEWAY_INTERFACE", b"CGI/1.1"),
        ("SERVER_SOFTWARE", b"sioscgi-scgi_request"),
        ("SERVER_NAME", host.as_bytes()),
        ("SERVER_PORT", port.as_bytes()),
        ("REMOTE_ADDR", b"127.0.0.1"),
        ("REMOTE_PORT", local_port.to_string().as_bytes()),
        ("CONTENT_TYPE", form),
        ("HTTP_HOST", options.address.as_bytes()),
    ] {
        set(&mut env, name, value);
    }
    let mut from_headers: Vec<String> = Vec::new();
    for (name, value) in &options.headers {
        if name.eq_ignore_ascii_case("Content-Length") {
            continue; // computed from the body
        }
        if name.eq_ignore_ascii_case("Content-Type") {
            set(&mut env, "CONTENT_TYPE", value);
            continue;
        }
        let var = format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_"));
        let earlier = env
            .iter()
            .find(|(n, _)| *n == var.as_bytes())
            .map(|(_, v)| v.clone());
        match earlier.filter(|_| from_headers.contains(&var)) {
            // A repeated header: joined, as HTTP allows.
            Some(earlier) => set(&mut env, &var, &[earlier.as_slice(), b", ", value].concat()),
            None => {
                set(&mut env, &var, value);
                from_headers.push(var);
            }
        }
    }
    for (name, value) in &options.env {
        set(&mut env, &String::from_utf8_lossy(name), value);
    }
    env
}

fn run(args: &[String]) -> Result<Vec<u8>, Failure> {
    let options = parse_args(args)?;
    let io = |what: &str, e: std::io::Error| Failure::Io(format!("{what}: {e}"));
    let address = options
        .address
        .to_socket_addrs()
        .map_err(|e| io(&options.address, e))?
        .next()
        .ok_or_else(|| Failure::Io(format!("{}: no address", options.address)))?;
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(10))
        .map_err(|e| io("connect", e))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| io("socket", e))?;
    let local_port = stream.local_addr().map_err(|e| io("socket", e))?.port();

    // The request.
    let env = environment(&options, local_port);
    let pairs: Vec<(&[u8], &[u8])> = env
        .iter()
        .map(|(n, v)| (n.as_slice(), v.as_slice()))
        .collect();
    let body = options.body.as_deref().unwrap_or_default();
    // Scratch for the check of repeated names: any number of `-e` variables.
    let mut scratch = vec![0u8; sioscgi::client::scratch_len(pairs.len())];
    let head = RequestHead::with_scratch(&pairs, body.len() as u64, &mut scratch)
        .map_err(Failure::Protocol)?;
    let mut writer = RequestWriter::new();
    let mut buf = vec![0u8; head.encoded_len()];
    let n = writer
        .send_head(&head, &mut buf)
        .map_err(Failure::Protocol)?;
    stream.write_all(&buf[..n]).map_err(|e| io("send", e))?;
    for chunk in body.chunks(64 * 1024) {
        stream
            .write_all(writer.send_body(chunk).map_err(Failure::Protocol)?)
            .map_err(|e| io("send", e))?;
    }
    writer.send_end().map_err(Failure::Protocol)?;

    // The answer, until the application closes the connection.
    let mut storage = vec![0u8; 64 * 1024];
    let mut reader = ResponseReader::new(&mut storage[..]);
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let got = stream.read(&mut chunk).map_err(|e| io("receive", e))?;
        if got == 0 {
            reader.read_eof().map_err(Failure::Protocol)?;
            return Ok(out);
        }
        let mut input = &chunk[..got];
        while let (used, Some(event)) = reader.read(input).map_err(Failure::Protocol)? {
            match event {
                Event::Headers(headers) if options.include => {
                    out.extend_from_slice(
                        format!("HTTP/1.1 {} ", headers.effective_status()).as_bytes(),
                    );
                    out.extend_from_slice(headers.effective_reason());
                    out.extend_from_slice(b"\r\n");
                    for (name, value) in headers.iter() {
                        out.extend_from_slice(&[name, b": ", value, b"\r\n"].concat());
                    }
                    out.extend_from_slice(b"\r\n");
                }
                Event::Headers(_) | Event::End => {}
                Event::Body(data) => out.extend_from_slice(data),
            }
            input = &input[used..];
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(output) => match std::io::stdout().write_all(&output) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("scgi_request: {e}");
                ExitCode::from(3)
            }
        },
        Err(Failure::Usage(message)) => {
            if !message.is_empty() {
                eprintln!("scgi_request: {message}");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Protocol(error)) => {
            eprintln!("scgi_request: protocol error: {} ({error})", error.name());
            ExitCode::from(1)
        }
        Err(Failure::Io(message)) => {
            eprintln!("scgi_request: {message}");
            ExitCode::from(3)
        }
    }
}
