//! What the benchmarks run, shared by the criterion benchmark (`benches/compare.rs`), the
//! allocation counter (`src/bin/allocations.rs`) and their tests: the inputs, and one
//! function per implementation that reads a whole request (headers and body) from memory.
//!
//! Every implementation returns a [`Found`], and the tests check that all of them found
//! the same thing on every input, so no benchmark measures a parser that gave up early.

pub mod backend;
pub mod crafted;
pub mod gateway;
pub mod http;
pub mod inputs;
pub mod limits;
pub mod ours;
pub mod peers;

pub use ours::Found;
