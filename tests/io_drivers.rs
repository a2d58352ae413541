//! The drivers against in-memory pipes: byte-by-byte reads, short writes, transport
//! errors, premature EOF, the empty connection; the async driver the same way under a
//! minimal executor.
#![cfg(feature = "embedded-io-async-v0.7")]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use sioscgi::io::{Error, asynch, blocking};
use sioscgi::{Error as ProtocolError, Reader, ResponseHead, Status};

/// A transport error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Broken;

impl core::fmt::Display for Broken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("broken")
    }
}
impl core::error::Error for Broken {}
impl embedded_io::Error for Broken {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::ConnectionReset
    }
}

/// An in-memory connection: reads come `read_size` bytes at a time (then EOF, or an
/// error after `fail_after` bytes), writes take at most `write_size` bytes a call.
struct Pipe {
    input: Vec<u8>,
    at: usize,
    read_size: usize,
    fail_after: Option<usize>,
    write_size: usize,
    output: Vec<u8>,
    /// The length of every write call.
    writes: Vec<usize>,
    flushed: usize,
}

impl Pipe {
    fn new(input: &[u8], read_size: usize, write_size: usize) -> Self {
        Pipe {
            input: input.to_vec(),
            at: 0,
            read_size,
            fail_after: None,
            write_size,
            output: Vec::new(),
            writes: Vec::new(),
            flushed: 0,
        }
    }
    fn read_now(&mut self, buf: &mut [u8]) -> Result<usize, Broken> {
        if self.fail_after.is_some_and(|f| self.at >= f) {
            return Err(Broken);
        }
        let n = buf
            .len()
            .min(self.read_size)
            .min(self.input.len() - self.at);
        buf[..n].copy_from_slice(&self.input[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
    fn write_now(&mut self, buf: &[u8]) -> Result<usize, Broken> {
        let n = buf.len().min(self.write_size);
        self.output.extend_from_slice(&buf[..n]);
        self.writes.push(n);
        Ok(n)
    }
}

impl embedded_io::ErrorType for Pipe {
    type Error = Broken;
}
impl embedded_io::Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Broken> {
        self.read_now(buf)
    }
}
impl embedded_io::Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Broken> {
        self.write_now(buf)
    }
    fn flush(&mut self) -> Result<(), Broken> {
        self.flushed += 1;
        Ok(())
    }
}
impl embedded_io_async::Read for Pipe {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Broken> {
        Yield(false).await; // suspend once, as a real socket would
        self.read_now(buf)
    }
}
impl embedded_io_async::Write for Pipe {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Broken> {
        Yield(false).await;
        self.write_now(buf)
    }
    async fn flush(&mut self) -> Result<(), Broken> {
        self.flushed += 1;
        Ok(())
    }
}

/// Returns `Pending` once, then `Ready`.
struct Yield(bool);
impl Future for Yield {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A minimal executor: polls until ready.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

const UPLOAD: &[u8] = b"25:CONTENT_LENGTH\x0010\x00SCGI\x001\x00,0123456789";

/// Echo: reads the whole body in 3-byte pieces, answers it.
fn echo_blocking(pipe: &mut Pipe) -> Result<(), Error<Broken>> {
    let mut storage = [0u8; 256];
    let mut reader = Reader::new(&mut storage[..]);
    let (mut rx, mut tx) = ([0u8; 16], [0u8; 128]);
    blocking::serve(pipe, &mut reader, &mut rx, &mut tx, |req| {
        assert_eq!(req.environment().content_length(), 10);
        let mut body = Vec::new();
        let mut piece = [0u8; 3];
        loop {
            let n = req.read_body(&mut piece)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&piece[..n]);
        }
        assert_eq!(req.body_remaining(), 0);
        let head = ResponseHead::new(Some(Status::Code(200)), &[("Content-Type", "text/plain")])?;
        req.send_head(&head)?;
        req.write_body(&body)
    })
}

fn echo_async(pipe: &mut Pipe) -> Result<(), Error<Broken>> {
    let mut storage = [0u8; 256];
    let mut reader = Reader::new(&mut storage[..]);
    let (mut rx, mut tx) = ([0u8; 16], [0u8; 128]);
    block_on(asynch::serve(
        pipe,
        &mut reader,
        &mut rx,
        &mut tx,
        async |req| {
            assert_eq!(req.environment().content_length(), 10);
            let mut body = Vec::new();
            let mut piece = [0u8; 3];
            loop {
                let n = req.read_body(&mut piece).await?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&piece[..n]);
            }
            let head =
                ResponseHead::new(Some(Status::Code(200)), &[("Content-Type", "text/plain")])?;
            req.send_head(&head).await?;
            req.write_body(&body).await
        },
    ))
}

const ECHOED: &[u8] = b"Content-Type: text/plain\r\nStatus: 200 OK\r\n\r\n0123456789";

