#!/usr/bin/env bash
# The main ticket screens at a large scale, ours and OCA's helpdesk_mgmt on the same shape of
# data (bench/bench_screens.py): installs both into databases of their own (kept: generating
# 1,000,000 tickets takes minutes; a second run reuses them), generates the tickets, prints the
# figures and plans of each side, then a comparison table.
#
#   bash bench/screens.sh                  # 1,000,000 tickets
#   SCREENS_TICKETS=100000 bash bench/screens.sh
#   SCREENS_REGENERATE=1 bash bench/screens.sh   # new data in the existing databases
#   dropdb hd_screens_ours; dropdb hd_screens_peer   # when done
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

BENCH_DIR="$REPO_ROOT/bench"
OUT="$BENCH_DIR/out/screens"
TICKETS="${SCREENS_TICKETS:-1000000}"
PEER_TARGET="$BENCH_DIR/.peer/site"
PEER_PKGS=(odoo-addon-helpdesk-mgmt==19.0.1.3.2 odoo-addon-helpdesk-mgmt-sla==19.0.1.0.0.4)
DB_OURS="${SCREENS_DB_OURS:-hd_screens_ours}"
DB_PEER="${SCREENS_DB_PEER:-hd_screens_peer}"

resolve_odoo_src
ensure_venv
ensure_postgres
write_odoo_conf
mkdir -p "$OUT"

if [[ "$(cat "$BENCH_DIR/.peer/installed" 2>/dev/null)" != "${PEER_PKGS[*]}" ]]; then
    log "installing the peer from PyPI: ${PEER_PKGS[*]}"
    rm -rf "$BENCH_DIR/.peer"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --target "$PEER_TARGET" "${PEER_PKGS[@]}" \
        || die "pip install of ${PEER_PKGS[*]} failed (no network?)"
    printf '%s\n' "${PEER_PKGS[*]}" >"$BENCH_DIR/.peer/installed"
fi
ADDONS_OURS="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$REPO_ROOT"
ADDONS_PEER="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$PEER_TARGET/odoo/addons"

prepare() { # db addons_path module
    if psql -X -w -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; then
        log "updating $3 in $1"
        odoo_bin -d "$1" --addons-path "$2" -u "$3" --stop-after-init --log-level=warn >"$OUT/install_$1.log" 2>&1
    else
        log "installing $3 into $1"
        odoo_bin -d "$1" --addons-path "$2" -i "$3" --stop-after-init --log-level=warn >"$OUT/install_$1.log" 2>&1
    fi || die "installation of $3 into $1 failed, see $OUT/install_$1.log"
}
prepare "$DB_OURS" "$ADDONS_OURS" helpdesk_itil
prepare "$DB_PEER" "$ADDONS_PEER" helpdesk_mgmt_sla

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
for side in ours peer; do
    db="DB_${side^^}"
    addons="ADDONS_${side^^}"
    PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" "$BENCH_DIR/bench_screens.py" \
        --side "$side" --tickets "$TICKETS" --plans --json "$OUT/$side.json" \
        ${SCREENS_REGENERATE:+--regenerate} \
        -- -c "$ODOO_CONF" -d "${!db}" --addons-path "${!addons}" --log-level=warn | tee "$OUT/$side.txt"
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

"$VENV/bin/python" - "$OUT" "$load_start" "$load_end" <<'PY'
import json, sys
out, load_start, load_end = sys.argv[1:]
ours, peer = (json.load(open(f"{out}/{side}.json")) for side in ("ours", "peer"))
lines = [
    f"{ours['tickets']:,} tickets on both sides; load average {load_start} at start, {load_end} at end",
    "",
    "| screen | ours | ours queries | peer | peer queries | time ratio |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
]
for key, mine in ours["results"].items():
    theirs = peer["results"][key]
    lines.append(
        f"| {key} | {mine['ms']} ms | {mine['queries']} | {theirs['ms']} ms | {theirs['queries']} "
        f"| {mine['ms'] / theirs['ms']:.2f} |"
    )
open(f"{out}/results.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
