#!/usr/bin/env bash
# Runs the linux-arm64 release binary on an x64 machine under qemu-user (docs/deploy.md): `candor version`, then the
# whole release smoke test (serve without a file, demo serve, livez, readyz, one chat request, metrics) with
# RUNNER=qemu-aarch64-static. qemu is given an arm64 Debian root for the dynamic loader and the C, C++, SSL and zlib
# libraries the binary links (debootstrap --foreign, packages unpacked; about 2 minutes, once); no binfmt registration
# is needed. Emulated, it is slow: start-up takes tens of seconds. Not run by CI; run it before resolving a change to
# the publish profiles.
#   sudo deploy/arm64-smoke.sh      (needs qemu-user-static and debootstrap: apt-get install -y qemu-user-static debootstrap)
set -euo pipefail
cd "$(dirname "$0")/.."
root=${ARM64_ROOT:-/var/tmp/candor-arm64-root}
bin=deploy/out/linux-arm64/candor
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64) || { echo "needs qemu-user-static" >&2; exit 1; }
if [ ! -e "$root/lib/ld-linux-aarch64.so.1" ] || [ ! -e "$root/.candor-unpacked" ]; then
  debootstrap --foreign --arch=arm64 --variant=minbase --include=libssl3,ca-certificates bookworm "$root" >/dev/null
  for deb in "$root"/var/cache/apt/archives/*.deb; do dpkg-deb -x "$deb" "$root"; done
  touch "$root/.candor-unpacked"
fi
[ -x "$bin" ] || deploy/publish.sh linux-arm64
echo "binary: $(file -b "$bin" | cut -d, -f1-2), $(du -h "$bin" | cut -f1)"
echo "qemu: $("$qemu" --version | head -1)"
start=$(date +%s.%N)
echo "version: $("$qemu" -L "$root" "$bin" version) ($(echo "$(date +%s.%N) - $start" | bc) s under emulation)"
RUNNER="$qemu -L $root" WAIT_SECONDS=${WAIT_SECONDS:-300} deploy/release-smoke.sh "$bin"
