//! The reader's validation and index against a naive reference: the request is
//! `CONTENT_LENGTH=0`, `SCGI=1` and then the fuzzer's bytes as the rest of the header
//! block. The naive reference splits the block at its NULs and checks sioscgi's rules in
//! their order, comparing names pair by pair.
//!
//! The first byte chooses the rules: repeated names allowed or not, the names indexed or
//! not.
//!
//! Invariants: the same outcome (the same first error); for a valid block, every pair in
//! wire order, `len`, and `get` and `get_all` of every name of the block and of names near
//! them (a byte more, a byte less, the last byte changed) as the split gives them.
//!
//! Built by cargo-fuzz (`--cfg fuzzing`), the index's table takes a name only within 2
//! slots of its home, so the sorted lookup is fuzzed as much as the table.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sioscgi::{Config, Error, Event, Reader, storage};

/// A block's pairs, name and value, in order.
type Pairs<'a> = Vec<(&'a [u8], &'a [u8])>;

/// sioscgi's rules in their order, the slow and obvious way.
fn naive(block: &[u8], allow_repeated: bool) -> Result<Pairs<'_>, Error> {
    let Some((&0, body)) = block.split_last() else {
        return Err(Error::HeadersNotNulTerminated);
    };
    let strings: Vec<&[u8]> = body.split(|&b| b == 0).collect();
    if !strings.len().is_multiple_of(2) {
        return Err(Error::HeadersOddStringCount);
    }
    let pairs: Vec<(&[u8], &[u8])> = strings.chunks(2).map(|p| (p[0], p[1])).collect();
    for (i, (name, _)) in pairs.iter().enumerate() {
        if name.is_empty() {
            return Err(Error::HeaderEmpty);
        }
        let protected = *name == b"SCGI" || *name == b"CONTENT_LENGTH";
        if (protected || !allow_repeated) && pairs[..i].iter().any(|(n, _)| n == name) {
            return Err(Error::DuplicateHeader);
        }
    }
    Ok(pairs)
}

fuzz_target!(|input: &[u8]| {
    let Some((&options, rest)) = input.split_first() else {
        return;
    };
    let allow_repeated = options & 1 != 0;
    // With repeats allowed, the names indexed or not (a pass over the pairs per lookup).
    let indexed = options & 2 == 0;
    let mut block = b"CONTENT_LENGTH\x000\x00SCGI\x001\x00".to_vec();
    block.extend_from_slice(rest);
    let mut request = format!("{}:", block.len()).into_bytes();
    request.extend_from_slice(&block);
    request.push(b',');

    let want = naive(&block, allow_repeated);
    let config = Config::new()
        .max_block_len(1 << 16)
        .allow_repeated_names(allow_repeated)
        .index_names(indexed);
    let mut room = vec![0u8; storage::len_for_any_block(block.len())];
    let mut reader = Reader::with_config(&mut room[..], config);
    let got = reader.read(&request);
    let pairs = match (want, got) {
        (Ok(pairs), Ok((_, Some(Event::Headers(env))))) => (pairs, env),
        (Err(want), Err(got)) => return assert_eq!(want, got),
        (want, got) => panic!("naive {want:?}, reader {got:?}"),
    };
    let (pairs, env) = pairs;
    assert_eq!(env.len(), pairs.len());
    assert!(env.iter().eq(pairs.iter().copied()));
    assert_eq!(env.iter().len(), pairs.len());
    let mut names: Vec<Vec<u8>> = Vec::new();
    for (name, _) in &pairs {
        names.push(name.to_vec());
        let mut longer = name.to_vec();
        longer.push(b'x');
        names.push(longer);
        names.push(name[..name.len() - 1].to_vec());
        let mut changed = name.to_vec();
        if let Some(last) = changed.last_mut() {
            *last = last.wrapping_add(1).max(1);
        }
        names.push(changed);
    }
    for name in &names {
        let all: Vec<&[u8]> = pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .collect();
        assert_eq!(env.get(name), all.first().copied(), "{name:?}");
        assert!(env.get_all(name).eq(all.iter().copied()), "{name:?}");
    }
});
