//! Where the NUL bytes of a header block are, 64 bytes at a time, in safe Rust.
//!
//! Reading a block starts here: [`mask`] turns 64 bytes into a 64-bit mask with bit `i`
//! set when byte `i` is NUL, [`positions`] lists the NULs of a block from those masks (one
//! set bit at a time), counting them all. The bits are found:
//!
//! - with SIMD where the target has it, through the `wide` crate (which keeps the `unsafe`
//!   of `core::arch` to itself): SSE2 on x86 and x86_64 (AVX2 when the build enables it),
//!   NEON on aarch64, `simd128` on wasm32;
//! - elsewhere on 64-bit targets, 8 bytes at a time in a `u64` ([`zero_bytes`]);
//! - on 32-bit targets without SIMD (microcontrollers), one byte at a time: the smallest
//!   code, and 64-bit words would be no faster there.

/// Bytes looked at per mask.
pub(crate) const CHUNK: usize = 64;

#[cfg(any(
    all(
        any(target_arch = "x86", target_arch = "x86_64"),
        target_feature = "sse2"
    ),
    all(target_arch = "aarch64", target_feature = "neon"),
    all(target_arch = "wasm32", target_feature = "simd128"),
))]
mod lanes {
    //! The mask with SIMD compares (`wide`).

    /// Bit `i` set when byte `i` of `chunk` is NUL.
    #[cfg(not(target_feature = "avx2"))]
    #[inline(always)]
    pub(super) fn mask(chunk: &[u8; super::CHUNK]) -> u64 {
        use wide::u8x16;
        let (vectors, _) = chunk.as_chunks::<16>();
        let mut mask = 0;
        for (i, bytes) in vectors.iter().enumerate() {
            let zeros = u8x16::new(*bytes).cmp_eq(u8x16::splat(0)).move_mask();
            // 16 mask bits, in the low bits of the `i32`.
            mask |= u64::from(zeros as u16) << (16 * i);
        }
        mask
    }

    /// Bit `i` set when byte `i` of `chunk` is NUL (AVX2: 32 bytes per compare).
    #[cfg(target_feature = "avx2")]
    #[inline(always)]
    pub(super) fn mask(chunk: &[u8; super::CHUNK]) -> u64 {
        use wide::{CmpEq, u8x32};
        let (vectors, _) = chunk.as_chunks::<32>();
        let mut mask = 0;
        for (i, bytes) in vectors.iter().enumerate() {
            let zeros = u8x32::new(*bytes).cmp_eq(u8x32::splat(0)).move_mask();
            mask |= u64::from(zeros as u32) << (32 * i);
        }
        mask
    }
}

#[cfg(not(any(
    all(
        any(target_arch = "x86", target_arch = "x86_64"),
        target_feature = "sse2"
    ),
    all(target_arch = "aarch64", target_feature = "neon"),
    all(target_arch = "wasm32", target_feature = "simd128"),
)))]
mod lanes {
    //! The mask without SIMD.

    /// Bit `i` set when byte `i` of `chunk` is NUL.
    #[inline(always)]
    pub(super) fn mask(chunk: &[u8; super::CHUNK]) -> u64 {
        if usize::BITS < 64 {
            // Microcontrollers: the smallest code.
            return chunk
                .iter()
                .enumerate()
                .fold(0, |mask, (i, &b)| mask | (u64::from(b == 0) << i));
        }
        let (words, _) = chunk.as_chunks::<8>();
        let mut mask = 0;
        for (i, word) in words.iter().enumerate() {
            // One flag per byte in its high bit: gather the eight into the top byte.
            let flags = super::zero_bytes(u64::from_le_bytes(*word)) >> 7;
            mask |= (flags.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * i);
        }
        mask
    }
}

/// Bit `i` set when byte `i` of `chunk` is NUL.
#[inline(always)]
pub(crate) fn mask(chunk: &[u8; CHUNK]) -> u64 {
    lanes::mask(chunk)
}

/// `0x7F` in every byte.
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The high bit of each byte of `word` that is zero, and no other bit.
///
/// `(b & 0x7F) + 0x7F` sets a byte's high bit when its low seven bits are not all zero
/// (no carry leaves the byte); or-ing `b` adds the bytes whose own high bit is set; what
/// is left unset is exactly the zero bytes.
#[inline]
#[cfg_attr(
    any(
        all(
            any(target_arch = "x86", target_arch = "x86_64"),
            target_feature = "sse2"
        ),
        all(target_arch = "aarch64", target_feature = "neon"),
        all(target_arch = "wasm32", target_feature = "simd128"),
    ),
    allow(dead_code)
)]
pub(crate) const fn zero_bytes(word: u64) -> u64 {
    !(((word & LOW7).wrapping_add(LOW7)) | word | LOW7)
}

