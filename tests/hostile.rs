//! Hostile input: every case of the core's list plus the fuzzing issue's, each a typed
//! error (or a correct result), never a panic, never unbounded memory, never a hang.

mod common;

use common::{Seen, encode, error_of, request, run, run_whole};
use sioscgi::{
    Config, Connection, Error, Event, Output, Reader, ResponseEvent, ResponseHead, RxState, Status,
};

fn err(data: &[u8], config: Config) -> Option<Error> {
    error_of(&run_whole(data, config))
}

#[test]
fn the_core_list() {
    let c = Config::new();
    assert_eq!(err(b"99999999999:", c), Some(Error::HeadersTooLarge));
    assert_eq!(err(&vec![b'7'; 1 << 20], c), Some(Error::HeadersTooLarge));
    let long = encode(
        &[
            (b"CONTENT_LENGTH", b"18446744073709551616"),
            (b"SCGI", b"1"),
        ],
        b"",
    );
    assert_eq!(err(&long, c), Some(Error::BadContentLength));
    let data = request(&[(b"X", &[b'v'; 100])], b"");
    let len: usize = std::str::from_utf8(&data[..data.iter().position(|&b| b == b':').unwrap()])
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        err(&data, c.max_block_len(len - 1)),
        Some(Error::HeadersTooLarge)
    );
    assert_eq!(err(&data, c.max_block_len(len)), None);
}

#[test]
fn a_64_kib_block_of_one_byte_names() {
    // Only 255 one-byte names exist, so a block of them repeats names: refused by default,
    // accepted (every pair) with repeated names allowed; in linear time either way.
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut size = 0;
    let mut i = 0u32;
    while size < 65_536 - 40 {
        let name = vec![b'A' + (i % 26) as u8];
        size += 3;
        pairs.push((name, Vec::new()));
        i += 1;
    }
    let refs: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(n, v)| (n.as_slice(), v.as_slice()))
        .collect();
    let data = request(&refs, b"");
    assert!(data.len() <= 65_536 + 10);
    assert_eq!(err(&data, Config::new()), Some(Error::DuplicateHeader));
    let allowed = run_whole(&data, Config::new().allow_repeated_names(true));
    assert!(matches!(&allowed[0], Seen::Headers(env) if env.len() == pairs.len() + 2));
}

#[test]
fn alternating_tiny_and_large_chunks() {
    let body: Vec<u8> = (0..50_000u32).map(|i| (i % 253) as u8).collect();
    let names: Vec<String> = (0..500).map(|i| format!("HTTP_X_{i}")).collect();
    let pairs: Vec<(&[u8], &[u8])> = names
        .iter()
        .map(|n| (n.as_bytes(), &b"value"[..]))
        .collect();
    let data = request(&pairs, &body);
    let mut cuts = Vec::new();
    let mut at = 0;
    let mut small = true;
    while at < data.len() {
        at += if small { 1 } else { 4096 };
        small = !small;
        cuts.push(at.min(data.len()));
    }
    assert_eq!(
        run(&data, &cuts, Config::new()),
        run_whole(&data, Config::new())
    );
}

#[test]
fn content_length_of_20_digits_and_of_u64_max() {
    let twenty = encode(
        &[
            (b"CONTENT_LENGTH", b"00000000000000000005"),
            (b"SCGI", b"1"),
        ],
        b"hello",
    );
    assert_eq!(run_whole(&twenty, Config::new()).last(), Some(&Seen::End));
    let over = encode(
        &[
            (b"CONTENT_LENGTH", b"99999999999999999999"),
            (b"SCGI", b"1"),
        ],
        b"hello",
    );
    assert_eq!(err(&over, Config::new()), Some(Error::BadContentLength));
    // u64::MAX announced, a short body sent: the body streams, then EOF is premature.
    let max = encode(
        &[
            (b"CONTENT_LENGTH", b"18446744073709551615"),
            (b"SCGI", b"1"),
        ],
        b"short",
    );
    let seen = run_whole(&max, Config::new());
    assert_eq!(seen[1], Seen::Body(b"short".to_vec()));
    assert_eq!(seen.last(), Some(&Seen::Error(Error::RemotePrematureEof)));
}

