//! The index's sorted lookup: the pairs' positions sorted by name, byte by byte, most
//! significant first; a lookup binary-searches the names.
//!
//! Nothing is hashed and nothing is keyed: there is no computation a peer could make once
//! to slow it down, and no code for a hash in the flash of a microcontroller. It is what
//! 32-bit targets always build (microcontrollers and wasm32), and what 64-bit targets build
//! when the [table](super::table) gives up. Its `16 n` bytes (after the `8 n` of the NUL
//! offsets), as `u32` slots:
//!
//! ```text
//! entries  n    the pairs' positions, by name, then in wire order (a name's pairs are
//!               neighbours, in wire order)
//! scratch  n    the sort's, while the index is built
//! groups   2n   the sort's pending groups (three slots each), while the index is built
//! ```
//!
//! # Cost
//!
//! Names compare as bytes, a name before any longer name it begins (the end of a name,
//! its NUL, is a byte below every other, since names hold no NUL). A *group* is a set of
//! entries whose names share their first `at` bytes. The sort starts with one group of all
//! the entries, at byte 0, and for each group:
//!
//! - of at most [`SMALL`] (16) entries: sorts it by insertion, comparing the names from
//!   byte `at` on (on 64-bit targets a word of 8 bytes of each first): at most `SMALL / 2`
//!   comparisons an entry (not on microcontrollers, targets of 32 bits or fewer but wasm32
//!   and x86: there every group goes on as a larger one does, the smaller code);
//! - whose names all have the same next word (bytes `at` to `at + 7`; byte `at` alone on
//!   32-bit targets): done if it holds every name's end (they are one name), else goes on
//!   after it (one look at each entry's word); if they differ, goes on to the first byte
//!   where two of them do;
//! - there, distributes the group by that byte: a stable counting sort of its low, then
//!   its high four bits (four moves an entry and 32 counters), or, for groups of at least
//!   256 on 64-bit targets, of the whole byte (two moves an entry and 256 counters), and
//!   splits it into the groups of equal bytes, on to the next byte (another look at each
//!   entry, or none: the counters give them); the group of the names that end there is
//!   one name, and is done, and so is a group of one.
//!
//! Every look and every move is at byte `at` of a name that has a byte (or its end)
//! there, in a group of at least two entries (a look that finds the words alike is
//! charged to their bytes, the one that finds them differ to the byte they differ at), a
//! name is in one group at each byte, and a distribution splits its group, which happens
//! at most `n - 1` times: for a block of `b` bytes and `n` pairs, whatever the names, the
//! sort makes at most `6 (b + n)` looks and moves and `32 n` counter updates (the 256 of
//! a whole byte count as at most three a look), and the insertions at most `(SMALL / 2) n`
//! comparisons of at most `(SMALL / 2) (b + n)` bytes in all. The check for repeats
//! compares neighbours: `n - 1` comparisons of at most `b` bytes. A lookup of a name of
//! `L` bytes: a binary search (at most `⌈log2 n⌉ + 1` comparisons, each of at most `L + 1`
//! bytes), then one comparison for each of its pairs and two more.

use super::{Candidate, Pairs, Work, count_bytes, count_work};
// On microcontrollers every group is distributed (no insertion for small ones), a byte
// at a time and four bits a pass: the smaller code.
use crate::MICROCONTROLLER;

/// Groups of at most this many entries are sorted by insertion (the counters of a
/// distribution would cost more than its moves), except on microcontrollers.
pub(crate) const SMALL: usize = 16;

/// [`MICROCONTROLLER`], or a test thread that asks to sort as one does
/// (`work::as_microcontroller`).
#[inline(always)]
fn microcontroller() -> bool {
    #[cfg(test)]
    return MICROCONTROLLER || super::work::microcontroller_forced();
    #[cfg(not(test))]
    MICROCONTROLLER
}

/// The position in entry `i` of `entries` (`0` past the end).
#[inline(always)]
fn get(entries: &[u32], i: usize) -> usize {
    entries.get(i).map_or(0, |&e| e as usize)
}

/// Byte `at` of the name of the pair at `position`: `0` (a NUL) at its end and past it.
/// Out of line on 32-bit targets (the smaller code).
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
fn byte(pairs: &Pairs<'_>, position: usize, at: usize) -> u8 {
    tail(pairs, position, at).first().copied().unwrap_or(0)
}

/// Bytes in a [`word`] on this target: 8 on 64-bit targets, 1 on the others (the smaller
/// code; their blocks are small).
const WORD_BYTES: usize = if usize::BITS >= 64 { 8 } else { 1 };

