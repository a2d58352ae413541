//! The hash of a name, for the index's table.
//!
//! Names are hashed 8 bytes at a time: every full word from the name's first byte on,
//! then the bytes left over padded with zeros (no bytes left over is a zero word). Names
//! hold no NUL, so different names give different word sequences.
//!
//! Each word goes through a folded multiply (the 128-bit product of state and word, its
//! halves xor-ed together), as in foldhash or wyhash: a few instructions per word, and
//! every output bit depends on every input bit. The state is kept beside the product,
//! so no word can wipe out what came before it.
//!
//! The hash is public and has no key: a peer can choose names that collide in it. That
//! costs the peer nothing but time bounded by [`crate::wire::index`]'s design (a bounded
//! probe window, then a sort), never correctness.

/// The first state (the fractional part of π).
const SEED: u64 = 0x243F_6A88_85A3_08D3;
/// The multiplier of a word (2^64 / φ).
const K: u64 = 0x9E37_79B9_7F4A_7C15;
/// The multiplier of the last step.
const K_FINISH: u64 = 0xD6E8_FEB8_6659_FD93;

/// The 128-bit product of `a` and `b`, its halves xor-ed together.
#[inline(always)]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

/// The state after one more word.
#[inline(always)]
fn step(state: u64, word: u64) -> u64 {
    folded_multiply(state ^ word, K) ^ state.rotate_left(29)
}

/// The hash from the last state.
#[inline(always)]
fn finish(state: u64) -> u64 {
    folded_multiply(state, K_FINISH)
}

/// The first `len` bytes of a little-endian word (`len` < 8).
#[inline(always)]
fn low_bytes(word: u64, len: usize) -> u64 {
    word & (1u64 << (8 * len)).wrapping_sub(1)
}

/// The hash of `name` (which holds no NUL).
pub(crate) fn hash(name: &[u8]) -> u64 {
    let (words, rest) = name.as_chunks::<8>();
    let mut last = [0u8; 8];
    for (dst, src) in last.iter_mut().zip(rest) {
        *dst = *src;
    }
    let state = words
        .iter()
        .fold(SEED, |state, word| step(state, u64::from_le_bytes(*word)));
    finish(step(state, u64::from_le_bytes(last)))
}

/// The [`hash`] of the name at `start..end` of `block`, the same as `hash(&block[start..end])`
/// (`None` if that is not a range of `block`): the last word is loaded whole when the block
/// goes on for 8 bytes, and the bytes past the name masked off.
#[inline(always)]
pub(crate) fn hash_in(block: &[u8], start: usize, end: usize) -> Option<u64> {
    let name = block.get(start..end)?;
    let (words, rest) = name.as_chunks::<8>();
    let state = words
        .iter()
        .fold(SEED, |state, word| step(state, u64::from_le_bytes(*word)));
    let rest_start = end - rest.len();
    let last = match block
        .get(rest_start..)
        .and_then(|after| after.first_chunk::<8>())
    {
        Some(word) => low_bytes(u64::from_le_bytes(*word), rest.len()),
        None => {
            let mut last = [0u8; 8];
            for (dst, src) in last.iter_mut().zip(rest) {
                *dst = *src;
            }
            u64::from_le_bytes(last)
        }
    };
    Some(finish(step(state, last)))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{collections::BTreeSet, format, vec::Vec};

    /// The in-block hash equals the hash of the name alone, for names of every length at
    /// every offset, with bytes after them or at the block's end.
    #[test]
    fn hashing_in_the_block_agrees_with_hashing_the_name() {
        let limit = if cfg!(miri) { 12 } else { 40 };
        for len in 0..limit {
            for offset in 0..9 {
                for after in [0usize, 1, 7, 8, 20] {
                    let mut block: Vec<u8> = (0..offset).map(|i| b'a' + i as u8).collect();
                    block.extend((0..len).map(|i| 0x80 | (i as u8).wrapping_mul(7)));
                    block.extend((0..after).map(|i| if i == 0 { 0 } else { b'z' }));
                    let name = &block[offset..offset + len];
                    assert_eq!(
                        hash_in(&block, offset, offset + len),
                        Some(hash(name)),
                        "len {len} offset {offset} after {after}"
                    );
                }
            }
        }
        assert_eq!(hash_in(b"abc", 2, 4), None);
        assert_eq!(hash_in(b"abc", 3, 2), None);
    }

    /// Names that differ only in their last bytes (as generated headers do), or only in
    /// their first, spread over the slots of a table (the high half picks the slot, the
    /// low half is the tag).
    #[test]
    fn similar_names_spread_over_the_slots() {
        let (names, spread) = if cfg!(miri) { (100, 70) } else { (2000, 1500) };
        for pattern in ["HTTP_X_{}", "{}_HTTP_X", "H{}", "HTTP_X_CUSTOM_HEADER_{}"] {
            let mut high = BTreeSet::new();
            let mut low = BTreeSet::new();
            for i in 0..names {
                let h = hash(pattern.replace("{}", &format!("{i:04}")).as_bytes());
                // A table of twice as many slots as names.
                high.insert(((h >> 32) * 2 * names) >> 32);
                low.insert(h & (2 * names).next_power_of_two().wrapping_sub(1));
            }
            // 2,000 random picks of 4,000 slots hit about 1,570 distinct ones.
            assert!(high.len() > spread, "{pattern}: {} slots", high.len());
            assert!(low.len() > spread, "{pattern}: {} tags", low.len());
        }
    }

    /// Every byte of a name counts, and a word equal to the state does not reset it.
    #[test]
    fn every_byte_moves_the_hash() {
        let mut seen = BTreeSet::new();
        let mut names = 0;
        for len in 0..40usize {
            let base: Vec<u8> = (0..len).map(|i| b'A' + (i % 26) as u8).collect();
            for at in 0..len {
                let mut other = base.clone();
                other[at] ^= 0x01;
                seen.insert(hash(&other));
                names += 1;
            }
            seen.insert(hash(&base));
            names += 1;
        }
        assert_eq!(seen.len(), names);
        // A word equal to the state cancels the product, not the state.
        let first = step(SEED, u64::from_le_bytes(*b"ABCDEFGH"));
        let second = step(SEED, u64::from_le_bytes(*b"ABCDEFGI"));
        assert_ne!(step(first, first), step(second, second));
        assert_ne!(hash(b""), hash(b"\x01"));
    }
}
