//! The index of a header block: built once, while the block is validated, so that
//! iterating over the pairs never searches for a NUL again and looking a name up costs a
//! few probes.
//!
//! It lives in the reader's storage, right after the block (from the first 4-byte
//! boundary: [`words_mut`]): 24 bytes per pair ([`BYTES_PER_PAIR`]), as `u32` words.
//!
//! ```text
//! ends    2n x u32   the offset of every NUL of the block, in order: pair i's name ends
//!                    at ends[2i], its value at ends[2i + 1]
//! lookup  4n x u32   a hash table of 4n u32 slots (table); or 3n slots under a secret
//!                    key and a link per pair (linked); or the pairs' positions sorted by
//!                    name and the sort's scratch (sorted)
//! ```
//!
//! On 64-bit targets the lookup is a [`table`] as long as the names fit it: each within a
//! window of [`table::WINDOW`] slots of its home, all of them within a budget of probes.
//! If they do not (a peer's names, crafted against its public hash, or one name repeated
//! more often than a window holds), and the crate has `std` to draw a secret key from, the
//! table is rebuilt under that key, each name stored once and its pairs linked
//! ([`linked`]). If that does not take the names either, and always on 32-bit targets
//! (microcontrollers, wasm32: no table and no hash in their flash), the lookup is the
//! [`sorted`] one: the positions sorted by the names' bytes. A reader configured with
//! repeated names allowed and the names not indexed (`Config::index_names(false)`, on
//! 64-bit targets) builds no lookup at all ([`Kind::Scan`]): only the ends, its
//! validation a pass over the pairs, each lookup a pass over the names (for consumers that
//! copy every pair into a map of their own).
//!
//! # Threat model
//!
//! The peer has this source and computes once, for ever: anything public and fixed counts
//! as chosen by the peer. The table's hash (a folded multiply with public constants,
//! [`name_hash`]) can be inverted directly, so a peer gives any set of names any homes,
//! tags, or one whole hash (the tests and the benchmarks build such names). The one secret
//! is the linked table's key, drawn per process (with `std`): it decides only whether a
//! peer's names cost what ordinary ones do (a peer without the key cannot aim at its
//! windows) or go on to the sorted lookup. The bounds below follow from the structure
//! alone: none rests on a key being secret or a computation being dear.
//!
//! - **The table** is given up, not fought: a name goes at most `WINDOW` slots from its
//!   home; the names so far may spend [`table::PROBES_PER_NAME`] probes each (and
//!   [`table::PROBE_SLACK`]), a comparison of names charging a probe per
//!   [`table::BYTES_PER_PROBE`] bytes. Whatever the names, the table costs at most
//!   `2n + 84` probes and `32` bytes compared per probe before it keeps the names or
//!   gives up.
//! - **The linked table** is the same under the secret key ([`secret`]: PolymurHash,
//!   almost universal), a third full, each name once (in a window of
//!   [`linked::WINDOW`] slots, within the same budget), its later pairs linked after its
//!   first: so a name repeated is one slot, not a window's worth. It costs at most
//!   `2n + 96` probes for the names' first pairs and `WINDOW` for each repeat before it
//!   keeps the names or gives up.
//! - **The sorted lookup** sorts the pairs' positions by name, byte by byte from the
//!   first, stably: groups of names sharing their first bytes are split by their next
//!   byte (a counting sort), a word at a time while they are alike, groups of at most
//!   [`SMALL`](sorted::SMALL) (16) by insertion (except on microcontrollers), and a group
//!   whose names end at the same byte is one name. There is no hash and no key: a peer's
//!   names cost what their bytes cost, each byte looked at a few times. Then neighbours
//!   are compared once to find a repeat.
//! - **A lookup** in the table: at most `WINDOW` probes and as many comparisons (a peer
//!   can crowd a window with names whose tags match, and pays that window once). In the
//!   linked table the same, then one comparison for each of the name's pairs (`get_all`).
//!   In the sorted lookup: a binary search of the names (at most `⌈log2 n⌉ + 1` comparisons, each
//!   of at most the name looked up and one byte more), and one comparison for each of
//!   the name's pairs and two more (`get_all` of a name repeated `k` times: `k + 2`).
//!
//! For a block of `b` bytes and `n` pairs, whatever they are, building the index costs at
//! most `2n + 84` probes, `3n + 84` comparisons of names and `32 (2n + 84) + 2b` bytes
//! compared for the table, about as much again for the linked table (and a window of
//! probes for each repeat); for the sorted lookup,
//! `6 (b + n)` looks at a name's bytes and entry moves, `32 n` counter updates, `9 n`
//! comparisons of names and `8 (b + n) + b` bytes compared (see [`sorted`]). The tests
//! (`worst_case.rs`) count this work on every family a peer would pick (the table's
//! inverted hashes, one name repeated, long shared prefixes, names that leave their group
//! one byte at a time, small groups alike to the last byte), on every kind of storage,
//! with the table first (and the linked table under its key, and under a key the peer
//! knows: every name one home and one tag) and with the sorted lookup alone, never time.

