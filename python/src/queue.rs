//! The events a reader made and the caller has not taken yet, in order: the first few in
//! place (a request given whole makes three: its environment, body and end), any more in
//! a `VecDeque`. A reader per connection then allocates nothing for its events.

use std::collections::VecDeque;

use pyo3::prelude::*;

/// Events held in place before any goes to the `VecDeque`.
const IN_PLACE: usize = 4;

/// A first-in, first-out queue of events.
#[derive(Default)]
pub(crate) struct Queue {
    /// A ring of the oldest events: `len` of them from `start`.
    in_place: [Option<Py<PyAny>>; IN_PLACE],
    start: usize,
    len: usize,
    /// The events after those in place.
    more: VecDeque<Py<PyAny>>,
}

impl Queue {
    /// Adds `event` at the end.
    pub(crate) fn push_back(&mut self, event: Py<PyAny>) {
        // Once some wait in `more`, later ones go after them.
        if self.len < IN_PLACE && self.more.is_empty() {
            if let Some(slot) = self.in_place.get_mut((self.start + self.len) % IN_PLACE) {
                *slot = Some(event);
                self.len += 1;
            }
        } else {
            self.more.push_back(event);
        }
    }

    /// Takes the first event.
    pub(crate) fn pop_front(&mut self) -> Option<Py<PyAny>> {
        if self.len == 0 {
            return self.more.pop_front();
        }
        let event = self.in_place.get_mut(self.start).and_then(Option::take);
        self.start = (self.start + 1) % IN_PLACE;
        self.len -= 1;
        event
    }

    /// Drops every event.
    pub(crate) fn clear(&mut self) {
        *self = Queue::default();
    }

    /// The events, first to last.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Py<PyAny>> {
        (0..self.len)
            .filter_map(|k| self.in_place.get((self.start + k) % IN_PLACE)?.as_ref())
            .chain(&self.more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any order of pushes and pops gives the events back in the order pushed, as a
    /// `VecDeque` does.
    #[test]
    fn first_in_first_out() {
        Python::initialize();
        Python::attach(|py| {
            let mut queue = Queue::default();
            let mut model = VecDeque::new();
            let mut next = 0u64;
            let mut state = 0x2545_F491_4F6C_DD1Du64;
            for _ in 0..5000 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                match state % 7 {
                    0..3 => {
                        queue.push_back(next.into_pyobject(py).unwrap().into_any().unbind());
                        model.push_back(next);
                        next += 1;
                    }
                    3..6 => {
                        let got = queue.pop_front().map(|e| e.extract::<u64>(py).unwrap());
                        assert_eq!(got, model.pop_front());
                    }
                    _ if state.is_multiple_of(5) => {
                        queue.clear();
                        model.clear();
                    }
                    _ => {}
                }
                let held: Vec<u64> = queue
                    .iter()
                    .map(|e| e.extract::<u64>(py).unwrap())
                    .collect();
                assert_eq!(held, Vec::from(model.clone()));
            }
        });
    }
}
