//! The `alloc` conveniences: the Python shape (buffering `receive_data`, owned events,
//! `send` returning bytes) on the same state machine.
#![cfg(feature = "alloc")]

mod common;

use std::hash::BuildHasher;

use common::{Seen, request, run_whole};
use sioscgi::owned::{Connection, Event, Reader};
use sioscgi::{Config, Error, ResponseEvent, ResponseHead, RxState, Status, TxState};

fn drain(reader: &mut Reader) -> Result<Vec<Event>, Error> {
    let mut out = Vec::new();
    while let Some(event) = reader.next_event()? {
        out.push(event);
    }
    Ok(out)
}

/// Owned events, with body chunks merged, in the shape of the borrowed runs.
fn as_seen(events: Vec<Event>, error: Option<Error>) -> Vec<Seen> {
    let mut seen: Vec<Seen> = Vec::new();
    for event in events {
        match event {
            Event::Headers(env) => seen.push(Seen::Headers(env.to_pairs())),
            Event::Body(data) => {
                assert!(!data.is_empty());
                if let Some(Seen::Body(prev)) = seen.last_mut() {
                    prev.extend_from_slice(&data);
                } else {
                    seen.push(Seen::Body(data));
                }
            }
            Event::End => seen.push(Seen::End),
        }
    }
    seen.extend(error.map(Seen::Error));
    seen
}

