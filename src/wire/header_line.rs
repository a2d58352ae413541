//! CGI response header lines, as the client side reads them (RFC 3875 §6.3, with the
//! line-ending leniency of nginx, lighttpd and Apache).
//!
//! ```text
//! section  = *( line ) empty-line
//! line     = name ":" OWS value OWS eol      ; eol = CRLF or a bare LF
//! name     = 1*tchar
//! value    = *( any byte but NUL, CR, LF )
//! status   = 3DIGIT [ SP reason ]            ; the value of "Status", code 100..=999
//! ```

use nom::{
    IResult, Parser,
    bytes::complete::{take_while, take_while_m_n, take_while1},
    character::complete::char,
    combinator::{all_consuming, map_res, opt, rest},
    sequence::preceded,
};

use crate::Error;

/// Where the line starting at `input` ends: the line's content (without `\n` and one
/// `\r` before it) and the length of the line with its terminator. `None` if no `\n` yet.
pub(crate) fn split_line(input: &[u8]) -> Option<(&[u8], usize)> {
    let lf = input.iter().position(|&b| b == b'\n')?;
    let content = input.get(..lf)?;
    let content = content.strip_suffix(b"\r").unwrap_or(content);
    Some((content, lf + 1))
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `name ":" OWS value OWS` without the terminator.
fn field_syntax(line: &[u8]) -> IResult<&[u8], (&[u8], &[u8])> {
    (
        take_while1(is_tchar),
        preceded(char(':'), preceded(take_while(is_ows), rest)),
    )
        .parse(line)
}

/// A parsed header line: the name, and where the value (without surrounding whitespace)
/// lies in the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Field<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) value: &'a [u8],
    /// The offset of `value` in the line.
    pub(crate) value_start: usize,
}

/// Parses one header line (its content, without the terminator).
pub(crate) fn field(line: &[u8]) -> Result<Field<'_>, Error> {
    if line.first().is_some_and(|&b| is_ows(b)) {
        return Err(Error::ResponseHeaderFolded);
    }
    let Ok((_, (name, value))) = field_syntax(line) else {
        return Err(if line.contains(&b':') {
            Error::ResponseBadHeaderName
        } else {
            Error::ResponseHeaderNoColon
        });
    };
    if value.iter().any(|&b| b == 0 || b == b'\r') {
        return Err(Error::ResponseBadHeaderValue);
    }
    let end = value.iter().rposition(|&b| !is_ows(b)).map_or(0, |i| i + 1);
    Ok(Field {
        name,
        value: value.get(..end).unwrap_or(value),
        value_start: line.len() - value.len(),
    })
}

/// A status code: three digits, 100..=999.
fn status_code(input: &[u8]) -> IResult<&[u8], u16> {
    map_res(
        take_while_m_n(3, 3, |b: u8| b.is_ascii_digit()),
        |d: &[u8]| {
            let code = d.iter().fold(0u16, |n, &b| n * 10 + u16::from(b - b'0'));
            if code >= 100 { Ok(code) } else { Err(()) }
        },
    )
    .parse(input)
}

/// `3DIGIT [ SP reason ]`.
fn status_syntax(input: &[u8]) -> IResult<&[u8], (u16, Option<&[u8]>)> {
    all_consuming((status_code, opt(preceded(char(' '), rest)))).parse(input)
}

/// Parses a `Status` value: the code and the reason phrase (possibly empty).
pub(crate) fn status(value: &[u8]) -> Result<(u16, &[u8]), Error> {
    status_syntax(value)
        .map(|(_, (code, reason))| (code, reason.unwrap_or(&[])))
        .map_err(|_| Error::ResponseBadStatus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_with_crlf_or_lf() {
        assert_eq!(split_line(b"A: 1\r\nB"), Some((&b"A: 1"[..], 6)));
        assert_eq!(split_line(b"A: 1\nB"), Some((&b"A: 1"[..], 5)));
        assert_eq!(split_line(b"\r\n"), Some((&b""[..], 2)));
        assert_eq!(split_line(b"\n"), Some((&b""[..], 1)));
        assert_eq!(split_line(b"A: 1\r"), None);
    }

    #[test]
    fn fields() {
        let nv = |line| field(line).map(|f| (f.name, f.value));
        assert_eq!(
            nv(b"Content-Type: text/html"),
            Ok((&b"Content-Type"[..], &b"text/html"[..]))
        );
        assert_eq!(nv(b"X:v"), Ok((&b"X"[..], &b"v"[..])));
        assert_eq!(nv(b"X: \t a b \t"), Ok((&b"X"[..], &b"a b"[..])));
        assert_eq!(nv(b"X:"), Ok((&b"X"[..], &b""[..])));
        assert_eq!(nv(b"X: caf\xe9"), Ok((&b"X"[..], &b"caf\xe9"[..])));
        assert_eq!(field(b"X: \t a b \t").map(|f| f.value_start), Ok(5));
        assert_eq!(field(b" folded"), Err(Error::ResponseHeaderFolded));
        assert_eq!(field(b"\tfolded: x"), Err(Error::ResponseHeaderFolded));
        assert_eq!(field(b"no colon"), Err(Error::ResponseHeaderNoColon));
        assert_eq!(field(b"Bad Name: x"), Err(Error::ResponseBadHeaderName));
        assert_eq!(field(b": x"), Err(Error::ResponseBadHeaderName));
        assert_eq!(field(b"X : x"), Err(Error::ResponseBadHeaderName));
        assert_eq!(field(b"X: a\0b"), Err(Error::ResponseBadHeaderValue));
        assert_eq!(field(b"X: a\rb"), Err(Error::ResponseBadHeaderValue));
    }

    #[test]
    fn statuses() {
        assert_eq!(status(b"200 OK"), Ok((200, &b"OK"[..])));
        assert_eq!(status(b"404"), Ok((404, &b""[..])));
        assert_eq!(status(b"599 Some Reason"), Ok((599, &b"Some Reason"[..])));
        for bad in [
            &b""[..],
            b"20",
            b"2000",
            b"099 Low",
            b"abc",
            b"200OK",
            b"200\tOK",
        ] {
            assert_eq!(status(bad), Err(Error::ResponseBadStatus), "{bad:?}");
        }
    }
}
