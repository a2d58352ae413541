#!/usr/bin/env bash
# The code size of sioscgi's reader, writer and both on a Cortex-M4F (thumbv7em-none-eabihf,
# opt-level "s", LTO): benches/codesize is built four times (neither, reader, writer, both)
# and each part's size is its program's .text minus that of the program with neither.
# Prints one JSON object. Needs: rustup target thumbv7em-none-eabihf, component llvm-tools.
set -euo pipefail
cd "$(dirname "$0")/codesize"
target=thumbv7em-none-eabihf
tools="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
declare -A text rodata
for variant in neither reader writer both; do
  case $variant in
    neither) features="" ;;
    both) features="reader,writer" ;;
    *) features=$variant ;;
  esac
  cargo build --quiet --locked --release --target "$target" --features "$features" \
    --target-dir "target/$variant" >&2
  elf="target/$variant/$target/release/sioscgi-codesize"
  text[$variant]=$("$tools/llvm-size" -A "$elf" | awk '$1 == ".text" { print $2 }')
  rodata[$variant]=$("$tools/llvm-size" -A "$elf" | awk '$1 == ".rodata" { s = $2 } END { print s + 0 }')
done
printf '{"target": "%s", "opt_level": "s", ' "$target"
printf '"text": {"reader": %d, "writer": %d, "both": %d, "neither": %d}, ' \
  $(( text[reader] - text[neither] )) $(( text[writer] - text[neither] )) \
  $(( text[both] - text[neither] )) "${text[neither]}"
printf '"rodata": {"reader": %d, "writer": %d, "both": %d}}\n' \
  $(( rodata[reader] - rodata[neither] )) $(( rodata[writer] - rodata[neither] )) \
  $(( rodata[both] - rodata[neither] ))
