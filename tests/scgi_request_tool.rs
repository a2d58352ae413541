//! `examples/scgi_request` ("curl for SCGI") against real SCGI servers on loopback: one
//! built from this crate's server half, and misbehaving ones.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::thread;

use sioscgi::{Event, Reader, ResponseHead, Status, Writer};

/// Serves `connections` requests with `app`, which gets the raw request and returns the
/// raw response bytes; the port is returned at once.
fn serve(connections: usize, app: fn(&mut TcpStream) -> Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let mut stream = stream.unwrap();
            let answer = app(&mut stream);
            let _ = stream.write_all(&answer);
        }
    });
    port
}

/// An echo application on the crate's own server half: the environment as `NAME=VALUE`
/// lines, then the body.
fn echo(stream: &mut TcpStream) -> Vec<u8> {
    let mut storage = [0u8; 8192];
    let mut reader = Reader::new(&mut storage[..]);
    let mut text = Vec::new();
    let mut buf = [0u8; 1024];
    'receive: loop {
        let n = stream.read(&mut buf).unwrap();
        if n == 0 {
            reader.read_eof().unwrap();
            break;
        }
        let mut input = &buf[..n];
        while let (used, Some(event)) = reader.read(input).unwrap() {
            match event {
                Event::Headers(env) => {
                    for (name, value) in env.iter() {
                        text.extend_from_slice(&[name, b"=", value, b"\n"].concat());
                    }
                    text.extend_from_slice(b"body=");
                }
                Event::Body(data) => text.extend_from_slice(data),
                Event::End => break 'receive,
            }
            input = &input[used..];
        }
    }
    let headers = [("Content-Type", "text/plain"), ("X-App", "echo")];
    let head = ResponseHead::new(Some(Status::Code(200)), &headers).unwrap();
    let mut writer = Writer::new();
    let mut out = vec![0; head.encoded_len()];
    writer.send_head(&head, &mut out).unwrap();
    out.extend_from_slice(writer.send_body(&text).unwrap());
    writer.send_end().unwrap();
    out
}

fn drain_request(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(200)));
    let _ = stream.read(&mut buf);
}

fn scgi_request(args: &[&str]) -> Output {
    Command::new(common::example_binary("scgi_request"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn get_with_headers_prints_status_headers_and_body() {
    let port = serve(1, echo);
    let address = format!("127.0.0.1:{port}");
    let out = scgi_request(&[
        "-i",
        "-H",
        "X-Test: abc",
        "-H",
        "Accept: a",
        "-H",
        "accept: b",
        &address,
        "/hello?x=1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nStatus: 200 OK\r\nX-App: echo\r\n\r\n"
        ),
        "{stdout}"
    );
    for line in [
        "CONTENT_LENGTH=0\n",
        "SCGI=1\n",
        "REQUEST_METHOD=GET\n",
        "REQUEST_URI=/hello?x=1\n",
        "QUERY_STRING=x=1\n",
        "PATH_INFO=/hello\n",
        "SERVER_PROTOCOL=HTTP/1.1\n",
        &format!("SERVER_PORT={port}\n"),
        "HTTP_X_TEST=abc\n",
        "HTTP_ACCEPT=a, b\n",
    ] {
        assert!(stdout.contains(line), "{line:?} missing in {stdout}");
    }
    assert!(stdout.starts_with("HTTP/1.1 200 OK\r\n"));
    // CONTENT_LENGTH is the first variable, as the spec wants.
    assert!(
        stdout
            .split("\r\n\r\n")
            .nth(1)
            .unwrap()
            .starts_with("CONTENT_LENGTH=0\n")
    );
}

#[test]
fn post_data_file_and_env_overrides() {
    let port = serve(2, echo);
    let address = format!("127.0.0.1:{port}");
    let out = scgi_request(&[
        "-d",
        "a=1&b=2",
        "--env",
        "REMOTE_ADDR=10.9.8.7",
        "--env",
        "X_EXTRA=yes",
        &address,
        "/form",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("REQUEST_METHOD=POST\n"));
    assert!(stdout.contains("CONTENT_LENGTH=7\n"));
    assert!(stdout.contains("CONTENT_TYPE=application/x-www-form-urlencoded\n"));
    assert!(stdout.contains("REMOTE_ADDR=10.9.8.7\n"));
    assert!(stdout.contains("X_EXTRA=yes\n"));
    assert!(stdout.ends_with("body=a=1&b=2"), "{stdout}");

    let dir = std::env::temp_dir().join(format!("scgi_request_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("upload.bin");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&file, &data).unwrap();
    let out = scgi_request(&[
        "-X",
        "PUT",
        "--data-file",
        file.to_str().unwrap(),
        "-H",
        "Content-Type: application/octet-stream",
        &address,
        "/up",
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.ends_with(&data), "the 300 KB body came back");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("REQUEST_METHOD=PUT\n")
            && stdout.contains("CONTENT_TYPE=application/octet-stream\n")
    );
}

#[test]
fn protocol_errors_exit_1_with_the_error_on_stderr() {
    fn garbage(stream: &mut TcpStream) -> Vec<u8> {
        drain_request(stream);
        b"this is not a header\r\n\r\n".to_vec()
    }
    fn truncated(stream: &mut TcpStream) -> Vec<u8> {
        drain_request(stream);
        b"Status: 200 OK\r\nContent-Type: text/plain\r\n".to_vec()
    }
    for (app, name) in [
        (
            garbage as fn(&mut TcpStream) -> Vec<u8>,
            "ResponseHeaderNoColon",
        ),
        (truncated, "RemotePrematureEof"),
    ] {
        let port = serve(1, app);
        let out = scgi_request(&[&format!("127.0.0.1:{port}"), "/"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains(name), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn redirects_and_bare_lf_answers() {
    fn redirect(stream: &mut TcpStream) -> Vec<u8> {
        drain_request(stream);
        b"Location: https://example.com/new\n\n".to_vec()
    }
    let port = serve(1, redirect);
    let out = scgi_request(&["-i", &format!("127.0.0.1:{port}"), "/old"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "HTTP/1.1 302 Found\r\nLocation: https://example.com/new\r\n\r\n"
    );
}

#[test]
fn usage_and_connection_errors() {
    assert_eq!(scgi_request(&[]).status.code(), Some(2));
    assert_eq!(
        scgi_request(&["-H", "no colon", "127.0.0.1:1", "/"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        scgi_request(&["--bogus", "127.0.0.1:1", "/"]).status.code(),
        Some(2)
    );
    // A port nobody listens on (bound, then closed).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = scgi_request(&[&format!("127.0.0.1:{port}"), "/"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}
