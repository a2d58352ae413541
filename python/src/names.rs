//! Python strings for variable names: the CGI variables and request headers web servers
//! send every time come from a table of interned strings (no allocation, a hash Python
//! already knows); any other name is decoded from ISO-8859-1.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;

/// The names interned once. Peers cannot add to it (no unbounded cache).
const COMMON: &[&str] = &[
    "AUTH_TYPE",
    "CONTENT_LENGTH",
    "CONTENT_TYPE",
    "CONTEXT_DOCUMENT_ROOT",
    "CONTEXT_PREFIX",
    "DOCUMENT_ROOT",
    "DOCUMENT_URI",
    "GATEWAY_INTERFACE",
    "HTTPS",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_AUTHORIZATION",
    "HTTP_CACHE_CONTROL",
    "HTTP_CONNECTION",
    "HTTP_CONTENT_LENGTH",
    "HTTP_CONTENT_TYPE",
    "HTTP_COOKIE",
    "HTTP_DNT",
    "HTTP_EXPECT",
    "HTTP_HOST",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_NONE_MATCH",
    "HTTP_ORIGIN",
    "HTTP_PRAGMA",
    "HTTP_PRIORITY",
    "HTTP_RANGE",
    "HTTP_REFERER",
    "HTTP_SEC_CH_UA",
    "HTTP_SEC_CH_UA_MOBILE",
    "HTTP_SEC_CH_UA_PLATFORM",
    "HTTP_SEC_FETCH_DEST",
    "HTTP_SEC_FETCH_MODE",
    "HTTP_SEC_FETCH_SITE",
    "HTTP_SEC_FETCH_USER",
    "HTTP_TE",
    "HTTP_UPGRADE_INSECURE_REQUESTS",
    "HTTP_USER_AGENT",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_REAL_IP",
    "HTTP_X_REQUESTED_WITH",
    "PATH",
    "PATH_INFO",
    "PATH_TRANSLATED",
    "QUERY_STRING",
    "REDIRECT_STATUS",
    "REMOTE_ADDR",
    "REMOTE_HOST",
    "REMOTE_PORT",
    "REMOTE_USER",
    "REQUEST_METHOD",
    "REQUEST_SCHEME",
    "REQUEST_URI",
    "SCGI",
    "SCRIPT_FILENAME",
    "SCRIPT_NAME",
    "SERVER_ADDR",
    "SERVER_ADMIN",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "SERVER_SIGNATURE",
    "SERVER_SOFTWARE",
];

/// Slots of the lookup table: a power of two, at least four times the names.
const SLOTS: usize = 512;

/// Where a name would be: its length and three of its bytes, mixed.
fn slot(name: &[u8]) -> usize {
    let len = name.len();
    let (first, middle, last) = match (name.first(), name.get(len / 2), name.last()) {
        (Some(&f), Some(&m), Some(&l)) => (f as usize, m as usize, l as usize),
        _ => (0, 0, 0),
    };
    (len.wrapping_mul(97)
        ^ first.wrapping_mul(31)
        ^ middle.wrapping_mul(7)
        ^ last.wrapping_mul(131))
        % SLOTS
}

struct Table {
    /// Per slot, the indexes into `COMMON` and `strings` of the names that land there.
    slots: Vec<Vec<u8>>,
    strings: Vec<Py<PyString>>,
}

static TABLE: PyOnceLock<Table> = PyOnceLock::new();

fn table(py: Python<'_>) -> &Table {
    TABLE.get_or_init(py, || {
        let mut slots = vec![Vec::new(); SLOTS];
        for (i, name) in COMMON.iter().enumerate() {
            if let Some(list) = slots.get_mut(slot(name.as_bytes())) {
                list.push(i as u8);
            }
        }
        let strings = COMMON
            .iter()
            .map(|n| PyString::intern(py, n).unbind())
            .collect();
        Table { slots, strings }
    })
}

/// The Python string of a variable name: its bytes as ISO-8859-1 characters.
pub(crate) fn name<'py>(py: Python<'py>, bytes: &[u8]) -> Bound<'py, PyString> {
    let table = table(py);
    if let Some(list) = table.slots.get(slot(bytes)) {
        for &i in list {
            if COMMON
                .get(i as usize)
                .is_some_and(|n| n.as_bytes() == bytes)
                && let Some(s) = table.strings.get(i as usize)
            {
                return s.bind(py).clone();
            }
        }
    }
    latin1(py, bytes)
}

/// Bytes as a Python string of ISO-8859-1 characters (what `bytes.decode("latin-1")`
/// gives).
pub(crate) fn latin1<'py>(py: Python<'py>, bytes: &[u8]) -> Bound<'py, PyString> {
    match std::str::from_utf8(bytes) {
        Ok(ascii) if bytes.is_ascii() => PyString::new(py, ascii),
        _ => {
            let text: String = bytes.iter().map(|&b| char::from(b)).collect();
            PyString::new(py, &text)
        }
    }
}
