//! The client's response reader on arbitrary bytes in fuzzer-chosen chunks.
//!
//! Invariants: `Headers Body* End` or an error; `read` never uses more than it was given
//! and returns `None` only once it used all; only remote errors; errors are sticky; the
//! body is exactly the bytes after the header section; chunked and whole runs agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sioscgi::Error;
use sioscgi::client::{Event, ResponseReader};

#[derive(Debug, PartialEq)]
enum Seen {
    Headers(Vec<u8>, Option<u16>),
    Body(Vec<u8>),
    End,
    Error(Error),
}

fn run(data: &[u8], sizes: Option<&[u8]>, limit: usize) -> Vec<Seen> {
    let mut storage = [0u8; 1024];
    let mut reader = ResponseReader::with_limit(&mut storage[..], limit);
    let mut seen = Vec::new();
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
                        Some(Event::Headers(h)) => {
                            assert!(seen.is_empty());
                            assert!(h.as_bytes().ends_with(b"\n"));
                            assert!(data.starts_with(h.as_bytes()));
                            seen.push(Seen::Headers(h.as_bytes().to_vec(), h.status()));
                        }
                        Some(Event::Body(chunk)) => {
                            assert!(!chunk.is_empty());
                            match seen.last_mut() {
                                Some(Seen::Body(prev)) => prev.extend_from_slice(chunk),
                                _ => seen.push(Seen::Body(chunk.to_vec())),
                            }
                        }
                        Some(Event::End) => unreachable!("End only at EOF"),
                    }
                }
                Err(error) => {
                    assert!(error.is_remote(), "{error:?}");
                    assert_eq!(reader.read(b"x").err(), Some(error));
                    seen.push(Seen::Error(error));
                    return seen;
                }
            }
        }
    }
    match reader.read_eof() {
        Ok(Some(Event::End)) => seen.push(Seen::End),
        Ok(other) => panic!("unexpected {other:?}"),
        Err(error) => seen.push(Seen::Error(error)),
    }
    if let (Some(Seen::Headers(section, _)), Some(Seen::Body(body))) = (seen.first(), seen.get(1)) {
        assert_eq!([section.as_slice(), body].concat(), data);
    }
    seen
}

fuzz_target!(|input: &[u8]| {
    let Some((&n, rest)) = input.split_first() else {
        return;
    };
    let (sizes, data) = rest.split_at(usize::from(n % 8).min(rest.len()));
    let limit = if n & 0x80 != 0 { 48 } else { 1024 };
    assert_eq!(run(data, None, limit), run(data, Some(sizes), limit));
});
