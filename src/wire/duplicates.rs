//! Finding the first repeated name of a header block, without allocating.
//!
//! Names are put into an open-addressing hash table of byte offsets (4-byte slots in
//! borrowed bytes). A match is confirmed by comparing the names themselves, so hash
//! collisions cost time, never correctness.
//!
//! - [`Table`]: the usual case. The reader walks the block once and asks the table about
//!   each name as it comes, so the first repeat in wire order is the first hit. The table
//!   lives in the spare room of the reader's storage and takes names up to half its
//!   slots: `O(n)` probes.
//! - [`first_repeat`]: when the spare room cannot hold a table for every name. Its table
//!   is in that room or on the stack ([`STACK_SLOTS`] slots), whichever is larger, and
//!   takes `S / 2` names per round for `S` slots;
//!   each round inserts the next `S / 2` names and looks up every later one, so the cost
//!   is `O(n * n / (S / 2))`, still without heap, and the first repeat in wire order is
//!   what is reported, whatever the number of rounds.

use super::environment::{c_string, pair};
use super::name_hash::hash;

/// The fewest slots worth a walk that may have to give up (see [`Table::new`]).
pub(crate) const MIN_GUESS_SLOTS: usize = 64;

/// Slots of the table on the stack (a power of two).
pub(crate) const STACK_SLOTS: usize = 512;

/// A sequence of names addressed by keys (a byte offset into a block, an index into a
/// slice): what the duplicate search walks.
pub(crate) trait Names<'a> {
    /// The name at `key` and the key of the one after it; `None` past the end.
    fn next_from(&self, key: usize) -> Option<(&'a [u8], usize)>;
    /// The name at a key returned by [`Names::next_from`].
    fn name_at(&self, key: usize) -> Option<&'a [u8]>;
    /// One more than the largest key (keys below 4 GiB fit the `u32` table).
    fn key_bound(&self) -> usize;
}

/// The names of a header block (`name NUL value NUL ...`), keyed by byte offset.
pub(crate) struct BlockNames<'a>(pub(crate) &'a [u8]);

impl<'a> Names<'a> for BlockNames<'a> {
    fn next_from(&self, key: usize) -> Option<(&'a [u8], usize)> {
        let rest = self.0.get(key..)?;
        let (after, (name, _)) = pair(rest).ok()?;
        Some((name, key + (rest.len() - after.len())))
    }
    fn name_at(&self, key: usize) -> Option<&'a [u8]> {
        c_string(self.0.get(key..)?).ok().map(|(_, name)| name)
    }
    fn key_bound(&self) -> usize {
        self.0.len()
    }
}

/// The names of `(name, value)` pairs, keyed by index.
pub(crate) struct PairNames<'a, 'p>(pub(crate) &'p [(&'a [u8], &'a [u8])]);

impl<'a> Names<'a> for PairNames<'a, '_> {
    fn next_from(&self, key: usize) -> Option<(&'a [u8], usize)> {
        self.0.get(key).map(|(name, _)| (*name, key + 1))
    }
    fn name_at(&self, key: usize) -> Option<&'a [u8]> {
        self.0.get(key).map(|(name, _)| *name)
    }
    fn key_bound(&self) -> usize {
        self.0.len()
    }
}

/// The position of the first name among the first `scope` that equals an earlier name.
/// `count` bounds the number of names; `scratch` is spare memory the table may use (its
/// contents are overwritten).
pub(crate) fn first_repeat<'a>(
    names: &impl Names<'a>,
    scope: usize,
    count: usize,
    scratch: &mut [u8],
) -> Option<usize> {
    // Room for every name at half load, if that much is needed at all.
    let wanted = count
        .min(scope)
        .saturating_mul(2)
        .checked_next_power_of_two()
        .unwrap_or(usize::MAX);
    // Keys are stored as `u32`s: more than 4 Gi of keys (never seen outside a test of
    // this line) are compared pair by pair.
    if u32::try_from(names.key_bound()).map_or(true, |n| n == u32::MAX) {
        return pairwise(names, scope);
    }
    if wanted > STACK_SLOTS {
        let spare = ByteSlots::new(scratch, wanted);
        if spare.count() > STACK_SLOTS {
            return rounds(names, scope, spare);
        }
    }
    let mut stack = [0u8; 4 * STACK_SLOTS];
    rounds(names, scope, ByteSlots::new(&mut stack, STACK_SLOTS))
}

/// The first repeat by comparing every name with every earlier one: quadratic, for
/// sequences whose keys a table cannot hold.
fn pairwise<'a>(names: &impl Names<'a>, scope: usize) -> Option<usize> {
    let mut key = 0;
    let mut index = 0;
    while let Some((name, next)) = names.next_from(key) {
        if index >= scope {
            return None;
        }
        let mut earlier = 0;
        while earlier < key {
            let (other, after) = names.next_from(earlier)?;
            if other == name {
                return Some(index);
            }
            earlier = after;
        }
        key = next;
        index += 1;
    }
    None
}

