#!/usr/bin/env bash
# Builds the firmware and runs it in QEMU (riscv32 `virt`, virtio-net) in the foreground,
# until killed. QEMU's user-mode network gives the guest 10.0.2.15 inside the QEMU process;
# the guest's SCGI port 4000 is forwarded from 127.0.0.1:PORT on the host (default 4000).
# The console (UART) is this terminal's stdout.
#
# Usage: run.sh [--port PORT] [--no-build]
# Installs what is missing: the rustup target riscv32imac-unknown-none-elf, Debian's
# qemu-system-misc (with apt-get, when run as root).
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
target=riscv32imac-unknown-none-elf
if [ "$build" = 1 ]; then
  rustup target list --installed | grep -qx "$target" || rustup target add "$target" >&2
  cargo build --release --quiet >&2
fi
if ! command -v qemu-system-riscv32 > /dev/null; then
  echo "installing qemu-system-misc (for qemu-system-riscv32)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-system-misc >&2
fi
exec qemu-system-riscv32 -machine virt -bios none -m 16M -nographic -monitor none \
  -global virtio-mmio.force-legacy=false \
  -netdev "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:${port}-:4000" \
  -device virtio-net-device,netdev=net0 \
  -kernel "target/$target/release/sioscgi-embedded-net"
