//! The SCGI header block: NUL-terminated name/value strings.
//!
//! ```text
//! block = 1*( name NUL value NUL )
//! name  = 1*( %x01-FF )                 ; non-empty, unique (unless allowed)
//! value = *( %x01-FF )
//! ```
//!
//! [`validate`] checks a complete block once, in sioscgi's precedence order, and builds
//! its [`index`](super::index) in the room after it (`u32` words); afterwards the block
//! is read through the index without any failure case.

use super::index::{
    ENDS_PER_PAIR, Kind, Pairs, SCAN, Shape, TABLE, WORDS_PER_PAIR, linked, sorted, table,
};
use super::{name_hash, nul_scan, secret};
use crate::Error;

/// The name of the variable that carries the body length.
pub(crate) const CONTENT_LENGTH: &[u8] = b"CONTENT_LENGTH";
/// The name of the protocol version variable.
pub(crate) const SCGI: &[u8] = b"SCGI";

/// The rules a block is checked against (no `Default`: they come from a `Config`, or
/// are spelled out).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules {
    pub(crate) allow_repeated_names: bool,
    pub(crate) require_content_length_first: bool,
    /// Whether the names are indexed when repeats are allowed (without, the pairs are
    /// only walked: [`Kind::Scan`]).
    pub(crate) index_names: bool,
}

/// What [`validate`] found in a block that breaks no rule it could check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Checked {
    /// The block is valid: its `CONTENT_LENGTH`, and the shape of the index built in the
    /// room after it.
    Valid {
        /// The body length.
        content_length: u64,
        /// The index.
        shape: Shape,
    },
    /// The room cannot hold the block's index: this many pairs, [`WORDS_PER_PAIR`] words
    /// each.
    NeedsRoom(usize),
}

/// Checks a complete header block (without its `,`), builds its index in `room`, and
/// returns `CONTENT_LENGTH`.
///
/// The order of the checks is sioscgi's: not NUL-terminated → odd string count → (the
/// index does not fit `room`: [`Checked::NeedsRoom`]) → empty or duplicate name (the
/// first in wire order) → `SCGI` missing → `SCGI` not `1` → `CONTENT_LENGTH` missing →
/// (opt-in) not first → `CONTENT_LENGTH` invalid.
///
/// The NULs are found 64 bytes at a time ([`nul_scan::positions`]) straight into the
/// index; then each pair is checked and its name hashed into the table, in wire order, so
/// the first repeat is the first hit. If the table cannot take a name within its probe
/// window, it is rebuilt under a secret key (with `std`, see [`super::index::linked`]), and
/// if that cannot take them either, the names are sorted (see [`super::index`]): linear in
/// the block's bytes, whatever the names. With repeated names allowed and the names not to
/// be indexed (64-bit targets), each pair is only checked ([`walk_unindexed`]): no lookup.
pub(crate) fn validate(block: &[u8], room: &mut [u32], rules: Rules) -> Result<Checked, Error> {
    // 32-bit targets (microcontrollers, wasm32) build the sorted lookup only: no table and
    // no multiply-based hash in their flash. The tests can ask for it on 64-bit targets,
    // and so can the benchmarks (`--cfg sioscgi_sorted_index`).
    let first = if TABLE && !cfg!(sioscgi_sorted_index) && !force_sorted() {
        Kind::Table
    } else {
        Kind::Sorted
    };
    validate_into(block, room, rules, first)
}

/// Whether validation builds the sorted lookup as 32-bit targets do (only tests ask:
/// `work::force_sorted` in the index's test counters).
#[inline(always)]
fn force_sorted() -> bool {
    #[cfg(test)]
    return super::index::work::sorted_forced();
    #[cfg(not(test))]
    false
}

