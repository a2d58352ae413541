//! Header blocks of about 64 KiB (the default limit), each crafted the way a peer who has
//! read the source would craft it (from `sioscgi::_benchable`), beside an ordinary twin:
//! the same number of names of the same lengths, distinct and random, read with every
//! kind of storage.
//!
//! The families (after the issue that measured the index as an attacker would):
//!
//! - `one_key_L`: names of `L` bytes whose table hashes all share their high half (the
//!   hash inverted: the last 16 bytes cancel the multiply's factors), so every name has
//!   the same home; the table gives up after a window and the names are sorted;
//! - `repeated_2`: one 2-byte name repeated (with repeats allowed, as nginx needs): no
//!   crafting at all; the twin has distinct 2-byte names;
//! - `full_windows_2_3`: every window of the table nearly full, then one name whose
//!   window is full, so that the table is given up at the very end;
//! - `budget_kept`: names that spend just under the table's probe budget (3 names per
//!   home, homes 4 slots apart), so that the table is kept, each name probing two slots
//!   on average;
//! - `shared_prefix_64`: 64-byte names sharing their first 56 bytes;
//! - `sip_pairs_64`: 479 pairs of 64-byte names whose SipHash keys (the sorted index's)
//!   are equal, as a peer finds them in a minute (`tests/crafted/sip48_pairs_64.txt`),
//!   then 21 names with one table home, so that the table gives up at the very end and
//!   every run of the sorted index holds two names.

use sioscgi::{_benchable, Config, Event, Reader, Storage, storage};

/// How a family's crafted names are made.
#[derive(Clone, Copy, Debug)]
pub enum Craft {
    /// One home for all, names of this many bytes.
    OneKey(usize),
    /// One name of two bytes, repeated.
    Repeated,
    /// Every window nearly full, the last one full (names of 2 to 3 bytes).
    FullWindows,
    /// Three names per home, homes four slots apart (names of 4 to 5 bytes).
    BudgetKept,
    /// 64-byte names sharing 56 bytes.
    SharedPrefix,
    /// Pairs of 64-byte names sharing their SipHash key, then one table home.
    SipPairs,
}

/// The families: `(name, names, how)`; each block is close to 64 KiB.
pub const CASES: [(&str, usize, Craft); 9] = [
    ("one_key_16", 3_600, Craft::OneKey(16)),
    ("one_key_32", 1_900, Craft::OneKey(32)),
    ("one_key_64", 980, Craft::OneKey(64)),
    ("one_key_128", 500, Craft::OneKey(128)),
    ("repeated_2", 16_300, Craft::Repeated),
    ("full_windows_2_3", 13_128, Craft::FullWindows),
    ("budget_kept", 10_000, Craft::BudgetKept),
    ("shared_prefix_64", 980, Craft::SharedPrefix),
    ("sip_pairs_64", 979, Craft::SipPairs),
];

/// The reader's configuration: the default limit, repeats allowed only where the family
/// repeats a name.
pub fn config(craft: Craft) -> Config {
    Config::new().allow_repeated_names(matches!(craft, Craft::Repeated))
}

/// The largest storage any of the requests needs (for the arrays and `heapless::Vec`).
pub const MAX_STORAGE: usize = storage::len_for(65_536, 16_302);

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
    /// The reader's configuration.
    pub config: Config,
}

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

/// `count` distinct names of the lengths of `like`, from a simple generator of random
/// bytes (any but NUL, as a peer may send), never `SCGI` or `CONTENT_LENGTH`.
pub fn twins(like: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut seen = std::collections::HashSet::new();
    let mut names = Vec::with_capacity(like.len());
    for name in like {
        loop {
            let twin: Vec<u8> = (0..name.len())
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed % 255) as u8 + 1
                })
                .collect();
            if twin != b"SCGI" && seen.insert(twin.clone()) {
                names.push(twin);
                break;
            }
        }
    }
    names
}

/// A name of 16 bytes after `prefix` (a multiple of 16 bytes) whose table hash's high
/// half is that of the prefix's state: the last 16 bytes are the hash's constants xor the
/// state and `a`, and xor `0x0101`, so that the multiply gives `a * 0x0101` (below 2^32).
fn one_key_name(prefix: &[u8], a: u64) -> Option<Vec<u8>> {
    let [k_first, k_second] = _benchable::HASH_CONSTANTS;
    let state = if prefix.is_empty() {
        0
    } else {
        _benchable::hash_state_after(prefix)
    };
    let mut name = prefix.to_vec();
    name.extend_from_slice(&(k_first ^ state ^ a).to_le_bytes());
    name.extend_from_slice(&(k_second ^ 0x0101).to_le_bytes());
    (!name.contains(&0)).then_some(name)
}

/// `count` names of `len` bytes sharing one home.
pub fn one_key_names(count: usize, len: usize) -> Vec<Vec<u8>> {
    for variant in 0u64.. {
        let prefix: Vec<u8> = (0..len - 16)
            .map(|i| b'A' + ((variant + i as u64 * 7) % 26) as u8)
            .collect();
        let names: Vec<Vec<u8>> = (1u64..4 * count as u64)
            .filter_map(|a| one_key_name(&prefix, a))
            .take(count)
            .collect();
        if names.len() == count {
            return names;
        }
    }
    unreachable!()
}

