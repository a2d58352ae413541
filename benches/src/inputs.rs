//! The benchmark inputs: each request as SCGI bytes (what a web server sends) and as the
//! HTTP/1.1 request it came from (what httparse parses), with what every parser must find.

use sioscgi::Event;

/// A real nginx capture: a browser's `GET` (Firefox's headers), 28 pairs.
pub const TYPICAL_CAPTURE: &[u8] = include_bytes!("../../tests/vectors/nginx/browser_get.scgi");
/// A real nginx capture: `POST /upload` with 1 MiB of random bytes.
pub const MIB_CAPTURE: &[u8] = include_bytes!("../../tests/vectors/nginx/post_1mb.scgi");

/// One request in both forms.
pub struct Input {
    /// Short name, used in benchmark ids and in the report.
    pub name: &'static str,
    /// What the report says it is.
    pub description: &'static str,
    /// The SCGI request: netstring header block, then the body.
    pub scgi: Vec<u8>,
    /// The same request as HTTP/1.1: request line, headers, empty line, body.
    pub http: Vec<u8>,
    /// Name/value pairs in the SCGI header block.
    pub pairs: usize,
    /// Header lines in the HTTP form.
    pub http_headers: usize,
    /// Body length.
    pub body_len: usize,
}

impl Input {
    /// The SCGI header block alone (between `LEN:` and `,`).
    pub fn block(&self) -> &[u8] {
        let colon = self.scgi.iter().position(|&b| b == b':').unwrap_or(0);
        let len: usize = std::str::from_utf8(&self.scgi[..colon])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        &self.scgi[colon + 1..colon + 1 + len]
    }
}

/// An environment's variables, name and value, in order.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// The environment and body of an SCGI request, read with sioscgi's reader.
pub fn decode(scgi: &[u8]) -> (Pairs, Vec<u8>) {
    let mut storage = vec![0u8; 1 << 20];
    let config = sioscgi::Config::new().max_block_len(1 << 20);
    let mut reader = sioscgi::Reader::with_config(&mut storage[..], config);
    let mut input = scgi;
    let mut env = Vec::new();
    let mut body = Vec::new();
    loop {
        let (used, event) = reader.read(input).expect("a valid request");
        input = &input[used..];
        match event {
            Some(Event::Headers(e)) => {
                env = e.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect();
            }
            Some(Event::Body(b)) => body.extend_from_slice(b),
            Some(Event::End) => return (env, body),
            None => panic!("incomplete request"),
        }
    }
}

/// An SCGI request with these pairs and body, as this crate's client half writes it (the
/// pairs in their order, `CONTENT_LENGTH` first).
pub fn encode(env: &[(Vec<u8>, Vec<u8>)], body: &[u8]) -> Vec<u8> {
    let pairs: Vec<(&[u8], &[u8])> = env
        .iter()
        .map(|(n, v)| (n.as_slice(), v.as_slice()))
        .collect();
    let mut scratch = vec![0u8; sioscgi::client::scratch_len(pairs.len())];
    let head = sioscgi::client::RequestHead::with_scratch(&pairs, body.len() as u64, &mut scratch)
        .expect("a valid environment");
    let mut out = head.to_vec();
    out.extend_from_slice(body);
    out
}

