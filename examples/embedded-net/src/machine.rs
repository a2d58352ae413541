//! The parts of QEMU's `virt` machine the firmware uses directly, by their documented
//! addresses: the CLINT's timer (`mtime`, `mtimecmp`), the PLIC (one source: the network
//! device), the NS16550 UART (boot and fault messages), and the QEMU test device (power off).
//!
//! The firmware runs in machine mode with interrupts masked globally (`mstatus.MIE` clear):
//! nothing ever traps. `wait` sleeps in `wfi`, which wakes on any interrupt enabled in
//! `mie` even when it is masked, and the main loop then looks at what woke it. That keeps
//! every driver in task context, with no handler and no shared state with one.

use core::ptr::{read_volatile, write_volatile};

const CLINT_MTIMECMP: usize = 0x0200_4000; // hart 0
const CLINT_MTIME: usize = 0x0200_bff8;
const PLIC: usize = 0x0c00_0000;
const PLIC_ENABLE_CONTEXT0: usize = PLIC + 0x2000; // hart 0, machine mode
const PLIC_THRESHOLD_CONTEXT0: usize = PLIC + 0x20_0000;
const PLIC_CLAIM_CONTEXT0: usize = PLIC + 0x20_0004;
const UART: usize = 0x1000_0000;
const UART_LSR: usize = UART + 5;
const UART_LSR_THR_EMPTY: u8 = 1 << 5;
const TEST_DEVICE: usize = 0x0010_0000;

/// The first of `virt`'s eight virtio-mmio slots, 4 KiB apart; slot `i` raises PLIC
/// source `VIRTIO_IRQ_BASE + i`.
pub const VIRTIO_MMIO_BASE: usize = 0x1000_1000;
/// The size of one virtio-mmio slot.
pub const VIRTIO_MMIO_SIZE: usize = 0x1000;
/// How many virtio-mmio slots `virt` has.
pub const VIRTIO_MMIO_SLOTS: usize = 8;
const VIRTIO_IRQ_BASE: u32 = 1;

/// `mtime`, read as two halves (the machine is 32-bit) until the high half is stable.
pub fn now() -> u64 {
    loop {
        // SAFETY: CLINT registers of the `virt` machine, always mapped, read-only here.
        let (hi, lo, again) = unsafe {
            (
                read_volatile((CLINT_MTIME + 4) as *const u32),
                read_volatile(CLINT_MTIME as *const u32),
                read_volatile((CLINT_MTIME + 4) as *const u32),
            )
        };
        if hi == again {
            return (u64::from(hi) << 32) | u64::from(lo);
        }
    }
}

/// Sets the timer to fire (raise MTIP) at `at` (`u64::MAX`: never). Written high half
/// first at its maximum so that no intermediate value fires early.
pub fn set_timer(at: u64) {
    // SAFETY: hart 0's mtimecmp on the `virt` machine; only the main loop writes it.
    unsafe {
        write_volatile((CLINT_MTIMECMP + 4) as *mut u32, u32::MAX);
        write_volatile(CLINT_MTIMECMP as *mut u32, at as u32);
        write_volatile((CLINT_MTIMECMP + 4) as *mut u32, (at >> 32) as u32);
    }
}

/// Routes the interrupt of virtio-mmio slot `slot` to hart 0 and enables the two interrupt
/// kinds `wait` sleeps on (timer, external), with interrupts still masked globally.
pub fn enable_wakeups(slot: usize) {
    let source = VIRTIO_IRQ_BASE + slot as u32;
    // SAFETY: PLIC registers of the `virt` machine; set once, before the main loop.
    unsafe {
        write_volatile((PLIC + 4 * source as usize) as *mut u32, 1);
        write_volatile(PLIC_ENABLE_CONTEXT0 as *mut u32, 1 << source);
        write_volatile(PLIC_THRESHOLD_CONTEXT0 as *mut u32, 0);
        riscv::register::mstatus::clear_mie();
        riscv::register::mie::set_mtimer();
        riscv::register::mie::set_mext();
    }
}

/// Takes and completes a pending external interrupt; `true` if there was one.
pub fn claim_external() -> bool {
    // SAFETY: the claim/complete register of context 0: a read claims, a write completes.
    unsafe {
        let source = read_volatile(PLIC_CLAIM_CONTEXT0 as *const u32);
        if source == 0 {
            return false;
        }
        write_volatile(PLIC_CLAIM_CONTEXT0 as *mut u32, source);
    }
    true
}

/// Sleeps until an interrupt enabled in `mie` is pending (it may return at once).
pub fn wait() {
    riscv::asm::wfi();
}

/// Writes text to the UART (polled; the console QEMU gives `-nographic` or `-serial`).
pub fn print(text: &str) {
    for &byte in text.as_bytes() {
        // SAFETY: the NS16550's line status and transmit registers on `virt`.
        unsafe {
            while read_volatile(UART_LSR as *const u8) & UART_LSR_THR_EMPTY == 0 {}
            write_volatile(UART as *mut u8, byte);
        }
    }
}

/// Powers the machine off through QEMU's test device (`code` 0: success).
pub fn exit(code: u16) -> ! {
    let value = if code == 0 {
        0x5555
    } else {
        (u32::from(code) << 16) | 0x3333
    };
    // SAFETY: the `virt` machine's sifive_test device; writing it ends QEMU.
    unsafe { write_volatile(TEST_DEVICE as *mut u32, value) };
    loop {
        riscv::asm::wfi();
    }
}
