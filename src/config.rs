//! Reader configuration, buildable in `const` context.

/// The default limit on the header block: 65,536 bytes, as sioscgi's `rx_buffer_limit`.
pub const DEFAULT_MAX_BLOCK_LEN: usize = 65_536;

/// How the request reader checks what it receives.
///
/// ```
/// use sioscgi::Config;
/// const CONFIG: Config = Config::new()
///     .max_block_len(8 * 1024)
///     .allow_repeated_names(true);
/// assert_eq!(CONFIG.block_limit(), 8192);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    max_block_len: usize,
    allow_repeated_names: bool,
    require_content_length_first: bool,
    index_names: bool,
}

impl Config {
    /// The defaults: a 65,536-byte block limit, repeated names refused, `CONTENT_LENGTH`
    /// accepted anywhere in the block (as sioscgi).
    pub const fn new() -> Self {
        Config {
            max_block_len: DEFAULT_MAX_BLOCK_LEN,
            allow_repeated_names: false,
            require_content_length_first: false,
            index_names: true,
        }
    }

    /// Sets the largest header block (the netstring's length) accepted. A longer block is
    /// [`HeadersTooLarge`](crate::Error::HeadersTooLarge), reported as soon as its length
    /// prefix shows it. The reader also never accepts more than its storage can hold.
    #[must_use]
    pub const fn max_block_len(mut self, bytes: usize) -> Self {
        self.max_block_len = bytes;
        self
    }

    /// Accepts repeated names (nginx forwards two `Cookie:` request headers as two
    /// `HTTP_COOKIE` pairs). `Environment::get` then returns the first value and
    /// `Environment::get_all` every value. `SCGI` and `CONTENT_LENGTH` may never repeat.
    #[must_use]
    pub const fn allow_repeated_names(mut self, allow: bool) -> Self {
        self.allow_repeated_names = allow;
        self
    }

    /// Whether the reader indexes the names (the default) when it may: with repeated
    /// names allowed, `index_names(false)` makes it build no lookup of the names, only
    /// the places of the pairs. Validation is then one pass over the pairs (no hash, no
    /// table), and [`Environment::get`](crate::Environment::get) and
    /// [`get_all`](crate::Environment::get_all) go through the pairs in wire order: each
    /// lookup compares up to every name of the block, a cost linear in the number of
    /// pairs. For a consumer that visits every pair once (copying the environment into a
    /// map of its own, as a Python dict or an `http::HeaderMap`) and looks up few names
    /// or none. With repeated names refused, the index is built whatever this says: it
    /// is what finds them. 32-bit targets always build their index (the smaller code).
    /// The storage a block needs is the same either way.
    ///
    /// ```
    /// use sioscgi::{Config, Event, Reader};
    /// let config = Config::new().allow_repeated_names(true).index_names(false);
    /// let mut reader = Reader::with_config([0u8; 512], config);
    /// let wire = b"75:CONTENT_LENGTH\x000\x00SCGI\x001\x00HTTP_COOKIE\x00a=1\x00HTTP_COOKIE\x00b=2\x00REQUEST_METHOD\x00GET\x00,";
    /// let (_, event) = reader.read(wire)?;
    /// let Some(Event::Headers(environment)) = event else { panic!() };
    /// assert_eq!(environment.get("REQUEST_METHOD"), Some(&b"GET"[..]));
    /// assert_eq!(environment.get_all(b"HTTP_COOKIE").count(), 2);
    /// # Ok::<(), sioscgi::Error>(())
    /// ```
    #[must_use]
    pub const fn index_names(mut self, index: bool) -> Self {
        self.index_names = index;
        self
    }

    /// Requires `CONTENT_LENGTH` to be the first variable, as the SCGI spec says
    /// (otherwise [`ContentLengthNotFirst`](crate::Error::ContentLengthNotFirst)).
    #[must_use]
    pub const fn require_content_length_first(mut self, require: bool) -> Self {
        self.require_content_length_first = require;
        self
    }

    /// The configured block limit.
    pub const fn block_limit(&self) -> usize {
        self.max_block_len
    }

    /// Whether repeated names are accepted.
    pub const fn repeated_names_allowed(&self) -> bool {
        self.allow_repeated_names
    }

    /// What [`index_names`](Self::index_names) was told (the names are indexed anyway when
    /// repeats are refused, and on 32-bit targets).
    pub const fn names_indexed(&self) -> bool {
        self.index_names
    }

    /// Whether `CONTENT_LENGTH` must come first.
    pub const fn content_length_first_required(&self) -> bool {
        self.require_content_length_first
    }

    pub(crate) const fn rules(&self) -> crate::wire::environment::Rules {
        crate::wire::environment::Rules {
            allow_repeated_names: self.allow_repeated_names,
            require_content_length_first: self.require_content_length_first,
            index_names: self.index_names,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}
