//! The request writer on fuzzer-built environments: a typed error, or a request that the
//! server's reader reads back to the same environment (CONTENT_LENGTH first, SCGI added)
//! and body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sioscgi::client::{RequestHead, RequestWriter};
use sioscgi::{Config, Event, Reader};

/// The environment's pairs and the body.
type Input = (Vec<(Vec<u8>, Vec<u8>)>, Vec<u8>);

fuzz_target!(|input: Input| {
    let (env, body) = input;
    let pairs: Vec<(&[u8], &[u8])> = env
        .iter()
        .map(|(n, v)| (n.as_slice(), v.as_slice()))
        .collect();
    let Ok(head) = RequestHead::new(&pairs, body.len() as u64) else {
        return;
    };
    let mut writer = RequestWriter::new();
    let mut wire = vec![0u8; head.encoded_len()];
    writer.send_head(&head, &mut wire).unwrap();
    wire.extend_from_slice(writer.send_body(&body).unwrap());
    writer.send_end().unwrap();

    let mut storage = vec![0u8; sioscgi::storage::len_for_any_block(wire.len())];
    let mut reader = Reader::with_config(&mut storage[..], Config::new().max_block_len(wire.len()));
    let (used, event) = reader.read(&wire).unwrap();
    let Some(Event::Headers(got)) = event else {
        panic!("no headers")
    };
    let got: Vec<(&[u8], &[u8])> = got.iter().collect();
    let length = body.len().to_string();
    assert_eq!(got[0], (&b"CONTENT_LENGTH"[..], length.as_bytes()));
    let caller: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .copied()
        .filter(|(n, _)| *n != b"CONTENT_LENGTH")
        .collect();
    let given_scgi = pairs.iter().any(|(n, _)| *n == b"SCGI");
    let rest = if given_scgi {
        &got[1..]
    } else {
        assert_eq!(got[1], (&b"SCGI"[..], &b"1"[..]));
        &got[2..]
    };
    assert_eq!(rest, caller.as_slice());
    let mut received = Vec::new();
    let mut input = &wire[used..];
    loop {
        let (used, event) = reader.read(input).unwrap();
        input = &input[used..];
        match event {
            Some(Event::Body(data)) => received.extend_from_slice(data),
            Some(Event::End) => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(received, body);
});
