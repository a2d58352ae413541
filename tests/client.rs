//! The client half: request writer and response reader, every error kind, the response
//! kinds, bare-LF responses, a 2 MiB streamed body, chunking invariance.

use sioscgi::client::{
    Event, RequestHead, RequestState, RequestWriter, ResponseReader, ResponseState, STACK_NAMES,
    scratch_len,
};
use sioscgi::{Error, ResponseKind};

/// One response event, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    Headers {
        status: Option<u16>,
        reason: Option<Vec<u8>>,
        kind: ResponseKind,
        headers: Vec<(Vec<u8>, Vec<u8>)>,
    },
    Body(Vec<u8>),
    End,
    Error(Error),
}

/// Feeds `data` cut at `cuts`, then EOF; body chunks merged.
fn run(data: &[u8], cuts: &[usize], limit: usize) -> Vec<Seen> {
    let mut storage = vec![0u8; 1 << 16];
    let mut reader = ResponseReader::with_limit(&mut storage[..], limit);
    let mut seen = Vec::new();
    let mut start = 0;
    for end in cuts.iter().copied().chain([data.len()]) {
        let end = end.clamp(start, data.len());
        let mut input = &data[start..end];
        start = end;
        loop {
            match reader.read(input) {
                Ok((used, event)) => {
                    assert!(used <= input.len());
                    input = &input[used..];
                    match event {
                        None => {
                            assert!(input.is_empty());
                            break;
                        }
                        Some(Event::Headers(h)) => seen.push(Seen::Headers {
                            status: h.status(),
                            reason: h.reason().map(<[u8]>::to_vec),
                            kind: h.kind(),
                            headers: h.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect(),
                        }),
                        Some(Event::Body(b)) => {
                            assert!(!b.is_empty());
                            match seen.last_mut() {
                                Some(Seen::Body(prev)) => prev.extend_from_slice(b),
                                _ => seen.push(Seen::Body(b.to_vec())),
                            }
                        }
                        Some(Event::End) => seen.push(Seen::End),
                    }
                }
                Err(e) => {
                    assert_eq!(reader.read(b"x").err(), Some(e), "sticky");
                    seen.push(Seen::Error(e));
                    return seen;
                }
            }
        }
    }
    match reader.read_eof() {
        Ok(Some(Event::End)) => seen.push(Seen::End),
        Ok(other) => panic!("unexpected {other:?}"),
        Err(e) => seen.push(Seen::Error(e)),
    }
    seen
}

fn whole(data: &[u8]) -> Vec<Seen> {
    run(data, &[], 1 << 16)
}

fn error(data: &[u8]) -> Option<Error> {
    let result = whole(data);
    let bytewise = run(data, &(1..data.len()).collect::<Vec<_>>(), 1 << 16);
    assert_eq!(bytewise, result, "chunking changed the result for {data:?}");
    match result.last() {
        Some(Seen::Error(e)) => Some(*e),
        _ => None,
    }
}

// ---- response reader -----------------------------------------------------------------

