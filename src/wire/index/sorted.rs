//! The index's sorted lookup: one entry per pair keyed by a [SipHash](crate::wire::sip) of
//! its name, grouped by [`keyed`] so that the pairs of a name are neighbours in wire
//! order; a lookup hashes the name and binary-searches the keys.
//!
//! It is what 32-bit targets always build (microcontrollers and wasm32: no table, no
//! multiply-based hash in their flash), and what 64-bit targets build when the
//! [table](super::table) gives up. Its `16 n` bytes (after the `8 n` of the NUL offsets):
//!
//! ```text
//! entries    n x u64    first key | position, sorted by key, each name's pairs neighbours
//! directory  2n x u32   where the entries of each bucket (the keys' top bits) start
//! or seconds n x u64    zero, but for the runs of entries whose first keys are equal and
//!                       whose names are not: there, second key | position | SECOND, in
//!                       the same order
//! ```
//!
//! (The second half is the sort's scratch while the index is built.) The directory is
//! kept when no run has second entries, on 64-bit targets ([`Kind::Sorted`]); otherwise
//! the second entries are ([`Kind::SortedSeconds`], and always on 32-bit targets, whose
//! code the directory would only make larger).
//!
//! A lookup of a name of `L` bytes: its hash (`O(L)`), the directory's bucket (about one
//! entry; all entries without a directory) binary-searched by key (no name touched), one
//! comparison. Only if the first entry of its key is another name and the run has second
//! entries: the second hash, a binary search of the run's second keys, and a comparison
//! with each entry of its second key (one, unless the peer found names sharing both
//! 48-bit keys).

#[cfg(doc)]
use super::Kind;
use super::{Candidate, Pairs, Work, count_work};
use crate::wire::keyed::{self, Layout, SECOND};
use crate::wire::sip;

/// The names of a block's pairs, for [`keyed`].
pub(crate) struct PairNames<'p, 'a>(pub(crate) &'p Pairs<'a>);

impl<'a> keyed::Names<'a> for PairNames<'_, 'a> {
    #[inline]
    fn name(&self, position: usize) -> &'a [u8] {
        self.0.name(position)
    }

    #[inline]
    fn hash(&self, position: usize, second: bool) -> u64 {
        let (start, end) = self.0.name_range(position);
        let block = self.0.block();
        let key = if second {
            sip::KEY_SECOND
        } else {
            sip::KEY_FIRST
        };
        let name = block.get(start..end).unwrap_or_default();
        keyed::weakened(sip::hash_at(key, block, start, name))
    }
}

/// The first hash of `name`, at `start` of `block` (what entries are keyed by).
#[inline]
pub(crate) fn hash_at(block: &[u8], start: usize, name: &[u8]) -> u64 {
    count_work(Work::Hash);
    keyed::weakened(sip::hash_at(sip::KEY_FIRST, block, start, name))
}

/// The first hash of a name looked up.
#[inline]
pub(crate) fn hash(name: &[u8]) -> u64 {
    count_work(Work::Hash);
    keyed::weakened(sip::hash(sip::KEY_FIRST, name))
}

/// What [`build`] made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Built {
    /// Two names are equal.
    pub(crate) repeat: bool,
    /// Some names share first keys: the second half holds second entries, not a directory.
    pub(crate) seconds: bool,
}

/// Sorts and groups the `entries` of `pairs` (keyed: see [`hash_at`]) with `aux` (as long)
/// as scratch, leaving there what lookups need: the second entries of runs whose first
/// keys are equal and whose names are not, or, if there are none, the directory. With
/// `stop_at_repeat`, it stops as soon as it finds two equal names.
pub(crate) fn build(
    entries: &mut [[u8; 8]],
    aux: &mut [[u8; 8]],
    pairs: &Pairs<'_>,
    stop_at_repeat: bool,
) -> Built {
    let layout = Layout::new(pairs.len());
    let repeat = keyed::group(entries, aux, layout, &PairNames(pairs), stop_at_repeat);
    // 32-bit targets keep no directory (smaller code; their blocks are small): a lookup
    // binary-searches every entry, as with second entries.
    let seconds = usize::BITS < 64 || aux.iter().any(|entry| *entry != [0; 8]);
    if !seconds {
        directory(entries, aux.as_flattened_mut().as_chunks_mut().0);
    }
    Built { repeat, seconds }
}

