//! Round trips, in any chunking: what the request writer accepts the request reader reads
//! back identically; what the response writer accepts the response reader reads back
//! identically (values without surrounding whitespace, which header syntax cannot carry).

mod common;

use common::{Seen, run};
use proptest::collection::vec;
use proptest::prelude::*;
use sioscgi::client::{Event, RequestHead, RequestWriter, ResponseReader};
use sioscgi::{Config, Output, ResponseEvent, ResponseHead, Status, Writer};

fn cuts(len: usize, seeds: &[usize]) -> Vec<usize> {
    let mut c: Vec<usize> = seeds.iter().map(|s| s % (len + 1)).collect();
    c.sort_unstable();
    c
}

/// Latin-1 text as the bytes the writer puts on the wire.
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

fn request_env() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    vec((vec(1u8..=255, 1..10), vec(1u8..=255, 0..16)), 0..16)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn requests_round_trip(
        env in request_env(),
        body in vec(any::<u8>(), 0..400),
        give_scgi in any::<bool>(),
        give_length in any::<bool>(),
        seeds in vec(any::<usize>(), 0..10),
    ) {
        let length = body.len().to_string();
        let mut pairs: Vec<(&[u8], &[u8])> = env.iter().map(|(n, v)| (n.as_slice(), v.as_slice())).collect();
        if give_scgi {
            pairs.push((b"SCGI", b"1"));
        }
        if give_length {
            pairs.insert(0, (b"CONTENT_LENGTH", length.as_bytes()));
        }
        let head = RequestHead::new(&pairs, body.len() as u64);
        // Refused: a repeated, SCGI or CONTENT_LENGTH name among the random ones (rare;
        // proptest fails if too many cases are rejected).
        prop_assume!(head.is_ok());
        let head = head.unwrap();
        let mut writer = RequestWriter::new();
        let mut wire = vec![0; head.encoded_len()];
        let n = writer.send_head(&head, &mut wire).unwrap();
        prop_assert_eq!(n, wire.len());
        for piece in body.chunks(37) {
            wire.extend_from_slice(writer.send_body(piece).unwrap());
        }
        writer.send_end().unwrap();

        // What the reader must see: CONTENT_LENGTH first, SCGI next unless given, then the
        // caller's pairs in order (without its CONTENT_LENGTH).
        let mut expected: Vec<(Vec<u8>, Vec<u8>)> = vec![(b"CONTENT_LENGTH".to_vec(), length.clone().into_bytes())];
        if !give_scgi {
            expected.push((b"SCGI".to_vec(), b"1".to_vec()));
        }
        expected.extend(pairs.iter().filter(|(n, _)| *n != b"CONTENT_LENGTH").map(|(n, v)| (n.to_vec(), v.to_vec())));
        let mut want = vec![Seen::Headers(expected)];
        if !body.is_empty() {
            want.push(Seen::Body(body.clone()));
        }
        want.push(Seen::End);
        prop_assert_eq!(run(&wire, &cuts(wire.len(), &seeds), Config::new()), want);
    }

    #[test]
    fn responses_round_trip(
        status in prop_oneof![
            Just(None),
            (100u16..1000).prop_map(|c| Some((c, None))),
            (100u16..1000, "[!-~\u{a0}-\u{ff}]([ -~\u{a0}-\u{ff}]{0,12}[!-~\u{a0}-\u{ff}])?").prop_map(|(c, r)| Some((c, Some(r)))),
        ],
        headers in vec(("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}", "([!-~\u{a0}-\u{ff}]([ -~\u{a0}-\u{ff}]{0,20}[!-~\u{a0}-\u{ff}])?)?"), 0..6),
        content_type in proptest::option::of("[a-z]{1,8}/[a-z]{1,8}"),
        location in proptest::option::of(prop_oneof![Just("/local/path".to_owned()), Just("https://example.com/x".to_owned())]),
        body in vec(vec(any::<u8>(), 0..50), 0..4),
        seeds in vec(any::<usize>(), 0..10),
    ) {
        let line;
        let status = match &status {
            None => None,
            Some((code, None)) => Some(Status::Code(*code)),
            Some((code, Some(reason))) => {
                line = format!("{code} {reason}");
                Some(Status::Line(&line))
            }
        };
        let mut all: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        if let Some(t) = &content_type {
            all.push(("Content-Type", t));
        }
        if let Some(l) = &location {
            all.insert(0, ("Location", l));
        }
        let head = ResponseHead::new(status, &all);
        // Refused: a hop-by-hop or a second Content-Type/Location among the random names,
        // or no status with more than Location (proptest fails if too many are rejected).
        prop_assume!(head.is_ok());
        let head = head.unwrap();
        let mut writer = Writer::new();
        let mut wire = vec![0; head.encoded_len()];
        prop_assert_eq!(writer.send(ResponseEvent::Headers(&head), &mut wire).unwrap(), Output::Head(wire.len()));
        let sent_body: Vec<u8> = if head.status().is_some() { body.concat() } else { Vec::new() };
        if head.status().is_some() {
            for chunk in &body {
                wire.extend_from_slice(writer.send_body(chunk).unwrap());
            }
        }
        writer.send_end().unwrap();

        let mut storage = [0u8; 4096];
        let mut reader = ResponseReader::new(&mut storage[..]);
        let mut got_body = Vec::new();
        let mut checked = false;
        let mut start = 0;
        for end in cuts(wire.len(), &seeds).into_iter().chain([wire.len()]) {
            let mut input = &wire[start..end.max(start)];
            start = end.max(start);
            while let (used, Some(event)) = reader.read(input).unwrap() {
                match event {
                    Event::Headers(h) => {
                        prop_assert_eq!(h.kind(), head.kind());
                        prop_assert_eq!(h.status(), head.status_code());
                        let reason = match head.status() {
                            None => None,
                            Some(Status::Code(c)) => Some(sioscgi_reason(c)),
                            Some(Status::Line(l)) => Some(latin1(&l[4..])),
                        };
                        prop_assert_eq!(h.reason().map(<[u8]>::to_vec), reason);
                        prop_assert_eq!(h.content_type().map(<[u8]>::to_vec), head.content_type().map(latin1));
                        prop_assert_eq!(h.location().map(<[u8]>::to_vec), head.location().map(latin1));
                        let others: Vec<(Vec<u8>, Vec<u8>)> = h.other_headers().map(|(n, v)| (n.to_vec(), v.to_vec())).collect();
                        let sent: Vec<(Vec<u8>, Vec<u8>)> = head.other_headers().map(|(n, v)| (latin1(n), latin1(v))).collect();
                        prop_assert_eq!(others, sent);
                        checked = true;
                    }
                    Event::Body(b) => got_body.extend_from_slice(b),
                    Event::End => unreachable!("End only at EOF"),
                }
                input = &input[used..];
            }
        }
        prop_assert_eq!(reader.read_eof().unwrap(), Some(Event::End));
        prop_assert!(checked);
        prop_assert_eq!(got_body, sent_body);
    }
}

/// The reason phrase the writer adds for a bare code (read back through the writer itself).
fn sioscgi_reason(code: u16) -> Vec<u8> {
    let head = ResponseHead::new(Some(Status::Code(code)), &[]).unwrap();
    let mut out = vec![0; head.encoded_len()];
    head.encode(&mut out).unwrap();
    // "Status: NNN reason\r\n\r\n"
    out[12..out.len() - 4].to_vec()
}
