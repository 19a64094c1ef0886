#!/usr/bin/env bash
# `make bench`: our SLA engine against OCA's helpdesk_mgmt + helpdesk_mgmt_sla, same data,
# same run. See bench/README.md for what each figure means.
#
# Env knobs (all optional):
#   KEEP_DB=1        keep the two databases (hd_bench_ours_<pid>, hd_bench_peer_<pid>)
#   BENCH_SEED       generator seed (default 42)
#   BENCH_TICKETS    tickets created in one call (default 1000)
#   BENCH_WATCH      watcher passes, open:share,... (default 10000:0.01,100000:0.001,100000:0.01;
#                    empty to skip)
#   BENCH_OURS_ADDONS  addons installed on our side (default helpdesk_itil)
#   BENCH_LOG_SQL    measurement keys whose SQL is logged, e.g. move_100_bulk (debugging)
#   BENCH_ALTERNATE_ROUNDS  rounds of bench_alternate.py, the single-record paths with the
#                    two sides in turn (default 5)
# plus those of scripts/common.sh (ODOO_SRC, PGHOST, PGUSER, ...).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

BENCH_DIR="$REPO_ROOT/bench"
OUT="$BENCH_DIR/out"
PEER_TARGET="$BENCH_DIR/.peer/site"
PEER_ADDONS="$PEER_TARGET/odoo/addons"
PEER_PKGS=(odoo-addon-helpdesk-mgmt==19.0.1.3.2 odoo-addon-helpdesk-mgmt-sla==19.0.1.0.0.4)
SEED="${BENCH_SEED:-42}"
TICKETS="${BENCH_TICKETS:-1000}"
WATCH="${BENCH_WATCH-10000:0.01,100000:0.001,100000:0.01}"
OURS_ADDONS="${BENCH_OURS_ADDONS:-helpdesk_itil}"
ALTERNATE_ROUNDS="${BENCH_ALTERNATE_ROUNDS:-5}"
DB_OURS="hd_bench_ours_$$"
DB_PEER="hd_bench_peer_$$"
start=$SECONDS

# The set-up of `make run` without its browser: the bench needs no chromium.
{ command -v psql && command -v createdb && command -v dropdb; } >/dev/null \
    || die "PostgreSQL client tools (psql, createdb, dropdb) not found; install postgresql-client"
resolve_odoo_src
ensure_venv
ensure_postgres
write_odoo_conf
mkdir -p "$OUT"
rm -f "$OUT"/.installed "$OUT"/ours.json "$OUT"/peer.json "$OUT"/alternate.json "$OUT"/meta.json "$OUT"/results.md

# --- the peer, from PyPI, outside the addon and outside the venv ---------------------
# The wheels declare a dependency on the `odoo` distribution, which is not installed as a
# package here (Odoo runs from its source tree): --no-deps, into bench/.peer/site, whose
# odoo/addons directory goes on the peer database's addons path. Their manifests need only
# mail, portal and resource (no external Python dependencies).
peer_stamp="$BENCH_DIR/.peer/installed"
if [[ "$(cat "$peer_stamp" 2>/dev/null)" != "${PEER_PKGS[*]}" ]]; then
    log "installing the peer from PyPI: ${PEER_PKGS[*]}"
    rm -rf "$BENCH_DIR/.peer"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --target "$PEER_TARGET" "${PEER_PKGS[@]}" \
        || die "pip install of ${PEER_PKGS[*]} failed (no network?)"
    printf '%s\n' "${PEER_PKGS[*]}" >"$peer_stamp"
fi
[[ -f "$PEER_ADDONS/helpdesk_mgmt_sla/__manifest__.py" ]] || die "peer addons not found in $PEER_ADDONS"

ADDONS_OURS="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$REPO_ROOT"
ADDONS_PEER="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$PEER_ADDONS"