pub(crate) mod linked;
pub(crate) mod sorted;
pub(crate) mod table;

use super::{name_hash, secret};

/// Index bytes per pair: two NUL offsets, and four table slots (or the sorted lookup's
/// entry, the sort's scratch and its pending groups).
pub(crate) const BYTES_PER_PAIR: usize = 24;

/// Whether this target may build the [`table`]: 64-bit ones only. On the others the
/// table's arms are constant-false, so that neither it nor its hash is in their flash.
pub(crate) const TABLE: bool = usize::BITS >= 64;

/// Whether this target may go without a lookup ([`Kind::Scan`], when a reader's
/// configuration asks for it): 64-bit ones only. The others always build their sorted
/// lookup, so that the scan's code is not in their flash.
pub(crate) const SCAN: bool = usize::BITS >= 64;

/// Index words (`u32`) per pair: [`BYTES_PER_PAIR`] / 4.
pub(crate) const WORDS_PER_PAIR: usize = BYTES_PER_PAIR / 4;

/// Words per pair of the NUL offsets.
pub(crate) const ENDS_PER_PAIR: usize = 2;

/// The most bytes of storage before the index's first word: the index starts at the first
/// 4-byte boundary after the block.
pub(crate) const ALIGNMENT_SLACK: usize = 3;

/// The index's words in the room after a block: the `u32`s from its first 4-byte
/// boundary on (the room's address decides where that is; a storage keeps its bytes
/// where they are while it holds a block, and a reader that moves moves its inline
/// storage by a multiple of 4).
pub(crate) fn words_mut(room: &mut [u8]) -> &mut [u32] {
    bytemuck::pod_align_to_mut::<u8, u32>(room).1
}

/// [`words_mut`], read-only: the same words of the same room.
pub(crate) fn words(room: &[u8]) -> &[u32] {
    bytemuck::pod_align_to::<u8, u32>(room).1
}

/// Which lookup an index has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub(crate) enum Kind {
    /// A hash table ([`table`]).
    #[default]
    Table,
    /// The table rebuilt under a secret key, each name once and its pairs linked
    /// ([`linked`]; 64-bit targets with `std`, after the names defeated the table).
    Linked,
    /// The pairs' positions sorted by name ([`sorted`]).
    Sorted,
    /// No lookup: a name is looked for pair by pair, in wire order (64-bit targets, with
    /// repeated names allowed, when the configuration says not to index the names).
    Scan,
}

/// What a reader keeps to find an index again in its storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub(crate) struct Shape {
    /// The number of pairs.
    pub(crate) pairs: u32,
    /// The lookup.
    pub(crate) kind: Kind,
}

/// The pairs of a block: its bytes and where its NULs are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Pairs<'a> {
    block: &'a [u8],
    /// Two per pair: where its name ends, where its value ends.
    ends: &'a [[u32; 2]],
}

impl<'a> Pairs<'a> {
    /// The pairs of `block` whose NULs are at `ends` (two per pair).
    pub(crate) fn new(block: &'a [u8], ends: &'a [u32]) -> Self {
        Pairs {
            block,
            ends: ends.as_chunks().0,
        }
    }

