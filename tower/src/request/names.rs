//! Header names that browsers and proxies send and `http` has no constant for, as constants
//! of this crate: a name `http` does not know (`sec-fetch-site`, `x-forwarded-for`, ...)
//! is an allocation each time it is made, and a browser's request carries several.
//!
//! A fixed table, not a cache of what peers sent: a peer cannot fill it, evict from it or
//! make it cost more. A name not in it costs a comparison of its length with the table's
//! (and of its bytes with the few of the same length), then is made as before.

use http::HeaderName;

/// The table: each CGI name (without `HTTP_`, as nginx, Apache and lighttpd write it:
/// upper case, `_` for `-`) and its header name, checked when the crate is compiled.
static KNOWN: [(&[u8], HeaderName); 17] = [
    (b"PRIORITY", HeaderName::from_static("priority")),
    (b"SEC_CH_UA", HeaderName::from_static("sec-ch-ua")),
    (
        b"SEC_CH_UA_MOBILE",
        HeaderName::from_static("sec-ch-ua-mobile"),
    ),
    (
        b"SEC_CH_UA_PLATFORM",
        HeaderName::from_static("sec-ch-ua-platform"),
    ),
    (b"SEC_FETCH_DEST", HeaderName::from_static("sec-fetch-dest")),
    (b"SEC_FETCH_MODE", HeaderName::from_static("sec-fetch-mode")),
    (b"SEC_FETCH_SITE", HeaderName::from_static("sec-fetch-site")),
    (b"SEC_FETCH_USER", HeaderName::from_static("sec-fetch-user")),
    (b"SEC_GPC", HeaderName::from_static("sec-gpc")),
    (b"SEC_PURPOSE", HeaderName::from_static("sec-purpose")),
    (
        b"X_FORWARDED_FOR",
        HeaderName::from_static("x-forwarded-for"),
    ),
    (
        b"X_FORWARDED_HOST",
        HeaderName::from_static("x-forwarded-host"),
    ),
    (
        b"X_FORWARDED_PORT",
        HeaderName::from_static("x-forwarded-port"),
    ),
    (
        b"X_FORWARDED_PROTO",
        HeaderName::from_static("x-forwarded-proto"),
    ),
    (b"X_REAL_IP", HeaderName::from_static("x-real-ip")),
    (b"X_REQUEST_ID", HeaderName::from_static("x-request-id")),
    (
        b"X_REQUESTED_WITH",
        HeaderName::from_static("x-requested-with"),
    ),
];

/// The header name of the CGI name `cgi` (without `HTTP_`), if it is in the table.
pub(super) fn known(cgi: &[u8]) -> Option<HeaderName> {
    // A slice comparison tells the length first: the bytes are compared only for the
    // few names of `cgi`'s length.
    KNOWN
        .iter()
        .find(|(name, _)| *name == cgi)
        .map(|(_, header)| header.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_known_name_is_the_one_the_cgi_name_makes() {
        for (cgi, _) in &KNOWN {
            let cgi = std::str::from_utf8(cgi).unwrap();
            let made = super::super::header_name(cgi.as_bytes()).unwrap();
            let constant = known(cgi.as_bytes()).unwrap_or_else(|| panic!("{cgi} not known"));
            assert_eq!(constant, made, "{cgi}");
            // Not one of `http`'s own constants (those cost nothing already).
            assert!(
                HeaderName::from_bytes(made.as_str().as_bytes())
                    .unwrap()
                    .as_str()
                    .as_ptr()
                    != made.as_str().as_ptr(),
                "{cgi}: http knows it"
            );
            // A constant: the same bytes every time, no copy.
            let again = known(cgi.as_bytes()).unwrap();
            assert_eq!(again.as_str().as_ptr(), constant.as_str().as_ptr(), "{cgi}");
        }
    }

    #[test]
    fn other_names_are_not_known() {
        for cgi in [
            "",
            "ACCEPT",
            "USER_AGENT",
            "X_CUSTOM",
            "SEC_FETCH",
            "SEC_FETCH_DESTX",
            "sec_fetch_dest",
            "SEC-FETCH-DEST",
            "X_FORWARDED",
            "PRIORITY_",
        ] {
            assert!(known(cgi.as_bytes()).is_none(), "{cgi}");
        }
    }
}
