//! The request reader: the Python sioscgi test suite ported, every error kind, the
//! deliberate strictness S1-S7, and hostile inputs.

mod common;

use common::{Seen, encode, error_of, request, run, run_bytewise, run_whole};
use sioscgi::{Config, Connection, Error, Event, Reader, RxState};

/// The example request of the SCGI specification.
const SPEC: &[u8] = b"70:CONTENT_LENGTH\x0027\x00SCGI\x001\x00REQUEST_METHOD\x00POST\x00\
REQUEST_URI\x00/deepthought\x00,What is the answer to life?";

fn spec_env() -> Vec<(Vec<u8>, Vec<u8>)> {
    [
        ("CONTENT_LENGTH", "27"),
        ("SCGI", "1"),
        ("REQUEST_METHOD", "POST"),
        ("REQUEST_URI", "/deepthought"),
    ]
    .iter()
    .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
    .collect()
}

fn err(data: &[u8]) -> Option<Error> {
    let whole = error_of(&run_whole(data, Config::new()));
    assert_eq!(
        error_of(&run_bytewise(data, Config::new())),
        whole,
        "chunking changed the result for {data:?}"
    );
    whole
}

// ---- the Python suite, ported --------------------------------------------------------

#[test]
fn big_buffer() {
    // All at once (sioscgi's test_big_buffer).
    let seen = run_whole(SPEC, Config::new());
    assert_eq!(
        seen,
        [
            Seen::Headers(spec_env()),
            Seen::Body(b"What is the answer to life?".to_vec()),
            Seen::End
        ]
    );
}

#[test]
fn tiny_buffer() {
    // One byte per receive_data (sioscgi's test_tiny_buffer): 27 body events of one byte.
    let mut conn = Connection::new([0u8; 256]);
    let mut bodies = 0;
    let mut headers = 0;
    let mut ends = 0;
    for byte in SPEC.chunks(1) {
        let mut received = conn.receive_data(byte);
        while let Some(event) = received.next_event().unwrap() {
            match event {
                Event::Headers(env) => {
                    headers += 1;
                    assert_eq!(env.get("REQUEST_URI"), Some(&b"/deepthought"[..]));
                }
                Event::Body(b) => {
                    assert_eq!(b.len(), 1);
                    bodies += 1;
                }
                Event::End => ends += 1,
            }
        }
    }
    assert_eq!((headers, bodies, ends), (1, 27, 1));
    assert_eq!(conn.rx_state(), RxState::Done);
    assert_eq!(conn.receive_data(b"").next_event(), Ok(None));
}

#[test]
fn premature_eof() {
    for cut in 0..SPEC.len() {
        assert_eq!(
            err(&SPEC[..cut]),
            Some(Error::RemotePrematureEof),
            "cut at {cut}"
        );
    }
    // The events before the EOF are still delivered.
    let seen = run_whole(&SPEC[..SPEC.len() - 1], Config::new());
    assert_eq!(seen[0], Seen::Headers(spec_env()));
    assert_eq!(seen[1], Seen::Body(b"What is the answer to life".to_vec()));
}

#[test]
fn no_comma() {
    let mut bad = SPEC.to_vec();
    bad[73] = b';';
    assert_eq!(err(&bad), Some(Error::BadNetstringTerminator));
}

#[test]
fn no_scgi() {
    assert_eq!(
        err(&encode(&[(b"CONTENT_LENGTH", b"0")], b"")),
        Some(Error::NoScgiVariable)
    );
}

#[test]
fn no_content_length() {
    assert_eq!(
        err(&encode(&[(b"SCGI", b"1")], b"")),
        Some(Error::NoContentLength)
    );
}

#[test]
fn not_nul_terminated() {
    assert_eq!(
        err(b"24:CONTENT_LENGTH\x000\x00SCGI\x001X,"),
        Some(Error::HeadersNotNulTerminated)
    );
}

#[test]
fn odd_string_count() {
    assert_eq!(
        err(b"22:CONTENT_LENGTH\x000\x00SCGI\x00,"),
        Some(Error::HeadersOddStringCount)
    );
}

