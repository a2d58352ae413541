//! sioscgi side by side with httparse, the SCGI peers and the limits, on the same inputs.
//!
//! Benchmark ids are `GROUP/IMPLEMENTATION/INPUT`; `benches/report.py` reads criterion's
//! estimates back by these names and writes `BENCHMARKS.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use sioscgi::{ResponseHead, Status};
use sioscgi_benches::ours::Use;
use sioscgi_benches::{http, inputs, limits, ours, peers};

/// Storage for the header block and its index: any block up to the default limit, as a
/// server that never answers `TooManyHeaders` would give it.
const STORAGE: usize = sioscgi::storage::len_for_any_block(65_536);

fn request(c: &mut Criterion) {
    let all = inputs::all();
    let mut storage = vec![0u8; STORAGE];
    let mut headers = vec![httparse::EMPTY_HEADER; 2048];
    for input in &all {
        let mut group = c.benchmark_group("request");
        group.throughput(Throughput::Bytes(input.scgi.len() as u64));
        let name = input.name;
        group.bench_function(format!("sioscgi/{name}"), |b| {
            b.iter(|| ours::read_request(&mut storage, black_box(&input.scgi), usize::MAX))
        });
        group.bench_function(format!("sioscgi-visit/{name}"), |b| {
            b.iter(|| ours::read_and_use(&mut storage, black_box(&input.scgi), Use::VisitEveryPair))
        });
        group.bench_function(format!("sioscgi-unindexed-visit/{name}"), |b| {
            b.iter(|| ours::read_and_use(&mut storage, black_box(&input.scgi), Use::VisitUnindexed))
        });
        group.bench_function(format!("sioscgi-get8/{name}"), |b| {
            b.iter(|| ours::read_and_use(&mut storage, black_box(&input.scgi), Use::Get8))
        });
        group.bench_function(format!("httparse-visit/{name}"), |b| {
            b.iter(|| http::parse_and_visit(&mut headers, black_box(&input.http)))
        });
        group.bench_function(format!("sioscgi-bytewise/{name}"), |b| {
            b.iter(|| ours::read_request(&mut storage, black_box(&input.scgi), 1))
        });
        group.bench_function(format!("httparse/{name}"), |b| {
            b.iter(|| http::parse(&mut headers, black_box(&input.http)))
        });
        group.bench_function(format!("scgi/{name}"), |b| {
            b.iter(|| peers::scgi(black_box(&input.scgi)))
        });
        // The codec decodes from its own buffer, which a socket read fills: made outside
        // the measurement.
        group.bench_function(format!("tokio-scgi/{name}"), |b| {
            b.iter_batched(
                || peers::tokio_scgi_buffer(&input.scgi),
                peers::tokio_scgi,
                BatchSize::LargeInput,
            )
        });
        group.bench_function(format!("cegla-scgi/{name}"), |b| {
            b.iter(|| peers::cegla_scgi(black_box(&input.scgi)))
        });
        let block = input.block().to_vec();
        group.bench_function(format!("memchr-count/{name}"), |b| {
            b.iter(|| limits::count_nuls(black_box(&block)))
        });
        group.bench_function(format!("memcpy/{name}"), |b| {
            b.iter(|| limits::copy(&mut storage, black_box(&block)))
        });
        group.finish();
    }
}

