//! The index's sorted lookup, for blocks whose names the [table](super::table) cannot take
//! within its probe window: one entry per pair, sorted by the high half of the name's
//! hash, then by name, then by position.
//!
//! An entry is a little-endian `u64`: the hash's high half above the pair's position.
//! Most comparisons are of those integers; names are compared only for equal hashes.
//! `core`'s unstable sort makes `O(n log n)` comparisons in the worst case, and a
//! comparison of names costs at most the shorter name's length, so sorting a block of
//! `b` bytes costs `O(n log n)` integer comparisons and `O(b log n)` bytes compared, even
//! when every name has the same hash. The pairs of a name are then neighbours, in wire
//! order: a lookup is a binary search.

use core::cmp::Ordering;

use super::{Pairs, Work, count_work};

/// The entry of pair `i` whose name's hash is `hash`.
#[inline(always)]
pub(crate) fn entry(i: usize, hash: u64) -> [u8; 8] {
    ((hash & 0xFFFF_FFFF_0000_0000) | i as u64).to_le_bytes()
}

/// An entry's hash half and pair.
#[inline(always)]
fn split(entry: &[u8; 8]) -> (u32, usize) {
    let value = u64::from_le_bytes(*entry);
    ((value >> 32) as u32, value as u32 as usize)
}

/// The order of two entries: hash, then name, then position.
fn order(pairs: &Pairs<'_>, a: &[u8; 8], b: &[u8; 8]) -> Ordering {
    let ((hash_a, pair_a), (hash_b, pair_b)) = (split(a), split(b));
    hash_a.cmp(&hash_b).then_with(|| {
        count_work(Work::Comparison);
        pairs
            .name(pair_a)
            .cmp(pairs.name(pair_b))
            .then(pair_a.cmp(&pair_b))
    })
}

/// Sorts the entries of `pairs`.
pub(crate) fn sort(entries: &mut [[u8; 8]], pairs: &Pairs<'_>) {
    entries.sort_unstable_by(|a, b| order(pairs, a, b));
}

/// The position of the first pair whose name equals an earlier pair's, among the sorted
/// `entries` of `pairs`.
pub(crate) fn first_repeat(entries: &[[u8; 8]], pairs: &Pairs<'_>) -> Option<usize> {
    let mut first: Option<usize> = None;
    for window in entries.windows(2) {
        let [a, b] = window else { continue };
        let ((hash_a, pair_a), (hash_b, pair_b)) = (split(a), split(b));
        if hash_a == hash_b && {
            count_work(Work::Comparison);
            pairs.name(pair_a) == pairs.name(pair_b)
        } {
            // Sorted by position among equal names: `b` is the later one.
            first = Some(first.map_or(pair_b, |f| f.min(pair_b)));
        }
    }
    first
}

/// Where the pairs named `name` (whose hash is `hash`) start among the sorted `entries`.
pub(crate) fn first(entries: &[[u8; 8]], pairs: &Pairs<'_>, name: &[u8], hash: u64) -> usize {
    let key = (hash >> 32) as u32;
    entries.partition_point(|entry| {
        let (entry_hash, pair) = split(entry);
        entry_hash.cmp(&key).then_with(|| {
            count_work(Work::Comparison);
            pairs.name(pair).cmp(name)
        }) == Ordering::Less
    })
}

/// The pair of entry `at` if it is named `name` (whose hash is `hash`).
pub(crate) fn at(
    entries: &[[u8; 8]],
    pairs: &Pairs<'_>,
    at: usize,
    name: &[u8],
    hash: u64,
) -> Option<usize> {
    let (entry_hash, pair) = split(entries.get(at)?);
    (u64::from(entry_hash) == hash >> 32 && {
        count_work(Work::Comparison);
        pairs.name(pair) == name
    })
    .then_some(pair)
}
