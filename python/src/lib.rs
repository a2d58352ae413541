//! The native part of the Python package `sioscgi-rs`: the classes of sioscgi's 5.x API
//! (`sioscgi.request`, `sioscgi.response`) and 2.x API (`sioscgi.SCGIConnection`), on the
//! Rust core. Every byte is parsed, checked and encoded by the core; the Python modules
//! hold the state enums and the exception classes.
#![forbid(unsafe_code)]

mod environ;
mod events;
mod head;
mod legacy;
mod log;
mod names;
mod parse;
mod python;
mod queue;
mod receive;
mod received;
mod request;
mod response;
mod shape;
mod trace;
mod writer;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("RequestEvent", py.get_type::<request::RequestEvent>())?;
    m.add("RequestHeaders", py.get_type::<request::RequestHeaders>())?;
    m.add("RequestBody", py.get_type::<request::RequestBody>())?;
    m.add("RequestEnd", py.get_type::<request::RequestEnd>())?;
    m.add("SCGIReader", py.get_type::<request::SCGIReader>())?;
    m.add("ResponseEvent", py.get_type::<response::ResponseEvent>())?;
    m.add(
        "ResponseHeaders",
        py.get_type::<response::ResponseHeaders>(),
    )?;
    m.add("ResponseBody", py.get_type::<response::ResponseBody>())?;
    m.add("ResponseEnd", py.get_type::<response::ResponseEnd>())?;
    m.add("SCGIWriter", py.get_type::<response::SCGIWriter>())?;
    m.add("LegacyEvent", py.get_type::<legacy::LegacyEvent>())?;
    m.add(
        "LegacyRequestHeaders",
        py.get_type::<legacy::LegacyRequestHeaders>(),
    )?;
    m.add(
        "LegacyRequestBody",
        py.get_type::<legacy::LegacyRequestBody>(),
    )?;
    m.add(
        "LegacyRequestEnd",
        py.get_type::<legacy::LegacyRequestEnd>(),
    )?;
    m.add(
        "LegacyResponseHeaders",
        py.get_type::<legacy::LegacyResponseHeaders>(),
    )?;
    m.add(
        "LegacyResponseBody",
        py.get_type::<legacy::LegacyResponseBody>(),
    )?;
    m.add(
        "LegacyResponseEnd",
        py.get_type::<legacy::LegacyResponseEnd>(),
    )?;
    m.add("SCGIConnection", py.get_type::<legacy::SCGIConnection>())?;
    Ok(())
}
