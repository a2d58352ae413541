//! The index's worst case, counted: names chosen to collide in the shipped hash, read by
//! the reader with every kind of storage, and the probes and comparisons it makes held
//! to the bound the module documents (`WINDOW` probes per name, `O(n log n)` comparisons),
//! never to a time.

extern crate std;

use std::{boxed::Box, format, vec, vec::Vec};

use super::Kind;
use super::table::WINDOW;
use super::work::{self, Counts};
use crate::{Config, Error, Event, Reader, Storage, storage};

/// Fewer names under miri, which runs every test a thousand times slower.
const PAIRS: usize = if cfg!(miri) { 200 } else { 4000 };

use super::table::home_of as home;

/// `count` distinct names of `len` bytes (`len` ≥ 4) whose home slot in the table of a
/// block of `pairs` pairs is one of the first `WINDOW`: they all crowd the table's first
/// window, so the table can take only `WINDOW` of them. Found by trying names in order.
pub(crate) fn colliding_names(count: usize, len: usize, pairs: usize) -> Vec<Vec<u8>> {
    let mut names = Vec::with_capacity(count);
    let mut candidate = 0u64;
    while names.len() < count {
        // Letters only: never a NUL, never `SCGI` or `CONTENT_LENGTH`.
        let name: Vec<u8> = (0..len)
            .map(|i| b'a' + ((candidate >> (5 * i.min(12))) % 26) as u8)
            .collect();
        candidate += 1;
        if home(&name, pairs) < WINDOW && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Ordinary distinct names of `len` bytes.
fn ordinary_names(count: usize, len: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| format!("{:0>width$}", format!("H{i}"), width = len).into_bytes())
        .collect()
}

/// A request with `CONTENT_LENGTH`, `SCGI` and then `names` (each with value `v`).
fn request(names: &[Vec<u8>]) -> Vec<u8> {
    let mut block = b"CONTENT_LENGTH\x000\x00SCGI\x001\x00".to_vec();
    for name in names {
        block.extend_from_slice(name);
        block.extend_from_slice(b"\0v\0");
    }
    let mut data = format!("{}:", block.len()).into_bytes();
    data.extend_from_slice(&block);
    data.push(b',');
    data
}

/// What one read found, and the work it took.
#[derive(Debug)]
struct Counted {
    outcome: Result<(usize, Kind), Error>,
    build: Counts,
    lookups: Counts,
}

/// Reads `data` with `storage`, then looks up `lookups` (each must be found once); counts
/// the work of each part.
fn read_counting<S: Storage>(
    storage: S,
    data: &[u8],
    config: Config,
    lookups: &[&[u8]],
) -> Counted {
    let mut reader = Reader::with_config(storage, config);
    work::take();
    let outcome = match reader.read(data) {
        Ok((_, Some(Event::Headers(env)))) => Ok(env.len()),
        Ok(other) => panic!("not the headers: {other:?}"),
        Err(error) => Err(error),
    };
    let build = work::take();
    let outcome = outcome.map(|pairs| (pairs, reader.index_kind()));
    if let Some(env) = reader.environment() {
        for name in lookups {
            assert!(env.get(name).is_some(), "{name:?} found");
            assert_eq!(env.get_all(name).count(), 1);
        }
    }
    Counted {
        outcome,
        build,
        lookups: work::take(),
    }
}

/// `log2 n`, rounded up.
fn log2(n: usize) -> u64 {
    u64::from(usize::BITS - n.leading_zeros())
}

/// The bound on comparisons for sorting `n` names that share one key and finding the
/// repeats: the heapsort's `2 n log2 n`, and one comparison of neighbours per name.
fn sort_bound(n: usize) -> u64 {
    2 * n as u64 * log2(n) + n as u64
}

/// The radix sort's work for `n` entries: one pass counting them, four moving them.
fn radix_bound(n: usize) -> u64 {
    5 * n as u64
}

/// Reads `data` with every kind of storage, each with exactly the room the request needs
/// and with room to spare, and returns what each found.
fn with_every_storage(
    data: &[u8],
    config: Config,
    lookups: &[&[u8]],
) -> Vec<(&'static str, Counted)> {
    const ROOM: usize = storage::len_for(PAIRS * 16, PAIRS + 2);
    let colon = data.iter().position(|&b| b == b':').unwrap();
    let block_len: usize = core::str::from_utf8(&data[..colon])
        .unwrap()
        .parse()
        .unwrap();
    let pairs = data.iter().filter(|&&b| b == 0).count() / 2;
    let exact = storage::len_for(block_len, pairs);
    assert!(exact <= ROOM, "the arrays hold the request");
    let mut runs = vec![];
    let mut slice = vec![0u8; exact];
    runs.push((
        "exact slice",
        read_counting(&mut slice[..], data, config, lookups),
    ));
    let mut spare = vec![0u8; exact + (1 << 20)];
    let spared = read_counting(&mut spare[..], data, config, lookups);
    runs.push(("slice with 1 MiB spare", spared));
    let array: Box<[u8; ROOM]> = vec![0u8; ROOM].into_boxed_slice().try_into().unwrap();
    runs.push(("array", read_counting(*array, data, config, lookups)));
    let heapless: Box<heapless::Vec<u8, ROOM>> = Box::default();
    runs.push((
        "heapless::Vec",
        read_counting(*heapless, data, config, lookups),
    ));
    #[cfg(feature = "alloc")]
    runs.push(("Vec", read_counting(Vec::new(), data, config, lookups)));
    runs
}

/// Ordinary names fill the table at about two probes per name; names crowding its first
/// window make it give up and sort by key, within the bounds, with every storage.
#[test]
fn crafted_names_cost_at_most_the_bound_on_every_storage() {
    let n = PAIRS;
    let pairs = n + 2;
    let lookups: [&[u8]; 2] = [b"SCGI", b"CONTENT_LENGTH"];
    let config = Config::new().max_block_len(1 << 20);

    let ordinary = request(&ordinary_names(n, 6));
    for (storage, counted) in with_every_storage(&ordinary, config, &lookups) {
        assert_eq!(counted.outcome, Ok((pairs, Kind::Table)), "{storage}");
        let work = counted.build;
        assert!(work.probes <= 3 * pairs as u64, "{storage}: {work:?}");
        assert!(work.comparisons <= pairs as u64 / 16, "{storage}: {work:?}");
        assert_eq!(work.moves, 0, "{storage}: {work:?}");
    }

    let crafted = colliding_names(n, 6, pairs);
    let data = request(&crafted);
    let mut lookups = lookups.to_vec();
    lookups.extend(crafted.iter().step_by(n / 8).map(Vec::as_slice));
    for (storage, counted) in with_every_storage(&data, config, &lookups) {
        assert_eq!(counted.outcome, Ok((pairs, Kind::Sorted)), "{storage}");
        let work = counted.build;
        // The table gave up after its first window filled: WINDOW names, then one more.
        let window = WINDOW as u64;
        assert!(work.probes <= window * (window + 3), "{storage}: {work:?}");
        // Distinct names have distinct keys (but by a chance of about n^2 / 2^33).
        assert!(work.comparisons <= 4, "{storage}: {work:?}");
        assert!(work.moves <= radix_bound(pairs), "{storage}: {work:?}");
        let work = counted.lookups;
        assert_eq!(
            work.probes, 0,
            "{storage}: the sorted lookup does not probe"
        );
        // A binary search, then the one name found and its neighbour.
        let per_lookup = log2(pairs) + 2;
        let bound = lookups.len() as u64 * 2 * per_lookup;
        assert!(work.comparisons <= bound, "{storage}: {work:?}");
    }

    // The same names, the last one repeating the first: the repeat is found after the sort.
    let mut repeated = crafted.clone();
    repeated.push(crafted[0].clone());
    let data = request(&repeated);
    for (storage, counted) in with_every_storage(&data, config, &[]) {
        assert_eq!(counted.outcome, Err(Error::DuplicateHeader), "{storage}");
        let work = counted.build;
        assert!(work.comparisons <= sort_bound(2) + 4, "{storage}: {work:?}");
        assert!(work.moves <= radix_bound(pairs + 1), "{storage}: {work:?}");
    }
}

/// Names that spread over the table but each crowd one window in turn (a window's worth
/// of names per home, homes `WINDOW` slots apart) make every name probe far into its
/// window: the table gives up once they spent 4 probes a name on average.
#[test]
fn names_filling_every_window_cost_at_most_a_window_each() {
    let n = PAIRS;
    let pairs = n + 2;
    let slots = super::table::SLOTS_PER_PAIR * pairs;
    let mut names = Vec::new();
    let mut per_home = vec![0usize; slots];
    let mut candidate = 0u64;
    while names.len() < n {
        let name = format!("x{candidate:x}").into_bytes();
        candidate += 1;
        let home = home(&name, pairs);
        if home.is_multiple_of(WINDOW) && per_home[home] < WINDOW - 1 {
            per_home[home] += 1;
            names.push(name);
        }
    }
    let data = request(&names);
    let config = Config::new().max_block_len(1 << 20);
    for (storage, counted) in with_every_storage(&data, config, &[b"SCGI"]) {
        let (_, kind) = counted.outcome.unwrap();
        let work = counted.build;
        // The table gives up once the names spent 4 probes each (and 64): then one more
        // name's window at most.
        let bound =
            (super::table::PROBES_PER_NAME * pairs + super::table::PROBE_SLACK + WINDOW) as u64;
        assert!(work.probes <= bound, "{storage}: {work:?}");
        assert!(work.comparisons <= 4, "{storage}: {work:?}");
        match kind {
            Kind::Table => assert_eq!(work.moves, 0, "{storage}"),
            Kind::Sorted | Kind::Lexical => {
                assert!(work.moves <= radix_bound(pairs), "{storage}")
            }
        }
    }
}

/// One name repeated thousands of times (allowed): equal names have equal keys, so the
/// table gives up and the heapsort compares names; still `O(n log n)` comparisons.
#[test]
fn one_name_repeated_costs_at_most_the_sort_bound() {
    let n = PAIRS;
    let names = vec![b"HTTP_COOKIE".to_vec(); n];
    let data = request(&names);
    let config = Config::new()
        .max_block_len(1 << 20)
        .allow_repeated_names(true);
    for (storage, counted) in with_every_storage(&data, config, &[]) {
        assert_eq!(counted.outcome, Ok((n + 2, Kind::Sorted)), "{storage}");
        let work = counted.build;
        assert!(work.comparisons <= sort_bound(n + 2), "{storage}: {work:?}");
        assert!(work.moves <= radix_bound(n + 2), "{storage}: {work:?}");
    }
    let mut storage = vec![0u8; storage::len_for(data.len(), n + 2)];
    let mut reader = Reader::with_config(&mut storage[..], config);
    let Ok((_, Some(Event::Headers(env)))) = reader.read(&data) else {
        panic!("headers");
    };
    work::take();
    assert_eq!(env.get_all(b"HTTP_COOKIE").count(), n);
    assert_eq!(env.get("HTTP_COOKIE"), Some(&b"v"[..]));
    let work = work::take();
    let bound = n as u64 + 1 + 4 * log2(n + 2);
    assert!(work.comparisons <= bound, "{work:?}");
}

/// The generator does what it says: its names crowd the first window of the table.
#[test]
fn colliding_names_share_the_first_window() {
    let names = colliding_names(100, 5, 1000);
    assert_eq!(names.len(), 100);
    assert!(names.iter().all(|n| home(n, 1000) < WINDOW));
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 100);
}