    /// No pairs.
    #[cfg(feature = "embedded-io-v0.7")]
    pub(crate) const EMPTY: Pairs<'static> = Pairs {
        block: &[],
        ends: &[],
    };

    /// The number of pairs.
    pub(crate) const fn len(&self) -> usize {
        self.ends.len()
    }

    /// The block.
    pub(crate) const fn block(&self) -> &'a [u8] {
        self.block
    }

    /// Where pair `i`'s name starts and ends (its NUL), and where its value ends. Out of
    /// line on 32-bit targets (the smaller code).
    #[cfg_attr(target_pointer_width = "64", inline)]
    #[cfg_attr(not(target_pointer_width = "64"), inline(never))]
    fn bounds(&self, i: usize) -> (usize, usize, usize) {
        let start = match i.checked_sub(1).and_then(|before| self.ends.get(before)) {
            Some(&[_, value_end]) => (value_end as usize).wrapping_add(1),
            None => 0,
        };
        match self.ends.get(i) {
            Some(&[name_end, value_end]) => (start, name_end as usize, value_end as usize),
            None => (0, 0, 0),
        }
    }

    /// Where pair `i`'s name starts and ends.
    #[inline]
    pub(crate) fn name_range(&self, i: usize) -> (usize, usize) {
        let (start, name_end, _) = self.bounds(i);
        (start, name_end)
    }

    /// Pair `i`'s name (empty past the last pair).
    #[inline]
    pub(crate) fn name(&self, i: usize) -> &'a [u8] {
        let (start, end) = self.name_range(i);
        self.block.get(start..end).unwrap_or_default()
    }

    /// Whether pair `i` is named `name` (out of line on 32-bit targets).
    #[cfg_attr(target_pointer_width = "64", inline)]
    #[cfg_attr(not(target_pointer_width = "64"), inline(never))]
    pub(crate) fn is_named(&self, i: usize, name: &[u8]) -> bool {
        is_name(self.name(i), name)
    }

    /// Pair `i`'s value if its name is `name` (one look at its bounds; counted as
    /// [`Pairs::is_named`]).
    #[inline]
    pub(crate) fn value_if_named(&self, i: usize, name: &[u8]) -> Option<&'a [u8]> {
        let (start, name_end, value_end) = self.bounds(i);
        let own = self.block.get(start..name_end)?;
        if !is_name(own, name) {
            return None;
        }
        self.block.get(name_end.wrapping_add(1)..value_end)
    }

    /// Pair `i`'s value (empty past the last pair).
    #[inline]
    pub(crate) fn value(&self, i: usize) -> &'a [u8] {
        let (_, name_end, value_end) = self.bounds(i);
        self.block
            .get(name_end.wrapping_add(1)..value_end)
            .unwrap_or_default()
    }

    /// The pairs in wire order.
    pub(crate) fn iter(&self) -> PairIter<'a> {
        PairIter {
            block: self.block,
            bounds: self.bounds_iter(),
        }
    }

    /// Where each pair's name starts and ends and where its value ends, in wire order.
    pub(crate) fn bounds_iter(&self) -> Bounds<'a> {
        Bounds {
            ends: self.ends.iter(),
            start: 0,
        }
    }
}

/// Where each pair's name starts, where it ends (its NUL) and where its value ends (its
/// NUL), in wire order.
#[derive(Clone, Debug)]
pub(crate) struct Bounds<'a> {
    ends: core::slice::Iter<'a, [u32; 2]>,
    /// Where the next pair's name starts.
    start: usize,
}

impl Iterator for Bounds<'_> {
    type Item = (usize, usize, usize);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let &[name_end, value_end] = self.ends.next()?;
        let start = self.start;
        let (name_end, value_end) = (name_end as usize, value_end as usize);
        self.start = value_end.wrapping_add(1);
        Some((start, name_end, value_end))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ends.size_hint()
    }
}

/// Whether a pair's name `own` is `name`, its bytes counted for the work tests when the
/// lengths match (what [`Pairs::is_named`] and [`Pairs::value_if_named`] compare).
#[inline(always)]
fn is_name(own: &[u8], name: &[u8]) -> bool {
    count_bytes(if own.len() == name.len() {
        own.len()
    } else {
        0
    });
    same_bytes(own, name)
}

/// Whether `a` and `b` are the same bytes: on 64-bit targets, names of 8 to 16 bytes (most)
/// are compared as their first and last 8 bytes, without a call to `memcmp`.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if usize::BITS < 64 {
        // Microcontrollers: the smaller code.
        return a == b;
    }
    if a.len() != b.len() {
        return false;
    }
    match (
        a.first_chunk::<8>(),
        b.first_chunk::<8>(),
        a.last_chunk::<8>(),
        b.last_chunk::<8>(),
    ) {
        (Some(a_first), Some(b_first), Some(a_last), Some(b_last)) if a.len() <= 16 => {
            a_first == b_first && a_last == b_last
        }
        _ => a == b,
    }
}

