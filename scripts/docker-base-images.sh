#!/usr/bin/env bash
# Makes local stand-ins for the Dockerfile's base images, for machines that reach no image
# registry (this project's CI and dev machines reach Debian's apt, NuGet and npm only):
#   local/debian:bookworm            debootstrap's minimal Debian 12 (for DEBIAN_IMAGE)
#   local/dotnet-sdk:<version>       + this machine's .NET SDK (for DOTNET_SDK_IMAGE)
#   local/dotnet-aspnet:<version>    + only its .NET and ASP.NET Core runtimes and user app,
#                                    uid 1654, as the official images have (DOTNET_RUNTIME_IMAGE)
# Prints the build arguments that select them, one NAME=IMAGE a line, for
#   docker build $(scripts/docker-base-images.sh | sed 's/^/--build-arg /') ...
# Idempotent: an image that exists is kept (versions are in the tags, so a new SDK makes new
# ones). Needs root, debootstrap and a Docker engine (DOCKER_HOST; DOCKER names the client).
set -euo pipefail
docker="${DOCKER:-docker}"
log() { echo "docker-base-images: $*" >&2; }
exists() { "$docker" image inspect "$1" >/dev/null 2>&1; }

dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
sdk_version="$(dotnet --version)"
runtime_version="$(basename "$(ls -d "$dotnet_root"/shared/Microsoft.AspNetCore.App/10.0.* | sort -V | tail -1)")"
[ -d "$dotnet_root/shared/Microsoft.NETCore.App/$runtime_version" ] || {
  echo "no .NET runtime $runtime_version beside ASP.NET Core $runtime_version in $dotnet_root" >&2; exit 1; }

debian=local/debian:bookworm
sdk=local/dotnet-sdk:$sdk_version
runtime=local/dotnet-aspnet:$runtime_version

# What .NET needs of the OS (the official images' runtime-deps, for Debian 12).
dotnet_deps="ca-certificates libc6 libgcc-s1 libicu72 libssl3 libstdc++6 tzdata zlib1g"

if ! exists "$debian"; then
  log "making $debian (debootstrap, ~35 s)"
  rootfs="$(mktemp -d /var/tmp/rapidbyte-debootstrap.XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
  # apt inside takes packages from where this machine does.
  rm -f "$rootfs/etc/apt/sources.list"
  cp -a /etc/apt/sources.list* "$rootfs/etc/apt/" 2>/dev/null || true
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | "$docker" import --change 'CMD ["bash"]' - "$debian" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi

# The .NET stand-ins copy from the SDK's own directory (the build context): BuildKit sends
# only the paths a COPY names, so the runtime image gets the runtime parts alone.
build_from_dotnet_root() {
  local tag="$1"; shift
  DOCKER_BUILDKIT=1 "$docker" build --network host -q "$@" -t "$tag" -f - "$dotnet_root" >/dev/null
}

if ! exists "$sdk"; then
  log "making $sdk"
  # This machine's extra roots (here a TLS-inspecting egress proxy's) go into the SDK stand-in,
  # as an organisation's base image carries its own: the build stage reaches NuGet over HTTPS.
  # Package signatures' revocation checks: offline, as on this machine (no OCSP reachable).
  extra_cas="$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)"
  build_from_dotnet_root "$sdk" --build-arg "EXTRA_CAS=$extra_cas" <<EOF
FROM $debian
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $dotnet_deps \\
 && rm -rf /var/lib/apt/lists/*
ARG EXTRA_CAS
RUN printf '%s\\n' "\$EXTRA_CAS" > /usr/local/share/ca-certificates/extra.crt && update-ca-certificates >/dev/null
COPY dotnet LICENSE.txt ThirdPartyNotices.txt /usr/share/dotnet/
COPY host /usr/share/dotnet/host
COPY shared /usr/share/dotnet/shared
COPY packs /usr/share/dotnet/packs
COPY sdk /usr/share/dotnet/sdk
COPY sdk-manifests /usr/share/dotnet/sdk-manifests
COPY templates /usr/share/dotnet/templates
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_RUNNING_IN_CONTAINER=true DOTNET_NOLOGO=true DOTNET_CLI_TELEMETRY_OPTOUT=1 \\
    DOTNET_GENERATE_ASPNET_CERTIFICATE=false NUGET_XMLDOC_MODE=skip NUGET_CERT_REVOCATION_MODE=offline
EOF
fi

if ! exists "$runtime"; then
  log "making $runtime"
  build_from_dotnet_root "$runtime" <<EOF
FROM $debian
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $dotnet_deps \\
 && rm -rf /var/lib/apt/lists/* \\
 && groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --create-home --shell /usr/sbin/nologin app
COPY dotnet LICENSE.txt ThirdPartyNotices.txt /usr/share/dotnet/
COPY host /usr/share/dotnet/host
COPY shared/Microsoft.NETCore.App/$runtime_version /usr/share/dotnet/shared/Microsoft.NETCore.App/$runtime_version
COPY shared/Microsoft.AspNetCore.App/$runtime_version /usr/share/dotnet/shared/Microsoft.AspNetCore.App/$runtime_version
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true
USER 1654
EOF
fi

echo "DEBIAN_IMAGE=$debian"
echo "DOTNET_SDK_IMAGE=$sdk"
echo "DOTNET_RUNTIME_IMAGE=$runtime"
