#!/usr/bin/env bash
# `make setup-check`: the set-up's PostgreSQL bootstrap (scripts/common.sh, ensure_postgres and
# install_local_postgres) proven on a cluster of its own, on a port where nothing listens
# (SETUP_CHECK_PORT, default 5450), without touching the clusters already running.
#  1. As a user without root nor sudo (nobody): the set-up fails and prints the commands
#     (apt-get install postgresql, pg_createcluster on that port, createuser).
#  2. As root: the set-up runs apt-get install postgresql (a no-op where it is installed),
#     creates the cluster helpdesk-<port>, starts it, creates the role and logs in.
#  3. Again: nothing new is created, it logs in.
#  4. With that cluster stopped: the set-up starts it.
#  5. The whole set-up of `make test` (scripts/common.sh test) on that port, then a database
#     created and dropped there through Odoo's configuration.
#  Every other cluster is running as before, with the same postmaster start time; the
#  cluster helpdesk-<port> is dropped at the end.
# Needs root, Debian's postgresql-common (pg_lsclusters) and a `nobody` user. About 3 minutes.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${SETUP_CHECK_PORT:-5450}"
CLUSTER="helpdesk-$PORT"
log() { printf '[setup-check] %s\n' "$*" >&2; }
die() { printf '[setup-check] FAILED: %s\n' "$*" >&2; exit 1; }

[[ $EUID -eq 0 ]] || die "run it as root (it installs packages and creates a PostgreSQL cluster)"
command -v pg_lsclusters >/dev/null || apt-get install -y -qq postgresql-common >/dev/null \
    || die "pg_lsclusters not found (Debian's postgresql-common)"
id nobody >/dev/null 2>&1 || die "no 'nobody' user to run the unprivileged case"
pg_isready -q -h 127.0.0.1 -p "$PORT" && die "something already answers on port $PORT (SETUP_CHECK_PORT=... chooses another)"
pg_lsclusters --no-header | awk -v port="$PORT" '$3 == port {found=1} END {exit !found}' \
    && die "a cluster already uses port $PORT (pg_lsclusters; SETUP_CHECK_PORT=... chooses another)"

# The other clusters: version, name, port, status and postmaster start time.
others() {
    local ver name port status
    pg_lsclusters --no-header | while read -r ver name port status _; do
        [[ "$port" == "$PORT" ]] && continue
        printf '%s/%s port %s %s started %s\n' "$ver" "$name" "$port" "$status" \
            "$(psql -X -w -h /var/run/postgresql -p "$port" -U postgres -d postgres -Atc 'SELECT pg_postmaster_start_time()' 2>/dev/null \
                || runuser -u postgres -- psql -X -p "$port" -d postgres -Atc 'SELECT pg_postmaster_start_time()' 2>/dev/null || echo '?')"
    done
}
before="$(others)"
log "other clusters, left alone:"
sed 's/^/    /' <<<"$before" >&2

conf_backup=""
cleanup() {
    pg_dropcluster --stop "$(pg_server_version_here)" "$CLUSTER" >/dev/null 2>&1 || true
    [[ -z "$conf_backup" ]] || mv "$conf_backup" "$REPO_ROOT/.odoo/odoo.conf"
    rm -rf "$REPO_ROOT/.odoo/data/filestore/hd_setup_check"
}
pg_server_version_here() { ls /usr/lib/postgresql | sort -V | tail -n 1; }
trap cleanup EXIT

# Runs the set-up's PostgreSQL step in a fresh shell; prints its output.
ensure_postgres_as() {
    local user="$1"
    if [[ "$user" == root ]]; then
        env -u PGHOST -u PGUSER PGPORT="$PORT" bash -c \
            'source "$1/scripts/common.sh" && ensure_postgres && echo "connected to $PGHOST:$PGPORT as $PGUSER"' _ "$REPO_ROOT" 2>&1
    else
        runuser -u "$user" -- env -u PGHOST -u PGUSER HOME=/tmp PGPORT="$PORT" bash -c \
            'source "$1/scripts/common.sh" && ensure_postgres && echo "connected to $PGHOST:$PGPORT as $PGUSER"' _ "$REPO_ROOT" 2>&1
    fi
}