#[test]
fn the_response_kinds() {
    let cases: [(&[u8], ResponseKind, Option<u16>); 5] = [
        (b"Content-Type: text/html\r\nStatus: 200 OK\r\n\r\n<p>", ResponseKind::Document, Some(200)),
        (b"Content-Type: text/html\r\n\r\n<p>", ResponseKind::Document, None),
        (b"Location: /elsewhere\r\n\r\n", ResponseKind::LocalRedirect, None),
        (b"Location: https://example.com/\r\n\r\n", ResponseKind::ClientRedirect, None),
        (
            b"Location: https://example.com/\r\nStatus: 301 Moved Permanently\r\nContent-Type: text/plain\r\n\r\nmoved",
            ResponseKind::ClientRedirectWithDocument,
            Some(301),
        ),
    ];
    for (data, kind, status) in cases {
        match &whole(data)[0] {
            Seen::Headers {
                kind: k, status: s, ..
            } => assert_eq!((*k, *s), (kind, status), "{data:?}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn bare_lf_and_mixed_line_ends() {
    let crlf =
        whole(b"Status: 404 Not Found\r\nContent-Type: text/plain\r\nX-A:  spaced \t\r\n\r\nbody");
    let lf = whole(b"Status: 404 Not Found\nContent-Type: text/plain\nX-A:  spaced \t\n\nbody");
    let mixed =
        whole(b"Status: 404 Not Found\r\nContent-Type: text/plain\nX-A:  spaced \t\r\n\nbody");
    assert_eq!(crlf, lf);
    assert_eq!(crlf, mixed);
    assert_eq!(
        crlf[0],
        Seen::Headers {
            status: Some(404),
            reason: Some(b"Not Found".to_vec()),
            kind: ResponseKind::Document,
            headers: vec![
                (b"Status".to_vec(), b"404 Not Found".to_vec()),
                (b"Content-Type".to_vec(), b"text/plain".to_vec()),
                (b"X-A".to_vec(), b"spaced".to_vec()),
            ],
        }
    );
    assert_eq!(crlf[1..], [Seen::Body(b"body".to_vec()), Seen::End]);
}

#[test]
fn every_response_error() {
    assert_eq!(
        error(b"no colon here\r\n\r\n"),
        Some(Error::ResponseHeaderNoColon)
    );
    assert_eq!(
        error(b"Bad Name: x\r\n\r\n"),
        Some(Error::ResponseBadHeaderName)
    );
    assert_eq!(error(b": x\r\n\r\n"), Some(Error::ResponseBadHeaderName));
    assert_eq!(
        error(b"X: a\0b\r\n\r\n"),
        Some(Error::ResponseBadHeaderValue)
    );
    assert_eq!(
        error(b"X: a\rb\r\n\r\n"),
        Some(Error::ResponseBadHeaderValue)
    );
    assert_eq!(
        error(b"X: a\r\n folded\r\n\r\n"),
        Some(Error::ResponseHeaderFolded)
    );
    assert_eq!(
        error(b"X: a\n\tfolded\n\n"),
        Some(Error::ResponseHeaderFolded)
    );
    for status in [
        &b"Status: OK\n\n"[..],
        b"Status: 20\n\n",
        b"Status: 099 x\n\n",
        b"Status: 2000\n\n",
        b"Status:\n\n",
    ] {
        assert_eq!(error(status), Some(Error::ResponseBadStatus), "{status:?}");
    }
    assert_eq!(
        error(b"Status: 200\nstatus: 201\n\n"),
        Some(Error::ResponseDuplicateHeader)
    );
    assert_eq!(
        error(b"Location: /a\nLOCATION: /b\n\n"),
        Some(Error::ResponseDuplicateHeader)
    );
    assert_eq!(
        error(b"Content-Type: a/b\ncontent-type: c/d\n\n"),
        Some(Error::ResponseDuplicateHeader)
    );
    assert_eq!(
        error(b"Status: 200 OK\r\nContent-Type: a/b\r\n"),
        Some(Error::RemotePrematureEof)
    );
    assert_eq!(error(b""), Some(Error::RemotePrematureEof));
    // Too large, whatever the chunking; an earlier bad line still comes first.
    let big = [b"X-Filler: ".as_slice(), &[b'a'; 200], b"\r\n\r\n"].concat();
    assert_eq!(
        run(&big, &[], 100).last(),
        Some(&Seen::Error(Error::ResponseHeadersTooLarge))
    );
    assert_eq!(
        run(&big, &[7, 50, 99, 150], 100).last(),
        Some(&Seen::Error(Error::ResponseHeadersTooLarge))
    );
    let bad_first = [b"bad\r\n".as_slice(), &big].concat();
    assert_eq!(
        run(&bad_first, &[3], 100).last(),
        Some(&Seen::Error(Error::ResponseHeaderNoColon))
    );
    assert_eq!(Error::ResponseHeadersTooLarge.status_hint(), Some(502));
}

#[test]
fn receive_after_eof() {
    let mut reader = ResponseReader::new([0u8; 64]);
    assert!(matches!(
        reader.read(b"X: y\n\nbody"),
        Ok((6, Some(Event::Headers(_))))
    ));
    assert_eq!(reader.read_eof(), Ok(Some(Event::End)));
    assert_eq!(reader.state(), ResponseState::Done);
    assert_eq!(reader.read_eof(), Ok(None));
    assert_eq!(reader.read(b"late"), Err(Error::ReceiveAfterEof));
    assert_eq!(reader.state(), ResponseState::Error);
}

#[test]
fn every_split_gives_the_same_events() {
    let data = b"Status: 302 Found\r\nLocation: http://e/x\nX-Dup: 1\r\nX-Dup: 2\r\nContent-Type: text/plain; charset=\xe9\r\n\r\nmoved to x\n\r\n";
    let expected = whole(data);
    assert_eq!(expected.len(), 3);
    for a in 0..=data.len() {
        assert_eq!(run(data, &[a], 1 << 16), expected, "split at {a}");
        for b in (a..=data.len()).step_by(7) {
            assert_eq!(run(data, &[a, b], 1 << 16), expected, "split at {a}, {b}");
        }
    }
}

#[test]
fn two_mib_body_streams_without_copy() {
    let mut data = b"Content-Type: application/octet-stream\r\n\r\n".to_vec();
    let body: Vec<u8> = (0..2 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    data.extend_from_slice(&body);
    let mut storage = [0u8; 256];
    let mut reader = ResponseReader::new(&mut storage[..]);
    let mut got = Vec::with_capacity(body.len());
    for piece in data.chunks(1400) {
        let mut input = piece;
        while let (used, Some(event)) = reader.read(input).unwrap() {
            if let Event::Body(b) = event {
                assert!(
                    std::ptr::eq(b.as_ptr(), input.as_ptr()),
                    "a slice of the input"
                );
                got.extend_from_slice(b);
            }
            input = &input[used..];
        }
    }
    assert_eq!(reader.read_eof(), Ok(Some(Event::End)));
    assert!(got == body, "2 MiB body intact");
    assert_eq!(
        reader.headers().unwrap().content_type(),
        Some(&b"application/octet-stream"[..])
    );
}

#[test]
fn header_accessors() {
    let mut reader = ResponseReader::new([0u8; 256]);
    let data =
        b"Status: 200 OK\r\nSet-Cookie: a=1\r\nContent-Type: text/html\r\nset-cookie: b=2\r\n\r\n";
    let Ok((_, Some(Event::Headers(h)))) = reader.read(data) else {
        panic!()
    };
    assert_eq!(h.get("SET-COOKIE"), Some(&b"a=1"[..]));
    assert_eq!(h.other_headers().count(), 2);
    assert_eq!(h.iter().count(), 4);
    assert_eq!(h.as_bytes(), data);
    assert_eq!(h.location(), None);
    assert_eq!(h.effective_status(), 200);
}

// ---- request writer ------------------------------------------------------------------

#[test]
fn every_request_writer_error() {
    let e = |env: &[(&[u8], &[u8])], len| RequestHead::new(env, len).err();
    assert_eq!(e(&[(b"", b"v")], 0), Some(Error::RequestNameEmpty));
    assert_eq!(e(&[(b"A\0B", b"v")], 0), Some(Error::RequestNulByte));
    assert_eq!(e(&[(b"A", b"v\0")], 0), Some(Error::RequestNulByte));
    assert_eq!(
        e(&[(b"A", b"1"), (b"A", b"1")], 0),
        Some(Error::RequestDuplicateName)
    );
    assert_eq!(e(&[(b"SCGI", b"2")], 0), Some(Error::RequestBadScgiVersion));
    assert_eq!(
        e(&[(b"CONTENT_LENGTH", b"1")], 0),
        Some(Error::RequestContentLengthMismatch)
    );
    let head = RequestHead::new(&[], 3).unwrap();
    let mut writer = RequestWriter::new();
    assert_eq!(
        writer.send_head(&head, &mut [0u8; 4]),
        Err(Error::BufferTooSmall {
            needed: head.encoded_len()
        })
    );
    assert_eq!(writer.send_body(b"x"), Err(Error::BadEventInState));
    let mut out = [0u8; 64];
    writer.send_head(&head, &mut out).unwrap();
    assert_eq!(writer.send_body(b"abcd"), Err(Error::BodyTooLong));
    assert_eq!(writer.send_end(), Err(Error::BodyTooShort));
    writer.send_body(b"abc").unwrap();
    writer.send_end().unwrap();
    assert_eq!(writer.state(), RequestState::Done);
    assert_eq!(writer.send_end(), Err(Error::BadEventInState));
    for error in [
        Error::RequestNameEmpty,
        Error::BodyTooLong,
        Error::BodyTooShort,
        Error::RequestNulByte,
    ] {
        assert!(!error.is_remote());
    }
}

#[test]
fn ten_thousand_variables_with_a_repeat() {
    let names: Vec<String> = (0..10_000).map(|i| format!("HTTP_X_{i}")).collect();
    let mut env: Vec<(&[u8], &[u8])> = names.iter().map(|n| (n.as_bytes(), &b"v"[..])).collect();
    // More than the stack's 256 names: the scratch is asked for, and then enough.
    assert_eq!(
        RequestHead::new(&env, 0).err(),
        Some(Error::BufferTooSmall {
            needed: scratch_len(10_000)
        })
    );
    let mut scratch = vec![0u8; scratch_len(env.len() + 1)];
    assert!(RequestHead::with_scratch(&env, 0, &mut scratch).is_ok());
    assert!(RequestHead::new(&env[..STACK_NAMES], 0).is_ok());
    env.push((b"HTTP_X_9999", b"again"));
    assert_eq!(
        RequestHead::with_scratch(&env, 0, &mut scratch).err(),
        Some(Error::RequestDuplicateName)
    );
    assert_eq!(
        RequestHead::with_scratch(&env, 0, &mut scratch[..100]).err(),
        Some(Error::BufferTooSmall {
            needed: scratch_len(10_001)
        })
    );
    let mut last: Vec<(&[u8], &[u8])> = env[env.len() - STACK_NAMES..].to_vec();
    assert_eq!(
        RequestHead::new(&last, 0).err(),
        Some(Error::RequestDuplicateName)
    );
    last.pop();
    assert!(RequestHead::new(&last, 0).is_ok());
}