/// Bytes in a [`word`]: [`WORD_BYTES`], 1 as a microcontroller sorts (its own
/// `WORD_BYTES`; a test thread may ask for it).
#[inline(always)]
fn word_bytes() -> usize {
    if microcontroller() { 1 } else { WORD_BYTES }
}

/// Bytes `at` to `at + word_bytes()` of the name of the pair at `position`, the first most
/// significant (the rest of the `u64` zero), `0` at its end and past it.
#[inline(always)]
fn word(pairs: &Pairs<'_>, position: usize, at: usize) -> u64 {
    if word_bytes() == 1 {
        return u64::from(byte(pairs, position, at)) << 56;
    }
    let (start, end) = pairs.name_range(position);
    let from = start.saturating_add(at);
    let left = end.saturating_sub(from);
    // Eight bytes of the block (a NUL and the value follow a name), those past the name
    // masked off; byte by byte only at the block's very end.
    match pairs
        .block()
        .get(from..)
        .and_then(|rest| rest.first_chunk::<8>())
    {
        Some(bytes) if left >= 8 => u64::from_be_bytes(*bytes),
        Some(bytes) => u64::from_be_bytes(*bytes) & !(u64::MAX >> (8 * left)),
        None => {
            let mut bytes = [0; 8];
            for (to, from) in bytes.iter_mut().zip(tail(pairs, position, at)) {
                *to = *from;
            }
            u64::from_be_bytes(bytes)
        }
    }
}

/// Where the first of the bytes in which two [`word`]s differ (`differ`, their XOR, not
/// zero) is in them.
#[inline(always)]
fn first_difference(differ: u64) -> usize {
    if word_bytes() == 1 {
        0
    } else {
        (differ.leading_zeros() / 8) as usize
    }
}

/// Whether a name ends in `word` (one of its bytes is zero).
#[inline(always)]
fn ends_in(word: u64) -> bool {
    if word_bytes() == 1 {
        return word == 0;
    }
    const LOW: u64 = u64::MAX / 255;
    word.wrapping_sub(LOW) & !word & (LOW << 7) != 0
}

/// The name of the pair at `position` from byte `at` on (out of line on 32-bit targets).
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
fn tail<'a>(pairs: &Pairs<'a>, position: usize, at: usize) -> &'a [u8] {
    pairs.name(position).get(at..).unwrap_or_default()
}

/// Sorts the first `count` pairs of `pairs` by name in `lookup` (`4 count` slots, see the
/// module), and says whether two of them have the same name (only if `find_repeats`).
pub(crate) fn build(
    lookup: &mut [u32],
    count: usize,
    pairs: &Pairs<'_>,
    find_repeats: bool,
) -> bool {
    let (entries, rest) = lookup.split_at_mut_checked(count).unwrap_or_default();
    let (scratch, groups) = rest.split_at_mut_checked(count).unwrap_or_default();
    for (i, entry) in entries.iter_mut().enumerate() {
        *entry = i as u32;
    }
    sort(
        entries,
        scratch,
        &mut Groups {
            slots: groups,
            len: 0,
        },
        pairs,
    );
    find_repeats && has_neighbours_named_alike(entries, pairs)
}

/// The pending groups of the sort: a stack of `(start, end, at)` in `u32` slots. It never
/// fills: every group on it has at least two entries and no two share one, so at most
/// `n / 2` are pending, in `3 n / 2` of its `2 n` slots.
struct Groups<'s> {
    slots: &'s mut [u32],
    len: usize,
}

impl Groups<'_> {
    /// Pushes a group (if there is room: always, see above).
    fn push(&mut self, [start, end, at]: [usize; 3]) {
        if let Some([a, b, c]) = self.slots.get_mut(self.len..self.len + 3) {
            (*a, *b, *c) = (start as u32, end as u32, at as u32);
            self.len += 3;
        }
    }

    /// Pops the last group pushed.
    fn pop(&mut self) -> Option<[usize; 3]> {
        self.len = self.len.checked_sub(3)?;
        match self.slots.get(self.len..self.len + 3)? {
            &[a, b, c] => Some([a as usize, b as usize, c as usize]),
            _ => None,
        }
    }
}