/// [`validate`], starting with the lookup `first` (the tests take every way on every
/// block).
#[inline]
fn validate_into(
    block: &[u8],
    room: &mut [u32],
    rules: Rules,
    first: Kind,
) -> Result<Checked, Error> {
    if block.last() != Some(&0) {
        return Err(Error::HeadersNotNulTerminated);
    }
    if u32::try_from(block.len()).is_err() {
        // The reader never takes such a block: its offsets would not fit the index.
        return Err(Error::HeadersTooLarge);
    }
    // Each NUL takes half a pair's index: its offset, and half the pair's lookup.
    let fit = room.len() / (WORDS_PER_PAIR / 2);
    let nuls = if fit == 0 && !crate::MICROCONTROLLER {
        // No room yet (a `Vec` that grows for the index): counted only, 64 bytes a step.
        nul_scan::count(block)
    } else {
        nul_scan::positions(block, room.get_mut(..fit).unwrap_or_default())
    };
    if !nuls.is_multiple_of(2) {
        return Err(Error::HeadersOddStringCount);
    }
    let count = nuls / 2;
    if nuls > fit {
        return Ok(Checked::NeedsRoom(count));
    }
    let (ends, lookup) = room
        .split_at_mut_checked(count * ENDS_PER_PAIR)
        .unwrap_or_default();
    let lookup = lookup
        .get_mut(..count * (WORDS_PER_PAIR - ENDS_PER_PAIR))
        .unwrap_or_default();
    let find_repeats = !rules.allow_repeated_names;
    let (known, kind) = if SCAN && !find_repeats && !rules.index_names {
        (walk_unindexed(block, ends)?, Kind::Scan)
    } else {
        walk_indexed(block, ends, lookup, count, find_repeats, first)?
    };
    match known.scgi {
        None => return Err(Error::NoScgiVariable),
        Some(v) if v != b"1" => return Err(Error::BadScgiVersion),
        Some(_) => {}
    }
    let Some(length) = known.content_length else {
        return Err(Error::NoContentLength);
    };
    if rules.require_content_length_first && !known.content_length_first {
        return Err(Error::ContentLengthNotFirst);
    }
    Ok(Checked::Valid {
        content_length: parse_content_length(length)?,
        shape: Shape {
            pairs: count as u32,
            kind,
        },
    })
}

/// [`walk`] over the `count` pairs whose NULs are `ends`, building a lookup in `lookup`:
/// the table first (unless `first` is another), then the linked table (64-bit targets
/// with `std`), then the sorted one.
#[inline(always)]
fn walk_indexed<'a>(
    block: &'a [u8],
    ends: &[u32],
    lookup: &mut [u32],
    count: usize,
    find_repeats: bool,
    first: Kind,
) -> Result<(Known<'a>, Kind), Error> {
    let walked = match first {
        Kind::Table if TABLE => {
            let pairs = Pairs::new(block, ends);
            let mut table = table::TableMut::new(lookup, count, find_repeats);
            walk(block, &pairs, &mut table)
        }
        Kind::Table | Kind::Linked | Kind::Sorted | Kind::Scan => Err(Stop::Full),
    };
    Ok(match walked {
        Ok(known) => (known, Kind::Table),
        Err(Stop::Refused(error)) => return Err(error),
        // The names defeated the public hash: the table again, under a secret key, each
        // name once (see `linked`).
        Err(Stop::Full) if TABLE && secret::AVAILABLE && first != Kind::Sorted => {
            let pairs = Pairs::new(block, ends);
            let mut table = linked::LinkedMut::new(lookup, count, find_repeats);
            match walk(block, &pairs, &mut table) {
                Ok(known) => {
                    table.finish();
                    (known, Kind::Linked)
                }
                Err(Stop::Refused(error)) => return Err(error),
                Err(Stop::Full) => walk_sorted(block, ends, lookup, find_repeats)?,
            }
        }
        Err(Stop::Full) => walk_sorted(block, ends, lookup, find_repeats)?,
    })
}

