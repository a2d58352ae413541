//! `size_of` the state of sioscgi's state machines on this target, without the caller's
//! storage (a `Reader<&mut [u8]>` holds a slice reference: its size is subtracted).
//! Prints one JSON object.

use std::mem::size_of;

use sioscgi::client::{RequestWriter, ResponseReader};
use sioscgi::{Config, Connection, Reader, Writer};

fn main() {
    let handle = size_of::<&mut [u8]>();
    println!(
        r#"{{"pointer_bits": {}, "reader": {}, "writer": {}, "connection": {}, "config": {}, "client_request_writer": {}, "client_response_reader": {}}}"#,
        usize::BITS,
        size_of::<Reader<&mut [u8]>>() - handle,
        size_of::<Writer>(),
        size_of::<Connection<&mut [u8]>>() - handle,
        size_of::<Config>(),
        size_of::<RequestWriter>(),
        size_of::<ResponseReader<&mut [u8]>>() - handle,
    );
}
