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
use super::nul;
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
/// The words of the block are read once ([`one_pass`]): the strings are counted and every
/// name is checked as its pair completes, noting where `SCGI` and `CONTENT_LENGTH` are.
/// `scratch` is spare room the duplicate check may use as its hash table (see
/// [`duplicates`]); it may be empty.
pub(crate) fn validate(block: &[u8], scratch: &mut [u8], rules: Rules) -> Result<u64, Error> {
    if block.last() != Some(&0) {
        return Err(Error::HeadersNotNulTerminated);
    }
    // One pass over the words of the block when the scratch room has a table for the
    // names a block of this length usually holds, or at least for some (every real
    // request, with storage to spare); otherwise, or if the names outgrow that table, the
    // names are counted first and checked with a table sized to them.
    let table = if rules.allow_repeated_names {
        None
    } else {
        Table::up_to(usual_names(block.len()), block.len(), scratch)
    };
    let (strings, walked) = if rules.allow_repeated_names || table.is_some() {
        one_pass(block, table)
    } else {
        (nul::count(block), None)
    };
    if !strings.is_multiple_of(2) {
        return Err(Error::HeadersOddStringCount);
    }
    let known = match walked {
        Some(outcome) => outcome?,
        None => check_names(block, strings / 2, scratch, rules)?,
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

/// The names a table is sized for before they are counted: one per 8 bytes of block
/// (real pairs are 15 to 40 bytes long).
fn usual_names(block_len: usize) -> usize {
    (block_len / 8).max(4)
}

/// Counts the strings of `block` and, in the same pass, checks each pair as it completes
/// until the first problem: an empty name is `HeaderEmpty`, a repeated `SCGI` or
/// `CONTENT_LENGTH` (always) or any name already in `table` is `DuplicateHeader`.
///
/// Returns the count and the walk's outcome; the outcome is `None` when `table` filled up
/// before the last name (the names must then be checked by [`check_names`]).
fn one_pass<'a>(
    block: &'a [u8],
    mut table: Option<Table<'_>>,
) -> (usize, Option<Result<Known<'a>, Error>>) {
    let names = BlockNames(block);
    let mut positions = nul::Positions::new(block);
    let mut known = Known::default();
    let mut strings = 0;
    let mut start = 0;
    while let Some(name_end) = positions.next() {
        strings += 1;
        let Some(value_end) = positions.next() else {
            break;
        };
        strings += 1;
        let name = block.get(start..name_end).unwrap_or_default();
        let value = block.get(name_end + 1..value_end).unwrap_or_default();
        let key = start;
        start = value_end + 1;
        if let Err(error) = check_pair(&mut known, name, value, key) {
            return (strings + positions.count(), Some(Err(error)));
        }
        match table.as_mut().map(|t| t.repeat(&names, name, key)) {
            Some(Some(true)) => {
                return (
                    strings + positions.count(),
                    Some(Err(Error::DuplicateHeader)),
                );
            }
            // The table is full: this walk cannot tell the first repeat any more.
            Some(None) => return (strings + positions.count(), None),
            Some(Some(false)) | None => {}
        }
    }
    (strings, Some(Ok(known)))
}

/// The checks of one pair that need no table: an empty name, a second `SCGI` or
/// `CONTENT_LENGTH` (never allowed); notes where those two are.
#[inline]
fn check_pair<'a>(
    known: &mut Known<'a>,
    name: &'a [u8],
    value: &'a [u8],
    key: usize,
) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::HeaderEmpty);
    }
    let protected = if name == SCGI {
        Some(&mut known.scgi)
    } else if name == CONTENT_LENGTH {
        known.content_length_first |= key == 0;
        Some(&mut known.content_length)
    } else {
        None
    };
    if let Some(seen) = protected {
        if seen.is_some() {
            return Err(Error::DuplicateHeader);
        }
        *seen = Some(value);
    }
    Ok(())
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

/// Checks the names (the first empty or repeated one in wire order is the error) and
/// finds `SCGI` and `CONTENT_LENGTH`, in one walk when `scratch` holds a hash table for
/// every name; otherwise the names are checked first with [`duplicates::first_repeat`]
/// (a stack table, in rounds if it cannot hold them all).
fn check_names<'a>(
    block: &'a [u8],
    pairs: usize,
    scratch: &mut [u8],
    rules: Rules,
) -> Result<Known<'a>, Error> {
    if rules.allow_repeated_names {
        // Only `SCGI` and `CONTENT_LENGTH` may not repeat: the walk checks them itself.
        return one_pass(block, None)
            .1
            .unwrap_or(Err(Error::DuplicateHeader));
    }
    // A table sized for every name never fills up: the walk always has an outcome.
    let exact = |table| {
        one_pass(block, Some(table))
            .1
            .unwrap_or(Err(Error::DuplicateHeader))
    };
    if let Some(table) = Table::new(pairs, block.len(), scratch) {
        return exact(table);
    }
    let first_empty = Pairs::new(block).position(|(name, _)| name.is_empty());
    // Only pairs before the first empty name can make a duplicate that comes first.
    let scope = first_empty.unwrap_or(usize::MAX);
    let first_repeat = duplicates::first_repeat(&BlockNames(block), scope, pairs, scratch);
    match (first_repeat, first_empty) {
        (Some(_), _) => Err(Error::DuplicateHeader),
        (None, Some(_)) => Err(Error::HeaderEmpty),
        // No name is empty or repeated: the walk only finds `SCGI` and `CONTENT_LENGTH`.
        (None, None) => one_pass(block, None)
            .1
            .unwrap_or(Err(Error::DuplicateHeader)),
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

    /// A block of tiny pairs has more names than the first table is sized for: the pass
    /// gives up on it, and the counted check finds the repeat all the same.
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
        let mut scratch = vec![0u8; 100_000];
        let table = Table::up_to(usual_names(b.len()), b.len(), &mut scratch);
        assert!(one_pass(&b, table).1.is_none(), "the first table fills up");
        assert_eq!(validate(&b, &mut scratch, STRICT), Ok(0));
        let mut dup = b.clone();
        dup.extend_from_slice(b"1ff\0x\0");
        assert_eq!(
            validate(&dup, &mut scratch, STRICT),
            Err(Error::DuplicateHeader)
        );
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
                    for room in [0usize, 40, 300, 4096] {
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
