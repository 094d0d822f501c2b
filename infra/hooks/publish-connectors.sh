#!/usr/bin/env bash
# azd postprovision hook: publishes the connectors bundled with the silo to this deployment's
# Blob registry, signed in as whoever runs azd (DefaultAzureCredential picks up `azd auth login`
# or `az login`), who infra/ made Storage Blob Data Contributor on the container.
# Publishing the same bytes again is a no-op, so this runs on every `azd provision`.
# Needs the toolchains of scripts/setup.sh (run once).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

: "${AZURE_CONNECTOR_REGISTRY_URI:?not set: run by azd after provisioning (an output of infra/main.bicep)}"
: "${AZURE_CONNECTOR_CONTAINER:?not set: run by azd after provisioning (an output of infra/main.bicep)}"

scripts/build-connectors.sh
dotnet build src/Rapidbyte.Cli -c Release -nologo -v quiet

modules=connectors/target/wasm32-wasi/release
for module in source_postgres dest_postgres; do
  # A role assignment made moments ago can take a few minutes to apply: retry refusals.
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if dotnet run --project src/Rapidbyte.Cli -c Release --no-build -- connector push "$modules/$module.wasm" \
        --registry "$AZURE_CONNECTOR_REGISTRY_URI" --container "$AZURE_CONNECTOR_CONTAINER"; then
      break
    fi
    if [ "$attempt" -eq 10 ]; then
      echo "publishing $module to $AZURE_CONNECTOR_REGISTRY_URI failed 10 times: see the errors above" >&2
      exit 1
    fi
    echo "publishing $module failed (attempt $attempt of 10; a new role assignment may still be applying): retrying in 30 s" >&2
    sleep 30
  done
done
