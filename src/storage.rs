//! Where the reader keeps the header block and its index: storage the caller provides.
//!
//! The header block is the only part of a request the reader copies (the body is handed
//! out as slices of the caller's input). It is stored in any [`Storage`]:
//!
//! | storage | capacity | allocation |
//! |---|---|---|
//! | `&mut [u8]` | the slice's length | none |
//! | `[u8; N]` | `N`, inline | none |
//! | `heapless::Vec<u8, N>` | `N`, inline | none |
//! | `Vec<u8>` (feature `alloc`) | grows to what the request needs | only to grow |
//!
//! # Sizing
//!
//! Right after the block, the reader builds an index of its pairs (where each name and
//! value ends, and a hash table of the names), so that iterating and looking names up
//! never search the block again. The index takes [`INDEX_BYTES_PER_PAIR`] (24) bytes per
//! pair, as `u32` words from the first 4-byte boundary after the block (up to
//! [`INDEX_ALIGNMENT_SLACK`], 3, bytes before it are skipped). A request whose block has
//! `b` bytes and `n` pairs needs storage of **`b + 24 n + 3` bytes** ([`len_for`]):
//!
//! - a block longer than the storage (or the configured limit) is
//!   [`HeadersTooLarge`](crate::Error::HeadersTooLarge), as soon as its length prefix
//!   shows it;
//! - a block that fits but whose index does not is
//!   [`TooManyHeaders`](crate::Error::TooManyHeaders) (status hint 431), found by
//!   counting its NULs, before any other work.
//!
//! [`len_for_any_block`] holds every block up to a length, however many pairs it has.
//! nginx sends 20 to 40 pairs for a browser's request (about 1 KiB of block): 2 KiB of
//! storage serves it; `len_for(8192, 128)` (11 KiB) serves almost anything a browser sends.
//! A `Vec<u8>` grows to exactly what each request needs, up to the configured block limit
//! plus its index.
//!
//! ```
//! use sioscgi::{storage, Config, Reader};
//!
//! // Blocks up to 8 KiB with up to 128 pairs.
//! const LEN: usize = storage::len_for(8192, 128);
//! let mut storage = [0u8; LEN];
//! let reader = Reader::with_config(&mut storage[..], Config::new().max_block_len(8192));
//! assert_eq!(reader.block_limit(), 8192);
//! assert_eq!(storage::pairs_fitting(LEN, 8192), 128);
//! assert_eq!(storage::pairs_fitting(LEN, 1024), 426); // a smaller block leaves more room
//! ```

/// Bytes of index per pair of a header block: the offsets of its name's and its value's
/// NUL, and four slots of the name table (a quarter full at most).
pub const INDEX_BYTES_PER_PAIR: usize = crate::wire::index::BYTES_PER_PAIR;

/// The most bytes of storage skipped between a block and its index: the index's words
/// start at the first 4-byte boundary after the block (where that is depends on the
/// storage's address).
pub const INDEX_ALIGNMENT_SLACK: usize = crate::wire::index::ALIGNMENT_SLACK;

/// The storage length that holds header blocks of up to `block_len` bytes with up to
/// `pairs` pairs, and their index, wherever the storage is:
/// `block_len + 24 * pairs + 3` (saturating).
pub const fn len_for(block_len: usize, pairs: usize) -> usize {
    block_len
        .saturating_add(pairs.saturating_mul(INDEX_BYTES_PER_PAIR))
        .saturating_add(INDEX_ALIGNMENT_SLACK)
}

/// The storage length that holds every header block of up to `block_len` bytes, however
/// many pairs it has: a pair takes at least 2 bytes (two NULs, when its name is empty,
/// which the reader then refuses), so at most `block_len / 2` pairs, and
/// `len_for(block_len, block_len / 2)`: about 13 times the block. A reader with such
/// storage and `block_len` as its block limit ([`Config::max_block_len`](crate::Config::max_block_len))
/// never answers [`TooManyHeaders`](crate::Error::TooManyHeaders), and refuses exactly
/// what Python's sioscgi refuses, for the same reason.
pub const fn len_for_any_block(block_len: usize) -> usize {
    len_for(block_len, block_len / 2)
}