#[test]
fn interleaved_response_and_request() {
    let data = request(&[(b"REQUEST_METHOD", b"PUT")], b"0123456789");
    let mut conn = Connection::new([0u8; 256]);
    let head =
        ResponseHead::new(Some(Status::Code(202)), &[("Content-Type", "text/plain")]).unwrap();
    let mut out = [0u8; 128];
    let mut body = Vec::new();
    let mut sent_head = false;
    for piece in data.chunks(3) {
        let mut received = conn.receive_data(piece);
        while let Some(event) = received.next_event().unwrap() {
            if let Event::Body(b) = event {
                body.extend_from_slice(b);
            }
        }
        // After every piece, the response moves on too.
        if !sent_head && conn.rx_state() == RxState::Body {
            assert!(matches!(
                conn.send(ResponseEvent::Headers(&head), &mut out),
                Ok(Output::Head(_))
            ));
            sent_head = true;
        } else if sent_head {
            assert_eq!(
                conn.send(ResponseEvent::Body(piece), &mut out),
                Ok(Output::Body(piece))
            );
        }
    }
    assert_eq!(body, b"0123456789");
    assert_eq!(conn.rx_state(), RxState::Done);
    assert_eq!(conn.send(ResponseEvent::End, &mut out), Ok(Output::Close));
}

#[test]
fn every_reader_method_after_an_error() {
    let mut reader = Reader::new([0u8; 64]);
    assert_eq!(reader.read(b"x"), Err(Error::BadNetstringLength));
    assert_eq!(reader.state(), RxState::Error);
    assert_eq!(reader.error(), Some(Error::BadNetstringLength));
    assert_eq!(reader.read(b"24:"), Err(Error::BadNetstringLength));
    assert_eq!(reader.read(b""), Err(Error::BadNetstringLength));
    assert_eq!(reader.read_eof(), Err(Error::BadNetstringLength));
    assert_eq!(reader.read(b"more"), Err(Error::BadNetstringLength));
    assert_eq!(reader.environment(), None);
    assert_eq!(reader.body_remaining(), None);
    assert_eq!(reader.min_needed(), 0);
    assert_eq!(reader.block_limit(), 64);
    assert!(format!("{reader:?}").contains("Error"));
    // And the client's response reader.
    let mut response = sioscgi::client::ResponseReader::new([0u8; 64]);
    assert_eq!(
        response.read(b" folded\n"),
        Err(Error::ResponseHeaderFolded)
    );
    assert_eq!(response.read(b"X: y\n\n"), Err(Error::ResponseHeaderFolded));
    assert_eq!(response.read_eof(), Err(Error::ResponseHeaderFolded));
    assert!(response.headers().is_none());
}

#[test]
fn many_tiny_reads_do_not_grow_anything() {
    // A body of a million bytes, one byte per call: the reader's footprint is its struct.
    let data = request(&[], &vec![b'z'; 1 << 20]);
    let mut reader = Reader::new([0u8; 128]);
    let mut body = 0;
    for byte in data.chunks(1) {
        if let (_, Some(Event::Body(b))) = reader.read(byte).unwrap() {
            body += b.len();
        }
    }
    assert_eq!(body, 1 << 20);
    assert!(std::mem::size_of::<Reader<[u8; 64]>>() < 256);
}

/// Found by the `environment_index` fuzz target: a block of NULs only (pairs of an empty
/// name and an empty value, 2 bytes each) in storage of `len_for_any_block` is refused
/// for its empty name, as Python refuses it, never for its number of pairs; in storage
/// that cannot index it, it is `TooManyHeaders`.
#[test]
fn a_block_of_nuls_is_an_empty_name_in_storage_for_any_block() {
    let block = vec![0u8; 40];
    let mut data = format!("{}:", block.len()).into_bytes();
    data.extend_from_slice(&block);
    data.push(b',');
    let mut storage = vec![0u8; sioscgi::storage::len_for_any_block(block.len())];
    let mut reader = Reader::new(&mut storage[..]);
    assert_eq!(reader.read(&data), Err(Error::HeaderEmpty));
    let mut small = vec![0u8; sioscgi::storage::len_for(block.len(), block.len() / 3)];
    let mut reader = Reader::new(&mut small[..]);
    assert_eq!(reader.read(&data), Err(Error::TooManyHeaders));
    assert_eq!(Error::TooManyHeaders.status_hint(), Some(431));
}
