#!/usr/bin/env bash
# `make upgrade DB=...`: update our addons on an existing database to the code of this
# checkout (Odoo's `-u`: schema, data files, and the migrations/<version>/ scripts of every
# version between the installed one and the manifest's).
#   - updates the addons of this repository that the database has installed (a bridge whose
#     app is not installed stays uninstalled);
#   - first saves the database with pg_dump into .odoo/backups/ (BACKUP=0 skips it);
#   - Odoo stops at the first error: the addons updated before it are committed, the failing
#     one and those after it are not; the message says how to go back or retry;
#   - afterwards every updated addon must be installed at its manifest's version.
# Env: DB (default helpdesk, the database of `make run`), BACKUP, see scripts/common.sh.
# Extra arguments go to odoo-bin (e.g. --log-level=debug).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

setup run
DB="${DB:-helpdesk}"
db_exists "$DB" || die "database $DB does not exist (make run creates it; DB=name chooses another)"

sql() { psql -X -w -d "$DB" -v ON_ERROR_STOP=1 -Atq "$@"; }

mapfile -t ours < <(ours_addons | tr ',' '\n')
[[ "$(sql -c "SELECT to_regclass('ir_module_module') IS NOT NULL")" == t ]] \
    || die "database $DB is not an Odoo database"
mapfile -t installed < <(sql -v names="{$(IFS=,; echo "${ours[*]}")}" \
    <<<"SELECT name FROM ir_module_module WHERE state = 'installed' AND name = ANY(:'names'::text[]) ORDER BY name;")
((${#installed[@]})) || die "none of ${ours[*]} is installed in $DB: nothing to upgrade ('make run DB=$DB' installs them)"
ADDONS="$(IFS=,; echo "${installed[*]}")"
log "installed in $DB: $(sql -c "SELECT string_agg(name || ' ' || latest_version, ', ' ORDER BY name) FROM ir_module_module WHERE name = ANY('{$ADDONS}'::text[])")"

backup=""
if [[ "${BACKUP:-1}" != 0 ]]; then
    mkdir -p "$ODOO_DIR/backups"
    backup="$ODOO_DIR/backups/$DB-$(date -u +%Y%m%dT%H%M%SZ).dump"
    log "saving $DB to $backup (BACKUP=0 skips this)"
    pg_dump -w -Fc -f "$backup" "$DB" || die "pg_dump of $DB failed; nothing was changed (BACKUP=0 upgrades without a dump)"
fi

log "updating $ADDONS in $DB"
if ! odoo_bin -d "$DB" -u "$ADDONS" --stop-after-init "$@"; then
    {
        log "ERROR: the update of $DB stopped at the first error (the traceback above names the addon and the file)."
        log "  The addons updated before it are committed; the failing one and those after it are not."
        log "  Fix the cause (a migration script, a data file, a missing dependency), then run 'make upgrade DB=$DB' again."
        if [[ -n "$backup" ]]; then
            log "  To go back to the database as it was: dropdb $DB && createdb $DB && pg_restore -d $DB $backup"
        fi
    }
    exit 1
fi

# Every updated addon is now installed at its manifest's version.
stale=()
for addon in "${installed[@]}"; do
    want="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$REPO_ROOT/$addon/__manifest__.py")"
    have="$(sql -v name="$addon" <<<"SELECT state || ' ' || latest_version FROM ir_module_module WHERE name = :'name';")"
    [[ "$have" == "installed $want" ]] || stale+=("$addon: $have, manifest $want")
done
((${#stale[@]} == 0)) || die "after the update: ${stale[*]}; see the log above"
log "upgraded $DB: $(sql -c "SELECT string_agg(name || ' ' || latest_version, ', ' ORDER BY name) FROM ir_module_module WHERE name = ANY('{$ADDONS}'::text[])")"
