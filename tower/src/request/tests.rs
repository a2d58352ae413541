use super::*;
use crate::CgiEnvironment;
use sioscgi::{Config, Event, Reader};

/// A netstring request with `CONTENT_LENGTH` and `SCGI` first, then `pairs`.
fn netstring(content_length: u64, pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
    let length = content_length.to_string();
    let mut block = Vec::new();
    let all = [
        (&b"CONTENT_LENGTH"[..], length.as_bytes()),
        (&b"SCGI"[..], &b"1"[..]),
    ];
    for (n, v) in all.iter().chain(pairs) {
        block.extend_from_slice(n);
        block.push(0);
        block.extend_from_slice(v);
        block.push(0);
    }
    let mut out = format!("{}:", block.len()).into_bytes();
    out.extend_from_slice(&block);
    out.push(b',');
    out
}

type Pair<'a> = (&'a [u8], &'a [u8]);

fn convert_with(
    config: Config,
    content_length: u64,
    pairs: &[(&[u8], &[u8])],
) -> Result<Request<()>, RequestError> {
    let mut reader = Reader::with_config(Vec::new(), config);
    let bytes = netstring(content_length, pairs);
    let (_, event) = reader.read(&bytes).expect("a valid request");
    let Some(Event::Headers(environment)) = event else {
        panic!("no environment")
    };
    into_request(&environment, ())
}

fn convert(pairs: &[(&[u8], &[u8])]) -> Result<Request<()>, RequestError> {
    convert_with(Config::new(), 0, pairs)
}

/// What nginx's `scgi_params` sends for `POST /form?x=1` with a few headers.
const NGINX: &[(&[u8], &[u8])] = &[
    (b"REQUEST_METHOD", b"POST"),
    (b"REQUEST_URI", b"/form?x=1"),
    (b"QUERY_STRING", b"x=1"),
    (b"CONTENT_TYPE", b"application/x-www-form-urlencoded"),
    (b"DOCUMENT_URI", b"/form"),
    (b"DOCUMENT_ROOT", b"/var/www/html"),
    (b"SCGI", b"1"),
    (b"SERVER_PROTOCOL", b"HTTP/1.1"),
    (b"REQUEST_SCHEME", b"http"),
    (b"GATEWAY_INTERFACE", b"CGI/1.1"),
    (b"SERVER_SOFTWARE", b"nginx/1.22.1"),
    (b"REMOTE_ADDR", b"192.0.2.7"),
    (b"REMOTE_PORT", b"51234"),
    (b"SERVER_ADDR", b"192.0.2.1"),
    (b"SERVER_PORT", b"8080"),
    (b"SERVER_NAME", b"example.org"),
    (b"HTTP_HOST", b"example.org:8080"),
    (b"HTTP_USER_AGENT", b"curl/8.0"),
    (b"HTTP_ACCEPT", b"*/*"),
    (b"HTTP_X_FORWARDED_FOR", b"198.51.100.3"),
    (b"HTTP_CONTENT_TYPE", b"application/x-www-form-urlencoded"),
    (b"HTTP_CONTENT_LENGTH", b"20"),
];

#[test]
fn every_cgi_variable_lands_where_http_keeps_it() {
    // The helper puts CONTENT_LENGTH and SCGI first; NGINX lists SCGI where nginx does.
    let pairs: Vec<_> = NGINX
        .iter()
        .copied()
        .filter(|(n, _)| *n != b"SCGI")
        .collect();
    let request = convert_with(Config::new(), 20, &pairs).unwrap();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(request.uri(), "/form?x=1");
    assert_eq!(request.uri().path(), "/form");
    assert_eq!(request.uri().query(), Some("x=1"));
    assert_eq!(request.version(), Version::HTTP_11);
    let headers = request.headers();
    assert_eq!(headers["host"], "example.org:8080");
    assert_eq!(headers["user-agent"], "curl/8.0");
    assert_eq!(headers["accept"], "*/*");
    assert_eq!(headers["x-forwarded-for"], "198.51.100.3");
    assert_eq!(headers["content-type"], "application/x-www-form-urlencoded");
    assert_eq!(headers["content-length"], "20");
    // HTTP_CONTENT_TYPE and HTTP_CONTENT_LENGTH do not make second copies.
    assert_eq!(headers.get_all("content-type").iter().count(), 1);
    assert_eq!(headers.get_all("content-length").iter().count(), 1);
    assert_eq!(headers.len(), 6);

    let cgi = request.extensions().get::<CgiEnvironment>().unwrap();
    assert_eq!(cgi.remote_addr(), Some("192.0.2.7:51234".parse().unwrap()));
    assert_eq!(cgi.server_name(), Some("example.org"));
    assert_eq!(cgi.server_port(), Some(8080));
    assert!(!cgi.https());
    assert_eq!(cgi.document_root(), Some("/var/www/html"));
    assert_eq!(cgi.get("DOCUMENT_URI"), Some(&b"/form"[..]));
    assert_eq!(cgi.get("GATEWAY_INTERFACE"), Some(&b"CGI/1.1"[..]));
    assert_eq!(cgi.iter().count(), pairs.len() + 2);
}

