//! A key no peer can know, and the names' hash under it: what the index's table is rebuilt
//! with when a peer's names defeat its public hash (64-bit targets, with `std`).
//!
//! The table's own hash ([`name_hash`](super::name_hash)) is public and can be inverted:
//! a peer who has read the source sends names that crowd its windows, and the table gives
//! up. Rebuilt under a hash with a secret key ([`linked`](super::index::linked)), the same
//! names are as good as random ones: a peer cannot aim at a window it cannot compute, so
//! the table keeps them, and the block costs about what an ordinary one does, its lookups
//! a few probes.
//!
//! The hash is [PolymurHash](https://github.com/orlp/polymur-hash) (the `polymur-hash`
//! crate): a polynomial over the field of `2^61 - 1` elements, evaluated at the key. Its
//! author proves it almost universal: for a key drawn at random, two distinct names of at
//! most `n` bytes have the same hash with probability at most `n · 2^-60.2`, whatever names
//! a peer picks without knowing the key. That is what a table needs, at a fraction of
//! SipHash's cost on short names (one or two multiplications for a header name). The key
//! is drawn once per process from the operating system's randomness, through `std`'s
//! `RandomState` (the key of `std`'s own `HashMap`): so only with the `std` feature (and
//! only as secret as `std`'s keys: on the rare `std` targets without an operating
//! system's randomness, `std` uses fixed ones). Without `std` there is no secret to draw,
//! and the index goes straight on to the sorted lookup.
//!
//! No bound rests on the key: the rebuilt table has the same window and probe budget as
//! the first, and gives up the same way (to the sorted lookup) if the names do not fit.

/// Whether this build has a secret key (the `std` feature).
pub(crate) const AVAILABLE: bool = cfg!(feature = "std");

/// The hasher under the key: drawn once per process (the crate's unit tests use a fixed
/// key, so that what the index builds from their names is the same in every run; the draw
/// is tested apart).
#[cfg(feature = "std")]
fn hasher() -> &'static polymur_hash::PolymurHash {
    static HASHER: std::sync::OnceLock<polymur_hash::PolymurHash> = std::sync::OnceLock::new();
    HASHER.get_or_init(|| {
        polymur_hash::PolymurHash::new(if cfg!(test) {
            0x7465_7374_206b_6579_6e6f_7420_7365_6372
        } else {
            drawn()
        })
    })
}

/// A key drawn from the operating system's randomness: two outputs of `std`'s SipHash
/// under its own random key.
#[cfg(feature = "std")]
fn drawn() -> u128 {
    use core::hash::BuildHasher;
    let random = std::hash::RandomState::new();
    (u128::from(random.hash_one(0u8)) << 64) | u128::from(random.hash_one(1u8))
}

/// The hash of `name` under the secret key (only the top bits of it in the tests that
/// weaken keys, see [`keyed::weakened`](super::keyed::weakened): then every name can share
/// one home and tag). `0` without `std` (never asked: see [`AVAILABLE`]).
#[inline]
pub(crate) fn hash(_name: &[u8]) -> u64 {
    #[cfg(feature = "std")]
    return super::keyed::weakened(hasher().hash(_name));
    #[cfg(not(feature = "std"))]
    0
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn keys_are_drawn_at_random_and_the_hash_depends_on_the_name() {
        let (a, b) = (drawn(), drawn());
        assert_ne!(a, b);
        assert_ne!(a >> 64, a & u128::from(u64::MAX));
        assert_eq!(hash(b"HTTP_HOST"), hash(b"HTTP_HOST"));
        assert_ne!(hash(b"HTTP_HOST"), hash(b"HTTP_HOSU"));
        // Names of every length up to a few words, all distinct hashes.
        let mut hashes: std::vec::Vec<u64> = (0..64)
            .map(|len| {
                hash(&b"HTTP_X_A_LONG_HEADER_NAME_OF_SIXTY_FOUR_BYTES_OR_SO_0123456789ab"[..len])
            })
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), 64);
    }
}
