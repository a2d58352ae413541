//! The stack's high-water mark: the stack is painted with a pattern at boot, and the
//! deepest word no longer holding the pattern tells how much of it was ever used.

use core::ptr::{addr_of, read_volatile, write_volatile};

const PAINT: u32 = 0x5afe_57ac;
/// Bytes below the boot function's frame left unpainted (what painting itself uses).
const MARGIN: usize = 256;

unsafe extern "C" {
    /// riscv-rt: the lowest address of the stack region.
    static __estack: u32;
    /// riscv-rt: the top of the stack (where it starts, growing down).
    static __sstack: u32;
}

fn bounds() -> (usize, usize) {
    // Only the symbols' addresses are taken.
    (addr_of!(__estack) as usize, addr_of!(__sstack) as usize)
}

/// Paints the unused part of the stack. Call first thing at boot.
#[inline(never)]
pub fn paint() {
    let marker = 0u32;
    let here = addr_of!(marker) as usize;
    let (bottom, _) = bounds();
    let mut at = bottom;
    while at + 4 <= here.saturating_sub(MARGIN) {
        // SAFETY: `[bottom, here - MARGIN)` is stack no frame uses yet; word aligned.
        unsafe { write_volatile(at as *mut u32, PAINT) };
        at += 4;
    }
}

/// `(used, size)`: the most stack ever used, in bytes, and the stack's size.
pub fn high_water() -> (usize, usize) {
    let (bottom, top) = bounds();
    let mut at = bottom;
    // SAFETY: reads of the stack region's words, below every live frame or painted.
    while at < top && unsafe { read_volatile(at as *const u32) } == PAINT {
        at += 4;
    }
    (top - at, top - bottom)
}
