//! The index's worst case, counted: the blocks a peer who has read the source would send
//! (names inverted from the table's public hash onto one slot or one whole hash, one name
//! repeated, long shared prefixes, every window nearly full, the probe budget spent), read
//! by the reader with every kind of storage, with the table first (64-bit targets) and
//! with the sorted lookup alone (32-bit targets), repeats allowed or not. The work each
//! read and each lookup does is held to the linear bound the module documents
//! ([`Bound`]), never to a time.

extern crate std;

use std::{boxed::Box, format, vec, vec::Vec};

use super::sorted::SMALL;
use super::table::{BYTES_PER_PROBE, PROBE_SLACK, PROBES_PER_NAME, WINDOW, home_of as home};
use super::work::{self, Counts};
use super::{Kind, linked};
use crate::wire::name_hash::{self, K_FIRST, K_SECOND};
use crate::wire::secret;
use crate::{Config, Error, Event, Reader, Storage, storage};

/// Names per block: about a 64 KiB block of 16-byte names (fewer under miri, which runs
/// every test a thousand times slower).
const NAMES: usize = if cfg!(miri) { 150 } else { 3500 };

/// The linear bound on the work of building the index of a block of `bytes` bytes with
/// `pairs` pairs, `repeats` of which repeat an earlier name, as the modules document it
/// (the table's, the linked table's, then the sorted lookup's).
struct Bound {
    probes: u64,
    comparisons: u64,
    bytes: u64,
    moves: u64,
    hashes: u64,
}

impl Bound {
    fn build(bytes: usize, pairs: usize, repeats: usize) -> Self {
        let (b, n, r) = (bytes as u64, pairs as u64, repeats as u64);
        let probes = PROBES_PER_NAME as u64 * n + (PROBE_SLACK + WINDOW) as u64;
        // The linked table's: its budget for the names' first pairs, and a window for
        // each repeat (not charged to the budget).
        let linked = PROBES_PER_NAME as u64 * n
            + (PROBE_SLACK + linked::WINDOW) as u64
            + linked::WINDOW as u64 * r;
        let half = SMALL as u64 / 2;
        Bound {
            // The table's, then the linked table's (with `std`).
            probes: probes + linked,
            // The tables' (a comparison at most a probe, and the last one of a name),
            // then the sorted lookup's insertions and check of neighbours.
            comparisons: probes + linked + 2 * n + half * n + n,
            // The tables' (32 bytes a probe charged, the names' own bytes once more each),
            // then the sorted lookup's.
            bytes: 2 * BYTES_PER_PROBE as u64 * (probes + linked) + 4 * b + half * (b + n) + b,
            // Looks and moves, and the distributions' counters.
            moves: 6 * (b + n) + 32 * n,
            hashes: 0,
        }
    }

    fn check(&self, work: &Counts, what: &str) {
        assert!(work.probes <= self.probes, "{what}: probes {work:?}");
        assert!(
            work.comparisons <= self.comparisons,
            "{what}: comparisons {work:?}"
        );
        assert!(work.bytes <= self.bytes, "{what}: bytes {work:?}");
        assert!(work.moves <= self.moves, "{what}: moves {work:?}");
        assert!(work.hashes <= self.hashes, "{what}: hashes {work:?}");
        assert_eq!(work.steps, 0, "{what}: no search while building");
    }
}

/// `log2 n`, rounded up.
fn log2(n: usize) -> u64 {
    u64::from(usize::BITS - n.leading_zeros())
}

/// A name of 16 bytes whose table hash is `a * b ^ 16` (folded: `a * b < 2^64`), if its
/// bytes have no NUL: the folded multiply of `first ^ K_FIRST` and `second ^ K_SECOND` is
/// the product itself when it fits 64 bits.
fn inverted(a: u64, b: u64) -> Option<Vec<u8>> {
    let mut name = (K_FIRST ^ a).to_le_bytes().to_vec();
    name.extend_from_slice(&(K_SECOND ^ b).to_le_bytes());
    (!name.contains(&0)).then_some(name)
}

/// `count` distinct 16-byte names whose table hashes share their high half (`0`): every
/// one's home is the first slot of any table, and the table can take only `WINDOW`.
fn one_home_names(count: usize) -> Vec<Vec<u8>> {
    (1u64..)
        .filter_map(|a| inverted(a, 0x0101))
        .take(count)
        .collect()
}