/// Sorts `entries` by their pairs' names, stably, with `scratch` (as long) and `groups`.
fn sort(entries: &mut [u32], scratch: &mut [u32], groups: &mut Groups<'_>, pairs: &Pairs<'_>) {
    if entries.len() > 1 {
        groups.push([0, entries.len(), 0]);
    }
    while let Some([start, end, mut at]) = groups.pop() {
        let (Some(group), Some(scratch)) =
            (entries.get_mut(start..end), scratch.get_mut(start..end))
        else {
            continue;
        };
        if !microcontroller() && group.len() <= SMALL {
            insertion(group, pairs, at);
            continue;
        }
        // Down the bytes that every name of the group has alike, a word at a time.
        let one_name = loop {
            let first = word(pairs, get(group, 0), at);
            let differ = group.iter().fold(0, |differ, entry| {
                count_work(Work::Move);
                differ | (word(pairs, *entry as usize, at) ^ first)
            });
            if differ != 0 {
                // On to the first byte where two names differ.
                at += first_difference(differ);
                break false;
            }
            if ends_in(first) {
                // Every name ends here: they are one name, in wire order.
                break true;
            }
            at += word_bytes();
        };
        if one_name {
            continue;
        }
        if wide() && group.len() >= WIDE_FROM {
            distribute_wide(group, scratch, pairs, at, groups, start);
            continue;
        }
        distribute(group, scratch, pairs, at, 0);
        distribute(group, scratch, pairs, at, 4);
        // The groups of equal bytes at `at`, on to `at + 1`; the names that end at `at`
        // (byte 0, first) are one name.
        let mut from = 0;
        while from < group.len() {
            let value = byte(pairs, get(group, from), at);
            let mut to = from + 1;
            while to < group.len() && byte(pairs, get(group, to), at) == value {
                count_work(Work::Move);
                to += 1;
            }
            count_work(Work::Move);
            if value != 0 && to - from > 1 {
                groups.push([start + from, start + to, at + 1]);
            }
            from = to;
        }
    }
}

/// Whether large groups are distributed by a whole byte in one pass (64-bit targets; the
/// others keep the smaller code and stack of four bits a pass).
const WIDE: bool = usize::BITS >= 64;

/// [`WIDE`], but not as a microcontroller sorts (its own `WIDE` is false; a test thread
/// may ask for it).
#[inline(always)]
fn wide() -> bool {
    WIDE && !microcontroller()
}

/// The least group distributed by a whole byte: its 256 counters cost at most one move
/// an entry.
const WIDE_FROM: usize = 256;

/// Sorts `group` stably by its names' byte `at` through `scratch` (as long) in one pass
/// with 256 counters, and pushes its groups of equal bytes (but the names that end at
/// `at`, one name) on to `at + 1`; `start` is where `group` starts in the entries.
fn distribute_wide(
    group: &mut [u32],
    scratch: &mut [u32],
    pairs: &Pairs<'_>,
    at: usize,
    groups: &mut Groups<'_>,
    start: usize,
) {
    let ends = counting_sort::<256>(group, scratch, |entry| {
        usize::from(byte(pairs, *entry as usize, at))
    });
    // Byte 0's entries end where byte 1's start: the names that end at `at`.
    let mut from = ends.first().copied().unwrap_or(0) as usize;
    for &end in ends.iter().skip(1) {
        count_work(Work::Move);
        let end = end as usize;
        if end > from + 1 {
            groups.push([start + from, start + end, at + 1]);
        }
        from = end;
    }
}

/// Sorts `group` stably by four bits of its names' byte `at` (those above `shift`) through
/// `scratch` (as long).
fn distribute(group: &mut [u32], scratch: &mut [u32], pairs: &Pairs<'_>, at: usize, shift: u32) {
    counting_sort::<16>(group, scratch, |entry| {
        usize::from(byte(pairs, *entry as usize, at) >> shift) & 15
    });
}

/// Sorts `group` stably by `digit` (below `BUCKETS`) through `scratch` (as long): a count,
/// the counters' sums, the entries moved through `scratch` and back. Returns where each
/// digit's entries end.
fn counting_sort<const BUCKETS: usize>(
    group: &mut [u32],
    scratch: &mut [u32],
    digit: impl Fn(&u32) -> usize,
) -> [u32; BUCKETS] {
    // Each digit's count, then where its entries go, then where they end.
    let mut next = [0u32; BUCKETS];
    for entry in group.iter() {
        count_work(Work::Move);
        if let Some(count) = next.get_mut(digit(entry)) {
            *count += 1;
        }
    }
    let mut sum = 0;
    for slot in next.iter_mut() {
        count_work(Work::Move);
        let count = *slot;
        *slot = sum;
        sum += count;
    }
    for entry in group.iter() {
        count_work(Work::Move);
        let Some(slot) = next.get_mut(digit(entry)) else {
            continue;
        };
        if let Some(to) = scratch.get_mut(*slot as usize) {
            *to = *entry;
        }
        *slot += 1;
    }
    group.copy_from_slice(scratch);
    next
}

