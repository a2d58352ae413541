//! wip
mod cgi;
mod config;
mod listener;
mod request;
pub use cgi::CgiEnvironment;
pub use config::Config;
pub use listener::Listener;
pub use request::{RequestError, into_request};
