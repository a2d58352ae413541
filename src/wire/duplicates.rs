//! Whether the caller's `(name, value)` pairs repeat a name (the client side's check of a
//! request it is about to send), in time linear in the names' bytes whatever they are,
//! without allocating.
//!
//! A gateway forwards the header names of HTTP requests from the internet: names a peer
//! chose, with the source of this crate at hand. So the pairs are grouped by
//! [`keyed`]: keyed by SipHash, sorted, each run
//! of equal keys compared once. Up to [`STACK_NAMES`] names need nothing but 2 KiB of
//! stack (the keys are heap-sorted there, at most `16 n` steps); more need scratch from
//! the caller, [`SCRATCH_PER_NAME`] bytes a name (the keys are bucket-sorted there).

use super::index::{Work, count_work};
use super::keyed::{self, HEAP_AT_MOST, Layout};
use super::sip;

/// The most names checked with the stack alone.
pub(crate) const STACK_NAMES: usize = HEAP_AT_MOST;

/// Bytes of caller's scratch a name takes (an entry and the sort's other half).
pub(crate) const SCRATCH_PER_NAME: usize = 16;

/// The names of the caller's pairs.
struct Names<'p, 'a>(&'p [(&'a [u8], &'a [u8])]);

impl<'a> keyed::Names<'a> for Names<'_, 'a> {
    fn name(&self, position: usize) -> &'a [u8] {
        self.0.get(position).map_or(&[], |(name, _)| *name)
    }
    fn second_hash(&self, position: usize) -> u64 {
        keyed::weakened(sip::hash(sip::KEY_SECOND, self.name(position)))
    }
}

/// Whether two of `pairs` have the same name, with `scratch` ([`SCRATCH_PER_NAME`] bytes
/// a pair) or, for at most [`STACK_NAMES`] pairs, without (`None`); `Err` with the
/// scratch needed if that is not enough.
pub(crate) fn has_repeat(
    pairs: &[(&[u8], &[u8])],
    scratch: Option<&mut [u8]>,
) -> Result<bool, usize> {
    let n = pairs.len();
    let needed = n.saturating_mul(SCRATCH_PER_NAME);
    match scratch {
        Some(scratch) => {
            let (entries, rest) = scratch
                .get_mut(..needed)
                .ok_or(needed)?
                .as_chunks_mut::<8>()
                .0
                .split_at_mut(n);
            Ok(check(pairs, entries, Some(rest)))
        }
        None if n <= STACK_NAMES => {
            let mut entries = [[0u8; 8]; STACK_NAMES];
            Ok(check(pairs, entries.get_mut(..n).unwrap_or_default(), None))
        }
        None => Err(needed),
    }
}

/// [`has_repeat`] with `entries` (one per pair) and the sort's scratch, if any.
fn check(
    pairs: &[(&[u8], &[u8])],
    entries: &mut [[u8; 8]],
    scratch: Option<&mut [[u8; 8]]>,
) -> bool {
    let layout = Layout::new(pairs.len());
    for (i, ((name, _), entry)) in pairs.iter().zip(entries.iter_mut()).enumerate() {
        count_work(Work::Hash);
        let hash = keyed::weakened(sip::hash(sip::KEY_FIRST, name));
        *entry = layout.entry(hash, i).to_le_bytes();
    }
    match scratch {
        Some(scratch) => keyed::group(entries, scratch, layout, &Names(pairs), true),
        None => keyed::group_on_stack(entries, layout, &Names(pairs)),
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::wire::index::work;
    use std::{format, vec, vec::Vec};

    /// A naive quadratic reference.
    fn naive(names: &[Vec<u8>]) -> bool {
        (0..names.len()).any(|i| names[..i].contains(&names[i]))
    }

    fn pairs(names: &[Vec<u8>]) -> Vec<(&[u8], &[u8])> {
        names.iter().map(|n| (n.as_slice(), &b""[..])).collect()
    }

    #[test]
    fn repeats_found_with_and_without_scratch() {
        let sizes: &[usize] = if cfg!(miri) {
            &[0, 1, 2, 40]
        } else {
            &[0, 1, 2, 31, 32, 33, 255, 256, 257, 1000, 3000]
        };
        for &n in sizes {
            for dup_at in [None, Some(1usize), Some(n / 2), Some(n.saturating_sub(1))] {
                let mut names: Vec<Vec<u8>> =
                    (0..n).map(|i| format!("N{i}").into_bytes()).collect();
                if let Some(k) = dup_at.filter(|&k| k > 0 && k < n) {
                    names[k] = names[k / 3].clone();
                }
                let want = naive(&names);
                let pairs = pairs(&names);
                let mut scratch = vec![0u8; n * SCRATCH_PER_NAME];
                assert_eq!(has_repeat(&pairs, Some(&mut scratch)), Ok(want), "n={n}");
                let stack = has_repeat(&pairs, None);
                if n <= STACK_NAMES {
                    assert_eq!(stack, Ok(want), "n={n} {dup_at:?}");
                } else {
                    assert_eq!(stack, Err(n * SCRATCH_PER_NAME));
                }
                let mut short = vec![0u8; (n * SCRATCH_PER_NAME).saturating_sub(1)];
                if n > 0 {
                    assert_eq!(
                        has_repeat(&pairs, Some(&mut short)),
                        Err(n * SCRATCH_PER_NAME)
                    );
                }
            }
        }
    }

    /// The work is linear: every name hashed once, at most 16 moves a name for the sort
    /// (the bucket sort or the stack's heapsort), one comparison a name, whatever the names (the
    /// same name repeated, or distinct names sharing long prefixes).
    #[test]
    fn the_work_is_linear_in_the_names() {
        let n = if cfg!(miri) { 300 } else { 10_000 };
        let families: [(&str, Vec<Vec<u8>>); 3] = [
            (
                "distinct",
                (0..n).map(|i| format!("H{i}").into_bytes()).collect(),
            ),
            (
                "shared prefix",
                (0..n)
                    .map(|i| format!("{}{i}", "X".repeat(200)).into_bytes())
                    .collect(),
            ),
            ("one name", vec![b"HTTP_COOKIE".to_vec(); n]),
        ];
        for (family, names) in families {
            let bytes: u64 = names.iter().map(|n| n.len() as u64).sum();
            for len in [STACK_NAMES, n] {
                let pairs = pairs(&names[..len]);
                let mut scratch = vec![0u8; len * SCRATCH_PER_NAME];
                work::take();
                let with = has_repeat(&pairs, (len > STACK_NAMES).then_some(&mut scratch[..]));
                let counted = work::take();
                assert_eq!(with, Ok(family == "one name"));
                let len = len as u64;
                assert!(counted.hashes <= len, "{family}: {counted:?}");
                assert!(counted.moves <= 16 * len, "{family} {len}: {counted:?}");
                assert!(counted.comparisons <= len, "{family}: {counted:?}");
                assert!(counted.bytes <= bytes, "{family}: {counted:?}");
            }
        }
    }
}
