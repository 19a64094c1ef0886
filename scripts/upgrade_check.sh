#!/usr/bin/env bash
# `make upgrade-check`: a database of the previous release, upgraded with this checkout's
# code by `make upgrade`, keeps everything it had, and the migrations in between run.
#  1. `git worktree add` of the previous release (UPGRADE_FROM, default 9b8a07b: helpdesk_itil
#     19.0.1.0.0, before the 19.0.1.1.0 and 19.0.1.2.0 migrations) in a temporary directory;
#  2. a new database with that code's addons and demo data, then one run of its scheduled
#     action (SLA watcher: escalations), as a working desk would have;
#  3. a snapshot: counts and a digest of the ids (and the links) of tickets, their messages,
#     tracking values, followers, attachments and ratings, SLA lines and intervals, the pauses
#     going on (an open paused interval, the line's paused_since from 19.0.1.18.0), escalation
#     logs, and the ERP links (sale orders, tasks, invoices, repairs, leads of tickets);
#  4. `make upgrade DB=...` (scripts/upgrade.sh) with the current code;
#  5. the same snapshot of the rows that existed before (ids up to the highest before the
#     upgrade: an update may add demo rows) must be identical, and the migrations must have run: the scheduled
#     action is the ticket's (19.0.1.1.0), the metrics of existing tickets are filled
#     (19.0.1.2.0), every addon is at its manifest's version, 19.0.1.18.0 ran.
# The database and the worktree are removed at the end (KEEP=1 keeps them).
# Takes about 5 minutes on a 2-core machine (an installation with demo data, then the update).
# Env: UPGRADE_FROM (a commit or tag), UPGRADE_CHECK_DB (default hd_upgrade_check_<pid>).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

started=$SECONDS
step() { log "[$((SECONDS - started)) s] $*"; }