/// A hash table of `offset + 1` values (`0`: empty) with a power-of-two number of slots.
trait Slots {
    fn count(&self) -> usize;
    fn get(&self, slot: usize) -> usize;
    /// Stores `value`; `false` if it does not fit the slot's width.
    fn set(&mut self, slot: usize, value: usize) -> bool;
    fn clear(&mut self);
}

/// Slots stored as little-endian `u32`s in borrowed bytes.
struct ByteSlots<'a> {
    bytes: &'a mut [u8],
}

impl<'a> ByteSlots<'a> {
    /// As many slots as fit in `bytes`, at most `max`, rounded down to a power of two.
    fn new(bytes: &'a mut [u8], max: usize) -> Self {
        let fit = (bytes.len() / 4).min(max);
        // The largest power of two that fits (0 if none).
        let count = if fit == 0 {
            0
        } else {
            1usize << (usize::BITS - 1 - fit.leading_zeros())
        };
        let (used, _) = bytes.split_at_mut(count * 4);
        ByteSlots { bytes: used }
    }
}

impl Slots for ByteSlots<'_> {
    fn count(&self) -> usize {
        self.bytes.len() / 4
    }
    fn get(&self, slot: usize) -> usize {
        self.bytes
            .get(slot * 4..slot * 4 + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, |b| u32::from_le_bytes(b) as usize)
    }
    fn set(&mut self, slot: usize, value: usize) -> bool {
        match (
            self.bytes.get_mut(slot * 4..slot * 4 + 4),
            u32::try_from(value),
        ) {
            (Some(cell), Ok(value)) => {
                cell.copy_from_slice(&value.to_le_bytes());
                true
            }
            _ => false,
        }
    }
    fn clear(&mut self) {
        self.bytes.fill(0);
    }
}

/// A hash table of the names of one block, for the one-walk check: each name is looked up
/// and inserted as the walk reaches it, so the first repeat in wire order is the first
/// hit. It takes names up to half its slots; the walk gives up when it is full (a block
/// of unusually short pairs), and the names are then counted for a table that fits.
///
/// A slot is a little-endian `u32`: `0` when empty, else the name's key (its offset in
/// the block) plus one in the low bits, and in the bits the key does not need, the same
/// bits of the name's hash. A lookup compares names only when those bits are equal (in
/// practice, only for a real repeat: a 1 KiB block leaves 21 bits of hash), and the slot
/// is taken from the hash's low bits.
pub(crate) struct Table<'s> {
    /// The slots.
    cells: &'s mut [[u8; 4]],
    /// Names the table takes before it is full.
    left: usize,
    /// The bits of a slot that hold hash bits (the others hold the key plus one).
    tag_mask: u32,
}

impl<'s> Table<'s> {
    /// A cleared table in `room` for about `count` names at half load, or as many as fit
    /// if that is at least [`MIN_GUESS_SLOTS`] slots; `None` if not, or if `key_bound`
    /// (one more than the largest key) is 2^31 or more: a slot could not hold such a key
    /// beside some bits of hash.
    pub(crate) fn new(count: usize, key_bound: usize, room: &'s mut [u8]) -> Option<Self> {
        let key_bound = u32::try_from(key_bound).ok().filter(|&n| n < 1 << 31)?;
        let wanted = count.saturating_mul(2).checked_next_power_of_two()?;
        let fit = room.len() / 4;
        let slots = if wanted <= fit {
            wanted.max(MIN_GUESS_SLOTS)
        } else {
            // The largest power of two that fits.
            fit.checked_ilog2().map_or(0, |log| 1 << log)
        };
        if slots < MIN_GUESS_SLOTS || slots > fit {
            return None;
        }
        let cells = room.get_mut(..slots * 4)?;
        cells.fill(0);
        Some(Table {
            cells: cells.as_chunks_mut().0,
            left: slots / 2,
            // Keys plus one go up to `key_bound`: the bits above its highest are the hash's.
            tag_mask: u32::MAX << (u32::BITS - key_bound.leading_zeros()).max(1),
        })
    }

    /// Whether the table takes `count` names.
    pub(crate) fn holds(&self, count: usize) -> bool {
        count <= self.left
    }

