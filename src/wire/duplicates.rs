//! The first repeated name of a request the client side is about to send (the caller's
//! own `(name, value)` pairs), without allocating.
//!
//! Names go into an open-addressing hash table of [`STACK_SLOTS`] positions on the stack;
//! a match is confirmed by comparing the names, so hash collisions cost time, never
//! correctness. The table takes `STACK_SLOTS / 2` names per round; each round inserts the
//! next ones and looks up every later name, so `n` names cost `O(n * n / 256)` probes and
//! the first repeat in wire order is what is reported, whatever the number of rounds.
//! (The reader, whose names come from the peer, indexes them in its storage instead: see
//! [`index`](super::index).)

use super::name_hash::hash;

/// Slots of the table on the stack (a power of two).
const STACK_SLOTS: usize = 512;

/// The position of the first pair whose name equals an earlier pair's.
pub(crate) fn first_repeat(pairs: &[(&[u8], &[u8])]) -> Option<usize> {
    let batch = STACK_SLOTS / 2;
    // Positions plus one (`0`: empty).
    let mut slots = [0u32; STACK_SLOTS];
    let mut best: Option<usize> = None;
    let mut round_start = 0;
    // A round's first hit is the first repeat of a name of its batch; the first repeat
    // of all is the first hit of the round holding the name it repeats. Rounds starting
    // after a hit already found cannot find an earlier one.
    while round_start < best.unwrap_or(pairs.len()) {
        slots.fill(0);
        let end = best.unwrap_or(pairs.len());
        for (index, (name, _)) in pairs.iter().enumerate().take(end).skip(round_start) {
            let insert = index < round_start + batch;
            if probe(pairs, &mut slots, name, index, insert) {
                best = Some(index);
                break;
            }
        }
        round_start += batch;
    }
    best
}

/// Looks `name` (at `index`) up; returns `true` if an equal name is in the table, and
/// otherwise inserts it when `insert` is set.
fn probe(
    pairs: &[(&[u8], &[u8])],
    slots: &mut [u32; STACK_SLOTS],
    name: &[u8],
    index: usize,
    insert: bool,
) -> bool {
    let mut slot = hash(name) as usize;
    for _ in 0..STACK_SLOTS {
        slot %= STACK_SLOTS;
        let Some(entry) = slots.get_mut(slot) else {
            return false;
        };
        if *entry == 0 {
            if insert {
                // Pairs beyond 4 Gi could not be in memory as `(&[u8], &[u8])` twice over.
                *entry = u32::try_from(index + 1).unwrap_or(u32::MAX);
            }
            return false;
        }
        if pairs
            .get(*entry as usize - 1)
            .is_some_and(|(n, _)| n == &name)
        {
            return true;
        }
        slot += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{format, vec::Vec};

    /// A naive quadratic reference for the first repeat.
    fn naive(names: &[Vec<u8>]) -> Option<usize> {
        (0..names.len()).find(|&i| names[..i].contains(&names[i]))
    }

    #[test]
    fn repeats_found_across_rounds() {
        let sizes: &[usize] = if cfg!(miri) {
            &[1, 2, 300]
        } else {
            &[1, 2, 255, 256, 257, 511, 512, 513, 1000, 3000]
        };
        for &n in sizes {
            for dup_at in [None, Some(1usize), Some(n / 2), Some(n.saturating_sub(1))] {
                let mut names: Vec<Vec<u8>> =
                    (0..n).map(|i| format!("N{i}").into_bytes()).collect();
                if let Some(k) = dup_at.filter(|&k| k > 0 && k < n) {
                    names[k] = names[k / 3].clone();
                }
                let pairs: Vec<(&[u8], &[u8])> =
                    names.iter().map(|n| (n.as_slice(), &b""[..])).collect();
                assert_eq!(first_repeat(&pairs), naive(&names), "n={n} dup={dup_at:?}");
            }
        }
        // The first repeat repeats a name of the second round; a later one, of the first.
        let mut names: Vec<Vec<u8>> = (0..1000).map(|i| format!("N{i}").into_bytes()).collect();
        names[600] = names[300].clone();
        names[900] = names[10].clone();
        let pairs: Vec<(&[u8], &[u8])> = names.iter().map(|n| (n.as_slice(), &b""[..])).collect();
        assert_eq!(first_repeat(&pairs), Some(600));
    }
}
