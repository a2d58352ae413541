//! The server's limits and timeouts.

use std::time::Duration;

/// The bound on [`Config::max_connections`]: what tokio's semaphore counts on every
/// target (and a graceful shutdown waits for in one call).
const MAX_CONNECTIONS: usize = 1 << 29;

/// How [`serve`](crate::serve) treats its connections: the protocol rules of the core
/// (block limit, repeated names), how many connections it serves at once, and how long a
/// peer may take.
///
/// ```
/// use std::time::Duration;
/// use sioscgi_tower::Config;
///
/// let config = Config::new()
///     .max_block_len(16 * 1024)
///     .max_connections(256)
///     .header_timeout(Duration::from_secs(5));
/// assert_eq!(config.get_max_connections(), 256);
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    protocol: sioscgi::Config,
    max_pairs: usize,
    max_connections: usize,
    header_timeout: Duration,
    idle_timeout: Duration,
    read_buffer_len: usize,
    drain_limit: u64,
    drain_timeout: Duration,
    shutdown_timeout: Option<Duration>,
    unbuffered_streams: bool,
    first_in_accept_loop: bool,
    accept_loop_task: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// The defaults: the core's defaults (64 KiB header blocks) except that repeated
    /// names are allowed (a request with two `Cookie` or `Accept` lines, or a proxy's
    /// repeated `X-Forwarded-For`, is an ordinary request: nginx passes each line as a
    /// pair of its own, and they become repeated headers), up to 2,048 pairs per block, 1,024 connections at once, 10 s for the header block,
    /// 60 s without progress while reading the body or writing the response, 16 KiB reads,
    /// up to 256 KiB of unread body drained within 1 s after the response, and a graceful
    /// shutdown that waits for every connection, and streamed responses marked
    /// `X-Accel-Buffering: no`.
    pub const fn new() -> Self {
        Config {
            // Every pair is visited once into the request (its headers, its
            // `CgiEnvironment`): the core's index of the names would go unused.
            protocol: sioscgi::Config::new()
                .allow_repeated_names(true)
                .index_names(false),
            max_pairs: 2048,
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            read_buffer_len: 16 * 1024,
            drain_limit: 256 * 1024,
            drain_timeout: Duration::from_secs(1),
            shutdown_timeout: None,
            unbuffered_streams: true,
            first_in_accept_loop: true,
            accept_loop_task: true,
        }
    }

    /// The protocol rules of the core: the header block's length limit, whether repeated
    /// names are allowed (they then become repeated headers), whether `CONTENT_LENGTH`
    /// must come first. This replaces the default's, whose repeated names are allowed
    /// and not indexed (each request's pairs are visited once, into the request: see
    /// [`sioscgi::Config::index_names`]): a `sioscgi::Config::new()` refuses them
    /// (`400`) unless told `.allow_repeated_names(true)`.
    pub const fn protocol(mut self, protocol: sioscgi::Config) -> Self {
        self.protocol = protocol;
        self
    }

    /// The longest header block accepted (the core's
    /// [`max_block_len`](sioscgi::Config::max_block_len), 64 KiB by default); the other
    /// protocol rules stay as they are.
    pub const fn max_block_len(mut self, bytes: usize) -> Self {
        self.protocol = self.protocol.max_block_len(bytes);
        self
    }

    /// Room for this many pairs in a header block of the full length limit: a
    /// connection's header block and its index take at most
    /// [`sioscgi::storage::len_for`]`(block limit, max_pairs)` bytes (112 KiB by default;
    /// a typical request takes 2 KiB). A shorter block leaves room for more pairs
    /// ([`sioscgi::storage::pairs_fitting`]); a block whose index does not fit is
    /// answered `431`.
    pub const fn max_pairs(mut self, pairs: usize) -> Self {
        self.max_pairs = pairs;
        self
    }

    /// The most connections served at once (at least 1, at most 2^29). When all are
    /// taken, a new connection takes the place of the one that has waited longest for
    /// its header block, once that one has waited a quarter of a second (a peer that
    /// connected and stays silent or trickles is closed; a younger one may have its
    /// request in the kernel's buffer already),
    /// so idle peers at the port cannot keep a web server's requests out; if every
    /// connection is past its header block, the server stops accepting until one ends,
    /// and the kernel's backlog holds the rest.
    pub const fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = if connections == 0 {
            1
        } else if connections > MAX_CONNECTIONS {
            MAX_CONNECTIONS
        } else {
            connections
        };
        self
    }

    /// How long a connection may take to send its whole header block, from its accept
    /// (a peer that stays silent or trickles is closed then).
    pub const fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// How long reading the request body or writing the response may go without
    /// progress before the connection is given up.
    pub const fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// How many bytes a read from the socket asks for (at least 1 KiB).
    pub const fn read_buffer_len(mut self, bytes: usize) -> Self {
        self.read_buffer_len = if bytes < 1024 { 1024 } else { bytes };
        self
    }

    /// After the response, up to this many unread body bytes are read and dropped (for
    /// at most [`Config::drain_timeout`]) before the connection closes: closing a socket
    /// with unread data resets it, and the web server could lose the response.
    pub const fn drain_limit(mut self, bytes: u64) -> Self {
        self.drain_limit = bytes;
        self
    }

    /// How long the drain of [`Config::drain_limit`] may take.
    pub const fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.drain_timeout = timeout;
        self
    }

    /// How long a graceful shutdown waits for the connections in flight (`None`: until
    /// they end, which their timeouts bound unless a response streams forever).
    pub const fn shutdown_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Whether a response whose body length is not known in advance (a stream: server-sent
    /// events, a long computation's progress) carries `X-Accel-Buffering: no`, unless the
    /// service set that header itself. Yes by default: with its default
    /// `scgi_buffering on`, nginx otherwise gathers the body before passing it on, and a
    /// stream reaches the client in one piece at its end. A response of known length is
    /// left as it is (nginx's buffering costs it nothing). lighttpd and Apache take no
    /// notice of the header: see the crate README for what they do with streams.
    pub const fn unbuffered_streams(mut self, mark: bool) -> Self {
        self.unbuffered_streams = mark;
        self
    }

    /// Whether a new connection runs first in the accept loop's task, until it first
    /// waits (yes by default). A request that has come whole and is answered at once
    /// (most, from a web server on the same machine) is then served without becoming a
    /// task of its own, and no other worker thread is woken for it: fewer system calls
    /// and less CPU per request. But a service that computes for long without an
    /// `.await` holds up the accepting of new connections meanwhile (where it would
    /// otherwise hold up one worker thread): turn this off (`false`) to start every
    /// connection as a task of its own.
    pub const fn first_in_accept_loop(mut self, first: bool) -> Self {
        self.first_in_accept_loop = first;
        self
    }

    /// Whether [`serve`](crate::serve), awaited outside any task on a multi-thread
    /// runtime (in `main`, under `#[tokio::main]`), runs its accept loop as a task of its
    /// own (yes by default). On the thread of `block_on`, the loop is no worker: each
    /// time it has waited for a connection, a worker must wake it (a futex call and two
    /// context switches). As a task, it runs on a worker, which waits for the listener
    /// in epoll itself.
    /// Awaited inside a task, or on a current-thread runtime, `serve` runs in place
    /// either way.
    ///
    /// What differs from running in place: the task gets the caller's `tracing` span
    /// and subscriber, but no task-local value the caller set
    /// (`tokio::task_local!`) and no `tokio::task::unconstrained`; a dropped `serve`
    /// future stops the task as soon as a worker gets to it (its listener closes an
    /// instant after the drop, not during it); a panic in the loop reaches the caller
    /// as before. Turn this off (`false`) for the loop to run where it is awaited.
    pub const fn accept_loop_task(mut self, task: bool) -> Self {
        self.accept_loop_task = task;
        self
    }

    /// See [`Config::protocol`].
    pub const fn get_protocol(&self) -> &sioscgi::Config {
        &self.protocol
    }

    /// See [`Config::max_pairs`].
    pub const fn get_max_pairs(&self) -> usize {
        self.max_pairs
    }

    /// See [`Config::max_connections`].
    pub const fn get_max_connections(&self) -> usize {
        self.max_connections
    }

    /// See [`Config::header_timeout`].
    pub const fn get_header_timeout(&self) -> Duration {
        self.header_timeout
    }

    /// See [`Config::idle_timeout`].
    pub const fn get_idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// See [`Config::read_buffer_len`].
    pub const fn get_read_buffer_len(&self) -> usize {
        self.read_buffer_len
    }

    /// See [`Config::drain_limit`].
    pub const fn get_drain_limit(&self) -> u64 {
        self.drain_limit
    }

    /// See [`Config::drain_timeout`].
    pub const fn get_drain_timeout(&self) -> Duration {
        self.drain_timeout
    }

    /// See [`Config::shutdown_timeout`].
    pub const fn get_shutdown_timeout(&self) -> Option<Duration> {
        self.shutdown_timeout
    }

    /// See [`Config::first_in_accept_loop`].
    pub const fn get_first_in_accept_loop(&self) -> bool {
        self.first_in_accept_loop
    }

    /// See [`Config::accept_loop_task`].
    pub const fn get_accept_loop_task(&self) -> bool {
        self.accept_loop_task
    }

    /// See [`Config::unbuffered_streams`].
    pub const fn get_unbuffered_streams(&self) -> bool {
        self.unbuffered_streams
    }

    /// The storage length of a connection's header block and its index.
    pub(crate) const fn storage_len(&self) -> usize {
        sioscgi::storage::len_for(self.protocol.block_limit(), self.max_pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_kept() {
        let config = Config::new();
        assert_eq!(config.get_max_connections(), 1024);
        assert!(config.get_protocol().repeated_names_allowed());
        assert!(config.get_first_in_accept_loop());
        assert!(config.get_accept_loop_task());
        assert!(!Config::new().accept_loop_task(false).get_accept_loop_task());
        assert!(
            !Config::new()
                .first_in_accept_loop(false)
                .get_first_in_accept_loop()
        );
        let shorter = Config::new().max_block_len(1000);
        assert_eq!(shorter.get_protocol().block_limit(), 1000);
        assert!(shorter.get_protocol().repeated_names_allowed());
        assert_eq!(config.storage_len(), 65_536 + 2048 * 24 + 3);
        assert_eq!(Config::new().max_connections(0).get_max_connections(), 1);
        let most = Config::new()
            .max_connections(usize::MAX)
            .get_max_connections();
        assert_eq!(most, MAX_CONNECTIONS);
        assert!(most <= tokio::sync::Semaphore::MAX_PERMITS);
        assert!(u32::try_from(most).is_ok());
        assert_eq!(
            Config::new().read_buffer_len(10).get_read_buffer_len(),
            1024
        );
        let config = Config::new()
            .idle_timeout(Duration::from_secs(5))
            .drain_limit(7)
            .drain_timeout(Duration::from_millis(3))
            .shutdown_timeout(Some(Duration::from_secs(2)))
            .max_pairs(16);
        assert_eq!(config.get_idle_timeout(), Duration::from_secs(5));
        assert_eq!(config.get_drain_limit(), 7);
        assert_eq!(config.get_drain_timeout(), Duration::from_millis(3));
        assert_eq!(config.get_shutdown_timeout(), Some(Duration::from_secs(2)));
        assert_eq!(config.storage_len(), 65_536 + 16 * 24 + 3);
    }
}