    /// Whether the name of `len` bytes at byte offset `key` of `block` (whose [`hash`] is
    /// `hash`) equals a name inserted before; if not, it is inserted. `None` when the table
    /// is full: the walk cannot tell any more.
    #[inline(always)]
    pub(crate) fn repeat(
        &mut self,
        block: &[u8],
        key: usize,
        len: usize,
        hash: u32,
    ) -> Option<bool> {
        let mask = self.cells.len() - 1;
        let mut slot = hash as usize & mask;
        // At most half full: an empty slot ends every probe (the bound is for the proof).
        for _ in 0..self.cells.len() {
            let cell = u32::from_le_bytes(*self.cells.get(slot)?);
            if cell == 0 {
                break;
            }
            if (cell ^ hash) & self.tag_mask == 0 && same_name(block, self.key_of(cell), key, len) {
                return Some(true);
            }
            slot = (slot + 1) & mask;
        }
        self.left = self.left.checked_sub(1)?;
        *self.cells.get_mut(slot)? = ((hash & self.tag_mask) | (key as u32 + 1)).to_le_bytes();
        Some(false)
    }

    /// The key of a slot's name.
    #[inline(always)]
    fn key_of(&self, cell: u32) -> usize {
        ((cell & !self.tag_mask) as usize).wrapping_sub(1)
    }
}

/// Whether the NUL-terminated name at `earlier` of `block` equals the `len` bytes at
/// `key`.
fn same_name(block: &[u8], earlier: usize, key: usize, len: usize) -> bool {
    let (Some(earlier), Some(name)) = (block.get(earlier..), block.get(key..)) else {
        return false;
    };
    name.get(..len)
        .is_some_and(|name| earlier.get(..len) == Some(name))
        && earlier.get(len) == Some(&0)
}

fn rounds<'a>(names: &impl Names<'a>, scope: usize, mut table: impl Slots) -> Option<usize> {
    let batch = table.count() / 2;
    let mut best: Option<usize> = None;
    let mut round_start = 0usize; // position of the round's first name
    let mut round_key = 0usize; // key of the round's first name
    loop {
        if round_start >= scope || best.is_some_and(|b| b <= round_start) {
            return best;
        }
        table.clear();
        let mut index = round_start;
        let mut key = round_key;
        while let Some((name, next)) = names.next_from(key) {
            if index >= scope || best.is_some_and(|b| index >= b) {
                break;
            }
            let insert = index < round_start + batch;
            if probe(names, &mut table, name, key, insert) {
                best = Some(index);
                break;
            }
            key = next;
            index += 1;
            if index == round_start + batch {
                round_key = key;
            }
        }
        if index <= round_start + batch {
            // Every name left was inserted in this round: nothing more to compare.
            return best;
        }
        round_start += batch;
    }
}