/// [`walk`] with the sorted lookup in `lookup`: the pairs before the walk stopped are
/// sorted by name (see [`sorted`]), and a repeat among them (when `find_repeats`) comes
/// before whatever stopped the walk.
fn walk_sorted<'a>(
    block: &'a [u8],
    ends: &[u32],
    lookup: &mut [u32],
    find_repeats: bool,
) -> Result<(Known<'a>, Kind), Error> {
    let pairs = Pairs::new(block, ends);
    let mut walked_pairs = Walked { pairs: 0 };
    let walked = walk(block, &pairs, &mut walked_pairs);
    if sorted::build(lookup, walked_pairs.pairs, &pairs, find_repeats) && find_repeats {
        return Err(Error::DuplicateHeader);
    }
    match walked {
        Ok(known) => Ok((known, Kind::Sorted)),
        Err(Stop::Refused(error)) => Err(error),
        // The sorted lookup takes every name.
        Err(Stop::Full) => Err(Error::DuplicateHeader),
    }
}

/// Why [`walk`] stopped before the end of the block.
#[derive(Debug)]
enum Stop {
    /// The first pair the rules refuse (a repeat only with the table).
    Refused(Error),
    /// The table cannot take a name.
    Full,
}

/// The lookup a [`walk`] builds, pair by pair: each its own type, so that each walk is
/// compiled for one (no choice among lookups per pair).
trait Build {
    /// The key of `name`, which is at `start` of `block`.
    fn key(block: &[u8], start: usize, name: &[u8]) -> u64;

    /// Adds pair `i`, whose name's key is `key`.
    fn add(&mut self, pairs: &Pairs<'_>, i: usize, key: u64) -> Result<(), Stop>;
}

/// What a table's insert means for the walk.
#[inline(always)]
fn inserted(insert: table::Insert) -> Result<(), Stop> {
    match insert {
        table::Insert::Stored => Ok(()),
        table::Insert::Repeat => Err(Stop::Refused(Error::DuplicateHeader)),
        table::Insert::Full => Err(Stop::Full),
    }
}

/// The table, keyed by the name's multiply-based hash.
impl Build for table::TableMut<'_> {
    #[inline(always)]
    fn key(block: &[u8], start: usize, name: &[u8]) -> u64 {
        name_hash::hash_at(block, start, name)
    }

    #[inline(always)]
    fn add(&mut self, pairs: &Pairs<'_>, i: usize, key: u64) -> Result<(), Stop> {
        if !TABLE {
            // Never a table on other targets (see `validate`).
            return Err(Stop::Full);
        }
        inserted(self.insert(pairs, i, key))
    }
}

/// The table rebuilt, keyed by PolymurHash under the process's secret key ([`secret`]),
/// each name once ([`linked`]).
impl Build for linked::LinkedMut<'_> {
    #[inline(always)]
    fn key(_: &[u8], _: usize, name: &[u8]) -> u64 {
        secret::hash(name)
    }

    #[inline(always)]
    fn add(&mut self, pairs: &Pairs<'_>, i: usize, key: u64) -> Result<(), Stop> {
        if !(TABLE && secret::AVAILABLE) {
            return Err(Stop::Full);
        }
        inserted(self.insert(pairs, i, key))
    }
}

/// The pairs walked so far, to be sorted by name (unkeyed: the sort reads the names).
struct Walked {
    /// How many.
    pairs: usize,
}

impl Build for Walked {
    #[inline(always)]
    fn key(_: &[u8], _: usize, _: &[u8]) -> u64 {
        0
    }

    #[inline(always)]
    fn add(&mut self, _: &Pairs<'_>, i: usize, _: u64) -> Result<(), Stop> {
        self.pairs = i + 1;
        Ok(())
    }
}