/// Sorts `group` stably by its names from byte `at` on, by insertion: a word of each name
/// first, the rest of the names only where the words are alike.
fn insertion(group: &mut [u32], pairs: &Pairs<'_>, at: usize) {
    for i in 1..group.len() {
        let entry = group.get(i).copied().unwrap_or_default();
        let position = entry as usize;
        // Only 64-bit targets compare words first (32-bit ones: the smaller code).
        let key = if word_bytes() == 1 {
            0
        } else {
            word(pairs, position, at)
        };
        let mut j = i;
        while j > 0 {
            let before = group.get(j - 1).copied().unwrap_or_default();
            if !after(pairs, before as usize, position, key, at) {
                break;
            }
            if let Some(slot) = group.get_mut(j) {
                *slot = before;
            }
            j -= 1;
        }
        if let Some(slot) = group.get_mut(j) {
            *slot = entry;
        }
    }
}

/// Whether the name at `other` comes after the name at `position` (whose [`word`] at
/// `at` is `key`), both from byte `at` on (counted as one comparison of at most the
/// shorter name and one byte more).
#[inline(always)]
fn after(pairs: &Pairs<'_>, other: usize, position: usize, key: u64, at: usize) -> bool {
    count_work(Work::Comparison);
    let other_key = if word_bytes() == 1 {
        key
    } else {
        word(pairs, other, at)
    };
    if word_bytes() > 1 && (other_key != key || ends_in(key)) {
        // The words decide (alike and holding the end: the same name).
        #[cfg(test)]
        count_bytes(
            word_bytes().min(
                tail(pairs, other, at)
                    .len()
                    .min(tail(pairs, position, at).len())
                    + 1,
            ),
        );
        return other_key > key;
    }
    let (a, b) = (tail(pairs, other, at), tail(pairs, position, at));
    count_bytes(a.len().min(b.len()) + 1);
    a > b
}

/// Whether two neighbours of the sorted `entries` have the same name.
fn has_neighbours_named_alike(entries: &[u32], pairs: &Pairs<'_>) -> bool {
    let mut before = tail(pairs, get(entries, 0), 0);
    entries.iter().skip(1).any(|entry| {
        let name = tail(pairs, *entry as usize, 0);
        count_work(Work::Comparison);
        let alike = super::same_bytes(before, name);
        count_bytes(if before.len() == name.len() {
            name.len()
        } else {
            0
        });
        before = name;
        alike
    })
}

/// Where the pairs named `name` start among the sorted entries of `pairs` (the first
/// `pairs.len()` slots of `lookup`), `pairs.len()` if there are none.
pub(crate) fn first(lookup: &[u32], pairs: &Pairs<'_>, name: &[u8]) -> usize {
    let n = pairs.len();
    let entries = lookup.get(..n).unwrap_or_default();
    let start = entries.partition_point(|entry| {
        let other = tail(pairs, *entry as usize, 0);
        count_work(Work::Step);
        count_bytes(other.len().min(name.len()) + 1);
        other < name
    });
    if start < n {
        count_work(Work::Comparison);
        if pairs.is_named(get(entries, start), name) {
            return start;
        }
    }
    n
}

/// The first pair named `name` among the sorted entries of `pairs` (see [`first`]).
#[inline]
pub(crate) fn first_pair(lookup: &[u32], pairs: &Pairs<'_>, name: &[u8]) -> Option<usize> {
    let at = first(lookup, pairs, name);
    (at < pairs.len()).then(|| get(lookup, at))
}

