//! Property tests: any chunking gives the same events; environments round-trip.

mod common;

use common::{Seen, encode, run, run_whole};
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use sioscgi::{Config, ResponseHead, Status};

/// Unique, non-empty, NUL-free names (never SCGI or CONTENT_LENGTH), with NUL-free values.
fn environment() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    btree_set(vec(1u8..=255, 1..12), 0..24).prop_flat_map(|names| {
        let names: Vec<Vec<u8>> = names
            .into_iter()
            .filter(|n| n != b"SCGI" && n != b"CONTENT_LENGTH")
            .collect();
        let n = names.len();
        (Just(names), vec(vec(1u8..=255, 0..20), n))
            .prop_map(|(names, values)| names.into_iter().zip(values).collect())
    })
}

/// Sorted cut positions within `0..=len`.
fn cuts(len: usize) -> impl Strategy<Value = Vec<usize>> {
    vec(0..=len, 0..12).prop_map(|mut c| {
        c.sort_unstable();
        c
    })
}

fn build(env: &[(Vec<u8>, Vec<u8>)], body: &[u8], length_at: usize) -> Vec<u8> {
    let length = body.len().to_string();
    let mut pairs: Vec<(&[u8], &[u8])> = env
        .iter()
        .map(|(n, v)| (n.as_slice(), v.as_slice()))
        .collect();
    pairs.insert(
        length_at.min(pairs.len()),
        (b"CONTENT_LENGTH", length.as_bytes()),
    );
    pairs.push((b"SCGI", b"1"));
    encode(&pairs, body)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_chunking_of_a_valid_request_gives_the_same_events(
        env in environment(),
        body in vec(any::<u8>(), 0..300),
        length_at in 0usize..30,
        trailing in vec(any::<u8>(), 0..10),
        seed_cuts in cuts(1000),
    ) {
        let mut data = build(&env, &body, length_at);
        data.extend_from_slice(&trailing);
        let whole = run_whole(&data, Config::new());
        let cuts: Vec<usize> = seed_cuts.iter().map(|c| c % (data.len() + 1)).collect();
        let mut sorted = cuts.clone();
        sorted.sort_unstable();
        prop_assert_eq!(run(&data, &sorted, Config::new()), whole.clone());
        prop_assert_eq!(whole.last(), Some(&Seen::End));
    }

    #[test]
    fn the_environment_round_trips(
        env in environment(),
        body in vec(any::<u8>(), 0..300),
        length_at in 0usize..30,
    ) {
        let data = build(&env, &body, length_at);
        let seen = run_whole(&data, Config::new());
        let Some(Seen::Headers(got)) = seen.first() else { panic!("no headers: {seen:?}") };
        let got: Vec<_> = got.iter().filter(|(n, _)| n != b"SCGI" && n != b"CONTENT_LENGTH").cloned().collect();
        prop_assert_eq!(got, env);
        let got_body: Vec<u8> = seen.iter().filter_map(|e| match e { Seen::Body(b) => Some(b.clone()), _ => None }).flatten().collect();
        prop_assert_eq!(got_body, body);
    }

    #[test]
    fn any_chunking_of_any_bytes_gives_the_same_events(
        data in prop_oneof![
            vec(any::<u8>(), 0..200),
            vec(prop_oneof![Just(b'0'), Just(b'1'), Just(b'9'), Just(b':'), Just(b','), Just(0u8), Just(b'A')], 0..200),
        ],
        seed_cuts in cuts(200),
        limit in prop_oneof![Just(65536usize), 1usize..64],
    ) {
        let config = Config::new().max_block_len(limit);
        let whole = run_whole(&data, config);
        let cuts: Vec<usize> = seed_cuts.iter().map(|c| c % (data.len() + 1)).collect();
        prop_assert_eq!(run(&data, &cuts, config), whole);
    }

    #[test]
    fn mutated_requests_behave_the_same_in_any_chunking(
        env in environment(),
        body in vec(any::<u8>(), 0..50),
        flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        seed_cuts in cuts(1000),
    ) {
        let mut data = build(&env, &body, 0);
        for (at, byte) in flips {
            let i = at.index(data.len());
            data[i] = byte;
        }
        let whole = run_whole(&data, Config::new());
        let cuts: Vec<usize> = seed_cuts.iter().map(|c| c % (data.len() + 1)).collect();
        prop_assert_eq!(run(&data, &cuts, Config::new()), whole);
    }

    #[test]
    fn response_heads_encode_to_exactly_encoded_len(
        code in 100u16..1000,
        headers in vec(("[A-Za-z][A-Za-z0-9-]{0,10}", "[ -~\u{a0}-\u{ff}]{0,20}"), 0..6),
    ) {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        match ResponseHead::new(Some(Status::Code(code)), &headers) {
            Ok(head) => {
                let mut out = vec![0; head.encoded_len()];
                prop_assert_eq!(head.encode(&mut out), Ok(head.encoded_len()));
                prop_assert!(out.ends_with(b"\r\n\r\n"));
                let lines = out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
                prop_assert_eq!(lines, headers.len() + 2);
            }
            Err(e) => prop_assert!(matches!(e, sioscgi::Error::HeaderHopByHop | sioscgi::Error::DuplicateHeader)),
        }
    }
}

