//! The hash of a name for the duplicate check, computed while the name's NUL is searched
//! for: the walk over a header block loads each name's words once, for both.
//!
//! A multiply-rotate hash over 8-byte words (after FxHash): a handful of operations per
//! name, where a byte-at-a-time hash would cost one multiplication per byte. The words
//! are taken from the name's first byte on (so equal names hash alike wherever they
//! are): every full word, then the bytes left over padded with zeros (no word at all
//! left over is a zero word). Names hold no NUL, so different names give different word
//! sequences.

use super::nul;

/// The multiplier (2^64 / φ).
const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// A hash being built from the words of a name.
#[derive(Clone, Copy, Debug, Default)]
struct NameHash(u64);

impl NameHash {
    #[inline(always)]
    fn word(self, word: u64) -> Self {
        NameHash((self.0.rotate_left(5) ^ word).wrapping_mul(K))
    }

    /// A product's high bits depend on every input bit, its low bits only on the input's
    /// low bits: fold the high half down and multiply once more, so that the low bits of
    /// the result's high half (a table's slot) depend on every byte.
    #[inline(always)]
    fn finish(self) -> u32 {
        ((self.0 ^ (self.0 >> 32)).wrapping_mul(K) >> 32) as u32
    }
}

/// The hash of `name` (which holds no NUL).
pub(crate) fn hash(name: &[u8]) -> u32 {
    let (words, rest) = name.as_chunks::<{ nul::WORD }>();
    let mut last = [0u8; nul::WORD];
    for (dst, src) in last.iter_mut().zip(rest) {
        *dst = *src;
    }
    words
        .iter()
        .fold(NameHash::default(), |h, word| {
            h.word(u64::from_le_bytes(*word))
        })
        .word(u64::from_le_bytes(last))
        .finish()
}

/// Where the pair at `start` of `block` ends: its name's NUL, the [`hash`] of its name,
/// and its value's NUL (`None` if there is none: a name without value). `None` if no NUL
/// follows `start` at all.
///
/// The words are loaded from the name's first byte on, once each: the name's are hashed
/// until its NUL, and the value's NUL is the next one, often in the same word.
#[inline(always)]
pub(crate) fn scan_pair(block: &[u8], start: usize) -> Option<(usize, u32, Option<usize>)> {
    let (words, tail) = block.get(start..)?.as_chunks::<{ nul::WORD }>();
    // The words from `start`, the last one padded; `None` past it.
    let word = |index: usize| match words.get(index) {
        Some(word) => Some(u64::from_le_bytes(*word)),
        None => (index == words.len()).then(|| nul::padded_word(tail)),
    };
    let position = |index: usize, zeros: u64| {
        start + index * nul::WORD + (zeros.trailing_zeros() / 8) as usize
    };
    let mut h = NameHash::default();
    let mut index = 0;
    let (last, zeros) = loop {
        let word = word(index)?;
        let zeros = nul::zero_bytes(word);
        if zeros != 0 {
            break (word, zeros);
        }
        h = h.word(word);
        index += 1;
    };
    // The lowest flagged bit is the NUL's high bit (bit 8k + 7): the bytes before it are
    // kept, the NUL and what follows it zeroed.
    let nul_bit = zeros & zeros.wrapping_neg();
    let hash = h.word(last & ((nul_bit >> 7) - 1)).finish();
    let name_end = position(index, zeros);
    let mut more = zeros & (zeros - 1);
    while more == 0 {
        index += 1;
        match word(index) {
            Some(word) => more = nul::zero_bytes(word),
            None => return Some((name_end, hash, None)),
        }
    }
    Some((name_end, hash, Some(position(index, more))))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{collections::BTreeSet, format, vec::Vec};

    /// The scan finds the same ends and hash as a search and [`hash`] on the name, for
    /// names and values of every length at every offset, at the block's end or not.
    #[test]
    fn scanning_agrees_with_hashing_the_name() {
        let limit = if cfg!(miri) { 12 } else { 40 };
        for len in 0..limit {
            for offset in 0..9 {
                for value in [None, Some(0usize), Some(1), Some(7), Some(8), Some(20)] {
                    for after in [0usize, 1, 9] {
                        let mut block: Vec<u8> = (0..offset).map(|i| b'a' + i as u8).collect();
                        block.extend((0..len).map(|i| 0x80 | (i as u8).wrapping_mul(7)));
                        block.push(0);
                        if let Some(v) = value {
                            block.extend((0..v).map(|i| b'0' + i as u8 % 10));
                            block.push(0);
                        }
                        block.extend((0..after).map(|i| b'z' - i as u8));
                        let name = &block[offset..offset + len];
                        let value_end = value.map(|v| offset + len + 1 + v);
                        // Without a value, the next NUL is none at all (`after` holds none).
                        assert_eq!(
                            scan_pair(&block, offset),
                            Some((offset + len, hash(name), value_end)),
                            "len {len} offset {offset} value {value:?} after {after}"
                        );
                    }
                }
            }
        }
        assert_eq!(scan_pair(b"abc", 0), None);
        assert_eq!(scan_pair(b"abcdefghijk", 3), None);
        assert_eq!(scan_pair(b"\0", 0), Some((0, hash(b""), None)));
        assert_eq!(scan_pair(b"a\0\0", 0), Some((1, hash(b"a"), Some(2))));
    }

    /// Names that differ only in their last bytes (as generated headers do), or only in
    /// their first, still spread over the table.
    #[test]
    fn similar_names_spread_over_the_slots() {
        // Fewer under miri, which runs every test a thousand times slower.
        let (names, slots, spread) = if cfg!(miri) {
            (100, 255, 70)
        } else {
            (2000, 4095, 1500)
        };
        for pattern in ["HTTP_X_{}", "{}_HTTP_X", "H{}", "HTTP_X_CUSTOM_HEADER_{}"] {
            let mut used = BTreeSet::new();
            for i in 0..names {
                let name = pattern.replace("{}", &format!("{i:04}"));
                used.insert(hash(name.as_bytes()) & slots);
            }
            // 2,000 random picks of 4,096 slots hit about 1,600 distinct ones; 100 of 256
            // about 83.
            assert!(used.len() > spread, "{pattern}: {} slots", used.len());
        }
    }

    /// Every byte of a name counts: names of every length that differ in one byte hash
    /// apart (almost always: a collision costs time, not correctness).
    #[test]
    fn every_byte_moves_the_hash() {
        let mut same = 0;
        for len in 1..40usize {
            let base: Vec<u8> = (0..len).map(|i| b'A' + (i % 26) as u8).collect();
            for at in 0..len {
                let mut other = base.clone();
                other[at] ^= 0x01;
                same += usize::from(hash(&base) == hash(&other));
            }
            let mut longer = base.clone();
            longer.push(b'A');
            same += usize::from(hash(&base) == hash(&longer));
        }
        assert_eq!(same, 0);
        assert_ne!(hash(b""), hash(b"\x01"));
    }
}
