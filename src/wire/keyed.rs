//! Names grouped in linear time, whatever a peer chose: entries keyed by a
//! [SipHash](super::sip) of each name, sorted by key without comparing names, then each
//! run of equal keys checked once.
//!
//! The client's duplicate check ([`duplicates`](super::duplicates)) is built on it (the
//! reader's sorted index sorts the names by their bytes instead, without a hash:
//! [`sorted`](super::index::sorted)).
//!
//! An *entry* is a `u64` (stored little-endian): the top bits of a name's hash, the *key*,
//! above the position of its pair in the low [`Layout::shift`] bits (at least 16: 48 key
//! bits for blocks of up to 65,536 pairs, fewer for larger ones). Entries written in wire
//! order and sorted by value are sorted by key, and equal keys in wire order.
//!
//! Grouping `n` entries of names of `b` bytes in all costs, for any names:
//!
//! 1. the first hash of every name (by the caller): `O(b)`;
//! 2. the sort: with scratch, `bucket_sort` (stable by key, most significant bits first,
//!    four passes a level, one or two levels for keys a peer has not computed; `n ≤ 32`
//!    by insertion); without (the client's check on the stack), a heapsort of at most 256
//!    entries (`≤ 16 n` steps);
//! 3. each run of equal keys: every name compared with the run's first, `≤ n` comparisons
//!    of at most `b` bytes in all.
//!
//! A run whose names are not all equal (distinct names sharing 48 key bits, which a peer
//! finds at `2^24` SipHash evaluations a pair): two names stay as they are; otherwise its
//! first [`FEW`] names are grouped one by one, the rest by a second SipHash key and the
//! same steps; names sharing both keys (`2^48` evaluations a pair) are grouped name by
//! name (`r · m` comparisons for `r` entries of `m` distinct names). With scratch, runs of
//! several names are linked name to name in it ([`LINKED`]).

use super::index::{Work, count_bytes, count_work};

/// Runs of at most this many entries are sorted by insertion (no bucket passes).
pub(crate) const SMALL: usize = 32;

/// Entries sorted by a heapsort when no scratch is given, at most (the client's stack).
pub(crate) const HEAP_AT_MOST: usize = 256;

/// `hash` as entries are keyed by it: whole, but in fuzzing builds and in the tests that
/// ask for it (`work::weaken_keys` in the index's test counters), where only its top
/// few bits are kept, so that distinct names share first and second keys and every path
/// of the grouping is taken (as a peer with unbounded computing power would make it).
#[inline(always)]
pub(crate) fn weakened(hash: u64) -> u64 {
    #[cfg(test)]
    let bits = super::index::work::key_bits();
    #[cfg(not(test))]
    let bits = if cfg!(fuzzing) { 3 } else { 64 };
    match bits {
        0 => 0,
        1..64 => hash & !(u64::MAX >> bits),
        _ => hash,
    }
}

/// Where an entry's key ends and its position begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Bits of the position (at least 16).
    pub(crate) shift: u32,
}

impl Layout {
    /// The layout of entries for `pairs` pairs.
    #[inline]
    pub(crate) const fn new(pairs: usize) -> Self {
        let bits = usize::BITS - pairs.leading_zeros();
        Layout {
            shift: if bits < 16 { 16 } else { bits },
        }
    }

    /// The entry of the pair at `position` whose name hashes to `hash`.
    #[inline]
    pub(crate) const fn entry(self, hash: u64, position: usize) -> u64 {
        ((hash >> self.shift) << self.shift) | position as u64
    }

    /// The key bits of an entry (the position cleared).
    #[inline]
    pub(crate) const fn key(self, entry: u64) -> u64 {
        (entry >> self.shift) << self.shift
    }

    /// The position of an entry.
    #[inline]
    pub(crate) const fn position(self, entry: u64) -> usize {
        (entry & ((1u64 << self.shift) - 1)) as usize
    }
}

/// Entry `i` of `entries` as a number (`0` past the end).
#[inline(always)]
pub(crate) fn get(entries: &[[u8; 8]], i: usize) -> u64 {
    entries.get(i).map_or(0, |e| u64::from_le_bytes(*e))
}

/// Sets entry `i` of `entries`.
#[inline(always)]
fn set(entries: &mut [[u8; 8]], i: usize, value: u64) {
    if let Some(e) = entries.get_mut(i) {
        *e = value.to_le_bytes();
    }
}

