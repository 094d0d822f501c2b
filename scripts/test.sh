#!/usr/bin/env bash
# Runs every test: the guest SDK's native Rust tests, then the .NET test projects (which
# start their own PostgreSQL servers and loopback peers), then the pipeline benchmark's smoke
# run. Ends with "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

passed=0
failed=0
status=0
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

summary() { echo "$passed passed, $failed failed"; }

if ! scripts/build-connectors.sh; then
  echo "building the connectors failed" >&2
  failed=$((failed + 1)); summary; exit 1
fi

# Native tests of the crates' pure parts (Arrow IPC, executor, COPY codecs, type mapping);
# the test connector only builds for wasm32.
( cd connectors && RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
    /usr/bin/cargo test --locked --release --workspace --exclude test-connector --target x86_64-unknown-linux-gnu ) 2>&1 | tee "$results/cargo.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
while read -r p f; do
  passed=$((passed + p)); failed=$((failed + f))
done < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$results/cargo.log")

# .NET tests; counts come from the TRX reports (one per test project).
dotnet test Rapidbyte.sln -c Release --nologo --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=1
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || { status=1; continue; }
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done

# The pipeline benchmark once on a few rows: every contender's destination must equal the
# source (count and checksum). Counted as one test; its timings mean nothing here.
smoke=0
if dotnet run -c Release --no-build --project tests/Rapidbyte.Pipeline.Benchmarks -- --smoke; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); smoke=1
fi

# The failures again, last, so that the end of the output names them.
if [ "$failed" -ne 0 ]; then
  echo "failed:"
  sed -n 's/^test \(.*\) \.\.\. FAILED$/  cargo: \1/p' "$results/cargo.log"
  for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    # Each failed test's name and the first lines of its message.
    awk '/<UnitTestResult / { failed = /outcome="Failed"/; inmsg = 0
                              if (failed) { match($0, /testName="[^"]*"/); print "  " substr($0, RSTART + 10, RLENGTH - 11); shown = 0 } }
         failed && /<Message>/ { inmsg = 1; sub(/.*<Message>/, "") }
         failed && inmsg { end = sub(/<\/Message>.*/, ""); if (shown < 4) print "      " $0; shown++; if (end) inmsg = 0 }
         /<\/UnitTestResult>/ { failed = 0 }' "$trx"
  done
  [ "$smoke" -eq 0 ] || echo "  the pipeline benchmark's smoke run"
fi
[ "$failed" -eq 0 ] || status=1
summary
exit $status
