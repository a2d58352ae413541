//! The header block's storage: a `Vec` that grows with the request, up to a cap, taken
//! from the spare storages of the thread's finished connections and given back to them.

use std::cell::RefCell;

use sioscgi::Storage;

/// The most spare storages a thread keeps.
const SPARES: usize = 64;
/// The largest storage kept as a spare (one grown for a rare large block is freed).
const SPARE_BYTES: usize = 16 * 1024;

thread_local! {
    /// Storages of finished connections, for the next ones: neither allocated nor zeroed
    /// again.
    static SPARE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// Grows to what each header block and its index need (most need 1 to 2 KiB), never past
/// `max` bytes: [`Config::max_pairs`](crate::Config::max_pairs) with the block limit.
///
/// Its bytes past a block are the room the reader indexes the block in, so that a block
/// is scanned once: a storage starts with `initial` bytes (or a spare's, which keeps what
/// it grew to), never empty.
pub(crate) struct HeaderStorage {
    bytes: Vec<u8>,
    max: usize,
}

impl HeaderStorage {
    /// A spare storage of this thread's that fits under `max`, else a new one of `initial`
    /// bytes.
    pub(crate) fn new(initial: usize, max: usize) -> Self {
        let spare = SPARE
            .try_with(|spares| spares.try_borrow_mut().ok()?.pop())
            .ok()
            .flatten();
        let bytes = match spare {
            Some(bytes) if bytes.capacity() <= max => bytes,
            _ => vec![0; initial.min(max)],
        };
        HeaderStorage { bytes, max }
    }
}

impl Drop for HeaderStorage {
    /// Gives the storage to the thread's spares (up to [`SPARES`] of at most
    /// [`SPARE_BYTES`]).
    fn drop(&mut self) {
        let bytes = std::mem::take(&mut self.bytes);
        if bytes.is_empty() || bytes.capacity() > SPARE_BYTES {
            return;
        }
        // A thread that is ending (its spares gone) frees it.
        let _ = SPARE.try_with(|spares| {
            if let Ok(mut spares) = spares.try_borrow_mut()
                && spares.len() < SPARES
            {
                spares.push(bytes);
            }
        });
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
    fn finished_connections_storages_serve_the_next_ones() {
        // Run on a thread of its own: its spares are this test's alone.
        std::thread::spawn(|| {
            // A new storage has room past any block up to its size, where the reader
            // indexes the block (in one pass: the core's tests count the scans).
            let first = HeaderStorage::new(4096, 1 << 20);
            assert_eq!(first.block().len(), 4096);
            let place = first.bytes.as_ptr();
            drop(first);
            // The next connection on the thread takes it, as it was.
            let second = HeaderStorage::new(4096, 1 << 20);
            assert_eq!(second.bytes.as_ptr(), place);
            assert_eq!(second.block().len(), 4096);
            drop(second);
            // Not under a cap it exceeds (another server's configuration): freed, and a
            // storage of that cap made.
            let small = HeaderStorage::new(4096, 1024);
            assert_eq!(small.block().len(), 1024);
            assert!(small.bytes.capacity() <= 1024);
            drop(small);
            // One grown past the spares' size is freed, not kept.
            let mut grown = HeaderStorage::new(4096, 1 << 20);
            assert!(grown.prepare(SPARE_BYTES + 1));
            drop(grown);
            let spares = SPARE.with(|spares| {
                let spares = spares.borrow();
                assert!(spares.iter().all(|s| s.capacity() <= SPARE_BYTES));
                spares.len()
            });
            assert_eq!(
                spares, 0,
                "the small one was taken by `grown`, which was freed"
            );
            // At most `SPARES` are kept, however many connections end at once.
            let many: Vec<_> = (0..SPARES + 10)
                .map(|_| HeaderStorage::new(256, 1 << 20))
                .collect();
            drop(many);
            assert_eq!(SPARE.with(|spares| spares.borrow().len()), SPARES);
        })
        .join()
        .unwrap();
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
