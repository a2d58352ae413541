//! Captures from nginx, lighttpd and Apache: fed whole, one byte at a time, split at every
//! position and with trailing bytes, each checked against the Python reference's trace and
//! known values.

mod common;

use std::path::Path;

use common::{Seen, as_trace, run, run_bytewise, run_whole};
use serde_json::Value;
use sioscgi::{Config, Environment, Error, Event, Reader};

fn capture(server: &str, name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    std::fs::read(dir.join(server).join(name)).unwrap()
}

/// Reads the headers of `data` and hands the environment to `check`.
fn with_headers(data: &[u8], config: Config, check: impl FnOnce(Environment<'_>)) {
    let mut storage = [0u8; 4096];
    let mut reader = Reader::with_config(&mut storage[..], config);
    match reader.read(data).unwrap().1 {
        Some(Event::Headers(env)) => check(env),
        other => panic!("no headers: {other:?}"),
    }
}

/// Every capture with the reference's trace, as `("server/name", bytes, trace)`.
fn vectors() -> Vec<(String, Vec<u8>, Vec<Value>)> {
    let mut out = Vec::new();
    for (server, count) in [("nginx", 16), ("lighttpd", 10), ("apache", 10)] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors")
            .join(server);
        let before = out.len();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "scgi") {
                let data = std::fs::read(&path).unwrap();
                let trace = std::fs::read_to_string(path.with_extension("trace.jsonl")).unwrap();
                let trace = trace
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                out.push((format!("{server}/{name}"), data, trace));
            }
        }
        assert_eq!(out.len() - before, count, "all {server} captures present");
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn whole_and_bytewise_match_the_reference() {
    for (name, data, expected) in vectors() {
        let whole = run_whole(&data, Config::new());
        assert_eq!(as_trace(&whole), expected, "{name} whole");
        if data.len() < 100_000 {
            assert_eq!(run_bytewise(&data, Config::new()), whole, "{name} bytewise");
        }
    }
}

#[test]
fn every_split_position_gives_the_same_events() {
    for (name, data, _) in vectors() {
        let whole = run_whole(&data, Config::new());
        // Every position inside the header block and the start of the body; for the
        // 1 MiB upload a stride through the rest.
        let positions: Vec<usize> = if data.len() < 20_000 {
            (0..=data.len()).collect()
        } else {
            (0..4_000)
                .chain((4_000..data.len()).step_by(9_973))
                .collect()
        };
        for cut in positions {
            assert_eq!(
                run(&data, &[cut], Config::new()),
                whole,
                "{name} split at {cut}"
            );
        }
    }
}

#[test]
fn trailing_bytes_are_ignored() {
    for (name, data, _) in vectors() {
        let whole = run_whole(&data, Config::new());
        if whole.last() != Some(&Seen::End) {
            continue;
        }
        let mut longer = data.clone();
        longer.extend_from_slice(b"GET / HTTP/1.1\r\n\r\n\x00garbage");
        assert_eq!(run_whole(&longer, Config::new()), whole, "{name}");
        assert_eq!(
            run_bytewise(&longer[..longer.len().min(30_000)], Config::new()).first(),
            whole.first()
        );
    }
}

#[test]
fn get_query_environment() {
    let data = capture("nginx", "get_query.scgi");
    let mut storage = [0u8; 2048];
    let mut reader = Reader::new(&mut storage[..]);
    let (used, event) = reader.read(&data).unwrap();
    assert_eq!(used, data.len());
    let Some(Event::Headers(env)) = event else {
        panic!("no headers")
    };
    assert_eq!(env.request_method(), Some(&b"GET"[..]));
    assert_eq!(
        env.request_uri(),
        Some(&b"/search?q=rust%20scgi&page=2"[..])
    );
    assert_eq!(env.query_string(), Some(&b"q=rust%20scgi&page=2"[..]));
    assert_eq!(env.server_protocol(), Some(&b"HTTP/1.1"[..]));
    assert_eq!(env.get_str("SCGI"), Some("1"));
    assert_eq!(env.content_length(), 0);
    assert!(env.remote_addr().is_some());
    assert!(env.get("HTTP_COOKIE").is_some());
    assert_eq!(reader.read(&[]).unwrap(), (0, Some(Event::End)));
}

#[test]
fn post_1mb_streams_without_copy() {
    let data = capture("nginx", "post_1mb.scgi");
    let mut storage = [0u8; 4096];
    let mut reader = Reader::new(&mut storage[..]);
    let mut body = 0usize;
    for chunk in data.chunks(1500) {
        let mut input = chunk;
        while let (used, Some(event)) = reader.read(input).unwrap() {
            if let Event::Body(b) = event {
                // The chunk is a slice of the input, not a copy.
                assert!(std::ptr::eq(b.as_ptr(), input.as_ptr()));
                body += b.len();
                // The environment is still readable while the body streams.
                assert_eq!(
                    reader.environment().unwrap().request_method(),
                    Some(&b"POST"[..])
                );
            }
            input = &input[used..];
        }
    }
    assert_eq!(body, 1 << 20);
}

#[test]
fn repeated_names_policy_on_nginx_duplicates() {
    let data = capture("nginx", "dup_headers.scgi");
    assert_eq!(
        common::error_of(&run_whole(&data, Config::new())),
        Some(Error::DuplicateHeader)
    );
    let config = Config::new().allow_repeated_names(true);
    with_headers(&data, config, |env| {
        let cookies: Vec<&[u8]> = env.get_all(b"HTTP_COOKIE").collect();
        assert_eq!(cookies.len(), 2);
        assert_eq!(env.get("HTTP_COOKIE"), Some(cookies[0]));
        assert_eq!(env.get_all(b"HTTP_X_DUP").count(), 2);
    });
    assert_eq!(run_bytewise(&data, config), run_whole(&data, config));
}

#[test]
fn content_length_first_in_every_capture() {
    // nginx, lighttpd and Apache all send CONTENT_LENGTH first.
    let strict = Config::new()
        .require_content_length_first(true)
        .allow_repeated_names(true);
    for (name, data, _) in vectors() {
        if !data.is_empty() {
            assert_eq!(common::error_of(&run_whole(&data, strict)), None, "{name}");
        }
    }
}

#[test]
fn lighttpd_repeats_x_foo_and_apache_sends_an_empty_connection_on_411() {
    let data = capture("lighttpd", "underscore_header.scgi");
    assert_eq!(
        common::error_of(&run_whole(&data, Config::new())),
        Some(Error::DuplicateHeader)
    );
    with_headers(&data, Config::new().allow_repeated_names(true), |env| {
        let foo: Vec<&[u8]> = env.get_all(b"HTTP_X_FOO").collect();
        assert_eq!(foo, [&b"dash"[..], b"underscore"]);
    });

    let empty = capture("apache", "post_chunked_411.scgi");
    assert!(empty.is_empty());
    assert_eq!(
        common::error_of(&run_whole(&empty, Config::new())),
        Some(Error::RemotePrematureEof)
    );
}

#[test]
fn latin1_header_values_arrive_as_bytes() {
    for server in ["lighttpd", "apache"] {
        with_headers(
            &capture(server, "latin1_header.scgi"),
            Config::new(),
            |env| {
                assert_eq!(
                    env.get("HTTP_X_ODD"),
                    Some(&b"caf\xe9 \xff"[..]),
                    "{server}"
                );
                assert_eq!(env.get_str("HTTP_X_ODD"), None);
            },
        );
    }
}
