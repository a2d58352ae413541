//! The CGI environment of a request, kept as a typed extension of the `http::Request`.

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;

/// Every variable the web server sent (`REMOTE_ADDR`, `SERVER_NAME`, `HTTPS`,
/// `SCRIPT_NAME`, `PATH_INFO`, `DOCUMENT_ROOT`, the `HTTP_*` headers, ...), in the
/// request's extensions.
///
/// It shares the copy of the header block the request's headers point into: no variable
/// is copied again. With axum, extract it with `Extension<CgiEnvironment>`:
///
/// ```
/// use axum::Extension;
/// use sioscgi_tower::CgiEnvironment;
///
/// async fn who(Extension(cgi): Extension<CgiEnvironment>) -> String {
///     match cgi.remote_addr() {
///         Some(client) => format!("hello, {client}\n"),
///         None => "hello\n".to_owned(),
///     }
/// }
/// # let _ = axum::Router::<()>::new().route("/", axum::routing::get(who));
/// ```
#[derive(Clone, Debug)]
pub struct CgiEnvironment {
    block: Bytes,
    remote_ip: Option<IpAddr>,
    remote_port: Option<u16>,
    server_port: Option<u16>,
    https: bool,
}

impl CgiEnvironment {
    /// The value of the first variable called `name` (exact bytes, case-sensitive).
    pub fn get(&self, name: impl AsRef<[u8]>) -> Option<&[u8]> {
        let name = name.as_ref();
        self.iter().find(|&(n, _)| n == name).map(|(_, v)| v)
    }

    /// [`CgiEnvironment::get`], if the value is UTF-8.
    pub fn get_str(&self, name: impl AsRef<[u8]>) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Every variable, in the order the web server sent them (repeats included).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        let mut strings = self.block.split(|&b| b == 0);
        std::iter::from_fn(move || {
            let name = strings.next()?;
            let value = strings.next()?;
            Some((name, value))
        })
    }

    /// The raw header block, `NAME\0VALUE\0...`, exactly as received.
    pub fn as_bytes(&self) -> &Bytes {
        &self.block
    }

    /// The client's address (`REMOTE_ADDR` and `REMOTE_PORT`), if both parse (`None`, for
    /// example, when the client came through a Unix socket: nginx sends `unix:`).
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        Some(SocketAddr::new(self.remote_ip?, self.remote_port?))
    }

    /// The client's IP address (`REMOTE_ADDR`), if it parses.
    pub fn remote_ip(&self) -> Option<IpAddr> {
        self.remote_ip
    }

    /// The client's port (`REMOTE_PORT`), if it parses.
    pub fn remote_port(&self) -> Option<u16> {
        self.remote_port
    }

    /// The address the web server took the request on (`SERVER_ADDR` and
    /// `SERVER_PORT`), if both parse.
    pub fn server_addr(&self) -> Option<SocketAddr> {
        let ip: IpAddr = self.get_str("SERVER_ADDR")?.parse().ok()?;
        Some(SocketAddr::new(ip, self.server_port?))
    }

    /// `SERVER_NAME`: the host name the web server answered for.
    pub fn server_name(&self) -> Option<&str> {
        self.get_str("SERVER_NAME")
    }

    /// `SERVER_PORT`, if it parses.
    pub fn server_port(&self) -> Option<u16> {
        self.server_port
    }

    /// Whether the client used TLS (`HTTPS` is `on` or `1`, or `REQUEST_SCHEME` is
    /// `https`).
    pub fn https(&self) -> bool {
        self.https
    }

    /// `SCRIPT_NAME`: the part of the path that selected this application.
    pub fn script_name(&self) -> Option<&str> {
        self.get_str("SCRIPT_NAME")
    }

    /// `PATH_INFO`: the rest of the path, decoded.
    pub fn path_info(&self) -> Option<&str> {
        self.get_str("PATH_INFO")
    }

    /// `QUERY_STRING`, as the client sent it (not decoded).
    pub fn query_string(&self) -> Option<&str> {
        self.get_str("QUERY_STRING")
    }

    /// `DOCUMENT_ROOT`.
    pub fn document_root(&self) -> Option<&str> {
        self.get_str("DOCUMENT_ROOT")
    }

    /// `REMOTE_USER`: the user the web server authenticated, if any.
    pub fn remote_user(&self) -> Option<&str> {
        self.get_str("REMOTE_USER")
    }

    /// `SERVER_SOFTWARE`: the web server's name and version.
    pub fn server_software(&self) -> Option<&str> {
        self.get_str("SERVER_SOFTWARE")
    }
}

