//! `trace`: shows what a web server sends to an SCGI application, event by event.
//!
//! ```text
//! cargo run --example trace -- [--chunk N | --chunks a,b,c] [--limit BYTES]
//!                              [--allow-duplicate-names] FILE|-
//! cargo run --example trace -- --response FILE.json|-
//! ```
//!
//! Request mode feeds the raw bytes of FILE (a capture of what nginx, lighttpd or Apache
//! sent) to the [`Reader`] in the chosen chunking, then EOF, and prints one JSON line per
//! event, in the format of the Python reference tool (`shared/reference/trace.py`):
//!
//! ```text
//! {"event":"headers","env":[["NAME","VALUE"],...]}      bytes shown as latin-1
//! {"event":"body","len":N,"sha256":"<hex>"}             all body bytes, if any
//! {"event":"end"}  or  {"event":"error","kind":"<Error variant>","message":"<text>"}
//! ```
//!
//! Response mode runs the [`Writer`] on a JSON description
//! `{"status": "200 OK" | 200 | null, "headers": [["Name","Value"],...], "body": ["text",
//! {"b64": "..."}]}` and prints `{"bytes_b64":"..."}` or `{"error":"<Error variant>"}`.
//!
//! Exit status: 0 when a trace was printed (a protocol error is a normal trace), 2 on usage
//! or I/O errors.

use std::io::{Read, Write};
use std::process::ExitCode;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sioscgi::{
    Config, DEFAULT_MAX_BLOCK_LEN, Error, Event, Output, Reader, ResponseEvent, ResponseHead,
    Status, Storage, Writer,
};

const USAGE: &str = "usage: trace [--chunk N | --chunks a,b,c] [--limit BYTES] \
                     [--allow-duplicate-names] FILE|-\n       trace --response FILE.json|-";

/// Header-block storage that grows on demand, as Python's buffer does: a large `--limit`
/// costs nothing until a request declares a large block. It holds any block up to the
/// limit with its index (`storage::len_for_any_block`), so no request is refused for
/// having too many pairs (Python has no such limit).
struct Growable {
    bytes: Vec<u8>,
    limit: usize,
}

impl Storage for Growable {
    fn max_len(&self) -> usize {
        sioscgi::storage::len_for_any_block(self.limit)
    }
    fn prepare(&mut self, len: usize) -> bool {
        if len <= self.bytes.len() {
            return true;
        }
        // Zeroed pages come lazily from the OS: a large declared block costs little until
        // its bytes arrive (Python too only buffers what it receives).
        let mut grown = Vec::<u8>::new();
        if grown.try_reserve_exact(len).is_err() {
            return false;
        }
        drop(grown);
        let mut grown = vec![0; len];
        grown[..self.bytes.len()].copy_from_slice(&self.bytes);
        self.bytes = grown;
        true
    }
    fn block(&self) -> &[u8] {
        &self.bytes
    }
    fn block_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
}

/// How the input is cut into `read` calls.
enum Chunking {
    Whole,
    Fixed(usize),
    Sizes(Vec<usize>),
}

impl Chunking {
    /// The chunk sizes for `total` bytes, as the reference tool computes them.
    fn sizes(&self, total: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut offset = 0;
        match self {
            Chunking::Whole => {}
            Chunking::Fixed(n) => {
                while offset < total {
                    let s = (*n).min(total - offset);
                    out.push(s);
                    offset += s;
                }
            }
            Chunking::Sizes(sizes) => {
                for &s in sizes {
                    if offset >= total {
                        break;
                    }
                    let s = s.min(total - offset);
                    out.push(s);
                    offset += s;
                }
            }
        }
        if offset < total {
            out.push(total - offset);
        }
        out
    }
}

/// Appends `text` as a JSON string the way Python's `json.dumps(ensure_ascii=True)` does.
fn json_string(out: &mut String, text: impl Iterator<Item = char>) {
    out.push('"');
    for c in text {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Bytes decoded as ISO-8859-1 (every byte is the code point of the same value).
fn latin1(bytes: &[u8]) -> impl Iterator<Item = char> + '_ {
    bytes.iter().map(|&b| char::from(b))
}

struct Trace {
    lines: Vec<String>,
    body_len: u64,
    body_hash: Sha256,
}

impl Trace {
    fn event(&mut self, event: Event<'_, '_>) -> bool {
        match event {
            Event::Headers(env) => {
                let mut line = String::from("{\"event\":\"headers\",\"env\":[");
                for (i, (name, value)) in env.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    line.push('[');
                    json_string(&mut line, latin1(name));
                    line.push(',');
                    json_string(&mut line, latin1(value));
                    line.push(']');
                }
                line.push_str("]}");
                self.lines.push(line);
                false
            }
            Event::Body(data) => {
                self.body_len += data.len() as u64;
                self.body_hash.update(data);
                false
            }
            Event::End => true,
        }
    }

    fn finish(mut self, last: Result<(), Error>) -> String {
        if self.body_len > 0 {
            let hex: String = self
                .body_hash
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            self.lines.push(format!(
                "{{\"event\":\"body\",\"len\":{},\"sha256\":\"{hex}\"}}",
                self.body_len
            ));
        }
        self.lines.push(match last {
            Ok(()) => "{\"event\":\"end\"}".to_owned(),
            Err(error) => {
                let mut line = format!(
                    "{{\"event\":\"error\",\"kind\":\"{}\",\"message\":",
                    error.name()
                );
                json_string(&mut line, error.to_string().chars());
                line.push('}');
                line
            }
        });
        self.lines.iter().map(|l| format!("{l}\n")).collect()
    }
}

