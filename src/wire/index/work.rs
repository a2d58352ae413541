//! Counters of the index's work, for the tests that bound it (test builds only): each
//! test thread counts its own.

extern crate std;

use core::cell::Cell;

use super::Work;

std::thread_local! {
    static PROBES: Cell<u64> = const { Cell::new(0) };
    static COMPARISONS: Cell<u64> = const { Cell::new(0) };
    static MOVES: Cell<u64> = const { Cell::new(0) };
}

/// Counts one unit of `what`.
pub(crate) fn add(what: Work) {
    let counter = match what {
        Work::Probe => &PROBES,
        Work::Comparison => &COMPARISONS,
        Work::Move => &MOVES,
    };
    counter.with(|c| c.set(c.get() + 1));
}

/// The probes, comparisons and radix moves counted on this thread since the last call
/// (which resets them).
pub(crate) fn take() -> Counts {
    Counts {
        probes: PROBES.with(|c| c.replace(0)),
        comparisons: COMPARISONS.with(|c| c.replace(0)),
        moves: MOVES.with(|c| c.replace(0)),
    }
}

/// What [`take`] counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Table slots looked at.
    pub(crate) probes: u64,
    /// Names compared.
    pub(crate) comparisons: u64,
    /// Entries counted or moved by the radix sort.
    pub(crate) moves: u64,
}
