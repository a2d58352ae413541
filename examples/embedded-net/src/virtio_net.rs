//! An `embassy-net` driver over `virtio-drivers`' raw virtio-net device: sixteen receive
//! buffers lent to the device, eight transmit buffers, all static (no heap, no copy: the
//! stack reads frames where the device wrote them and writes frames where it reads them).
//!
//! The device sits in a static cell so that the main loop can see, before it sleeps,
//! whether frames are waiting, and acknowledge its interrupt after it wakes.

use core::cell::RefCell;
use core::ops::Range;
use core::ptr::NonNull;
use core::task::Context;

use critical_section::{CriticalSection, Mutex};
use embassy_net_driver::{Capabilities, Driver, HardwareAddress, LinkState};
use embassy_sync::waitqueue::AtomicWaker;
use virtio_drivers::device::net::VirtIONetRaw;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceType, Transport};

use crate::dma::StaticDma;
use crate::machine;

const QUEUE_SIZE: usize = 16;
const RX_SLOTS: usize = QUEUE_SIZE;
const TX_SLOTS: usize = 8;
/// A 1514-byte Ethernet frame and the 12-byte virtio-net header (the device's minimum
/// receive buffer is 1526 bytes), rounded up.
const BUFFER_LEN: usize = 1536;
/// The Ethernet MTU as embassy-net counts it (IP MTU 1500 and the 14-byte header).
const MTU: usize = 1514;

type Device = VirtIONetRaw<StaticDma, MmioTransport<'static>, QUEUE_SIZE>;

static DEVICE: Mutex<RefCell<Option<Device>>> = Mutex::new(RefCell::new(None));
static WAKER: AtomicWaker = AtomicWaker::new();

/// The frames' memory.
pub struct Buffers {
    rx: [[u8; BUFFER_LEN]; RX_SLOTS],
    tx: [[u8; BUFFER_LEN]; TX_SLOTS],
}

impl Buffers {
    /// Zeroed buffers (for a `static`).
    pub const fn new() -> Self {
        Self {
            rx: [[0; BUFFER_LEN]; RX_SLOTS],
            tx: [[0; BUFFER_LEN]; TX_SLOTS],
        }
    }
}

/// The driver embassy-net runs.
pub struct VirtioNet {
    buffers: &'static mut Buffers,
    /// The device's token for each receive buffer it holds (`None`: ours).
    rx_tokens: [Option<u16>; RX_SLOTS],
    /// The device's token and the frame's length for each transmit buffer it holds.
    tx_in_flight: [Option<(u16, usize)>; TX_SLOTS],
    mac: [u8; 6],
}

/// Finds the virtio-net device among `virt`'s virtio-mmio slots and starts it; returns the
/// driver and the slot (whose interrupt the main loop then enables).
pub fn probe(buffers: &'static mut Buffers) -> Option<(VirtioNet, usize)> {
    for slot in 0..machine::VIRTIO_MMIO_SLOTS {
        let address = machine::VIRTIO_MMIO_BASE + slot * machine::VIRTIO_MMIO_SIZE;
        let header = NonNull::new(address as *mut VirtIOHeader)?;
        // SAFETY: `virt` maps a virtio-mmio region of VIRTIO_MMIO_SIZE bytes at each slot
        // for the whole run; nothing else touches it (an empty slot reads device id 0 and
        // is refused here).
        let Ok(transport) = (unsafe { MmioTransport::new(header, machine::VIRTIO_MMIO_SIZE) })
        else {
            continue;
        };
        if transport.device_type() != DeviceType::Network {
            continue;
        }
        let mut device = Device::new(transport).ok()?;
        device.enable_interrupts();
        let mac = device.mac_address();
        critical_section::with(|cs| DEVICE.borrow_ref_mut(cs).replace(device));
        let mut driver = VirtioNet {
            buffers,
            rx_tokens: [None; RX_SLOTS],
            tx_in_flight: [None; TX_SLOTS],
            mac,
        };
        critical_section::with(|cs| driver.refill(cs));
        return Some((driver, slot));
    }
    None
}

/// `true` if the device has finished with a buffer (a frame came, or one went out) since
/// the driver last looked: the main loop then wakes the driver instead of sleeping.
pub fn has_work() -> bool {
    critical_section::with(|cs| {
        DEVICE.borrow_ref_mut(cs).as_mut().is_some_and(|device| {
            device.poll_receive().is_some() || device.poll_transmit().is_some()
        })
    })
}

/// After an interrupt: acknowledges it at the device and wakes the driver.
pub fn on_interrupt() {
    critical_section::with(|cs| {
        if let Some(device) = DEVICE.borrow_ref_mut(cs).as_mut() {
            device.ack_interrupt();
        }
    });
    WAKER.wake();
}

/// Wakes the driver.
pub fn wake() {
    WAKER.wake();
}

