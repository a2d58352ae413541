//! The limits no SCGI reader can beat: looking at every byte of the header block once
//! (memchr counting its NULs, SIMD) and copying it once (memcpy).

/// The number of NULs in `block`, counted by memchr.
pub fn count_nuls(block: &[u8]) -> usize {
    memchr::memchr_iter(0, block).count()
}

/// Copies `block` into `storage` (as the reader copies the header block); returns the
/// length copied.
pub fn copy(storage: &mut [u8], block: &[u8]) -> usize {
    match storage.get_mut(..block.len()) {
        Some(dst) => {
            dst.copy_from_slice(block);
            block.len()
        }
        None => 0,
    }
}
