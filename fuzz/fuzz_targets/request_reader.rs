//! The request reader on arbitrary bytes in fuzzer-chosen chunks.
//!
//! Invariants: events are `Headers Body* End` or stop at an error; no more body bytes
//! than `CONTENT_LENGTH`; `read` never reports more bytes than it was given, and `None`
//! only once all are used; only remote errors come out; the chunked run gives the same
//! events as the whole input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sioscgi::{Config, Error, Event, Reader};

#[derive(Debug, PartialEq)]
enum Seen {
    Headers(Vec<u8>, u64),
    Body(Vec<u8>),
    End,
    Error(Error),
}

/// Feeds `data` in pieces of the sizes in `sizes`, cycled (`None`: all at once; an empty
/// list: one byte at a time), then EOF.
fn run(data: &[u8], sizes: Option<&[u8]>, config: Config) -> Vec<Seen> {
    let mut storage = [0u8; 4096];
    let mut reader = Reader::with_config(&mut storage[..], config);
    let mut seen = Vec::new();
    let mut declared = None;
    let mut body = 0u64;
    let mut rest = data;
    let mut sizes = sizes.map(|s| s.iter().cycle());
    while !rest.is_empty() {
        let size = match sizes.as_mut() {
            None => rest.len(),
            Some(sizes) => usize::from(sizes.next().copied().unwrap_or(1)).clamp(1, rest.len()),
        };
        let (mut input, after) = rest.split_at(size);
        rest = after;
        loop {
            match reader.read(input) {
                Ok((used, event)) => {
                    assert!(used <= input.len());
                    input = &input[used..];
                    match event {
                        None => {
                            assert!(input.is_empty());
                            break;
                        }
                        Some(Event::Headers(env)) => {
                            assert!(seen.is_empty());
                            declared = Some(env.content_length());
                            seen.push(Seen::Headers(env.as_bytes().to_vec(), env.content_length()));
                        }
                        Some(Event::Body(chunk)) => {
                            assert!(!chunk.is_empty());
                            body += chunk.len() as u64;
                            assert!(body <= declared.expect("body after headers"));
                            match seen.last_mut() {
                                Some(Seen::Body(prev)) => prev.extend_from_slice(chunk),
                                _ => seen.push(Seen::Body(chunk.to_vec())),
                            }
                        }
                        Some(Event::End) => {
                            assert_eq!(Some(body), declared);
                            assert!(!seen.contains(&Seen::End));
                            seen.push(Seen::End);
                        }
                    }
                }
                Err(error) => {
                    assert!(error.is_remote(), "{error:?}");
                    assert_eq!(reader.read(b"x"), Err(error), "errors are sticky");
                    seen.push(Seen::Error(error));
                    return seen;
                }
            }
        }
    }
    match reader.read_eof() {
        Ok(Some(event)) => {
            assert_eq!(event, Event::End);
            seen.push(Seen::End);
        }
        Ok(None) => assert_eq!(seen.last(), Some(&Seen::End)),
        Err(error) => seen.push(Seen::Error(error)),
    }
    seen
}

fuzz_target!(|input: &[u8]| {
    // The first bytes choose the chunk sizes and the options; the rest is the request.
    let Some((&n, rest)) = input.split_first() else {
        return;
    };
    let (sizes, data) = rest.split_at(usize::from(n % 8).min(rest.len()));
    let config = Config::new()
        .max_block_len(if n & 0x80 != 0 { 64 } else { 65_536 })
        .allow_repeated_names(n & 0x40 != 0)
        .require_content_length_first(n & 0x20 != 0)
        .index_names(n & 0x10 == 0);
    let whole = run(data, None, config);
    let chunked = run(data, Some(sizes), config);
    assert_eq!(whole, chunked);
});
