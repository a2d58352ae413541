//! Header names that browsers and proxies send and `http` has no constant for, as constants
//! of this crate: a name `http` does not know (`sec-fetch-site`, `x-forwarded-for`, ...)
//! is an allocation each time it is made, and a browser's request carries several.
//!
//! A fixed table, not a cache of what peers sent: a peer cannot fill it, evict from it or
//! make it cost more. A name not in it costs a comparison of its length with the table's
//! (and of its bytes with the few of the same length), then is made as before.

use http::HeaderName;

/// The header name of the CGI name `cgi` (without `HTTP_`), if it is one of the table's
/// (as nginx, Apache and lighttpd write them: upper case, `_` for `-`).
pub(super) fn known(cgi: &[u8]) -> Option<HeaderName> {
    let name = match cgi {
        b"PRIORITY" => "priority",
        b"SEC_CH_UA" => "sec-ch-ua",
        b"SEC_CH_UA_MOBILE" => "sec-ch-ua-mobile",
        b"SEC_CH_UA_PLATFORM" => "sec-ch-ua-platform",
        b"SEC_FETCH_DEST" => "sec-fetch-dest",
        b"SEC_FETCH_MODE" => "sec-fetch-mode",
        b"SEC_FETCH_SITE" => "sec-fetch-site",
        b"SEC_FETCH_USER" => "sec-fetch-user",
        b"SEC_GPC" => "sec-gpc",
        b"SEC_PURPOSE" => "sec-purpose",
        b"X_FORWARDED_FOR" => "x-forwarded-for",
        b"X_FORWARDED_HOST" => "x-forwarded-host",
        b"X_FORWARDED_PORT" => "x-forwarded-port",
        b"X_FORWARDED_PROTO" => "x-forwarded-proto",
        b"X_REAL_IP" => "x-real-ip",
        b"X_REQUEST_ID" => "x-request-id",
        b"X_REQUESTED_WITH" => "x-requested-with",
        _ => return None,
    };
    Some(HeaderName::from_static(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every CGI name of the table.
    const TABLE: [&str; 17] = [
        "PRIORITY",
        "SEC_CH_UA",
        "SEC_CH_UA_MOBILE",
        "SEC_CH_UA_PLATFORM",
        "SEC_FETCH_DEST",
        "SEC_FETCH_MODE",
        "SEC_FETCH_SITE",
        "SEC_FETCH_USER",
        "SEC_GPC",
        "SEC_PURPOSE",
        "X_FORWARDED_FOR",
        "X_FORWARDED_HOST",
        "X_FORWARDED_PORT",
        "X_FORWARDED_PROTO",
        "X_REAL_IP",
        "X_REQUEST_ID",
        "X_REQUESTED_WITH",
    ];

    #[test]
    fn each_known_name_is_the_one_the_cgi_name_makes() {
        for cgi in TABLE {
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