/// The names at the entries' positions, and their second hashes (the first ones key the
/// entries given to [`group`]).
pub(crate) trait Names<'a> {
    /// The name at `position`.
    fn name(&self, position: usize) -> &'a [u8];
    /// The SipHash of the name at `position` with the second key
    /// ([`sip::KEY_SECOND`](super::sip::KEY_SECOND)), as [`weakened`].
    fn second_hash(&self, position: usize) -> u64;
}

/// Whether names `a` and `b` are equal (counted).
#[inline]
fn same<'a>(names: &impl Names<'a>, layout: Layout, a: u64, b: u64) -> bool {
    count_work(Work::Comparison);
    let (a, b) = (
        names.name(layout.position(a)),
        names.name(layout.position(b)),
    );
    count_bytes(if a.len() == b.len() { a.len() } else { 0 });
    super::index::same_bytes(a, b)
}

/// Sorts `entries` by value with `scratch` (as long): [`bucket_sort`], or by insertion
/// if the scratch is too short (never).
fn sort_with(entries: &mut [[u8; 8]], scratch: &mut [[u8; 8]], layout: Layout) {
    let n = entries.len();
    match scratch.get_mut(..n) {
        Some(scratch) => bucket_sort(entries, scratch, layout),
        None => insertion(entries),
    }
}

/// Sorts `entries` by value without scratch: by insertion (`n ≤ SMALL`) or a heapsort.
fn sort_without(entries: &mut [[u8; 8]]) {
    if entries.len() <= SMALL {
        insertion(entries);
    } else {
        heapsort_values(entries);
    }
}

/// Insertion sort by value.
fn insertion(entries: &mut [[u8; 8]]) {
    for i in 1..entries.len() {
        count_work(Work::Move);
        let value = get(entries, i);
        let mut j = i;
        while j > 0 && get(entries, j - 1) > value {
            count_work(Work::Move);
            set(entries, j, get(entries, j - 1));
            j -= 1;
        }
        set(entries, j, value);
    }
}

/// A heapsort by value, in place, without recursion (the client's stack, at most
/// [`HEAP_AT_MOST`] entries).
fn heapsort_values(entries: &mut [[u8; 8]]) {
    let len = entries.len();
    for node in (0..len / 2).rev() {
        sift_down(entries, node, len);
    }
    for end in (1..len).rev() {
        entries.swap(0, end);
        sift_down(entries, 0, end);
    }
}

/// Buckets of the first level of [`bucket_sort`] at most: 2,048 on 64-bit targets (8 KiB of
/// stack), 16 on 32-bit ones (64 bytes).
const TOP_BUCKETS: usize = if usize::BITS >= 64 { 2048 } else { 16 };

/// Buckets of each further level at most: 256 on 64-bit targets (1 KiB of stack a level),
/// 16 on 32-bit ones.
const LEVEL_BUCKETS: usize = if usize::BITS >= 64 { 256 } else { 16 };

/// Sorts `entries` by value (key, then position) with `scratch` (as long), stably by key
/// (the entries come in wire order, so equal keys keep it), most significant bits first:
/// `n ≤ SMALL` entries by insertion; more, by the key bits below those they all share
/// (one pass finds them; none differing: done), as many as make about four entries a
/// bucket ([`TOP_BUCKETS`] at most, then [`LEVEL_BUCKETS`]), counted, the entries moved to
/// the scratch by those bits and back, then each bucket sorted the same way by the bits
/// below. A level costs four passes over its entries and takes at least 4 more of the 48
/// key bits, so an entry goes through at most 12 levels; for more than 32 names to share
/// a bucket at level `L`, the peer must give them about `8 (L - 1)` equal top bits, and
/// random keys take one level (up to 8,192 names) or two.
fn bucket_sort(entries: &mut [[u8; 8]], scratch: &mut [[u8; 8]], layout: Layout) {
    sort_level::<TOP_BUCKETS>(entries, scratch, layout);
}