/// Checks the pairs in wire order and adds each to the lookup, until the first problem:
/// an empty name is `HeaderEmpty`, a repeated `SCGI` or `CONTENT_LENGTH` (always) or a
/// repeat the table finds is `DuplicateHeader`.
#[inline(never)]
fn walk<'a, B: Build>(
    block: &'a [u8],
    pairs: &Pairs<'_>,
    builder: &mut B,
) -> Result<Known<'a>, Stop> {
    let mut known = Known::default();
    for (i, (start, name_end, value_end)) in pairs.bounds_iter().enumerate() {
        // The bounds are the NULs' own places: always within the block.
        let Some(name) = block.get(start..name_end) else {
            return Err(Stop::Refused(Error::HeaderEmpty));
        };
        match name.len() {
            0 => return Err(Stop::Refused(Error::HeaderEmpty)),
            // Only names of these lengths can be `SCGI` or `CONTENT_LENGTH`.
            4 | 14 => {
                let value = block.get(name_end + 1..value_end).unwrap_or_default();
                known.note(name, value, i == 0).map_err(Stop::Refused)?;
            }
            _ => {}
        }
        builder.add(pairs, i, B::key(block, start, name))?;
    }
    Ok(known)
}

/// [`walk`] without a lookup: each pair's own checks, in wire order (an empty name is
/// `HeaderEmpty`, a second `SCGI` or `CONTENT_LENGTH` `DuplicateHeader`), from the NULs
/// at `ends` (two per pair) alone.
#[inline(never)]
fn walk_unindexed<'a>(block: &'a [u8], ends: &[u32]) -> Result<Known<'a>, Error> {
    let mut known = Known::default();
    let mut start = 0usize;
    for &[name_end, value_end] in ends.as_chunks::<2>().0 {
        let (name_end, value_end) = (name_end as usize, value_end as usize);
        // The ends are the NULs' own places, in order: a name's end is never before its
        // start (were it, the length would be huge, not one of these).
        match name_end.wrapping_sub(start) {
            0 => return Err(Error::HeaderEmpty),
            // Only names of these lengths can be `SCGI` or `CONTENT_LENGTH`.
            4 | 14 => {
                let name = block.get(start..name_end).unwrap_or_default();
                let value = block.get(name_end + 1..value_end).unwrap_or_default();
                known.note(name, value, start == 0)?;
            }
            _ => {}
        }
        start = value_end.wrapping_add(1);
    }
    Ok(known)
}

/// What the walk over the names found.
#[derive(Default)]
struct Known<'a> {
    /// The value of `SCGI`.
    scgi: Option<&'a [u8]>,
    /// The value of `CONTENT_LENGTH`.
    content_length: Option<&'a [u8]>,
    /// Whether `CONTENT_LENGTH` is the first pair.
    content_length_first: bool,
}

impl<'a> Known<'a> {
    /// Notes a pair (the `first` of the block, or not) if its name is `SCGI` or
    /// `CONTENT_LENGTH`; a second one is `DuplicateHeader`, whatever the rules.
    fn note(&mut self, name: &[u8], value: &'a [u8], first: bool) -> Result<(), Error> {
        let seen = if name == SCGI {
            &mut self.scgi
        } else if name == CONTENT_LENGTH {
            self.content_length_first |= first;
            &mut self.content_length
        } else {
            return Ok(());
        };
        if seen.is_some() {
            return Err(Error::DuplicateHeader);
        }
        *seen = Some(value);
        Ok(())
    }
}