/// The most pairs a block of `block_len` bytes may have in storage of `storage_len` bytes,
/// wherever the storage is (`0` when the block does not fit; at some addresses one more
/// fits).
pub const fn pairs_fitting(storage_len: usize, block_len: usize) -> usize {
    storage_len
        .saturating_sub(block_len)
        .saturating_sub(INDEX_ALIGNMENT_SLACK)
        / INDEX_BYTES_PER_PAIR
}

/// A buffer for a header block and its index (the request's environment), or a
/// response's header section (on the client side).
///
/// The index is read as `u32` words from the first 4-byte boundary after the block, found
/// from the bytes' address: between two calls to [`Storage::prepare`] or
/// [`Storage::prepare_exact`], the bytes must stay at the same address, or move by a
/// multiple of `u32`'s alignment. Every storage here does (an array or a `heapless::Vec`
/// moves with its reader, whose alignment is at least `u32`'s); a storage that broke this
/// would give wrong lookups, never undefined behaviour, a panic or a hang.
pub trait Storage {
    /// The most bytes this storage can ever make available.
    fn max_len(&self) -> usize;

    /// Makes the first `len` bytes available through [`Storage::block_mut`], keeping the
    /// bytes before `len` that were there; `len` is never above [`Storage::max_len`].
    /// Returns `false` if that is impossible.
    fn prepare(&mut self, len: usize) -> bool;

    /// [`Storage::prepare`] for a length that is all the block will need: the request
    /// reader knows the block's length from its prefix, then the exact room of its index.
    /// A storage that grows need not leave room to grow further (a `Vec` allocates just
    /// `len`, where `prepare` grows it amortized, up to twice what it holds, for the
    /// response reader's section that arrives a piece at a time). By default, `prepare`.
    ///
    /// The request reader asks for a block only of a storage that has fewer bytes than
    /// it: a `Vec` made with a length, or reused after [`Reader::reset`], keeps its room
    /// for the index.
    ///
    /// [`Reader::reset`]: crate::Reader::reset
    fn prepare_exact(&mut self, len: usize) -> bool {
        self.prepare(len)
    }

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
    /// A `Vec` can hold any block; the reader's configured limit bounds it (and the index
    /// of a block is at most 24 bytes per 2 bytes of block).
    fn max_len(&self) -> usize {
        usize::MAX
    }
    /// Grows (amortized) or shrinks to `len`, keeping the bytes already there: the
    /// response reader fills its header section a piece at a time, and the request reader
    /// grows it for the index after the block.
    fn prepare(&mut self, len: usize) -> bool {
        if len > self.len() && self.try_reserve(len - self.len()).is_err() {
            return false;
        }
        self.resize(len, 0);
        true
    }
    /// Grows (to exactly `len` if it must allocate) or shrinks to `len`, keeping the
    /// bytes already there.
    fn prepare_exact(&mut self, len: usize) -> bool {
        if len > self.len() && self.try_reserve_exact(len - self.len()).is_err() {
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

    #[cfg(feature = "alloc")]
    #[test]
    fn a_vec_grows_to_exactly_what_a_request_needs() {
        let mut vec = alloc::vec::Vec::new();
        assert!(vec.prepare_exact(1000));
        vec.fill(7);
        assert!(vec.prepare_exact(1100));
        assert_eq!((vec.len(), vec.capacity()), (1100, 1100));
        assert!(vec.iter().take(1000).all(|&b| b == 7));
        // Where `prepare` leaves room to grow a piece at a time.
        let mut pieces = alloc::vec::Vec::new();
        for len in 1..=1100 {
            assert!(pieces.prepare(len));
        }
        assert!(pieces.capacity() >= 1100);
        // Shrinking keeps the allocation.
        assert!(vec.prepare_exact(10));
        assert_eq!((vec.len(), vec.capacity()), (10, 1100));
    }

    #[test]
    fn sizing_helpers_agree() {
        assert_eq!(len_for(1000, 30), 1723);
        assert_eq!(pairs_fitting(1723, 1000), 30);
        assert_eq!(pairs_fitting(1722, 1000), 29);
        assert_eq!(pairs_fitting(1746, 1000), 30);
        assert_eq!(pairs_fitting(999, 1000), 0);
        assert_eq!(len_for(usize::MAX, 2), usize::MAX);
        assert_eq!(len_for(1, usize::MAX), usize::MAX);
        assert_eq!(len_for_any_block(65_536), 13 * 65_536 + 3);
    }
}
