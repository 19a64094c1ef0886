#!/usr/bin/env bash
# `make run`: set up, create or update the development database, serve it.
# Env: DB (default helpdesk), HTTP_PORT (default 8069), see scripts/common.sh.
# Spanish is loaded afterwards (i18n loadlang) so that a user switching to it gets our
# translations; loaded before the demo data, it would become every demo user's language.
# Extra arguments are passed to the final odoo-bin server, e.g. `--dev=xml`.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

setup run
DB="${DB:-helpdesk}"
ADDONS="$(ours_addons)"
[[ -n "$ADDONS" ]] || die "no addon (directory with __manifest__.py) found in $REPO_ROOT"

if db_exists "$DB"; then
    # -i as well as -u: installs bridge addons added since the database was
    # created, and finishes an installation that was interrupted.
    log "updating $ADDONS in database $DB"
    odoo_bin -d "$DB" -i "$ADDONS" -u "$ADDONS" --stop-after-init \
        || die "update of $ADDONS in $DB failed (see log above); 'dropdb $DB' starts afresh"
else
    log "creating database $DB with demo data and installing $ADDONS"
    odoo_bin -d "$DB" -i "$ADDONS" --with-demo --stop-after-init \
        || die "installation of $ADDONS into $DB failed (see log above)"
fi

log "loading Spanish (es_ES) into $DB"
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" i18n loadlang -c "$ODOO_CONF" -d "$DB" -l es \
    || die "loading Spanish into $DB failed (see log above)"

log "Odoo is starting on http://localhost:${HTTP_PORT:-8069} (database $DB)"
log "login: admin / admin   (other demo users: see README)"
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DB" --db-filter="^$DB\$" "$@"
