#!/usr/bin/env bash
# `make lint`: the OCA-style checks of this repository, failing on any finding.
#   ruff format --check and ruff check (.ruff.toml), on every Python file;
#   pylint-odoo's mandatory checks (.pylintrc-mandatory), on every addon;
#   oca-checks-odoo-module (manifests, XML, CSV; .oca_hooks.cfg), on every addon.
# The tools live in .venv-lint (requirements-lint.txt), apart from Odoo's own .venv.
# `make lint ARGS=--fix` lets ruff rewrite what it can fix.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LINT_VENV="$REPO_ROOT/.venv-lint"
log() { printf '[helpdesk_itil] %s\n' "$*" >&2; }
die() { printf '[helpdesk_itil] ERROR: %s\n' "$*" >&2; exit 1; }

fix=0
for arg in "$@"; do
    case "$arg" in
        --fix) fix=1 ;;
        *) die "unknown argument $arg (make lint takes only --fix)" ;;
    esac
done

want="$(sha256sum "$REPO_ROOT/requirements-lint.txt" | cut -d' ' -f1)"
stamp="$LINT_VENV/.requirements.sha256"
if [[ ! -x "$LINT_VENV/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    log "installing the lint tools into $LINT_VENV"
    rm -rf "$LINT_VENV"
    "${PYTHON:-python3}" -m venv "$LINT_VENV" || die "'python3 -m venv' failed; on Debian install python3-venv"
    "$LINT_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REPO_ROOT/requirements-lint.txt" \
        || die "pip install -r requirements-lint.txt failed (see above)"
    printf '%s\n' "$want" >"$stamp"
fi

cd "$REPO_ROOT"
addons=()
manifests=(*/__manifest__.py)
for manifest in "${manifests[@]}"; do addons+=("$(dirname "$manifest")"); done
((${#addons[@]})) || die "no addon (directory with __manifest__.py) found"

rc=0
if ((fix)); then
    "$LINT_VENV/bin/ruff" check --fix . || rc=1
    "$LINT_VENV/bin/ruff" format . || rc=1
else
    "$LINT_VENV/bin/ruff" format --check --diff . || { log "ruff format: run 'make lint ARGS=--fix'"; rc=1; }
    "$LINT_VENV/bin/ruff" check --no-fix . || rc=1
fi
"$LINT_VENV/bin/pylint" --rcfile=.pylintrc-mandatory "${addons[@]}" || rc=1
"$LINT_VENV/bin/oca-checks-odoo-module" "${manifests[@]}" || rc=1
if ((rc)); then
    log "lint: findings above"
else
    log "lint: clean (${addons[*]})"
fi
exit "$rc"
