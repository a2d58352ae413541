//! sioscgi firmware on a real TCP/IP stack: QEMU's riscv32 `virt` machine, its virtio-net
//! device through `virtio-drivers`, `embassy-net` (smoltcp) on the Embassy executor, and
//! SCGI on port 4000 through the crate's async driver. No heap: every buffer is static.
//!
//! Eight sockets listen at once, each with its own reader storage (2 KiB header blocks, 64
//! pairs), receive buffer and send buffer, so an idle peer holds one socket and no more.
//! QEMU's user-mode network gives the guest 10.0.2.15; `run.sh` forwards a loopback port
//! of the host to its port 4000.
#![no_std]
#![no_main]

mod app;
mod dma;
mod machine;
mod stack_paint;
mod time_driver;
mod virtio_net;

use core::fmt::Write as _;
use core::sync::atomic::{AtomicBool, Ordering};

use embassy_executor::Spawner;
use embassy_executor::raw::Executor;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Ipv4Address, Ipv4Cidr, Runner, Stack, StackResources, StaticConfigV4};
use embassy_time::{Duration, with_timeout};
use sioscgi::io::{Error, asynch};
use sioscgi::{Config, Reader, storage};
use static_cell::{ConstStaticCell, StaticCell};

use virtio_net::VirtioNet;

/// The SCGI port.
const PORT: u16 = 4000;
/// Sockets listening at once (one connection each).
const SOCKETS: usize = 8;
/// The largest header block a request may have, and the most pairs.
const BLOCK_LEN: usize = 2048;
const PAIRS: usize = 64;
/// The reader's storage: the block and its index.
const STORAGE_LEN: usize = storage::len_for(BLOCK_LEN, PAIRS);
/// The reader's configuration: repeated names allowed (nginx passes repeated headers as
/// repeated pairs).
const CONFIG: Config = Config::new()
    .max_block_len(BLOCK_LEN)
    .allow_repeated_names(true);
/// A connection's deadline, from its first byte to its last.
const DEADLINE: Duration = Duration::from_secs(10);
/// How long a finished connection waits for the peer to close its half.
const LINGER: Duration = Duration::from_secs(2);

/// One socket's memory.
struct Connection {
    socket_rx: [u8; 4096],
    socket_tx: [u8; 2048],
    storage: [u8; STORAGE_LEN],
    rx: [u8; 1024],
    tx: [u8; 512],
    chunk: [u8; BLOCK_LEN],
}

impl Connection {
    const fn new() -> Self {
        Self {
            socket_rx: [0; 4096],
            socket_tx: [0; 2048],
            storage: [0; STORAGE_LEN],
            rx: [0; 1024],
            tx: [0; 512],
            chunk: [0; BLOCK_LEN],
        }
    }
}

// Built in place (in .bss), never on the stack.
static CONNECTIONS: ConstStaticCell<[Connection; SOCKETS]> =
    ConstStaticCell::new([const { Connection::new() }; SOCKETS]);
static NET_BUFFERS: ConstStaticCell<virtio_net::Buffers> =
    ConstStaticCell::new(virtio_net::Buffers::new());
static RESOURCES: ConstStaticCell<StackResources<SOCKETS>> =
    ConstStaticCell::new(StackResources::new());
static EXECUTOR: StaticCell<Executor> = StaticCell::new();

/// Set by the executor when a task was woken; the main loop polls before sleeping again.
static PENDED: AtomicBool = AtomicBool::new(false);

#[unsafe(export_name = "__pender")]
fn pender(_context: *mut ()) {
    PENDED.store(true, Ordering::Release);
}

#[embassy_executor::task]
async fn net_task(mut runner: Runner<'static, VirtioNet>) -> ! {
    runner.run().await
}

