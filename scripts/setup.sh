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

# Rust for wasm32-wasi, from Debian (rustc 1.63 + packaged crate sources), and lld-14,
# which libstd-rust-dev-wasm32 only recommends. PostgreSQL for tests and the demo;
# pgloader and GNU time for the pipeline benchmark; Chromium for the status page's test.
apt_install_missing \
  rustc cargo libstd-rust-dev-wasm32 lld-14 \
  librust-tokio-dev librust-tokio-util-dev librust-tokio-postgres-dev librust-postgres-protocol-dev \
  librust-futures-dev librust-bytes-dev librust-serde-dev librust-serde-derive-dev librust-serde-json-dev \
  postgresql-15 postgresql-client-15 \
  pgloader time \
  chromium

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
