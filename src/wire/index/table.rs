//! The index's hash table: open addressing with linear probing, four times as many slots
//! as pairs, and a bounded probe window.
//!
//! A slot is a little-endian `u32`: `0` when empty, else the pair's position plus one in
//! the low bits and, in the bits that position does not need, the same bits of the
//! name's hash (a tag: names are compared only when their tags match). A name's home slot
//! comes from the high half of its hash (`(h >> 32) * slots >> 32`, no division), the tag
//! from the low half.
//!
//! A name is stored in the first empty slot of the [`WINDOW`] slots from its home. If all
//! are taken, or if the names so far took more than [`PROBES_PER_NAME`] probes each on
//! average (a peer filling windows on purpose; a comparison of names, when tags match,
//! costs a probe per [`BYTES_PER_PROBE`] bytes), [`TableMut::insert`] says so and the
//! index is built [`sorted`](super::sorted) instead: so every stored name is within
//! `WINDOW` slots of its home, a lookup stops after `WINDOW` probes at most, and building
//! the table costs at most 2 probes a name (and 64 more), whatever names a peer chose
//! (the hash is public and can be inverted: a peer picks every name's home and tag). At
//! most a quarter full,
//! the table fills a window only for names that crowd one part of it: in a simulation of
//! 2,000 blocks of 21,845 random names (a 64 KiB block of the shortest pairs), the most
//! probes any name needed was 20 or fewer in every block (17 or more in 0.4 % of them);
//! half full, more than 32 in 10 %.
//!
//! Equal names share a home, and a later one is stored after an earlier one (slots are
//! never emptied): probing finds the pairs of a name in wire order.

use super::{Candidate, Pairs, Work, count_work};

/// The most slots a name is stored from its home (2 when fuzzing, so that the sorted
/// lookup is fuzzed as much as the table).
pub(crate) const WINDOW: usize = if cfg!(fuzzing) { 2 } else { 20 };

/// Slots per pair.
pub(crate) const SLOTS_PER_PAIR: usize = 4;

/// The home slot of a hash in a table of `slots` slots.
#[inline]
pub(crate) fn home(hash: u64, slots: usize) -> usize {
    // Past 2^32 slots (blocks of gigabytes) the product wraps: the homes stay in the
    // table, only less evenly.
    ((hash >> 32).wrapping_mul(slots as u64) >> 32) as usize
}

/// The home slot of `name` in the table of a block of `pairs` pairs (the tests and the
/// benchmarks build their worst cases with it).
pub(crate) fn home_of(name: &[u8], pairs: usize) -> usize {
    home(super::name_hash::hash(name), SLOTS_PER_PAIR * pairs)
}

/// The bits of a slot that hold the tag, for `pairs` pairs (whose positions plus one need
/// the others).
#[inline]
pub(crate) fn tag_mask(pairs: usize) -> u32 {
    let bits = usize::BITS - pairs.leading_zeros();
    u32::MAX.checked_shl(bits).unwrap_or(0)
}

/// The outcome of [`TableMut::insert`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Insert {
    /// The name is stored.
    Stored,
    /// An equal name is stored already (only when repeats are looked for).
    Repeat,
    /// The table gives up: the name's window is full, or the names so far spent more
    /// probes than [`PROBES_PER_NAME`] allows.
    Full,
}

/// A table being built.
pub(crate) struct TableMut<'s> {
    cells: &'s mut [u32],
    tag_mask: u32,
    find_repeats: bool,
    /// Probes spent beyond the first of each name (see [`PROBES_PER_NAME`]).
    extra: usize,
}

/// The probes a table may spend per name stored, on average, beyond [`PROBE_SLACK`]: a
/// table a quarter full spends about 1.2 on random names; a peer who fills its windows
/// on purpose makes it give up (and the names be sorted) once it has wasted this much,
/// not only when a window is full.
pub(crate) const PROBES_PER_NAME: usize = 2;

/// Probes a table may spend beyond [`PROBES_PER_NAME`] per name (the first names of a
/// small block).
pub(crate) const PROBE_SLACK: usize = 64;

/// Bytes of names compared that cost the budget one probe (see [`TableMut::insert`]).
pub(crate) const BYTES_PER_PROBE: usize = 16;

impl<'s> TableMut<'s> {
    /// An empty table in `cells` for `pairs` pairs. With `find_repeats`, inserting a name
    /// that is stored already is [`Insert::Repeat`]; without, it is stored after it.
    pub(crate) fn new(cells: &'s mut [u32], pairs: usize, find_repeats: bool) -> Self {
        cells.fill(0);
        TableMut {
            cells,
            tag_mask: tag_mask(pairs),
            find_repeats,
            extra: 0,
        }
    }

