use http::{HeaderValue, Response};

use super::*;

fn head(response: Response<()>, body_len: Option<u64>) -> Result<String, ResponseError> {
    let (parts, ()) = response.into_parts();
    let mut out = b"kept:".to_vec();
    encode_head(&parts, body_len, &mut out)?;
    let out = String::from_utf8_lossy(&out).into_owned();
    Ok(out.strip_prefix("kept:").expect("appended").to_owned())
}

#[test]
fn status_headers_and_length() {
    let response = Response::builder()
        .status(201)
        .header("content-type", "application/json")
        .header("x-id", "7")
        .header("set-cookie", "a=1")
        .header("set-cookie", "b=2")
        .body(())
        .unwrap();
    assert_eq!(
        head(response, Some(12)).unwrap(),
        "Content-Type: application/json\r\nStatus: 201 Created\r\nx-id: 7\r\n\
         set-cookie: a=1\r\nset-cookie: b=2\r\ncontent-length: 12\r\n\r\n"
    );
}

#[test]
fn a_length_header_of_the_service_is_kept_and_not_repeated() {
    let response = Response::builder()
        .header("content-length", "5")
        .body(())
        .unwrap();
    assert_eq!(
        head(response, Some(5)).unwrap(),
        "Status: 200 OK\r\ncontent-length: 5\r\n\r\n"
    );
    // Unknown length: no header (the web server chunks or closes).
    let response = Response::new(());
    assert_eq!(head(response, None).unwrap(), "Status: 200 OK\r\n\r\n");
}

#[test]
fn no_length_where_no_body_may_be() {
    // None added to a 204 or a 304, whatever the body's length says.
    for status in [204, 304] {
        for body_len in [Some(0), Some(7), None] {
            let response = Response::builder().status(status).body(()).unwrap();
            let head = head(response, body_len).unwrap();
            assert!(
                !head.contains("content-length"),
                "{status} {body_len:?}: {head}"
            );
        }
    }
    // axum sets `content-length: 0` on every empty body: dropped from a 204 and a 304.
    for status in [204, 304] {
        let response = Response::builder()
            .status(status)
            .header("content-length", "0")
            .header("etag", "\"x\"")
            .body(())
            .unwrap();
        assert_eq!(
            head(response, Some(0)).unwrap(),
            format!(
                "Status: {status} {}\r\netag: \"x\"\r\n\r\n",
                sioscgi::Status::reason_phrase(status).unwrap()
            )
        );
    }
    // A 204 never has one; a 304's own length (of the document it stands for) is kept
    // when the body does not say it is empty.
    let response = Response::builder()
        .status(204)
        .header("content-length", "12")
        .body(())
        .unwrap();
    assert_eq!(
        head(response, None).unwrap(),
        "Status: 204 No Content\r\n\r\n"
    );
    let response = Response::builder()
        .status(304)
        .header("content-length", "12")
        .body(())
        .unwrap();
    assert_eq!(
        head(response, None).unwrap(),
        "Status: 304 Not Modified\r\ncontent-length: 12\r\n\r\n"
    );
    // Every other status keeps its length or gets one.
    let response = Response::builder().status(404).body(()).unwrap();
    assert!(
        head(response, Some(0))
            .unwrap()
            .contains("content-length: 0")
    );
    assert_eq!(decimal(0, &mut [0; 20]), "0");
    assert_eq!(decimal(u64::MAX, &mut [0; 20]), u64::MAX.to_string());
}

#[test]
fn an_interim_status_is_not_a_final_one() {
    for status in [100, 101, 102, 103, 199] {
        let response = Response::builder().status(status).body(()).unwrap();
        assert_eq!(
            head(response, Some(11)),
            Err(ResponseError::Informational(status))
        );
    }
    assert!(
        ResponseError::Informational(103)
            .to_string()
            .contains("103 is an interim status")
    );
}

