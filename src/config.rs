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
}

impl Config {
    /// The defaults: a 65,536-byte block limit, repeated names refused, `CONTENT_LENGTH`
    /// accepted anywhere in the block (as sioscgi).
    pub const fn new() -> Self {
        Config {
            max_block_len: DEFAULT_MAX_BLOCK_LEN,
            allow_repeated_names: false,
            require_content_length_first: false,
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

    /// Whether `CONTENT_LENGTH` must come first.
    pub const fn content_length_first_required(&self) -> bool {
        self.require_content_length_first
    }

    pub(crate) const fn rules(&self) -> crate::wire::environment::Rules {
        crate::wire::environment::Rules {
            allow_repeated_names: self.allow_repeated_names,
            require_content_length_first: self.require_content_length_first,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}