/// Looks `name` (at `key`) up; returns `true` if an equal name is in the table, and
/// otherwise inserts it when `insert` is set.
fn probe<'a>(
    names: &impl Names<'a>,
    table: &mut impl Slots,
    name: &[u8],
    key: usize,
    insert: bool,
) -> bool {
    let mask = table.count() - 1;
    let mut slot = hash(name) as usize;
    for _ in 0..table.count() {
        slot &= mask;
        let entry = table.get(slot);
        if entry == 0 {
            if insert {
                // The `u32` table only serves keys below 4 Gi, so the key always fits.
                let _stored = table.set(slot, key + 1);
            }
            return false;
        }
        if names.name_at(entry - 1) == Some(name) {
            return true;
        }
        slot += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{format, vec, vec::Vec};

    /// A naive quadratic reference for the first repeat.
    fn naive(names: &[Vec<u8>]) -> Option<usize> {
        (0..names.len()).find(|&i| names[..i].contains(&names[i]))
    }

    fn block(names: &[Vec<u8>]) -> Vec<u8> {
        let mut b = Vec::new();
        for name in names {
            b.extend_from_slice(name);
            b.extend_from_slice(b"\0v\0");
        }
        b
    }

    #[test]
    fn repeats_found_across_rounds_with_every_table() {
        for n in [1usize, 2, 255, 256, 257, 511, 512, 513, 1000, 3000] {
            for dup_at in [None, Some(1usize), Some(n / 2), Some(n.saturating_sub(1))] {
                let mut names: Vec<Vec<u8>> =
                    (0..n).map(|i| format!("N{i}").into_bytes()).collect();
                if let Some(k) = dup_at.filter(|&k| k > 0 && k < n) {
                    names[k] = names[k / 3].clone();
                }
                let b = block(&names);
                let want = naive(&names);
                for spare in [0usize, 3, 64, 4096, 100_000] {
                    let mut scratch = vec![0xAAu8; spare];
                    let got = first_repeat(&BlockNames(&b), usize::MAX, n, &mut scratch);
                    assert_eq!(got, want, "n={n} dup={dup_at:?} spare={spare}");
                }
                // A tiny table: many rounds.
                let mut tiny = [0u8; 32];
                assert_eq!(
                    rounds(&BlockNames(&b), usize::MAX, ByteSlots::new(&mut tiny, 8)),
                    want,
                    "n={n} dup={dup_at:?} tiny"
                );
                assert_eq!(pairwise(&BlockNames(&b), usize::MAX), want, "pairwise");
            }
        }
    }

    #[test]
    fn scope_limits_the_search() {
        let names: Vec<Vec<u8>> = [&b"A"[..], b"B", b"C", b"A"]
            .iter()
            .map(|n| n.to_vec())
            .collect();
        let b = block(&names);
        assert_eq!(first_repeat(&BlockNames(&b), 4, 4, &mut []), Some(3));
        assert_eq!(first_repeat(&BlockNames(&b), 3, 4, &mut []), None);
        let pairs: Vec<(&[u8], &[u8])> = names.iter().map(|n| (n.as_slice(), &b""[..])).collect();
        assert_eq!(first_repeat(&PairNames(&pairs), 4, 4, &mut []), Some(3));
        assert_eq!(
            first_repeat(&PairNames(&pairs[..3]), usize::MAX, 3, &mut []),
            None
        );
    }

    /// The one-walk table with hashes chosen to collide: equal hashes of different names
    /// are told apart by the names, equal names found whatever slot they land in, a full
    /// table says so.
    #[test]
    fn table_tells_colliding_names_apart_and_fills_up() {
        let b = block(&[b"AA".to_vec(), b"AB".to_vec(), b"AA".to_vec()]);
        // Names at 0, 5 and 10 (`AA\0v\0AB\0v\0AA\0v\0`).
        let mut room = [0xFFu8; 4 * MIN_GUESS_SLOTS];
        let mut table = Table::new(3, b.len(), &mut room).expect("room for 64 slots");
        for hash in [7u32, 7 + 64, 0xFFFF_FF07] {
            // Every hash lands in slot 7: the names are compared only when the hash's
            // high bits match too.
            let mut room = [0u8; 4 * MIN_GUESS_SLOTS];
            let mut t = Table::new(3, b.len(), &mut room).expect("room for 64 slots");
            assert_eq!(t.repeat(&b, 0, 2, 7), Some(false));
            assert_eq!(t.repeat(&b, 5, 2, hash), Some(false), "hash {hash:#x}");
            assert_eq!(t.repeat(&b, 10, 2, 7), Some(true));
        }
        for (key, want) in [(0, false), (5, false), (10, true)] {
            assert_eq!(table.repeat(&b, key, 2, 42), Some(want), "key {key}");
        }
        assert!(table.holds(30) && !table.holds(31));
        let many = block(
            &(0..40)
                .map(|i| std::vec![b'a' + i as u8])
                .collect::<Vec<_>>(),
        );
        let mut room = [0u8; 4 * MIN_GUESS_SLOTS];
        let mut full = Table::new(1, many.len(), &mut room).expect("room for 64 slots");
        let outcomes: Vec<_> = (0..40)
            .map(|i| full.repeat(&many, 4 * i, 1, i as u32))
            .collect();
        assert!(outcomes[..32].iter().all(|o| *o == Some(false)));
        assert_eq!(outcomes[32], None, "half of 64 slots taken");
        assert!(
            Table::new(1, 1 << 31, &mut room).is_none(),
            "keys too large"
        );
        assert!(Table::new(1, 10, &mut [0u8; 4 * MIN_GUESS_SLOTS - 1]).is_none());
    }

    #[test]
    fn colliding_hashes_are_told_apart() {
        let mut bytes = [0u8; 8];
        let mut table = ByteSlots::new(&mut bytes, 2);
        let b = block(&[b"A".to_vec(), b"B".to_vec()]);
        let names = BlockNames(&b);
        assert!(!probe(&names, &mut table, b"A", 0, true));
        assert!(!probe(&names, &mut table, b"B", 4, false));
        assert!(probe(&names, &mut table, b"A", 0, false));
    }

    #[test]
    fn byte_slots_round_to_a_power_of_two() {
        let mut bytes = [0u8; 4 * 6 + 3];
        assert_eq!(ByteSlots::new(&mut bytes, 2).count(), 2);
        let mut slots = ByteSlots::new(&mut bytes, usize::MAX);
        assert_eq!(slots.count(), 4);
        assert!(slots.set(3, 0xDEAD_BEEF));
        assert_eq!(slots.get(3), 0xDEAD_BEEF);
        assert!(!slots.set(9, 1));
        assert_eq!(slots.get(4), 0);
        assert_eq!(ByteSlots::new(&mut [0u8; 3], 8).count(), 0);
    }
}
