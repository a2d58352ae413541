use std::time::Duration;

use http_body::Body as _;
use http_body_util::BodyExt;
use tokio::io::AsyncWriteExt;

use super::*;

fn body_over(
    read: tokio::io::DuplexStream,
    early: &'static [u8],
    content_length: u64,
) -> (Body, Arc<Incoming<tokio::io::DuplexStream>>) {
    let incoming = Arc::new(Incoming::new(
        read,
        Bytes::from_static(early),
        BytesMut::new(),
        content_length,
        4,
        Duration::from_secs(5),
    ));
    (Body::new(incoming.clone()), incoming)
}

#[tokio::test]
async fn early_bytes_then_the_connection_up_to_content_length() {
    let (read, mut write) = tokio::io::duplex(1024);
    let (mut body, _) = body_over(read, b"abc", 10);
    assert_eq!(body.size_hint().exact(), Some(10));
    write.write_all(b"defghijEXTRA").await.unwrap();
    let mut chunks = Vec::new();
    while let Some(frame) = body.frame().await {
        let chunk = frame.unwrap().into_data().unwrap();
        assert!(
            chunk.len() <= 4 || chunks.is_empty(),
            "reads of at most 4 bytes"
        );
        chunks.push(chunk);
        assert_eq!(
            body.size_hint().exact(),
            Some(10 - chunks.iter().map(|c| c.len() as u64).sum::<u64>())
        );
    }
    assert_eq!(chunks.concat(), b"abcdefghij");
    assert!(body.is_end_stream());
    // The bytes after the body stay unread in the pipe.
    drop(body);
}

#[tokio::test]
async fn early_bytes_past_the_body_are_not_handed_out() {
    let (read, _write) = tokio::io::duplex(16);
    let (body, _) = body_over(read, b"0123456789", 4);
    let all = body.collect().await.unwrap().to_bytes();
    assert_eq!(all, "0123");
}

#[tokio::test]
async fn a_connection_closed_inside_the_body_is_an_error_that_stays() {
    let (read, mut write) = tokio::io::duplex(64);
    let (mut body, _) = body_over(read, b"", 10);
    write.write_all(b"abc").await.unwrap();
    drop(write);
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(first, "abc");
    assert_eq!(
        body.frame().await.unwrap().unwrap_err(),
        BodyError::PrematureEof
    );
    assert_eq!(
        body.frame().await.unwrap().unwrap_err(),
        BodyError::PrematureEof
    );
}

#[tokio::test(start_paused = true)]
async fn a_silent_peer_times_out_and_progress_resets_the_clock() {
    let (read, mut write) = tokio::io::duplex(64);
    let (mut body, _) = body_over(read, b"", 3);
    let writer = tokio::spawn(async move {
        // A byte every 4 s: slower than nothing, faster than the 5 s idle timeout.
        for b in [b"a", b"b"] {
            tokio::time::sleep(Duration::from_secs(4)).await;
            write.write_all(b).await.unwrap();
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(write);
    });
    let started = tokio::time::Instant::now();
    assert_eq!(
        body.frame().await.unwrap().unwrap().into_data().unwrap(),
        "a"
    );
    assert_eq!(
        body.frame().await.unwrap().unwrap().into_data().unwrap(),
        "b"
    );
    assert_eq!(
        body.frame().await.unwrap().unwrap_err(),
        BodyError::TimedOut
    );
    assert_eq!(started.elapsed(), Duration::from_secs(13));
    writer.abort();
}

#[tokio::test]
async fn nothing_is_read_until_the_body_is_polled() {
    let (read, mut write) = tokio::io::duplex(64);
    let (body, _) = body_over(read, b"", 1 << 20);
    let writer = tokio::spawn(async move {
        write.write_all(&vec![7u8; 1 << 20]).await.unwrap();
    });
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    // The pipe holds 64 bytes: the writer waits for the body to be read.
    assert!(!writer.is_finished());
    let all = body.collect().await.unwrap().to_bytes();
    assert_eq!(all.len(), 1 << 20);
    writer.await.unwrap();
}

#[tokio::test]
async fn drain_reads_what_is_left_up_to_a_limit() {
    let (read, mut write) = tokio::io::duplex(64);
    let (_body, incoming) = body_over(read, b"ab", 8);
    write.write_all(b"cdef").await.unwrap();
    assert!(!drain(&*incoming, 5).await, "8 left is over the limit of 5");
    assert_eq!(incoming.remaining(), 8);
    write.write_all(b"gh").await.unwrap();
    assert!(drain(&*incoming, 8).await);
    assert_eq!(incoming.remaining(), 0);
}

#[tokio::test]
async fn the_empty_body() {
    let body = Body::empty();
    assert!(body.is_end_stream());
    assert_eq!(body.size_hint().exact(), Some(0));
    assert!(body.collect().await.unwrap().to_bytes().is_empty());
    assert!(format!("{:?}", Body::default()).contains("remaining: 0"));
}