impl VirtioNet {
    /// Lends every receive buffer the device does not hold to it.
    fn refill(&mut self, cs: CriticalSection<'_>) {
        let mut device = DEVICE.borrow_ref_mut(cs);
        let Some(device) = device.as_mut() else {
            return;
        };
        // By index: a reference is made only to a buffer the driver holds, never to one
        // the device may be writing.
        for slot in 0..RX_SLOTS {
            if self.rx_tokens[slot].is_none() {
                // SAFETY: the buffer is not touched again until the device gives it back
                // (`receive_complete` with this token).
                self.rx_tokens[slot] =
                    unsafe { device.receive_begin(&mut self.buffers.rx[slot]) }.ok();
            }
        }
    }

    /// Takes back the transmit buffers the device has sent; the index of a free one.
    fn free_tx(&mut self, cs: CriticalSection<'_>) -> Option<usize> {
        let mut device = DEVICE.borrow_ref_mut(cs);
        let device = device.as_mut()?;
        while let Some(token) = device.poll_transmit() {
            let Some(slot) = self
                .tx_in_flight
                .iter()
                .position(|sent| sent.is_some_and(|(t, _)| t == token))
            else {
                break;
            };
            let len = self.tx_in_flight[slot].map_or(0, |(_, len)| len);
            // SAFETY: the same buffer (and length) that `transmit_begin` got with `token`.
            let _ = unsafe { device.transmit_complete(token, &self.buffers.tx[slot][..len]) };
            self.tx_in_flight[slot] = None;
        }
        self.tx_in_flight.iter().position(Option::is_none)
    }

    /// A received frame: its buffer and where the frame lies in it.
    fn take_rx(&mut self, cs: CriticalSection<'_>) -> Option<(usize, Range<usize>)> {
        let mut device = DEVICE.borrow_ref_mut(cs);
        let device = device.as_mut()?;
        let token = device.poll_receive()?;
        let slot = self.rx_tokens.iter().position(|t| *t == Some(token))?;
        self.rx_tokens[slot] = None;
        // SAFETY: the buffer lent with `token`.
        let (header, len) =
            unsafe { device.receive_complete(token, &mut self.buffers.rx[slot]) }.ok()?;
        Some((slot, header..header + len))
    }

    fn tx_token(&mut self, slot: usize) -> Tx<'_> {
        Tx {
            buffer: &mut self.buffers.tx[slot],
            in_flight: &mut self.tx_in_flight[slot],
        }
    }
}

impl Driver for VirtioNet {
    type RxToken<'a> = Rx<'a>;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, cx: &mut Context<'_>) -> Option<(Rx<'_>, Tx<'_>)> {
        WAKER.register(cx.waker());
        let (rx_slot, frame, tx_slot) = critical_section::with(|cs| {
            self.refill(cs);
            let tx_slot = self.free_tx(cs)?;
            let (rx_slot, frame) = self.take_rx(cs)?;
            Some((rx_slot, frame, tx_slot))
        })?;
        let Self {
            buffers,
            tx_in_flight,
            ..
        } = self;
        // Indexed in place (slots from `position`, in range): no reference to the whole
        // array, which holds buffers the device owns.
        let rx = Rx {
            frame: buffers.rx[rx_slot].get_mut(frame)?,
        };
        let tx = Tx {
            buffer: &mut buffers.tx[tx_slot],
            in_flight: &mut tx_in_flight[tx_slot],
        };
        Some((rx, tx))
    }

    fn transmit(&mut self, cx: &mut Context<'_>) -> Option<Tx<'_>> {
        WAKER.register(cx.waker());
        let slot = critical_section::with(|cs| self.free_tx(cs))?;
        Some(self.tx_token(slot))
    }

    fn link_state(&mut self, _cx: &mut Context<'_>) -> LinkState {
        LinkState::Up
    }

    fn capabilities(&self) -> Capabilities {
        let mut capabilities = Capabilities::default();
        capabilities.max_transmission_unit = MTU;
        capabilities.max_burst_size = Some(TX_SLOTS);
        capabilities
    }

    fn hardware_address(&self) -> HardwareAddress {
        HardwareAddress::Ethernet(self.mac)
    }
}

/// A received frame, read in place; its buffer goes back to the device at the driver's
/// next poll.
pub struct Rx<'a> {
    frame: &'a mut [u8],
}

impl embassy_net_driver::RxToken for Rx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, f: F) -> R {
        f(self.frame)
    }
}

/// A free transmit buffer: the frame is written after the virtio-net header, then handed
/// to the device.
pub struct Tx<'a> {
    buffer: &'a mut [u8; BUFFER_LEN],
    in_flight: &'a mut Option<(u16, usize)>,
}

impl embassy_net_driver::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let header = critical_section::with(|cs| {
            DEVICE
                .borrow_ref(cs)
                .as_ref()
                .and_then(|device| device.fill_buffer_header(self.buffer).ok())
        })
        .unwrap_or(0);
        let end = (header + len).min(BUFFER_LEN);
        let result = f(&mut self.buffer[header..end]);
        critical_section::with(|cs| {
            if let Some(device) = DEVICE.borrow_ref_mut(cs).as_mut() {
                // SAFETY: the buffer is not touched again until `transmit_complete` with
                // this token (`free_tx`).
                if let Ok(token) = unsafe { device.transmit_begin(&self.buffer[..end]) } {
                    *self.in_flight = Some((token, end));
                }
            }
        });
        result
    }
}
