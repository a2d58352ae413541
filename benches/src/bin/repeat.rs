//! Runs one benchmark case a number of times, for a profiler or an instruction counter
//! (criterion's timings are noisy on a shared machine; instruction counts under
//! `valgrind --tool=callgrind` are not):
//!
//! ```text
//! cargo build --release --bin repeat
//! valgrind --tool=callgrind target/release/repeat sioscgi typical 1000
//! ```
//!
//! Cases: `sioscgi`, `sioscgi-visit`, `sioscgi-unindexed-visit`, `sioscgi-get8`,
//! `sioscgi-bytewise`, `httparse`, `httparse-visit` with an input name (`typical`,
//! `post_4k`, `pairs_2000`, `body_1mib`), and `writer` / `writer-encode` /
//! `response-reader` (input ignored).

use std::hint::black_box;

use sioscgi::{ResponseHead, Status};
use sioscgi_benches::{http, inputs, ours};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(case), Some(input_name)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: repeat CASE INPUT [TIMES]");
        std::process::exit(2);
    };
    let times: usize = args.get(3).and_then(|t| t.parse().ok()).unwrap_or(1000);
    if let Some(name) = case.strip_prefix("crafted/") {
        // `crafted/CASE/normal` or `crafted/CASE/crafted`: the 64 KiB blocks, exact slice.
        let (name, kind) = name.split_once('/').expect("crafted/CASE/KIND");
        let cases = sioscgi_benches::crafted::cases();
        let case = cases
            .iter()
            .find(|c| c.name == name)
            .expect("a crafted case");
        let request = if kind == "crafted" {
            &case.crafted
        } else {
            &case.normal
        };
        let mut storage = vec![0u8; sioscgi::storage::len_for(request.len(), case.pairs)];
        let mut reader = sioscgi::Reader::with_config(&mut storage[..], case.config);
        for _ in 0..times {
            black_box(sioscgi_benches::crafted::read(
                &mut reader,
                black_box(request),
            ));
        }
        return;
    }
    let all = inputs::all();
    let Some(input) = all.iter().find(|i| i.name == input_name) else {
        eprintln!("no input {input_name}");
        std::process::exit(2);
    };
    let mut storage = vec![0u8; sioscgi::storage::len_for_any_block(65_536)];
    let mut headers = vec![httparse::EMPTY_HEADER; 2048];
    let mut out = [0u8; 512];
    let head =
        ResponseHead::new(Some(Status::Code(200)), &ours::RESPONSE_HEADERS).expect("a valid head");
    let response = ours::typical_response();
    for _ in 0..times {
        match case.as_str() {
            "sioscgi" => drop(black_box(ours::read_request(
                &mut storage,
                black_box(&input.scgi),
                usize::MAX,
            ))),
            "sioscgi-bytewise" => drop(black_box(ours::read_request(
                &mut storage,
                black_box(&input.scgi),
                1,
            ))),
            "httparse" => drop(black_box(http::parse(&mut headers, black_box(&input.http)))),
            "sioscgi-visit" => drop(black_box(ours::read_and_use(
                &mut storage,
                black_box(&input.scgi),
                ours::Use::VisitEveryPair,
            ))),
            "sioscgi-unindexed-visit" => drop(black_box(ours::read_and_use(
                &mut storage,
                black_box(&input.scgi),
                ours::Use::VisitUnindexed,
            ))),
            "sioscgi-get8" => drop(black_box(ours::read_and_use(
                &mut storage,
                black_box(&input.scgi),
                ours::Use::Get8,
            ))),
            "httparse-visit" => drop(black_box(http::parse_and_visit(
                &mut headers,
                black_box(&input.http),
            ))),
            "writer" => drop(black_box(ours::write_response_head(black_box(&mut out)))),
            "writer-encode" => drop(black_box(ours::encode_head(black_box(&head), &mut out))),
            "response-reader" => drop(black_box(ours::read_response(
                &mut storage,
                black_box(&response),
            ))),
            other => {
                eprintln!("no case {other}");
                std::process::exit(2);
            }
        }
    }
}
