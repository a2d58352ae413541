//! The SCGI header block: NUL-terminated name/value strings.
//!
//! ```text
//! block = 1*( name NUL value NUL )
//! name  = 1*( %x01-FF )                 ; non-empty, unique (unless allowed)
//! value = *( %x01-FF )
//! ```
//!
//! [`validate`] checks a complete block once, in sioscgi's precedence order; afterwards
//! [`Pairs`] walks it without any failure case.

use nom::{IResult, Parser};

use super::duplicates::{self, BlockNames, Table};
use super::{name_hash, nul};
use crate::Error;

/// The name of the variable that carries the body length.
pub(crate) const CONTENT_LENGTH: &[u8] = b"CONTENT_LENGTH";
/// The name of the protocol version variable.
pub(crate) const SCGI: &[u8] = b"SCGI";

/// One NUL-terminated string: its bytes without the NUL, and the rest of the input.
///
/// A nom parser written by hand: the NUL is found a word at a time ([`nul::find`]), which
/// is the inner loop of everything that reads a block.
pub(crate) fn c_string(input: &[u8]) -> IResult<&[u8], &[u8]> {
    match nul::find(input).map(|end| input.split_at(end)) {
        Some((string, rest)) => Ok((rest.get(1..).unwrap_or_default(), string)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Tag,
        ))),
    }
}

/// One `name NUL value NUL` pair.
pub(crate) fn pair(input: &[u8]) -> IResult<&[u8], (&[u8], &[u8])> {
    (c_string, c_string).parse(input)
}

/// The pairs of a block, in wire order. On a validated block this yields every pair; on
/// any other input it stops at the first malformed pair (it never panics).
#[derive(Clone, Debug)]
pub(crate) struct Pairs<'a> {
    rest: &'a [u8],
}

impl<'a> Pairs<'a> {
    pub(crate) const fn new(block: &'a [u8]) -> Self {
        Pairs { rest: block }
    }

    /// The bytes not walked yet.
    #[cfg(feature = "defmt")]
    pub(crate) const fn remaining(&self) -> &'a [u8] {
        self.rest
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match pair(self.rest) {
            Ok((rest, item)) => {
                self.rest = rest;
                Some(item)
            }
            Err(_) => {
                self.rest = &[];
                None
            }
        }
    }
}

/// The rules a block is checked against.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Rules {
    pub(crate) allow_repeated_names: bool,
    pub(crate) require_content_length_first: bool,
}

/// Checks a complete header block (without its `,`) and returns `CONTENT_LENGTH`.
///
/// The order of the checks is sioscgi's: not NUL-terminated → odd string count → empty or
/// duplicate name (the first in wire order) → `SCGI` missing → `SCGI` not `1` →
/// `CONTENT_LENGTH` missing → (opt-in) not first → `CONTENT_LENGTH` invalid.
///
/// The words of the block are read once ([`walk`]): every pair is checked as it
/// completes, noting where `SCGI` and `CONTENT_LENGTH` are. `scratch` is spare room the
/// duplicate check may use as its hash table (see [`duplicates`]); it may be empty. Only
/// when the walk stops early (a refused pair, or a full table) are the strings counted,
/// for the odd count that takes precedence.
pub(crate) fn validate(block: &[u8], scratch: &mut [u8], rules: Rules) -> Result<u64, Error> {
    if block.last() != Some(&0) {
        return Err(Error::HeadersNotNulTerminated);
    }
    let walked = if rules.allow_repeated_names {
        walk(block, None)
    } else {
        match Table::new(usual_names(block.len()), block.len(), scratch) {
            Some(table) => walk(block, Some(table)),
            None => Err(Stop::Full),
        }
    };
    let known = match walked {
        Ok(known) => known,
        Err(stop) => {
            let strings = nul::count(block);
            if !strings.is_multiple_of(2) {
                return Err(Error::HeadersOddStringCount);
            }
            match stop {
                Stop::Refused(error) => return Err(error),
                Stop::Full => check_names(block, strings / 2, scratch)?,
            }
        }
    };
    match known.scgi {
        None => return Err(Error::NoScgiVariable),
        Some(v) if v != b"1" => return Err(Error::BadScgiVersion),
        Some(_) => {}
    }
    let Some(length) = known.content_length else {
        return Err(Error::NoContentLength);
    };
    if rules.require_content_length_first && !known.content_length_first {
        return Err(Error::ContentLengthNotFirst);
    }
    parse_content_length(length)
}

/// The names a table is sized for before they are counted: one per 24 bytes of block
/// (real pairs are 15 to 60 bytes long, 34 on average from nginx; the table takes up to
/// twice as many).
fn usual_names(block_len: usize) -> usize {
    block_len / 24
}

