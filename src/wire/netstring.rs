//! Netstring framing of the SCGI header block: `LENGTH ":" BLOCK ","`.
//!
//! ```text
//! netstring = length ":" block ","
//! length    = %x31-39 *DIGIT          ; no sign, no space, no leading zero (S1, S7)
//! ```
//!
//! The length prefix may arrive split over any number of chunks, so the grammar is a
//! digit-run parser plus a pure accumulation step; the reader keeps the running value.

use nom::{IResult, Parser, bytes::complete::take_while};

use crate::Error;

/// The byte that ends the length prefix.
pub(crate) const LENGTH_END: u8 = b':';
/// The byte that ends the header block.
pub(crate) const TERMINATOR: u8 = b',';

/// The run of ASCII digits at the start of `input` (possibly empty), and what follows.
pub(crate) fn digits(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while(|b: u8| b.is_ascii_digit()).parse(input)
}

/// Appends the digits of one chunk to the length read so far.
///
/// `so_far` is `None` before the first digit. A leading zero is refused at once
/// (`0:` is an empty block and `07:` a non-canonical length, both invalid), and the value
/// is refused as soon as it exceeds `limit`, whatever follows (S2, S4).
pub(crate) fn accumulate(
    so_far: Option<usize>,
    digits: &[u8],
    limit: usize,
) -> Result<usize, Error> {
    let mut value = so_far;
    for &digit in digits {
        let d = usize::from(digit.wrapping_sub(b'0'));
        value = Some(match value {
            None if d == 0 => return Err(Error::BadNetstringLength),
            None => d,
            Some(v) => v
                .checked_mul(10)
                .and_then(|v| v.checked_add(d))
                .ok_or(Error::HeadersTooLarge)?,
        });
        if value.is_some_and(|v| v > limit) {
            return Err(Error::HeadersTooLarge);
        }
    }
    value.ok_or(Error::BadNetstringLength)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs() {
        assert_eq!(digits(b"12:x"), Ok((&b":x"[..], &b"12"[..])));
        assert_eq!(digits(b":x"), Ok((&b":x"[..], &b""[..])));
        assert_eq!(digits(b"123"), Ok((&b""[..], &b"123"[..])));
        assert_eq!(digits(b"+1"), Ok((&b"+1"[..], &b""[..])));
    }

    #[test]
    fn accumulation() {
        assert_eq!(accumulate(None, b"70", 100), Ok(70));
        assert_eq!(accumulate(Some(7), b"0", 100), Ok(70));
        assert_eq!(accumulate(Some(7), b"", 100), Ok(7));
        assert_eq!(accumulate(None, b"", 100), Err(Error::BadNetstringLength));
        assert_eq!(accumulate(None, b"0", 100), Err(Error::BadNetstringLength));
        assert_eq!(
            accumulate(None, b"070", 100),
            Err(Error::BadNetstringLength)
        );
        assert_eq!(accumulate(None, b"101", 100), Err(Error::HeadersTooLarge));
        assert_eq!(accumulate(None, b"100", 100), Ok(100));
        assert_eq!(
            accumulate(None, b"99999999999999999999999", usize::MAX),
            Err(Error::HeadersTooLarge)
        );
    }
}
