#!/usr/bin/env bash
# `make test`: install our addons (without demo data) into a throw-away database
# and run their tests with pytest-odoo, HTTP server included (tours, url_open).
# Env: TEST_DB (default hd_test_<pid>), TEST_WORKERS (pytest-xdist workers, default one
# per core; each works on its own copy of the database), see scripts/common.sh.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k sla -x`.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

setup test
cd "$REPO_ROOT"
DB="${TEST_DB:-hd_test_$$}"
WORKERS="${TEST_WORKERS:-auto}"
ADDONS="$(ours_addons)"
[[ -n "$ADDONS" ]] || die "no addon (directory with __manifest__.py) found in $REPO_ROOT"

test_dirs=()
while IFS= read -r d; do
    [[ -d "$d/tests" ]] && test_dirs+=("${d#"$REPO_ROOT"/}/tests")
done < <(ours_addon_dirs)
((${#test_dirs[@]})) || die "none of $ADDONS has a tests/ directory"

# The database (and the workers' copies, "<db>-gw0"...) is always dropped, also on
# failure or Ctrl-C, and silently so that pytest's summary stays the last line.
drop_test_dbs() {
    local copy
    drop_db "$DB"
    for copy in $(psql -d postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE '$DB-gw%'" 2>/dev/null); do
        drop_db "$copy"
    done
}
trap drop_test_dbs EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
drop_db "$DB"

# Plain install, no --test-enable: that would also run the tests of every
# dependency (base, mail, ...).  Our tests run below through pytest.
# hr_holidays is not a dependency: installed beside our addons so that assignment is
# tested against real validated time off (Odoo's Time Off app creates the leaves we read).
TEST_EXTRA_ADDONS="hr_holidays"
log "installing $ADDONS (and $TEST_EXTRA_ADDONS) into $DB"
odoo_bin -d "$DB" -i "$ADDONS,$TEST_EXTRA_ADDONS" --stop-after-init --log-level=warn \
    || die "installation of $ADDONS failed (see log above)"
log "building the asset bundles the browser tours load"
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$ODOO_CONF" -d "$DB" --log-level=warn \
    <scripts/pregenerate_assets.py >/dev/null \
    || die "building the asset bundles failed (see log above)"

log "running pytest on ${test_dirs[*]}"
rc=0
# odoo must be importable for the pytest-odoo plugin itself; the addons become
# importable as odoo.addons.<name> through the config's addons_path.
PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pytest \
    -p no:cacheprovider -rs --rootdir "$REPO_ROOT" \
    --odoo-config "$ODOO_CONF" \
    --odoo-database "$DB" \
    --odoo-http \
    -n "$WORKERS" --dist loadscope \
    "${test_dirs[@]}" "$@" || rc=$?

if ((rc == 5)); then
    log "ERROR: pytest ran no tests (none collected, or all deselected); failing"
fi
exit "$rc"