/// One level of [`bucket_sort`], with at most `BUCKETS` buckets (a power of two).
fn sort_level<const BUCKETS: usize>(
    entries: &mut [[u8; 8]],
    scratch: &mut [[u8; 8]],
    layout: Layout,
) {
    let n = entries.len();
    if n <= SMALL {
        insertion(entries);
        return;
    }
    let first = layout.key(get(entries, 0));
    let differ = entries.iter().fold(0, |differ, entry| {
        count_work(Work::Move);
        differ | (layout.key(u64::from_le_bytes(*entry)) ^ first)
    });
    if differ == 0 {
        // One key: the entries are in wire order already.
        return;
    }
    // Key bits `top` and above are the same in every entry.
    let top = u64::BITS - differ.leading_zeros();
    // About four entries a bucket: the counts cost no more than the entries.
    let bits = BUCKETS.ilog2().min(top).min(n.ilog2() - 1);
    let shift = top - bits;
    let digit =
        |entry: &[u8; 8]| (u64::from_le_bytes(*entry) >> shift) as usize & ((1 << bits) - 1);
    let mut all_ends = [0u32; BUCKETS];
    let ends = all_ends.get_mut(..1 << bits).unwrap_or_default();
    for entry in entries.iter() {
        count_work(Work::Move);
        if let Some(count) = ends.get_mut(digit(entry)) {
            *count += 1;
        }
    }
    // Each bucket's start, which becomes its end as the entries are moved.
    let mut sum = 0;
    for end in ends.iter_mut() {
        let count = *end;
        *end = sum;
        sum += count;
    }
    for entry in entries.iter() {
        count_work(Work::Move);
        let Some(end) = ends.get_mut(digit(entry)) else {
            continue;
        };
        if let Some(slot) = scratch.get_mut(*end as usize) {
            *slot = *entry;
        }
        *end += 1;
    }
    for (dst, src) in entries.iter_mut().zip(scratch.iter()) {
        count_work(Work::Move);
        *dst = *src;
    }
    let mut start = 0;
    for &end in ends.iter() {
        let end = end as usize;
        if end > start + 1
            && let (Some(bucket), Some(scratch)) =
                (entries.get_mut(start..end), scratch.get_mut(start..end))
        {
            sort_level::<LEVEL_BUCKETS>(bucket, scratch, layout);
        }
        start = end;
    }
}

/// Moves the entry at `node` down the heap of the first `end` entries until neither of
/// its children is greater.
fn sift_down(entries: &mut [[u8; 8]], mut node: usize, end: usize) {
    loop {
        let mut child = 2 * node + 1;
        if child >= end {
            return;
        }
        count_work(Work::Move);
        if child + 1 < end && get(entries, child + 1) > get(entries, child) {
            child += 1;
        }
        if get(entries, child) <= get(entries, node) {
            return;
        }
        entries.swap(node, child);
        node = child;
    }
}

/// Where the run of entries with the key of entry `start` ends.
#[inline]
fn run_end(entries: &[[u8; 8]], start: usize, layout: Layout) -> usize {
    let first = layout.key(get(entries, start));
    let mut end = start + 1;
    while end < entries.len() && layout.key(get(entries, end)) == first {
        end += 1;
    }
    end
}

/// Whether every name of the run equals its first.
fn uniform<'a>(run: &[[u8; 8]], names: &impl Names<'a>, layout: Layout) -> bool {
    let first = names.name(layout.position(get(run, 0)));
    run.iter().skip(1).all(|entry| {
        count_work(Work::Comparison);
        let name = names.name(layout.position(u64::from_le_bytes(*entry)));
        count_bytes(if name.len() == first.len() {
            name.len()
        } else {
            0
        });
        super::index::same_bytes(first, name)
    })
}

/// Sorts the `entries` (keyed by the first hash of their names: see [`Layout::entry`])
/// and groups them so that the entries of a name are neighbours in wire order; says
/// whether two names are equal (with `stop_at_repeat`, as soon as it finds two: the
/// entries are then not all grouped). `scratch` (as long) is the sort's other half; it
/// ends zeroed, but for each run of equal keys whose names are not all equal, where the
/// slot of each name's first entry links to the next name's ([`LINKED`]).
pub(crate) fn group<'a>(
    entries: &mut [[u8; 8]],
    scratch: &mut [[u8; 8]],
    layout: Layout,
    names: &impl Names<'a>,
    stop_at_repeat: bool,
) -> bool {
    level::<true>(false, entries, Some(scratch), layout, names, stop_at_repeat)
}