#[test]
fn byte_by_byte_reads_and_short_writes() {
    for (read_size, write_size) in [(1, 1), (1, 1000), (7, 3), (1000, 1000)] {
        let mut pipe = Pipe::new(UPLOAD, read_size, write_size);
        assert_eq!(echo_blocking(&mut pipe), Ok(()));
        assert_eq!(pipe.output, ECHOED, "blocking {read_size}/{write_size}");
        assert!(pipe.flushed >= 1);
        let mut pipe = Pipe::new(UPLOAD, read_size, write_size);
        assert_eq!(echo_async(&mut pipe), Ok(()));
        assert_eq!(pipe.output, ECHOED, "async {read_size}/{write_size}");
    }
}

#[test]
fn transport_errors() {
    for fail_after in [0, 5, 30, 33] {
        let mut pipe = Pipe::new(UPLOAD, 4, 100);
        pipe.fail_after = Some(fail_after);
        assert_eq!(
            echo_blocking(&mut pipe),
            Err(Error::Io(Broken)),
            "at {fail_after}"
        );
        let mut pipe = Pipe::new(UPLOAD, 4, 100);
        pipe.fail_after = Some(fail_after);
        assert_eq!(
            echo_async(&mut pipe),
            Err(Error::Io(Broken)),
            "async at {fail_after}"
        );
    }
    use embedded_io::Error as _;
    assert_eq!(
        Error::Io(Broken).kind(),
        embedded_io::ErrorKind::ConnectionReset
    );
    assert_eq!(
        Error::<Broken>::EmptyConnection.kind(),
        embedded_io::ErrorKind::ConnectionAborted
    );
}

#[test]
fn premature_eof_in_headers_and_in_body() {
    for cut in [5, 20, 29, 35] {
        let mut pipe = Pipe::new(&UPLOAD[..cut], 3, 100);
        assert_eq!(
            echo_blocking(&mut pipe),
            Err(Error::Protocol(ProtocolError::RemotePrematureEof)),
            "cut {cut}"
        );
        let mut pipe = Pipe::new(&UPLOAD[..cut], 3, 100);
        assert_eq!(
            echo_async(&mut pipe),
            Err(Error::Protocol(ProtocolError::RemotePrematureEof)),
            "async cut {cut}"
        );
    }
}

#[test]
fn the_empty_connection_is_its_own_error() {
    let mut pipe = Pipe::new(b"", 3, 100);
    assert_eq!(echo_blocking(&mut pipe), Err(Error::EmptyConnection));
    assert!(pipe.output.is_empty());
    let mut pipe = Pipe::new(b"", 3, 100);
    assert_eq!(echo_async(&mut pipe), Err(Error::EmptyConnection));
}

#[test]
fn broken_requests_are_answered_with_their_status_hint() {
    let mut pipe = Pipe::new(b"99999999:", 100, 100);
    assert_eq!(
        echo_blocking(&mut pipe),
        Err(Error::Protocol(ProtocolError::HeadersTooLarge))
    );
    assert_eq!(
        pipe.output,
        b"Status: 431 Request Header Fields Too Large\r\n\r\n"
    );
    let mut pipe = Pipe::new(b"4:A\0B\0;", 100, 100);
    assert_eq!(
        echo_async(&mut pipe),
        Err(Error::Protocol(ProtocolError::BadNetstringTerminator))
    );
    assert_eq!(pipe.output, b"Status: 400 Bad Request\r\n\r\n");
}

#[test]
fn a_silent_handler_gets_a_500_and_misuse_is_reported() {
    let mut storage = [0u8; 256];
    let mut reader = Reader::new(&mut storage[..]);
    let (mut rx, mut tx) = ([0u8; 64], [0u8; 128]);
    let mut pipe = Pipe::new(UPLOAD, 100, 100);
    blocking::serve(&mut pipe, &mut reader, &mut rx, &mut tx, |_| Ok(())).unwrap();
    assert_eq!(pipe.output, b"Status: 500 Internal Server Error\r\n\r\n");

    // The same reader serves the next connection; writing before the head is refused.
    let mut pipe = Pipe::new(UPLOAD, 100, 100);
    let result = blocking::serve(&mut pipe, &mut reader, &mut rx, &mut tx, |req| {
        req.write_body(b"x")
    });
    assert_eq!(result, Err(Error::Protocol(ProtocolError::BadEventInState)));

    // A head too large for the send buffer.
    let mut pipe = Pipe::new(UPLOAD, 100, 100);
    let long = "x".repeat(200);
    let result = blocking::serve(&mut pipe, &mut reader, &mut rx, &mut tx, |req| {
        req.send_head(&ResponseHead::new(
            Some(Status::Code(200)),
            &[("X-Long", &long)],
        )?)
    });
    assert!(matches!(
        result,
        Err(Error::Protocol(ProtocolError::BufferTooSmall { .. }))
    ));
}

