#!/usr/bin/env bash
# One-time (and idempotent) setup of a fresh Debian 12 machine, run as root:
# installs the toolchains and servers the project needs from apt, builds the
# connectors and the .NET solution.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/lib.sh

[ "$(id -u)" -eq 0 ] || { echo "scripts/setup.sh installs packages: run it as root" >&2; exit 1; }
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }

# Rust for wasm32-wasi, from Debian (rustc 1.63 + packaged crate sources, and lld-14, which
# libstd-rust-dev-wasm32 only recommends): scripts/guest-toolchain.packages, which the
# Dockerfile's connectors stage installs too. PostgreSQL for tests and the demo; pgloader,
# pgcopydb and GNU time for the pipeline benchmark; Chromium for the status page's test; clang, which
# links the rapidbyte command's native launcher (compiled ahead of time when it is packed).
mapfile -t guest_toolchain < scripts/guest-toolchain.packages
apt_install_missing \
  "${guest_toolchain[@]}" \
  clang \
  postgresql-15 postgresql-client-15 \
  pgloader pgcopydb time \
  chromium

# Docker's engine and debootstrap for the container image's test, which starts an engine of
# its own (no bridge, no NAT rules: every container on the host's loopback) and makes its base
# images from Debian packages. The package's system service must not start (it would add a
# bridge and iptables rules): policy-rc.d refuses service starts during this install only.
if ! dpkg-query -W -f='${Status}' docker.io 2>/dev/null | grep -q 'install ok installed'; then
  policy_rc_d=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy_rc_d=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$policy_rc_d"
    chmod +x "$policy_rc_d"
    trap 'rm -f "$policy_rc_d"' EXIT
  fi
  apt_install_missing docker.io
  if command -v systemctl >/dev/null; then systemctl disable docker.service docker.socket >/dev/null 2>&1 || true; fi
  [ -z "$policy_rc_d" ] || { rm -f "$policy_rc_d"; trap - EXIT; }
fi
apt_install_missing debootstrap

# Azurite, the Azure Storage emulator, for the connector registry's tests and local use (npm,
# versions pinned by tools/azurite/package-lock.json; install scripts are not needed).
npm ci --prefix tools/azurite --no-audit --no-fund --ignore-scripts --loglevel=error

scripts/build-connectors.sh
dotnet build Rapidbyte.sln -c Release -nologo -v quiet

# The rapidbyte command, as a .NET tool in /usr/local/bin so every shell finds it. The
# package cache would hand back an older build of the same version: drop it first.
# Not --no-build: the tool is published self-contained, which the solution build is not
# (its runtimeconfig would name the shared framework); packing builds it again for that.
# The first pack compiles the runtime and the app into one ReadyToRun image: minutes.
rm -rf artifacts/tool "${NUGET_PACKAGES:-$HOME/.nuget/packages}/rapidbyte.cli"
echo "packing the rapidbyte tool (self-contained, precompiled; a few minutes the first time)"
dotnet pack src/Rapidbyte.Cli -c Release -o artifacts/tool -nologo -v quiet
dotnet tool uninstall --tool-path /usr/local/bin Rapidbyte.Cli >/dev/null 2>&1 || true
dotnet tool install --tool-path /usr/local/bin --add-source artifacts/tool Rapidbyte.Cli >/dev/null
echo "installed: $(command -v rapidbyte)"

echo "setup complete; now the demo"
scripts/demo.sh
