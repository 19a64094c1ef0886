#!/usr/bin/env bash
# `make run-production`: the production topology of docs/deploy.md on one machine, from
# Debian's packages (these machines have no container runtime):
#
#   nginx :8080 ──► Odoo prefork workers :8069  (HTTP)
#             └──► Odoo gevent process   :8072  (/websocket: the bus)
#   Odoo ──► PostgreSQL primary :5440 (cluster <version>/hd-primary)
#        └─► PostgreSQL replica :5441 (cluster <version>/hd-replica, streaming from the primary;
#            Odoo sends read-only requests there)
#   + one cron worker
#
# The clusters are created once and left running (`pg_ctlcluster <version> hd-primary stop`,
# `... hd-replica stop` to stop them); the database "helpdesk" (DB=...) gets the addons with
# demo data, then Odoo runs in the foreground; Ctrl-C stops Odoo and nginx.
# Env: PROD_DIR (default .production), PROD_HTTP_PORT (default 8080), PRIMARY_PORT (5440),
# REPLICA_PORT (5441), WORKERS (default 2 × CPUs + 1), DB, plus those of scripts/common.sh.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PROD_DIR="${PROD_DIR:-$REPO_ROOT/.production}"
PROD_HTTP_PORT="${PROD_HTTP_PORT:-8080}"
PRIMARY_PORT="${PRIMARY_PORT:-5440}"
REPLICA_PORT="${REPLICA_PORT:-5441}"
DB="${DB:-helpdesk}"
CPUS="$(nproc 2>/dev/null || echo 2)"
WORKERS="${WORKERS:-$((CPUS * 2 + 1))}"
PROD_CONF="$PROD_DIR/odoo.conf"

[[ $EUID -eq 0 ]] || die "run-production creates PostgreSQL clusters and starts nginx: run it as root (or adapt docs/deploy.md)"

