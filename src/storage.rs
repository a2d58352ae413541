//! Where the reader keeps the header block: storage the caller provides.
//!
//! The header block is the only part of a request the reader copies (the body is handed
//! out as slices of the caller's input). It is stored in any [`Storage`]:
//!
//! | storage | capacity | allocation |
//! |---|---|---|
//! | `&mut [u8]` | the slice's length | none |
//! | `[u8; N]` | `N`, inline | none |
//! | `heapless::Vec<u8, N>` | `N`, inline | none |
//! | `Vec<u8>` (feature `alloc`) | grows to the configured limit | only to grow to the block's size |
//!
//! Room left in the storage after the block (with `&mut [u8]` and `[u8; N]`, whose whole
//! capacity is writable) is used as scratch space by the duplicate-name check, which then
//! needs no stack table: its contents after a request are unspecified.

/// A buffer for a header block (the request's environment, or a response's header
/// section on the client side).
pub trait Storage {
    /// The largest block this storage can ever hold.
    fn max_len(&self) -> usize;

    /// Makes the first `len` bytes available through [`Storage::block_mut`], keeping the
    /// bytes before `len` that were there; `len` is never above [`Storage::max_len`].
    /// Returns `false` if that is impossible.
    fn prepare(&mut self, len: usize) -> bool;

    /// The bytes prepared so far (at least the `len` of the last `prepare`).
    fn block(&self) -> &[u8];

    /// The same bytes, writable.
    fn block_mut(&mut self) -> &mut [u8];
}

impl Storage for &mut [u8] {
    fn max_len(&self) -> usize {
        self.len()
    }
    fn prepare(&mut self, len: usize) -> bool {
        len <= self.len()
    }
    fn block(&self) -> &[u8] {
        self
    }
    fn block_mut(&mut self) -> &mut [u8] {
        self
    }
}

impl<const N: usize> Storage for [u8; N] {
    fn max_len(&self) -> usize {
        N
    }
    fn prepare(&mut self, len: usize) -> bool {
        len <= N
    }
    fn block(&self) -> &[u8] {
        self
    }
    fn block_mut(&mut self) -> &mut [u8] {
        self
    }
}

impl<const N: usize> Storage for heapless::Vec<u8, N> {
    fn max_len(&self) -> usize {
        N
    }
    fn prepare(&mut self, len: usize) -> bool {
        self.resize(len, 0).is_ok()
    }
    fn block(&self) -> &[u8] {
        self
    }
    fn block_mut(&mut self) -> &mut [u8] {
        self
    }
}

#[cfg(feature = "alloc")]
impl Storage for alloc::vec::Vec<u8> {
    /// A `Vec` can hold any block; the reader's configured limit bounds it.
    fn max_len(&self) -> usize {
        usize::MAX
    }
    /// Grows (amortized) or shrinks to `len`, keeping the bytes already there: the
    /// response reader fills its header section a piece at a time.
    fn prepare(&mut self, len: usize) -> bool {
        if len > self.len() && self.try_reserve(len - self.len()).is_err() {
            return false;
        }
        self.resize(len, 0);
        true
    }
    fn block(&self) -> &[u8] {
        self
    }
    fn block_mut(&mut self) -> &mut [u8] {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip<S: Storage>(mut s: S, len: usize) -> bool {
        if !s.prepare(len) {
            return false;
        }
        s.block_mut()[..len].fill(7);
        s.block()[..len].iter().all(|&b| b == 7)
    }

    #[test]
    fn every_storage_prepares_up_to_its_capacity() {
        let mut buf = [0u8; 16];
        assert!(roundtrip(&mut buf[..], 16));
        assert!(!roundtrip(&mut buf[..], 17));
        assert!(roundtrip([0u8; 16], 16));
        assert!(!roundtrip([0u8; 16], 17));
        assert!(roundtrip(heapless::Vec::<u8, 16>::new(), 16));
        assert!(!roundtrip(heapless::Vec::<u8, 16>::new(), 17));
        #[cfg(feature = "alloc")]
        assert!(roundtrip(alloc::vec::Vec::new(), 1000));
    }
}