/// Serves connection after connection on one socket.
#[embassy_executor::task(pool_size = SOCKETS)]
async fn scgi_task(stack: Stack<'static>, connection: &'static mut Connection) -> ! {
    let Connection {
        socket_rx,
        socket_tx,
        storage,
        rx,
        tx,
        chunk,
    } = connection;
    let mut socket = TcpSocket::new(stack, socket_rx, socket_tx);
    let mut reader = Reader::with_config(&mut storage[..], CONFIG);
    loop {
        // Before the handshake too: a SYN whose handshake never completes (a spoofed
        // source, a client gone) must not hold the socket for good.
        socket.set_timeout(Some(DEADLINE));
        if socket.accept(PORT).await.is_err() {
            socket.abort();
            let _ = with_timeout(LINGER, socket.flush()).await;
            continue;
        }
        let serve = asynch::serve(&mut socket, &mut reader, rx, tx, async |request| {
            app::handle(request, chunk).await
        });
        let complete = match with_timeout(DEADLINE, serve).await {
            Ok(Ok(())) => {
                app::ANSWERED.fetch_add(1, Ordering::Relaxed);
                true
            }
            // Refused with its status hint: that answer is complete.
            Ok(Err(Error::Protocol(e))) if e.is_remote() && e.status_hint().is_some() => {
                app::REFUSED.fetch_add(1, Ordering::Relaxed);
                true
            }
            // The peer left, an I/O error, the deadline: whatever was sent is not a whole
            // response.
            _ => {
                app::FAILED.fetch_add(1, Ordering::Relaxed);
                false
            }
        };
        if complete {
            // Close our half (the end of the response), wait for the peer's, reading
            // whatever it still sends; then drop the connection without the 10 s TIME-WAIT
            // smoltcp would keep the socket in.
            socket.close();
            let _ = with_timeout(LINGER, async {
                let _ = socket.flush().await;
                let mut sink = [0u8; 64];
                while let Ok(n) = embedded_io_async::Read::read(&mut socket, &mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
        }
        // After a failure, a reset at once: a plain close would end a cut response as if
        // it were whole, and the web server would pass it on as such.
        socket.abort();
        let _ = with_timeout(LINGER, socket.flush()).await;
    }
}

fn spawn_all(spawner: Spawner) -> bool {
    let Some((driver, slot)) = virtio_net::probe(NET_BUFFERS.take()) else {
        machine::print("embedded-net: no virtio-net device\n");
        return false;
    };
    machine::enable_wakeups(slot);
    let config = embassy_net::Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::new(10, 0, 2, 15), 24),
        gateway: Some(Ipv4Address::new(10, 0, 2, 2)),
        dns_servers: Default::default(),
    });
    let seed = machine::now() ^ 0x9e37_79b9_7f4a_7c15;
    let (stack, runner) = embassy_net::new(driver, config, RESOURCES.take(), seed);
    spawner.spawn(net_task(runner).expect("one net task"));
    let connections = CONNECTIONS.take();
    for connection in connections.iter_mut() {
        spawner.spawn(scgi_task(stack, connection).expect("a task per socket"));
    }
    let mut line = heapless::String::<96>::new();
    let _ = writeln!(
        line,
        "embedded-net: serving SCGI on 10.0.2.15:{PORT}, {SOCKETS} sockets"
    );
    machine::print(&line);
    true
}

#[riscv_rt::entry]
fn main() -> ! {
    stack_paint::paint();
    let executor = EXECUTOR.init(Executor::new(core::ptr::null_mut()));
    if !spawn_all(executor.spawner()) {
        machine::exit(1);
    }
    loop {
        // SAFETY: polled from this one loop, never from the pender.
        unsafe { executor.poll() };
        let alarm = time_driver::next_alarm();
        if PENDED.swap(false, Ordering::Acquire) {
            continue;
        }
        if virtio_net::has_work() {
            virtio_net::wake();
            continue;
        }
        machine::set_timer(alarm);
        machine::wait();
        if machine::claim_external() {
            virtio_net::on_interrupt();
        }
        machine::set_timer(u64::MAX);
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut line = heapless::String::<256>::new();
    let _ = writeln!(line, "embedded-net: panic: {info}");
    machine::print(&line);
    machine::exit(1)
}
