//! The table rebuilt under the secret key ([`secret`](crate::wire::secret)), each name
//! once and its pairs linked: what 64-bit targets with `std` build when a peer's names
//! defeat the public hash.
//!
//! A peer who has read the source makes the [table](super::table) give up two ways: names
//! that crowd its windows (its hash is public), and one name repeated more times than a
//! window holds (whatever the hash). Under a key the peer cannot know, the first way is
//! gone; this table takes the second away by storing each name once, in the slot of its
//! first pair, and linking the pairs of a name in wire order. Its `16 n` bytes, as `u32`
//! slots:
//!
//! ```text
//! slots  3n  open addressing as the table's: `0` empty, else a pair's position plus one
//!            and a tag of the hash in the bits the position does not need; a third full
//!            at most, each name within `WINDOW` slots of its home
//! links  n   for each pair, the position of the next pair with its name (`u32::MAX`
//!            after the last)
//! ```
//!
//! While it is built a slot holds its name's *last* pair and the links are circular (the
//! last pair's link is the first), so that a repeat is appended in two writes; at the end
//! every circle is opened ([`LinkedMut::finish`]). A lookup probes for the name's first
//! pair; `get_all` follows the links, one comparison a pair.
//!
//! The bounds rest on no key. A name's first pair is stored within [`WINDOW`] slots of
//! its home and within the table's budget ([`PROBES_PER_NAME`] probes a pair and
//! [`PROBE_SLACK`], comparisons of names whose tags match charged by
//! [`BYTES_PER_PROBE`]), or the table gives up (and the names are sorted): at most
//! `2 n + 96` probes for the first pairs. A repeat walks to its name's slot, at most
//! `WINDOW` probes, and is not charged to the budget: where the first pair landed was
//! luck, not the peer's doing, and charging it let a peer without the key make the table
//! give up by repeating a name that happened to land two slots from home (about one
//! block in thirty, trying names). So at most `2 n + 96 + WINDOW r` probes for `r`
//! repeats, and a comparison at most a probe.
//!
//! A third full, random names (as a peer's are under a key it does not know) land within
//! 28 slots of their home in simulations of 4,000 blocks of 21,845 names (a 64 KiB block
//! of the shortest pairs); a window of 32 overflows in about one such block in 100,000,
//! and then the names are sorted.

use super::table::{BYTES_PER_PROBE, Insert, PROBE_SLACK, PROBES_PER_NAME, home, tag_mask};
use super::{Pairs, Work, count_work};

/// The most slots a name is stored from its home (2 when fuzzing, so that the sorted
/// lookup after it is fuzzed as much).
pub(crate) const WINDOW: usize = if cfg!(fuzzing) { 2 } else { 32 };

/// Slots of the table per pair (the rest of a pair's `16` lookup bytes is its link).
pub(crate) const SLOTS_PER_PAIR: usize = 3;

/// The link after a name's last pair.
const LAST: u32 = u32::MAX;

/// A pair's position in a slot or a link (`0` for an empty slot or past the end).
#[inline(always)]
fn read(cells: &[u32], at: usize) -> u32 {
    cells.get(at).copied().unwrap_or(0)
}

/// A linked table being built, in the `4 n` slots of a lookup.
pub(crate) struct LinkedMut<'s> {
    cells: &'s mut [u32],
    links: &'s mut [u32],
    tag_mask: u32,
    find_repeats: bool,
    /// Probes spent beyond the first of each name, and comparisons charged as probes.
    extra: usize,
}

impl<'s> LinkedMut<'s> {
    /// An empty linked table for `pairs` pairs in `lookup` (`4 pairs` slots). With
    /// `find_repeats`, inserting a name that is stored already is [`Insert::Repeat`];
    /// without, the pair is linked after the name's others.
    pub(crate) fn new(lookup: &'s mut [u32], pairs: usize, find_repeats: bool) -> Self {
        let (cells, links) = lookup
            .split_at_mut_checked(SLOTS_PER_PAIR * pairs)
            .unwrap_or_default();
        cells.fill(0);
        LinkedMut {
            cells,
            links,
            tag_mask: tag_mask(pairs),
            find_repeats,
            extra: 0,
        }
    }

