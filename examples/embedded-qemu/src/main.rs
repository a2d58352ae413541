//! sioscgi on a microcontroller: a request captured from nginx arrives in small chunks,
//! as from a socket; the reader turns it into events with a 1 KiB header buffer and no
//! heap; the writer builds the response.
//!
//! Two outputs, both over semihosting: a readable report on stderr (`heprintln!`), and
//! `defmt` log frames on stdout (`defmt-semihosting`), where the crate's own types are
//! logged with their `defmt::Format` (feature `defmt`); `defmt-print` decodes them.
#![no_std]
#![no_main]

use core::fmt;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, heprintln as hprintln};
use defmt_semihosting as _;
use panic_semihosting as _;
use sioscgi::{Event, Output, Reader, ResponseEvent, ResponseHead, Status, Writer};

/// What nginx 1.22 sent for `POST /submit` with a form body (tests/vectors/nginx).
static REQUEST: &[u8] = include_bytes!("../../../tests/vectors/nginx/post_form.scgi");

/// Bytes shown as text, with anything unprintable escaped.
struct Text<'a>(&'a [u8]);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.0 {
            match b {
                b'\r' => f.write_str("\\r")?,
                b'\n' => f.write_str("\\n")?,
                0x20..=0x7e => fmt::Write::write_char(f, char::from(b))?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        Ok(())
    }
}

fn run() -> Result<(), sioscgi::Error> {
    let mut reader = Reader::new([0u8; 1024]);
    let mut body_len = 0;
    let mut body_sum = 0u32;
    let mut complete = false;
    for chunk in REQUEST.chunks(7) {
        let mut input = chunk;
        while let (used, Some(event)) = reader.read(input)? {
            defmt::println!("event: {}", event);
            match event {
                Event::Headers(env) => {
                    hprintln!("headers: {} variables", env.len());
                    for (name, value) in env.iter() {
                        hprintln!("  {}={}", Text(name), Text(value));
                    }
                }
                Event::Body(data) => {
                    body_len += data.len();
                    body_sum = data
                        .iter()
                        .fold(body_sum, |s, &b| s.wrapping_add(u32::from(b)));
                }
                Event::End => complete = true,
            }
            input = &input[used..];
        }
    }
    hprintln!("body: {} bytes, byte sum {}", body_len, body_sum);
    hprintln!("end: {}", complete);

    let env = reader
        .environment()
        .ok_or(sioscgi::Error::BadEventInState)?;
    let method = env.request_method().unwrap_or(b"?");
    let headers = [("Content-Type", "text/plain"), ("X-Served-By", "cortex-m3")];
    let head = ResponseHead::new(Some(Status::Code(200)), &headers)?;
    let mut writer = Writer::new();
    let mut out = [0u8; 256];
    defmt::println!("head: {}", head);
    let n = writer.send_head(&head, &mut out)?;
    defmt::println!("writer: {}", writer);
    hprintln!("response head: {}", Text(&out[..n]));
    if let Output::Body(data) = writer.send(ResponseEvent::Body(method), &mut out)? {
        hprintln!("response body: {}", Text(data));
    }
    writer.send_end()?;
    defmt::println!("reader: {}, writer: {}", reader, writer);
    hprintln!("response complete: close the connection");
    Ok(())
}

#[entry]
fn main() -> ! {
    match run() {
        Ok(()) => {
            hprintln!("OK");
            debug::exit(debug::EXIT_SUCCESS);
        }
        Err(e) => {
            defmt::println!("error: {}", e);
            hprintln!("error: {}", e);
            debug::exit(debug::EXIT_FAILURE);
        }
    }
    // Semihosting's exit does not return under QEMU; on a board without a debugger it
    // does, and the core sleeps.
    loop {
        cortex_m::asm::wfi();
    }
}
