#!/usr/bin/env bash
# Builds the WASM module and serves SCGI with it on 127.0.0.1:PORT (default 4000) behind
# a Node socket server (serve.mjs), in the foreground until killed.
# Usage: serve.sh [--port PORT] [--no-build]
# Needs node (v20); installs the rustup target wasm32-unknown-unknown when missing.
set -euo pipefail
cd "$(dirname "$0")"
port=4000
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "usage: $0 [--port PORT] [--no-build]" >&2; exit 2 ;;
  esac
done
if [ "$build" = 1 ]; then
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown >&2
  cargo build --release --quiet --target wasm32-unknown-unknown >&2
fi
exec node serve.mjs target/wasm32-unknown-unknown/release/sioscgi_wasm_example.wasm "$port"