/// `CONTENT_LENGTH` is ASCII digits only (leading zeros allowed), at most `u64::MAX` (S5, S6).
pub(crate) fn parse_content_length(value: &[u8]) -> Result<u64, Error> {
    if value.is_empty() {
        return Err(Error::BadContentLength);
    }
    value.iter().try_fold(0u64, |acc, &b| {
        if !b.is_ascii_digit() {
            return Err(Error::BadContentLength);
        }
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(Error::BadContentLength)
    })
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::wire::index::Index;
    use std::{format, vec, vec::Vec};

    const STRICT: Rules = Rules {
        allow_repeated_names: false,
        require_content_length_first: false,
        index_names: true,
    };

    fn block(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (n, v) in pairs {
            out.extend_from_slice(n.as_bytes());
            out.push(0);
            out.extend_from_slice(v.as_bytes());
            out.push(0);
        }
        out
    }

    /// Every way to build the index: the table (the linked table under the secret key if
    /// it fills up, with `std`, then sorted), the linked table from the start (with
    /// `std`), sorted from the start (as 32-bit targets do), and (with repeated names
    /// allowed, on 64-bit targets) none, when the rules say not to index the names.
    const WAYS: [(Kind, bool); 4] = [
        (Kind::Table, true),
        (Kind::Linked, true),
        (Kind::Sorted, true),
        (Kind::Table, false),
    ];

    /// Validates `block` with `rules` (the names indexed or not, as `index` says) in a
    /// room that fits its index, starting with `first`: the lookup built is the scan
    /// exactly when the names are not to be indexed and repeats are allowed.
    fn validate_way(
        block: &[u8],
        room: &mut [u32],
        rules: Rules,
        (first, index): (Kind, bool),
    ) -> Result<Checked, Error> {
        let rules = Rules {
            index_names: index,
            ..rules
        };
        let checked = validate_into(block, room, rules, first)?;
        if let Checked::Valid { shape, .. } = checked {
            let scan = SCAN && !index && rules.allow_repeated_names;
            assert_eq!(shape.kind == Kind::Scan, scan, "{rules:?}");
        }
        Ok(checked)
    }

    /// Validates `block` in a room that fits its index, every way; all must agree.
    fn check(block: &[u8], rules: Rules) -> Result<u64, Error> {
        let results = WAYS.map(|way| {
            let mut room = vec![0u32; nul_scan::count(block) * WORDS_PER_PAIR / 2];
            match validate_way(block, &mut room, rules, way)? {
                Checked::Valid { content_length, .. } => Ok(content_length),
                Checked::NeedsRoom(n) => panic!("needs {n} pairs, room {} words", room.len()),
            }
        });
        assert!(
            results.iter().all(|r| *r == results[0]),
            "{block:?} {rules:?}: {results:?}"
        );
        results[0]
    }

    #[test]
    fn validation_order() {
        let ok = block(&[("CONTENT_LENGTH", "5"), ("SCGI", "1")]);
        assert_eq!(check(&ok, STRICT), Ok(5));
        assert_eq!(check(b"A\0B", STRICT), Err(Error::HeadersNotNulTerminated));
        assert_eq!(check(b"", STRICT), Err(Error::HeadersNotNulTerminated));
        assert_eq!(check(b"A\0", STRICT), Err(Error::HeadersOddStringCount));
        assert_eq!(check(b"\0", STRICT), Err(Error::HeadersOddStringCount));
        let empty_first = block(&[("", "x"), ("A", "1"), ("A", "2")]);
        assert_eq!(check(&empty_first, STRICT), Err(Error::HeaderEmpty));
        let repeat_first = block(&[("A", "1"), ("A", "2"), ("", "x")]);
        assert_eq!(check(&repeat_first, STRICT), Err(Error::DuplicateHeader));
        let only_length = block(&[("CONTENT_LENGTH", "1")]);
        assert_eq!(check(&only_length, STRICT), Err(Error::NoScgiVariable));
        let version = block(&[("SCGI", "2")]);
        assert_eq!(check(&version, STRICT), Err(Error::BadScgiVersion));
        let no_length = block(&[("SCGI", "1")]);
        assert_eq!(check(&no_length, STRICT), Err(Error::NoContentLength));
        let bad_length = block(&[("SCGI", "1"), ("CONTENT_LENGTH", "x")]);
        assert_eq!(check(&bad_length, STRICT), Err(Error::BadContentLength));
        let first = Rules {
            require_content_length_first: true,
            ..STRICT
        };
        assert_eq!(check(&bad_length, first), Err(Error::ContentLengthNotFirst));
        assert_eq!(check(&ok, first), Ok(5));
    }

    #[test]
    fn repeated_names_policy() {
        let allow = Rules {
            allow_repeated_names: true,
            ..STRICT
        };
        let dup = block(&[
            ("CONTENT_LENGTH", "0"),
            ("SCGI", "1"),
            ("HTTP_COOKIE", "a"),
            ("HTTP_COOKIE", "b"),
        ]);
        assert_eq!(check(&dup, STRICT), Err(Error::DuplicateHeader));
        assert_eq!(check(&dup, allow), Ok(0));
        let scgi = block(&[("CONTENT_LENGTH", "0"), ("SCGI", "1"), ("SCGI", "1")]);
        assert_eq!(check(&scgi, allow), Err(Error::DuplicateHeader));
        let len = block(&[
            ("CONTENT_LENGTH", "0"),
            ("SCGI", "1"),
            ("CONTENT_LENGTH", "0"),
        ]);
        assert_eq!(check(&len, allow), Err(Error::DuplicateHeader));
    }

    /// The index takes 6 words per pair; a smaller room is answered with the pairs it
    /// has, after the checks that come before it and before those that come after.
    #[test]
    fn a_room_too_small_says_how_much_is_needed() {
        let ok = block(&[("CONTENT_LENGTH", "5"), ("SCGI", "1"), ("A", "")]);
        for room in [0usize, 1, 2, 17] {
            let mut scratch = vec![0u32; room];
            assert_eq!(
                validate(&ok, &mut scratch, STRICT),
                Ok(Checked::NeedsRoom(3)),
                "room {room}"
            );
            assert_eq!(
                validate(b"A\0B\0C\0", &mut scratch, STRICT),
                Err(Error::HeadersOddStringCount)
            );
            assert_eq!(
                validate(b"A\0B", &mut scratch, STRICT),
                Err(Error::HeadersNotNulTerminated)
            );
            let empty = block(&[("", "x")]);
            assert!(matches!(
                validate(&empty, &mut scratch, STRICT),
                Ok(Checked::NeedsRoom(1)) | Err(Error::HeaderEmpty)
            ));
        }
        let mut room = [0u32; 18];
        assert_eq!(
            validate(&ok, &mut room, STRICT),
            Ok(Checked::Valid {
                content_length: 5,
                shape: Shape {
                    pairs: 3,
                    kind: Kind::Table
                }
            })
        );
    }

    /// sioscgi's precedence, written the slow and obvious way: the old reader's behaviour.
    pub(crate) fn naive(block: &[u8], rules: Rules) -> Result<u64, Error> {
        if block.last() != Some(&0) {
            return Err(Error::HeadersNotNulTerminated);
        }
        let strings: Vec<&[u8]> = block[..block.len() - 1].split(|&b| b == 0).collect();
        if !strings.len().is_multiple_of(2) {
            return Err(Error::HeadersOddStringCount);
        }
        let pairs: Vec<(&[u8], &[u8])> = strings.chunks(2).map(|p| (p[0], p[1])).collect();
        for (i, (name, _)) in pairs.iter().enumerate() {
            if name.is_empty() {
                return Err(Error::HeaderEmpty);
            }
            let protected = *name == SCGI || *name == CONTENT_LENGTH;
            if (protected || !rules.allow_repeated_names)
                && pairs[..i].iter().any(|(n, _)| n == name)
            {
                return Err(Error::DuplicateHeader);
            }
        }
        let value = |want: &[u8]| pairs.iter().find(|(n, _)| *n == want).map(|(_, v)| *v);
        match value(SCGI) {
            None => return Err(Error::NoScgiVariable),
            Some(v) if v != b"1" => return Err(Error::BadScgiVersion),
            Some(_) => {}
        }
        let length = value(CONTENT_LENGTH).ok_or(Error::NoContentLength)?;
        if rules.require_content_length_first && pairs[0].0 != CONTENT_LENGTH {
            return Err(Error::ContentLengthNotFirst);
        }
        parse_content_length(length)
    }

    /// Both lookups agree with the naive reference on blocks full of repeats, empty names
    /// and misplaced variables, and on a valid block their index gives every pair in wire
    /// order and every name's pairs.
    #[test]
    fn both_lookups_agree_with_the_naive_reference() {
        let words: [&[u8]; 8] = [
            b"",
            b"A",
            b"B",
            b"SCGI",
            b"1",
            b"CONTENT_LENGTH",
            b"7",
            b"x",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        // Fewer under miri, which runs every test a thousand times slower.
        let cases = if cfg!(miri) { 100 } else { 20_000 };
        for case in 0..cases {
            let strings = 1 + next(if case % 100 == 0 && !cfg!(miri) {
                400
            } else {
                9
            });
            let mut block = Vec::new();
            for _ in 0..strings {
                if next(4) == 0 {
                    block.extend_from_slice(format!("N{}", next(300)).as_bytes());
                } else {
                    block.extend_from_slice(words[next(words.len())]);
                }
                block.push(0);
            }
            if next(20) == 0 {
                block.pop();
            }
            // Keys of 3 bits as well: distinct names then share keys, as a peer with
            // unbounded computing power would make them.
            for bits in [64, 3] {
                crate::wire::index::work::weaken_keys(bits);
                for allow in [false, true] {
                    for first in [false, true] {
                        let rules = Rules {
                            allow_repeated_names: allow,
                            require_content_length_first: first,
                            index_names: true,
                        };
                        let want = naive(&block, rules);
                        assert_eq!(check(&block, rules), want, "{block:?} {rules:?}");
                        if want.is_ok() {
                            check_index(&block, rules);
                        }
                    }
                }
            }
            crate::wire::index::work::weaken_keys(64);
        }
    }

    /// The index of a valid block, with each lookup, against a split of the block.
    fn check_index(block: &[u8], rules: Rules) {
        let strings: Vec<&[u8]> = block[..block.len() - 1].split(|&b| b == 0).collect();
        let pairs: Vec<(&[u8], &[u8])> = strings.chunks(2).map(|p| (p[0], p[1])).collect();
        for way in WAYS {
            let mut room = vec![0u32; pairs.len() * WORDS_PER_PAIR];
            let Ok(Checked::Valid { shape, .. }) = validate_way(block, &mut room, rules, way)
            else {
                panic!("valid");
            };
            let index = Index::new(block, &room, shape);
            assert_eq!(index.pairs().iter().collect::<Vec<_>>(), pairs);
            assert_eq!(index.pairs().iter().len(), pairs.len());
            let absent: [&[u8]; 3] = [b"", b"N1000", b"CONTENT_LENGTH\xff"];
            for name in pairs.iter().map(|(n, _)| *n).chain(absent) {
                let want: Vec<usize> = (0..pairs.len()).filter(|&i| pairs[i].0 == name).collect();
                assert_eq!(index.find(name).collect::<Vec<_>>(), want, "{name:?}");
                let first = want.first().map(|&i| pairs[i].1);
                assert_eq!(index.get(name), first, "{name:?}");
            }
        }
    }

    #[test]
    fn content_length_grammar() {
        assert_eq!(parse_content_length(b"0"), Ok(0));
        assert_eq!(parse_content_length(b"007"), Ok(7));
        assert_eq!(parse_content_length(b"18446744073709551615"), Ok(u64::MAX));
        for bad in [
            &b""[..],
            b"+5",
            b" 5",
            b"5 ",
            b"5_0",
            b"-1",
            b"18446744073709551616",
            b"\xd9\xa5",
        ] {
            assert_eq!(
                parse_content_length(bad),
                Err(Error::BadContentLength),
                "{bad:?}"
            );
        }
    }
}