/// Distinct 16-byte names with one and the same table hash (home and tag): the divisor
/// pairs of a number with 1,344 divisors.
fn equal_hash_names() -> Vec<Vec<u8>> {
    const PRODUCT: u64 = 735_134_400;
    (1..=PRODUCT)
        .take_while(|a| a * a <= PRODUCT * 4)
        .filter(|a| PRODUCT.is_multiple_of(*a))
        .filter_map(|a| inverted(a, PRODUCT / a))
        .collect()
}

/// `count` distinct 64-byte names sharing a 48-byte prefix, whose table hashes share their
/// high half: the last 16 bytes cancel the prefix's state as in [`inverted`].
fn long_one_home_names(count: usize) -> Vec<Vec<u8>> {
    for variant in 0u32.. {
        let prefix = format!("HTTP_X_LONG_SHARED_PREFIX_{variant:0>22}").into_bytes();
        assert_eq!(prefix.len(), 48);
        let state = name_hash::state_after(&prefix);
        let names: Vec<Vec<u8>> = (1u64..)
            .take(4 * count)
            .filter_map(|a| {
                let mut name = prefix.clone();
                name.extend_from_slice(&(K_FIRST ^ state ^ a).to_le_bytes());
                name.extend_from_slice(&(K_SECOND ^ 0x0101).to_le_bytes());
                (!name.contains(&0)).then_some(name)
            })
            .take(count)
            .collect();
        if names.len() == count {
            return names;
        }
    }
    unreachable!()
}

/// Pairs of 64-byte names whose first SipHash keys are equal (48 bits), as a peer finds
/// them in a minute (`tests/crafted/sip48_pairs_64.txt`), then 21 names with one table
/// home, so that the table gives up at the very end: every run of the sorted lookup holds
/// two names.
fn sip_collision_names() -> Vec<Vec<u8>> {
    let prefix: Vec<u8> = (0..56).map(|i| b"HTTP_X_"[i % 7]).collect();
    let mut names = vec![];
    let pairs = include_str!("../../../tests/crafted/sip48_pairs_64.txt");
    for line in pairs.lines().filter(|l| !l.starts_with('#')) {
        for suffix in line.split(' ') {
            let mut name = prefix.clone();
            name.extend_from_slice(suffix.as_bytes());
            names.push(name);
        }
    }
    names.truncate(if cfg!(miri) { 40 } else { names.len() });
    names.extend(one_home_names(WINDOW + 1));
    names
}

/// `count` distinct names of `len` bytes (`len` ≥ 4) whose home slot in the table of a
/// block of `pairs` pairs is one of the first `WINDOW`: they crowd the table's first
/// window. Found by trying names in order.
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

