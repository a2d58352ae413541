//! The index's sorted lookup, for blocks whose names the [table](super::table) cannot take
//! within its probe window: one entry per pair, sorted by the high half of the name's
//! hash, then by name, then by position. The pairs of a name are then neighbours, in
//! wire order, and a lookup is a binary search.
//!
//! An entry is a little-endian `u64`: the hash's high half (the *key*) above the pair's
//! position. The entries are sorted in two steps, each with a bound that holds whatever
//! the names:
//!
//! 1. by key, with a least-significant-digit radix sort (four stable passes of 8 bits
//!    through a scratch array): `O(n)`, no comparison at all (on 64-bit targets; on
//!    microcontrollers, whose blocks are small, the heapsort does this step too);
//! 2. each run of entries with the same key, by name then position, with a heapsort:
//!    `O(r log r)` comparisons for a run of `r`, in place, without recursion, in a few
//!    hundred bytes of code. A comparison of names costs at most the shorter name, so a
//!    block of `b` bytes costs at most `O(b log n)` bytes compared, even if every name had
//!    the same key (distinct names share a 32-bit key only by chance, or for a peer that
//!    searched about 2^32 names for each one it sends).

use core::cmp::Ordering;

use super::{Candidate, Pairs, Work, count_work};

/// The lexical key of `name`: its first four bytes, big-endian (zeros past a shorter
/// name, which has no NUL), in the high half: keys in the order of the names they begin.
#[inline]
pub(crate) fn prefix_key(name: &[u8]) -> u64 {
    let mut word = [0u8; 4];
    for (dst, src) in word.iter_mut().zip(name) {
        *dst = *src;
    }
    u64::from(u32::from_be_bytes(word)) << 32
}

/// The entry of pair `i` whose name's hash is `hash`.
#[inline]
pub(crate) fn entry(i: usize, hash: u64) -> [u8; 8] {
    ((hash & 0xFFFF_FFFF_0000_0000) | i as u64).to_le_bytes()
}

/// An entry's key and pair.
#[inline]
fn split(entry: &[u8; 8]) -> (u32, usize) {
    let value = u64::from_le_bytes(*entry);
    ((value >> 32) as u32, value as u32 as usize)
}

/// The order of two entries: key, then name, then position.
#[inline(never)]
fn order(pairs: &Pairs<'_>, a: &[u8; 8], b: &[u8; 8]) -> Ordering {
    let ((key_a, pair_a), (key_b, pair_b)) = (split(a), split(b));
    key_a.cmp(&key_b).then_with(|| {
        count_work(Work::Comparison);
        pairs
            .name(pair_a)
            .cmp(pairs.name(pair_b))
            .then(pair_a.cmp(&pair_b))
    })
}

/// Sorts `entries` by key, keeping the order of entries with equal keys (stable), with
/// `scratch` (at least as long) as the other half of each pass: one pass counts the four
/// bytes of every key, then four passes move the entries back and forth by one byte each,
/// least significant first, ending where they began.
pub(crate) fn sort_by_key(entries: &mut [[u8; 8]], scratch: &mut [[u8; 8]]) {
    let Some(scratch) = scratch.get_mut(..entries.len()) else {
        return;
    };
    // Where each byte value starts, for each of the four bytes of the key (bytes 4 to 7
    // of an entry).
    let mut starts = [[0u32; 256]; 4];
    for entry in entries.iter() {
        count_work(Work::Move);
        for (counts, &byte) in starts.iter_mut().zip(entry.get(4..).unwrap_or_default()) {
            if let Some(count) = counts.get_mut(usize::from(byte)) {
                *count += 1;
            }
        }
    }
    for counts in starts.iter_mut() {
        let mut sum = 0;
        for start in counts.iter_mut() {
            let count = *start;
            *start = sum;
            sum += count;
        }
    }
    for (pass, counts) in starts.iter_mut().enumerate() {
        let (from, to): (&[[u8; 8]], &mut [[u8; 8]]) = if pass % 2 == 0 {
            (entries, scratch)
        } else {
            (scratch, entries)
        };
        for entry in from.iter() {
            count_work(Work::Move);
            let Some(start) = entry
                .get(4 + pass)
                .and_then(|&byte| counts.get_mut(usize::from(byte)))
            else {
                continue;
            };
            if let Some(slot) = to.get_mut(*start as usize) {
                *slot = *entry;
            }
            *start += 1;
        }
    }
}

/// Sorts each run of entries with equal keys in the key-sorted `entries` of `pairs` by
/// name, then position.
pub(crate) fn sort_ties(entries: &mut [[u8; 8]], pairs: &Pairs<'_>) {
    let mut rest = entries;
    while let Some(first) = rest.first() {
        let key = split(first).0;
        let run = rest
            .iter()
            .position(|entry| split(entry).0 != key)
            .unwrap_or(rest.len());
        let (same, after) = rest.split_at_mut(run);
        if same.len() > 1 {
            heapsort(same, pairs);
        }
        rest = after;
    }
}

/// Sorts `entries` of `pairs` by [`order`].
pub(crate) fn heapsort(entries: &mut [[u8; 8]], pairs: &Pairs<'_>) {
    let len = entries.len();
    for node in (0..len / 2).rev() {
        sift_down(entries, node, len, pairs);
    }
    for end in (1..len).rev() {
        entries.swap(0, end);
        sift_down(entries, 0, end, pairs);
    }
}

/// Moves the entry at `node` down the heap of the first `end` entries until neither of
/// its children is greater.
fn sift_down(entries: &mut [[u8; 8]], mut node: usize, end: usize, pairs: &Pairs<'_>) {
    let greater = |a: Option<&[u8; 8]>, b: Option<&[u8; 8]>| match (a, b) {
        (Some(a), Some(b)) => order(pairs, a, b) == Ordering::Greater,
        _ => false,
    };
    loop {
        let mut child = 2 * node + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && greater(entries.get(child + 1), entries.get(child)) {
            child += 1;
        }
        if !greater(entries.get(child), entries.get(node)) {
            return;
        }
        entries.swap(node, child);
        node = child;
    }
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

/// What entry `at` of the sorted `entries` holds for a lookup of the name whose hash is
/// `hash` (from [`first`] on).
#[inline]
pub(crate) fn candidate(entries: &[[u8; 8]], at: usize, hash: u64) -> Candidate {
    match entries.get(at).map(split) {
        Some((key, pair)) if u64::from(key) == hash >> 32 => Candidate::Pair(pair),
        _ => Candidate::End,
    }
}