/// The pairs of a block in wire order, from its index (no search).
#[derive(Clone, Debug)]
pub(crate) struct PairIter<'a> {
    block: &'a [u8],
    bounds: Bounds<'a>,
}

impl<'a> Iterator for PairIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (start, name_end, value_end) = self.bounds.next()?;
        // The bounds are the NULs' own places: always within the block.
        let name = self.block.get(start..name_end)?;
        let value = self.block.get(name_end.wrapping_add(1)..value_end)?;
        Some((name, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.bounds.size_hint()
    }
}

impl ExactSizeIterator for PairIter<'_> {}

impl core::iter::FusedIterator for PairIter<'_> {}

/// A lookup, read-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Lookup<'a> {
    Table(&'a [u32]),
    /// The table under the secret key, then the links ([`linked`]).
    Linked(&'a [u32]),
    /// The pairs' positions sorted by name, then the sort's scratch ([`sorted`]).
    Sorted(&'a [u32]),
    /// None: every pair is a candidate, in wire order.
    Scan,
}

/// The index of a validated block: its pairs and its lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Index<'a> {
    pairs: Pairs<'a>,
    lookup: Lookup<'a>,
}

impl<'a> Index<'a> {
    /// No pairs.
    #[cfg(feature = "embedded-io-v0.7")]
    pub(crate) const EMPTY: Index<'static> = Index {
        pairs: Pairs::EMPTY,
        lookup: Lookup::Sorted(&[]),
    };

    /// The index of `block` in `words` (six per pair), as validation built it.
    pub(crate) fn new(block: &'a [u8], words: &'a [u32], shape: Shape) -> Self {
        let pairs = shape.pairs as usize;
        let (ends, rest) = words
            .split_at_checked(pairs * ENDS_PER_PAIR)
            .unwrap_or_default();
        Index {
            pairs: Pairs::new(block, ends),
            // 32-bit targets only ever build the sorted lookup (see `validate`).
            lookup: {
                let lookup = rest
                    .get(..pairs * (WORDS_PER_PAIR - ENDS_PER_PAIR))
                    .unwrap_or_default();
                match shape.kind {
                    Kind::Table if TABLE => Lookup::Table(lookup),
                    Kind::Linked if TABLE && secret::AVAILABLE => Lookup::Linked(lookup),
                    Kind::Scan if SCAN => Lookup::Scan,
                    _ => Lookup::Sorted(lookup),
                }
            },
        }
    }

    /// The pairs.
    pub(crate) const fn pairs(&self) -> &Pairs<'a> {
        &self.pairs
    }

    /// The words of the index and its shape (to copy it).
    #[cfg(feature = "alloc")]
    pub(crate) fn parts(&self) -> ([&'a [u32]; 2], Shape) {
        let (lookup, kind) = match self.lookup {
            Lookup::Table(cells) => (cells, Kind::Table),
            Lookup::Linked(slots) => (slots, Kind::Linked),
            Lookup::Sorted(slots) => (slots, Kind::Sorted),
            Lookup::Scan => (&[][..], Kind::Scan),
        };
        let shape = Shape {
            pairs: self.pairs.len() as u32,
            kind,
        };
        ([self.pairs.ends.as_flattened(), lookup], shape)
    }

    /// The value of the first pair named `name`.
    #[inline]
    pub(crate) fn get(&self, name: &[u8]) -> Option<&'a [u8]> {
        // The table walked directly; the sorted lookup's search gives the first pair.
        let (Lookup::Table(cells), true) = (self.lookup, TABLE) else {
            let pair = match self.lookup {
                Lookup::Sorted(slots) => sorted::first_pair(slots, &self.pairs, name)?,
                Lookup::Linked(slots) if TABLE && secret::AVAILABLE => {
                    linked::first(slots, &self.pairs, secret::hash(name), name)?
                }
                Lookup::Scan if SCAN => {
                    let mut pairs = self.pairs.iter();
                    return pairs
                        .find(|&(own, _)| {
                            count_work(Work::Comparison);
                            is_name(own, name)
                        })
                        .map(|(_, value)| value);
                }
                _ => return None,
            };
            return Some(self.pairs.value(pair));
        };
        let hash = name_hash::hash(name);
        let mut value = None;
        table::first_match(cells, self.pairs.len(), hash, table::WINDOW, |pair| {
            value = self.pairs.value_if_named(pair, name);
            value.is_some()
        })?;
        value
    }

    /// The pairs named `name`, in wire order.
    #[inline]
    pub(crate) fn find<'n>(&self, name: &'n [u8]) -> Find<'a, 'n> {
        let (hash, at, left) = match self.lookup {
            Lookup::Table(cells) if TABLE => {
                let hash = name_hash::hash(name);
                (hash, table::home(hash, cells.len()), table::WINDOW)
            }
            Lookup::Linked(slots) if TABLE && secret::AVAILABLE => {
                match linked::first(slots, &self.pairs, secret::hash(name), name) {
                    // `left`: no name has more pairs than the block.
                    Some(first) => (0, first, self.pairs.len()),
                    None => (0, 0, 0),
                }
            }
            Lookup::Scan if SCAN => (0, 0, self.pairs.len()),
            // Never a table or a scan on other targets (see `new`).
            Lookup::Table(_) | Lookup::Linked(_) | Lookup::Scan => (0, 0, 0),
            Lookup::Sorted(slots) => {
                let first = sorted::first(slots, &self.pairs, name);
                (0, first, self.pairs.len() - first)
            }
        };
        Find {
            index: *self,
            name,
            hash,
            at,
            left,
        }
    }
}

