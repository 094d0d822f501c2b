#!/usr/bin/env bash
# Builds every connector in connectors/ to wasm32-wasi with Debian's Rust toolchain.
# Output: connectors/target/wasm32-wasi/release/<crate>.wasm
set -euo pipefail
cd "$(dirname "$0")/../connectors"

# Debian's getrandom lost its wasi backend; rebuild the patched copy from the registry
# each time so it always matches the installed package.
registry=/usr/share/cargo/registry
src="$registry/getrandom-0.2.8"
[ -d "$src" ] || { echo "missing $src: run scripts/setup.sh first" >&2; exit 1; }
if [ ! -f vendor/getrandom/.rapidbyte-patched ] || ! cmp -s patches/getrandom-wasi.rs vendor/getrandom/src/wasi.rs; then
  rm -rf vendor/getrandom
  mkdir -p vendor
  cp -r "$src" vendor/getrandom
  rm -f vendor/getrandom/.cargo-checksum.json
  cp patches/getrandom-wasi.rs vendor/getrandom/src/wasi.rs
  touch vendor/getrandom/.rapidbyte-patched
fi

# Debian's toolchain explicitly: a rustup toolchain first on PATH has no wasm32-wasi std.
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
# Same bytes whatever directory the checkout is in (panic locations embed paths).
# bulk-memory: copies become memory.copy, which Wasmtime runs as a native memmove, instead of
# the byte loop of a software memcpy in the module (the guests' largest single cost moving
# 1M rows; rustc 1.63 does not enable it by default for wasm32-wasi).
export RUSTFLAGS="--remap-path-prefix=$PWD=/src -C target-feature=+bulk-memory"
/usr/bin/cargo build --release --locked --workspace "$@"
