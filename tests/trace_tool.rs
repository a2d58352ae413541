//! `examples/trace` (the README's main command) run as a program: the request traces of
//! every capture in several chunkings against the Python reference's, the response mode
//! against bytes the reference printed, and the exit statuses.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(common::example_binary("trace"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// The JSON lines of a trace, without our extra `message` field.
fn lines(out: &[u8]) -> Vec<Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| {
            assert!(l.is_ascii(), "the trace is pure ASCII");
            let mut v: Value = serde_json::from_str(l).unwrap();
            if let Some(o) = v.as_object_mut() {
                o.remove("message");
            }
            v
        })
        .collect()
}

#[test]
fn request_traces_match_the_reference_in_any_chunking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut checked = 0;
    for server in ["nginx", "lighttpd", "apache"] {
        for entry in std::fs::read_dir(root.join(server)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "scgi") {
                continue;
            }
            let expected = std::fs::read(path.with_extension("trace.jsonl")).unwrap();
            let data = std::fs::read(&path).unwrap();
            let file = path.to_str().unwrap();
            let mut chunkings = vec![
                vec![],
                vec!["--chunks", "1,2,3,5,8,13,21,34,55"],
                vec!["--chunk", "4096"],
            ];
            if data.len() < 20_000 {
                chunkings.push(vec!["--chunk", "1"]);
            }
            for chunking in chunkings {
                let mut args = chunking.clone();
                args.push(file);
                let out = run(&args, b"");
                assert_eq!(out.status.code(), Some(0), "{file} {chunking:?}");
                assert_eq!(lines(&out.stdout), lines(&expected), "{file} {chunking:?}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 35 * 3);
}

#[test]
fn errors_carry_kind_and_message_and_stdin_works() {
    let out = run(&["-"], b"+70:");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::str::from_utf8(&out.stdout).unwrap(),
        "{\"event\":\"error\",\"kind\":\"BadNetstringLength\",\"message\":\"invalid netstring length prefix\"}\n"
    );
    let out = run(&["--limit", "10", "-"], b"11:");
    assert_eq!(
        lines(&out.stdout),
        lines(b"{\"event\":\"error\",\"kind\":\"HeadersTooLarge\"}\n")
    );
}

#[test]
fn repeated_names_with_the_option() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/nginx/dup_headers.scgi");
    let out = run(&["--allow-duplicate-names", path.to_str().unwrap()], b"");
    let trace = lines(&out.stdout);
    assert_eq!(trace.last().unwrap()["event"], "end");
    let env = trace[0]["env"].as_array().unwrap();
    let cookies = env.iter().filter(|p| p[0] == "HTTP_COOKIE").count();
    assert_eq!(cookies, 2);
}

#[test]
fn response_mode_matches_bytes_the_reference_printed() {
    // Each expected line was printed by shared/reference/trace_response.py (sioscgi 5.0.0);
    // error names are written without the `Error` suffix.
    let cases = [
        (
            r#"{"status": "200 OK", "headers": [["X-A", "1"], ["Content-Type", "text/html"]], "body": ["hi", {"b64": "AP8="}]}"#,
            r#"{"bytes_b64":"Q29udGVudC1UeXBlOiB0ZXh0L2h0bWwNClN0YXR1czogMjAwIE9LDQpYLUE6IDENCg0KaGkA/w=="}"#,
        ),
        (
            r#"{"status": null, "headers": [["Location", "/x"]]}"#,
            r#"{"bytes_b64":"TG9jYXRpb246IC94DQoNCg=="}"#,
        ),
        (
            r#"{"status": "302 Found", "headers": [["Location", "http://e/"], ["Content-Type", "text/plain"]], "body": ["moved"]}"#,
            r#"{"bytes_b64":"TG9jYXRpb246IGh0dHA6Ly9lLw0KU3RhdHVzOiAzMDIgRm91bmQNCkNvbnRlbnQtVHlwZTogdGV4dC9wbGFpbg0KDQptb3ZlZA=="}"#,
        ),
        (
            r#"{"status": "200 OK", "headers": [["Connection", "close"]]}"#,
            r#"{"error":"HeaderHopByHop"}"#,
        ),
        (
            r#"{"status": null, "headers": []}"#,
            r#"{"error":"NonDocumentHeaders"}"#,
        ),
        (
            r#"{"status": null, "headers": [["Location", "/x"]], "body": ["x"]}"#,
            r#"{"error":"BadEventInState"}"#,
        ),
        // This crate's stricter rules, and a bare number as status.
        (
            r#"{"status": "200 OK", "headers": [["X", "a\r\nY: b"]]}"#,
            r#"{"error":"HeaderInjection"}"#,
        ),
        (
            r#"{"status": 404}"#,
            r#"{"bytes_b64":"U3RhdHVzOiA0MDQgTm90IEZvdW5kDQoNCg=="}"#,
        ),
    ];
    for (desc, want) in cases {
        let out = run(&["--response", "-"], desc.as_bytes());
        assert_eq!(out.status.code(), Some(0), "{desc}");
        assert_eq!(
            std::str::from_utf8(&out.stdout).unwrap(),
            format!("{want}\n"),
            "{desc}"
        );
    }
}

#[test]
fn usage_and_io_errors_exit_2() {
    for args in [
        &["--chunk", "0", "-"][..],
        &["--bogus"],
        &[],
        &["--chunks", "1,x", "-"],
        &["/no/such/file"],
    ] {
        let out = run(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
        assert!(out.stdout.is_empty());
    }
    let out = run(&["--response", "-"], b"{not json");
    assert_eq!(out.status.code(), Some(2));
}
