#!/usr/bin/env bash
# Builds the WASM module for wasm32-unknown-unknown (with and without simd128) and checks
# it under node with real captures. Needs: rustup target wasm32-unknown-unknown, node (v20).
set -euo pipefail
cd "$(dirname "$0")"
# Twice: the baseline (the NUL search a word at a time) and with simd128 (through `wide`).
for simd in no yes; do
  if [ "$simd" = yes ]; then
    export RUSTFLAGS="-C target-feature=+simd128"
    dir=target/simd128
  else
    dir=target
  fi
  cargo build --release --target wasm32-unknown-unknown --target-dir "$dir"
  module=$dir/wasm32-unknown-unknown/release/sioscgi_wasm_example.wasm
  echo "module (simd128: $simd): $(wc -c < "$module") bytes"
  node check.mjs "$module" \
    ../../tests/vectors/nginx/post_form.scgi ../../tests/vectors/nginx/get_query.scgi \
    ../../tests/vectors/nginx/post_chunked.scgi ../../tests/vectors/lighttpd/post_binary.scgi \
    ../../tests/vectors/apache/many_headers.scgi ../../tests/vectors/nginx/browser_get.scgi
done
