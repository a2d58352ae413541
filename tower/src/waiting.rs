//! The connections still waiting for their header block, oldest first: at the connection
//! bound the oldest gives way to a new connection (once it has waited
//! [`MIN_WAIT_TO_GIVE_WAY`]), and a graceful shutdown closes those that have not sent a
//! byte.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// How long a connection must have waited for its header block before it gives way to a
/// new one at the bound. A web server sends its block as soon as it connects: a
/// connection this old without one is idle or trickling, while a younger one may have
/// its request in the kernel's buffer already, not yet read (its task not yet run).
pub(crate) const MIN_WAIT_TO_GIVE_WAY: Duration = Duration::from_millis(250);

/// Connected, nothing received yet.
const SILENT: u8 = 0;
/// Part of the header block received.
const RECEIVING: u8 = 1;
/// No longer waiting: the header block is complete (the request is being served), or
/// the connection ended without one.
const STARTED: u8 = 2;
/// Told to close: a newer connection took its place, or the server shuts down.
const CLOSED: u8 = 3;

/// A connection's place in the queue, shared by the accept loop and its task.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    state: AtomicU8,
    wake: Notify,
}

impl Slot {
    /// The first bytes came (a shutdown leaves the connection alone from now on).
    pub(crate) fn receiving(&self) {
        let _ = self
            .state
            .compare_exchange(SILENT, RECEIVING, Ordering::AcqRel, Ordering::Acquire);
    }

    /// The header block is complete; `false` if the connection was told to close first.
    pub(crate) fn start(&self) -> bool {
        let mut now = self.state.load(Ordering::Acquire);
        while now == SILENT || now == RECEIVING {
            match self
                .state
                .compare_exchange(now, STARTED, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(actual) => now = actual,
            }
        }
        now == STARTED
    }

    /// Completes when the connection is told to close.
    pub(crate) async fn closed(&self) {
        loop {
            // A `notify_one` before this call left a permit: no wake-up is lost.
            if self.state.load(Ordering::Acquire) == CLOSED {
                return;
            }
            self.wake.notified().await;
        }
    }

    /// Tells the connection to close if it is in one of `states`; whether it was.
    fn close_if(&self, states: &[u8]) -> bool {
        for &state in states {
            if self
                .state
                .compare_exchange(state, CLOSED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                self.wake.notify_one();
                return true;
            }
        }
        false
    }

    fn is_waiting(&self) -> bool {
        matches!(self.state.load(Ordering::Acquire), SILENT | RECEIVING)
    }
}

/// A connection task's hold on its slot: however the task leaves its header phase (the
/// block came, the peer left, a timeout, an error), the slot stops waiting when this is
/// dropped, so the queue never closes a connection that is already gone in place of a
/// live one.
#[derive(Debug)]
pub(crate) struct Waiter(Arc<Slot>);

impl std::ops::Deref for Waiter {
    type Target = Slot;

    fn deref(&self) -> &Slot {
        &self.0
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.0.start();
    }
}

/// What [`Waiting::close_oldest`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum GiveWay {
    /// The connection that has waited longest was told to close.
    Closed,
    /// The oldest has not waited [`MIN_WAIT_TO_GIVE_WAY`] yet: ask again at this time.
    NotBefore(Instant),
    /// No connection waits for its header block.
    Nobody,
}

/// The accept loop's queue of the connections it started, in accept order, pruned of
/// those past their header block. Slots whose connections are gone are reused: in a
/// steady state a connection costs no allocation here.
#[derive(Debug)]
pub(crate) struct Waiting {
    /// Each connection's slot, with when it was accepted.
    queue: VecDeque<(Instant, Arc<Slot>)>,
    free: Vec<Arc<Slot>>,
    /// The connection bound: at most this many connections wait, so the queue is
    /// compacted whenever it holds more than twice this many slots.
    bound: usize,
    /// Slots allocated so far.
    #[cfg(test)]
    made: usize,
}

