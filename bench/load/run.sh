#!/usr/bin/env bash
# `make load`: the load test of the production profile (docs/deploy.md) with Locust.
#
# Starts `make run-production` in the background unless it already answers on :8080, creates
# the fixtures (bench/load/setup_data.py, through `odoo-bin shell`), runs Locust headless at
# growing numbers of users (LOAD_STEPS, default "4 8 16 32", LOAD_DURATION seconds each,
# default 45), lets the SLA watcher finish, then bench/load/report.py prints requests per
# second and P50/P95 per operation, the point where P50 doubles, Locust's CPU share, and the
# checks: nothing lost, nothing duplicated, no escalation twice, no deadlock.
# Figures in bench/out/load/results.md. Locust lives in bench/.locust-venv (its pins clash
# with Odoo's).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

STEPS="${LOAD_STEPS:-4 8 16 32}"
DURATION="${LOAD_DURATION:-45}"
PROD_DIR="${PROD_DIR:-$REPO_ROOT/.production}"
PROD_HTTP_PORT="${PROD_HTTP_PORT:-8080}"
PRIMARY_PORT="${PRIMARY_PORT:-5440}"
DB="${DB:-helpdesk}"
OUT="$REPO_ROOT/bench/out/load"
LOCUST_VENV="$REPO_ROOT/bench/.locust-venv"
URL="http://127.0.0.1:$PROD_HTTP_PORT"
mkdir -p "$OUT"
rm -f "$OUT"/*.csv "$OUT"/*.json "$OUT"/results.md

want="$(sha256sum "$REPO_ROOT/bench/load/requirements.txt" | cut -d' ' -f1)"
if [[ "$(cat "$LOCUST_VENV/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
    log "installing Locust into $LOCUST_VENV"
    rm -rf "$LOCUST_VENV"
    "${PYTHON:-python3}" -m venv "$LOCUST_VENV"
    "$LOCUST_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REPO_ROOT/bench/load/requirements.txt" \
        || die "pip install locust failed"
    printf '%s\n' "$want" >"$LOCUST_VENV/.requirements.sha256"
fi

started=""
if ! curl -sf -o /dev/null "$URL/web/login"; then
    log "starting the production profile (make run-production) in the background"
    setsid bash "$REPO_ROOT/scripts/run_production.sh" >"$OUT/production.log" 2>&1 &
    started=$!
    trap 'kill -TERM -- -"$started" 2>/dev/null || true' EXIT
    for _ in $(seq 900); do curl -sf -o /dev/null "$URL/web/login" && break; sleep 1; done
    curl -sf -o /dev/null "$URL/web/login" || die "the production profile did not come up; see $OUT/production.log"
fi

setup run >/dev/null
export PGHOST=127.0.0.1 PGPORT="$PRIMARY_PORT"
log "creating the load test's fixtures in $DB"
fixtures="$("$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$PROD_DIR/odoo.conf" -d "$DB" --no-http --logfile= \
    --log-level=warn <"$REPO_ROOT/bench/load/setup_data.py" | tail -n 1)"
fixtures="$("$VENV/bin/python" -c 'import json, sys; d = json.loads(sys.argv[1]); d["db"] = sys.argv[2]; print(json.dumps(d))' \
    "$fixtures" "$DB")"
printf '%s\n' "$fixtures" >"$OUT/fixtures.json"
log_start="$(wc -l <"$PROD_DIR/odoo.log")"

for users in $STEPS; do
    log "Locust: $users users for ${DURATION}s"
    /usr/bin/time -f "%U %S %e" -o "$OUT/cpu_$users.txt" \
        env LOAD_FIXTURES="$fixtures" LOAD_RESULTS="$OUT/written_$users.json" \
        "$LOCUST_VENV/bin/locust" -f "$REPO_ROOT/bench/load/locustfile.py" --headless --only-summary \
        -u "$users" -r "$users" -t "${DURATION}s" --host "$URL" --csv "$OUT/step_$users" \
        --loglevel WARNING >"$OUT/locust_$users.log" 2>&1 || true
done

# The breaches of the agents' tickets are escalated by the every-minute scheduled action.
log "waiting for the SLA watcher to handle the last breaches"
for _ in $(seq 180); do
    due="$(psql -X -Atq -d "$DB" -v run="$(printf '%s' "$fixtures" | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["run"])')" <<'SQL'
SELECT count(*) FROM helpdesk_ticket_sla l JOIN helpdesk_ticket t ON t.id = l.ticket_id
 WHERE t.name LIKE 'Load ' || :'run' || '%' AND l.next_check_date <= now() at time zone 'UTC'
SQL
)"
    [[ "$due" == 0 ]] && break
    sleep 2
done
tail -n +"$((log_start + 1))" "$PROD_DIR/odoo.log" >"$OUT/odoo_during_load.log"
"$VENV/bin/python" "$REPO_ROOT/bench/load/report.py" "$OUT" "$DB" $STEPS