    /// Stores pair `i` (whose name's hash is `hash`) of `pairs`.
    #[inline(always)]
    pub(crate) fn insert(&mut self, pairs: &Pairs<'_>, i: usize, hash: u64) -> Insert {
        let slots = self.cells.len();
        let tag = hash as u32 & self.tag_mask;
        let mut slot = home(hash, slots);
        let budget = (PROBES_PER_NAME - 1) * i + PROBE_SLACK;
        for probe in 0..WINDOW {
            if self.extra > budget {
                break;
            }
            count_work(Work::Probe);
            let stored = read(self.cells, slot);
            if stored == 0 {
                self.set(slot, tag, i);
                self.link(i, i as u32);
                self.extra += probe;
                return Insert::Stored;
            }
            if (stored ^ tag) & self.tag_mask == 0 {
                let last = ((stored & !self.tag_mask) as usize).wrapping_sub(1);
                count_work(Work::Comparison);
                let (earlier, name) = (pairs.name(last), pairs.name(i));
                if earlier.len() == name.len() {
                    super::count_bytes(name.len());
                    if super::same_bytes(earlier, name) {
                        if self.find_repeats {
                            return Insert::Repeat;
                        }
                        // After the last: it links to the first, the last to it.
                        let first = read(self.links, last);
                        self.link(i, first);
                        self.link(last, i as u32);
                        self.set(slot, tag, i);
                        // Not charged to the budget: a repeat finds its name where its
                        // first pair was stored, so its probes are that pair's luck, not
                        // the peer's doing (a name repeated after a name stored far from
                        // its home would otherwise make the table give up).
                        return Insert::Stored;
                    }
                    // As the table: a peer's names that match tags cost the budget.
                    self.extra += name.len() / BYTES_PER_PROBE;
                }
            }
            slot += 1;
            if slot == slots {
                slot = 0;
            }
        }
        Insert::Full
    }

    /// Slot `slot` holds pair `i`, tagged `tag`.
    #[inline(always)]
    fn set(&mut self, slot: usize, tag: u32, i: usize) {
        if let Some(cell) = self.cells.get_mut(slot) {
            *cell = tag | (i as u32 + 1);
        }
    }

    /// Pair `i` links to `to`.
    #[inline(always)]
    fn link(&mut self, i: usize, to: u32) {
        if let Some(link) = self.links.get_mut(i) {
            *link = to;
        }
    }

    /// Opens every name's circle of links: its slot holds its first pair, its last pair
    /// links to [`LAST`].
    pub(crate) fn finish(mut self) {
        for slot in 0..self.cells.len() {
            let stored = read(self.cells, slot);
            if stored == 0 {
                continue;
            }
            let last = ((stored & !self.tag_mask) as usize).wrapping_sub(1);
            let first = read(self.links, last);
            self.link(last, LAST);
            if let Some(cell) = self.cells.get_mut(slot) {
                *cell = (stored & self.tag_mask) | first.wrapping_add(1);
            }
        }
    }
}

/// The first pair (in wire order) named `name`, whose hash is `hash`, in the linked table
/// in `lookup` of `pairs`.
#[inline]
pub(crate) fn first(lookup: &[u32], pairs: &Pairs<'_>, hash: u64, name: &[u8]) -> Option<usize> {
    let n = pairs.len();
    let cells = lookup.get(..SLOTS_PER_PAIR * n).unwrap_or_default();
    super::table::first_match(cells, n, hash, WINDOW, |pair| pairs.is_named(pair, name))
}

/// The pair after `pair` with its name in the linked table in `lookup` of `pairs` pairs
/// (`None` after the last).
#[inline]
pub(crate) fn next(lookup: &[u32], pairs: usize, pair: usize) -> Option<usize> {
    match read(
        lookup.get(SLOTS_PER_PAIR * pairs..).unwrap_or_default(),
        pair,
    ) {
        LAST => None,
        next => Some(next as usize),
    }
}
