//! The pairs of a header block as a template compares them: the block and where each
//! pair ends, and which values of a new block with the same names differ (a pass over
//! the bytes and a small step per pair, see [`Shape::compare`]).

/// The most pairs a shape compares (a bit each in [`Changed`]).
pub(crate) const MAX_PAIRS: usize = 128;

/// A bit per pair: set for a value that differs from the shape's.
pub(crate) type Changed = [u64; MAX_PAIRS / 64];

/// Where pair `i` of a block ends: its name (the name's NUL) and the pair (after its
/// value's NUL); the pair starts where pair `i - 1` ends (pair 0 at 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bounds {
    name_end: usize,
    end: usize,
}

/// A block and its pairs' bounds.
pub(crate) struct Shape {
    block: Vec<u8>,
    bounds: Vec<Bounds>,
}

impl Shape {
    /// The shape of `block`, whose `pairs` (`(name, value)`, in order) are slices of it.
    pub(crate) fn new<'a>(
        block: &[u8],
        pairs: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    ) -> Shape {
        let base = block.as_ptr() as usize;
        let bounds = pairs
            .map(|(name, value)| Bounds {
                name_end: (name.as_ptr() as usize).wrapping_sub(base) + name.len(),
                end: (value.as_ptr() as usize).wrapping_sub(base) + value.len() + 1,
            })
            .collect();
        Shape {
            block: block.to_vec(),
            bounds,
        }
    }

    /// Pair `i`'s value: from after its name's NUL to before its own.
    pub(crate) fn value(&self, i: usize) -> Option<&[u8]> {
        let bounds = self.bounds.get(i)?;
        self.block
            .get(bounds.name_end + 1..bounds.end.checked_sub(1)?)
    }

    /// Which values of `block` (of `pairs` pairs, validated) differ from this shape's, if
    /// its names are this shape's in the same order; this shape is then `block`'s. `None`
    /// otherwise: this shape is then half changed, to be made again.
    ///
    /// The blocks are compared as a whole, to one difference at a time: every pair that
    /// lies in the bytes both blocks share from its start on is the same pair (its NULs are
    /// in the same places), so it is passed over with its bounds moved by the difference in
    /// length so far; only a pair with a difference is looked at (its name must be the
    /// template's, and the NUL after its value is found). A request costs a pass over its
    /// bytes and a small step per pair, whatever its values.
    pub(crate) fn compare(&mut self, block: &[u8], pairs: usize) -> Option<Changed> {
        let Shape {
            block: old_block,
            bounds,
        } = self;
        if pairs != bounds.len() {
            return None;
        }
        let mut changed: Changed = [0; MAX_PAIRS / 64];
        // Pair `i` starts at `new_at` in the new block and `old_at` in the template's, and
        // the blocks agree up to `old_at + same` in the template's (`shift` later in the new
        // one's).
        let (mut new_at, mut old_at) = (0usize, 0usize);
        let mut same = common_prefix(block, old_block);
        let mut i = 0;
        loop {
            let agreed = old_at + same;
            let shift = new_at.wrapping_sub(old_at);
            while let Some(pair) = bounds.get_mut(i)
                && pair.end <= agreed
            {
                old_at = pair.end;
                pair.name_end = pair.name_end.wrapping_add(shift);
                pair.end = pair.end.wrapping_add(shift);
                new_at = pair.end;
                i += 1;
            }
            let Some(pair) = bounds.get_mut(i) else {
                break;
            };
            // Pair `i` differs: the same name, then a value up to the next NUL.
            let name_len = pair.name_end.checked_sub(old_at)?;
            let name = old_block.get(old_at..pair.name_end)?;
            let name_end = new_at + name_len;
            if block.get(new_at..name_end)? != name || block.get(name_end) != Some(&0) {
                return None;
            }
            let end = nul_from(block, name_end + 1)? + 1;
            *changed.get_mut(i / 64)? |= 1 << (i % 64);
            old_at = pair.end;
            *pair = Bounds { name_end, end };
            new_at = end;
            i += 1;
            same = common_prefix(block.get(new_at..)?, old_block.get(old_at..)?);
        }
        if new_at != block.len() {
            return None;
        }
        old_block.clear();
        old_block.extend_from_slice(block);
        Some(changed)
    }
}

/// Eight bytes of `bytes` from `at`, as a little-endian word (`None` past the end).
fn word(bytes: &[u8], at: usize) -> Option<u64> {
    let eight = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(<[u8; 8]>::try_from(eight).ok()?))
}

/// The number of bytes `a` and `b` start with in common: 32 bytes a step (compared as
/// arrays) while they agree, then a word at a time to the first difference
/// (the lowest set bit of the words' difference tells the byte).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let len = a.len().min(b.len());
    let (a, b) = (a.get(..len).unwrap_or(&[]), b.get(..len).unwrap_or(&[]));
    let (a_steps, _) = a.as_chunks::<32>();
    let (b_steps, _) = b.as_chunks::<32>();
    let mut same = 0;
    for (x, y) in a_steps.iter().zip(b_steps) {
        // An array comparison: a few vector compares, no call.
        if x != y {
            break;
        }
        same += 32;
    }
    while let (Some(x), Some(y)) = (word(a, same), word(b, same)) {
        if x != y {
            return same + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        same += 8;
    }
    let rest = a
        .get(same..)
        .unwrap_or(&[])
        .iter()
        .zip(b.get(same..).unwrap_or(&[]));
    same + rest.take_while(|(x, y)| x == y).count()
}