/// Why [`walk`] stopped before the end of the block.
#[derive(Debug)]
enum Stop {
    /// The first pair the rules refuse, or an odd string count.
    Refused(Error),
    /// The table is full: it cannot tell the first repeat.
    Full,
}

/// Walks the pairs of `block` and checks each as it completes, until the first problem:
/// an empty name is `HeaderEmpty`, a repeated `SCGI` or `CONTENT_LENGTH` (always) or any
/// name already in `table` is `DuplicateHeader`, a name without a value at the end is
/// `HeadersOddStringCount`.
///
/// Each string is searched for its NUL a word at a time from its first byte; a name's
/// words are hashed for the table as they are searched ([`name_hash::scan_pair`]), so
/// every byte of the block is loaded once.
fn walk<'a>(block: &'a [u8], mut table: Option<Table<'_>>) -> Result<Known<'a>, Stop> {
    let mut known = Known::default();
    let mut start = 0;
    while start < block.len() {
        // The scan never gives `None` on a block that ends with a NUL.
        let (name_end, hash, value_end) = name_hash::scan_pair(block, start)
            .ok_or(Stop::Refused(Error::HeadersNotNulTerminated))?;
        let value_end = value_end.ok_or(Stop::Refused(Error::HeadersOddStringCount))?;
        let value_start = name_end + 1;
        let name_len = name_end - start;
        match name_len {
            0 => return Err(Stop::Refused(Error::HeaderEmpty)),
            // Only names of these lengths can be `SCGI` or `CONTENT_LENGTH`.
            4 | 14 => {
                let name = block.get(start..name_end).unwrap_or_default();
                let value = block.get(value_start..value_end).unwrap_or_default();
                known.note(name, value, start).map_err(Stop::Refused)?;
            }
            _ => {}
        }
        if let Some(table) = table.as_mut() {
            match table.repeat(block, start, name_len, hash) {
                Some(false) => {}
                Some(true) => return Err(Stop::Refused(Error::DuplicateHeader)),
                None => return Err(Stop::Full),
            }
        }
        start = value_end + 1;
    }
    Ok(known)
}

/// What the walk over the names found.
#[derive(Default)]
struct Known<'a> {
    /// The value of `SCGI`.
    scgi: Option<&'a [u8]>,
    /// The value of `CONTENT_LENGTH`.
    content_length: Option<&'a [u8]>,
    /// Whether `CONTENT_LENGTH` is the first pair.
    content_length_first: bool,
}

impl<'a> Known<'a> {
    /// Notes the pair if its name is `SCGI` or `CONTENT_LENGTH` (`key`: the name's offset);
    /// a second one is `DuplicateHeader`, whatever the rules.
    fn note(&mut self, name: &[u8], value: &'a [u8], key: usize) -> Result<(), Error> {
        let seen = if name == SCGI {
            &mut self.scgi
        } else if name == CONTENT_LENGTH {
            self.content_length_first |= key == 0;
            &mut self.content_length
        } else {
            return Ok(());
        };
        if seen.is_some() {
            return Err(Error::DuplicateHeader);
        }
        *seen = Some(value);
        Ok(())
    }
}

/// Checks the names of a block whose walk ran out of table room (the first empty or
/// repeated one in wire order is the error) and finds `SCGI` and `CONTENT_LENGTH`: in one
/// walk again when `scratch` holds a table for all `pairs` names at once, otherwise with
/// [`duplicates::first_repeat`] (a stack table, in rounds if it cannot hold them all).
fn check_names<'a>(block: &'a [u8], pairs: usize, scratch: &mut [u8]) -> Result<Known<'a>, Error> {
    // A table for every name never fills up: the walk always has an outcome.
    if let Some(table) = Table::new(pairs, block.len(), scratch).filter(|t| t.holds(pairs)) {
        return walk(block, Some(table)).map_err(Stop::into_error);
    }
    let first_empty = Pairs::new(block).position(|(name, _)| name.is_empty());
    // Only pairs before the first empty name can make a duplicate that comes first.
    let scope = first_empty.unwrap_or(usize::MAX);
    let first_repeat = duplicates::first_repeat(&BlockNames(block), scope, pairs, scratch);
    match (first_repeat, first_empty) {
        (Some(_), _) => Err(Error::DuplicateHeader),
        (None, Some(_)) => Err(Error::HeaderEmpty),
        // No name is empty or repeated: the walk only finds `SCGI` and `CONTENT_LENGTH`.
        (None, None) => walk(block, None).map_err(Stop::into_error),
    }
}

impl Stop {
    /// The error of a walk that cannot run out of room.
    fn into_error(self) -> Error {
        match self {
            Stop::Refused(error) => error,
            Stop::Full => Error::DuplicateHeader,
        }
    }
}