/// The pairs of one name in wire order, from [`Index::find`].
#[derive(Clone, Debug)]
pub(crate) struct Find<'a, 'n> {
    index: Index<'a>,
    name: &'n [u8],
    hash: u64,
    /// The next slot or entry to look at.
    at: usize,
    /// How many more may be looked at.
    left: usize,
}

impl Find<'_, '_> {
    /// The name looked for.
    #[cfg(feature = "defmt")]
    pub(crate) fn name(&self) -> &[u8] {
        self.name
    }
}

impl Iterator for Find<'_, '_> {
    /// A pair's position in wire order.
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        let pairs = &self.index.pairs;
        while self.left > 0 {
            self.left -= 1;
            let at = self.at;
            self.at += 1;
            let candidate = match self.index.lookup {
                Lookup::Table(cells) if TABLE => {
                    if self.at == cells.len() {
                        self.at = 0;
                    }
                    table::candidate(cells, at, pairs.len(), self.hash)
                }
                Lookup::Linked(slots) if TABLE && secret::AVAILABLE => {
                    match linked::next(slots, pairs.len(), at) {
                        Some(next) => self.at = next,
                        None => self.left = 0,
                    }
                    Candidate::Pair(at)
                }
                Lookup::Scan if SCAN => Candidate::Pair(at),
                Lookup::Table(_) | Lookup::Linked(_) | Lookup::Scan => Candidate::End,
                Lookup::Sorted(slots) => sorted::candidate(slots, pairs.len(), at),
            };
            match candidate {
                Candidate::Pair(pair) => {
                    count_work(Work::Comparison);
                    if pairs.is_named(pair, self.name) {
                        return Some(pair);
                    }
                    if matches!(self.index.lookup, Lookup::Sorted(..) | Lookup::Linked(..)) {
                        // A name's pairs are neighbours, or linked: no match further on.
                        break;
                    }
                }
                Candidate::Other => {}
                Candidate::End => break,
            }
        }
        self.left = 0;
        None
    }
}

/// What a slot or an entry holds for a lookup.
pub(crate) enum Candidate {
    /// A pair whose name may be the one looked for (its tag or key matches).
    Pair(usize),
    /// A pair whose name is not the one looked for.
    Other,
    /// No pair further on can be the one looked for.
    End,
}

#[cfg(test)]
pub(crate) mod work;

#[cfg(test)]
mod worst_case;

/// Counts a unit of work for the tests that bound it (nothing outside tests).
#[inline(always)]
pub(crate) fn count_work(_what: Work) {
    #[cfg(test)]
    work::add(_what, 1);
}

/// Counts bytes of names compared, for the tests that bound them (nothing outside tests).
#[inline(always)]
pub(crate) fn count_bytes(_bytes: usize) {
    #[cfg(test)]
    work::add(Work::Byte, _bytes as u64);
}

/// What the work-bounding tests count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Work {
    /// A table slot looked at.
    Probe,
    /// Two names compared (by a table hit, a lookup or a check of a run).
    Comparison,
    /// A byte of the shorter of two names compared.
    #[cfg(test)]
    Byte,
    /// An entry counted or moved by a sort (the sorted lookup: a look at a name's byte, or
    /// an entry moved).
    Move,
    /// A name hashed with SipHash (the client's duplicate check).
    Hash,
    /// A step of a binary search.
    Step,
}
