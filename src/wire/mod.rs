//! The wire grammar: stateless `nom` parsers and encoders, with no knowledge of states,
//! roles or buffers.
//!
//! Two rules keep this layer simple (after h11 and smoltcp):
//! 1. nothing here keeps state between calls: the state machines in
//!    [`reader`](crate::reader) and [`writer`](crate::writer) drive these functions and own
//!    every counter and offset;
//! 2. nothing here decides what happens next: a parser says what the bytes are (or that
//!    they are wrong), the state machine decides what that means.

pub(crate) mod duplicates;
pub(crate) mod environment;
pub(crate) mod header_line;
pub(crate) mod index;
pub(crate) mod keyed;
pub(crate) mod name_hash;
pub(crate) mod netstring;
pub(crate) mod nul_scan;
pub(crate) mod response;
pub(crate) mod secret;
pub(crate) mod sip;