/// [`group`] without scratch, for at most [`HEAP_AT_MOST`] entries (the client's stack):
/// the keys are heap-sorted, and it stops at the first repeat.
pub(crate) fn group_on_stack<'a>(
    entries: &mut [[u8; 8]],
    layout: Layout,
    names: &impl Names<'a>,
) -> bool {
    level::<false>(false, entries, None, layout, names, true)
}

/// One level of [`group`]: the first keys (`second_key` false: the caller keyed the
/// entries), or the second keys of a run whose first keys are equal and whose names are
/// not (`second_key` true: keyed here; `buffer` then the run's first entries, free to
/// overwrite). `SCRATCH`: whether `buffer` is given.
fn level<'a, const SCRATCH: bool>(
    second_key: bool,
    entries: &mut [[u8; 8]],
    mut buffer: Option<&mut [[u8; 8]]>,
    layout: Layout,
    names: &impl Names<'a>,
    stop_at_repeat: bool,
) -> bool {
    if second_key {
        for entry in entries.iter_mut() {
            count_work(Work::Hash);
            let position = layout.position(u64::from_le_bytes(*entry));
            let hash = names.second_hash(position);
            *entry = layout.entry(hash, position).to_le_bytes();
        }
    }
    match buffer.as_deref_mut() {
        Some(scratch) if SCRATCH => sort_with(entries, scratch, layout),
        // Never: with `SCRATCH`, a buffer is always given.
        _ if SCRATCH => insertion(entries),
        _ => sort_without(entries),
    }
    if !second_key && let Some(scratch) = buffer.as_deref_mut() {
        scratch.fill([0; 8]);
    }
    let mut repeat = false;
    let mut start = 0;
    while start < entries.len() {
        let end = run_end(entries, start, layout);
        if end - start > 1 {
            let run = entries.get_mut(start..end).unwrap_or_default();
            let other = buffer
                .as_deref_mut()
                .filter(|_| SCRATCH)
                .and_then(|b| b.get_mut(start..end));
            repeat |= uniform(run, names, layout)
                || match (second_key, other) {
                    (true, other) => group_name_by_name(run, other, layout, names),
                    (false, None) => {
                        level::<SCRATCH>(true, run, None, layout, names, stop_at_repeat)
                    }
                    (false, Some(links)) if run.len() == 2 => {
                        // Two names (a pair a peer found): grouped already, each in its
                        // own slot; the first links to the second.
                        set(links, 0, LINKED | (start + 1) as u64);
                        set(links, 1, LINKED);
                        false
                    }
                    (false, Some(links)) => {
                        let repeat = group_mixed(run, links, layout, names, stop_at_repeat);
                        link_groups(run, links, start, layout, names);
                        repeat
                    }
                };
            if repeat && stop_at_repeat {
                return true;
            }
        }
        start = end;
    }
    repeat
}

/// Groups `run` name by name: `r · m` comparisons for `m` distinct names. With `buffer`
/// (as long), stably: each name's entries in wire order, the names in the order of their
/// first entries. Without (the client's check, which only asks whether a name repeats),
/// by swaps. Says whether a name has two entries.
fn group_name_by_name<'a>(
    run: &mut [[u8; 8]],
    buffer: Option<&mut [[u8; 8]]>,
    layout: Layout,
    names: &impl Names<'a>,
) -> bool {
    group_names(run, buffer, layout, names, usize::MAX).0
}

/// [`group_name_by_name`] for the first `heads` names at most: says whether a name has two
/// entries, and how many entries are grouped (the rest follow, in their order).
fn group_names<'a>(
    run: &mut [[u8; 8]],
    mut buffer: Option<&mut [[u8; 8]]>,
    layout: Layout,
    names: &impl Names<'a>,
    heads: usize,
) -> (bool, usize) {
    let len = run.len();
    let mut repeat = false;
    let mut done = 0;
    let mut grouped = 0;
    while done < len && grouped < heads {
        grouped += 1;
        let head = get(run, done);
        let mut equal = done + 1;
        let mut others = 0;
        for i in done + 1..len {
            let entry = get(run, i);
            if same(names, layout, head, entry) {
                match buffer {
                    Some(_) => set(run, equal, entry),
                    None => run.swap(equal, i),
                }
                equal += 1;
            } else if let Some(buffer) = buffer.as_deref_mut() {
                set(buffer, others, entry);
                others += 1;
            }
        }
        if let Some(buffer) = buffer.as_deref() {
            for i in 0..others {
                set(run, equal + i, get(buffer, i));
            }
        }
        repeat |= equal - done > 1;
        done = equal;
    }
    (repeat, done)
}

