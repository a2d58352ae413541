//! One request at a time: the whole request in, the complete response out.
//!
//! The host writes raw SCGI request bytes at [`input_buffer`] (at most [`input_capacity`]
//! bytes), calls [`handle`] with their length, and reads the complete SCGI response (head
//! and body) at [`output_buffer`]: [`handle`] returns its length. The response is a text
//! summary of the request (method, URI, variables, body length and a checksum), or the
//! request's status hint (400/431) with the error's name if it is broken.

use core::fmt::Write as _;

use sioscgi::{Error, Event, Reader, ResponseHead, Status, Writer};

use crate::Cursor;

const INPUT: usize = 64 * 1024;
const OUTPUT: usize = 16 * 1024;

struct State {
    input: [u8; INPUT],
    output: [u8; OUTPUT],
    storage: [u8; 8 * 1024],
}

static STATE: spin::Mutex<State> = spin::Mutex::new(State {
    input: [0; INPUT],
    output: [0; OUTPUT],
    storage: [0; 8 * 1024],
});

/// Where the host writes the request.
#[unsafe(no_mangle)]
pub extern "C" fn input_buffer() -> *mut u8 {
    STATE.lock().input.as_mut_ptr()
}

/// How many request bytes fit.
#[unsafe(no_mangle)]
pub extern "C" fn input_capacity() -> usize {
    INPUT
}

/// Where the host reads the response.
#[unsafe(no_mangle)]
pub extern "C" fn output_buffer() -> *const u8 {
    STATE.lock().output.as_ptr()
}

/// Bytes as text (latin-1, control bytes escaped).
struct Text<'a>(&'a [u8]);

impl core::fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for &b in self.0 {
            match b {
                0x20..=0x7e => f.write_char(char::from(b))?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        Ok(())
    }
}

/// Reads the request in `input`, writes the summary (the response body) into `body`.
fn summarize(input: &[u8], storage: &mut [u8], body: &mut Cursor<'_>) -> Result<(), Error> {
    let mut reader = Reader::new(storage);
    let mut rest = input;
    let (mut length, mut sum) = (0usize, 0u32);
    loop {
        let (used, event) = reader.read(rest)?;
        rest = rest.get(used..).unwrap_or(&[]);
        match event {
            Some(Event::Headers(env)) => {
                let method = env.request_method().unwrap_or(b"-");
                let uri = env.request_uri().unwrap_or(b"-");
                let _ = writeln!(
                    body,
                    "method={}\nuri={}\nvariables={}",
                    Text(method),
                    Text(uri),
                    env.len()
                );
            }
            Some(Event::Body(data)) => {
                length += data.len();
                sum = data.iter().fold(sum, |s, &b| s.wrapping_add(u32::from(b)));
            }
            Some(Event::End) => break,
            None => {
                // All input given: the host's bytes are the whole connection.
                reader.read_eof()?;
                break;
            }
        }
    }
    let _ = writeln!(body, "body_length={length}\nbody_sum={sum}");
    Ok(())
}

/// Handles the `len` request bytes at [`input_buffer`]; returns the length of the
/// response at [`output_buffer`] (0 if it did not fit).
#[unsafe(no_mangle)]
pub extern "C" fn handle(len: usize) -> usize {
    let mut guard = STATE.lock();
    let State {
        input,
        output,
        storage,
    } = &mut *guard;
    let input = input.get(..len).unwrap_or(&[]);
    let mut body_buf = [0u8; 1024];
    let mut body = Cursor {
        buf: &mut body_buf,
        len: 0,
    };
    let (status, content) = match summarize(input, storage, &mut body) {
        Ok(()) => (200, body.len),
        Err(error) => {
            body.len = 0;
            let _ = writeln!(body, "error={}", error.name());
            (error.status_hint().unwrap_or(500), body.len)
        }
    };
    let headers = [("Content-Type", "text/plain")];
    let Ok(head) = ResponseHead::new(Some(Status::Code(status)), &headers) else {
        return 0;
    };
    let mut writer = Writer::new();
    let Ok(n) = writer.send_head(&head, output) else {
        return 0;
    };
    let Some(body) = body_buf.get(..content) else {
        return 0;
    };
    let Ok(data) = writer.send_body(body) else {
        return 0;
    };
    let Some(dst) = output.get_mut(n..n + data.len()) else {
        return 0;
    };
    dst.copy_from_slice(data);
    if writer.send_end().is_err() {
        return 0;
    }
    n + data.len()
}