impl Waiting {
    pub(crate) fn new(bound: usize) -> Self {
        Waiting {
            queue: VecDeque::new(),
            free: Vec::new(),
            bound,
            #[cfg(test)]
            made: 0,
        }
    }

    /// A slot for a connection just accepted, at the back of the queue.
    pub(crate) fn admit(&mut self) -> Waiter {
        self.prune();
        if self.queue.len() > self.most_queued() {
            self.compact();
        }
        let slot = self.free.pop().unwrap_or_else(|| {
            #[cfg(test)]
            {
                self.made += 1;
            }
            Arc::default()
        });
        self.queue.push_back((Instant::now(), Arc::clone(&slot)));
        Waiter(slot)
    }

    /// Tells the connection that has waited longest for its header block to close, if
    /// it has waited at least `min_wait`.
    pub(crate) fn close_oldest(&mut self, min_wait: Duration) -> GiveWay {
        loop {
            self.prune();
            let Some(&(accepted, _)) = self.queue.front() else {
                return GiveWay::Nobody;
            };
            // Each candidate is timed: the oldest may complete its block meanwhile, and
            // the next one may be young.
            if Instant::now() < accepted + min_wait {
                return GiveWay::NotBefore(accepted + min_wait);
            }
            if let Some((_, slot)) = self.queue.pop_front() {
                let closed = slot.close_if(&[SILENT, RECEIVING]);
                self.recycle(slot);
                if closed {
                    return GiveWay::Closed;
                }
            }
        }
    }

    /// A graceful shutdown: every connection that has not sent a byte closes now (the
    /// others finish their requests).
    pub(crate) fn close_silent(&mut self) {
        for (_, slot) in self.queue.drain(..) {
            slot.close_if(&[SILENT]);
        }
    }

    /// Drops the slots at the front that no longer wait.
    fn prune(&mut self) {
        while let Some((_, front)) = self.queue.front() {
            if front.is_waiting() {
                break;
            }
            if let Some((_, slot)) = self.queue.pop_front() {
                self.recycle(slot);
            }
        }
    }

    /// Keeps only the slots that still wait (an old one at the front can hold many
    /// finished ones behind it).
    fn compact(&mut self) {
        let mut queue = std::mem::take(&mut self.queue);
        for (accepted, slot) in queue.drain(..) {
            if slot.is_waiting() {
                self.queue.push_back((accepted, slot));
            } else {
                self.recycle(slot);
            }
        }
        // The emptied buffer of the old queue is dropped with it: the new one holds at
        // most the bound.
    }

    /// How many slots the queue holds before it is compacted.
    fn most_queued(&self) -> usize {
        self.bound.saturating_mul(2).saturating_add(64)
    }