fn feed(data: &[u8], chunk: usize, drain_each_time: bool) -> Vec<Seen> {
    let mut reader = Reader::new();
    let mut events = Vec::new();
    let mut error = None;
    for piece in data.chunks(chunk) {
        reader.receive_data(piece).unwrap();
        if drain_each_time {
            match drain(&mut reader) {
                Ok(mut e) => events.append(&mut e),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    if error.is_none() {
        reader.receive_data(b"").unwrap();
        match drain(&mut reader) {
            Ok(mut e) => events.append(&mut e),
            Err(e) => error = Some(e),
        }
    }
    as_seen(events, error)
}

#[test]
fn same_events_as_the_borrowed_reader() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let dirs = ["nginx", "lighttpd", "apache"].map(|d| root.join(d));
    for entry in dirs.iter().flat_map(|d| std::fs::read_dir(d).unwrap()) {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "scgi") {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let expected = run_whole(&data, Config::new());
        for chunk in [1, 13, 4096, data.len().max(1)] {
            if chunk == 1 && data.len() > 50_000 {
                continue;
            }
            assert_eq!(feed(&data, chunk, true), expected, "{path:?} chunk {chunk}");
            assert_eq!(
                feed(&data, chunk, false),
                expected,
                "{path:?} chunk {chunk}, drained at the end"
            );
        }
    }
}

#[test]
fn errors_are_sticky_and_receive_after_eof_is_refused() {
    let mut reader = Reader::new();
    reader.receive_data(b"x").unwrap();
    assert_eq!(reader.next_event(), Err(Error::BadNetstringLength));
    assert_eq!(reader.next_event(), Err(Error::BadNetstringLength));
    assert_eq!(reader.state(), RxState::Error);

    let mut reader = Reader::new();
    reader.receive_data(&request(&[], b"")).unwrap();
    reader.receive_data(b"").unwrap();
    assert_eq!(reader.receive_data(b"late"), Err(Error::ReceiveAfterEof));
    assert_eq!(reader.next_event(), Err(Error::ReceiveAfterEof));

    let mut reader = Reader::new();
    reader.receive_data(b"5:ab").unwrap();
    reader.receive_data(b"").unwrap();
    assert_eq!(reader.next_event(), Err(Error::RemotePrematureEof));
}

#[test]
fn vec_storage_grows_to_the_limit_only() {
    let data = request(&[(b"X", &[b'v'; 5000])], b"");
    let mut reader = Reader::with_config(Config::new().max_block_len(1000));
    reader.receive_data(&data).unwrap();
    assert_eq!(reader.next_event(), Err(Error::HeadersTooLarge));
    let mut reader = Reader::new();
    reader.receive_data(&data).unwrap();
    let Some(Event::Headers(env)) = reader.next_event().unwrap() else {
        panic!()
    };
    assert_eq!(env.view().get("X").map(<[u8]>::len), Some(5000));
    assert_eq!(reader.environment().unwrap().content_length(), 0);
}

#[test]
fn connection_in_the_python_shape() {
    let mut conn = Connection::new();
    conn.receive_data(&request(&[(b"REQUEST_METHOD", b"PUT")], b"data"))
        .unwrap();
    // The response may start before the request body is read.
    let head =
        ResponseHead::new(Some(Status::Code(413)), &[("Content-Type", "text/plain")]).unwrap();
    let bytes = conn.send(ResponseEvent::Headers(&head)).unwrap().unwrap();
    assert_eq!(
        bytes,
        b"Content-Type: text/plain\r\nStatus: 413 Content Too Large\r\n\r\n"
    );
    assert_eq!(conn.tx_state(), TxState::Body);
    assert_eq!(conn.rx_state(), RxState::HeaderLength);
    assert!(matches!(
        conn.next_event().unwrap(),
        Some(Event::Headers(_))
    ));
    assert_eq!(
        conn.next_event().unwrap(),
        Some(Event::Body(b"data".to_vec()))
    );
    assert_eq!(
        conn.send(ResponseEvent::Body(b"too big")).unwrap(),
        Some(b"too big".to_vec())
    );
    assert_eq!(conn.send(ResponseEvent::End).unwrap(), None);
    assert_eq!(conn.next_event().unwrap(), Some(Event::End));
    assert_eq!(conn.rx_state(), RxState::Done);
    assert_eq!(conn.send(ResponseEvent::End), Err(Error::BadEventInState));
}

#[test]
fn response_head_to_vec() {
    let head = ResponseHead::redirect("/x").unwrap();
    assert_eq!(head.to_vec(), b"Location: /x\r\n\r\n");
}

#[test]
fn vec_storage_for_the_response_reader_grows_piece_by_piece() {
    use sioscgi::client::{Event as ClientEvent, ResponseReader};
    let data = b"Status: 201 Created\r\nLocation: /new\r\nX-Long: 0123456789012345678901234567890123456789\r\n\r\nok";
    let mut reader = ResponseReader::new(Vec::new());
    let mut headers = None;
    let mut body = Vec::new();
    for byte in data.chunks(1) {
        let mut input = byte;
        while let (used, Some(event)) = reader.read(input).unwrap() {
            match event {
                ClientEvent::Headers(h) => {
                    headers = Some((
                        h.status(),
                        h.location().map(<[u8]>::to_vec),
                        h.get("x-long").map(<[u8]>::to_vec),
                    ))
                }
                ClientEvent::Body(b) => body.extend_from_slice(b),
                ClientEvent::End => {}
            }
            input = &input[used..];
        }
    }
    assert_eq!(
        headers,
        Some((
            Some(201),
            Some(b"/new".to_vec()),
            Some(b"0123456789012345678901234567890123456789".to_vec())
        ))
    );
    assert_eq!(body, b"ok");
    assert_eq!(reader.read_eof(), Ok(Some(ClientEvent::End)));
}

/// An environment whose names were not indexed keeps its lookups in its owned copy (each
/// a pass over the pairs), repeats included, and equals the same request read indexed
/// (hashed alike).
#[test]
fn an_unindexed_environment_looks_up_the_same_when_owned() {
    let pairs: [(&[u8], &[u8]); 4] = [
        (b"HTTP_COOKIE", b"a=1"),
        (b"REQUEST_METHOD", b"GET"),
        (b"HTTP_COOKIE", b"b=2"),
        (b"HTTP_ACCEPT", b"*/*"),
    ];
    let config = Config::new().allow_repeated_names(true).index_names(false);
    let mut reader = Reader::with_config(config);
    reader.receive_data(&request(&pairs, b"")).unwrap();
    let Some(Event::Headers(env)) = reader.next_event().unwrap() else {
        panic!("the headers");
    };
    let copy = env.clone();
    // Equal to the same request read with its names indexed, and hashed alike.
    let mut indexed = Reader::with_config(Config::new().allow_repeated_names(true));
    indexed.receive_data(&request(&pairs, b"")).unwrap();
    let Some(Event::Headers(indexed)) = indexed.next_event().unwrap() else {
        panic!("the headers");
    };
    assert_eq!(indexed, env);
    assert_eq!(indexed.view(), env.view());
    let state = std::hash::RandomState::new();
    assert_eq!(state.hash_one(&indexed), state.hash_one(&env));
    for env in [env.view(), copy.view()] {
        assert_eq!(env.len(), 6);
        assert_eq!(env.get("REQUEST_METHOD"), Some(&b"GET"[..]));
        assert_eq!(env.get("HTTP_COOKIE"), Some(&b"a=1"[..]));
        let cookies: Vec<&[u8]> = env.get_all(b"HTTP_COOKIE").collect();
        assert_eq!(cookies, [&b"a=1"[..], b"b=2"]);
        assert_eq!(env.get("HTTP_HOST"), None);
        assert_eq!(env.get_all(b"SCGI").count(), 1);
    }
}