/// The variables a [`CgiEnvironment`] keeps parsed, as first found in a walk of the block.
#[derive(Default)]
pub(crate) struct Typed<'a> {
    remote_addr: Option<&'a [u8]>,
    remote_port: Option<&'a [u8]>,
    server_port: Option<&'a [u8]>,
    https: Option<&'a [u8]>,
    request_scheme: Option<&'a [u8]>,
}

impl<'a> Typed<'a> {
    /// Keeps `value` if `name` is one of the typed variables not seen before (the first
    /// of repeated names wins, as in [`CgiEnvironment::get`]).
    pub(crate) fn note(&mut self, name: &[u8], value: &'a [u8]) {
        let slot = match name {
            b"REMOTE_ADDR" => &mut self.remote_addr,
            b"REMOTE_PORT" => &mut self.remote_port,
            b"SERVER_PORT" => &mut self.server_port,
            b"HTTPS" => &mut self.https,
            b"REQUEST_SCHEME" => &mut self.request_scheme,
            _ => return,
        };
        slot.get_or_insert(value);
    }

    /// The environment of `block`, whose walk showed its variables to `self` (the
    /// block is not searched again).
    pub(crate) fn environment(&self, block: Bytes) -> CgiEnvironment {
        fn text(value: Option<&[u8]>) -> Option<&str> {
            value.and_then(|v| std::str::from_utf8(v).ok())
        }
        CgiEnvironment {
            block,
            remote_ip: text(self.remote_addr).and_then(|a| a.parse().ok()),
            remote_port: text(self.remote_port).and_then(|p| p.parse().ok()),
            server_port: text(self.server_port).and_then(|p| p.parse().ok()),
            https: self
                .https
                .is_some_and(|v| v.eq_ignore_ascii_case(b"on") || v == b"1")
                || self
                    .request_scheme
                    .is_some_and(|v| v.eq_ignore_ascii_case(b"https")),
        }
    }
}

/// The environment of `pairs` (for tests).
#[cfg(test)]
pub(crate) fn environment_of(pairs: &[(&str, &str)]) -> CgiEnvironment {
    let mut block = Vec::new();
    for (n, v) in pairs {
        block.extend_from_slice(n.as_bytes());
        block.push(0);
        block.extend_from_slice(v.as_bytes());
        block.push(0);
    }
    let mut typed = Typed::default();
    let mut strings = block.split(|&b| b == 0);
    while let (Some(name), Some(value)) = (strings.next(), strings.next()) {
        typed.note(name, value);
    }
    typed.environment(Bytes::copy_from_slice(&block))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(pairs: &[(&str, &str)]) -> CgiEnvironment {
        environment_of(pairs)
    }

    #[test]
    fn typed_variables() {
        let cgi = environment(&[
            ("CONTENT_LENGTH", "0"),
            ("REMOTE_ADDR", "2001:db8::7"),
            ("REMOTE_PORT", "50312"),
            ("SERVER_PORT", "443"),
            ("HTTPS", "on"),
            ("SERVER_NAME", "example.org"),
            ("SCRIPT_NAME", "/app"),
            ("PATH_INFO", "/a b"),
            ("QUERY_STRING", "x=1"),
            ("DOCUMENT_ROOT", "/srv/www"),
            ("REMOTE_USER", "ana"),
            ("SERVER_SOFTWARE", "nginx/1.22.1"),
            ("EMPTY", ""),
        ]);
        assert_eq!(
            cgi.remote_addr(),
            Some("[2001:db8::7]:50312".parse().unwrap())
        );
        assert_eq!(cgi.server_port(), Some(443));
        assert_eq!(cgi.server_addr(), None);
        assert!(cgi.https());
        assert_eq!(cgi.server_name(), Some("example.org"));
        assert_eq!(cgi.script_name(), Some("/app"));
        assert_eq!(cgi.path_info(), Some("/a b"));
        assert_eq!(cgi.query_string(), Some("x=1"));
        assert_eq!(cgi.document_root(), Some("/srv/www"));
        assert_eq!(cgi.remote_user(), Some("ana"));
        assert_eq!(cgi.server_software(), Some("nginx/1.22.1"));
        assert_eq!(cgi.get("EMPTY"), Some(&b""[..]));
        assert_eq!(cgi.get("MISSING"), None);
        assert_eq!(cgi.iter().count(), 13);
    }

    #[test]
    fn unparsable_addresses_are_none_not_errors() {
        let cgi = environment(&[("REMOTE_ADDR", "unix:"), ("REMOTE_PORT", "")]);
        assert_eq!(cgi.remote_addr(), None);
        assert_eq!(cgi.remote_ip(), None);
        assert!(!cgi.https());
        let cgi = environment(&[("REQUEST_SCHEME", "HTTPS"), ("REMOTE_ADDR", "10.0.0.1")]);
        assert!(cgi.https());
        assert_eq!(cgi.remote_ip(), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(cgi.remote_addr(), None);
    }
}
