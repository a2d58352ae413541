//! Puts `memory.x` where the linker script of cortex-m-rt finds it, and links with it.
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy("memory.x", out.join("memory.x")).expect("memory.x is readable");
    println!("cargo:rustc-link-search={}", out.display());
    // cortex-m-rt's linker script (here rather than in RUSTFLAGS, which would override it).
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    // defmt's linker script: the table of interned format strings.
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
    println!("cargo:rerun-if-changed=memory.x");
}