/// Calls `each(offset, mask)` for every 64 bytes of `block` (the last piece padded with
/// bytes that are not NUL).
#[inline(always)]
fn for_each_mask(block: &[u8], mut each: impl FnMut(usize, u64)) {
    let (chunks, tail) = block.as_chunks::<CHUNK>();
    for (i, chunk) in chunks.iter().enumerate() {
        each(i * CHUNK, mask(chunk));
    }
    if !tail.is_empty() {
        let mut last = [0xFF; CHUNK];
        for (dst, src) in last.iter_mut().zip(tail) {
            *dst = *src;
        }
        each(chunks.len() * CHUNK, mask(&last));
    }
}

/// The number of NULs in `block`: what [`positions`] returns without room to write any,
/// at a bit count per 64 bytes.
pub(crate) fn count(block: &[u8]) -> usize {
    #[cfg(test)]
    SCANS.with(|scans| scans.set(scans.get() + 1));
    let mut count = 0;
    for_each_mask(block, |_, mask| count += mask.count_ones() as usize);
    count
}

/// Writes the offset of every NUL of `block`, in order, to `out` (`u32`s:
/// `block` is shorter than 4 GiB) and returns how many NULs there are. When that is more
/// than `out` holds, `out` has the first ones and the others are only counted.
#[inline(never)]
pub(crate) fn positions(block: &[u8], out: &mut [u32]) -> usize {
    if crate::MICROCONTROLLER {
        // Microcontrollers: the smallest code.
        let mut found = 0;
        for (offset, _) in block.iter().enumerate().filter(|(_, b)| **b == 0) {
            if let Some(slot) = out.get_mut(found) {
                *slot = offset as u32;
            }
            found += 1;
        }
        return found;
    }
    #[cfg(test)]
    SCANS.with(|scans| scans.set(scans.get() + 1));
    let room = out.len();
    let mut slots = out.iter_mut();
    let mut beyond = 0;
    for_each_mask(block, |offset, mut mask| {
        while mask != 0 {
            match slots.next() {
                Some(slot) => *slot = offset as u32 + mask.trailing_zeros(),
                None => beyond += 1,
            }
            mask &= mask - 1;
        }
    });
    room - slots.len() + beyond
}

#[cfg(test)]
extern crate std;

#[cfg(test)]
std::thread_local! {
    /// The blocks [`positions`] looked at on this test thread.
    static SCANS: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// The blocks [`positions`] looked at on this test thread since the last call.
#[cfg(test)]
pub(crate) fn scans_taken() -> usize {
    SCANS.with(|scans| scans.replace(0))
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

    /// Every byte value in every lane, alone and beside NULs.
    #[test]
    fn chunk_masks_are_exact() {
        // Every byte value, or those at the edges of the tricks under miri (slow).
        let values: std::vec::Vec<u8> = if cfg!(miri) {
            std::vec![0, 1, 0x7F, 0x80, 0x81, 0xFE, 0xFF]
        } else {
            (0..=255).collect()
        };
        for b in values {
            for lane in 0..CHUNK {
                let mut chunk = [0x01u8; CHUNK];
                chunk[lane] = b;
                let want = if b == 0 { 1u64 << lane } else { 0 };
                assert_eq!(mask(&chunk), want, "byte {b:#x} in lane {lane}");
                let mut zeros = [0u8; CHUNK];
                zeros[lane] = b;
                let want = if b == 0 { u64::MAX } else { !(1u64 << lane) };
                assert_eq!(mask(&zeros), want, "byte {b:#x} among NULs, lane {lane}");
            }
        }
    }

    #[test]
    fn positions_and_count_agree_with_a_bytewise_search() {
        let mut data: Vec<u8> = (0..300u32).map(|i| (i * 37 % 251) as u8 | 1).collect();
        for (i, at) in [0usize, 5, 63, 64, 65, 127, 128, 200, 255, 256, 299]
            .iter()
            .enumerate()
        {
            if i % 2 == 0 {
                data[*at] = 0;
            }
        }
        // Every length, or every seventh under miri (a thousand times slower).
        for len in (0..=data.len()).step_by(if cfg!(miri) { 7 } else { 1 }) {
            let input = &data[..len];
            let want: Vec<u32> = (0..len as u32)
                .filter(|&i| input[i as usize] == 0)
                .collect();
            assert_eq!(count(input), want.len(), "len {len}");
            let mut out = [0u32; 8];
            assert_eq!(positions(input, &mut out), want.len(), "len {len}");
            let kept = want.len().min(out.len());
            assert_eq!(out[..kept], want[..kept], "len {len}");
            assert_eq!(positions(input, &mut []), want.len());
        }
        assert_eq!(count(&[0u8; 190]), 190);
    }
}