ensure_production_packages() {
    local missing=()
    command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
    command -v pg_createcluster >/dev/null || missing+=(postgresql-common)
    ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || missing+=(postgresql)
    ((${#missing[@]})) || return 0
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

pg_version() { ls /usr/lib/postgresql | sort -V | tail -n 1; }

as_postgres() { runuser -u postgres -- env -u PGUSER -u PGHOST -u PGPORT -u PGPASSWORD "$@"; }

cluster_running() { pg_lsclusters --no-header | awk -v v="$1" -v c="$2" '$1 == v && $2 == c && $4 ~ /^online/ ' | grep -q .; }
cluster_exists() { pg_lsclusters --no-header | awk -v v="$1" -v c="$2" '$1 == v && $2 == c' | grep -q .; }

# The primary: WAL for a streaming replica, trust on loopback (a development machine; see
# docs/deploy.md for passwords and TLS), and the role Odoo connects as.
ensure_primary() {
    local v="$1" conf="/etc/postgresql/$1/hd-primary"
    if ! cluster_exists "$v" hd-primary; then
        log "creating PostgreSQL cluster $v/hd-primary on port $PRIMARY_PORT"
        pg_createcluster "$v" hd-primary -p "$PRIMARY_PORT" >/dev/null -- --auth=trust
        cat >>"$conf/postgresql.conf" <<EOF
# helpdesk_itil production profile (scripts/run_production.sh)
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 5
wal_keep_size = '256MB'
max_connections = 200
EOF
        cat >"$conf/pg_hba.conf" <<EOF
# helpdesk_itil production profile: trust on this machine only (see docs/deploy.md)
local   all          all                 trust
host    all          all   127.0.0.1/32  trust
local   replication  all                 trust
host    replication  all   127.0.0.1/32  trust
EOF
    fi
    cluster_running "$v" hd-primary || pg_ctlcluster --skip-systemctl-redirect "$v" hd-primary start
    as_postgres psql -X -q -p "$PRIMARY_PORT" -d postgres -v role="$PGUSER" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN SUPERUSER', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role')
\gexec
SQL
}

# The replica: a base backup of the primary with -R (standby.signal and primary_conninfo),
# then hot standby: it answers read-only queries while replaying the primary's WAL.
ensure_replica() {
    local v="$1" data="/var/lib/postgresql/$1/hd-replica"
    if cluster_exists "$v" hd-replica && [[ ! -f "$data/PG_VERSION" ]]; then
        pg_dropcluster "$v" hd-replica  # an earlier run stopped half-way
    fi
    if ! cluster_exists "$v" hd-replica; then
        log "creating PostgreSQL cluster $v/hd-replica on port $REPLICA_PORT (streaming replica of $PRIMARY_PORT)"
        pg_createcluster "$v" hd-replica -p "$REPLICA_PORT" >/dev/null -- --auth=trust
        cp "/etc/postgresql/$v/hd-primary/pg_hba.conf" "/etc/postgresql/$v/hd-replica/pg_hba.conf"
        cat >>"/etc/postgresql/$v/hd-replica/postgresql.conf" <<EOF
# helpdesk_itil production profile (scripts/run_production.sh)
listen_addresses = '127.0.0.1'
hot_standby = on
max_connections = 200
EOF
        # An empty data directory of the cluster's owner, filled by the base backup.
        rm -rf "$data"
        install -d -o postgres -g postgres -m 0700 "$data"
        as_postgres pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$data" -R -X stream -c fast \
            || die "pg_basebackup from the primary failed"
    fi
    cluster_running "$v" hd-replica || pg_ctlcluster --skip-systemctl-redirect "$v" hd-replica start
    [[ "$(as_postgres psql -X -Atq -p "$REPLICA_PORT" -d postgres -c 'SELECT pg_is_in_recovery()')" == t ]] \
        || die "cluster $v/hd-replica is not a standby"
}

write_production_conf() {
    mkdir -p "$PROD_DIR/data"
    cat >"$PROD_CONF.tmp" <<EOF
; generated by scripts/run_production.sh; see docs/deploy.md for every setting
[options]
addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$REPO_ROOT
data_dir = $PROD_DIR/data
db_host = 127.0.0.1
db_port = $PRIMARY_PORT
db_user = $PGUSER
db_replica_host = 127.0.0.1
db_replica_port = $REPLICA_PORT
db_maxconn = 32
db_name = $DB
dbfilter = ^$DB\$
list_db = False
proxy_mode = True
http_interface = 127.0.0.1
http_port = 8069
gevent_port = 8072
workers = $WORKERS
max_cron_threads = 1
limit_memory_soft = 2147483648
limit_memory_hard = 2684354560
limit_time_cpu = 120
limit_time_real = 240
limit_time_real_cron = 600
limit_request = 65536
logfile = $PROD_DIR/odoo.log
log_level = info
EOF
    mv "$PROD_CONF.tmp" "$PROD_CONF"
}

write_nginx_conf() {
    mkdir -p "$PROD_DIR/nginx"
    cat >"$PROD_DIR/nginx.conf" <<EOF
# generated by scripts/run_production.sh (see docs/deploy.md)
worker_processes auto;
pid $PROD_DIR/nginx/nginx.pid;
error_log $PROD_DIR/nginx/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log $PROD_DIR/nginx/access.log;
    client_body_temp_path $PROD_DIR/nginx/body;
    proxy_temp_path $PROD_DIR/nginx/proxy;
    fastcgi_temp_path $PROD_DIR/nginx/fastcgi;
    uwsgi_temp_path $PROD_DIR/nginx/uwsgi;
    scgi_temp_path $PROD_DIR/nginx/scgi;
    client_max_body_size 64m;
    proxy_read_timeout 720s;
    proxy_connect_timeout 720s;
    proxy_send_timeout 720s;
    gzip on;
    gzip_types text/css text/plain text/xml application/xml application/javascript application/json;
    upstream odoo { server 127.0.0.1:8069; }
    upstream odoo_bus { server 127.0.0.1:8072; }
    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
    server {
        listen $PROD_HTTP_PORT;
        proxy_set_header Host \$http_host;
        proxy_set_header X-Forwarded-Host \$http_host;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header X-Real-IP \$remote_addr;
        location /websocket {
            proxy_pass http://odoo_bus;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
        }
        location / {
            proxy_pass http://odoo;
            proxy_redirect off;
        }
    }
}
EOF
}

setup run
ensure_production_packages
# Odoo reads PGHOST/PGPORT before its configuration file: point them at the primary (and
# PGHOST_REPLICA/PGPORT_REPLICA at the replica), or it would use the development cluster.
export PGHOST=127.0.0.1 PGPORT="$PRIMARY_PORT" PGHOST_REPLICA=127.0.0.1 PGPORT_REPLICA="$REPLICA_PORT"
version="$(pg_version)"
ensure_primary "$version"
ensure_replica "$version"
write_production_conf
write_nginx_conf
ADDONS="$(ours_addons)"

if [[ "$(psql -X -w -h 127.0.0.1 -p "$PRIMARY_PORT" -d postgres -Atq -v db="$DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")" == 1 ]]; then
    log "updating $ADDONS in $DB (primary :$PRIMARY_PORT)"
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$PROD_CONF" -d "$DB" -i "$ADDONS" -u "$ADDONS" --stop-after-init \
        --logfile= --log-level=warn || die "update of $ADDONS failed"
else
    log "creating $DB with demo data on the primary (:$PRIMARY_PORT)"
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$PROD_CONF" -d "$DB" -i "$ADDONS" --with-demo --stop-after-init \
        --logfile= --log-level=warn || die "installation of $ADDONS failed"
fi

nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
"$nginx_bin" -t -c "$PROD_DIR/nginx.conf" -p "$PROD_DIR/nginx" >/dev/null 2>&1 \
    || { "$nginx_bin" -t -c "$PROD_DIR/nginx.conf" -p "$PROD_DIR/nginx"; die "nginx configuration refused"; }
[[ -f "$PROD_DIR/nginx/nginx.pid" ]] && kill "$(cat "$PROD_DIR/nginx/nginx.pid")" 2>/dev/null || true
"$nginx_bin" -c "$PROD_DIR/nginx.conf" -p "$PROD_DIR/nginx"
stop_nginx() { [[ -f "$PROD_DIR/nginx/nginx.pid" ]] && kill "$(cat "$PROD_DIR/nginx/nginx.pid")" 2>/dev/null || true; }
trap stop_nginx EXIT

log "Odoo: $WORKERS HTTP workers, 1 cron worker, the bus on :8072; replica :$REPLICA_PORT; log $PROD_DIR/odoo.log"
log "open http://localhost:$PROD_HTTP_PORT (through nginx)  — login admin / admin; Ctrl-C stops Odoo and nginx"
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$PROD_CONF" "$@"