#[test]
fn wrong_scgi_version() {
    for version in [&b"2"[..], b"", b"1.0", b" 1", b"01"] {
        assert_eq!(
            err(&encode(
                &[(b"CONTENT_LENGTH", b"0"), (b"SCGI", version)],
                b""
            )),
            Some(Error::BadScgiVersion)
        );
    }
}

#[test]
fn length_with_space() {
    assert_eq!(
        err(b" 24:CONTENT_LENGTH\x000\x00SCGI\x001\x00,"),
        Some(Error::BadNetstringLength)
    );
    assert_eq!(
        err(b"24 :CONTENT_LENGTH\x000\x00SCGI\x001\x00,"),
        Some(Error::BadNetstringLength)
    );
}

#[test]
fn non_integer_length() {
    assert_eq!(err(b"abc:"), Some(Error::BadNetstringLength));
    assert_eq!(err(b"2x:"), Some(Error::BadNetstringLength));
}

#[test]
fn receive_after_eof() {
    let mut reader = Reader::new([0u8; 256]);
    assert_eq!(reader.read_eof(), Err(Error::RemotePrematureEof));
    // The first error stays.
    assert_eq!(reader.read(b"x"), Err(Error::RemotePrematureEof));

    let mut reader = Reader::new([0u8; 256]);
    let (used, _) = reader.read(SPEC).unwrap();
    reader.read(&SPEC[used..]).unwrap();
    reader.read(&[]).unwrap();
    assert_eq!(reader.state(), RxState::Done);
    assert_eq!(reader.read_eof(), Ok(None));
    assert_eq!(reader.read(b"more"), Err(Error::ReceiveAfterEof));
    assert_eq!(reader.state(), RxState::Error);
    assert_eq!(reader.error(), Some(Error::ReceiveAfterEof));
    assert_eq!(reader.read(b""), Err(Error::ReceiveAfterEof));
}

// ---- every remote error, in the precedence order -------------------------------------

#[test]
fn precedence_of_block_errors() {
    // Terminator first, whatever the block holds.
    assert_eq!(err(b"3:\x00\x00\x00;"), Some(Error::BadNetstringTerminator));
    // Then NUL termination, before the string count.
    assert_eq!(err(b"3:A\x00B,"), Some(Error::HeadersNotNulTerminated));
    // Empty name and duplicate: whichever comes first in wire order.
    let e = err(&encode(&[(b"", b"x"), (b"A", b"1"), (b"A", b"2")], b""));
    assert_eq!(e, Some(Error::HeaderEmpty));
    let e = err(&encode(&[(b"A", b"1"), (b"A", b"2"), (b"", b"x")], b""));
    assert_eq!(e, Some(Error::DuplicateHeader));
    // Structure before content.
    let e = err(&encode(&[(b"SCGI", b"2"), (b"SCGI", b"2")], b""));
    assert_eq!(e, Some(Error::DuplicateHeader));
    // SCGI before CONTENT_LENGTH.
    assert_eq!(
        err(&encode(&[(b"CONTENT_LENGTH", b"x")], b"")),
        Some(Error::NoScgiVariable)
    );
    let e = err(&encode(&[(b"CONTENT_LENGTH", b"x"), (b"SCGI", b"2")], b""));
    assert_eq!(e, Some(Error::BadScgiVersion));
    let e = err(&encode(&[(b"CONTENT_LENGTH", b"x"), (b"SCGI", b"1")], b""));
    assert_eq!(e, Some(Error::BadContentLength));
}

#[test]
fn a_block_cut_by_eof_is_premature_whatever_it_holds() {
    assert_eq!(err(b"10:\x00\x00\x00"), Some(Error::RemotePrematureEof));
    assert_eq!(err(b"5:A\x00B\x00C"), Some(Error::RemotePrematureEof));
}