/// `CONTENT_LENGTH` is ASCII digits only (leading zeros allowed), at most `u64::MAX` (S5, S6).
pub(crate) fn parse_content_length(value: &[u8]) -> Result<u64, Error> {
    if value.is_empty() {
        return Err(Error::BadContentLength);
    }
    value.iter().try_fold(0u64, |acc, &b| {
        if !b.is_ascii_digit() {
            return Err(Error::BadContentLength);
        }
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(Error::BadContentLength)
    })
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{format, vec, vec::Vec};

    const STRICT: Rules = Rules {
        allow_repeated_names: false,
        require_content_length_first: false,
    };

    fn block(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (n, v) in pairs {
            out.extend_from_slice(n.as_bytes());
            out.push(0);
            out.extend_from_slice(v.as_bytes());
            out.push(0);
        }
        out
    }

    #[test]
    fn pairs_in_order() {
        let b = block(&[("A", "1"), ("B", ""), ("C", "3")]);
        let got: Vec<_> = Pairs::new(&b).collect();
        assert_eq!(got, [(&b"A"[..], &b"1"[..]), (b"B", b""), (b"C", b"3")]);
        assert_eq!(Pairs::new(b"A\0").count(), 0);
        assert_eq!(Pairs::new(b"A\0B").count(), 0);
    }

    #[test]
    fn validation_order() {
        let ok = block(&[("CONTENT_LENGTH", "5"), ("SCGI", "1")]);
        assert_eq!(validate(&ok, &mut [], STRICT), Ok(5));
        assert_eq!(
            validate(b"A\0B", &mut [], STRICT),
            Err(Error::HeadersNotNulTerminated)
        );
        assert_eq!(
            validate(b"A\0", &mut [], STRICT),
            Err(Error::HeadersOddStringCount)
        );
        assert_eq!(
            validate(b"\0", &mut [], STRICT),
            Err(Error::HeadersOddStringCount)
        );
        assert_eq!(
            validate(
                &block(&[("", "x"), ("A", "1"), ("A", "2")]),
                &mut [],
                STRICT
            ),
            Err(Error::HeaderEmpty)
        );
        assert_eq!(
            validate(
                &block(&[("A", "1"), ("A", "2"), ("", "x")]),
                &mut [],
                STRICT
            ),
            Err(Error::DuplicateHeader)
        );
        assert_eq!(
            validate(&block(&[("CONTENT_LENGTH", "1")]), &mut [], STRICT),
            Err(Error::NoScgiVariable)
        );
        assert_eq!(
            validate(&block(&[("SCGI", "2")]), &mut [], STRICT),
            Err(Error::BadScgiVersion)
        );
        assert_eq!(
            validate(&block(&[("SCGI", "1")]), &mut [], STRICT),
            Err(Error::NoContentLength)
        );
        assert_eq!(
            validate(
                &block(&[("SCGI", "1"), ("CONTENT_LENGTH", "x")]),
                &mut [],
                STRICT
            ),
            Err(Error::BadContentLength)
        );
        let first = Rules {
            require_content_length_first: true,
            ..STRICT
        };
        assert_eq!(
            validate(
                &block(&[("SCGI", "1"), ("CONTENT_LENGTH", "x")]),
                &mut [],
                first
            ),
            Err(Error::ContentLengthNotFirst)
        );
        assert_eq!(validate(&ok, &mut [], first), Ok(5));
    }

    #[test]
    fn repeated_names_policy() {
        let allow = Rules {
            allow_repeated_names: true,
            ..STRICT
        };
        let dup = block(&[
            ("CONTENT_LENGTH", "0"),
            ("SCGI", "1"),
            ("HTTP_COOKIE", "a"),
            ("HTTP_COOKIE", "b"),
        ]);
        assert_eq!(validate(&dup, &mut [], STRICT), Err(Error::DuplicateHeader));
        assert_eq!(validate(&dup, &mut [], allow), Ok(0));
        let scgi = block(&[("CONTENT_LENGTH", "0"), ("SCGI", "1"), ("SCGI", "1")]);
        assert_eq!(validate(&scgi, &mut [], allow), Err(Error::DuplicateHeader));
        let len = block(&[
            ("CONTENT_LENGTH", "0"),
            ("SCGI", "1"),
            ("CONTENT_LENGTH", "0"),
        ]);
        assert_eq!(validate(&len, &mut [], allow), Err(Error::DuplicateHeader));
    }

    /// A block of tiny pairs has more names than the first table is sized for: the walk
    /// gives up, and the counted check (one exact table, or rounds) finds the repeat all
    /// the same.
    #[test]
    fn names_outgrowing_the_first_table_are_checked_after_counting() {
        let mut pairs: Vec<(std::string::String, &str)> =
            (0..300).map(|i| (format!("{:x}", i + 0x100), "")).collect();
        pairs.push(("SCGI".into(), "1"));
        pairs.push(("CONTENT_LENGTH".into(), "0"));
        let mut b = Vec::new();
        for (n, v) in &pairs {
            b.extend_from_slice(n.as_bytes());
            b.push(0);
            b.extend_from_slice(v.as_bytes());
            b.push(0);
        }
        let mut dup = b.clone();
        dup.extend_from_slice(b"1ff\0x\0");
        // 1,530 bytes: a first table of 128 slots (512 bytes, 64 names); an exact table
        // for 302 names has 1,024 slots (4 KiB).
        for (room, first_table) in [
            (100_000, true), // the exact table fits
            (3_000, true),   // it does not: rounds
            (200, false),    // no first table either
        ] {
            let mut scratch = vec![0u8; room];
            let table = Table::new(usual_names(b.len()), b.len(), &mut scratch);
            assert_eq!(table.is_some(), first_table, "room {room}");
            if let Some(table) = table {
                assert!(
                    matches!(walk(&b, Some(table)), Err(Stop::Full)),
                    "room {room}"
                );
            }
            assert_eq!(validate(&b, &mut scratch, STRICT), Ok(0), "room {room}");
            assert_eq!(
                validate(&dup, &mut scratch, STRICT),
                Err(Error::DuplicateHeader),
                "room {room}"
            );
        }
    }

    /// sioscgi's precedence, written the slow and obvious way.
    fn naive(block: &[u8], rules: Rules) -> Result<u64, Error> {
        if block.last() != Some(&0) {
            return Err(Error::HeadersNotNulTerminated);
        }
        let strings: Vec<&[u8]> = block[..block.len() - 1].split(|&b| b == 0).collect();
        if !strings.len().is_multiple_of(2) {
            return Err(Error::HeadersOddStringCount);
        }
        let pairs: Vec<(&[u8], &[u8])> = strings.chunks(2).map(|p| (p[0], p[1])).collect();
        for (i, (name, _)) in pairs.iter().enumerate() {
            if name.is_empty() {
                return Err(Error::HeaderEmpty);
            }
            let protected = *name == SCGI || *name == CONTENT_LENGTH;
            if (protected || !rules.allow_repeated_names)
                && pairs[..i].iter().any(|(n, _)| n == name)
            {
                return Err(Error::DuplicateHeader);
            }
        }
        let value = |want: &[u8]| pairs.iter().find(|(n, _)| *n == want).map(|(_, v)| *v);
        match value(SCGI) {
            None => return Err(Error::NoScgiVariable),
            Some(v) if v != b"1" => return Err(Error::BadScgiVersion),
            Some(_) => {}
        }
        let length = value(CONTENT_LENGTH).ok_or(Error::NoContentLength)?;
        if rules.require_content_length_first && pairs[0].0 != CONTENT_LENGTH {
            return Err(Error::ContentLengthNotFirst);
        }
        parse_content_length(length)
    }

    /// The one-walk check (table in the scratch room or on the stack) and the check in
    /// rounds (no room) agree with the naive reference on blocks full of repeats, empty
    /// names and misplaced variables.
    #[test]
    fn every_table_agrees_with_the_naive_reference() {
        let words: [&[u8]; 8] = [
            b"",
            b"A",
            b"B",
            b"SCGI",
            b"1",
            b"CONTENT_LENGTH",
            b"7",
            b"x",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        // Fewer under miri, which runs every test a thousand times slower.
        let cases = if cfg!(miri) { 300 } else { 20_000 };
        for case in 0..cases {
            let strings = 1 + next(if case % 100 == 0 { 400 } else { 9 });
            let mut block = Vec::new();
            for _ in 0..strings {
                if next(4) == 0 {
                    block.extend_from_slice(format!("N{}", next(300)).as_bytes());
                } else {
                    block.extend_from_slice(words[next(words.len())]);
                }
                block.push(0);
            }
            if next(20) == 0 {
                block.pop();
            }
            for allow in [false, true] {
                for first in [false, true] {
                    let rules = Rules {
                        allow_repeated_names: allow,
                        require_content_length_first: first,
                    };
                    let want = naive(&block, rules);
                    for room in [0usize, 40, 300, 600, 2600, 4096] {
                        let mut scratch = vec![0x5Au8; room];
                        assert_eq!(
                            validate(&block, &mut scratch, rules),
                            want,
                            "{block:?} {rules:?} room {room}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn content_length_grammar() {
        assert_eq!(parse_content_length(b"0"), Ok(0));
        assert_eq!(parse_content_length(b"007"), Ok(7));
        assert_eq!(parse_content_length(b"18446744073709551615"), Ok(u64::MAX));
        for bad in [
            &b""[..],
            b"+5",
            b" 5",
            b"5 ",
            b"5_0",
            b"-1",
            b"18446744073709551616",
            b"\xd9\xa5",
        ] {
            assert_eq!(
                parse_content_length(bad),
                Err(Error::BadContentLength),
                "{bad:?}"
            );
        }
    }
}