setup run
FROM="${UPGRADE_FROM:-9b8a07b}"
DB="${UPGRADE_CHECK_DB:-hd_upgrade_check_$$}"
git -C "$REPO_ROOT" rev-parse --verify --quiet "$FROM^{commit}" >/dev/null || die "UPGRADE_FROM=$FROM is not a commit of this repository"
PREV="$(mktemp -d /tmp/hd-upgrade-from.XXXXXX)"
WORK="$(mktemp -d /tmp/hd-upgrade-check.XXXXXX)"
cleanup() {
    if [[ "${KEEP:-0}" == 1 ]]; then
        log "kept database $DB, worktree $PREV and $WORK (KEEP=1)"
        return
    fi
    drop_db "$DB"
    git -C "$REPO_ROOT" worktree remove --force "$PREV" >/dev/null 2>&1 || rm -rf "$PREV"
    git -C "$REPO_ROOT" worktree prune
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sql() { psql -X -w -d "$DB" -v ON_ERROR_STOP=1 -Atq "$@"; }

step "previous release: $FROM ($(git -C "$REPO_ROOT" log -1 --format='%h %s' "$FROM" | cut -c1-80))"
rmdir "$PREV"
git -C "$REPO_ROOT" worktree add --quiet --detach "$PREV" "$FROM"
prev_addons=()
for manifest in "$PREV"/*/__manifest__.py; do prev_addons+=("$(basename "$(dirname "$manifest")")"); done
PREV_ADDONS="$(IFS=,; echo "${prev_addons[*]}")"
prev_path="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$PREV"

step "new database $DB with $PREV_ADDONS and demo data, from $FROM"
drop_db "$DB"
odoo_bin -d "$DB" --addons-path="$prev_path" -i "$PREV_ADDONS" --with-demo --stop-after-init --log-level=warn \
    || die "installing $FROM into $DB failed"
step "one run of $FROM's scheduled action (escalations, SLA statuses)"
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$ODOO_CONF" -d "$DB" --addons-path="$prev_path" --no-http \
    --log-level=warn >"$WORK/cron.log" 2>&1 <<'EOF' \
    || { cat "$WORK/cron.log" >&2; die "running the scheduled action of $FROM failed"; }
cron = env.ref("helpdesk_itil.ir_cron_helpdesk_sla_watch")
cron.method_direct_trigger()
env.cr.commit()
EOF

# One line per item: name|rows|digest of the rows' ids and links.
snapshot() {
    local has_repair has_crm has_links has_paused_since
    has_repair="$(sql -c "SELECT to_regclass('repair_order') IS NOT NULL")"
    has_crm="$(sql -c "SELECT to_regclass('crm_lead') IS NOT NULL")"
    has_links="$(sql -c "SELECT to_regclass('helpdesk_ticket_link') IS NOT NULL")"
    has_paused_since="$(sql -c "SELECT count(*) > 0 FROM information_schema.columns WHERE table_name = 'helpdesk_ticket_sla' AND column_name = 'paused_since'")"
    {
        cat <<'EOF'
SELECT 'tickets', count(*), md5(string_agg(concat_ws(':', id, reference, partner_id, team_id, stage_id, user_id), ',' ORDER BY id)) FROM helpdesk_ticket WHERE id <= hd_bound('helpdesk_ticket');
SELECT 'ticket messages', count(*), md5(string_agg(concat_ws(':', id, res_id, author_id, message_type), ',' ORDER BY id)) FROM mail_message WHERE model = 'helpdesk.ticket' AND id <= hd_bound('mail_message');
SELECT 'ticket tracking values', count(*), md5(string_agg(concat_ws(':', v.id, v.mail_message_id), ',' ORDER BY v.id)) FROM mail_tracking_value v JOIN mail_message m ON m.id = v.mail_message_id WHERE m.model = 'helpdesk.ticket' AND v.id <= hd_bound('mail_tracking_value');
SELECT 'ticket followers', count(*), md5(string_agg(concat_ws(':', id, res_id, partner_id), ',' ORDER BY id)) FROM mail_followers WHERE res_model = 'helpdesk.ticket' AND id <= hd_bound('mail_followers');
SELECT 'ticket attachments', count(*), md5(string_agg(concat_ws(':', id, res_id, checksum), ',' ORDER BY id)) FROM ir_attachment WHERE res_model = 'helpdesk.ticket' AND id <= hd_bound('ir_attachment');
SELECT 'ticket ratings', count(*), md5(string_agg(concat_ws(':', id, res_id, rating), ',' ORDER BY id)) FROM rating_rating WHERE res_model = 'helpdesk.ticket' AND id <= hd_bound('rating_rating');
SELECT 'SLA lines', count(*), md5(string_agg(concat_ws(':', id, ticket_id, policy_id, deadline), ',' ORDER BY id)) FROM helpdesk_ticket_sla WHERE id <= hd_bound('helpdesk_ticket_sla');
SELECT 'SLA intervals', count(*), md5(string_agg(concat_ws(':', id, sla_id, date_start, date_stop), ',' ORDER BY id)) FROM helpdesk_ticket_sla_interval WHERE id <= hd_bound('helpdesk_ticket_sla_interval') AND NOT (kind = 'paused' AND date_stop IS NULL);
SELECT 'escalation logs', count(*), md5(string_agg(concat_ws(':', id, ticket_id, date), ',' ORDER BY id)) FROM helpdesk_escalation_log WHERE id <= hd_bound('helpdesk_escalation_log');
SELECT 'sale orders of tickets', count(*), md5(string_agg(concat_ws(':', id, helpdesk_ticket_id, state), ',' ORDER BY id)) FROM sale_order WHERE helpdesk_ticket_id IS NOT NULL AND id <= hd_bound('sale_order');
SELECT 'tasks of tickets', count(*), md5(string_agg(concat_ws(':', id, helpdesk_ticket_id), ',' ORDER BY id)) FROM project_task WHERE helpdesk_ticket_id IS NOT NULL AND id <= hd_bound('project_task');
SELECT 'invoices of tickets', count(*), md5(string_agg(concat_ws(':', move_id, ticket_id), ',' ORDER BY move_id, ticket_id)) FROM helpdesk_ticket_account_move_rel WHERE move_id <= hd_bound('account_move') AND ticket_id <= hd_bound('helpdesk_ticket');
EOF
        # Related tickets: a symmetric table before 19.0.1.7.0, one typed link per pair since (both ways here).
        if [[ "$has_links" == t ]]; then
            echo "SELECT 'related tickets', count(*), md5(string_agg(concat_ws(':', a, b), ',' ORDER BY a, b)) FROM (SELECT ticket_id AS a, target_id AS b FROM helpdesk_ticket_link UNION ALL SELECT target_id, ticket_id FROM helpdesk_ticket_link) pairs WHERE a <= hd_bound('helpdesk_ticket') AND b <= hd_bound('helpdesk_ticket');"
        else
            echo "SELECT 'related tickets', count(*), md5(string_agg(concat_ws(':', ticket_id, related_ticket_id), ',' ORDER BY ticket_id, related_ticket_id)) FROM helpdesk_ticket_related_rel WHERE ticket_id <= hd_bound('helpdesk_ticket') AND related_ticket_id <= hd_bound('helpdesk_ticket');"
        fi
        # Pauses going on: an open paused interval before 19.0.1.18.0, the line's paused_since since.
        if [[ "$has_paused_since" == t ]]; then
            echo "SELECT 'SLA pauses going on', count(*), md5(string_agg(concat_ws(':', id, paused_since), ',' ORDER BY id)) FROM helpdesk_ticket_sla WHERE paused_since IS NOT NULL AND id <= hd_bound('helpdesk_ticket_sla');"
        else
            echo "SELECT 'SLA pauses going on', count(*), md5(string_agg(concat_ws(':', sla_id, date_start), ',' ORDER BY sla_id)) FROM helpdesk_ticket_sla_interval WHERE kind = 'paused' AND date_stop IS NULL AND sla_id <= hd_bound('helpdesk_ticket_sla');"
        fi
        [[ "$has_repair" != t ]] || echo "SELECT 'repairs of tickets', count(*), md5(string_agg(concat_ws(':', id, helpdesk_ticket_id, state), ',' ORDER BY id)) FROM repair_order WHERE helpdesk_ticket_id IS NOT NULL AND id <= hd_bound('repair_order');"
        [[ "$has_crm" != t ]] || echo "SELECT 'leads of tickets', count(*), md5(string_agg(concat_ws(':', id, helpdesk_ticket_id), ',' ORDER BY id)) FROM crm_lead WHERE helpdesk_ticket_id IS NOT NULL AND id <= hd_bound('crm_lead');"
    } | sql -F '|'
}

cron_state() {
    sql -F ' ' <<'EOF'
SELECT model.model, server.code
  FROM ir_model_data imd
  JOIN ir_cron cron ON cron.id = imd.res_id
  JOIN ir_act_server server ON server.id = cron.ir_actions_server_id
  JOIN ir_model model ON model.id = server.model_id
 WHERE imd.module = 'helpdesk_itil' AND imd.name = 'ir_cron_helpdesk_sla_watch';
EOF
}

# What the database holds now, by the highest id per table: the upgrade may add rows (demo
# data of features added since, like a demo ticket), so both snapshots compare the rows that
# existed before it; those must all be there, unchanged.
bound_tables=(helpdesk_ticket mail_message mail_tracking_value mail_followers ir_attachment rating_rating
    helpdesk_ticket_sla helpdesk_ticket_sla_interval helpdesk_escalation_log sale_order project_task account_move
    repair_order crm_lead)
{
    echo "CREATE TABLE hd_upgrade_check_bounds (name text PRIMARY KEY, max_id integer NOT NULL);"
    for table in "${bound_tables[@]}"; do
        [[ "$(sql -c "SELECT to_regclass('$table') IS NOT NULL")" == t ]] || continue
        echo "INSERT INTO hd_upgrade_check_bounds SELECT '$table', COALESCE(max(id), 0) FROM $table;"
    done
    echo "CREATE FUNCTION hd_bound(text) RETURNS integer LANGUAGE sql STABLE AS \$\$ SELECT max_id FROM hd_upgrade_check_bounds WHERE name = \$1 \$\$;"
} | sql

step "snapshot before the upgrade"
snapshot >"$WORK/before.txt"
sql -c "SELECT name || ' ' || latest_version FROM ir_module_module WHERE name = ANY('{$PREV_ADDONS}'::text[]) ORDER BY name" >"$WORK/versions-before.txt"
cron_before="$(cron_state)"
# What must be there to compare (the other items are compared too, even when empty).
for name in tickets "ticket messages" "SLA lines" "escalation logs" "sale orders of tickets" "tasks of tickets" \
    "invoices of tickets" "repairs of tickets" "leads of tickets"; do
    rows="$(grep "^$name|" "$WORK/before.txt" | cut -d'|' -f2 || true)"
    [[ -n "$rows" ]] || die "no $name in the snapshot (is its bridge installed in $FROM?)"
    ((rows > 0)) || die "the demo database of $FROM has no $name: nothing to compare"
done

step "make upgrade DB=$DB (current code)"
DB="$DB" BACKUP=0 bash "$REPO_ROOT/scripts/upgrade.sh" --log-level=info >"$WORK/upgrade.log" 2>&1 \
    || { tail -n 60 "$WORK/upgrade.log" >&2; die "make upgrade failed (full log: $WORK/upgrade.log, kept: KEEP=1)"; }
grep -E 'Running migration|\[helpdesk_itil\]' "$WORK/upgrade.log" | sed 's/^.*INFO [^ ]* //' >&2 || true

step "snapshot after the upgrade"
snapshot >"$WORK/after.txt"
cron_after="$(cron_state)"

failures=()
printf '%-26s %8s %8s  %s\n' "item" "before" "after" "rows and links" >&2
while IFS='|' read -r name rows digest; do
    after="$(grep -F "$name|" "$WORK/after.txt" || true)"
    IFS='|' read -r _ rows_after digest_after <<<"$after"
    verdict="identical"
    if [[ -z "$after" ]]; then
        verdict="MISSING after the upgrade"
    elif [[ "$rows" != "$rows_after" ]]; then
        verdict="COUNT CHANGED"
    elif [[ "$digest" != "$digest_after" ]]; then
        verdict="ROWS CHANGED"
    fi
    printf '%-26s %8s %8s  %s\n' "$name" "$rows" "${rows_after:-}" "$verdict" >&2
    [[ "$verdict" == identical ]] || failures+=("$name: $verdict")
done <"$WORK/before.txt"

# 19.0.1.1.0: the scheduled action moved to the ticket.
log "scheduled action before: $cron_before"
log "scheduled action after:  $cron_after"
[[ "$cron_after" == "helpdesk.ticket model._cron_lifecycle()" ]] \
    || failures+=("19.0.1.1.0: the scheduled action is '$cron_after', not helpdesk.ticket model._cron_lifecycle()")
grep -q "Running migration \[19.0.1.1.0>\]" "$WORK/upgrade.log" || failures+=("19.0.1.1.0: its migration did not run")
grep -q "Running migration \[19.0.1.2.0>\]" "$WORK/upgrade.log" || failures+=("19.0.1.2.0: its migration did not run")
grep -q "Running migration \[19.0.1.18.0>\]" "$WORK/upgrade.log" || failures+=("19.0.1.18.0: its migration did not run")

# 19.0.1.2.0: metrics of the existing tickets, from their history.
IFS='|' read -r resolved resolved_ok responded responded_ok closed closed_ok replies assigned assigned_ok < <(sql -F '|' <<'EOF'
SELECT count(*) FILTER (WHERE resolved_date IS NOT NULL),
       count(*) FILTER (WHERE resolved_date IS NOT NULL AND first_resolved_date IS NOT NULL AND kpi_resolution_hours IS NOT NULL
                        AND kpi_first_resolution_hours IS NOT NULL AND kpi_resolution_business_hours IS NOT NULL),
       count(*) FILTER (WHERE first_response_date IS NOT NULL),
       count(*) FILTER (WHERE first_response_date IS NOT NULL AND kpi_first_response_hours IS NOT NULL),
       count(*) FILTER (WHERE closed_date IS NOT NULL),
       count(*) FILTER (WHERE closed_date IS NOT NULL AND kpi_close_hours IS NOT NULL),
       COALESCE(sum(kpi_reply_count), 0),
       count(*) FILTER (WHERE assign_date IS NOT NULL),
       count(*) FILTER (WHERE assign_date IS NOT NULL AND kpi_assign_hours IS NOT NULL)
  FROM helpdesk_ticket;
EOF
)
log "metrics: $resolved_ok/$resolved resolved tickets with resolution times, $responded_ok/$responded answered with first-response times, $closed_ok/$closed closed with close times, $assigned_ok/$assigned assigned with assignment times, $replies agent replies counted"
((resolved > 0 && resolved_ok == resolved)) || failures+=("19.0.1.2.0: resolved tickets without metrics ($resolved_ok of $resolved)")
((responded > 0 && responded_ok == responded)) || failures+=("19.0.1.2.0: answered tickets without first-response time ($responded_ok of $responded)")
((closed_ok == closed)) || failures+=("19.0.1.2.0: closed tickets without close time ($closed_ok of $closed)")
((assigned_ok == assigned)) || failures+=("19.0.1.2.0: assigned tickets without assignment time ($assigned_ok of $assigned)")
((replies > 0)) || failures+=("19.0.1.2.0: no agent reply counted")

log "versions before: $(tr '\n' ' ' <"$WORK/versions-before.txt")"
log "versions after:  $(sql -c "SELECT string_agg(name || ' ' || latest_version, ' ' ORDER BY name) FROM ir_module_module WHERE name = ANY('{$(ours_addons)}'::text[]) AND state = 'installed'")"

if ((${#failures[@]})); then
    for failure in "${failures[@]}"; do log "FAILED: $failure"; done
    die "upgrade-check failed (full log of the upgrade: $WORK/upgrade.log with KEEP=1)"
fi
step "upgrade-check passed: $FROM -> $(git -C "$REPO_ROOT" rev-parse --short HEAD), nothing lost, migrations 19.0.1.1.0, 19.0.1.2.0 and 19.0.1.18.0 ran"