#[test]
fn content_length_first_option() {
    let late = encode(&[(b"SCGI", b"1"), (b"CONTENT_LENGTH", b"0")], b"");
    assert_eq!(error_of(&run_whole(&late, Config::new())), None);
    let strict = Config::new().require_content_length_first(true);
    assert_eq!(
        error_of(&run_whole(&late, strict)),
        Some(Error::ContentLengthNotFirst)
    );
    assert_eq!(error_of(&run_whole(&request(&[], b""), strict)), None);
}

// ---- S1-S7 ---------------------------------------------------------------------------

#[test]
fn s1_length_is_canonical_decimal() {
    for prefix in [&b"+70:"[..], b" 70:", b"7_0:", b"070:", b"-1:", b"0x10:"] {
        assert_eq!(err(prefix), Some(Error::BadNetstringLength), "{prefix:?}");
    }
}

#[test]
fn s2_long_prefixes_fail_as_soon_as_they_pass_the_limit() {
    assert_eq!(err(b"99999999999:"), Some(Error::HeadersTooLarge));
    let digits = vec![b'1'; 1 << 20];
    // Refused at the sixth digit, in any chunking: no buffering of the rest.
    for chunk in [1usize, 7, 4096, 1 << 20] {
        let mut reader = Reader::new([0u8; 16]);
        let mut result = Ok(());
        for piece in digits.chunks(chunk) {
            if let Err(e) = reader.read(piece) {
                result = Err(e);
                break;
            }
        }
        assert_eq!(result, Err(Error::HeadersTooLarge));
    }
    let config = Config::new().max_block_len(1_000_000);
    let mut storage = vec![0u8; 2_000_000];
    let mut reader = Reader::with_config(&mut storage[..], config);
    assert_eq!(reader.read(b"1000000").map(|(n, _)| n), Ok(7));
    assert_eq!(reader.read(b"0"), Err(Error::HeadersTooLarge));
}

#[test]
fn s3_a_non_digit_is_refused_when_it_arrives() {
    let mut reader = Reader::new([0u8; 64]);
    assert_eq!(reader.read(b"ab"), Err(Error::BadNetstringLength));
    let mut reader = Reader::new([0u8; 64]);
    assert_eq!(reader.read(b"1"), Ok((1, None)));
    assert_eq!(reader.read(b"x"), Err(Error::BadNetstringLength));
}

#[test]
fn s4_too_large_is_its_own_error_with_431() {
    assert_eq!(err(b"65537:"), Some(Error::HeadersTooLarge));
    assert_eq!(Error::HeadersTooLarge.status_hint(), Some(431));
    // Exactly at the limit is fine (then a premature EOF here).
    assert_eq!(err(b"65536:"), Some(Error::RemotePrematureEof));
    // One byte over a configured limit.
    let data = request(&[(b"X", &[b'v'; 100])], b"");
    let block_len: usize =
        std::str::from_utf8(&data[..data.iter().position(|&b| b == b':').unwrap()])
            .unwrap()
            .parse()
            .unwrap();
    let exact = Config::new().max_block_len(block_len);
    assert_eq!(error_of(&run_whole(&data, exact)), None);
    let under = Config::new().max_block_len(block_len - 1);
    assert_eq!(
        error_of(&run_whole(&data, under)),
        Some(Error::HeadersTooLarge)
    );
    // The storage caps the limit as well.
    let mut small = vec![0u8; block_len - 1];
    let mut reader = Reader::new(&mut small[..]);
    assert_eq!(reader.read(&data).err(), Some(Error::HeadersTooLarge));
}

#[test]
fn s5_s6_content_length_is_digits_within_u64() {
    for bad in [
        &b"+5"[..],
        b" 5",
        b"5 ",
        b"5_0",
        b"-5",
        b"",
        b"5.0",
        b"18446744073709551616",
        b"99999999999999999999999",
    ] {
        let data = encode(&[(b"CONTENT_LENGTH", bad), (b"SCGI", b"1")], b"");
        assert_eq!(err(&data), Some(Error::BadContentLength), "{bad:?}");
    }
    let data = encode(&[(b"CONTENT_LENGTH", b"0005"), (b"SCGI", b"1")], b"hello");
    assert_eq!(run_whole(&data, Config::new()).last(), Some(&Seen::End));
    let max = encode(
        &[
            (b"CONTENT_LENGTH", b"18446744073709551615"),
            (b"SCGI", b"1"),
        ],
        b"abc",
    );
    assert_eq!(err(&max), Some(Error::RemotePrematureEof));
}

