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
