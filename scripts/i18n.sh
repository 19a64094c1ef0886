#!/usr/bin/env bash
# `make i18n`: regenerate each addon's i18n/<addon>.pot with Odoo's own export and merge
# i18n/es.po with it (new terms added untranslated, removed terms dropped, existing
# translations kept), the way Odoo's own modules are maintained.
# Env: I18N_DB (default hd_i18n_<pid>, dropped afterwards), see scripts/common.sh.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

setup test
cd "$REPO_ROOT"
DB="${I18N_DB:-hd_i18n_$$}"
ADDONS="$(ours_addons)"
read -r -a modules <<<"${ADDONS//,/ }"

trap 'drop_db "$DB"' EXIT
drop_db "$DB"

# Without demo data: demo records are not ours to translate. Loading es_ES imports the
# current es.po files, so that the export below writes them back merged with new terms.
log "installing $ADDONS with Spanish into $DB"
odoo_bin -d "$DB" -i "$ADDONS" --load-language=es_ES --stop-after-init --log-level=warn \
    || die "installation of $ADDONS failed (see log above)"

log "exporting the templates and the Spanish files of ${modules[*]}"
i18n_export() {
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" i18n export -c "$ODOO_CONF" -d "$DB" "$@"
}
# Each file through a temporary one: the export opens its target for writing before it
# reads the code translations from that same es.po, which would lose them.
tmp="$(mktemp -d)"
for module in "${modules[@]}"; do
    i18n_export -l pot -o "$tmp/$module.pot" -- "$module"
    i18n_export -l es -o "$tmp/$module.po" -- "$module"
    mkdir -p "$module/i18n"
    # The export stamps each file with the time of the run; without those lines `git diff`
    # shows real changes only.
    sed -e '/^"POT-Creation-Date: /d' -e '/^"PO-Revision-Date: /d' "$tmp/$module.pot" >"$module/i18n/$module.pot"
    sed -e '/^"POT-Creation-Date: /d' -e '/^"PO-Revision-Date: /d' "$tmp/$module.po" >"$module/i18n/es.po"
done
rm -rf "$tmp"

"$VENV/bin/python" "$REPO_ROOT/scripts/i18n_check.py" "${modules[@]}" || true