/// The pairs of a block.
type Pairs<'a> = Vec<(&'a [u8], &'a [u8])>;

/// The old reader's behaviour, kept as the reference: sioscgi's rules in their order on a
/// split of the block at its NULs, names compared pair by pair (quadratic, obvious).
fn naive(block: &[u8], allow_repeated: bool) -> Result<Pairs<'_>, sioscgi::Error> {
    use sioscgi::Error;
    let Some((&0, body)) = block.split_last() else {
        return Err(Error::HeadersNotNulTerminated);
    };
    let strings: Vec<&[u8]> = body.split(|&b| b == 0).collect();
    if !strings.len().is_multiple_of(2) {
        return Err(Error::HeadersOddStringCount);
    }
    let pairs: Pairs<'_> = strings.chunks(2).map(|p| (p[0], p[1])).collect();
    for (i, (name, _)) in pairs.iter().enumerate() {
        if name.is_empty() {
            return Err(Error::HeaderEmpty);
        }
        let protected = *name == b"SCGI" || *name == b"CONTENT_LENGTH";
        if (protected || !allow_repeated) && pairs[..i].iter().any(|(n, _)| n == name) {
            return Err(Error::DuplicateHeader);
        }
    }
    let value = |want: &[u8]| pairs.iter().find(|(n, _)| *n == want).map(|(_, v)| *v);
    match value(b"SCGI") {
        None => return Err(Error::NoScgiVariable),
        Some(v) if v != b"1" => return Err(Error::BadScgiVersion),
        Some(_) => {}
    }
    match value(b"CONTENT_LENGTH") {
        None => Err(Error::NoContentLength),
        Some(v) if !v.is_empty() && v.iter().all(u8::is_ascii_digit) && v.len() < 20 => Ok(pairs),
        Some(_) => Err(Error::BadContentLength),
    }
}

/// Strings for blocks: names that repeat, empty strings, the two protected names and
/// their values, and arbitrary NUL-free bytes.
fn block_strings() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let string = prop_oneof![
        Just(b"".to_vec()),
        Just(b"SCGI".to_vec()),
        Just(b"1".to_vec()),
        Just(b"CONTENT_LENGTH".to_vec()),
        Just(b"0".to_vec()),
        Just(b"HTTP_COOKIE".to_vec()),
        (0u8..40).prop_map(|i| format!("HTTP_X_{i}").into_bytes()),
        vec(1u8..=255, 1..30),
    ];
    vec(string, 0..120)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any block: the reader, its names indexed or not, gives the naive reference's result
    /// (the same first error, or the same pairs), and every name of the block looks up as
    /// a scan finds it.
    #[test]
    fn the_index_agrees_with_the_naive_reference(
        strings in block_strings(),
        terminated in prop::bool::weighted(0.95),
        allow in any::<bool>(),
        indexed in any::<bool>(),
        protected_first in prop::bool::weighted(0.8),
    ) {
        // Mostly with the two mandatory pairs first, so that many blocks are valid.
        let mut block = if protected_first {
            b"CONTENT_LENGTH\x000\x00SCGI\x001\x00".to_vec()
        } else {
            Vec::new()
        };
        block.extend(strings.iter().flat_map(|s| s.iter().copied().chain([0])));
        if !terminated {
            block.pop();
        }
        // An empty block is a netstring length of 0, refused before any block rule.
        prop_assume!(!block.is_empty());
        let mut data = format!("{}:", block.len()).into_bytes();
        data.extend_from_slice(&block);
        data.push(b',');
        let mut storage = vec![0u8; sioscgi::storage::len_for_any_block(block.len())];
        let config = Config::new().allow_repeated_names(allow).index_names(indexed);
        let mut reader = sioscgi::Reader::with_config(&mut storage[..], config);
        let want = naive(&block, allow);
        match (&want, reader.read(&data)) {
            (Err(want), got) => prop_assert_eq!(got.map(|(_, e)| e.is_some()), Err(*want)),
            (Ok(pairs), Ok((_, Some(sioscgi::Event::Headers(env))))) => {
                prop_assert!(env.iter().eq(pairs.iter().copied()));
                for (name, _) in pairs {
                    let all: Vec<&[u8]> =
                        pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| *v).collect();
                    prop_assert_eq!(env.get(name), Some(all[0]));
                    prop_assert!(env.get_all(name).eq(all.iter().copied()));
                }
            }
            (Ok(_), got) => prop_assert!(false, "naive: valid; reader: {:?}", got),
        }
    }
}
