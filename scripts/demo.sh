#!/usr/bin/env bash
# The demo: a local PostgreSQL (port 54329, loopback only, data in the postgres user's own
# /var/lib/postgresql/rapidbyte-demo, never in the checkout) with a seeded
# `shop` database, and `rapidbyte run examples/shop-to-warehouse.yaml` copying it into
# `warehouse` -- then 1,000 new orders and a second, incremental run that reads only them.
#   scripts/demo.sh          start (or reuse) the server, seed it, run the pipeline twice
#   scripts/demo.sh stop     stop the demo server
#   scripts/demo.sh server   only start (or reuse) the server
# Run as root (PostgreSQL runs as the postgres user) after scripts/setup.sh built the tool.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

port=54329
# The server runs as the postgres user, who may not reach the checkout (a clone in /root,
# mode 700, or under a mktemp -d directory): its data lives in postgres's own home.
data=/var/lib/postgresql/rapidbyte-demo/pgdata
bin=/usr/lib/postgresql/15/bin
export RAPIDBYTE_DEMO_PASSWORD=demo
export PGPASSWORD=$RAPIDBYTE_DEMO_PASSWORD
psql_as() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $port -U rapidbyte "$@"; }

if [ "${1:-}" = stop ]; then
  [ -f "$data/postmaster.pid" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast stop
  exit 0
fi

if ! runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  if [ ! -f "$data/PG_VERSION" ]; then
    install -d -o postgres -g postgres "$(dirname "$data")" "$data"
    pwfile="$(mktemp)"; echo "$RAPIDBYTE_DEMO_PASSWORD" >"$pwfile"; chown postgres "$pwfile"
    runuser -u postgres -- "$bin/initdb" -D "$data" -U rapidbyte --pwfile="$pwfile" \
      --auth-host=scram-sha-256 --auth-local=peer >/dev/null
    rm -f "$pwfile"
  fi
  runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=/tmp" start >/dev/null
fi
echo "demo PostgreSQL on 127.0.0.1:$port (stop it with: scripts/demo.sh stop)"
[ "${1:-}" = server ] && exit 0

# A fresh shop and an empty warehouse each time, so the demo shows the same thing twice.
psql_as -d postgres -c "DROP DATABASE IF EXISTS shop" -c "DROP DATABASE IF EXISTS warehouse" \
  -c "CREATE DATABASE shop" -c "CREATE DATABASE warehouse"
psql_as -d shop <<'SQL'
CREATE TABLE customers (
  id bigint PRIMARY KEY, name text NOT NULL, email text, country char(2), created_at timestamptz NOT NULL);
INSERT INTO customers
SELECT g, 'customer ' || g, 'c' || g || '@example.com', (ARRAY['DE','FR','US','JP','BR'])[1 + g % 5],
       timestamptz '2024-01-01' + g * interval '7 minutes'
FROM generate_series(1, 10000) g;
CREATE TABLE orders (
  id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers, amount numeric(12,2) NOT NULL,
  status text NOT NULL, items jsonb, updated_at timestamptz NOT NULL);
INSERT INTO orders
SELECT g, 1 + g % 10000, round((g % 997) * 1.37, 2), (ARRAY['new','paid','shipped'])[1 + g % 3],
       jsonb_build_object('sku', 'SKU-' || (g % 500), 'qty', 1 + g % 4),
       timestamptz '2024-01-01' + g * interval '1 minute'
FROM generate_series(1, 200000) g;
SQL
echo "seeded shop: 10,000 customers, 200,000 orders"

echo; echo "\$ rapidbyte run examples/shop-to-warehouse.yaml"
rapidbyte run examples/shop-to-warehouse.yaml

psql_as -d shop -c "INSERT INTO orders SELECT g, 1 + g % 10000, 9.99, 'new', NULL, now() FROM generate_series(200001, 201000) g"
echo; echo "1,000 new orders; the second run reads only them (orders is incremental by updated_at):"
echo "\$ rapidbyte run examples/shop-to-warehouse.yaml"
rapidbyte run examples/shop-to-warehouse.yaml
echo
psql_as -d warehouse -c "SELECT (SELECT count(*) FROM shop.customers) AS customers, (SELECT count(*) FROM shop.orders) AS orders"
