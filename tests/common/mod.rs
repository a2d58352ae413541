//! Helpers shared by the integration tests: feed bytes in a chunking, record the events.
#![allow(dead_code)]

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sioscgi::{Config, Error, Event, Reader};

/// One event, owned, for comparing runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    Headers(Vec<(Vec<u8>, Vec<u8>)>),
    Body(Vec<u8>),
    End,
    Error(Error),
}

/// Feeds `data` cut at `cuts` (sorted offsets), then EOF; records every event, with
/// consecutive body chunks merged (chunk boundaries follow the input's).
pub fn run(data: &[u8], cuts: &[usize], config: Config) -> Vec<Seen> {
    let mut storage =
        vec![0u8; sioscgi::storage::len_for_any_block(config.block_limit().min(1 << 20))];
    let mut reader = Reader::with_config(&mut storage[..], config);
    let mut seen = Vec::new();
    let record = |seen: &mut Vec<Seen>, event: Event<'_, '_>| match event {
        Event::Headers(env) => seen.push(Seen::Headers(
            env.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect(),
        )),
        Event::Body(data) => {
            assert!(!data.is_empty(), "empty Body event");
            if let Some(Seen::Body(prev)) = seen.last_mut() {
                prev.extend_from_slice(data);
            } else {
                seen.push(Seen::Body(data.to_vec()));
            }
        }
        Event::End => seen.push(Seen::End),
    };
    let mut start = 0;
    for end in cuts.iter().copied().chain([data.len()]) {
        let mut input = &data[start..end.max(start)];
        start = end.max(start);
        loop {
            match reader.read(input) {
                Ok((used, event)) => {
                    assert!(used <= input.len(), "consumed more than given");
                    input = &input[used..];
                    match event {
                        Some(event) => record(&mut seen, event),
                        None => {
                            assert!(input.is_empty(), "None before the input was used up");
                            break;
                        }
                    }
                }
                Err(error) => {
                    // Sticky: the same error again.
                    assert_eq!(reader.read(b"x"), Err(error));
                    assert_eq!(reader.read_eof().err(), Some(error));
                    seen.push(Seen::Error(error));
                    return seen;
                }
            }
        }
    }
    match reader.read_eof() {
        Ok(Some(event)) => record(&mut seen, event),
        Ok(None) => {}
        Err(error) => seen.push(Seen::Error(error)),
    }
    seen
}

/// The whole input at once.
pub fn run_whole(data: &[u8], config: Config) -> Vec<Seen> {
    run(data, &[], config)
}

/// One byte at a time.
pub fn run_bytewise(data: &[u8], config: Config) -> Vec<Seen> {
    let cuts: Vec<usize> = (1..data.len()).collect();
    run(data, &cuts, config)
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The events as the reference trace prints them (see `examples/trace.rs`).
pub fn as_trace(seen: &[Seen]) -> Vec<Value> {
    let mut lines = Vec::new();
    let mut body: Option<&[u8]> = None;
    let mut last = None;
    for event in seen {
        match event {
            Seen::Headers(env) => lines.push(json!({
                "event": "headers",
                "env": env.iter().map(|(n, v)| json!([latin1(n), latin1(v)])).collect::<Vec<_>>(),
            })),
            Seen::Body(data) => body = Some(data),
            Seen::End => last = Some(json!({"event": "end"})),
            Seen::Error(e) => last = Some(json!({"event": "error", "kind": e.name()})),
        }
    }
    if let Some(data) = body {
        let hex: String = Sha256::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        lines.push(json!({"event": "body", "len": data.len(), "sha256": hex}));
    }
    lines.extend(last);
    lines
}

/// Encodes pairs and a body as an SCGI request (a test-only encoder).
pub fn encode(pairs: &[(&[u8], &[u8])], body: &[u8]) -> Vec<u8> {
    let mut block = Vec::new();
    for (n, v) in pairs {
        block.extend_from_slice(n);
        block.push(0);
        block.extend_from_slice(v);
        block.push(0);
    }
    let mut out = format!("{}:", block.len()).into_bytes();
    out.extend_from_slice(&block);
    out.push(b',');
    out.extend_from_slice(body);
    out
}

/// A valid request with the given extra pairs and body.
pub fn request(extra: &[(&[u8], &[u8])], body: &[u8]) -> Vec<u8> {
    let length = body.len().to_string();
    let mut pairs: Vec<(&[u8], &[u8])> =
        vec![(b"CONTENT_LENGTH", length.as_bytes()), (b"SCGI", b"1")];
    pairs.extend_from_slice(extra);
    encode(&pairs, body)
}

/// The error a run ended with, if any.
pub fn error_of(seen: &[Seen]) -> Option<Error> {
    match seen.last() {
        Some(Seen::Error(e)) => Some(*e),
        _ => None,
    }
}

/// `target/<profile>/examples/<name>`, built (once per test process) so that a filtered
/// run (`cargo test --test ...`, which builds no examples) never uses a stale binary.
pub fn example_binary(name: &str) -> std::path::PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(std::path::Path::parent).unwrap();
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !built.iter().any(|b| b == name) {
        // The same features as this test build, so that nothing is rebuilt differently.
        let features: Vec<&str> = [
            ("alloc", cfg!(feature = "alloc")),
            ("std", cfg!(feature = "std")),
            ("defmt", cfg!(feature = "defmt")),
            ("embedded-io-v0.7", cfg!(feature = "embedded-io-v0.7")),
            (
                "embedded-io-async-v0.7",
                cfg!(feature = "embedded-io-async-v0.7"),
            ),
        ]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(f, _)| *f)
        .collect();
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "--example",
                name,
                "--features",
                &features.join(","),
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(
            status.success() && binary.exists(),
            "could not build {binary:?}"
        );
        built.push(name.to_owned());
    }
    binary
}