/// Names grouped one by one in a run of equal first keys before the rest is grouped by
/// second keys: pairs of names sharing 48 bits cost a peer `2^24` SipHash evaluations,
/// four names `2^37`; grouping them directly costs at most `FEW` comparisons an entry.
pub(crate) const FEW: usize = 4;

/// Groups a run of entries whose first keys are equal and whose names are not (with
/// `buffer` as long as scratch): its first [`FEW`] names one by one, the
/// rest by their second keys; each name's entries end neighbours in wire order. Says
/// whether a name has two entries.
fn group_mixed<'a>(
    run: &mut [[u8; 8]],
    buffer: &mut [[u8; 8]],
    layout: Layout,
    names: &impl Names<'a>,
    stop_at_repeat: bool,
) -> bool {
    let first_key = layout.key(get(run, 0));
    let (mut repeat, done) = group_names(run, Some(&mut *buffer), layout, names, FEW);
    if repeat && stop_at_repeat {
        return true;
    }
    if let (Some(rest), Some(seconds)) = (run.get_mut(done..), buffer.get_mut(done..))
        && !rest.is_empty()
    {
        // The rest's second entries go to the scratch (from their positions), sorted with
        // the rest as their scratch; then the rest gets its first entries back, in their
        // order.
        seconds.copy_from_slice(rest);
        repeat |= level::<true>(true, seconds, Some(rest), layout, names, stop_at_repeat);
        for (dst, src) in rest.iter_mut().zip(seconds.iter()) {
            let position = layout.position(u64::from_le_bytes(*src));
            *dst = (first_key | position as u64).to_le_bytes();
        }
    }
    repeat
}

/// The flag of a group's link (see [`link_groups`]).
pub(crate) const LINKED: u64 = 1 << 31;

