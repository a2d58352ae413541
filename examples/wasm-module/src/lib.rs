//! sioscgi in a WASM module, with static buffers only (no allocator at all). Two ways in:
//!
//! - **One request at a time** ([`summary`]): the host writes a whole request at
//!   `input_buffer`, calls `handle`, and reads the complete response at `output_buffer`: a
//!   text summary of the request, or its status hint if it is broken. `check.mjs` runs it
//!   under node with real captures.
//! - **Connections over real sockets** ([`connection`]): the host only moves bytes between
//!   its sockets and the module (`serve.mjs`, on `node:net`); the module reads each request
//!   as it streams in and makes every response byte. It serves `/hello`, `/upload` (length
//!   and CRC-32), `/env`, `/stats` and 404, as the riscv32 firmware does.
#![no_std]

pub mod connection;
pub mod summary;

/// A `fmt::Write` into a fixed buffer.
pub(crate) struct Cursor<'a> {
    pub(crate) buf: &'a mut [u8],
    pub(crate) len: usize,
}

impl core::fmt::Write for Cursor<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
