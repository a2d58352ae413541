//! Counters of the index's work, for the tests that bound it (test builds only): each
//! test thread counts its own.

extern crate std;

use core::cell::Cell;

use super::Work;

std::thread_local! {
    static PROBES: Cell<u64> = const { Cell::new(0) };
    static COMPARISONS: Cell<u64> = const { Cell::new(0) };
}

/// Counts one unit of `what`.
pub(crate) fn add(what: Work) {
    let counter = match what {
        Work::Probe => &PROBES,
        Work::Comparison => &COMPARISONS,
    };
    counter.with(|c| c.set(c.get() + 1));
}

/// The probes and comparisons counted on this thread since the last call (which resets
/// them).
pub(crate) fn take() -> (u64, u64) {
    (
        PROBES.with(|c| c.replace(0)),
        COMPARISONS.with(|c| c.replace(0)),
    )
}
