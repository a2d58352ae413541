//! sioscgi as the benchmark drives it: the request reader fed whole or in chunks, the
//! response writer, the client's response reader.

use sioscgi::client::{self, ResponseReader};
use sioscgi::{Config, Event, Reader, ResponseHead, Status, Writer};

/// What a run found: enough to check that every parser did the whole job, and to keep
/// the optimiser from dropping the work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// The declared body length (`CONTENT_LENGTH`).
    pub content_length: u64,
    /// Body bytes delivered.
    pub body: usize,
    /// Whether the end of the request was reported.
    pub end: bool,
}

/// The reader's configuration in every run: the default 64 KiB limit, nginx's repeated
/// names refused (as by default).
pub const CONFIG: Config = Config::new();

/// The reader's configuration for a consumer that copies every pair into its own map
/// (sioscgi-tower, the Python package): repeated names allowed, the names not indexed.
pub const UNINDEXED: Config = Config::new().allow_repeated_names(true).index_names(false);

/// Reads `request` handed over in chunks of `chunk` bytes (`usize::MAX`: whole), with the
/// header block kept in `storage`.
pub fn read_request(storage: &mut [u8], request: &[u8], chunk: usize) -> Found {
    let mut reader = Reader::with_config(storage, CONFIG);
    let mut found = Found::default();
    for piece in request.chunks(chunk.max(1)) {
        let mut input = piece;
        loop {
            match reader.read(input) {
                Ok((used, event)) => {
                    input = input.get(used..).unwrap_or_default();
                    match event {
                        Some(Event::Headers(env)) => found.content_length = env.content_length(),
                        Some(Event::Body(data)) => found.body += data.len(),
                        Some(Event::End) => {
                            found.end = true;
                            return found;
                        }
                        None => break,
                    }
                }
                Err(_) => return found,
            }
        }
    }
    found
}

/// The names an application typically looks up: routing, query, body, host, session,
/// client.
pub const LOOKUPS: [&str; 8] = [
    "REQUEST_METHOD",
    "REQUEST_URI",
    "QUERY_STRING",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "HTTP_HOST",
    "HTTP_COOKIE",
    "HTTP_USER_AGENT",
];

/// What an application does with the environment: nothing (the reader alone), visit
/// every pair (what httparse's output is used for), or look up [`LOOKUPS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Read only.
    Nothing,
    /// Visit every pair (adding up the lengths of names and values).
    VisitEveryPair,
    /// The same, read with [`UNINDEXED`].
    VisitUnindexed,
    /// Look up the 8 names of [`LOOKUPS`] (adding up the lengths of the values found).
    Get8,
}

/// Reads `request` whole with the header block kept in `storage`, uses the environment as
/// `how` says, and returns what was found and the sum of the lengths it looked at. Inlined
/// where `how` is a constant, so that each use pays for its own reading only.
#[inline]
pub fn read_and_use(storage: &mut [u8], request: &[u8], how: Use) -> (Found, usize) {
    let config = if how == Use::VisitUnindexed {
        UNINDEXED
    } else {
        CONFIG
    };
    let mut reader = Reader::with_config(storage, config);
    let mut found = Found::default();
    let mut used = 0;
    let mut input = request;
    loop {
        let Ok((taken, event)) = reader.read(input) else {
            return (found, used);
        };
        input = input.get(taken..).unwrap_or_default();
        match event {
            Some(Event::Headers(env)) => {
                found.content_length = env.content_length();
                used = match how {
                    Use::Nothing => 0,
                    Use::VisitEveryPair | Use::VisitUnindexed => {
                        env.iter().map(|(n, v)| n.len() + v.len()).sum()
                    }
                    Use::Get8 => LOOKUPS
                        .iter()
                        .filter_map(|name| env.get(name))
                        .map(<[u8]>::len)
                        .sum(),
                };
            }
            Some(Event::Body(data)) => found.body += data.len(),
            Some(Event::End) => {
                found.end = true;
                return (found, used);
            }
            None => return (found, used),
        }
    }
}

/// The headers of a typical HTML answer.
pub const RESPONSE_HEADERS: [(&str, &str); 4] = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "private, max-age=0"),
    (
        "Set-Cookie",
        "session=8f14e45fceea167a5a36dedd4bea2543; Path=/; HttpOnly",
    ),
    ("X-Frame-Options", "DENY"),
];

/// Builds (validates) the typical response head and encodes it into `out` through the
/// writer; returns the encoded length.
pub fn write_response_head(out: &mut [u8]) -> usize {
    let Ok(head) = ResponseHead::new(Some(Status::Code(200)), &RESPONSE_HEADERS) else {
        return 0;
    };
    let mut writer = Writer::new();
    writer.send_head(&head, out).unwrap_or(0)
}

/// Encodes an already built head (the part of the writer that runs per response when the
/// head is a constant).
pub fn encode_head(head: &ResponseHead<'_>, out: &mut [u8]) -> usize {
    let mut writer = Writer::new();
    writer.send_head(head, out).unwrap_or(0)
}

/// The typical response's bytes (head and a short body), as an application sends them.
pub fn typical_response() -> Vec<u8> {
    let mut out = vec![0u8; 512];
    let n = write_response_head(&mut out);
    out.truncate(n);
    out.extend_from_slice(b"<!doctype html><title>ok</title><p>Hello from SCGI.</p>\n");
    out
}

/// Reads a response (client side) handed over whole, then EOF; returns the number of
/// headers and body bytes.
pub fn read_response(storage: &mut [u8], response: &[u8]) -> (u16, usize) {
    let mut reader = ResponseReader::new(storage);
    let mut status = 0;
    let mut body = 0;
    let mut input = response;
    loop {
        match reader.read(input) {
            Ok((used, event)) => {
                input = input.get(used..).unwrap_or_default();
                match event {
                    Some(client::Event::Headers(h)) => status = h.effective_status(),
                    Some(client::Event::Body(b)) => body += b.len(),
                    Some(client::Event::End) => return (status, body),
                    None => break,
                }
            }
            Err(_) => return (0, 0),
        }
    }
    match reader.read_eof() {
        Ok(_) => (status, body),
        Err(_) => (0, 0),
    }
}
