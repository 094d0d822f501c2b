# The Rapidbyte service's image: the silo (Orleans + HTTP API) with its connectors bundled.
#   docker build -t rapidbyte-silo .
# Settings are environment variables (README "The service"); secrets come from the platform
# (Container Apps secrets, Key Vault references) at run time, never from this file.
#
# Base images are build arguments so a machine without registry access can build from local
# stand-ins (scripts/docker-base-images.sh). The defaults are the official images: .NET 10's are
# Ubuntu 24.04 "noble" (Microsoft ships no Debian images for .NET 10); the runtime is the chiseled
# "extra" variant (no shell or package manager, non-root, with ICU and tzdata, which schedules'
# IANA time zones need). Connectors build on Debian 12, whose packaged Rust and crates
# (connectors/Cargo.lock) they are written against; their wasm output runs on any host OS.
ARG DEBIAN_IMAGE=debian:bookworm-slim
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled-extra

# --- connectors: wasm32-wasi modules, built as scripts/build-connectors.sh builds them on a host.
FROM ${DEBIAN_IMAGE} AS connectors
ARG DEBIAN_FRONTEND=noninteractive
COPY scripts/guest-toolchain.packages /tmp/
RUN apt-get update \
 && xargs apt-get install -y --no-install-recommends < /tmp/guest-toolchain.packages \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/build-connectors.sh scripts/
COPY connectors/ connectors/
RUN scripts/build-connectors.sh

# --- build: the silo, published framework-dependent for linux-x64.
FROM ${DOTNET_SDK_IMAGE} AS build
WORKDIR /src
# Restore from the project and lock files alone, so this layer is reused until a dependency
# changes; locked mode fails the build if a lock file disagrees with the projects.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Rapidbyte.Contracts/*.csproj src/Rapidbyte.Contracts/packages.lock.json src/Rapidbyte.Contracts/
COPY src/Rapidbyte.Runtime/*.csproj src/Rapidbyte.Runtime/packages.lock.json src/Rapidbyte.Runtime/
COPY src/Rapidbyte.Pipelines/*.csproj src/Rapidbyte.Pipelines/packages.lock.json src/Rapidbyte.Pipelines/
COPY src/Rapidbyte.Engine/*.csproj src/Rapidbyte.Engine/packages.lock.json src/Rapidbyte.Engine/
COPY src/Rapidbyte.Grains.Abstractions/*.csproj src/Rapidbyte.Grains.Abstractions/packages.lock.json src/Rapidbyte.Grains.Abstractions/
COPY src/Rapidbyte.Grains/*.csproj src/Rapidbyte.Grains/packages.lock.json src/Rapidbyte.Grains/
COPY src/Rapidbyte.Client/*.csproj src/Rapidbyte.Client/packages.lock.json src/Rapidbyte.Client/
COPY src/Rapidbyte.Api/*.csproj src/Rapidbyte.Api/packages.lock.json src/Rapidbyte.Api/
COPY src/Rapidbyte.Silo/*.csproj src/Rapidbyte.Silo/packages.lock.json src/Rapidbyte.Silo/
RUN dotnet restore src/Rapidbyte.Silo --locked-mode
COPY src/ src/
# The project bundles the modules from the connectors' build output (its fallback registry).
COPY --from=connectors /src/connectors/target/wasm32-wasi/release/*.wasm connectors/target/wasm32-wasi/release/
# No apphost: the entry point is `dotnet rapidbyte-silo.dll`. Only linux-x64's Wasmtime library
# is published (the package carries one per platform); fail here rather than at the first run.
RUN dotnet publish src/Rapidbyte.Silo -c Release -r linux-x64 --self-contained false --no-restore \
      -p:UseAppHost=false -o /app \
 && test -f /app/libwasmtime.so \
 && test -f /app/connectors/source_postgres.wasm && test -f /app/connectors/dest_postgres.wasm \
 && mkdir -p /cache/compiled

# --- runtime: the published silo on the ASP.NET Core runtime, nothing else.
FROM ${DOTNET_RUNTIME_IMAGE} AS runtime
# The program is root's and read-only to the service; only the compiled-code cache is its own
# (mount a volume at /var/cache/rapidbyte to keep compiled connectors across restarts). COPY
# before WORKDIR: a WORKDIR made first would belong to the base image's user.
COPY --from=build /app /app
COPY --from=build --chown=$APP_UID:$APP_UID /cache /var/cache/rapidbyte
WORKDIR /app
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Rapidbyte__Engine__CompiledCacheDirectory=/var/cache/rapidbyte/compiled
# HTTP API and health (/health/live, /health/ready), silo-to-silo, Orleans gateway.
EXPOSE 8080 11111 30000
USER $APP_UID
# Exec form: the silo is PID 1 and gets SIGTERM itself, leaving the cluster and handing its
# runs over before the platform's grace period ends.
ENTRYPOINT ["dotnet", "rapidbyte-silo.dll"]
