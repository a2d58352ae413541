//! Header names from CGI variable names (`HTTP_X_FORWARDED_FOR` → `x-forwarded-for`),
//! remembered per thread. A browser's request carries a dozen header names, the same from
//! one request to the next, and each name `http` has no constant for (`sec-fetch-site`,
//! `upgrade-insecure-requests`, `x-forwarded-for`, ...) is an allocation when it is made.
//! A name made before on the thread is a clone: a reference count, no allocation.
//!
//! The cache has sets of two slots: a name has one set, chosen from its length and its
//! first and last bytes. A name is kept the second time in a row its set sees it (keeping
//! it costs an allocation of its own, as the kept name and the request's then share their
//! bytes): a peer that sends ever new names, or names that share sets, costs what every
//! name cost without the cache (one allocation for each name `http` has no constant for),
//! plus two comparisons.

use std::cell::RefCell;

use http::HeaderName;

/// The number of sets of two slots (a power of two).
const SETS: usize = 128;
/// The longest CGI name kept (longer ones are made each time).
const LONGEST: usize = 40;

/// A CGI name (without `HTTP_`) seen in this slot, and the header name it made once it
/// was seen twice.
struct Slot {
    cgi: [u8; LONGEST],
    len: usize,
    name: Option<HeaderName>,
}

impl Slot {
    fn is(&self, cgi: &[u8]) -> bool {
        self.cgi.get(..self.len) == Some(cgi)
    }
}

/// A set: the slot used last first (a name found or new moves there; a new one takes the
/// place of the other).
type Set = [Option<Slot>; 2];

thread_local! {
    static NAMES: RefCell<[Set; SETS]> = const { RefCell::new([const { [None, None] }; SETS]) };
}

/// The header name of the CGI name `cgi` (without `HTTP_`): the thread's if it has made
/// it, else `make`'s (then kept, the second time).
pub(super) fn cached<E>(
    cgi: &[u8],
    make: impl FnOnce(&[u8]) -> Result<HeaderName, E>,
) -> Result<HeaderName, E> {
    if cgi.len() > LONGEST || cgi.is_empty() {
        return make(cgi);
    }
    let at = set_of(cgi);
    // The kept name, if any; else whether a slot has seen this name once.
    let found = NAMES.try_with(|names| {
        let mut names = names.try_borrow_mut().ok()?;
        let set = names.get_mut(at)?;
        let way = set
            .iter()
            .position(|slot| slot.as_ref().is_some_and(|s| s.is(cgi)))?;
        // The slot used last comes first.
        set.swap(0, way);
        Some(set.first()?.as_ref()?.name.clone())
    });
    let seen = match found {
        Ok(Some(Some(name))) => return Ok(name),
        Ok(Some(None)) => true,
        _ => false,
    };
    let name = make(cgi)?;
    // A thread that is ending (its cache gone) keeps nothing.
    let _ = NAMES.try_with(|names| {
        let Ok(mut names) = names.try_borrow_mut() else {
            return;
        };
        let Some(set) = names.get_mut(at) else {
            return;
        };
        if seen {
            // Seen before, now first in its set: kept.
            if let Some(Some(slot)) = set.first_mut() {
                slot.name = Some(name.clone());
            }
            return;
        }
        let mut key = [0u8; LONGEST];
        if let Some(key) = key.get_mut(..cgi.len()) {
            key.copy_from_slice(cgi);
        }
        // First in its set; the slot used least lately gives way.
        set.swap(0, 1);
        if let Some(place) = set.first_mut() {
            *place = Some(Slot {
                cgi: key,
                len: cgi.len(),
                name: None,
            });
        }
    });
    Ok(name)
}

