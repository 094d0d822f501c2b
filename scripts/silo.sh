#!/usr/bin/env bash
# Starts one Rapidbyte silo (the service) on this machine against the demo PostgreSQL
# (scripts/demo.sh's server, 127.0.0.1:54329), keeping cluster membership, grain state and
# reminders in its database `rapidbyte`. Health: http://127.0.0.1:8080/health/live and
# /health/ready; the API under http://127.0.0.1:8080/v1. Ctrl-C stops it (runs in flight are handed over, see README).
# Every setting can be overridden by its environment variable (README "The service").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

scripts/demo.sh server
export PGPASSWORD=demo
psql -X -q -h 127.0.0.1 -p 54329 -U rapidbyte -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'rapidbyte'" | grep -q 1 \
  || psql -X -q -h 127.0.0.1 -p 54329 -U rapidbyte -d postgres -c "CREATE DATABASE rapidbyte"

export Rapidbyte__State__ConnectionString="${Rapidbyte__State__ConnectionString:-Host=127.0.0.1;Port=54329;Database=rapidbyte;Username=rapidbyte;Password=demo}"
export Rapidbyte__Cluster__AdvertisedAddress="${Rapidbyte__Cluster__AdvertisedAddress:-127.0.0.1}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:8080}"
# The API (http://127.0.0.1:8080/v1) without tokens: this silo listens on loopback only. Set
# Rapidbyte__Api__Authentication__Mode=Jwt with an Authority and Audience for tokens.
export Rapidbyte__Api__Authentication__Mode="${Rapidbyte__Api__Authentication__Mode:-Development}"
# The demo pipeline's ${RAPIDBYTE_DEMO_PASSWORD}, for runs of it registered in this silo.
export RAPIDBYTE_DEMO_PASSWORD="${RAPIDBYTE_DEMO_PASSWORD:-demo}"
exec dotnet run -c Release --project src/Rapidbyte.Silo --no-launch-profile
