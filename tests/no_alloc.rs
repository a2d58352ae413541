//! Proof that the library does not allocate without `alloc`: a counting global allocator
//! around a whole request (headers, body, end), a full response encode and the
//! `Connection` API. Runs without the test harness, so no other thread allocates while
//! counting.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sioscgi::client::{self, RequestHead, RequestWriter, ResponseReader};
use sioscgi::{
    Config, Connection, Event, Output, Reader, ResponseEvent, ResponseHead, Status, Writer,
};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is
// added. (The crate under test forbids unsafe code; this test harness needs it for
// `GlobalAlloc`.)
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::SeqCst) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::SeqCst) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn counted<T>(f: impl FnOnce() -> T) -> (T, usize) {
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    let result = f();
    COUNTING.store(false, Ordering::SeqCst);
    (result, ALLOCATIONS.load(Ordering::SeqCst))
}

fn serve(request: &[u8], chunk: usize) -> (usize, usize) {
    let mut storage = [0u8; 8192];
    let mut reader =
        Reader::with_config(&mut storage[..], Config::new().allow_repeated_names(true));
    let mut body = 0;
    let mut events = 0;
    for piece in request.chunks(chunk) {
        let mut input = piece;
        while let (used, Some(event)) = reader.read(input).expect("valid request") {
            events += 1;
            match event {
                Event::Headers(env) => {
                    assert!(env.request_method().is_some());
                    assert!(env.iter().count() > 2);
                    let _ = env.get_all(b"HTTP_COOKIE").count();
                }
                Event::Body(data) => body += data.len(),
                Event::End => {}
            }
            input = &input[used..];
        }
    }
    assert!(reader.read_eof().is_ok());
    assert!(
        reader
            .environment()
            .and_then(|e| e.get_str("SCGI"))
            .is_some()
    );

    let headers = [
        ("Content-Type", "text/plain"),
        ("X-Request-Bytes", "many"),
        ("Set-Cookie", "a=1"),
    ];
    let head = ResponseHead::new(Some(Status::Code(200)), &headers).expect("valid head");
    let mut out = [0u8; 256];
    let mut writer = Writer::new();
    let n = writer.send_head(&head, &mut out).expect("fits");
    assert!(out[..n].starts_with(b"Content-Type: text/plain\r\nStatus: 200 OK\r\n"));
    assert_eq!(
        writer.send(ResponseEvent::Body(b"ok"), &mut out),
        Ok(Output::Body(&b"ok"[..]))
    );
    assert_eq!(writer.send(ResponseEvent::End, &mut out), Ok(Output::Close));
    let redirect = ResponseHead::redirect("/elsewhere").expect("valid");
    assert!(redirect.encode(&mut out).is_ok());
    (events, body)
}

fn connection(request: &[u8]) -> usize {
    let mut conn = Connection::new([0u8; 4096]);
    let mut events = 0;
    for piece in request.chunks(100) {
        let mut received = conn.receive_data(piece);
        while let Some(_event) = received.next_event().expect("valid") {
            events += 1;
        }
    }
    let mut eof = conn.receive_data(b"");
    while eof.next_event().expect("complete").is_some() {}
    let head = ResponseHead::new(Some(Status::Line("404 Not Found")), &[]).expect("valid");
    let mut out = [0u8; 64];
    assert!(conn.send(ResponseEvent::Headers(&head), &mut out).is_ok());
    events
}

/// The client half: encode a request, read a response with a body, in chunks.
fn client_round(response: &[u8], chunk: usize) -> usize {
    let env: [(&[u8], &[u8]); 3] = [
        (b"REQUEST_METHOD", b"POST"),
        (b"REQUEST_URI", b"/upload?x=1"),
        (b"HTTP_HOST", b"example.com"),
    ];
    let head = RequestHead::new(&env, 4).expect("valid env");
    let mut writer = RequestWriter::new();
    let mut out = [0u8; 256];
    let n = writer.send_head(&head, &mut out).expect("fits");
    assert!(out[..n].starts_with(b"90:CONTENT_LENGTH\x004\x00SCGI\x001\x00"));
    assert_eq!(writer.send_body(b"data"), Ok(&b"data"[..]));
    assert!(writer.send_end().is_ok());

    let mut storage = [0u8; 1024];
    let mut reader = ResponseReader::new(&mut storage[..]);
    let mut body = 0;
    for piece in response.chunks(chunk) {
        let mut input = piece;
        while let (used, Some(event)) = reader.read(input).expect("valid response") {
            match event {
                client::Event::Headers(h) => {
                    assert_eq!(h.status(), Some(200));
                    assert!(h.iter().count() >= 2);
                }
                client::Event::Body(b) => body += b.len(),
                client::Event::End => {}
            }
            input = &input[used..];
        }
    }
    assert_eq!(reader.read_eof(), Ok(Some(client::Event::End)));
    body
}

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/nginx");
    let mut passed = 0;
    for name in [
        "post_1mb.scgi",
        "post_form.scgi",
        "get_query.scgi",
        "post_chunked.scgi",
    ] {
        let request = std::fs::read(dir.join(name)).expect("capture present");
        for chunk in [1, 7, 1500, request.len()] {
            let ((events, body), allocations) = counted(|| serve(&request, chunk));
            assert!(events >= 2, "{name}: events seen");
            assert!(body > 0 || name == "get_query.scgi");
            assert_eq!(
                allocations, 0,
                "{name} in chunks of {chunk}: {allocations} heap allocations"
            );
            passed += 1;
        }
        let (events, allocations) = counted(|| connection(&request));
        assert!(events >= 2);
        assert_eq!(
            allocations, 0,
            "{name} through Connection: {allocations} heap allocations"
        );
        passed += 1;
    }
    let mut response = b"Status: 200 OK\nContent-Type: text/plain\r\nX-A: 1\n\n".to_vec();
    response.extend(std::iter::repeat_n(b'z', 100_000));
    for chunk in [1, 13, 1400, response.len()] {
        let (body, allocations) = counted(|| client_round(&response, chunk));
        assert_eq!(body, 100_000);
        assert_eq!(
            allocations, 0,
            "client half in chunks of {chunk}: {allocations} heap allocations"
        );
        passed += 1;
    }
    // The counter itself works: an allocation in the counted region is seen.
    let (_, allocations) = counted(|| std::hint::black_box(vec![1u8; 10]));
    assert_eq!(allocations, 1, "the counting allocator counts");
    passed += 1;
    println!("no_alloc: {passed} passed, 0 failed");
}