/// Feeds `data` in `sizes`, then EOF, and returns the trace.
fn trace_request(data: &[u8], sizes: &[usize], config: Config) -> String {
    let storage = Growable {
        bytes: Vec::new(),
        limit: config.block_limit(),
    };
    let mut reader = Reader::with_config(storage, config);
    let mut trace = Trace {
        lines: Vec::new(),
        body_len: 0,
        body_hash: Sha256::new(),
    };
    let mut ended = false;
    let mut offset = 0;
    for &size in sizes {
        let mut input = &data[offset..offset + size];
        offset += size;
        loop {
            match reader.read(input) {
                Ok((used, Some(event))) => {
                    input = &input[used..];
                    ended |= trace.event(event);
                }
                Ok((_, None)) => break,
                Err(error) => return trace.finish(Err(error)),
            }
        }
    }
    let last = match reader.read_eof() {
        Ok(Some(event)) => {
            ended |= trace.event(event);
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(error) => Err(error),
    };
    debug_assert!(last.is_err() || ended, "no End and no error after EOF");
    trace.finish(last)
}

/// The array under `key` (absent: empty).
fn list<'a>(desc: &'a Value, key: &str) -> &'a [Value] {
    desc.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Runs the writer on a JSON response description.
fn trace_response(desc: &Value) -> Result<String, String> {
    let status = match desc.get("status").unwrap_or(&Value::Null) {
        Value::Null => None,
        Value::String(s) => Some(Status::Line(s)),
        Value::Number(n) => Some(Status::Code(
            n.as_u64().and_then(|c| u16::try_from(c).ok()).unwrap_or(0),
        )),
        other => {
            return Err(format!(
                "bad status {other}: want a string, a number or null"
            ));
        }
    };
    let mut headers = Vec::new();
    for pair in list(desc, "headers") {
        match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(n), Value::String(v)]) => headers.push((n.as_str(), v.as_str())),
            _ => return Err(format!("bad header {pair}: want [\"Name\", \"Value\"]")),
        }
    }
    let mut body = Vec::new();
    for chunk in list(desc, "body") {
        body.push(match chunk {
            Value::String(s) => s.as_bytes().to_vec(),
            Value::Object(o) if o.len() == 1 && o.get("b64").is_some_and(Value::is_string) => {
                let text = o.get("b64").and_then(Value::as_str).unwrap_or("");
                BASE64
                    .decode(text)
                    .map_err(|e| format!("bad base64 in body: {e}"))?
            }
            other => {
                return Err(format!(
                    "bad body chunk {other}: want a string or {{\"b64\": ...}}"
                ));
            }
        });
    }
    let run = || -> Result<Vec<u8>, Error> {
        let head = ResponseHead::new(status, &headers)?;
        let mut writer = Writer::new();
        let mut out = vec![0; head.encoded_len()];
        let mut bytes = Vec::new();
        if let Output::Head(n) = writer.send(ResponseEvent::Headers(&head), &mut out)? {
            bytes.extend_from_slice(&out[..n]);
        }
        for chunk in &body {
            if let Output::Body(data) = writer.send(ResponseEvent::Body(chunk), &mut out)? {
                bytes.extend_from_slice(data);
            }
        }
        writer.send_end()?;
        Ok(bytes)
    };
    Ok(match run() {
        Ok(bytes) => format!("{{\"bytes_b64\":\"{}\"}}\n", BASE64.encode(bytes)),
        Err(error) => format!("{{\"error\":\"{}\"}}\n", error.name()),
    })
}

fn read_input(path: &str) -> Result<Vec<u8>, String> {
    let mut data = Vec::new();
    let result = if path == "-" {
        std::io::stdin().read_to_end(&mut data).map(|_| ())
    } else {
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut data))
            .map(|_| ())
    };
    result.map(|()| data).map_err(|e| format!("{path}: {e}"))
}

fn positive(text: &str, what: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{what} takes integers >= 1, not {text:?}")),
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let mut chunking = Chunking::Whole;
    let mut limit = DEFAULT_MAX_BLOCK_LEN;
    let mut allow_duplicates = false;
    let mut response = false;
    let mut file = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().cloned().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--chunk" => chunking = Chunking::Fixed(positive(&value("--chunk")?, "--chunk")?),
            "--chunks" => {
                let list = value("--chunks")?;
                let sizes = list
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| positive(s, "--chunks"))
                    .collect::<Result<_, _>>()?;
                chunking = Chunking::Sizes(sizes);
            }
            "--limit" => {
                let text = value("--limit")?;
                limit = text
                    .trim()
                    .parse()
                    .map_err(|_| format!("--limit takes a byte count, not {text:?}"))?;
            }
            "--allow-duplicate-names" => allow_duplicates = true,
            "--response" => response = true,
            "-h" | "--help" => return Err(String::new()),
            "-" => file = Some(arg.clone()),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            path if file.is_none() => file = Some(path.to_owned()),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }
    let file = file.ok_or("a FILE (or - for stdin) is needed")?;
    let data = read_input(&file)?;
    if response {
        let desc: Value = serde_json::from_slice(&data).map_err(|e| format!("{file}: {e}"))?;
        return trace_response(&desc);
    }
    let config = Config::new()
        .max_block_len(limit)
        .allow_repeated_names(allow_duplicates);
    Ok(trace_request(&data, &chunking.sizes(data.len()), config))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(output) => match std::io::stdout().write_all(output.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("trace: {e}");
                ExitCode::from(2)
            }
        },
        Err(message) => {
            if !message.is_empty() {
                eprintln!("trace: {message}");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