#[test]
fn headers_point_into_the_one_copy_of_the_block() {
    let request = convert(&[
        (b"REQUEST_METHOD", b"GET"),
        (b"REQUEST_URI", b"/"),
        (b"HTTP_X_LONG", &[b'v'; 300]),
    ])
    .unwrap();
    let block = request
        .extensions()
        .get::<CgiEnvironment>()
        .unwrap()
        .as_bytes()
        .as_ptr_range();
    let value = request.headers()["x-long"].as_bytes().as_ptr_range();
    assert!(block.start <= value.start && value.end <= block.end);
}

#[test]
fn an_empty_body_has_no_content_length_and_no_content_type() {
    let request = convert(&[
        (b"REQUEST_METHOD", b"GET"),
        (b"REQUEST_URI", b"/"),
        (b"CONTENT_TYPE", b""),
    ])
    .unwrap();
    assert!(request.headers().is_empty());
}

#[test]
fn repeated_names_become_repeated_headers_in_order() {
    let config = Config::new().allow_repeated_names(true);
    let request = convert_with(
        config,
        0,
        &[
            (b"REQUEST_METHOD", b"GET"),
            (b"HTTP_ACCEPT", b"text/html"),
            (b"REQUEST_URI", b"/"),
            (b"HTTP_ACCEPT", b"text/plain"),
            (b"HTTP_X_CUSTOM_NAME", b"1"),
            (b"HTTP_X_CUSTOM_NAME", b"2"),
            (b"HTTP_X_CUSTOM_NAME", b"3"),
            // The same value twice is no conflict.
            (b"REQUEST_METHOD", b"GET"),
        ],
    )
    .unwrap();
    let accept: Vec<_> = request.headers().get_all("accept").iter().collect();
    assert_eq!(accept, ["text/html", "text/plain"]);
    let custom: Vec<_> = request.headers().get_all("x-custom-name").iter().collect();
    assert_eq!(custom, ["1", "2", "3"]);
    assert_eq!(request.method(), Method::GET);
}

#[test]
fn typed_variables_come_from_the_requests_own_walk_first_of_repeats() {
    let config = Config::new().allow_repeated_names(true);
    let request = convert_with(
        config,
        0,
        &[
            (b"REQUEST_METHOD", b"GET"),
            (b"REQUEST_URI", b"/"),
            (b"REMOTE_ADDR", b"2001:db8::1"),
            (b"REMOTE_PORT", b"4711"),
            (b"REMOTE_ADDR", b"192.0.2.9"),
            (b"SERVER_PORT", b"443"),
            (b"SERVER_PORT", b"80"),
            (b"HTTPS", b"off"),
            (b"REQUEST_SCHEME", b"HTTPS"),
        ],
    )
    .unwrap();
    let cgi = request.extensions().get::<CgiEnvironment>().unwrap();
    // As `get` sees them: the first of repeated names.
    assert_eq!(cgi.get_str("REMOTE_ADDR"), Some("2001:db8::1"));
    assert_eq!(
        cgi.remote_addr(),
        Some("[2001:db8::1]:4711".parse().unwrap())
    );
    assert_eq!(cgi.server_port(), Some(443));
    assert!(cgi.https());
    let plain = convert(&[(b"REQUEST_METHOD", b"GET"), (b"HTTPS", b"1")]).unwrap();
    let cgi = plain.extensions().get::<CgiEnvironment>().unwrap();
    assert!(cgi.https());
    assert_eq!((cgi.remote_addr(), cgi.server_port()), (None, None));
}

#[test]
fn versions() {
    for (protocol, version) in [
        (&b"HTTP/0.9"[..], Version::HTTP_09),
        (b"HTTP/1.0", Version::HTTP_10),
        (b"HTTP/1.1", Version::HTTP_11),
        (b"HTTP/2.0", Version::HTTP_2),
        (b"HTTP/2", Version::HTTP_2),
        (b"HTTP/3.0", Version::HTTP_3),
        (b"HTTP/3", Version::HTTP_3),
    ] {
        let request = convert(&[(b"REQUEST_METHOD", b"GET"), (b"SERVER_PROTOCOL", protocol)]);
        assert_eq!(request.unwrap().version(), version);
    }
    let request = convert(&[(b"REQUEST_METHOD", b"GET")]).unwrap();
    assert_eq!(request.version(), Version::HTTP_11);
}

#[test]
fn methods_including_extension_methods() {
    for method in [
        "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PROPFIND",
    ] {
        let request = convert(&[(b"REQUEST_METHOD", method.as_bytes())]).unwrap();
        assert_eq!(request.method().as_str(), method);
    }
}

