//! Properties: every `HTTP_*` variable becomes its header, whatever the names and values;
//! the answer does not depend on how the request is cut into reads.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use proptest::prelude::*;
use sioscgi::{Event, Reader};
use sioscgi_tower::{CgiEnvironment, Config, into_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn netstring(pairs: &[(String, Vec<u8>)], body: &[u8]) -> Vec<u8> {
    let mut block = format!("CONTENT_LENGTH\0{}\0SCGI\x001\0", body.len()).into_bytes();
    for (name, value) in pairs {
        block.extend_from_slice(name.as_bytes());
        block.push(0);
        block.extend_from_slice(value);
        block.push(0);
    }
    let mut out = format!("{}:", block.len()).into_bytes();
    out.extend_from_slice(&block);
    out.push(b',');
    out.extend_from_slice(body);
    out
}

/// Header-like variables: distinct names, values a header may carry (visible ASCII,
/// spaces, tabs, obs-text; not at either end, which HTTP would trim).
fn http_variables() -> impl Strategy<Value = BTreeMap<String, Vec<u8>>> {
    let value = proptest::collection::vec(
        prop_oneof![0x21u8..=0x7e, Just(b' '), Just(b'\t'), 0x80u8..=0xff],
        0..24,
    )
    .prop_map(|mut v| {
        while v.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            v.remove(0);
        }
        while v.last().is_some_and(|b| *b == b' ' || *b == b'\t') {
            v.pop();
        }
        v
    });
    proptest::collection::btree_map("[A-Z][A-Z0-9_]{0,15}", value, 0..40)
}

proptest! {
    #[test]
    fn every_http_variable_becomes_its_header(vars in http_variables()) {
        let mut pairs: Vec<(String, Vec<u8>)> = vec![
            ("REQUEST_METHOD".into(), b"GET".to_vec()),
            ("REQUEST_URI".into(), b"/p?q".to_vec()),
        ];
        pairs.extend(
            vars.iter()
                .filter(|(n, _)| n.as_str() != "CONTENT_TYPE" && n.as_str() != "CONTENT_LENGTH")
                .map(|(n, v)| (format!("HTTP_{n}"), v.clone())),
        );
        let bytes = netstring(&pairs, b"");
        let mut reader = Reader::new(Vec::new());
        let (_, event) = reader.read(&bytes).unwrap();
        let Some(Event::Headers(environment)) = event else { panic!("no environment") };
        let request = into_request(&environment, ()).unwrap();
        let http_pairs = &pairs[2..];
        prop_assert_eq!(request.headers().len(), http_pairs.len());
        for (name, value) in http_pairs {
            let header = name["HTTP_".len()..].to_ascii_lowercase().replace('_', "-");
            prop_assert_eq!(request.headers()[header.as_str()].as_bytes(), value.as_slice());
        }
        let cgi = request.extensions().get::<CgiEnvironment>().unwrap();
        let seen: Vec<(&[u8], &[u8])> = cgi.iter().collect();
        prop_assert_eq!(seen.len(), pairs.len() + 2);
        for (name, value) in &pairs {
            prop_assert_eq!(cgi.get(name), Some(value.as_slice()));
        }
    }

    #[test]
    fn the_answer_does_not_depend_on_the_reads(
        body in proptest::collection::vec(any::<u8>(), 0..3000),
        cuts in proptest::collection::vec(1usize..200, 1..40),
    ) {
        let pairs = vec![
            ("REQUEST_METHOD".to_owned(), b"POST".to_vec()),
            ("REQUEST_URI".to_owned(), b"/echo".to_vec()),
        ];
        let request = netstring(&pairs, &body);
        let whole = serve_in_pieces(&request, &[request.len()]);
        let pieces = serve_in_pieces(&request, &cuts);
        prop_assert_eq!(&whole, &pieces);
        prop_assert!(whole.ends_with(&body));
    }
}

/// Serves `request` written in pieces of the given sizes (cycled), with a pause between
/// them, to an echo; returns the answer.
fn serve_in_pieces(request: &[u8], sizes: &[usize]) -> Vec<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let app = Router::new().route("/echo", post(|body: Bytes| async move { body }));
        let (server, mut client) = tokio::io::duplex(512);
        let (read, write) = tokio::io::split(server);
        let config = Config::new();
        let served = sioscgi_tower::serve_connection(read, write, app, &config);
        let ask = async {
            let mut at = 0;
            for size in sizes.iter().cycle() {
                if at >= request.len() {
                    break;
                }
                let end = (at + size).min(request.len());
                client.write_all(&request[at..end]).await.unwrap();
                tokio::task::yield_now().await;
                at = end;
            }
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).await.unwrap();
            answer
        };
        let ((), answer) = tokio::join!(served, ask);
        answer
    })
}
