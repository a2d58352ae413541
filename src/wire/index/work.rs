//! Counters of the index's work, for the tests that bound it (test builds only): each
//! test thread counts its own.

extern crate std;

use core::cell::Cell;

use super::Work;

std::thread_local! {
    static COUNTS: Cell<Counts> = const { Cell::new(Counts::ZERO) };
    static FORCE_SORTED: Cell<bool> = const { Cell::new(false) };
    static MICROCONTROLLER: Cell<bool> = const { Cell::new(false) };
    static KEY_BITS: Cell<u32> = const { Cell::new(64) };
}

/// Makes the sorted lookup and the client's check on this test thread key names by only
/// the top `bits` bits of their hashes (64: all), so that distinct names share keys.
pub(crate) fn weaken_keys(bits: u32) {
    KEY_BITS.with(|b| b.set(bits));
}

/// The bits set by [`weaken_keys`].
pub(crate) fn key_bits() -> u32 {
    KEY_BITS.with(Cell::get)
}

/// Makes validation on this test thread build the sorted lookup from the start, as
/// 32-bit targets do (`true`), or the table first (`false`, the default on 64-bit).
pub(crate) fn force_sorted(on: bool) {
    FORCE_SORTED.with(|f| f.set(on));
}

/// Whether [`force_sorted`] is on for this thread.
pub(crate) fn sorted_forced() -> bool {
    FORCE_SORTED.with(Cell::get)
}

/// Makes the sorted lookup on this test thread sort as microcontrollers do (`true`:
/// every group distributed, no insertion, a byte at a time, four bits a pass), or as
/// this target does (`false`, the default).
pub(crate) fn as_microcontroller(on: bool) {
    MICROCONTROLLER.with(|f| f.set(on));
}

/// Whether [`as_microcontroller`] is on for this thread.
pub(crate) fn microcontroller_forced() -> bool {
    MICROCONTROLLER.with(Cell::get)
}

/// Counts `amount` units of `what`.
pub(crate) fn add(what: Work, amount: u64) {
    COUNTS.with(|counts| {
        let mut c = counts.get();
        let counter = match what {
            Work::Probe => &mut c.probes,
            Work::Comparison => &mut c.comparisons,
            Work::Byte => &mut c.bytes,
            Work::Move => &mut c.moves,
            Work::Hash => &mut c.hashes,
            Work::Step => &mut c.steps,
        };
        *counter += amount;
        counts.set(c);
    });
}

/// The work counted on this thread since the last call (which resets it).
pub(crate) fn take() -> Counts {
    COUNTS.with(|counts| counts.replace(Counts::ZERO))
}

/// What [`take`] counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Table slots looked at.
    pub(crate) probes: u64,
    /// Names compared.
    pub(crate) comparisons: u64,
    /// Bytes of names compared (the shorter name of each comparison).
    pub(crate) bytes: u64,
    /// Entries counted or moved by a sort.
    pub(crate) moves: u64,
    /// Names hashed with SipHash.
    pub(crate) hashes: u64,
    /// Steps of binary searches.
    pub(crate) steps: u64,
}

impl Counts {
    const ZERO: Counts = Counts {
        probes: 0,
        comparisons: 0,
        bytes: 0,
        moves: 0,
        hashes: 0,
        steps: 0,
    };
}