#[test]
fn s7_empty_block() {
    assert_eq!(err(b"0:,"), Some(Error::BadNetstringLength));
    assert_eq!(err(b":,"), Some(Error::BadNetstringLength));
}

// ---- hostile input -------------------------------------------------------------------

#[test]
fn declared_length_ending_inside_a_value() {
    let good = request(&[(b"X", b"value")], b"");
    // Claim 3 bytes fewer: the block ends inside the value, the byte after it is no comma.
    let text = std::str::from_utf8(&good[..good.iter().position(|&b| b == b':').unwrap()]).unwrap();
    let len: usize = text.parse().unwrap();
    let mut bad = format!("{}:", len - 3).into_bytes();
    bad.extend_from_slice(&good[text.len() + 1..]);
    assert_eq!(err(&bad), Some(Error::BadNetstringTerminator));
}

#[test]
fn ten_thousand_pairs() {
    let names: Vec<String> = (0..10_000).map(|i| format!("HTTP_X_{i}")).collect();
    let pairs: Vec<(&[u8], &[u8])> = names.iter().map(|n| (n.as_bytes(), &b"v"[..])).collect();
    let data = request(&pairs, b"");
    let config = Config::new().max_block_len(1 << 20);
    let seen = run_whole(&data, config);
    assert!(matches!(&seen[0], Seen::Headers(env) if env.len() == 10_002));
    // A repeat at the very end is found.
    let mut repeated = pairs.clone();
    repeated.push((b"HTTP_X_17", b"again"));
    assert_eq!(
        error_of(&run_whole(&request(&repeated, b""), config)),
        Some(Error::DuplicateHeader)
    );
    // And the same list, allowed.
    let allow = config.allow_repeated_names(true);
    assert_eq!(error_of(&run_whole(&request(&repeated, b""), allow)), None);
}

#[test]
fn arbitrary_garbage_is_a_typed_error() {
    let mut state = 0x1234_5678u32;
    for _ in 0..2_000 {
        let len = (state % 64) as usize;
        let data: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                b"0123456789:,\0AS"[(state % 15) as usize]
            })
            .collect();
        let whole = run_whole(&data, Config::new());
        assert_eq!(run_bytewise(&data, Config::new()), whole, "{data:?}");
        if let Some(Seen::Error(e)) = whole.last() {
            assert!(e.is_remote(), "{e:?}");
        }
    }
}

#[test]
fn split_points_do_not_matter_for_errors_either() {
    let data = encode(
        &[(b"CONTENT_LENGTH", b"3"), (b"SCGI", b"1"), (b"", b"x")],
        b"abc",
    );
    let whole = run_whole(&data, Config::new());
    assert_eq!(error_of(&whole), Some(Error::HeaderEmpty));
    for cut in 0..=data.len() {
        assert_eq!(run(&data, &[cut], Config::new()), whole);
    }
}

