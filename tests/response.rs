//! The response writer: the Python sioscgi response tests ported, and S10-S14.

use sioscgi::{Error, Output, ResponseEvent, ResponseHead, ResponseKind, Status, TxState, Writer};

/// Sends head, body chunks and end; returns every byte or the first error.
fn respond(
    status: Option<Status<'_>>,
    headers: &[(&str, &str)],
    body: &[&[u8]],
) -> Result<Vec<u8>, Error> {
    let head = ResponseHead::new(status, headers)?;
    let mut writer = Writer::new();
    let mut buf = vec![0; head.encoded_len()];
    let mut out = Vec::new();
    match writer.send(ResponseEvent::Headers(&head), &mut buf)? {
        Output::Head(n) => out.extend_from_slice(&buf[..n]),
        other => panic!("unexpected {other:?}"),
    }
    for chunk in body {
        match writer.send(ResponseEvent::Body(chunk), &mut buf)? {
            Output::Body(data) => {
                assert!(
                    std::ptr::eq(data, *chunk),
                    "body bytes pass through untouched"
                );
                out.extend_from_slice(data);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(writer.send(ResponseEvent::End, &mut buf)?, Output::Close);
    assert_eq!(writer.state(), TxState::Done);
    Ok(out)
}

fn line(s: &str) -> Option<Status<'_>> {
    Some(Status::Line(s))
}

// ---- the Python suite, ported --------------------------------------------------------

#[test]
fn document() {
    let out = respond(
        line("200 OK"),
        &[
            ("Content-Type", "text/plain; charset=UTF-8"),
            ("Content-Length", "14"),
        ],
        &[b"Hello ", b"World!\r\n"],
    );
    assert_eq!(
        out.unwrap(),
        b"Content-Type: text/plain; charset=UTF-8\r\nStatus: 200 OK\r\nContent-Length: 14\r\n\r\nHello World!\r\n"
    );
}

#[test]
fn local_redirect() {
    assert_eq!(
        respond(None, &[("Location", "/foo")], &[]).unwrap(),
        b"Location: /foo\r\n\r\n"
    );
    let head = ResponseHead::new(None, &[("Location", "/foo")]).unwrap();
    assert_eq!(head.kind(), ResponseKind::LocalRedirect);
    let mut writer = Writer::new();
    let mut buf = [0u8; 64];
    writer.send_head(&head, &mut buf).unwrap();
    assert_eq!(writer.state(), TxState::NoBody);
    assert_eq!(writer.send_body(b"x"), Err(Error::BadEventInState));
    assert_eq!(writer.state(), TxState::NoBody);
}

#[test]
fn client_redirect_with_document() {
    let out = respond(
        line("301 Moved Permanently"),
        &[
            ("Content-Type", "text/plain"),
            ("X-Other", "a"),
            ("Location", "http://example.com/"),
        ],
        &[b"moved"],
    );
    assert_eq!(
        out.unwrap(),
        b"Location: http://example.com/\r\nStatus: 301 Moved Permanently\r\nContent-Type: text/plain\r\nX-Other: a\r\n\r\nmoved"
    );
}

#[test]
fn non_latin1_content_type_location_or_other_header() {
    for headers in [
        &[("Content-Type", "text/\u{1f600}")][..],
        &[("Location", "/\u{3b1}")],
        &[("X-Thing", "\u{2603}")],
        &[("X-\u{2603}", "v")],
    ] {
        assert_eq!(
            respond(line("200 OK"), headers, &[]),
            Err(Error::HeaderNotIso88591),
            "{headers:?}"
        );
    }
    assert_eq!(
        respond(line("200 \u{2603}"), &[], &[]),
        Err(Error::HeaderNotIso88591)
    );
    // ISO-8859-1 itself is fine and written as single bytes.
    assert_eq!(
        respond(line("200 OK"), &[("X", "caf\u{e9}")], &[]).unwrap(),
        b"Status: 200 OK\r\nX: caf\xe9\r\n\r\n"
    );
}

#[test]
fn local_redirect_with_content_type_or_other_header() {
    assert_eq!(
        respond(
            None,
            &[("Location", "/x"), ("Content-Type", "text/plain")],
            &[]
        ),
        Err(Error::NonDocumentHeaders)
    );
    assert_eq!(
        respond(None, &[("Location", "/x"), ("X-A", "1")], &[]),
        Err(Error::NonDocumentHeaders)
    );
    assert_eq!(respond(None, &[], &[]), Err(Error::NonDocumentHeaders));
}

#[test]
fn hop_by_hop() {
    for name in [
        "Connection",
        "keep-alive",
        "Proxy-Authenticate",
        "proxy-authorization",
        "TE",
        "Trailers",
        "Transfer-Encoding",
        "UPGRADE",
    ] {
        assert_eq!(
            respond(line("200 OK"), &[(name, "x")], &[]),
            Err(Error::HeaderHopByHop),
            "{name}"
        );
    }
}

#[test]
fn body_or_end_before_headers() {
    let mut writer = Writer::new();
    assert_eq!(writer.send_body(b"x"), Err(Error::BadEventInState));
    assert_eq!(
        writer.send(ResponseEvent::End, &mut []),
        Err(Error::BadEventInState)
    );
    assert_eq!(writer.state(), TxState::Headers);
}

#[test]
fn events_after_end() {
    let mut writer = Writer::new();
    let head = ResponseHead::new(Some(Status::Code(200)), &[]).unwrap();
    let mut buf = [0u8; 64];
    writer.send_head(&head, &mut buf).unwrap();
    assert_eq!(
        writer.send_head(&head, &mut buf),
        Err(Error::BadEventInState)
    );
    writer.send_end().unwrap();
    assert_eq!(writer.send_body(b""), Err(Error::BadEventInState));
    assert_eq!(writer.send_end(), Err(Error::BadEventInState));
    assert_eq!(
        writer.send_head(&head, &mut buf),
        Err(Error::BadEventInState)
    );
}

#[test]
fn a_refused_head_leaves_the_writer_ready_for_another() {
    let mut writer = Writer::new();
    assert_eq!(
        ResponseHead::new(line("200 OK"), &[("Connection", "close")]),
        Err(Error::HeaderHopByHop)
    );
    let head = ResponseHead::new(Some(Status::Code(500)), &[]).unwrap();
    let mut small = [0u8; 4];
    assert_eq!(
        writer.send_head(&head, &mut small),
        Err(Error::BufferTooSmall {
            needed: head.encoded_len()
        })
    );
    let mut buf = [0u8; 64];
    let n = writer.send_head(&head, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"Status: 500 Internal Server Error\r\n\r\n");
}

// ---- S10-S14 -------------------------------------------------------------------------

#[test]
fn s10_no_line_breaks_or_nul() {
    for (status, headers) in [
        (line("200 OK"), &[("X", "a\r\nSet-Cookie: evil=1")][..]),
        (line("200 OK"), &[("X", "a\nb")]),
        (line("200 OK"), &[("X", "a\0b")]),
        (
            line("200 OK"),
            &[("Content-Type", "text/html\r\n\r\n<script>")],
        ),
        (line("302 Found"), &[("Location", "/a\r\nX: y")]),
        (None, &[("Location", "/a\nb")]),
        (line("200 OK\r\nX: y"), &[]),
        (line("200 OK"), &[("X\r\nY", "1")]),
    ] {
        assert_eq!(
            respond(status, headers, &[]),
            Err(Error::HeaderInjection),
            "{status:?} {headers:?}"
        );
    }
}

#[test]
fn s11_names_are_tokens() {
    for name in ["", "A B", "A:B", "A\tB", "(x)", "a/b", "\u{e9}"] {
        assert_eq!(
            respond(line("200 OK"), &[(name, "v")], &[]),
            Err(Error::BadHeaderName),
            "{name:?}"
        );
    }
    assert!(respond(line("200 OK"), &[("X-Ok_1.~!#$%&'*+^`|", "v")], &[]).is_ok());
}

#[test]
fn s12_more_hop_by_hop_names_ascii_case_insensitive() {
    for name in ["Trailer", "proxy-connection", "PROXY-CONNECTION", "tRaIlEr"] {
        assert_eq!(
            respond(line("200 OK"), &[(name, "x")], &[]),
            Err(Error::HeaderHopByHop),
            "{name}"
        );
    }
    assert!(respond(line("200 OK"), &[("Connection-Id", "x")], &[]).is_ok());
}

#[test]
fn s13_one_content_type_and_one_location() {
    assert_eq!(
        respond(
            line("200 OK"),
            &[("Content-Type", "a/b"), ("content-type", "c/d")],
            &[]
        ),
        Err(Error::DuplicateHeader)
    );
    assert_eq!(
        respond(None, &[("Location", "/a"), ("LOCATION", "/b")], &[]),
        Err(Error::DuplicateHeader)
    );
    // Other headers may repeat.
    assert!(
        respond(
            line("200 OK"),
            &[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
            &[]
        )
        .is_ok()
    );
}

#[test]
fn s14_status_and_location() {
    for status in [
        "200", "20 OK", "2000 OK", "099 Low", "OK 200", "200\tOK", " 200 OK", "",
    ] {
        assert_eq!(
            respond(line(status), &[], &[]),
            Err(Error::BadStatus),
            "{status:?}"
        );
    }
    assert_eq!(
        respond(Some(Status::Code(99)), &[], &[]),
        Err(Error::BadStatus)
    );
    assert_eq!(
        respond(Some(Status::Code(1000)), &[], &[]),
        Err(Error::BadStatus)
    );
    assert_eq!(
        respond(None, &[("Location", "")], &[]),
        Err(Error::BadLocation)
    );
    assert_eq!(
        respond(line("302 Found"), &[("Location", "")], &[]),
        Err(Error::BadLocation)
    );
    // A number gets its standard reason phrase.
    assert_eq!(
        respond(Some(Status::Code(404)), &[], &[]).unwrap(),
        b"Status: 404 Not Found\r\n\r\n"
    );
    assert_eq!(
        respond(Some(Status::Code(418)), &[], &[]).unwrap(),
        b"Status: 418 \r\n\r\n"
    );
    assert_eq!(
        respond(line("999 "), &[], &[]).unwrap(),
        b"Status: 999 \r\n\r\n"
    );
}

#[test]
fn encoded_len_is_exact() {
    let headers = [
        ("Content-Type", "text/html; charset=\u{e9}"),
        ("X-A", "1"),
        ("Location", "http://x/\u{ff}"),
    ];
    for status in [
        line("200 OK"),
        Some(Status::Code(302)),
        Some(Status::Code(299)),
    ] {
        let head = ResponseHead::new(status, &headers).unwrap();
        let mut buf = vec![0; head.encoded_len() + 10];
        assert_eq!(head.encode(&mut buf), Ok(head.encoded_len()));
        assert_eq!(
            head.encode(&mut buf[..head.encoded_len()]),
            Ok(head.encoded_len())
        );
        assert_eq!(
            head.encode(&mut buf[..head.encoded_len() - 1]),
            Err(Error::BufferTooSmall {
                needed: head.encoded_len()
            })
        );
    }
}

#[test]
fn specials_in_any_case_and_latin1_texts_encode_at_their_exact_length() {
    // The status line and the special headers' values, ASCII or not, in every spelling
    // of the special names: the length is counted once, where each is checked.
    type Case<'a> = (&'a str, [(&'a str, &'a str); 3], &'a [u8]);
    let cases: [Case<'_>; 3] = [
        (
            "200 Tr\u{e8}s bien",
            [("content-type", "text/plain; x=\u{e9}"), ("LOCATION", "/\u{ff}"), ("X", "1")],
            b"Location: /\xff\r\nStatus: 200 Tr\xe8s bien\r\nContent-Type: text/plain; x=\xe9\r\nX: 1\r\n\r\n",
        ),
        (
            "200 OK",
            [("Content-TYPE", "a/b"), ("X-Long-Name", "a value of several words"), ("lOcAtIoN", "/x")],
            b"Location: /x\r\nStatus: 200 OK\r\nContent-Type: a/b\r\nX-Long-Name: a value of several words\r\n\r\n",
        ),
        (
            "299 ",
            [("Content-Typf", "not special"), ("Locatioo", "neither"), ("Content-Type", "c/d")],
            b"Content-Type: c/d\r\nStatus: 299 \r\nContent-Typf: not special\r\nLocatioo: neither\r\n\r\n",
        ),
    ];
    for (status, headers, want) in cases {
        let head = ResponseHead::new(line(status), &headers).unwrap();
        assert_eq!(head.encoded_len(), want.len(), "{status:?}");
        let mut buf = vec![0; want.len()];
        assert_eq!(head.encode(&mut buf), Ok(want.len()));
        assert_eq!(buf, want, "{}", String::from_utf8_lossy(&buf));
    }
    // A status line out of ISO-8859-1, or with a line break, is refused as before.
    assert_eq!(
        ResponseHead::new(line("200 \u{20ac}"), &[]).err(),
        Some(Error::HeaderNotIso88591)
    );
    assert_eq!(
        ResponseHead::new(line("200 \u{e9}\n"), &[]).err(),
        Some(Error::HeaderInjection)
    );
}
