#!/usr/bin/env bash
# Shared set-up for `make run` / `make test`; sourced by scripts/run.sh and
# scripts/test.sh.  Running it directly (`bash scripts/common.sh`) only does the set-up.
#
# Environment knobs (all optional):
#   ODOO_SRC      Odoo 19.0 source tree (default: cached clone, see resolve_odoo_src)
#   PGHOST PGPORT PGUSER PGPASSWORD   PostgreSQL connection (default 127.0.0.1:5432, current user)
#   HTTP_PORT     port of `make run` (default 8069)
#   HTTP_INTERFACE  address `make run` listens on (default 127.0.0.1)
#   PYTHON        interpreter used to create .venv (default python3)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
ODOO_DIR="$REPO_ROOT/.odoo"
ODOO_CONF="$ODOO_DIR/odoo.conf"
DATA_DIR="$ODOO_DIR/data"

log() { printf '[helpdesk_itil] %s\n' "$*" >&2; }
die() { printf '[helpdesk_itil] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Our addons: every directory at the repo root holding a __manifest__.py.
# Computed each time so bridge addons added later are picked up automatically.
ours_addon_dirs() {
    local d
    for d in "$REPO_ROOT"/*/; do
        [[ -f "$d/__manifest__.py" ]] && printf '%s\n' "${d%/}"
    done
    return 0
}

ours_addons() {
    local d names=()
    while IFS= read -r d; do names+=("$(basename "$d")"); done < <(ours_addon_dirs)
    (IFS=,; printf '%s\n' "${names[*]}")
}

# ---------------------------------------------------------------------------
# Odoo source: $ODOO_SRC, else a shallow clone cached outside the repo so that
# `make clean` and fresh checkouts do not re-download ~1 GB.
resolve_odoo_src() {
    if [[ -n "${ODOO_SRC:-}" ]]; then
        [[ -f "$ODOO_SRC/odoo-bin" ]] || die "ODOO_SRC=$ODOO_SRC does not contain odoo-bin"
    else
        local cache="${XDG_CACHE_HOME:-$HOME/.cache}/helpdesk_itil/odoo-19.0"
        if [[ ! -f "$cache/odoo-bin" ]]; then
            rmdir "$cache" 2>/dev/null || true   # an empty leftover directory is harmless
            [[ ! -e "$cache" ]] || die "$cache exists but has no odoo-bin (interrupted clone?); remove it and retry"
            command -v git >/dev/null || die "git is needed to fetch the Odoo source (or set ODOO_SRC)"
            log "cloning Odoo 19.0 into $cache (shallow, one-time)"
            mkdir -p "$(dirname "$cache")"
            # clone next to the target and rename, so an interrupted clone never looks complete
            local tmp="$cache.partial.$$"
            if ! git clone --quiet --depth 1 --branch 19.0 https://github.com/odoo/odoo.git "$tmp"; then
                rm -rf "$tmp"
                die "git clone of Odoo 19.0 failed (no network?); set ODOO_SRC to an Odoo 19.0 checkout"
            fi
            mv "$tmp" "$cache"
        fi
        ODOO_SRC="$cache"
    fi
    ODOO_SRC="$(cd "$ODOO_SRC" && pwd)"
    export ODOO_SRC
    grep -q '^version_info = (19,' "$ODOO_SRC/odoo/release.py" 2>/dev/null \
        || log "warning: $ODOO_SRC does not look like Odoo 19.0"
}

# ---------------------------------------------------------------------------
# Root: the set-up installs Debian packages and PostgreSQL when it runs as root or when
# sudo works without a password; otherwise it prints the commands.
can_be_root() {
    [[ $EUID -eq 0 ]] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }
}

as_root() {
    if [[ $EUID -eq 0 ]]; then "$@"; else sudo -n "$@"; fi
}

# How the printed commands start: nothing for root, sudo for the others.
root_prefix() { [[ $EUID -eq 0 ]] || printf 'sudo '; }

# ---------------------------------------------------------------------------
# Debian packages.  $1 = "test" makes a browser mandatory (the suite has tours).
# Odoo looks for these executables (odoo/tests/common.py, _find_executable).
find_browser() {
    local b
    for b in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$b" 2>/dev/null && return 0
    done
    return 1
}

have_libmagic() {
    if command -v dpkg >/dev/null; then
        dpkg -s libmagic1 >/dev/null 2>&1 && return 0
        dpkg -s libmagic1t64 >/dev/null 2>&1 && return 0   # Debian 13 / Ubuntu 24.04 name
    fi
    ldconfig -p 2>/dev/null | grep -q 'libmagic\.so\.1'
}

ensure_system_packages() {
    local purpose="${1:-run}" missing=()
    have_libmagic || missing+=(libmagic1)
    { command -v psql && command -v pg_isready && command -v dropdb; } >/dev/null || missing+=(postgresql-client)
    find_browser >/dev/null || missing+=(chromium)
    ((${#missing[@]})) || return 0

    if command -v apt-get >/dev/null && can_be_root; then
        log "installing missing Debian packages: ${missing[*]}"
        if ! { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
                && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                    "${missing[@]}" >/dev/null; }; then
            log "warning: apt-get install ${missing[*]} failed"
        fi
    else
        log "missing system packages: ${missing[*]} — install them with: sudo apt-get install ${missing[*]}"
    fi

    { command -v psql && command -v pg_isready && command -v dropdb; } >/dev/null \
        || die "PostgreSQL client tools (psql, pg_isready, dropdb) not found; install postgresql-client"
    have_libmagic || log "warning: libmagic1 missing; Odoo falls back to its own, less precise MIME type detection"
    if ! find_browser >/dev/null; then
        [[ "$purpose" == test ]] && die "chromium not found (needed by the browser tours in the test suite); install it: apt-get install chromium"
        log "warning: chromium not found; only needed for the browser tours of 'make test'"
    fi
}

# ---------------------------------------------------------------------------
# Python virtualenv, reinstalled only when requirements.txt/constraints.txt change.
requirements_hash() {
    cat "$REPO_ROOT/requirements.txt" "$REPO_ROOT/constraints.txt" | sha256sum | cut -d' ' -f1
}

ensure_venv() {
    local py="${PYTHON:-python3}" stamp="$VENV/.requirements.sha256" want
    # a venv whose interpreter vanished (e.g. python upgraded) cannot be repaired in place
    if [[ -e "$VENV" ]] && ! "$VENV/bin/python" -c '' 2>/dev/null; then
        log "$VENV is broken; recreating it"
        rm -rf "$VENV"
    fi
    if [[ ! -e "$VENV" ]]; then
        command -v "$py" >/dev/null || die "$py not found; install Python 3.11 or set PYTHON"
        "$py" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 10))' \
            || die "Odoo 19 needs Python >= 3.10 ($py is $("$py" -V 2>&1))"
        "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
            || log "warning: requirements.txt is pinned for Python 3.11, $py is $("$py" -V 2>&1)"
        log "creating $VENV"
        "$py" -m venv "$VENV" || die "'$py -m venv' failed; on Debian install python3-venv"
    fi
    want="$(requirements_hash)"
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
        log "installing Python requirements into .venv (first time takes a few minutes)"
        # the constraint also applies inside pip's isolated build environments
        PIP_CONSTRAINT="$REPO_ROOT/constraints.txt" "$VENV/bin/pip" install --quiet \
            --disable-pip-version-check -r "$REPO_ROOT/requirements.txt" \
            || die "pip install -r requirements.txt failed (see above)"
        printf '%s\n' "$want" >"$stamp"
    fi
}

# ---------------------------------------------------------------------------
# PostgreSQL.
pg_is_local() { [[ "$PGHOST" == 127.0.0.1 || "$PGHOST" == localhost || "$PGHOST" == ::1 || "$PGHOST" == /* ]]; }

# Try to start a stopped local Debian cluster listening on $PGPORT.
start_local_cluster() {
    pg_is_local && command -v pg_lsclusters >/dev/null && command -v pg_ctlcluster >/dev/null || return 0
    local ver name _
    while read -r ver name; do
        log "starting stopped PostgreSQL cluster $ver/$name"
        { can_be_root && as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start; } \
            || log "warning: could not start cluster $ver/$name"
    done < <(pg_lsclusters --no-header 2>/dev/null | awk -v port="$PGPORT" '$3 == port && $4 ~ /down/ {print $1, $2}')
    for _ in $(seq 20); do pg_isready -q && return 0; sleep 0.5; done
}

# The newest PostgreSQL server of Debian's packages installed here (e.g. 15), or nothing.
pg_server_version() {
    local bin
    for bin in /usr/lib/postgresql/*/bin/postgres; do
        [[ -x "$bin" ]] && basename "$(dirname "$(dirname "$bin")")"
    done | sort -V | tail -n 1
}

# A truly fresh Debian/Ubuntu machine: no PostgreSQL answers on $PGHOST:$PGPORT. As root
# (or with sudo): install Debian's server (apt-get install postgresql, which creates and
# starts the cluster "main" on 5432 when that port is free), start the cluster that listens
# on $PGPORT, or create one there (helpdesk-$PGPORT) when none does. The role is created
# afterwards by pg_login. Without root, print the commands and fail.
install_local_postgres() {
    local ver name cluster
    pg_is_local || return 1  # a remote server is not ours to install
    if ! command -v apt-get >/dev/null || ! can_be_root; then
        local sudo ver_cmd
        sudo="$(root_prefix)"
        ver_cmd="$(pg_server_version)"
        ver_cmd="${ver_cmd:-\"\$(ls /usr/lib/postgresql | sort -V | tail -n 1)\"}"
        log "no PostgreSQL answers at $PGHOST:$PGPORT. To install and start Debian's PostgreSQL, run:"
        log "    ${sudo}apt-get install -y postgresql"
        log "  then, unless pg_lsclusters shows a cluster on port $PGPORT (start it with pg_ctlcluster), create one:"
        log "    ${sudo}pg_createcluster $ver_cmd helpdesk-$PGPORT --port $PGPORT --start"
        log "  and the role:"
        log "    ${sudo}runuser -u postgres -- createuser -p $PGPORT --createdb $PGUSER"
        log "  or point PGHOST/PGPORT/PGUSER at a PostgreSQL >= 13 you have."
        return 1
    fi
    log "installing Debian's PostgreSQL server (apt-get install postgresql)"
    { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
        && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; } \
        || log "warning: apt-get install postgresql failed"
    ver="$(pg_server_version)"
    [[ -n "$ver" ]] && command -v pg_lsclusters >/dev/null || { log "no PostgreSQL server installed"; return 1; }
    start_local_cluster
    pg_isready -q && return 0
    cluster="$(pg_lsclusters --no-header 2>/dev/null | awk -v port="$PGPORT" '$3 == port {print $1 "/" $2; exit}')"
    if [[ -z "$cluster" ]]; then
        name="helpdesk-$PGPORT"
        log "creating the PostgreSQL cluster $ver/$name on port $PGPORT"
        as_root pg_createcluster "$ver" "$name" --port "$PGPORT" >/dev/null || { log "pg_createcluster failed"; return 1; }
        cluster="$ver/$name"
    fi
    log "starting the PostgreSQL cluster $cluster"
    as_root pg_ctlcluster --skip-systemctl-redirect "${cluster%%/*}" "${cluster#*/}" start \
        || { log "pg_ctlcluster ${cluster%%/*} ${cluster#*/} start failed"; return 1; }
    for _ in $(seq 20); do pg_isready -q && return 0; sleep 0.5; done
    return 1
}

# Create $PGUSER (LOGIN CREATEDB) as the postgres superuser: over the configured
# host if trust allows it, else through the local socket as the postgres OS user.
create_pg_role() {
    local sql='CREATE ROLE :"role" LOGIN CREATEDB;'
    local psql_args=(-X -q -v ON_ERROR_STOP=1 -v role="$PGUSER" -d postgres)
    psql "${psql_args[@]}" -U postgres -w <<<"$sql" 2>/dev/null && return 0
    pg_is_local || return 1
    getent passwd postgres >/dev/null || return 1
    if [[ $EUID -eq 0 ]] && command -v runuser >/dev/null; then
        runuser -u postgres -- env -u PGHOST -u PGUSER -u PGPASSWORD \
            psql "${psql_args[@]}" -p "$PGPORT" <<<"$sql" 2>/dev/null && return 0
    fi
    command -v sudo >/dev/null \
        && sudo -n -u postgres env -u PGHOST -u PGUSER -u PGPASSWORD \
            psql "${psql_args[@]}" -p "$PGPORT" <<<"$sql" 2>/dev/null
}

# Connect as $PGUSER to $PGHOST, creating the role when it is missing.
# Prints the server version number, or the connection error on failure.
pg_login() {
    local out
    out="$(psql -X -w -d postgres -Atqc 'SHOW server_version_num' 2>&1)" && { printf '%s\n' "$out"; return 0; }
    if [[ "$out" == *"role \"$PGUSER\" does not exist"* ]]; then
        log "creating PostgreSQL role $PGUSER"
        create_pg_role || { printf 'role %s does not exist and could not be created; as the postgres user run: createuser --createdb %s\n' "$PGUSER" "$PGUSER"; return 1; }
        out="$(psql -X -w -d postgres -Atqc 'SHOW server_version_num' 2>&1)" && { printf '%s\n' "$out"; return 0; }
    fi
    printf '%s\n' "$out"
    return 1
}

ensure_postgres() {
    local host_given="${PGHOST:+yes}" out sock
    export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-$(id -un)}"
    [[ "$PGUSER" != postgres ]] \
        || die "Odoo refuses to use the PostgreSQL role 'postgres'; set PGUSER to another role (it is created if possible)"

    if ! pg_isready -q; then
        start_local_cluster
        pg_isready -q || install_local_postgres \
            || die "PostgreSQL >= 13 not reachable at $PGHOST:$PGPORT; install postgresql or set PGHOST/PGPORT/PGUSER"
    fi

    if ! out="$(pg_login)"; then
        # A stock Debian cluster wants a password over TCP but lets the OS user of
        # the same name in through the local socket: fall back to that socket,
        # unless PGHOST was chosen explicitly.
        for sock in /var/run/postgresql /tmp; do
            [[ -z "$host_given" && -S "$sock/.s.PGSQL.$PGPORT" ]] || continue
            log "cannot log in over TCP (${out%%$'\n'*}); using the local socket $sock"
            PGHOST="$sock"
            out="$(pg_login)" && break
        done
        [[ "$out" =~ ^[0-9]+$ ]] || die "cannot log in to PostgreSQL at $PGHOST:$PGPORT as $PGUSER: $out"
    fi
    ((out >= 130000)) || die "PostgreSQL server version $out is too old; Odoo 19 needs >= 13"
    [[ "$(psql -X -w -d postgres -Atqc 'SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user')" == t ]] \
        || die "PostgreSQL role '$PGUSER' may not create databases; as a superuser run: ALTER ROLE \"$PGUSER\" CREATEDB"
}

