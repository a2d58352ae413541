//! The `embassy-time` driver: `mtime` is the clock (10 MHz, the `tick-hz-10_000_000`
//! feature), and the timer queue lives here. The main loop asks [`next_alarm`] for the
//! next deadline (waking the tasks whose deadline passed) and arms `mtimecmp` with it
//! before it sleeps.

use core::cell::RefCell;
use core::task::Waker;

use critical_section::Mutex;
use embassy_time_driver::Driver;
use embassy_time_queue_utils::Queue;

use crate::machine;

struct MtimeDriver {
    queue: Mutex<RefCell<Queue>>,
}

impl Driver for MtimeDriver {
    fn now(&self) -> u64 {
        machine::now()
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            self.queue.borrow_ref_mut(cs).schedule_wake(at, waker);
        });
    }
}

embassy_time_driver::time_driver_impl!(static DRIVER: MtimeDriver = MtimeDriver {
    queue: Mutex::new(RefCell::new(Queue::new())),
});

/// Wakes every task whose deadline has passed; returns the next deadline (`u64::MAX`:
/// none).
pub fn next_alarm() -> u64 {
    let now = machine::now();
    critical_section::with(|cs| DRIVER.queue.borrow_ref_mut(cs).next_expiration(now))
}