/// The set of a name of 1 to [`LONGEST`] bytes: its length and its first and last eight
/// bytes (overlapping in a short name), mixed.
fn set_of(cgi: &[u8]) -> usize {
    let word = |bytes: &[u8]| {
        let mut w = [0u8; 8];
        for (to, from) in w.iter_mut().zip(bytes) {
            *to = *from;
        }
        u64::from_le_bytes(w)
    };
    let head = word(cgi);
    let tail = word(cgi.get(cgi.len().saturating_sub(8)..).unwrap_or(cgi));
    let mixed =
        (head ^ tail.rotate_left(29) ^ cgi.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> 57) as usize % SETS
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// The name made without the cache, as `request` makes it.
    fn made(cgi: &[u8]) -> Result<HeaderName, ()> {
        let lower: Vec<u8> = cgi
            .iter()
            .map(|&b| {
                if b == b'_' {
                    b'-'
                } else {
                    b.to_ascii_lowercase()
                }
            })
            .collect();
        HeaderName::from_bytes(&lower).map_err(drop)
    }

    /// Runs `f` on a thread of its own: the cache is its alone.
    fn alone(f: impl FnOnce() + Send + 'static) {
        std::thread::spawn(f).join().unwrap();
    }

    #[test]
    fn a_name_seen_twice_is_kept_and_then_shared() {
        alone(|| {
            let calls = Cell::new(0);
            let make = |cgi: &[u8]| {
                calls.set(calls.get() + 1);
                made(cgi)
            };
            // Made the first time, and the second (then kept), never again.
            let first = cached(b"SEC_FETCH_DEST", make).unwrap();
            let second = cached(b"SEC_FETCH_DEST", make).unwrap();
            assert_eq!(calls.get(), 2);
            assert_eq!(first, "sec-fetch-dest");
            assert_eq!(second, first);
            for _ in 0..3 {
                let again = cached(b"SEC_FETCH_DEST", make).unwrap();
                // A clone of the kept one: its bytes, not a copy of them.
                assert_eq!(again.as_str().as_ptr(), second.as_str().as_ptr());
            }
            assert_eq!(calls.get(), 2);
            // A standard name too.
            for _ in 0..3 {
                let name = cached(b"USER_AGENT", make).unwrap();
                assert_eq!(name, http::header::USER_AGENT);
            }
            assert_eq!(calls.get(), 4);
        });
    }

    #[test]
    fn names_that_share_a_slot_each_come_out_right() {
        alone(|| {
            // Far more names than slots, in turns: every one, whatever the slot held.
            let names: Vec<String> = (0..SETS * 4).map(|i| format!("X_NAME_{i}")).collect();
            for round in 0..4 {
                for i in 0..names.len() {
                    let name = if round == 1 {
                        &names[names.len() - 1 - i]
                    } else {
                        &names[i]
                    };
                    let got = cached(name.as_bytes(), made).unwrap();
                    assert_eq!(got, made(name.as_bytes()).unwrap(), "{name}");
                }
            }
            // Two names of one set, in turn, many times: each is itself, and both are
            // kept (made twice each). Three: each is itself (in turn, each finds the set
            // used by the other two: none is kept).
            let set = set_of(b"A");
            let others: Vec<String> = (0..100_000)
                .map(|i| format!("B{i}"))
                .filter(|n| set_of(n.as_bytes()) == set)
                .take(2)
                .collect();
            assert_eq!(others.len(), 2, "names of the same set");
            let calls = Cell::new(0);
            let make = |cgi: &[u8]| {
                calls.set(calls.get() + 1);
                made(cgi)
            };
            for _ in 0..100 {
                assert_eq!(cached(b"A", make).unwrap(), "a");
                let got = cached(others[0].as_bytes(), make).unwrap();
                assert_eq!(got, made(others[0].as_bytes()).unwrap());
            }
            assert_eq!(calls.get(), 4);
            calls.set(0);
            for _ in 0..100 {
                assert_eq!(cached(b"A", make).unwrap(), "a");
                for other in &others {
                    let got = cached(other.as_bytes(), make).unwrap();
                    assert_eq!(got, made(other.as_bytes()).unwrap());
                }
            }
            // A and the first other were kept: found once each, before the third took
            // their places in turn.
            assert_eq!(calls.get(), 298);
        });
    }

    #[test]
    fn long_empty_and_bad_names_are_made_every_time() {
        alone(|| {
            let calls = Cell::new(0);
            let make = |cgi: &[u8]| {
                calls.set(calls.get() + 1);
                made(cgi)
            };
            let long = "X".repeat(LONGEST + 1);
            for _ in 0..3 {
                let name = cached(long.as_bytes(), make).unwrap();
                assert_eq!(name.as_str().len(), LONGEST + 1);
            }
            assert_eq!(calls.get(), 3);
            // The longest kept is kept (made twice, then no more).
            let longest = "Y".repeat(LONGEST);
            for _ in 0..4 {
                let name = cached(longest.as_bytes(), make).unwrap();
                assert_eq!(name.as_str().len(), LONGEST);
            }
            assert_eq!(calls.get(), 5);
            // A name that makes no header is refused each time, and keeps nothing.
            for _ in 0..3 {
                assert!(cached(b"BAD NAME", make).is_err());
            }
            assert_eq!(calls.get(), 8);
            assert!(cached(b"", made).is_err());
        });
    }

    #[test]
    fn every_slot_is_reached() {
        let mut seen = [false; SETS];
        for i in 0..100_000 {
            seen[set_of(format!("N{i}").as_bytes())] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }
}
