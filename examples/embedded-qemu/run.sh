#!/usr/bin/env bash
# Builds the Cortex-M3 example, boots it in QEMU (lm3s6965evb), checks its two outputs —
# the text report (semihosting stderr) against expected.txt, the defmt log (semihosting
# stdout, decoded by defmt-print) against expected-defmt.txt — and prints the code size
# (all of .text, and the library's part).
# Needs: rustup target thumbv7m-none-eabi, rustup component llvm-tools, qemu-system-arm,
# defmt-print (cargo install defmt-print).
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release
elf=target/thumbv7m-none-eabi/release/sioscgi-qemu-example
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
timeout 120 qemu-system-arm -cpu cortex-m3 -machine lm3s6965evb -nographic \
  -semihosting-config enable=on,target=native -kernel "$elf" > "$tmp/frames" 2> "$tmp/stderr"
grep -v '^Timer with period zero' "$tmp/stderr" > "$tmp/report" || true
defmt-print -e "$elf" < "$tmp/frames" > "$tmp/defmt"
status=0
for pair in "expected.txt:$tmp/report" "expected-defmt.txt:$tmp/defmt"; do
  if diff -u "${pair%%:*}" "${pair#*:}"; then
    echo "QEMU output: ${pair%%:*} as expected ($(wc -l < "${pair#*:}") lines)"
  else
    echo "QEMU output differs from ${pair%%:*}" >&2
    status=1
  fi
done
tools="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
"$tools/llvm-size" "$elf"
library=$("$tools/llvm-nm" --print-size --demangle --radix=d "$elf" \
  | awk '$3 ~ /^[tT]$/ && /sioscgi::/ { total += $2 } END { print total + 0 }')
echo ".text of sioscgi's own functions (not inlined into the example): $library bytes"
exit "$status"