/// After [`group_mixed`]: in `links` (as long as the grouped `run`), the slot of each
/// name's first entry holds [`LINKED`] and where the next name's entries start (`0` after
/// the last), as an index into the whole entries, the run starting at `start`; the others
/// hold zero. Lookups follow the links: one comparison per name of the run.
fn link_groups<'a>(
    run: &[[u8; 8]],
    links: &mut [[u8; 8]],
    start: usize,
    layout: Layout,
    names: &impl Names<'a>,
) {
    links.fill([0; 8]);
    let mut head = 0;
    for i in 1..run.len() {
        if !same(names, layout, get(run, i - 1), get(run, i)) {
            set(links, head, LINKED | (start + i) as u64);
            head = i;
        }
    }
    set(links, head, LINKED);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{vec, vec::Vec};

    /// Names with chosen hashes (deliberately weak ones: constants).
    struct Strings<'a> {
        names: &'a [Vec<u8>],
        first: fn(&[u8]) -> u64,
        second: fn(&[u8]) -> u64,
    }

    impl<'a> Names<'a> for Strings<'a> {
        fn name(&self, position: usize) -> &'a [u8] {
            &self.names[position]
        }
        fn second_hash(&self, position: usize) -> u64 {
            (self.second)(&self.names[position])
        }
    }

    fn strong(name: &[u8]) -> u64 {
        super::super::sip::hash(super::super::sip::KEY_SECOND, name)
    }

    fn positions(entries: &[[u8; 8]], layout: Layout) -> Vec<usize> {
        entries
            .iter()
            .map(|e| layout.position(u64::from_le_bytes(*e)))
            .collect()
    }

    /// The entries of `strings`, keyed by their first hash, in wire order.
    fn keyed(strings: &Strings<'_>, layout: Layout) -> Vec<[u8; 8]> {
        (0..strings.names.len())
            .map(|i| {
                layout
                    .entry((strings.first)(&strings.names[i]), i)
                    .to_le_bytes()
            })
            .collect()
    }

    #[test]
    fn every_sort_sorts_by_value() {
        for n in [0usize, 1, 2, 31, 32, 33, 100, 256, 1000] {
            let values: Vec<u64> = (0..n as u64)
                .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16 << 16) | i)
                .collect();
            let mut want = values.clone();
            want.sort();
            let layout = Layout::new(n);
            let as_entries = |v: &[u64]| v.iter().map(|x| x.to_le_bytes()).collect::<Vec<_>>();
            let mut with_scratch = as_entries(&values);
            let mut scratch = vec![[0u8; 8]; n];
            sort_with(&mut with_scratch, &mut scratch, layout);
            assert_eq!(with_scratch, as_entries(&want), "with scratch, n = {n}");
            let mut without = as_entries(&values);
            sort_without(&mut without);
            assert_eq!(without, as_entries(&want), "without scratch, n = {n}");
        }
    }

    /// Checks that `entries` group each name's positions as neighbours, in wire order.
    fn assert_grouped(entries: &[[u8; 8]], layout: Layout, names: &[Vec<u8>]) {
        let order = positions(entries, layout);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            (0..names.len()).collect::<Vec<_>>(),
            "a permutation"
        );
        let mut seen: Vec<&[u8]> = vec![];
        for (i, &p) in order.iter().enumerate() {
            if i > 0 && names[order[i - 1]] == names[p] {
                assert!(order[i - 1] < p, "wire order within a name: {order:?}");
            } else {
                assert!(
                    !seen.contains(&names[p].as_slice()),
                    "one group a name: {order:?}"
                );
                seen.push(&names[p]);
            }
        }
    }

    /// Names whose first keys all collide (a constant first hash), some repeated: grouped
    /// by the second key, each name's entries neighbours in wire order.
    #[test]
    fn colliding_first_keys_are_grouped_by_the_second() {
        let names: Vec<Vec<u8>> = [b"a", b"b", b"a", b"c", b"b", b"a"]
            .iter()
            .map(|n| n.to_vec())
            .collect();
        let strings = Strings {
            names: &names,
            first: |_| 7 << 60,
            second: strong,
        };
        let layout = Layout::new(names.len());
        let mut scratch = vec![[0u8; 8]; names.len()];
        let mut entries = keyed(&strings, layout);
        assert!(group(&mut entries, &mut scratch, layout, &strings, false));
        assert_grouped(&entries, layout, &names);
        // The scratch links each name's first entry to the next name's.
        let mut at = 0;
        let mut heads = vec![];
        loop {
            heads.push(at);
            let link = u64::from_le_bytes(scratch[at]);
            assert_ne!(link & LINKED, 0, "{at}: {scratch:?}");
            at = (link & !LINKED) as usize;
            if at == 0 {
                break;
            }
        }
        assert_eq!(heads.len(), 3);
        let order = positions(&entries, layout);
        for i in 1..order.len() {
            // A name starts exactly where a link points.
            let starts = names[order[i - 1]] != names[order[i]];
            assert_eq!(starts, heads.contains(&i), "{i}: {order:?} {heads:?}");
            if !starts {
                assert_eq!(u64::from_le_bytes(scratch[i]), 0);
            }
        }
        // Without scratch, the repeat is found too.
        let mut entries = keyed(&strings, layout);
        assert!(group_on_stack(&mut entries, layout, &strings));
    }

    /// Names colliding in both keys (both hashes constant) are grouped name by name.
    #[test]
    fn colliding_second_keys_are_grouped_name_by_name() {
        let names: Vec<Vec<u8>> = (0..40).map(|i| vec![b'a' + (i % 3) as u8; 2]).collect();
        let strings = Strings {
            names: &names,
            first: |_| 3 << 60,
            second: |_| 5 << 58,
        };
        let layout = Layout::new(names.len());
        let mut scratch = vec![[0u8; 8]; names.len()];
        let mut entries = keyed(&strings, layout);
        assert!(group(&mut entries, &mut scratch, layout, &strings, false));
        let want: Vec<usize> = (0..3).flat_map(|r| (r..40).step_by(3)).collect();
        assert_eq!(positions(&entries, layout), want);
        let mut entries = keyed(&strings, layout);
        assert!(group_on_stack(&mut entries, layout, &strings));
        // Distinct names only: no repeat, with or without scratch.
        let distinct: Vec<Vec<u8>> = (0..40).map(|i| vec![b'a' + i as u8; 3]).collect();
        let strings = Strings {
            names: &distinct,
            ..strings
        };
        let mut entries = keyed(&strings, layout);
        assert!(!group(&mut entries, &mut scratch, layout, &strings, false));
        assert_grouped(&entries, layout, &distinct);
        let mut entries = keyed(&strings, layout);
        assert!(!group_on_stack(&mut entries, layout, &strings));
    }
}
