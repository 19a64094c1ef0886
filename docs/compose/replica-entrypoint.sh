#!/bin/bash
# The replica: on its first start, a base backup of the primary with -R (standby.signal and
# primary_conninfo); then the official image's entrypoint runs PostgreSQL as a hot standby.
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -h db-primary -U "$POSTGRES_USER"; do sleep 1; done
    mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 0700 "$PGDATA"
    su postgres -c "PGPASSWORD='$REPLICATION_PASSWORD' pg_basebackup -h db-primary -U replicator -D '$PGDATA' -R -X stream -c fast"
fi
exec docker-entrypoint.sh postgres -c hot_standby=on -c max_connections=200
