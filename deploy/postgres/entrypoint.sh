#!/bin/sh
# Runs as the postgres user. On the first start (an empty $PGDATA) it makes the cluster as the official image does:
# initdb with POSTGRES_USER as superuser and POSTGRES_PASSWORD as its password (scram-sha-256 over TCP from anywhere,
# trust on the container's own socket), POSTGRES_INITDB_ARGS passed on (--no-locale for Candor's C collation), then
# POSTGRES_DB created. Every start then execs postgres listening on all addresses.
set -eu
if [ "${1:-}" != postgres ]; then
  exec "$@"
fi
shift
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS holds several options
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 ${POSTGRES_INITDB_ARGS:-} >/dev/null
  rm -f "$pwfile"
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    pg_ctl -D "$PGDATA" -w -s -o "-c listen_addresses='' -k /tmp" start
    createdb -h /tmp -U "$user" "$db"
    pg_ctl -D "$PGDATA" -w -s stop
  fi
  echo "postgres-entrypoint: made the cluster in $PGDATA (superuser $user, database $db)"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
