//! The index's sorted lookup: one entry per pair keyed by a [SipHash](crate::wire::sip) of
//! its name, grouped by [`keyed`] so that the pairs of a name are neighbours in wire
//! order; a lookup hashes the name and binary-searches the keys.
//!
//! It is what 32-bit targets always build (microcontrollers and wasm32: no table, no
//! multiply-based hash in their flash), and what 64-bit targets build when the
//! [table](super::table) gives up. Its `16 n` bytes (after the `8 n` of the NUL offsets):
//!
//! ```text
//! entries    n x u64   first key | position, sorted by key, each name's pairs neighbours
//! directory  n x u32   where the entries of each bucket (the keys' top bits) start
//! links      n x u32   zero, but in runs of several names sharing a key: at each name's
//!                      first entry, LINKED | where the next name's entries start
//! ```
//!
//! (The second half is the sort's scratch while the index is built.) 32-bit targets keep
//! no directory (their blocks are small; the code would only be larger).
//!
//! A lookup of a name of `L` bytes: its hash (`O(L)`), the directory's bucket (one or two
//! entries; all entries without a directory) binary-searched by key (no name touched),
//! one comparison. Only if the first entry of its key is another name: the links, one
//! comparison for each other name sharing the key (none but in blocks of a peer who
//! computed names sharing 48 bits of SipHash: `2^24` evaluations for a pair, `2^37` for
//! four).

use super::{Candidate, Pairs, Work, count_work};
use crate::wire::keyed::{self, Layout};
use crate::wire::sip;

/// The names of a block's pairs, for [`keyed`].
pub(crate) struct PairNames<'p, 'a>(pub(crate) &'p Pairs<'a>);

impl<'a> keyed::Names<'a> for PairNames<'_, 'a> {
    #[inline]
    fn name(&self, position: usize) -> &'a [u8] {
        self.0.name(position)
    }

    #[inline]
    fn second_hash(&self, position: usize) -> u64 {
        let (start, end) = self.0.name_range(position);
        let block = self.0.block();
        let name = block.get(start..end).unwrap_or_default();
        keyed::weakened(sip::hash_at(sip::KEY_SECOND, block, start, name))
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

/// Sorts and groups the `entries` of `pairs` (keyed: see [`hash_at`]) with `aux` (as long)
/// as scratch, leaving there what lookups need: the links of the runs of several names
/// sharing a key, and the directory. Says whether two names are equal (with
/// `stop_at_repeat`, as soon as it finds two).
pub(crate) fn build(
    entries: &mut [[u8; 8]],
    aux: &mut [[u8; 8]],
    pairs: &Pairs<'_>,
    stop_at_repeat: bool,
) -> bool {
    let layout = Layout::new(pairs.len());
    let repeat = keyed::group(entries, aux, layout, &PairNames(pairs), stop_at_repeat);
    let n = entries.len();
    let slots = aux.as_flattened_mut();
    // The links, 8 bytes an entry, into the second half's `u32` slots: entry `i`'s goes
    // from byte `8i` to `4n + 4i`, below or at where it was, so from the last entry down no
    // link is overwritten before it is moved.
    for i in (0..n).rev() {
        let link = slots
            .get(8 * i..8 * i + 4)
            .and_then(|b| b.first_chunk::<4>())
            .copied()
            .unwrap_or_default();
        if let Some(slot) = slots.get_mut(4 * n + 4 * i..4 * n + 4 * i + 4) {
            slot.copy_from_slice(&link);
        }
    }
    if let Some(bits) = directory_bits(n) {
        directory(entries, slots.as_chunks_mut().0, bits);
    }
    repeat
}

/// The bits of a key that pick its bucket in the directory of `n` entries, if there is
/// one (64-bit targets; 32-bit ones keep no directory, for smaller code): as many as make
/// the largest power of two of buckets whose `buckets + 1` starts fit `n` slots (the
/// first half of the second half), one or two entries a bucket.
#[inline]
fn directory_bits(n: usize) -> Option<u32> {
    (usize::BITS >= 64 && n >= 2).then(|| (n - 1).ilog2())
}

/// The bucket of an entry (or a key): its top `bits` bits.
#[inline]
fn bucket(entry: u64, bits: u32) -> usize {
    entry.checked_shr(64 - bits).unwrap_or(0) as usize
}

/// Fills the first `2^bits + 1` of `slots` (little-endian `u32`) with the directory of the
/// sorted `entries`: slot `j` is where the entries of bucket `j` start (the last, `n`).
fn directory(entries: &[[u8; 8]], slots: &mut [[u8; 4]], bits: u32) {
    let mut next = 0;
    let mut slots = slots.iter_mut().take((1 << bits) + 1);
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
/// of `pairs`, after which come the directory and the links; `entries.len()` if there
/// are none.
pub(crate) fn first(both: &[[u8; 8]], pairs: &Pairs<'_>, name: &[u8], hash: u64) -> usize {
    let (entries, aux) = both.split_at(both.len() / 2);
    let n = entries.len();
    let slots = aux.as_flattened().as_chunks::<4>().0;
    let slot = |j: usize| slots.get(j).map_or(0, |s| u32::from_le_bytes(*s));
    let layout = Layout::new(pairs.len());
    let key = layout.key(hash);
    // The bucket's entries from the directory; all of them if there is none.
    let (low, high) = match directory_bits(n) {
        Some(bits) => {
            let b = bucket(key, bits);
            (slot(b) as usize, slot(b + 1) as usize)
        }
        None => (0, n),
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
    if start >= n || layout.key(first) != key {
        return n;
    }
    count_work(Work::Comparison);
    if pairs.is_named(layout.position(first), name) {
        return start;
    }
    // Several names with this key: follow the links from name to name.
    let mut link = slot(n + start);
    while u64::from(link) & keyed::LINKED != 0 {
        let next = (u64::from(link) & !keyed::LINKED) as usize;
        if next == 0 {
            break;
        }
        count_work(Work::Comparison);
        if pairs.is_named(layout.position(keyed::get(entries, next)), name) {
            return next;
        }
        link = slot(n + next);
    }
    n
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
