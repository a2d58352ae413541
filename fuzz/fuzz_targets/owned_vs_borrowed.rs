//! Differential: the zero-allocation reader and the `alloc` convenience reader (the same
//! state machine behind a buffering front) give the same events for the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sioscgi::{Config, Error, Event, Reader, owned};

#[derive(Debug, PartialEq)]
enum Seen {
    Headers(Vec<(Vec<u8>, Vec<u8>)>),
    Body(Vec<u8>),
    End,
    Error(Error),
}

fn push_body(seen: &mut Vec<Seen>, data: &[u8]) {
    match seen.last_mut() {
        Some(Seen::Body(prev)) => prev.extend_from_slice(data),
        _ => seen.push(Seen::Body(data.to_vec())),
    }
}

fn borrowed(data: &[u8], sizes: &[u8], config: Config) -> Vec<Seen> {
    // Any block up to the limit with its index, as the growing storage of the other.
    let mut storage = [0u8; sioscgi::storage::len_for_any_block(2048)];
    let mut reader = Reader::with_config(&mut storage[..], config);
    let mut seen = Vec::new();
    let mut rest = data;
    let mut sizes = sizes.iter().cycle();
    while !rest.is_empty() {
        let size = usize::from(sizes.next().copied().unwrap_or(255)).clamp(1, rest.len());
        let (mut input, after) = rest.split_at(size);
        rest = after;
        loop {
            match reader.read(input) {
                Ok((used, event)) => {
                    input = &input[used..];
                    match event {
                        Some(Event::Headers(env)) => seen.push(Seen::Headers(
                            env.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect(),
                        )),
                        Some(Event::Body(b)) => push_body(&mut seen, b),
                        Some(Event::End) => seen.push(Seen::End),
                        None => break,
                    }
                }
                Err(e) => {
                    seen.push(Seen::Error(e));
                    return seen;
                }
            }
        }
    }
    match reader.read_eof() {
        Ok(Some(_)) => seen.push(Seen::End),
        Ok(None) => {}
        Err(e) => seen.push(Seen::Error(e)),
    }
    seen
}

fn buffered(data: &[u8], sizes: &[u8], config: Config) -> Vec<Seen> {
    let mut reader =
        owned::Reader::with_config(config.max_block_len(config.block_limit().min(2048)));
    let mut seen = Vec::new();
    let mut rest = data;
    let mut sizes = sizes.iter().cycle();
    let pull = |reader: &mut owned::Reader, seen: &mut Vec<Seen>| -> bool {
        loop {
            match reader.next_event() {
                Ok(Some(owned::Event::Headers(env))) => seen.push(Seen::Headers(env.to_pairs())),
                Ok(Some(owned::Event::Body(b))) => push_body(seen, &b),
                Ok(Some(owned::Event::End)) => seen.push(Seen::End),
                Ok(None) => return true,
                Err(e) => {
                    seen.push(Seen::Error(e));
                    return false;
                }
            }
        }
    };
    while !rest.is_empty() {
        let size = usize::from(sizes.next().copied().unwrap_or(255)).clamp(1, rest.len());
        let (input, after) = rest.split_at(size);
        rest = after;
        reader.receive_data(input).unwrap();
        if !pull(&mut reader, &mut seen) {
            return seen;
        }
    }
    reader.receive_data(b"").unwrap();
    pull(&mut reader, &mut seen);
    seen
}

fuzz_target!(|input: &[u8]| {
    let Some((&n, rest)) = input.split_first() else {
        return;
    };
    let (sizes, data) = rest.split_at(usize::from(n % 8).min(rest.len()));
    let config = Config::new()
        .allow_repeated_names(n & 0x40 != 0)
        .index_names(n & 0x10 == 0)
        .max_block_len(if n & 0x80 != 0 { 64 } else { 2048 });
    assert_eq!(borrowed(data, sizes, config), buffered(data, sizes, config));
});
