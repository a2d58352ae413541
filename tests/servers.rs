//! The example servers end to end over loopback, with a client built on the crate's own
//! client half: every route, a 10 MiB upload checksummed, 200 concurrent connections with
//! nothing lost, the empty connection, a broken request answered with 400.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::thread;

use sha2::{Digest, Sha256};
use sioscgi::client::{Event, RequestHead, RequestWriter, ResponseReader};

/// A running example server, stopped on drop.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(example: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(common::example_binary(example))
            .args(["--listen", "127.0.0.1:0", "--quiet"])
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        stderr.read_line(&mut first).unwrap();
        // Keep draining the log so the server never blocks on a full pipe.
        thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let address = first
            .split("SCGI on ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_owned();
        Server { child, address }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One SCGI request with the crate's client half.
fn request(address: &str, method: &str, uri: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(address).unwrap();
    let env: [(&[u8], &[u8]); 4] = [
        (b"REQUEST_METHOD", method.as_bytes()),
        (b"REQUEST_URI", uri.as_bytes()),
        (b"HTTP_HOST", b"test.example"),
        (b"SERVER_PROTOCOL", b"HTTP/1.1"),
    ];
    let head = RequestHead::new(&env, body.len() as u64).unwrap();
    let mut writer = RequestWriter::new();
    let mut out = vec![0; head.encoded_len()];
    writer.send_head(&head, &mut out).unwrap();
    stream.write_all(&out).unwrap();
    for chunk in body.chunks(256 * 1024) {
        stream.write_all(writer.send_body(chunk).unwrap()).unwrap();
    }
    writer.send_end().unwrap();

    let mut storage = [0u8; 8192];
    let mut reader = ResponseReader::new(&mut storage[..]);
    let mut answer = Answer {
        status: 0,
        headers: Vec::new(),
        body: Vec::new(),
    };
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).unwrap();
        if n == 0 {
            assert_eq!(reader.read_eof().unwrap(), Some(Event::End));
            return answer;
        }
        let mut input = &buf[..n];
        while let (used, Some(event)) = reader.read(input).unwrap() {
            match event {
                Event::Headers(h) => {
                    answer.status = h.effective_status();
                    answer.headers = h
                        .iter()
                        .map(|(n, v)| {
                            (
                                String::from_utf8_lossy(n).into_owned(),
                                String::from_utf8_lossy(v).into_owned(),
                            )
                        })
                        .collect();
                }
                Event::Body(data) => answer.body.extend_from_slice(data),
                Event::End => {}
            }
            input = &input[used..];
        }
    }
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn exercise(example: &str) {
    let server = Server::start(example, &[]);
    let address = server.address.as_str();

    let index = request(address, "GET", "/?a=1", b"");
    assert_eq!(index.status, 200);
    assert!(String::from_utf8_lossy(&index.body).contains("<th>REQUEST_URI</th><td>/?a=1</td>"));
    assert_eq!(request(address, "GET", "/nope", b"").status, 404);
    let redirect = request(address, "GET", "/redirect", b"");
    assert_eq!(redirect.header("Location"), Some("/"));
    assert_eq!(redirect.header("Status"), None);
    let moved = request(address, "GET", "/moved", b"");
    assert_eq!(
        (moved.status, moved.header("Location")),
        (302, Some("http://test.example/"))
    );

    // A 2 MiB answer, byte-exact.
    let bytes = request(address, "GET", "/bytes?n=2097152", b"");
    let pattern: Vec<u8> = (0..2_097_152u64).map(|i| (i * 7 % 251) as u8).collect();
    assert!(bytes.body == pattern, "2 MiB pattern");
    // Short answers (from the stack in server_tokio) and the edges around them.
    for n in [0usize, 1, 6, 255, 256, 257, 65_536, 65_537] {
        let bytes = request(address, "GET", &format!("/bytes?n={n}"), b"");
        assert_eq!(bytes.header("X-Length"), Some(n.to_string().as_str()));
        assert!(bytes.body == pattern[..n], "{n}-byte pattern");
    }

    // A 10 MiB upload, streamed and checksummed.
    let big: Vec<u8> = (0..10u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let upload = request(address, "POST", "/upload", &big);
    assert_eq!(
        String::from_utf8_lossy(&upload.body),
        format!("length={}\nsha256={}\n", big.len(), sha256_hex(&big))
    );

    // 200 concurrent connections, each echoing its own body.
    let handles: Vec<_> = (0..200)
        .map(|i| {
            let address = address.to_owned();
            thread::spawn(move || {
                let body = format!("connection {i} ").repeat(i % 50 + 1).into_bytes();
                let echo = request(&address, "POST", "/echo", &body);
                assert_eq!(echo.status, 200);
                assert_eq!(
                    echo.header("X-Body-SHA256"),
                    Some(sha256_hex(&body).as_str())
                );
                assert_eq!(echo.body, body, "connection {i}");
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }

    // The empty connection (Apache's 411) and a broken request leave the server up.
    drop(TcpStream::connect(address).unwrap());
    let mut broken = TcpStream::connect(address).unwrap();
    broken.write_all(b"7:oops").unwrap();
    broken.write_all(b"\0\0\0\0\0\0;").unwrap();
    let mut answer = Vec::new();
    broken.read_to_end(&mut answer).unwrap();
    assert_eq!(answer, b"Status: 400 Bad Request\r\n\r\n");

    let stats = request(address, "GET", "/stats", b"");
    // index, 404, redirect, moved, 9 bytes, upload and 200 echoes (a request counts once answered,
    // so not this one yet; the empty and the broken connection never count).
    assert_eq!(String::from_utf8_lossy(&stats.body), "requests=214\n");
}

#[test]
fn std_thread_server() {
    exercise("server");
}

#[test]
fn tokio_server() {
    exercise("server_tokio");
}

#[test]
fn repeated_names_are_refused_unless_allowed() {
    let cookie_twice = |address: &str| {
        let mut stream = TcpStream::connect(address).unwrap();
        let block = b"CONTENT_LENGTH\x000\x00SCGI\x001\x00REQUEST_URI\x00/\x00HTTP_COOKIE\x00a=1\x00HTTP_COOKIE\x00b=2\x00";
        stream
            .write_all(format!("{}:", block.len()).as_bytes())
            .unwrap();
        stream.write_all(block).unwrap();
        stream.write_all(b",").unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    };
    let strict = Server::start("server", &[]);
    assert_eq!(
        cookie_twice(&strict.address),
        "Status: 400 Bad Request\r\n\r\n"
    );
    let lenient = Server::start("server_tokio", &["--allow-repeated-names"]);
    let page = cookie_twice(&lenient.address);
    assert!(
        page.contains("<th>HTTP_COOKIE</th><td>a=1</td>")
            && page.contains("<th>HTTP_COOKIE</th><td>b=2</td>"),
        "{page}"
    );
}