    /// Compares the name of pair `i` with that of the pair `stored` in a slot whose tag
    /// matches: [`Insert::Repeat`] if they are equal, [`Insert::Full`] if the comparison
    /// spent the rest of the `budget`. Out of line: tags match only for repeats and rare
    /// collisions (or a peer's names).
    #[cold]
    #[inline(never)]
    fn compare(
        &mut self,
        pairs: &Pairs<'_>,
        stored: u32,
        i: usize,
        budget: usize,
    ) -> Option<Insert> {
        count_work(Work::Comparison);
        let earlier = ((stored & !self.tag_mask) as usize).wrapping_sub(1);
        let (earlier, name) = (pairs.name(earlier), pairs.name(i));
        if earlier.len() != name.len() {
            return None;
        }
        super::count_bytes(name.len());
        if super::same_bytes(earlier, name) {
            return Some(Insert::Repeat);
        }
        // A comparison of names costs the budget a probe per 16 bytes: a peer whose names
        // match tags on purpose cannot make the table compare more than 16 bytes per
        // probe it may spend.
        self.extra += name.len() / BYTES_PER_PROBE;
        (self.extra > budget).then_some(Insert::Full)
    }

    /// Stores pair `i` (whose name's hash is `hash`) of `pairs`.
    #[inline(always)]
    pub(crate) fn insert(&mut self, pairs: &Pairs<'_>, i: usize, hash: u64) -> Insert {
        let slots = self.cells.len();
        let tag = hash as u32 & self.tag_mask;
        let mut slot = home(hash, slots);
        // The names before this one (`i` of them) may have spent `PROBES_PER_NAME` each.
        let budget = (PROBES_PER_NAME - 1) * i + PROBE_SLACK;
        if self.extra > budget {
            return Insert::Full;
        }
        for probe in 0..WINDOW {
            count_work(Work::Probe);
            let Some(cell) = self.cells.get_mut(slot) else {
                break;
            };
            let stored = *cell;
            if stored == 0 {
                *cell = tag | (i as u32 + 1);
                self.extra += probe;
                return Insert::Stored;
            }
            if self.find_repeats
                && (stored ^ tag) & self.tag_mask == 0
                && let Some(outcome) = self.compare(pairs, stored, i, budget)
            {
                return outcome;
            }
            slot += 1;
            if slot == slots {
                slot = 0;
            }
        }
        Insert::Full
    }
}

/// The first pair in the `window` slots from the home of the name whose hash is `hash`,
/// in `cells` (a table of `pairs` pairs: this one, with [`WINDOW`], or the
/// [`linked`](super::linked) one), for which `is_it` says yes (it is asked only when the
/// tag matches).
#[inline]
pub(crate) fn first_match(
    cells: &[u32],
    pairs: usize,
    hash: u64,
    window: usize,
    mut is_it: impl FnMut(usize) -> bool,
) -> Option<usize> {
    let mask = tag_mask(pairs);
    let tag = hash as u32 & mask;
    let mut slot = home(hash, cells.len());
    for _ in 0..window {
        count_work(Work::Probe);
        let stored = *cells.get(slot)?;
        if stored == 0 {
            return None;
        }
        if (stored ^ tag) & mask == 0 {
            count_work(Work::Comparison);
            let pair = ((stored & !mask) as usize).wrapping_sub(1);
            if is_it(pair) {
                return Some(pair);
            }
        }
        slot += 1;
        if slot == cells.len() {
            slot = 0;
        }
    }
    None
}

/// What slot `at` of `cells`, the table of `pairs` pairs, holds for a lookup of the name
/// whose hash is `hash`.
#[inline]
pub(crate) fn candidate(cells: &[u32], at: usize, pairs: usize, hash: u64) -> Candidate {
    count_work(Work::Probe);
    let mask = tag_mask(pairs);
    match cells.get(at).copied() {
        None | Some(0) => Candidate::End,
        Some(stored) if (stored ^ hash as u32) & mask == 0 => {
            Candidate::Pair(((stored & !mask) as usize).wrapping_sub(1))
        }
        Some(_) => Candidate::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn homes_cover_the_table_and_tags_leave_room_for_positions() {
        assert_eq!(home(0, 10), 0);
        assert_eq!(home(u64::MAX, 10), 9);
        assert_eq!(home(1 << 63, 10), 5);
        assert_eq!(tag_mask(1), !1);
        assert_eq!(tag_mask(3), !3);
        assert_eq!(tag_mask(4), !7);
        assert_eq!(tag_mask(usize::MAX >> 1), 0);
    }
}