/// The bits of a key that pick its bucket in the directory of `n` entries: as many as
/// make the largest power of two below `2n` buckets (so the directory of `buckets + 1`
/// starts fits `2n` slots, and holds about one entry a bucket).
#[inline]
fn bucket_bits(n: usize) -> u32 {
    (2 * n).saturating_sub(1).checked_ilog2().unwrap_or(0)
}

/// The bucket of an entry (or a key): its top `bits` bits.
#[inline]
fn bucket(entry: u64, bits: u32) -> usize {
    entry.checked_shr(64 - bits).unwrap_or(0) as usize
}

/// Fills `slots` (`2n`, little-endian `u32`) with the directory of the sorted `entries`:
/// slot `j` is where the entries of bucket `j` start (the last, `n`).
fn directory(entries: &[[u8; 8]], slots: &mut [[u8; 4]]) {
    let bits = bucket_bits(entries.len());
    let mut next = 0;
    let mut slots = slots.iter_mut();
    for (i, entry) in entries.iter().enumerate() {
        let b = bucket(u64::from_le_bytes(*entry), bits);
        while next <= b {
            if let Some(slot) = slots.next() {
                *slot = (i as u32).to_le_bytes();
            }
            next += 1;
        }
    }
    for slot in slots {
        *slot = (entries.len() as u32).to_le_bytes();
    }
}

/// Where the pairs named `name` (whose first hash is `hash`) start among the `entries`
/// of `pairs`, after which come the directory or, with `seconds`, the second entries;
/// `entries.len()` if there are none.
pub(crate) fn first(
    both: &[[u8; 8]],
    seconds: bool,
    pairs: &Pairs<'_>,
    name: &[u8],
    hash: u64,
) -> usize {
    let (entries, aux) = both.split_at(both.len() / 2);
    let none = entries.len();
    let layout = Layout::new(pairs.len());
    let key = layout.key(hash);
    // The bucket's entries from the directory; all of them if there is none.
    let (low, high) = if seconds {
        (0, none)
    } else {
        let slots = aux.as_flattened().as_chunks::<4>().0;
        let b = bucket(key, bucket_bits(none));
        let start = |j: usize| {
            slots
                .get(j)
                .map_or(none, |s| u32::from_le_bytes(*s) as usize)
        };
        (start(b), start(b + 1))
    };
    let start = low
        + entries
            .get(low..high)
            .unwrap_or_default()
            .partition_point(|entry| {
                count_work(Work::Step);
                layout.key(u64::from_le_bytes(*entry)) < key
            });
    let first = keyed::get(entries, start);
    if start == none || layout.key(first) != key {
        return none;
    }
    count_work(Work::Comparison);
    if pairs.is_named(layout.position(first), name) {
        return start;
    }
    if !seconds || keyed::get(aux, start) & SECOND == 0 {
        // The run is one other name.
        return none;
    }
    // A run of several names with the same first key: search their second keys.
    let run = entries.get(start..).unwrap_or_default();
    let end = start
        + run.partition_point(|entry| {
            count_work(Work::Step);
            layout.key(u64::from_le_bytes(*entry)) == key
        });
    count_work(Work::Hash);
    let hash = keyed::weakened(sip::hash(sip::KEY_SECOND, name));
    let second = layout.key(layout.entry(hash, 0) | SECOND);
    let run = aux.get(start..end).unwrap_or_default();
    let mut at = start
        + run.partition_point(|entry| {
            count_work(Work::Step);
            layout.key(u64::from_le_bytes(*entry)) < second
        });
    while at < end {
        let entry = keyed::get(aux, at);
        if layout.key(entry) != second {
            break;
        }
        count_work(Work::Comparison);
        if pairs.is_named(layout.position(entry), name) {
            return at;
        }
        at += 1;
    }
    none
}

/// What entry `at` of the `entries` of `pairs` holds for a lookup of the name whose first
/// hash is `hash` (from [`first`] on).
#[inline]
pub(crate) fn candidate(entries: &[[u8; 8]], pairs: usize, at: usize, hash: u64) -> Candidate {
    let layout = Layout::new(pairs);
    match entries.get(at).map(|e| u64::from_le_bytes(*e)) {
        Some(entry) if layout.key(entry) == layout.key(hash) => {
            Candidate::Pair(layout.position(entry))
        }
        _ => Candidate::End,
    }
}