#[test]
fn request_is_embedded_io_read_and_write() {
    use embedded_io::{Read, Write};
    let mut storage = [0u8; 256];
    let mut reader = Reader::new(&mut storage[..]);
    let (mut rx, mut tx) = ([0u8; 8], [0u8; 128]);
    let mut pipe = Pipe::new(UPLOAD, 5, 2);
    blocking::serve(&mut pipe, &mut reader, &mut rx, &mut tx, |req| {
        let mut body = [0u8; 10];
        req.read_exact(&mut body).map_err(|e| match e {
            embedded_io::ReadExactError::Other(e) => e,
            embedded_io::ReadExactError::UnexpectedEof => {
                Error::Protocol(ProtocolError::RemotePrematureEof)
            }
        })?;
        req.send_head(&ResponseHead::redirect("/elsewhere")?)?;
        assert!(req.write_all(b"no body after a local redirect").is_err());
        req.flush()
    })
    .unwrap();
    assert_eq!(pipe.output, b"Location: /elsewhere\r\n\r\n");
}

/// Serves `UPLOAD` with a send buffer of `tx_len` bytes, answering with a head and the
/// given body pieces (then a flush, if asked), through both drivers; returns each
/// driver's pipe.
fn answer(tx_len: usize, pieces: &[&[u8]], flush: bool) -> [Pipe; 2] {
    let head_pairs = [("Content-Type", "text/plain")];
    let mut blocking_pipe = Pipe::new(UPLOAD, 1000, 1000);
    let mut storage = [0u8; 256];
    let mut reader = Reader::new(&mut storage[..]);
    let (mut rx, mut tx) = ([0u8; 64], vec![0u8; tx_len]);
    blocking::serve(&mut blocking_pipe, &mut reader, &mut rx, &mut tx, |req| {
        req.send_head(&ResponseHead::new(Some(Status::Code(200)), &head_pairs)?)?;
        for piece in pieces {
            req.write_body(piece)?;
        }
        if flush {
            embedded_io::Write::flush(req)?;
        }
        Ok(())
    })
    .unwrap();
    let mut async_pipe = Pipe::new(UPLOAD, 1000, 1000);
    let mut reader = Reader::new(&mut storage[..]);
    block_on(asynch::serve(
        &mut async_pipe,
        &mut reader,
        &mut rx,
        &mut tx,
        async |req| {
            req.send_head(&ResponseHead::new(Some(Status::Code(200)), &head_pairs)?)
                .await?;
            for piece in pieces {
                req.write_body(piece).await?;
            }
            if flush {
                embedded_io_async::Write::flush(req).await?;
            }
            Ok(())
        },
    ))
    .unwrap();
    [blocking_pipe, async_pipe]
}

const HEAD: &[u8] = b"Content-Type: text/plain\r\nStatus: 200 OK\r\n\r\n";

#[test]
fn a_small_response_leaves_in_one_write() {
    for pipe in answer(128, &[b"0123", b"456789"], false) {
        assert_eq!(pipe.output, [HEAD, b"0123456789"].concat());
        assert_eq!(pipe.writes, [HEAD.len() + 10]);
    }
    // A flush writes what waits, once.
    for pipe in answer(128, &[b"01"], true) {
        assert_eq!(pipe.writes, [HEAD.len() + 2]);
    }
    // A handler that sends nothing: its 500 in one write too.
    let mut pipe = Pipe::new(UPLOAD, 1000, 1000);
    let mut storage = [0u8; 256];
    let mut reader = Reader::new(&mut storage[..]);
    let (mut rx, mut tx) = ([0u8; 64], [0u8; 128]);
    blocking::serve(&mut pipe, &mut reader, &mut rx, &mut tx, |_| Ok(())).unwrap();
    assert_eq!(pipe.writes, [pipe.output.len()]);
    assert!(
        pipe.output
            .starts_with(b"Status: 500 Internal Server Error")
    );
}

#[test]
fn a_body_that_does_not_fit_beside_the_head_is_written_from_the_callers_slice() {
    let big = [b'x'; 100];
    for pipe in answer(HEAD.len() + 50, &[b"0123", &big, b"end"], false) {
        assert_eq!(pipe.output, [HEAD, b"0123", &big[..], b"end"].concat());
        // The head with the first piece, then the big piece, then the last one.
        assert_eq!(pipe.writes, [HEAD.len() + 4, 100, 3]);
    }
}

#[test]
fn a_gone_peer_is_told_apart_from_a_failure() {
    assert!(Error::<Broken>::EmptyConnection.is_peer_gone());
    assert!(Error::Io(Broken).is_peer_gone()); // ConnectionReset
    assert!(!Error::<Broken>::Protocol(ProtocolError::RemotePrematureEof).is_peer_gone());
    let broken = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
    assert!(Error::Io(broken).is_peer_gone());
    let other = std::io::Error::other("disk on fire");
    assert!(!Error::Io(other).is_peer_gone());
}