/// The 64 KiB blocks of short names, ordinary and crafted, with every kind of storage
/// (each reader made once and reset between reads, as a server does).
fn crafted(c: &mut Criterion) {
    use sioscgi::Reader;
    use sioscgi_benches::crafted::{self, MAX_STORAGE};
    for case in crafted::cases() {
        let mut group = c.benchmark_group(format!("crafted/{}", case.name));
        for (kind, request) in [("normal", &case.normal), ("crafted", &case.crafted)] {
            let exact = sioscgi::storage::len_for(request.len(), case.pairs);
            let mut slice = vec![0u8; exact];
            let mut reader = Reader::with_config(&mut slice[..], case.config);
            group.bench_function(format!("exact-slice/{kind}"), |b| {
                b.iter(|| crafted::read(&mut reader, black_box(request)))
            });
            // A slice with 1 MiB to spare: what the index makes of room it does not need.
            let mut spare = vec![0u8; exact + (1 << 20)];
            let mut reader = Reader::with_config(&mut spare[..], case.config);
            group.bench_function(format!("slice-1m-spare/{kind}"), |b| {
                b.iter(|| crafted::read(&mut reader, black_box(request)))
            });
            let mut reader = Box::new(Reader::with_config([0u8; MAX_STORAGE], case.config));
            group.bench_function(format!("array/{kind}"), |b| {
                b.iter(|| crafted::read(&mut reader, black_box(request)))
            });
            let mut reader = Box::new(Reader::with_config(
                heapless::Vec::<u8, MAX_STORAGE>::new(),
                case.config,
            ));
            group.bench_function(format!("heapless-vec/{kind}"), |b| {
                b.iter(|| crafted::read(&mut reader, black_box(request)))
            });
            let mut reader = Reader::with_config(Vec::new(), case.config);
            group.bench_function(format!("vec/{kind}"), |b| {
                b.iter(|| crafted::read(&mut reader, black_box(request)))
            });
        }
        // Lookups: `get` of 64 of the block's names (every one present), one storage.
        for (kind, request) in [("normal", &case.normal), ("crafted", &case.crafted)] {
            let names = crafted::sample_names(request, 64);
            let exact = sioscgi::storage::len_for(request.len(), case.pairs);
            let mut slice = vec![0u8; exact];
            let mut reader = Reader::with_config(&mut slice[..], case.config);
            assert_eq!(crafted::read(&mut reader, request), case.pairs);
            let env = reader.environment().expect("read");
            group.bench_function(format!("get-64/{kind}"), |b| {
                b.iter(|| {
                    names
                        .iter()
                        .map(|name| env.get(black_box(name)).map_or(0, <[u8]>::len))
                        .sum::<usize>()
                })
            });
        }
        group.finish();
    }
}

fn response(c: &mut Criterion) {
    let mut group = c.benchmark_group("response");
    let mut out = [0u8; 512];
    let head =
        ResponseHead::new(Some(Status::Code(200)), &ours::RESPONSE_HEADERS).expect("a valid head");
    group.bench_function("writer-build-and-encode/typical", |b| {
        b.iter(|| ours::write_response_head(black_box(&mut out)))
    });
    group.bench_function("writer-encode/typical", |b| {
        b.iter(|| ours::encode_head(black_box(&head), &mut out))
    });
    let response = ours::typical_response();
    let mut storage = [0u8; 4096];
    group.throughput(Throughput::Bytes(response.len() as u64));
    group.bench_function("reader/typical", |b| {
        b.iter(|| ours::read_response(&mut storage, black_box(&response)))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(50)
}

/// The client's check of a request's names (`RequestHead::with_scratch`): 1,000 and
/// 10,000 names, ordinary and crafted (one home of the table's hash, which made the old
/// check quadratic), each checked whole.
fn client(c: &mut Criterion) {
    use sioscgi::client::{RequestHead, scratch_len};
    use sioscgi_benches::crafted;
    let mut group = c.benchmark_group("client");
    for count in [1_000, 10_000] {
        let crafted_names = crafted::one_key_names(count, 16);
        let ordinary = crafted::twins(&crafted_names);
        for (kind, names) in [("ordinary", &ordinary), ("crafted", &crafted_names)] {
            let env: Vec<(&[u8], &[u8])> =
                names.iter().map(|n| (n.as_slice(), &b"v"[..])).collect();
            let mut scratch = vec![0u8; scratch_len(env.len())];
            group.bench_function(format!("duplicate-check-{count}/{kind}"), |b| {
                b.iter(|| RequestHead::with_scratch(black_box(&env), 0, &mut scratch).is_ok())
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = request, crafted, client, response
}
criterion_main!(benches);
