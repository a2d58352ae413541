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

use nom::{
    IResult, Parser, bytes::complete::tag, bytes::complete::take_till, sequence::terminated,
};

use crate::Error;

/// The name of the variable that carries the body length.
pub(crate) const CONTENT_LENGTH: &[u8] = b"CONTENT_LENGTH";
/// The name of the protocol version variable.
pub(crate) const SCGI: &[u8] = b"SCGI";

/// One NUL-terminated string: its bytes without the NUL, and the rest of the input.
pub(crate) fn c_string(input: &[u8]) -> IResult<&[u8], &[u8]> {
    terminated(take_till(|b| b == 0), tag(&[0u8][..])).parse(input)
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
/// `scratch` is spare room the duplicate check may use as its hash table (see
/// [`duplicates`](super::duplicates)); it may be empty.
pub(crate) fn validate(block: &[u8], scratch: &mut [u8], rules: Rules) -> Result<u64, Error> {
    if block.last() != Some(&0) {
        return Err(Error::HeadersNotNulTerminated);
    }
    let strings = block.iter().filter(|&&b| b == 0).count();
    if strings % 2 != 0 {
        return Err(Error::HeadersOddStringCount);
    }
    check_names(block, strings / 2, scratch, rules.allow_repeated_names)?;
    match first_value(block, SCGI) {
        None => return Err(Error::NoScgiVariable),
        Some(v) if v != b"1" => return Err(Error::BadScgiVersion),
        Some(_) => {}
    }
    let Some(length) = first_value(block, CONTENT_LENGTH) else {
        return Err(Error::NoContentLength);
    };
    if rules.require_content_length_first
        && Pairs::new(block).next().map(|(name, _)| name) != Some(CONTENT_LENGTH)
    {
        return Err(Error::ContentLengthNotFirst);
    }
    parse_content_length(length)
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

/// The value of the first pair named `name`.
pub(crate) fn first_value<'a>(block: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    Pairs::new(block).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// Finds the first pair (in wire order) whose name is empty or repeats an earlier name.
///
/// Without `allow_repeated`, every repeat counts; with it, only repeats of `SCGI` and
/// `CONTENT_LENGTH`.
fn check_names(
    block: &[u8],
    pairs: usize,
    scratch: &mut [u8],
    allow_repeated: bool,
) -> Result<(), Error> {
    let first_empty = Pairs::new(block).position(|(name, _)| name.is_empty());
    // Only pairs before the first empty name can make a duplicate that comes first.
    let scope = first_empty.unwrap_or(usize::MAX);
    let first_repeat = if allow_repeated {
        find_first_protected_repeat(block, scope)
    } else {
        super::duplicates::first_repeat(
            &super::duplicates::BlockNames(block),
            scope,
            pairs,
            scratch,
        )
    };
    match (first_repeat, first_empty) {
        (Some(_), _) => Err(Error::DuplicateHeader),
        (None, Some(_)) => Err(Error::HeaderEmpty),
        (None, None) => Ok(()),
    }
}

fn find_first_protected_repeat(block: &[u8], scope: usize) -> Option<usize> {
    let mut seen_scgi = false;
    let mut seen_length = false;
    for (index, (name, _)) in Pairs::new(block).take(scope).enumerate() {
        let seen = if name == SCGI {
            &mut seen_scgi
        } else if name == CONTENT_LENGTH {
            &mut seen_length
        } else {
            continue;
        };
        if *seen {
            return Some(index);
        }
        *seen = true;
    }
    None
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

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