    /// Keeps `slot` for a later connection if its task is done with it (up to as many as
    /// a compaction frees, and at most 4,096: 256 KiB).
    fn recycle(&mut self, mut slot: Arc<Slot>) {
        // `get_mut` (an acquire) rather than a count: the task's last store to the slot
        // happens before this reset.
        if Arc::get_mut(&mut slot).is_some() && self.free.len() < self.most_queued().min(4096) {
            slot.state.store(SILENT, Ordering::Release);
            // A wake-up left by a `notify_one` nobody awaited is consumed by the next
            // `closed()`, which then sees the state and waits on.
            self.free.push(slot);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_waiting_connection_gives_way() {
        let mut waiting = Waiting::new(8);
        let slots: Vec<_> = (0..4).map(|_| waiting.admit()).collect();
        // The oldest is being served: the next oldest, still receiving, closes.
        assert!(slots[0].start());
        slots[1].receiving();
        assert_eq!(waiting.close_oldest(Duration::ZERO), GiveWay::Closed);
        assert!(!slots[1].start(), "told to close");
        assert!(slots[0].start(), "a started one stays started");
        // Then the silent ones, oldest first, until none waits.
        assert_eq!(waiting.close_oldest(Duration::ZERO), GiveWay::Closed);
        assert!(!slots[2].start());
        assert!(slots[3].start());
        assert_eq!(waiting.close_oldest(Duration::ZERO), GiveWay::Nobody);
    }

    #[test]
    fn a_connection_that_ended_is_not_closed_in_place_of_a_live_one() {
        let mut waiting = Waiting::new(8);
        let gone = waiting.admit();
        let live = waiting.admit();
        // The first peer left before a byte: its task dropped its hold.
        drop(gone);
        assert_eq!(waiting.close_oldest(Duration::ZERO), GiveWay::Closed);
        assert!(
            !live.start(),
            "the live one was closed: the gone one was skipped"
        );
        let mut waiting = Waiting::new(8);
        drop(waiting.admit());
        waiting.close_silent();
        assert_eq!(waiting.close_oldest(Duration::ZERO), GiveWay::Nobody);
    }

    #[tokio::test(start_paused = true)]
    async fn only_a_connection_that_has_waited_long_enough_gives_way() {
        let mut waiting = Waiting::new(8);
        let old = waiting.admit();
        tokio::time::advance(Duration::from_millis(100)).await;
        let young = waiting.admit();
        // Too young: ask again when the oldest has waited long enough.
        let at = match waiting.close_oldest(MIN_WAIT_TO_GIVE_WAY) {
            GiveWay::NotBefore(at) => at,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            at - Instant::now(),
            MIN_WAIT_TO_GIVE_WAY - Duration::from_millis(100)
        );
        tokio::time::advance(at - Instant::now()).await;
        assert_eq!(waiting.close_oldest(MIN_WAIT_TO_GIVE_WAY), GiveWay::Closed);
        assert!(!old.start());
        // The next oldest is timed from its own accept.
        assert!(matches!(
            waiting.close_oldest(MIN_WAIT_TO_GIVE_WAY),
            GiveWay::NotBefore(_)
        ));
        assert!(young.start());
        assert_eq!(waiting.close_oldest(MIN_WAIT_TO_GIVE_WAY), GiveWay::Nobody);
    }

    #[test]
    fn a_shutdown_closes_only_the_silent() {
        let mut waiting = Waiting::new(8);
        let slots: Vec<_> = (0..3).map(|_| waiting.admit()).collect();
        slots[1].receiving();
        assert!(slots[2].start());
        waiting.close_silent();
        assert!(!slots[0].start());
        assert!(slots[1].start(), "mid-request: it finishes");
        assert!(slots[2].start());
    }

    #[tokio::test]
    async fn closed_wakes_the_connection_even_if_told_before_it_waits() {
        let mut waiting = Waiting::new(8);
        let slot = waiting.admit();
        assert_eq!(waiting.close_oldest(Duration::ZERO), GiveWay::Closed);
        slot.closed().await;
        let other = waiting.admit();
        let task = tokio::spawn(async move { other.closed().await });
        tokio::task::yield_now().await;
        assert_eq!(waiting.close_oldest(Duration::ZERO), GiveWay::Closed);
        task.await.unwrap();
    }

    #[test]
    fn the_queue_stays_bounded_and_slots_are_reused() {
        let bound = 4;
        let mut waiting = Waiting::new(bound);
        // One connection waits at the front for ever; thousands behind it are served.
        let stuck = waiting.admit();
        for _ in 0..10_000 {
            let slot = waiting.admit();
            assert!(slot.start());
            drop(slot);
            assert!(waiting.len() <= 2 * bound + 66, "{}", waiting.len());
        }
        // Finished slots came back: the connections took them rather than new ones
        // (at most one compaction's worth were ever allocated).
        assert!(
            waiting.made <= 2 * bound + 66,
            "{} slots for 10,001 connections",
            waiting.made
        );
        // Without a stuck one, a handful serve every connection.
        let mut waiting = Waiting::new(bound);
        for _ in 0..10_000 {
            let slot = waiting.admit();
            assert!(slot.start());
        }
        assert!(waiting.made <= 2, "{}", waiting.made);
        assert!(stuck.start());
    }
}
