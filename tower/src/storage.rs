//! The header block's storage: a `Vec` that grows with the request, up to a cap.

use sioscgi::Storage;

/// Grows to what each header block and its index need (most need 1 to 2 KiB), never past
/// `max` bytes: [`Config::max_pairs`](crate::Config::max_pairs) with the block limit.
pub(crate) struct HeaderStorage {
    bytes: Vec<u8>,
    max: usize,
}

impl HeaderStorage {
    /// Storage of `initial` bytes up front (one allocation serves a typical request).
    pub(crate) fn new(initial: usize, max: usize) -> Self {
        HeaderStorage {
            bytes: Vec::with_capacity(initial.min(max)),
            max,
        }
    }
}

impl Storage for HeaderStorage {
    fn max_len(&self) -> usize {
        self.max
    }
    fn prepare(&mut self, len: usize) -> bool {
        len <= self.max && self.bytes.prepare(len)
    }
    fn prepare_exact(&mut self, len: usize) -> bool {
        len <= self.max && self.bytes.prepare_exact(len)
    }
    fn block(&self) -> &[u8] {
        &self.bytes
    }
    fn block_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sioscgi::{Config, Error, Reader, storage};

    #[test]
    fn the_cap_turns_a_block_with_too_many_pairs_away() {
        let block_limit = 1024;
        let config = Config::new().max_block_len(block_limit);
        // Room for the block and 8 pairs of index.
        let max = storage::len_for(block_limit, 8);
        let request = |pairs: usize| {
            let mut block = b"CONTENT_LENGTH\x000\x00SCGI\x001\x00".to_vec();
            for i in 2..pairs {
                block.extend_from_slice(format!("N{i}\0v\0").as_bytes());
            }
            let mut out = format!("{}:", block.len()).into_bytes();
            out.extend_from_slice(&block);
            out.push(b',');
            out
        };
        // Accepted exactly while the block's index fits beside it, and refused as
        // `TooManyHeaders` past that: both happen in this range.
        let mut outcomes = [false; 2];
        for pairs in 30..50 {
            let bytes = request(pairs);
            let colon = bytes.iter().position(|&b| b == b':').unwrap();
            let block_len = bytes.len() - colon - 2; // the prefix and the comma
            let fits = pairs <= storage::pairs_fitting(max, block_len);
            let mut reader = Reader::with_config(HeaderStorage::new(64, max), config);
            match reader.read(&bytes) {
                Ok(_) => assert!(fits, "{pairs} pairs"),
                Err(e) => {
                    assert!(!fits, "{pairs} pairs");
                    assert_eq!(e, Error::TooManyHeaders);
                }
            }
            outcomes[usize::from(fits)] = true;
        }
        assert_eq!(outcomes, [true, true]);
        let mut storage = HeaderStorage::new(64, max);
        assert!(!storage.prepare(max + 1));
        assert!(storage.prepare(max));
        assert_eq!(storage.block().len(), max);
    }

    #[test]
    fn the_allocation_stays_within_the_cap() {
        // A block of long values: its index is small beside it, and a `Vec` grown
        // amortized for it would allocate twice the block, past the cap.
        let block_limit = 4096;
        let max = storage::len_for(block_limit, 8);
        let mut block = b"CONTENT_LENGTH\x000\x00SCGI\x001\x00X\x00".to_vec();
        block.resize(block_limit - 1, b'v');
        block.push(0);
        let mut request = format!("{}:", block.len()).into_bytes();
        request.extend_from_slice(&block);
        request.push(b',');
        let config = Config::new().max_block_len(block_limit);
        let mut reader = Reader::with_config(HeaderStorage::new(64, max), config);
        assert!(matches!(reader.read(&request), Ok((_, Some(_)))));
        let storage = reader.into_storage();
        assert!(
            storage.bytes.capacity() <= max,
            "{} > {max}",
            storage.bytes.capacity()
        );
    }
}
