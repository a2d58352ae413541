//! SipHash-1-3 with fixed, public keys: the key of a name in the client's duplicate check.
//!
//! The keys are public (anyone can compute the hash of any name), so this is not a MAC:
//! what the check needs from it is only that names sharing many bits of their hash be
//! expensive to find. SipHash is a pseudorandom function designed against exactly that:
//! no known way to find `m` names with equal `k`-bit outputs is cheaper than trying names
//! (about `2^(k (m-1) / m)` evaluations, see [`keyed`](super::keyed)), and unlike a
//! multiply with public constants it cannot be inverted.
//!
//! Written here rather than taken from a crate: one call per name with no hasher state
//! to build and finish, and microcontroller builds keep it to one small round function;
//! the tests check it against the reference vectors and against the `siphasher` crate.

use super::name_hash::padded_word;

/// The first key: names' keys in the client's check.
pub(crate) const KEY_FIRST: [u64; 2] = [0x5363_6769_496e_6465, 0x7846_6972_7374_4b31];
/// The second key, independent of the first: the names whose first keys are equal.
pub(crate) const KEY_SECOND: [u64; 2] = [0x5363_6769_496e_6465, 0x7853_6563_6f6e_644b];

/// The state: four words.
struct State([u64; 4]);

impl State {
    #[inline(always)]
    fn new(key: [u64; 2]) -> Self {
        let [k0, k1] = key;
        State([
            k0 ^ 0x736f_6d65_7073_6575,
            k1 ^ 0x646f_7261_6e64_6f6d,
            k0 ^ 0x6c79_6765_6e65_7261,
            k1 ^ 0x7465_6462_7974_6573,
        ])
    }

    /// One SipRound (the reference's ARX network): inlined on 64-bit targets, one
    /// function on 32-bit ones (whose 64-bit arithmetic takes several instructions).
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    #[cfg_attr(not(target_pointer_width = "64"), inline(never))]
    fn round(&mut self) {
        let [v0, v1, v2, v3] = &mut self.0;
        *v0 = v0.wrapping_add(*v1);
        *v1 = v1.rotate_left(13) ^ *v0;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v3);
        *v3 = v3.rotate_left(16) ^ *v2;
        *v0 = v0.wrapping_add(*v3);
        *v3 = v3.rotate_left(21) ^ *v0;
        *v2 = v2.wrapping_add(*v1);
        *v1 = v1.rotate_left(17) ^ *v2;
        *v2 = v2.rotate_left(32);
    }

    /// Absorbs one message word (one compression round: the "1" of SipHash-1-3).
    #[inline(always)]
    fn absorb(&mut self, word: u64) {
        self.0[3] ^= word;
        self.round();
        self.0[0] ^= word;
    }

    /// The three finalization rounds and the output.
    #[inline(always)]
    fn finish(mut self) -> u64 {
        self.0[2] ^= 0xff;
        self.round();
        self.round();
        self.round();
        let [v0, v1, v2, v3] = self.0;
        v0 ^ v1 ^ v2 ^ v3
    }
}

/// The last word of a message of `len` bytes whose last `len % 8` bytes are `tail` (as a
/// zero-padded word).
#[inline(always)]
fn last_word(tail: u64, len: usize) -> u64 {
    tail | ((len as u64) << 56)
}

/// SipHash-1-3 of `message` with `key`.
#[cfg_attr(target_pointer_width = "64", inline)]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
pub(crate) fn hash(key: [u64; 2], message: &[u8]) -> u64 {
    let mut state = State::new(key);
    let (words, tail) = message.as_chunks::<8>();
    for word in words {
        state.absorb(u64::from_le_bytes(*word));
    }
    state.absorb(last_word(padded_word(tail), message.len()));
    state.finish()
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use core::hash::Hasher;
    use std::vec::Vec;

    /// The reference implementation's key: bytes 0 to 15.
    const REFERENCE_KEY: [u64; 2] = [0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908];

    /// The reference test's key and messages (key bytes 0 to 15, message bytes 0 to
    /// `len - 1`), and the check's keys, for every message length up to 255: the same
    /// output as the `siphasher` crate's SipHash-1-3.
    #[test]
    fn agrees_with_the_siphasher_crate_on_every_length() {
        let message: Vec<u8> = (0..=255u8).collect();
        for key in [REFERENCE_KEY, KEY_FIRST, KEY_SECOND] {
            for len in 0..message.len() {
                let mut reference = siphasher::sip::SipHasher13::new_with_keys(key[0], key[1]);
                reference.write(&message[..len]);
                assert_eq!(hash(key, &message[..len]), reference.finish(), "len {len}");
            }
        }
    }

    #[test]
    fn the_two_keys_give_independent_hashes() {
        assert_ne!(KEY_FIRST, KEY_SECOND);
        assert_ne!(
            hash(KEY_FIRST, b"HTTP_HOST"),
            hash(KEY_SECOND, b"HTTP_HOST")
        );
    }
}