/// A `Vec` grows to exactly the block and its index: a reader kept for a connection holds
/// no more than its request needs (an amortized `Vec` would hold up to twice that).
#[cfg(feature = "alloc")]
#[test]
fn a_vec_storage_holds_exactly_the_block_and_its_index() {
    // Short values (the index outgrows the block) and long ones (it does not).
    for (extra, value_len) in [(0usize, 1usize), (64, 1), (3000, 1), (1, 1000), (60, 1000)] {
        let names: Vec<Vec<u8>> = (0..extra)
            .map(|i| format!("HTTP_X_{i}").into_bytes())
            .collect();
        let value = vec![b'v'; value_len];
        let pairs: Vec<(&[u8], &[u8])> = names
            .iter()
            .map(|n| (n.as_slice(), value.as_slice()))
            .collect();
        let data = request(&pairs, b"");
        let mut reader = Reader::new(Vec::new());
        let (_, event) = reader.read(&data).unwrap();
        assert!(matches!(event, Some(Event::Headers(env)) if env.len() == extra + 2));
        let block_len = data.len() - data.iter().position(|&b| b == b':').unwrap() - 2;
        let storage = reader.into_storage();
        assert_eq!(storage.capacity(), storage.len(), "{extra} pairs");
        assert!(storage.len() <= sioscgi::storage::len_for(block_len, extra + 2));
    }
}

/// The index's words start at the first 4-byte boundary after the block, wherever the
/// storage is: `len_for` holds a request at every address, and the storage needs exactly
/// the bytes up to that boundary and 24 per pair.
#[test]
fn the_index_starts_at_the_first_word_boundary_after_the_block() {
    let names: Vec<Vec<u8>> = (0..9).map(|i| format!("HTTP_X_{i}").into_bytes()).collect();
    let pairs: Vec<(&[u8], &[u8])> = names.iter().map(|n| (n.as_slice(), &b"v"[..])).collect();
    let data = request(&pairs, b"");
    let block_len = data.len() - data.iter().position(|&b| b == b':').unwrap() - 2;
    let n = pairs.len() + 2;
    let mut backing = vec![0u8; sioscgi::storage::len_for(block_len, n) + 8];
    let mut pads_seen = [false; 4];
    for offset in 0..4 {
        let address = backing.as_ptr() as usize + offset;
        let pad = (4 - (address + block_len) % 4) % 4;
        pads_seen[pad] = true;
        let exact = block_len + pad + 24 * n;
        assert!(exact <= sioscgi::storage::len_for(block_len, n));
        let storage = &mut backing[offset..offset + exact];
        let mut reader = Reader::new(&mut storage[..]);
        let Ok((_, Some(Event::Headers(env)))) = reader.read(&data) else {
            panic!("offset {offset}: the request fits");
        };
        assert_eq!(env.len(), n);
        for (name, value) in &pairs {
            assert_eq!(env.get(name), Some(*value), "offset {offset}");
        }
        assert!(
            env.iter()
                .skip(2)
                .map(|(n, _)| n)
                .eq(names.iter().map(Vec::as_slice))
        );
        let short = &mut backing[offset..offset + exact - 1];
        let mut reader = Reader::new(&mut short[..]);
        assert_eq!(
            reader.read(&data),
            Err(Error::TooManyHeaders),
            "offset {offset}"
        );
    }
    assert_eq!(pads_seen, [true; 4]);
}

/// A reader whose storage is inline (an array) keeps its environment when it moves: a
/// reader is aligned to at least 4 bytes, so its storage keeps its place relative to a word
/// boundary.
#[test]
fn a_reader_with_inline_storage_keeps_its_environment_when_moved() {
    const LEN: usize = sioscgi::storage::len_for(512, 16);
    assert!(std::mem::align_of::<Reader<[u8; LEN]>>() >= 4);
    let data = request(&[(b"HTTP_HOST", b"example.org"), (b"HTTP_A", b"1")], b"");
    let mut reader = Reader::new([0u8; LEN]);
    assert!(matches!(
        reader.read(&data),
        Ok((_, Some(Event::Headers(_))))
    ));
    let moved = Box::new((1u8, reader));
    let env = moved.1.environment().unwrap();
    assert_eq!(env.get(b"HTTP_HOST"), Some(&b"example.org"[..]));
    assert_eq!(env.get(b"HTTP_A"), Some(&b"1"[..]));
    let mut readers = vec![moved.1];
    readers.insert(0, Reader::new([0u8; LEN]));
    let env = readers[1].environment().unwrap();
    assert_eq!(env.get(b"HTTP_HOST"), Some(&b"example.org"[..]));
    assert_eq!(env.len(), 4);
}
