//! Heap allocations per request for every implementation and input: a counting global
//! allocator around one run (after a first, uncounted one). Prints one JSON object per
//! line: `{"input", "implementation", "allocations", "bytes"}`.
//!
//! Then the `http` gateways, per request over an in-memory connection (input
//! `gateway/NAME`): `tower-gateway` (`sioscgi_tower::serve_connection`), `cegla-gateway`
//! (`cegla_scgi::server::server_handle_scgi`) and `gateway-harness` (the connection and
//! the client alone, which both include).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sioscgi_benches::{gateway, http, inputs, ours, peers};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(new_size.saturating_sub(layout.size()), Ordering::Relaxed);
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` once to warm up (what a run keeps for the next, as sioscgi-tower's per-thread
/// header-block storages, is then in its steady state), then once counted; returns
/// (allocations, bytes).
fn count<T>(mut f: impl FnMut() -> T) -> (usize, usize) {
    black_box(f());
    ALLOCATIONS.store(0, Ordering::SeqCst);
    BYTES.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    let result = f();
    COUNTING.store(false, Ordering::SeqCst);
    black_box(result);
    (
        ALLOCATIONS.load(Ordering::SeqCst),
        BYTES.load(Ordering::SeqCst),
    )
}

fn main() {
    let all = inputs::all();
    let mut storage = vec![0u8; sioscgi::storage::len_for_any_block(65_536)];
    let mut headers = vec![httparse::EMPTY_HEADER; 2048];
    for input in &all {
        let scgi = input.scgi.as_slice();
        let http_request = input.http.as_slice();
        let runs: [(&str, (usize, usize)); 6] = [
            (
                "sioscgi",
                count(|| ours::read_request(&mut storage, scgi, usize::MAX)),
            ),
            (
                "sioscgi-bytewise",
                count(|| ours::read_request(&mut storage, scgi, 1)),
            ),
            (
                "httparse",
                count(|| http::parse(&mut headers, http_request)),
            ),
            ("scgi", count(|| peers::scgi(scgi))),
            (
                // The codec's input buffer is made outside the count, as outside the timing:
                // one for each of `count`'s two runs.
                "tokio-scgi",
                {
                    let mut buffers = vec![
                        peers::tokio_scgi_buffer(scgi),
                        peers::tokio_scgi_buffer(scgi),
                    ];
                    count(|| peers::tokio_scgi(buffers.pop().expect("a buffer for each run")))
                },
            ),
            ("cegla-scgi", count(|| peers::cegla_scgi(scgi))),
        ];
        for (implementation, (allocations, bytes)) in runs {
            println!(
                r#"{{"input": "{}", "implementation": "{implementation}", "allocations": {allocations}, "bytes": {bytes}}}"#,
                input.name
            );
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let config = sioscgi_tower::Config::new();
    for input in all.iter().filter(|i| i.pairs <= 2048) {
        let scgi = input.scgi.as_slice();
        for (implementation, (allocations, bytes)) in [
            (
                "tower-gateway",
                count(|| runtime.block_on(gateway::sioscgi_tower(scgi, &config))),
            ),
            (
                "cegla-gateway",
                count(|| runtime.block_on(gateway::cegla_scgi(scgi))),
            ),
            (
                "gateway-harness",
                count(|| runtime.block_on(gateway::harness(scgi))),
            ),
        ] {
            println!(
                r#"{{"input": "gateway/{}", "implementation": "{implementation}", "allocations": {allocations}, "bytes": {bytes}}}"#,
                input.name
            );
        }
    }
    let mut out = [0u8; 512];
    let response = ours::typical_response();
    let mut storage = [0u8; 4096];
    for (implementation, (allocations, bytes)) in [
        (
            "writer-build-and-encode",
            count(|| ours::write_response_head(&mut out)),
        ),
        (
            "reader",
            count(|| ours::read_response(&mut storage, &response)),
        ),
    ] {
        println!(
            r#"{{"input": "response", "implementation": "{implementation}", "allocations": {allocations}, "bytes": {bytes}}}"#
        );
    }
}
