//! Header blocks of about 64 KiB (the default limit) made of thousands of short names:
//! ordinary ones, and ones crafted against the index's public hash (from
//! `sioscgi::_benchable`, the way a peer who read the source would craft them), read
//! with every kind of storage.
//!
//! The crafted names are the worst case of the index's design: every window of its table
//! nearly full (each name probes up to 31 slots on average 16), then one name that
//! finds its window full, so the table is given up at the very end and the whole block
//! sorted.

use sioscgi::{_benchable, Config, Event, Reader, Storage, storage};

/// The blocks: `(name, names, shortest name, longest name)`, after the issue that
/// measured the old reader (2–3, 5–6 and 4-byte names filling 64 KiB).
pub const CASES: [(&str, usize, usize, usize); 3] = [
    ("names_2_3", 13_128, 2, 3),
    ("names_4", 10_900, 4, 4),
    ("names_5_6", 8_192, 5, 6),
];

/// The reader's configuration: the default limit.
pub const CONFIG: Config = Config::new();

/// The largest storage any of the requests needs (for the arrays and `heapless::Vec`).
pub const MAX_STORAGE: usize = storage::len_for(65_536, 13_130);

/// One case's two requests.
pub struct Case {
    /// Its name in benchmark ids.
    pub name: &'static str,
    /// Ordinary distinct names.
    pub normal: Vec<u8>,
    /// The same number of names of the same lengths, crafted.
    pub crafted: Vec<u8>,
    /// Pairs in each block (the names, `CONTENT_LENGTH` and `SCGI`).
    pub pairs: usize,
}

/// Letters and digits, for ordinary names.
const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The numbers of `short..=long` digits in base `digits.len()` (the digits being the
/// bytes of `digits`), in order, as names (never `SCGI`).
fn candidates<'d>(
    short: usize,
    long: usize,
    digits: &'d [u8],
) -> impl Iterator<Item = Vec<u8>> + 'd {
    (short..=long)
        .flat_map(move |len| {
            (0..digits.len().pow(len as u32)).map(move |mut n| {
                let mut name = vec![0u8; len];
                for byte in name.iter_mut().rev() {
                    *byte = digits[n % digits.len()];
                    n /= digits.len();
                }
                name
            })
        })
        .filter(|name| name != b"SCGI")
}

/// The first `count` names of `short..=long` bytes.
fn names(count: usize, short: usize, long: usize) -> Vec<Vec<u8>> {
    let names: Vec<Vec<u8>> = candidates(short, long, ALPHANUMERIC).take(count).collect();
    assert_eq!(names.len(), count, "enough names of {short}..={long} bytes");
    names
}

/// The request of a block of `CONTENT_LENGTH`, `SCGI` and `names` (empty values).
fn request(names: &[Vec<u8>]) -> Vec<u8> {
    let mut block = b"CONTENT_LENGTH\x000\x00SCGI\x001\x00".to_vec();
    for name in names {
        block.extend_from_slice(name);
        block.extend_from_slice(b"\0\0");
    }
    assert!(block.len() <= 65_536, "{} bytes", block.len());
    let mut data = format!("{}:", block.len()).into_bytes();
    data.extend_from_slice(&block);
    data.push(b',');
    data
}

/// The crafted names, homes only at multiples of the window: first a window's worth at
/// one home (its window full), then one window's worth less one at every other home
/// (each name probes past the earlier ones of its home), and last one more at the first
/// home, which finds its window full.
fn crafted_names(count: usize, short: usize, long: usize) -> Vec<Vec<u8>> {
    let window = _benchable::WINDOW;
    let pairs = count + 2;
    let mut per_home = vec![0usize; _benchable::slots(pairs)];
    let mut first_home = None;
    let (mut first, mut others, mut last) = (Vec::new(), Vec::new(), None);
    // Any byte but NUL, as a peer may send.
    let bytes: Vec<u8> = (1..=255).collect();
    for name in candidates(short, long, &bytes) {
        let home = _benchable::home_slot(&name, pairs);
        if !home.is_multiple_of(window) {
            continue;
        }
        if *first_home.get_or_insert(home) == home {
            if first.len() < window {
                first.push(name);
            } else if last.is_none() {
                last = Some(name);
            }
        } else if per_home[home] < window - 1 && others.len() < count - 1 - window {
            per_home[home] += 1;
            others.push(name);
        }
        if last.is_some() && others.len() == count - 1 - window {
            break;
        }
    }
    let last = last.expect("enough names");
    assert_eq!(
        others.len(),
        count - 1 - window,
        "enough names of {short}..={long} bytes"
    );
    first.into_iter().chain(others).chain([last]).collect()
}

/// Both requests of each case.
pub fn cases() -> Vec<Case> {
    CASES
        .iter()
        .map(|&(name, count, short, long)| Case {
            name,
            normal: request(&names(count, short, long)),
            crafted: request(&crafted_names(count, short, long)),
            pairs: count + 2,
        })
        .collect()
}

/// Reads `request` (a valid request without body) with `reader`, reset first; returns the
/// number of pairs of the environment (0 on an error).
pub fn read<S: Storage>(reader: &mut Reader<S>, request: &[u8]) -> usize {
    reader.reset();
    match reader.read(request) {
        Ok((_, Some(Event::Headers(env)))) => env.len(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every storage reads every pair of every block, and the crafted names are what they
    /// claim: as many, as long, distinct, homes at multiples of the window.
    #[test]
    fn every_storage_reads_every_block() {
        let window = _benchable::WINDOW;
        for (case, &(_, count, short, long)) in cases().iter().zip(CASES.iter()) {
            let names = crafted_names(count, short, long);
            let mut sorted = names.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), count, "{}", case.name);
            assert!(names.iter().all(|n| (short..=long).contains(&n.len())));
            assert!(
                names
                    .iter()
                    .all(|n| _benchable::home_slot(n, case.pairs).is_multiple_of(window))
            );
            for request in [&case.normal, &case.crafted] {
                let exact = storage::len_for(request.len(), case.pairs);
                let mut slice = vec![0u8; exact];
                assert_eq!(
                    read(&mut Reader::with_config(&mut slice[..], CONFIG), request),
                    case.pairs
                );
                let mut array = Box::new(Reader::with_config([0u8; MAX_STORAGE], CONFIG));
                assert_eq!(read(&mut array, request), case.pairs);
                let mut vec = Reader::with_config(Vec::new(), CONFIG);
                assert_eq!(read(&mut vec, request), case.pairs);
                assert_eq!(read(&mut vec, request), case.pairs, "reset and read again");
            }
        }
    }
}