/// The HTTP/1.1 request a web server turned into this environment: request line,
/// `HTTP_*` variables as header lines (`HTTP_USER_AGENT` → `User-Agent`), `Content-Type`
/// and `Content-Length` when the request has them, then the body.
pub fn to_http(env: &[(Vec<u8>, Vec<u8>)], body: &[u8]) -> (Vec<u8>, usize) {
    let get = |name: &[u8]| {
        env.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    out.extend_from_slice(&get(b"REQUEST_METHOD"));
    out.push(b' ');
    out.extend_from_slice(&get(b"REQUEST_URI"));
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let mut lines = 0;
    let mut header = |out: &mut Vec<u8>, name: &[u8], value: &[u8]| {
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
        lines += 1;
    };
    for (name, value) in env {
        if let Some(rest) = name.strip_prefix(b"HTTP_") {
            // nginx also forwards Content-Type/Content-Length as HTTP_*: keep one copy.
            if rest == b"CONTENT_TYPE" || rest == b"CONTENT_LENGTH" {
                continue;
            }
            let mut title = Vec::with_capacity(rest.len());
            let mut upper = true;
            for &b in rest {
                if b == b'_' {
                    title.push(b'-');
                    upper = true;
                } else {
                    title.push(if upper { b } else { b.to_ascii_lowercase() });
                    upper = false;
                }
            }
            header(&mut out, &title, value);
        }
    }
    let content_type = get(b"CONTENT_TYPE");
    if !content_type.is_empty() {
        header(&mut out, b"Content-Type", &content_type);
    }
    if !body.is_empty() {
        header(
            &mut out,
            b"Content-Length",
            body.len().to_string().as_bytes(),
        );
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    (out, lines)
}

fn input(
    name: &'static str,
    description: &'static str,
    env: &[(Vec<u8>, Vec<u8>)],
    body: &[u8],
) -> Input {
    let (http, http_headers) = to_http(env, body);
    Input {
        name,
        description,
        scgi: encode(env, body),
        http,
        pairs: env.len(),
        http_headers,
        body_len: body.len(),
    }
}

fn set(env: &mut [(Vec<u8>, Vec<u8>)], name: &[u8], value: &[u8]) {
    for (n, v) in env.iter_mut() {
        if n == name {
            *v = value.to_vec();
        }
    }
}

/// The four request inputs of the benchmark.
pub fn all() -> Vec<Input> {
    let (typical_env, _) = decode(TYPICAL_CAPTURE);

    // The same browser request as a form POST with a 4 KiB body.
    let mut post_env = typical_env.clone();
    set(&mut post_env, b"CONTENT_LENGTH", b"4096");
    set(&mut post_env, b"REQUEST_METHOD", b"POST");
    set(
        &mut post_env,
        b"CONTENT_TYPE",
        b"application/x-www-form-urlencoded",
    );
    let post_body: Vec<u8> = (0..4096u32).map(|i| b'a' + (i % 26) as u8).collect();

    // 2,000 pairs: the two mandatory ones, then 1,998 headers `HTTP_X_NNNN=v-NNNN`.
    let mut many_env = vec![
        (b"CONTENT_LENGTH".to_vec(), b"0".to_vec()),
        (b"SCGI".to_vec(), b"1".to_vec()),
        (b"REQUEST_METHOD".to_vec(), b"GET".to_vec()),
        (b"REQUEST_URI".to_vec(), b"/many".to_vec()),
    ];
    for i in 0..1996 {
        many_env.push((
            format!("HTTP_X_{i:04}").into_bytes(),
            format!("v-{i:04}").into_bytes(),
        ));
    }

    let (mib_env, mib_body) = decode(MIB_CAPTURE);

    vec![
        Input {
            scgi: TYPICAL_CAPTURE.to_vec(),
            ..input(
                "typical",
                "nginx capture of a browser GET (Firefox headers)",
                &typical_env,
                &[],
            )
        },
        input(
            "post_4k",
            "the same request as a POST with a 4 KiB body",
            &post_env,
            &post_body,
        ),
        input(
            "pairs_2000",
            "2,000 pairs (HTTP_X_NNNN=v-NNNN), no body",
            &many_env,
            &[],
        ),
        Input {
            scgi: MIB_CAPTURE.to_vec(),
            ..input(
                "body_1mib",
                "nginx capture of a POST with 1 MiB of random bytes",
                &mib_env,
                &mib_body,
            )
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_keeps_the_pairs_in_order() {
        let (env, _) = decode(TYPICAL_CAPTURE);
        assert_eq!(encode(&env, &[]), TYPICAL_CAPTURE);
        let mut post = env.clone();
        set(&mut post, b"CONTENT_LENGTH", b"3");
        assert_eq!(decode(&encode(&post, b"abc")), (post, b"abc".to_vec()));
    }

    #[test]
    fn inputs_have_the_advertised_shape() {
        let inputs = all();
        let typical = &inputs[0];
        assert_eq!(typical.pairs, 28, "typical pair count");
        assert!(
            (850..1100).contains(&typical.scgi.len()),
            "{}",
            typical.scgi.len()
        );
        assert_eq!(inputs[1].body_len, 4096);
        assert_eq!(inputs[2].pairs, 2000);
        assert!((35_000..45_000).contains(&inputs[2].block().len()));
        assert_eq!(inputs[3].body_len, 1 << 20);
        for input in &inputs {
            assert_eq!(decode(&input.scgi).0.len(), input.pairs, "{}", input.name);
            assert_eq!(input.block().last(), Some(&0));
            assert!(input.http.starts_with(b"GET /") || input.http.starts_with(b"POST /"));
        }
    }
}
