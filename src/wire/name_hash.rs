//! The hash of a name, for the index's table.
//!
//! A name of up to 16 bytes is read as two little-endian words: its first 8 bytes and its
//! last 8 (overlapping when it is shorter than 16; a name shorter than 8 is one word,
//! padded with zeros); a longer name first folds in 16 bytes at a time. The two words,
//! each xor-ed with a constant, are multiplied into 128 bits whose halves are xor-ed
//! together (a *folded multiply*, as in foldhash and wyhash), with the length and the
//! state of the longer names mixed in. A name of up to 16 bytes costs one multiplication.
//!
//! Each constant has a zero low byte: a name has no NUL, so a word of a name never equals
//! a constant, and no word of a name of up to 16 bytes can cancel its factor to zero;
//! in longer names, the state is kept beside the product, so no word erases it.
//!
//! The hash is public and has no key: a peer can choose names that collide in it. That
//! costs the peer nothing but time bounded by the design of the
//! [index](crate::wire::index) (a bounded probe window, then a sort), never correctness.

/// The constant of a first word (the fractional part of π, low byte cleared).
pub(crate) const K_FIRST: u64 = 0x243F_6A88_85A3_0800;
/// The constant of a second word (2^64 / φ, low byte cleared).
pub(crate) const K_SECOND: u64 = 0x9E37_79B9_7F4A_7C00;

/// The 128-bit product of `a` and `b`, its halves xor-ed together.
#[inline(always)]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

/// The state after two more words. The state goes into the product (so the result
/// depends on it non-linearly) and beside it (so a word that cancels a factor to zero
/// does not erase it).
#[inline(always)]
fn mix(state: u64, first: u64, second: u64) -> u64 {
    folded_multiply(first ^ K_FIRST ^ state, second ^ K_SECOND) ^ state
}

/// The hash of a name of `len` bytes from the state of its pieces (`0` for names of up
/// to 16 bytes) and its last two words. The high half (a table's home slot) is the
/// product's; the low half (the tag) has the high half folded in, so that it depends on
/// every byte as well.
#[inline(always)]
fn finish(state: u64, first: u64, second: u64, len: usize) -> u64 {
    let hash = mix(state, first, second) ^ len as u64;
    hash ^ (hash >> 32)
}

/// The hash of a name of more than 16 bytes: its 16-byte pieces, then its last 16 bytes.
#[inline(never)]
fn hash_long(name: &[u8]) -> u64 {
    let mut state = 0;
    let mut rest = name;
    while let (Some(first), Some(second), Some(after)) = (
        rest.first_chunk::<8>(),
        rest.get(8..).and_then(|r| r.first_chunk::<8>()),
        rest.get(16..).filter(|after| !after.is_empty()),
    ) {
        state = mix(
            state,
            u64::from_le_bytes(*first),
            u64::from_le_bytes(*second),
        );
        rest = after;
    }
    let tail = name
        .get(name.len().saturating_sub(16)..)
        .unwrap_or_default();
    match (tail.first_chunk::<8>(), tail.last_chunk::<8>()) {
        (Some(first), Some(second)) => finish(
            state,
            u64::from_le_bytes(*first),
            u64::from_le_bytes(*second),
            name.len(),
        ),
        _ => state,
    }
}

/// The state [`hash_long`] reaches after the 16-byte pieces of `prefix` (a multiple of 16
/// bytes, followed in the name by at least 16 more): the tests and the benchmarks invert
/// the hash with it.
pub(crate) fn state_after(prefix: &[u8]) -> u64 {
    prefix.as_chunks::<16>().0.iter().fold(0, |state, piece| {
        let (first, second) = piece.split_at(8);
        mix(
            state,
            u64::from_le_bytes(first.try_into().unwrap_or_default()),
            u64::from_le_bytes(second.try_into().unwrap_or_default()),
        )
    })
}

/// Up to 8 bytes as a little-endian word, padded with zeros.
#[inline(always)]
pub(crate) fn padded_word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    for (dst, src) in word.iter_mut().zip(bytes) {
        *dst = *src;
    }
    u64::from_le_bytes(word)
}

/// The hash of `name` (which holds no NUL).
#[inline]
pub(crate) fn hash(name: &[u8]) -> u64 {
    let len = name.len();
    match (name.first_chunk::<8>(), name.last_chunk::<8>()) {
        (Some(first), Some(second)) if len <= 16 => finish(
            0,
            u64::from_le_bytes(*first),
            u64::from_le_bytes(*second),
            len,
        ),
        (Some(_), Some(_)) => hash_long(name),
        _ => finish(0, padded_word(name), 0, len),
    }
}

/// The [`hash`] of `name`, which is at `start` of `block`. A name shorter than 8 bytes is
/// loaded as a whole word when the block goes on for 8 bytes, and the bytes past it
/// masked off.
#[inline]
pub(crate) fn hash_at(block: &[u8], start: usize, name: &[u8]) -> u64 {
    let len = name.len();
    if len >= 8 {
        return hash(name);
    }
    finish(0, short_word_at(block, start, name), 0, len)
}

/// `name` (shorter than 8 bytes, at `start` of `block`) as [`padded_word`] gives it: one
/// 8-byte load with the bytes past the name masked off when the block goes on for 8
/// bytes, else byte by byte.
#[inline(always)]
pub(crate) fn short_word_at(block: &[u8], start: usize, name: &[u8]) -> u64 {
    match block.get(start..).and_then(|rest| rest.first_chunk::<8>()) {
        Some(word) => u64::from_le_bytes(*word) & (1u64 << (8 * name.len())).wrapping_sub(1),
        None => padded_word(name),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    extern crate std;
    use super::*;
    use std::{collections::BTreeSet, format, vec::Vec};

    /// Calls `check(block, offset, name)` for names of every length below `limit` at
    /// every offset of a block, with a NUL and bytes after them or at the block's end (the
    /// in-block hashes load past a short name).
    pub(crate) fn for_names_in_blocks(limit: usize, mut check: impl FnMut(&[u8], usize, &[u8])) {
        for len in 0..limit {
            for offset in 0..9 {
                for after in [0usize, 1, 7, 8, 20] {
                    let mut block: Vec<u8> = (0..offset).map(|i| b'a' + i as u8).collect();
                    block.extend((0..len).map(|i| 0x80 | (i as u8).wrapping_mul(7)));
                    block.extend((0..after).map(|i| if i == 0 { 0 } else { b'z' }));
                    check(&block, offset, &block[offset..offset + len]);
                }
            }
        }
    }

    /// The in-block hash equals the hash of the name alone, for names of every length at
    /// every offset, with bytes after them or at the block's end.
    #[test]
    fn hashing_in_the_block_agrees_with_hashing_the_name() {
        let limit = if cfg!(miri) { 12 } else { 40 };
        for_names_in_blocks(limit, |block, offset, name| {
            assert_eq!(
                hash_at(block, offset, name),
                hash(name),
                "{block:?} at {offset}"
            );
        });
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

    /// Every byte of a name counts, and so does its length.
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
        assert_ne!(hash(b""), hash(b"\x01"));
        // Names whose first and last 8 bytes are the same, of different lengths.
        assert_ne!(hash(b"aaaaaaaaa"), hash(b"aaaaaaaaaa"));
        assert_ne!(hash(&[b'a'; 17]), hash(&[b'a'; 18]));
        assert_ne!(hash(&[b'a'; 33]), hash(&[b'a'; 34]));
    }
}
