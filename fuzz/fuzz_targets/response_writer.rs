//! The response writer on fuzzer-built responses: a typed error, or bytes that the
//! client's response reader parses back to the same response; no CR, LF or NUL ever gets
//! into a header line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sioscgi::client::{Event, ResponseReader};
use sioscgi::{ResponseEvent, ResponseHead, Status, Writer};

/// Latin-1 text as the bytes the writer puts on the wire.
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

/// A status code or line (or neither), the headers, the body's chunks.
type Input = (
    Option<u16>,
    Option<String>,
    Vec<(String, String)>,
    Vec<Vec<u8>>,
);

fuzz_target!(|input: Input| {
    let (code, line, headers, body) = input;
    let status = match (code, &line) {
        (Some(code), _) => Some(Status::Code(code)),
        (None, Some(line)) => Some(Status::Line(line)),
        (None, None) => None,
    };
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let Ok(head) = ResponseHead::new(status, &pairs) else {
        return;
    };

    let mut writer = Writer::new();
    let mut wire = vec![0u8; head.encoded_len()];
    let n = writer
        .send(ResponseEvent::Headers(&head), &mut wire)
        .map(|_| head.encoded_len())
        .unwrap();
    assert_eq!(n, wire.len());
    let lines = &wire[..wire.len() - 2];
    for line in lines.split(|&b| b == b'\n') {
        let content = line.strip_suffix(b"\r").unwrap_or(line);
        assert!(
            !content.contains(&b'\r') && !content.contains(&0),
            "CR or NUL in {line:?}"
        );
    }
    let mut sent_body = Vec::new();
    for chunk in &body {
        match writer.send_body(chunk) {
            Ok(data) => sent_body.extend_from_slice(data),
            Err(e) => assert!(head.status().is_none(), "{e:?}"), // a local redirect has no body
        }
    }
    writer.send_end().unwrap();
    wire.extend_from_slice(&sent_body);

    let mut storage = vec![0u8; wire.len() + 1];
    let mut reader = ResponseReader::new(&mut storage[..]);
    let (used, event) = reader.read(&wire).unwrap();
    let Some(Event::Headers(got)) = event else {
        panic!("no headers: {event:?}")
    };
    assert_eq!(got.kind(), head.kind());
    assert_eq!(got.status(), head.status_code());
    assert_eq!(
        got.content_type().map(<[u8]>::to_vec),
        head.content_type().map(|t| trim(&latin1(t)).to_vec())
    );
    assert_eq!(
        got.location().map(<[u8]>::to_vec),
        head.location().map(|l| trim(&latin1(l)).to_vec())
    );
    let others: Vec<(Vec<u8>, Vec<u8>)> = got
        .other_headers()
        .map(|(n, v)| (n.to_vec(), v.to_vec()))
        .collect();
    let sent: Vec<(Vec<u8>, Vec<u8>)> = head
        .other_headers()
        .map(|(n, v)| (latin1(n), trim(&latin1(v)).to_vec()))
        .collect();
    assert_eq!(others, sent);
    let rest = &wire[used..];
    assert_eq!(rest, sent_body.as_slice());
});