/// Three names of 4 to 5 bytes per home, homes four slots apart: each home's names probe
/// 0 to 2 slots, one more than the first on average: the table's budget exactly.
fn budget_names(count: usize) -> Vec<Vec<u8>> {
    let pairs = count + 2;
    let mut per_home = vec![0usize; _benchable::slots(pairs)];
    let bytes: Vec<u8> = (1..=255).collect();
    let mut names = Vec::with_capacity(count);
    for name in candidates(4, 5, &bytes) {
        let home = _benchable::home_slot(&name, pairs);
        if home.is_multiple_of(4) && per_home[home] < 3 {
            per_home[home] += 1;
            names.push(name);
            if names.len() == count {
                break;
            }
        }
    }
    assert_eq!(names.len(), count);
    names
}

/// The pairs of `tests/crafted/sip48_pairs_64.txt`, then one-home names to make `count`.
fn sip_pairs(count: usize) -> Vec<Vec<u8>> {
    let prefix: Vec<u8> = (0..56).map(|i| b"HTTP_X_"[i % 7]).collect();
    let pairs = include_str!("../../tests/crafted/sip48_pairs_64.txt");
    let mut names: Vec<Vec<u8>> = pairs
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|line| line.split(' '))
        .map(|suffix| [prefix.as_slice(), suffix.as_bytes()].concat())
        .collect();
    let crowd = 21;
    names.truncate((count - crowd) / 2 * 2);
    names.extend(one_key_names(count - names.len(), 16));
    names
}

/// The crafted names of a family.
fn crafted(count: usize, craft: Craft) -> Vec<Vec<u8>> {
    match craft {
        Craft::OneKey(len) => one_key_names(count, len),
        Craft::Repeated => vec![b"HX".to_vec(); count],
        Craft::FullWindows => crafted_names(count, 2, 3),
        Craft::BudgetKept => budget_names(count),
        Craft::SipPairs => sip_pairs(count),
        Craft::SharedPrefix => (0..count)
            .map(|i| {
                format!("HTTP_X_A_LONG_SHARED_PREFIX_OF_FIFTY_SIX_BYTES_________{i:08}")
                    .into_bytes()
            })
            .collect(),
    }
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
        .map(|&(name, count, craft)| {
            let names = crafted(count, craft);
            Case {
                name,
                normal: request(&twins(&names)),
                crafted: request(&names),
                pairs: count + 2,
                config: config(craft),
            }
        })
        .collect()
}

/// `count` names of the block of `request`, spread over it.
pub fn sample_names(request: &[u8], count: usize) -> Vec<Vec<u8>> {
    let colon = request
        .iter()
        .position(|&b| b == b':')
        .expect("a netstring");
    let block = &request[colon + 1..request.len() - 2];
    let names: Vec<&[u8]> = block.split(|&b| b == 0).step_by(2).collect();
    let step = (names.len() / count).max(1);
    names
        .iter()
        .step_by(step)
        .take(count)
        .map(|n| n.to_vec())
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

    /// Every storage reads every block, and the crafted names are what they claim: as
    /// many, as long as their twins, distinct where they should be, homes as said.
    #[test]
    fn every_storage_reads_every_block() {
        for (case, &(_, count, craft)) in cases().iter().zip(CASES.iter()) {
            let names = crafted(count, craft);
            let mut sorted = names.clone();
            sorted.sort();
            sorted.dedup();
            let distinct = if matches!(craft, Craft::Repeated) {
                1
            } else {
                count
            };
            assert_eq!(sorted.len(), distinct, "{}", case.name);
            match craft {
                Craft::OneKey(len) => {
                    let high = _benchable::hash(&names[0]) >> 32;
                    assert!(names.iter().all(|n| n.len() == len));
                    assert!(names.iter().all(|n| _benchable::hash(n) >> 32 == high));
                }
                Craft::FullWindows => assert!(names.iter().all(|n| {
                    _benchable::home_slot(n, case.pairs).is_multiple_of(_benchable::WINDOW)
                })),
                _ => {}
            }
            for request in [&case.normal, &case.crafted] {
                assert_eq!(request.len(), case.normal.len(), "{}: twins", case.name);
                let exact = storage::len_for(request.len(), case.pairs);
                let mut slice = vec![0u8; exact];
                assert_eq!(
                    read(
                        &mut Reader::with_config(&mut slice[..], case.config),
                        request
                    ),
                    case.pairs,
                    "{}",
                    case.name
                );
                let mut array = Box::new(Reader::with_config([0u8; MAX_STORAGE], case.config));
                assert_eq!(read(&mut array, request), case.pairs);
                let mut vec = Reader::with_config(Vec::new(), case.config);
                assert_eq!(read(&mut vec, request), case.pairs);
                assert_eq!(read(&mut vec, request), case.pairs, "reset and read again");
            }
        }
    }
}