# 0 if database $1 exists.
db_exists() {
    [[ "$(psql -X -w -d postgres -Atq -v db="$1" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")" == 1 ]]
}

# Drop database $1 and its filestore, silently.
drop_db() {
    dropdb --if-exists --force -w "$1" >/dev/null 2>&1 || true
    rm -rf "${DATA_DIR:?}/filestore/$1"
}

# ---------------------------------------------------------------------------
# Odoo configuration, regenerated on every run from the environment.
write_odoo_conf() {
    mkdir -p "$DATA_DIR"
    local tmp="$ODOO_CONF.tmp.$$"
    {
        echo "; generated by scripts/common.sh on every run; change the environment, not this file"
        echo "[options]"
        echo "db_host = $PGHOST"
        echo "db_port = $PGPORT"
        echo "db_user = $PGUSER"
        [[ -z "${PGPASSWORD:-}" ]] || echo "db_password = $PGPASSWORD"
        echo "addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$REPO_ROOT"
        echo "data_dir = $DATA_DIR"
        # loopback only by default: a development database with admin/admin must not be
        # reachable from the network (HTTP_INTERFACE=0.0.0.0 to expose it, e.g. in a VM)
        echo "http_interface = ${HTTP_INTERFACE:-127.0.0.1}"
        echo "http_port = ${HTTP_PORT:-8069}"
        # debugging sessions and long installs must not be killed by the default 60 s / 120 s limits
        echo "limit_time_cpu = 86400"
        echo "limit_time_real = 86400"
    } >"$tmp"
    chmod 600 "$tmp"   # may hold PGPASSWORD
    mv "$tmp" "$ODOO_CONF"
}

# Run odoo-bin with our configuration.
odoo_bin() {
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" "$@"
}

# Everything `make run` and `make test` need; $1 = run|test.
setup() {
    ensure_system_packages "${1:-run}"
    resolve_odoo_src
    ensure_venv
    ensure_postgres
    write_odoo_conf
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    setup "${1:-run}"
    log "ready: Odoo $ODOO_SRC, venv $VENV, config $ODOO_CONF, addons: $(ours_addons)"
fi