log "1. as nobody (no root, no sudo), port $PORT: the set-up must print the commands"
if out="$(ensure_postgres_as nobody)"; then
    printf '%s\n' "$out" >&2
    die "the set-up as nobody succeeded on port $PORT"
fi
printf '%s\n' "$out" | sed 's/^/    /' >&2
for expected in "apt-get install -y postgresql" "pg_createcluster" "--port $PORT" "createuser -p $PORT --createdb nobody"; do
    [[ "$out" == *"$expected"* ]] || die "the message does not say '$expected'"
done
pg_lsclusters --no-header | grep -q " $CLUSTER " && die "the unprivileged set-up created a cluster"

log "2. as root, port $PORT: the set-up installs, creates and starts a cluster, creates the role"
out="$(ensure_postgres_as root)" || { printf '%s\n' "$out" >&2; die "the set-up as root failed"; }
printf '%s\n' "$out" | sed 's/^/    /' >&2
[[ "$out" == *"installing Debian's PostgreSQL server"* ]] || die "apt-get install postgresql was not run"
[[ "$out" == *"creating the PostgreSQL cluster"*"$CLUSTER"* ]] || die "no cluster created"
[[ "$out" == *"creating PostgreSQL role root"* ]] || die "the role was not created"
[[ "$out" == *"connected to "*":$PORT as root"* ]] || die "no login after the set-up"
pg_lsclusters --no-header | awk -v c="$CLUSTER" -v port="$PORT" '$2 == c && $3 == port && $4 == "online" {found=1} END {exit !found}' \
    || die "cluster $CLUSTER is not online on port $PORT"
[[ "$(psql -X -w -h /var/run/postgresql -p "$PORT" -d postgres -Atc "SELECT rolcreatedb FROM pg_roles WHERE rolname = 'root'")" == t ]] \
    || die "role root cannot create databases"

log "3. again: nothing new, it logs in"
out="$(ensure_postgres_as root)" || { printf '%s\n' "$out" >&2; die "the second set-up failed"; }
printf '%s\n' "$out" | sed 's/^/    /' >&2
[[ "$out" != *"creating"* && "$out" != *"installing"* ]] || die "the second set-up created or installed something"

log "4. cluster stopped: the set-up starts it"
pg_ctlcluster --skip-systemctl-redirect "$(pg_server_version_here)" "$CLUSTER" stop
out="$(ensure_postgres_as root)" || { printf '%s\n' "$out" >&2; die "the set-up did not start the stopped cluster"; }
printf '%s\n' "$out" | sed 's/^/    /' >&2
[[ "$out" == *"starting stopped PostgreSQL cluster"*"$CLUSTER"* ]] || die "the stopped cluster was not started by the set-up"

log "5. the whole set-up of make test on port $PORT, then a database through Odoo"
if [[ -f "$REPO_ROOT/.odoo/odoo.conf" ]]; then
    conf_backup="$(mktemp)"
    cp -p "$REPO_ROOT/.odoo/odoo.conf" "$conf_backup"
fi
env -u PGHOST -u PGUSER PGPORT="$PORT" bash "$REPO_ROOT/scripts/common.sh" test 2>&1 | sed 's/^/    /' >&2
grep -q "^db_port = $PORT$" "$REPO_ROOT/.odoo/odoo.conf" || die ".odoo/odoo.conf does not name port $PORT"
"$REPO_ROOT/.venv/bin/python" "${ODOO_SRC:-$HOME/.cache/helpdesk_itil/odoo-19.0}/odoo-bin" db \
    -c "$REPO_ROOT/.odoo/odoo.conf" init hd_setup_check --force --language en_US 2>&1 | tail -n 3 | sed 's/^/    /' >&2 || true
[[ "$(psql -X -w -h /var/run/postgresql -p "$PORT" -d hd_setup_check -Atc "SELECT state FROM ir_module_module WHERE name = 'base'" 2>/dev/null)" == installed ]] \
    || die "Odoo could not create a database on the new cluster"
log "    Odoo created database hd_setup_check on port $PORT"

after="$(others)"
[[ "$after" == "$before" ]] || die "other clusters changed: before: $before; after: $after"
log "other clusters unchanged"
log "setup-check passed (cluster $CLUSTER dropped on exit)"
