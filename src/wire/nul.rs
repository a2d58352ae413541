//! Finding NUL bytes a word (8 bytes) at a time, in safe Rust.
//!
//! The header block is mostly short strings ended by NUL, so this is the grammar's inner
//! loop. A word is loaded with `u64::from_le_bytes`, and [`zero_bytes`] turns it into a
//! mask with the high bit of every zero byte set (exactly those: no false positives), so
//! the first NUL is `trailing_zeros / 8`.

/// Bytes in one word.
pub(crate) const WORD: usize = 8;
/// `0x7F` in every byte.
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The high bit of each byte of `word` that is zero, and no other bit.
///
/// `(b & 0x7F) + 0x7F` sets a byte's high bit when its low seven bits are not all zero
/// (no carry leaves the byte); or-ing `b` adds the bytes whose own high bit is set; what
/// is left unset is exactly the zero bytes.
#[inline]
pub(crate) const fn zero_bytes(word: u64) -> u64 {
    !(((word & LOW7).wrapping_add(LOW7)) | word | LOW7)
}

/// Up to 8 bytes as a word, padded with `0xFF` (not a NUL).
#[inline]
pub(crate) fn padded_word(bytes: &[u8]) -> u64 {
    let mut buf = [0xFFu8; WORD];
    for (dst, src) in buf.iter_mut().zip(bytes) {
        *dst = *src;
    }
    u64::from_le_bytes(buf)
}

/// The position of the first NUL in `input`.
#[inline]
pub(crate) fn find(input: &[u8]) -> Option<usize> {
    if usize::BITS < 64 {
        // On microcontrollers a byte loop is the smaller code (and 64-bit words no faster).
        return input.iter().position(|&b| b == 0);
    }
    find_in_words(input)
}

/// [`find`] a word at a time.
fn find_in_words(input: &[u8]) -> Option<usize> {
    let (words, tail) = input.as_chunks::<WORD>();
    for (index, word) in words.iter().enumerate() {
        let zeros = zero_bytes(u64::from_le_bytes(*word));
        if zeros != 0 {
            return Some(index * WORD + (zeros.trailing_zeros() / 8) as usize);
        }
    }
    let at = tail.iter().position(|&b| b == 0)?;
    Some(words.len() * WORD + at)
}

/// The number of NULs in `input`: only error paths and blocks too odd for the one-walk
/// check need it, so it is the smallest code rather than the fastest.
pub(crate) fn count(input: &[u8]) -> usize {
    input.iter().filter(|&&b| b == 0).count()
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn zero_byte_masks_are_exact() {
        for b in 0..=255u8 {
            for lane in 0..8 {
                let mut bytes = [0x01u8; 8];
                bytes[lane] = b;
                let mask = zero_bytes(u64::from_le_bytes(bytes));
                let want = if b == 0 { 0x80u64 << (8 * lane) } else { 0 };
                assert_eq!(mask, want, "byte {b:#x} in lane {lane}");
            }
        }
        // A zero next to bytes that borrow or carry in the classic trick.
        assert_eq!(
            zero_bytes(u64::from_le_bytes([0, 1, 0x80, 0, 0xFF, 0x01, 0, 0x7F])),
            0x0080_0000_8000_0080
        );
    }

    #[test]
    fn agrees_with_a_bytewise_search_everywhere() {
        let mut data: Vec<u8> = (0..300u32).map(|i| (i * 37 % 251) as u8 | 1).collect();
        // Every length, or every seventh under miri (a thousand times slower).
        for len in (0..=data.len()).step_by(if cfg!(miri) { 7 } else { 1 }) {
            for nul in [
                None,
                Some(0usize),
                Some(len / 2),
                Some(len.saturating_sub(1)),
            ] {
                let saved = data.clone();
                if let Some(at) = nul.filter(|&at| at < len) {
                    data[at] = 0;
                }
                let input = &data[..len];
                let want = input.iter().position(|&b| b == 0);
                assert_eq!(find(input), want, "len {len}");
                assert_eq!(find_in_words(input), want, "len {len}");
                assert_eq!(count(input), input.iter().filter(|&&b| b == 0).count());
                data = saved;
            }
        }
        assert_eq!(count(&[0u8; 19]), 19);
        assert_eq!(find(&[0xFF, 0x80, 0x7F, 0, 0]), Some(3));
    }
}