#[test]
fn every_status_has_a_valid_reason_phrase() {
    for code in 200..=999u16 {
        let response = Response::builder().status(code).body(()).unwrap();
        let out = head(response, None).unwrap();
        let line = out.lines().next().unwrap();
        let phrase = line
            .strip_prefix(&format!("Status: {code} "))
            .unwrap_or_else(|| panic!("{code}: {line:?}"));
        // The registered phrase, else the http crate's, else an empty one (RFC 3875:
        // `Status: NNN SP reason-phrase`, which may be empty).
        let expected = sioscgi::Status::reason_phrase(code)
            .or_else(|| http::StatusCode::from_u16(code).ok()?.canonical_reason())
            .unwrap_or("");
        assert_eq!(phrase, expected, "{code}");
        assert!(phrase.bytes().all(|b| b == b' ' || b.is_ascii_graphic()));
    }
    let teapot = Response::builder().status(418).body(()).unwrap();
    assert!(
        head(teapot, None)
            .unwrap()
            .starts_with("Status: 418 I'm a teapot\r\n")
    );
    let unknown = Response::builder().status(599).body(()).unwrap();
    assert!(head(unknown, None).unwrap().starts_with("Status: 599 \r\n"));
    let registered = Response::builder().status(413).body(()).unwrap();
    assert!(
        head(registered, None)
            .unwrap()
            .starts_with("Status: 413 Content Too Large\r\n")
    );
}

#[test]
fn hop_by_hop_headers_are_dropped() {
    let response = Response::builder()
        .header("connection", "close, x-private")
        .header("keep-alive", "timeout=5")
        .header("transfer-encoding", "chunked")
        .header("upgrade", "websocket")
        .header("te", "trailers")
        .header("trailer", "x-sum")
        .header("proxy-authenticate", "Basic")
        .header("proxy-connection", "keep-alive")
        .header("x-private", "named by Connection")
        .header("x-public", "kept")
        .body(())
        .unwrap();
    assert_eq!(
        head(response, None).unwrap(),
        "Status: 200 OK\r\nx-public: kept\r\n\r\n"
    );
}

#[test]
fn redirects_keep_their_status() {
    // axum's `Redirect::to("/x")`: 303 with a relative Location, a client redirect with
    // a document for CGI.
    let response = Response::builder()
        .status(303)
        .header("location", "/x")
        .body(())
        .unwrap();
    assert_eq!(
        head(response, Some(0)).unwrap(),
        "Location: /x\r\nStatus: 303 See Other\r\ncontent-length: 0\r\n\r\n"
    );
}

#[test]
fn latin1_values_are_written_as_their_bytes() {
    let response = Response::builder()
        .header("x-name", HeaderValue::from_bytes(b"caf\xe9").unwrap())
        .header("x-ascii", "plain")
        .header("x-other", HeaderValue::from_bytes(b"\xff!").unwrap())
        .body(())
        .unwrap();
    let (parts, ()) = response.into_parts();
    let mut out = Vec::new();
    encode_head(&parts, None, &mut out).unwrap();
    assert_eq!(
        out,
        b"Status: 200 OK\r\nx-name: caf\xe9\r\nx-ascii: plain\r\nx-other: \xff!\r\n\r\n"
    );
}

#[test]
fn what_the_core_refuses_is_an_error() {
    let response = Response::builder()
        .header("status", "200 OK")
        .body(())
        .unwrap();
    assert_eq!(head(response, None), Err(ResponseError::StatusHeader));
    let response = Response::builder()
        .header("content-type", "text/plain")
        .header("content-type", "text/html")
        .body(())
        .unwrap();
    assert!(matches!(
        head(response, None),
        Err(ResponseError::Rules(sioscgi::Error::DuplicateHeader))
    ));
    let response = Response::builder()
        .header("location", "/a")
        .header("location", "/b")
        .body(())
        .unwrap();
    let error = head(response, None).unwrap_err();
    assert!(matches!(
        error,
        ResponseError::Rules(sioscgi::Error::DuplicateHeader)
    ));
    assert!(error.to_string().contains("CGI rule"));
}

#[test]
fn many_headers_spill_to_the_heap_in_order() {
    let mut builder = Response::builder();
    for i in 0..40 {
        builder = builder.header(format!("x-h{i}"), i.to_string());
    }
    let out = head(builder.body(()).unwrap(), None).unwrap();
    let expected: String = (0..40).map(|i| format!("x-h{i}: {i}\r\n")).collect();
    assert_eq!(out, format!("Status: 200 OK\r\n{expected}\r\n"));
}
