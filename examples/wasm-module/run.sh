#!/usr/bin/env bash
# Builds the WASM module for wasm32-unknown-unknown and checks it under node with real
# captures. Needs: rustup target wasm32-unknown-unknown, node (v20).
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --target wasm32-unknown-unknown
module=target/wasm32-unknown-unknown/release/sioscgi_wasm_example.wasm
echo "module: $(wc -c < "$module") bytes"
node check.mjs "$module" \
  ../../tests/vectors/nginx/post_form.scgi ../../tests/vectors/nginx/get_query.scgi \
  ../../tests/vectors/nginx/post_chunked.scgi ../../tests/vectors/lighttpd/post_binary.scgi \
  ../../tests/vectors/apache/many_headers.scgi
