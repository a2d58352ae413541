#!/usr/bin/env bash
# Builds the Cortex-M3 example, boots it in QEMU (lm3s6965evb), checks what it printed
# against expected.txt, and prints the code size (all of .text, and the library's part).
# Needs: rustup target thumbv7m-none-eabi, rustup component llvm-tools, qemu-system-arm.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release
elf=target/thumbv7m-none-eabi/release/sioscgi-qemu-example
out=$(mktemp)
trap 'rm -f -- "$out"' EXIT
timeout 120 qemu-system-arm -cpu cortex-m3 -machine lm3s6965evb -nographic \
  -semihosting-config enable=on,target=native -kernel "$elf" | grep -v '^Timer with period zero' > "$out"
if diff -u expected.txt "$out"; then
  echo "QEMU output: as expected ($(wc -l < "$out") lines)"
else
  echo "QEMU output differs from expected.txt" >&2
  exit 1
fi
tools="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
"$tools/llvm-size" "$elf"
library=$("$tools/llvm-nm" --print-size --demangle --radix=d "$elf" \
  | awk '$3 ~ /^[tT]$/ && /sioscgi::/ { total += $2 } END { print total + 0 }')
echo ".text of sioscgi's own functions (not inlined into the example): $library bytes"