/// The offset of the first NUL of `bytes` from `at` on (a word at a time).
fn nul_from(bytes: &[u8], mut at: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(w) = word(bytes, at) {
        // The lowest set bit marks the first zero byte (bits above it may be false).
        let zero = w.wrapping_sub(ONES) & !w & HIGH;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = bytes.get(at..)?;
    rest.iter().position(|&b| b == 0).map(|p| at + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block of `pairs`.
    fn block(pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, value) in pairs {
            out.extend_from_slice(name);
            out.push(0);
            out.extend_from_slice(value);
            out.push(0);
        }
        out
    }

    /// The pairs of `block`, as slices of it.
    fn split(block: &[u8]) -> Vec<(&[u8], &[u8])> {
        let strings: Vec<&[u8]> = block.split(|&b| b == 0).collect();
        strings[..strings.len() - 1]
            .chunks(2)
            .map(|p| (p[0], p[1]))
            .collect()
    }

    fn shape(block: &[u8]) -> Shape {
        Shape::new(block, split(block).into_iter())
    }

    /// A small generator (xorshift), so that the test needs no crate.
    struct Random(u64);

    impl Random {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    #[test]
    fn common_prefixes_at_every_length_and_place() {
        for len in 0..100 {
            let a: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            assert_eq!(common_prefix(&a, &a), len);
            for at in 0..len {
                for bit in [0x01, 0x10, 0x80] {
                    let mut b = a.clone();
                    b[at] ^= bit;
                    assert_eq!(common_prefix(&a, &b), at);
                    assert_eq!(common_prefix(&b[..at], &a), at);
                }
            }
        }
    }

    #[test]
    fn nuls_found_at_every_place() {
        for len in 0..40 {
            for at in 0..len {
                let mut bytes = vec![b'x'; len];
                bytes[at] = 0;
                for from in 0..=at {
                    assert_eq!(nul_from(&bytes, from), Some(at));
                }
                assert_eq!(nul_from(&bytes, at + 1), None);
            }
        }
    }

    /// Every comparison against the plain answer: `Some` exactly when the names are the
    /// same in the same order, with a bit for each value that differs, and the shape then
    /// exactly the new block's.
    #[test]
    fn comparisons_agree_with_comparing_pair_by_pair() {
        let names: [&[u8]; 8] = [
            b"A", b"AB", b"ABC", b"B", b"BA", b"HTTP_X", b"HTTP_XY", b"\xe9",
        ];
        let values: [&[u8]; 10] = [
            b"",
            b"A",
            b"AB\xff",
            &[b'x'; 7],
            &[b'x'; 8],
            &[b'x'; 9],
            &[b'y'; 31],
            &[b'y'; 32],
            &[b'y'; 33],
            b"B\x01A",
        ];
        let mut random = Random(0x9E37_79B9_7F4A_7C15);
        let value = |random: &mut Random| -> Vec<u8> {
            if random.below(10) < 7 {
                values[random.below(values.len())].to_vec()
            } else {
                (0..random.below(70))
                    .map(|_| 1 + random.below(255) as u8)
                    .collect()
            }
        };
        let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut old = block(&pairs);
        let mut current = shape(&old);
        let (mut hits, mut changes) = (0, 0);
        for _ in 0..20_000 {
            match random.below(10) {
                0..6 => {
                    for pair in &mut pairs {
                        if random.below(3) == 0 {
                            pair.1 = value(&mut random);
                        }
                    }
                }
                6..8 if !pairs.is_empty() => {
                    let i = random.below(pairs.len());
                    let name = names[random.below(names.len())].to_vec();
                    if pairs.iter().all(|(n, _)| *n != name) {
                        pairs[i].0 = name;
                    }
                }
                _ => {
                    pairs = (0..random.below(names.len() + 1))
                        .map(|i| (names[i].to_vec(), value(&mut random)))
                        .collect();
                    for _ in 0..random.below(3) {
                        let (a, b) = (random.below(pairs.len() + 1), random.below(pairs.len() + 1));
                        if a < pairs.len() && b < pairs.len() {
                            pairs.swap(a, b);
                        }
                    }
                }
            }
            let new = block(&pairs);
            let before = split(&old);
            let now = split(&new);
            let want = (before.len() == now.len()
                && before.iter().zip(&now).all(|(a, b)| a.0 == b.0))
            .then(|| {
                let mut changed: Changed = [0; MAX_PAIRS / 64];
                for (i, (a, b)) in before.iter().zip(&now).enumerate() {
                    if a.1 != b.1 {
                        changed[i / 64] |= 1 << (i % 64);
                        changes += 1;
                    }
                }
                changed
            });
            let got = current.compare(&new, now.len());
            assert_eq!(got, want, "{before:?} then {now:?}");
            if got.is_some() {
                hits += 1;
                let fresh = shape(&new);
                assert_eq!(current.block, fresh.block);
                assert_eq!(current.bounds, fresh.bounds);
                for (i, (_, v)) in now.iter().enumerate() {
                    assert_eq!(current.value(i), Some(*v));
                }
            } else {
                current = shape(&new);
            }
            old = new;
        }
        assert!(
            hits > 10_000 && changes > 10_000,
            "{hits} hits, {changes} changes"
        );
    }
}
