#!/usr/bin/env bash
# System packages SharpXR needs on Debian 12 (bookworm). Idempotent: installs only what
# `dpkg -s` reports missing, runs `apt-get update` at most once, and prints nothing when
# everything is already there. Needs root, or sudo when run as another user.
#   bash scripts/install-system.sh          what the node and training need
#   bash scripts/install-system.sh --test   plus the real peers the tests run against
set -euo pipefail

PACKAGES=(
  python3-torch python3-torchvision python3-numpy python3-yaml python3-opencv
  python3-scipy python3-pil python3-pytest python3-onnx python3-pydicom dcmtk dicom3tools
)
# Orthanc is the PACS of the integration tests (started by the tests on loopback; its
# package's own service is not used); Chromium is the browser the viewer tests drive with
# playwright-core (which never downloads one); PostgreSQL 15 is started by the scale-out tests
# on loopback (tests/server/postgres-fixture.ts), never as the package's own cluster service.
TEST_PACKAGES=(orthanc orthanc-dicomweb chromium postgresql)
if [ "${1:-}" = "--test" ]; then
  PACKAGES+=("${TEST_PACKAGES[@]}")
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  # "install ok installed" is the only state that means the package is really there.
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

fail() {
  echo "install-system: $*" >&2
  echo "install-system: install them by hand with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found; SharpXR's install script supports Debian 12 only"

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  fail "packages missing (${missing[*]}), but this user is not root and sudo is not available"
fi

echo "install-system: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "${SUDO[@]}" apt-get update >"$log" 2>&1; then
  cat "$log" >&2
  fail "apt-get update failed (output above)"
fi
# policy-rc.d keeps the packages' services (orthanc) from starting: the tests start their own.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod +x "$policy"
  trap 'rm -f "$log"; "${SUDO[@]}" rm -f "$policy"' EXIT
fi
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  fail "apt-get install failed (output above)"
fi
echo "install-system: done" >&2