#[test]
fn without_request_uri_the_uri_is_rebuilt_from_the_path_variables() {
    let request = convert(&[
        (b"REQUEST_METHOD", b"GET"),
        (b"SCRIPT_NAME", b"/app"),
        (b"PATH_INFO", b"/a b/100%/\xc3\xa9"),
        (b"QUERY_STRING", b"x=1&y=%20"),
    ])
    .unwrap();
    assert_eq!(request.uri(), "/app/a%20b/100%25/%C3%A9?x=1&y=%20");
    // An empty REQUEST_URI counts as none; nothing at all is `/`.
    let request = convert(&[(b"REQUEST_METHOD", b"GET"), (b"REQUEST_URI", b"")]).unwrap();
    assert_eq!(request.uri(), "/");
    let request = convert(&[(b"REQUEST_METHOD", b"GET"), (b"QUERY_STRING", b"q")]).unwrap();
    assert_eq!(request.uri(), "/?q");
}

#[test]
fn absolute_and_asterisk_request_uris() {
    let request = convert(&[
        (b"REQUEST_METHOD", b"GET"),
        (b"REQUEST_URI", b"http://example.org/x"),
    ])
    .unwrap();
    assert_eq!(request.uri().host(), Some("example.org"));
    assert_eq!(request.uri().path(), "/x");
    let request = convert(&[(b"REQUEST_METHOD", b"OPTIONS"), (b"REQUEST_URI", b"*")]).unwrap();
    assert_eq!(request.uri(), "*");
}

#[test]
fn bad_values_are_refused() {
    let get = (&b"REQUEST_METHOD"[..], &b"GET"[..]);
    let cases: Vec<(Vec<Pair>, RequestError)> = vec![
        (vec![(b"REQUEST_URI", b"/")], RequestError::MissingMethod),
        (vec![(b"REQUEST_METHOD", b"GE T")], RequestError::BadMethod),
        (vec![(b"REQUEST_METHOD", b"")], RequestError::BadMethod),
        (vec![get, (b"REQUEST_URI", b"/a b")], RequestError::BadUri),
        (vec![get, (b"REQUEST_URI", b"/\x7f")], RequestError::BadUri),
        (vec![get, (b"QUERY_STRING", b"a b")], RequestError::BadUri),
        (vec![get, (b"QUERY_STRING", b"\xff")], RequestError::BadUri),
        (
            vec![get, (b"SERVER_PROTOCOL", b"SPDY/3")],
            RequestError::BadVersion,
        ),
        (
            vec![get, (b"SERVER_PROTOCOL", b"HTTP/1.1 ")],
            RequestError::BadVersion,
        ),
        (
            vec![get, (b"HTTP_X(Y", b"1")],
            RequestError::BadHeaderName("HTTP_X(Y".into()),
        ),
        (
            vec![get, (b"HTTP_", b"1")],
            RequestError::BadHeaderName("HTTP_".into()),
        ),
        (
            vec![get, (b"HTTP_X_A", b"a\r\nb: c")],
            RequestError::BadHeaderValue("x-a".into()),
        ),
        (
            vec![get, (b"HTTP_X_A", b"a"), (b"HTTP_X_B", b"\x01")],
            RequestError::BadHeaderValue("x-b".into()),
        ),
        (
            vec![get, (b"CONTENT_TYPE", b"text/plain\n")],
            RequestError::BadHeaderValue("CONTENT_TYPE".into()),
        ),
    ];
    for (pairs, expected) in cases {
        assert_eq!(convert(&pairs).unwrap_err(), expected, "{pairs:?}");
        assert!(!expected.to_string().is_empty());
    }
    // A long name that does not fit the stack buffer takes the other path.
    let long = format!("HTTP_{}", "X".repeat(100));
    let request = convert(&[get, (long.as_bytes(), b"1")]).unwrap();
    assert_eq!(request.headers()[&"x".repeat(100)], "1");
    let long = format!("HTTP_{}(", "X".repeat(100));
    assert!(matches!(
        convert(&[get, (long.as_bytes(), b"1")]),
        Err(RequestError::BadHeaderName(_))
    ));
}

#[test]
fn conflicting_request_line_variables_are_refused() {
    let config = Config::new().allow_repeated_names(true);
    for name in [
        &b"REQUEST_METHOD"[..],
        b"REQUEST_URI",
        b"SERVER_PROTOCOL",
        b"CONTENT_TYPE",
        b"PATH_INFO",
    ] {
        let result = convert_with(
            config,
            0,
            &[(b"REQUEST_METHOD", b"GET"), (name, b"one"), (name, b"two")],
        );
        let expected = RequestError::Conflicting(std::str::from_utf8(name).unwrap());
        assert_eq!(result.unwrap_err(), expected, "{name:?}");
    }
}

#[test]
fn the_tests_own_netstring_is_what_the_reader_accepts() {
    // Guards the helper: a wrong length would make every test above fail to read.
    let bytes = netstring(3, &[(b"A", b"b")]);
    assert!(bytes.starts_with(b"28:CONTENT_LENGTH\x003\x00SCGI\x001\x00A\x00b\x00,"));
}
