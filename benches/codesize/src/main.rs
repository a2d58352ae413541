//! A bare Cortex-M4F program that uses sioscgi's reader, its writer, both or neither
//! (features `reader`, `writer`), so that the size of each part is the difference to the
//! program with neither: `benches/codesize.sh` builds the four and compares them.
//!
//! The inputs go through `black_box`, so nothing is computed at compile time; the program
//! is never run.
#![no_std]
#![no_main]

use core::hint::black_box;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        black_box(());
    }
}

/// A browser's request as nginx sent it (in every variant, so that its bytes are not
/// counted as the reader's; the same for the buffers in `_start`).
static REQUEST: &[u8] = include_bytes!("../../../tests/vectors/nginx/browser_get.scgi");

/// What a server does with the reader: feed it chunks until `End`, look at the
/// environment, note EOF.
#[cfg(feature = "reader")]
fn read_request(request: &[u8], storage: &mut [u8]) {
    use sioscgi::{Event, Reader};
    let mut reader = Reader::new(storage);
    for chunk in request.chunks(black_box(64)) {
        let mut input = chunk;
        loop {
            match reader.read(input) {
                Ok((used, event)) => {
                    input = input.get(used..).unwrap_or_default();
                    match event {
                        Some(Event::Headers(env)) => {
                            black_box(env.content_length());
                            black_box(env.request_method());
                        }
                        Some(Event::Body(data)) => {
                            black_box(data);
                        }
                        Some(Event::End) | None => break,
                    }
                }
                Err(error) => {
                    black_box(error);
                    return;
                }
            }
        }
    }
    let _ = black_box(reader.read_eof().is_ok());
}

/// What a server does with the writer: a document response, its body, its end.
#[cfg(feature = "writer")]
fn write_response(out: &mut [u8]) {
    use sioscgi::{ResponseEvent, ResponseHead, Status, Writer};
    let headers: &[(&str, &str)] = black_box(&[
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
    ]);
    let Ok(head) = ResponseHead::new(black_box(Some(Status::Code(200))), headers) else {
        return;
    };
    let mut writer = Writer::new();
    black_box(writer.send_head(&head, out).is_ok());
    black_box(
        writer
            .send(ResponseEvent::Body(black_box(b"hello")), out)
            .is_ok(),
    );
    black_box(writer.send(ResponseEvent::End, out).is_ok());
}

/// The entry point (the linker's default, `_start`).
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let request = black_box(REQUEST);
    black_box(request.len());
    // The program's buffers, in every variant: the caller's memory, not the library's code.
    let mut storage = [0u8; 1024];
    let mut out = [0u8; 256];
    black_box(&mut storage);
    black_box(&mut out);
    #[cfg(feature = "reader")]
    read_request(request, &mut storage);
    #[cfg(feature = "writer")]
    write_response(&mut out);
    loop {
        black_box(());
    }
}