/// The pair at entry `at` of the sorted entries of `pairs` (`End` past them), for a lookup
/// from [`first`] on: the caller compares its name.
#[inline]
pub(crate) fn candidate(lookup: &[u32], pairs: usize, at: usize) -> Candidate {
    if at < pairs {
        Candidate::Pair(get(lookup, at))
    } else {
        Candidate::End
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{vec, vec::Vec};

    /// The block and NUL offsets of `names` (each with an empty value).
    fn block_of(names: &[&[u8]]) -> (Vec<u8>, Vec<u32>) {
        let mut block = Vec::new();
        let mut ends = Vec::new();
        for name in names {
            block.extend_from_slice(name);
            ends.push(block.len() as u32);
            block.push(0);
            ends.push(block.len() as u32);
            block.push(0);
        }
        (block, ends)
    }

    /// The positions in name order (stable), by the standard library's sort.
    fn reference(names: &[&[u8]]) -> Vec<u32> {
        let mut order: Vec<u32> = (0..names.len() as u32).collect();
        order.sort_by(|a, b| names[*a as usize].cmp(names[*b as usize]));
        order
    }

    fn sorted(names: &[&[u8]], find_repeats: bool) -> (Vec<u32>, bool) {
        let (block, ends) = block_of(names);
        let pairs = Pairs::new(&block, &ends);
        // As this target sorts, and as a microcontroller does (no insertion, a byte at a
        // time, four bits a pass): the same. (Under miri, large blocks only the first way:
        // its time.)
        let ways: &[bool] = if cfg!(miri) && names.len() > 100 {
            &[false]
        } else {
            &[false, true]
        };
        let mut results: Vec<(Vec<u32>, bool)> = ways
            .iter()
            .map(|&microcontroller| {
                super::super::work::as_microcontroller(microcontroller);
                let mut lookup = vec![0u32; 4 * names.len()];
                let repeat = build(&mut lookup, names.len(), &pairs, find_repeats);
                (lookup[..names.len()].to_vec(), repeat)
            })
            .collect();
        super::super::work::as_microcontroller(false);
        for other in &results[1..] {
            assert_eq!(
                &results[0], other,
                "as this target sorts and as a microcontroller"
            );
        }
        results.swap_remove(0)
    }

    /// A deterministic stream of numbers.
    fn numbers(seed: u64) -> impl Iterator<Item = u64> {
        let mut x = seed;
        core::iter::repeat_with(move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
    }

    #[test]
    fn sorts_as_the_standard_library_does_stably() {
        for (seed, count) in [
            (1, 0),
            (2, 1),
            (3, 2),
            (4, 16),
            (5, 17),
            (6, 100),
            (7, 3000),
        ] {
            // Names over a small alphabet, of 1 to 6 bytes: many shared prefixes, many
            // repeats, prefixes of other names, bytes below 16.
            let mut random = numbers(seed);
            let owned: Vec<Vec<u8>> = (0..count)
                .map(|_| {
                    let len = 1 + random.next().unwrap() % 6;
                    (0..len)
                        .map(|_| [b'A', b'B', 0x01, 0xFF][random.next().unwrap() as usize % 4])
                        .collect()
                })
                .collect();
            let names: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
            let (order, repeat) = sorted(&names, true);
            assert_eq!(order, reference(&names), "{count} names");
            let mut distinct = owned.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(repeat, distinct.len() < count, "{count} names");
        }
    }

    #[test]
    fn long_shared_prefixes_and_one_name_repeated() {
        let prefix = [b'X'; 300];
        let owned: Vec<Vec<u8>> = (0..200u32)
            .map(|i| {
                let mut name = prefix[..100 + (i as usize * 7) % 200].to_vec();
                name.extend_from_slice(format_args_bytes(i % 50).as_slice());
                name
            })
            .chain((0..100).map(|_| b"SAME".to_vec()))
            .collect();
        let names: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        let (order, repeat) = sorted(&names, true);
        assert_eq!(order, reference(&names));
        assert!(repeat);
        let (_, unchecked) = sorted(&names, false);
        assert!(!unchecked, "repeats looked for only when asked");
    }

    fn format_args_bytes(i: u32) -> Vec<u8> {
        std::format!("{i}").into_bytes()
    }

    #[test]
    fn lookups_find_the_first_pair_of_a_name_or_none() {
        let names: [&[u8]; 7] = [b"B", b"AB", b"A", b"AB", b"ABC", b"\x01", b"A"];
        let (block, ends) = block_of(&names);
        let pairs = Pairs::new(&block, &ends);
        let mut lookup = vec![0u32; 4 * names.len()];
        build(&mut lookup, names.len(), &pairs, false);
        let n = names.len();
        for (query, want) in [
            (&b"A"[..], Some(vec![2, 6])),
            (b"AB", Some(vec![1, 3])),
            (b"ABC", Some(vec![4])),
            (b"B", Some(vec![0])),
            (b"\x01", Some(vec![5])),
            (b"", None),
            (b"AA", None),
            (b"ABCD", None),
            (b"C", None),
            (b"A\0", None),
            (b"AB\0", None),
            (b"ABC\0D", None),
        ] {
            let at = first(&lookup, &pairs, query);
            let mut found = Vec::new();
            let mut i = at;
            while let Candidate::Pair(pair) = candidate(&lookup, n, i) {
                if !pairs.is_named(pair, query) {
                    break;
                }
                found.push(pair);
                i += 1;
            }
            assert_eq!(found, want.unwrap_or_default(), "{query:?}");
        }
    }
}
