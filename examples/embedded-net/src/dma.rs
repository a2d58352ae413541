//! The `virtio-drivers` HAL on bare metal: physical addresses are the addresses the code
//! uses (machine mode, no MMU), and the device's rings come from a static pool that is
//! never given back (the device lives as long as the firmware). No heap.
//!
//! Sharing a buffer is the identity and unsharing does nothing: that assumes memory the
//! device sees as the CPU does (QEMU's `virt`; cache-coherent DMA). A chip whose DMA is not
//! coherent needs cache maintenance in `share` and `unshare`.

use core::cell::UnsafeCell;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};

use virtio_drivers::{BufferDirection, Hal, PAGE_SIZE, PhysAddr};

/// Pages for the device's rings: two queues of 16 descriptors need four (six with the
/// legacy layout).
const POOL_PAGES: usize = 8;

#[repr(C, align(4096))]
struct Pool(UnsafeCell<[u8; POOL_PAGES * PAGE_SIZE]>);

// SAFETY: handed out in disjoint page ranges, each to one owner (the bump below).
unsafe impl Sync for Pool {}

static POOL: Pool = Pool(UnsafeCell::new([0; POOL_PAGES * PAGE_SIZE]));
static NEXT_PAGE: AtomicUsize = AtomicUsize::new(0);

/// The HAL: identity-mapped DMA from [`POOL`].
pub struct StaticDma;

// SAFETY: `dma_alloc` returns page-aligned, zeroed, never-aliased ranges of `POOL` (a bump
// that never reuses a page); addresses are identity-mapped, so sharing is the identity.
unsafe impl Hal for StaticDma {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let first = NEXT_PAGE.fetch_add(pages, Ordering::Relaxed);
        assert!(first + pages <= POOL_PAGES, "DMA pool exhausted");
        let start = POOL.0.get().cast::<u8>().wrapping_add(first * PAGE_SIZE);
        // The pool is zero-initialised and pages are never reused: already zeroed.
        let pointer = NonNull::new(start).expect("the pool is not at address 0");
        (start as usize as PhysAddr, pointer)
    }

    unsafe fn dma_dealloc(_paddr: PhysAddr, _vaddr: NonNull<u8>, _pages: usize) -> i32 {
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, _size: usize) -> NonNull<u8> {
        NonNull::new(paddr as usize as *mut u8).expect("MMIO is not at address 0")
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        buffer.cast::<u8>().as_ptr() as usize as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}