cleanup() {
    if [[ "${KEEP_DB:-}" == 1 ]]; then
        log "databases kept: $DB_OURS $DB_PEER (dropdb them when done)"
    else
        drop_db "$DB_OURS"
        drop_db "$DB_PEER"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- two fresh databases, installed side by side ---------------------------------------
installed_stamp="$OUT/.installed"
touch "$installed_stamp"
log "installing $OURS_ADDONS into $DB_OURS and helpdesk_mgmt_sla into $DB_PEER (in parallel, ~2-3 min)"
odoo_bin -d "$DB_OURS" --addons-path "$ADDONS_OURS" -i "$OURS_ADDONS" --stop-after-init --log-level=warn \
    >"$OUT/install_ours.log" 2>&1 &
pid_ours=$!
odoo_bin -d "$DB_PEER" --addons-path "$ADDONS_PEER" -i helpdesk_mgmt_sla --stop-after-init --log-level=warn \
    >"$OUT/install_peer.log" 2>&1 &
pid_peer=$!
rc_ours=0 rc_peer=0
wait "$pid_ours" || rc_ours=$?
wait "$pid_peer" || rc_peer=$?
((rc_ours == 0)) || die "installation of $OURS_ADDONS failed, see $OUT/install_ours.log"
((rc_peer == 0)) || die "installation of the peer failed, see $OUT/install_peer.log"
install_seconds=$((SECONDS - start))

# --- measurements, one side after the other --------------------------------------------
bench_py() {
    PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" "$BENCH_DIR/bench.py" \
        --config "$ODOO_CONF" --seed "$SEED" --tickets "$TICKETS" --alternate-rounds "$ALTERNATE_ROUNDS" \
        --log-sql "${BENCH_LOG_SQL:-}" "$@"
}
# Our addon may be edited while the bench runs (a working tree under development): if a
# file changed since the installation, update the database first, so that the code the
# bench loads matches its schema.
refresh_ours() {
    local addon changed=""
    for addon in ${OURS_ADDONS//,/ }; do
        [[ -d "$REPO_ROOT/$addon" ]] || continue
        changed="$(find "$REPO_ROOT/$addon" -type f -newer "$installed_stamp" -print -quit)"
        [[ -z "$changed" ]] || break
    done
    [[ -n "$changed" ]] || return 0
    log "${changed#"$REPO_ROOT"/} changed since the installation: updating $OURS_ADDONS in $DB_OURS"
    touch "$installed_stamp"
    odoo_bin -d "$DB_OURS" --addons-path "$ADDONS_OURS" -u "$OURS_ADDONS" --stop-after-init --log-level=warn \
        >>"$OUT/install_ours.log" 2>&1 || die "update of $OURS_ADDONS failed, see $OUT/install_ours.log"
}
load_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
refresh_ours
log "our scenarios"
bench_py --side ours --db "$DB_OURS" --addons-path "$ADDONS_OURS" --out "$OUT/ours.json" --watch "$WATCH"
log "peer scenarios"
bench_py --side peer --db "$DB_PEER" --addons-path "$ADDONS_PEER" --out "$OUT/peer.json" --watch ""
log "single-record paths, both sides in turn (${ALTERNATE_ROUNDS} rounds)"
PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" "$BENCH_DIR/bench_alternate.py" \
    --config "$ODOO_CONF" --addons-path "$ADDONS_OURS,$PEER_ADDONS" --db-ours "$DB_OURS" --db-peer "$DB_PEER" \
    --in "$OUT" --out "$OUT/alternate.json" --rounds "$ALTERNATE_ROUNDS"
load_end="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

"$VENV/bin/python" - "$OUT/meta.json" <<PY
import json, sys
json.dump({
    "date": "$(date -u '+%Y-%m-%d %H:%M UTC')",
    "cpus": "$(nproc 2>/dev/null || echo '?')",
    "load_start": "$load_start",
    "load_end": "$load_end",
    "odoo": "$(cd "$ODOO_SRC" && git log -1 --format='19.0 (%h, %cs)' 2>/dev/null || echo 19.0)",
    "postgres": "$(psql -X -w -d postgres -Atqc 'SHOW server_version' | cut -d' ' -f1)",
    "peer": "${PEER_PKGS[*]}",
    "seed": $SEED,
    "install_seconds": $install_seconds,
}, open(sys.argv[1], "w"), indent=1)
PY
"$VENV/bin/python" "$BENCH_DIR/report.py" "$OUT"
log "figures written to $OUT/results.md (install ${install_seconds} s, total $((SECONDS - start)) s)"