/// Names that spread over the table but each crowd one window in turn (a window's worth
/// of names per home, homes `WINDOW` slots apart): every name probes far into its window
/// until the probe budget is spent.
fn window_filling_names(count: usize) -> Vec<Vec<u8>> {
    let pairs = count + 2;
    let slots = super::table::SLOTS_PER_PAIR * pairs;
    let mut names = Vec::new();
    let mut per_home = vec![0usize; slots];
    let mut candidate = 0u64;
    while names.len() < count {
        let name = format!("x{candidate:x}").into_bytes();
        candidate += 1;
        let home = home(&name, pairs);
        if home.is_multiple_of(WINDOW) && per_home[home] < WINDOW - 1 {
            per_home[home] += 1;
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
    /// The work of each lookup, with the name looked up and its number of pairs.
    lookups: Vec<(Vec<u8>, usize, Counts)>,
}

/// Reads `data` with `storage`, then looks up each of `lookups` with `get` and `get_all`
/// (checked against `want`, the positions of each); counts the work of each part.
fn read_counting<S: Storage>(
    storage: S,
    data: &[u8],
    config: Config,
    lookups: &[(Vec<u8>, usize)],
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
    let mut counted = vec![];
    if let Some(env) = reader.environment() {
        for (name, count) in lookups {
            work::take();
            assert_eq!(env.get(name).is_some(), *count > 0, "{name:?}");
            assert_eq!(env.get_all(name).count(), *count, "{name:?}");
            counted.push((name.clone(), *count, work::take()));
        }
    }
    Counted {
        outcome,
        build,
        lookups: counted,
    }
}

/// Reads `data` with every kind of storage, each with exactly the room the request needs
/// and with room to spare, and returns what each found.
fn with_every_storage(
    data: &[u8],
    config: Config,
    lookups: &[(Vec<u8>, usize)],
) -> Vec<(&'static str, Counted)> {
    const ROOM: usize = storage::len_for(NAMES * 64 + 1024, 4 * NAMES + 2);
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

/// A family of names, and whether it repeats names.
struct Family {
    name: &'static str,
    names: Vec<Vec<u8>>,
    /// The lookup the table should end with on 64-bit targets (`None`: either).
    table_kind: Option<Kind>,
}

/// Every family an attacker would pick, and ordinary names as the reference.
fn families() -> Vec<Family> {
    let one = |name, names, kind| Family {
        name,
        names,
        table_kind: kind,
    };
    let mut shared_prefix: Vec<Vec<u8>> = (0..NAMES / 4)
        .map(|i| format!("{}{i}", "X".repeat(200)).into_bytes())
        .collect();
    shared_prefix.push(b"X".repeat(199));
    let mut spent_then_full = window_filling_names(NAMES);
    spent_then_full.truncate(NAMES - WINDOW - 1);
    spent_then_full.extend(colliding_names(WINDOW + 1, 9, NAMES + 2));
    vec![
        one("ordinary", ordinary_names(NAMES, 16), Some(Kind::Table)),
        one("peeled one by one", peeled_names(), None),
        one("prefix chain", prefix_chain_names(), None),
        one("pairs alike to the end", alike_to_the_end_names(2), None),
        one("sixteen alike to the end", alike_to_the_end_names(16), None),
        one("one home", one_home_names(NAMES), Some(Kind::Sorted)),
        one("equal hash", equal_hash_names(), Some(Kind::Sorted)),
        one(
            "long names, one home",
            long_one_home_names(NAMES / 4),
            Some(Kind::Sorted),
        ),
        one("shared prefix", shared_prefix, Some(Kind::Table)),
        one(
            "SipHash pairs, table full at the end",
            sip_collision_names(),
            Some(Kind::Sorted),
        ),
        one(
            "full first window",
            colliding_names(NAMES, 6, NAMES + 2),
            Some(Kind::Sorted),
        ),
        one(
            "every window nearly full",
            window_filling_names(NAMES),
            None,
        ),
        one("budget spent, then a full window", spent_then_full, None),
        one(
            "one name repeated",
            vec![b"HTTP_COOKIE".to_vec(); NAMES],
            Some(Kind::Sorted),
        ),
        one(
            "two-byte name repeated",
            vec![b"HX".to_vec(); NAMES * 4],
            Some(Kind::Sorted),
        ),
    ]
}

/// The names to look up in a block of `names`: a sample of its own (with their counts),
/// the two the reader needs, and absent ones.
fn lookups(names: &[Vec<u8>]) -> Vec<(Vec<u8>, usize)> {
    let mut sample: Vec<Vec<u8>> = names.iter().step_by(names.len() / 7 + 1).cloned().collect();
    sample.push(names[names.len() - 1].clone());
    sample.extend([b"SCGI".to_vec(), b"CONTENT_LENGTH".to_vec()]);
    sample.extend([b"HTTP_HOST".to_vec(), b"ABSENT_NAME_0123".to_vec()]);
    sample.sort();
    sample.dedup();
    sample
        .into_iter()
        .map(|name| {
            let count = names.iter().filter(|n| **n == name).count()
                + usize::from(name == b"SCGI" || name == b"CONTENT_LENGTH");
            (name, count)
        })
        .collect()
}

/// Every family, with the table first and with the sorted lookup alone, repeats allowed
/// or not, on every storage: the outcome is right, and building the index and every
/// lookup stay within the linear bounds.
#[test]
fn every_crafted_family_costs_at_most_the_linear_bound() {
    with_a_big_stack(every_crafted_family);
}

/// Runs `test` on a thread whose stack holds readers with array storage of a 64 KiB
/// block's index (moved by value, several times over in debug builds).
fn with_a_big_stack(test: fn()) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(test)
        .unwrap()
        .join()
        .unwrap();
}

fn every_crafted_family() {
    for family in families() {
        let data = request(&family.names);
        let bytes = data.len();
        let pairs = family.names.len() + 2;
        let distinct = {
            let mut unique = family.names.clone();
            unique.sort();
            unique.dedup();
            unique.len()
        };
        let repeats = family.names.len() != distinct;
        let lookups = lookups(&family.names);
        // The table first, its second try under the secret key (with `std`), as it is and
        // with every name hashed to one home and tag (a peer who knew the key); the sorted
        // lookup alone, as this target sorts and as microcontrollers do (no insertion, a
        // byte at a time, four bits a pass).
        for (sorted_only, key_bits, microcontroller) in [
            (false, 64, false),
            (false, 0, false),
            (true, 64, false),
            (true, 64, true),
        ] {
            work::force_sorted(sorted_only);
            work::weaken_keys(key_bits);
            work::as_microcontroller(microcontroller);
            for allow in [false, true] {
                let config = Config::new()
                    .max_block_len(1 << 20)
                    .allow_repeated_names(allow);
                let what = |storage: &str| {
                    format!(
                        "{}, {storage}, {}, repeats {}",
                        family.name,
                        match (sorted_only, key_bits) {
                            (true, _) if microcontroller => "sorted as on a microcontroller",
                            (true, _) => "sorted",
                            (false, 64) => "table first",
                            (false, _) => "table first, the secret key known",
                        },
                        if allow { "allowed" } else { "refused" }
                    )
                };
                for (storage, counted) in with_every_storage(&data, config, &lookups) {
                    let what = what(storage);
                    match (&counted.outcome, repeats && !allow) {
                        (Err(Error::DuplicateHeader), true) => {}
                        (Ok((n, kind)), false) => {
                            assert_eq!(*n, pairs, "{what}");
                            let want = match (sorted_only, family.table_kind) {
                                (true, _) => Some(Kind::Sorted),
                                // Names that defeat the public hash are random ones under
                                // the secret key; a name repeated is stored once. Under a
                                // known key (every name one home), only a window's worth
                                // of distinct names fits.
                                (false, Some(Kind::Sorted))
                                    if secret::AVAILABLE
                                        && (key_bits == 64 || distinct + 2 <= linked::WINDOW) =>
                                {
                                    Some(Kind::Linked)
                                }
                                (false, want) => want,
                            };
                            if let Some(want) = want {
                                assert_eq!(*kind, want, "{what}");
                            }
                        }
                        (other, _) => panic!("{what}: {other:?}"),
                    }
                    Bound::build(bytes, pairs, family.names.len() - distinct)
                        .check(&counted.build, &what);
                    check_lookups(&counted, pairs, &what);
                }
            }
        }
        work::force_sorted(false);
        work::as_microcontroller(false);
        work::weaken_keys(64);
    }
}

/// Every family with the names not indexed (repeats allowed): validation builds no
/// lookup and does none of a lookup's work, on every storage; a lookup goes through the
/// pairs once (`get`, then `get_all`: at most two comparisons a pair, each of at most the
/// name's bytes).
#[test]
fn every_crafted_family_unindexed_costs_no_lookup_work() {
    with_a_big_stack(|| {
        for family in families() {
            let data = request(&family.names);
            let pairs = family.names.len() + 2;
            let lookups = lookups(&family.names);
            let config = Config::new()
                .max_block_len(1 << 20)
                .allow_repeated_names(true)
                .index_names(false);
            for (storage, counted) in with_every_storage(&data, config, &lookups) {
                let what = format!("{}, {storage}, not indexed", family.name);
                assert_eq!(counted.outcome, Ok((pairs, Kind::Scan)), "{what}");
                assert_eq!(counted.build, Counts::default(), "{what}");
                for (name, _, work) in &counted.lookups {
                    let most = 2 * pairs as u64;
                    assert!(work.comparisons <= most, "{what}, {name:?}: {work:?}");
                    assert!(
                        work.bytes <= work.comparisons * name.len() as u64,
                        "{what}, {name:?}: {work:?}"
                    );
                    let lookup_work = Counts {
                        comparisons: 0,
                        bytes: 0,
                        ..*work
                    };
                    assert_eq!(lookup_work, Counts::default(), "{what}, {name:?}");
                }
            }
        }
    });
}

/// A lookup costs at most a window of probes and comparisons (the table) or two hashes,
/// two binary searches and two comparisons (the sorted lookup); `get_all` of a name
/// repeated `k` times costs `k` more comparisons.
fn check_lookups(counted: &Counted, pairs: usize, what: &str) {
    for (name, count, work) in &counted.lookups {
        let (window, count) = (WINDOW as u64, *count as u64);
        // `get`, then `get_all`: two lookups, and the pairs found by the second.
        assert!(work.probes <= 2 * window, "{what}, {name:?}: {work:?}");
        assert!(
            work.comparisons <= 2 * window + 2 * 2 + count,
            "{what}, {name:?}: {work:?}"
        );
        assert!(work.hashes <= 2 * 2, "{what}, {name:?}: {work:?}");
        assert!(
            work.steps <= 2 * 2 * (log2(pairs) + 1),
            "{what}, {name:?}: {work:?}"
        );
        // Every step and comparison reads at most the name and one byte more.
        assert!(
            work.bytes <= (work.steps + work.comparisons) * (name.len() as u64 + 1),
            "{what}, {name:?}: {work:?}"
        );
    }
}

/// The sorted lookup's own worst cases, built so: names that share ever longer prefixes
/// and leave their group one at a byte (a distribution at every byte of a large group),
/// and small groups of long names alike but for their last byte (a distribution, with its
/// counters, for every few names). Each holds to the bound of `Bound`, by bytes.
fn peeled_names() -> Vec<Vec<u8>> {
    // Below 256: every group is distributed four bits at a time (the dearer way).
    let count = if cfg!(miri) { 40 } else { 220 };
    // Longest first: in wire order, each group's first name is the one to leave it last.
    let mut names: Vec<Vec<u8>> = (1..=count)
        .rev()
        .map(|k| {
            let mut name = b"P".repeat(k);
            name.push(b'Q');
            name
        })
        .collect();
    // A large group to the end, so that every byte is a distribution.
    names.extend((0..32).map(|i| {
        let mut name = b"P".repeat(count + 1);
        name.extend_from_slice(format!("{i:02}").as_bytes());
        name
    }));
    names
}

/// Names each the beginning of the next, longest first (the costliest shape for the
/// moves found: every byte a distribution of a group of fewer than 256), and the longest
/// repeated so that the last group is large.
fn prefix_chain_names() -> Vec<Vec<u8>> {
    let count = if cfg!(miri) { 40 } else { 239 };
    let mut names: Vec<Vec<u8>> = (1..=count).rev().map(|k| b"P".repeat(k)).collect();
    names.extend((0..16).map(|_| b"P".repeat(count + 1)));
    names
}

/// Groups of `size` names alike but for their last byte (see [`peeled_names`]).
fn alike_to_the_end_names(size: usize) -> Vec<Vec<u8>> {
    let groups = if cfg!(miri) { 4 } else { NAMES / (4 * size) };
    (0..groups)
        .flat_map(|g| {
            (0..size).map(move |i| {
                let mut name = format!("{g:04}").into_bytes();
                name.extend_from_slice(&[b'Y'; 200]);
                name.push(b'a' + i as u8);
                name
            })
        })
        .collect()
}

/// A name repeated after many others is one slot of the linked table wherever its first
/// pair landed, so the table keeps it, whatever the name: its repeats' probes are not
/// charged to the budget. (Charged, a repeated name stored two or more slots from its
/// home made the table give up: a peer without the key got the sorted lookup in about
/// one block in thirty by trying names.)
#[test]
#[cfg(feature = "std")]
fn a_name_repeated_after_many_keeps_the_linked_table() {
    let before = ordinary_names(1000, 12);
    let config = Config::new()
        .max_block_len(1 << 20)
        .allow_repeated_names(true);
    for x in 0..100 {
        let name = format!("X-REPEATED-{x}").into_bytes();
        let mut names = before.clone();
        names.extend(std::iter::repeat_n(name.clone(), 1000));
        let counted = read_counting(Vec::new(), &request(&names), config, &[(name, 1000)]);
        let Ok((_, kind)) = counted.outcome else {
            panic!("{x}: {:?}", counted.outcome);
        };
        assert_eq!(kind, Kind::Linked, "{x}");
        let bound = Bound::build(request(&names).len(), names.len() + 2, 1000);
        bound.check(&counted.build, &format!("{x}"));
    }
}

/// The generator does what it says: its names crowd the first window of the table.
#[test]
fn the_generators_make_what_they_say() {
    let names = colliding_names(100, 5, 1000);
    assert_eq!(names.len(), 100);
    assert!(names.iter().all(|n| home(n, 1000) < WINDOW));
    let distinct = |names: &[Vec<u8>]| {
        let mut unique = names.to_vec();
        unique.sort();
        unique.dedup();
        unique.len() == names.len()
    };
    assert!(distinct(&names));
    let one = one_home_names(500);
    assert!(distinct(&one));
    assert!(one.iter().all(|n| name_hash::hash(n) >> 32 == 0));
    let equal = equal_hash_names();
    assert!(equal.len() > 500, "{}", equal.len());
    assert!(distinct(&equal));
    assert!(
        equal
            .iter()
            .all(|n| name_hash::hash(n) == name_hash::hash(&equal[0]))
    );
    let pairs = sip_collision_names();
    for pair in pairs[..pairs.len() - WINDOW - 1].chunks(2) {
        let key = |name: &[u8]| crate::wire::sip::hash(crate::wire::sip::KEY_FIRST, name) >> 16;
        assert_ne!(pair[0], pair[1]);
        assert_eq!(key(&pair[0]), key(&pair[1]), "{pair:?}");
    }
    let long = long_one_home_names(300);
    assert!(distinct(&long));
    let high = name_hash::hash(&long[0]) >> 32;
    assert!(
        long.iter()
            .all(|n| n.len() == 64 && name_hash::hash(n) >> 32 == high)
    );
}
