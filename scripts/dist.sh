#!/usr/bin/env bash
# `make dist` and `make readme`: packaging of the addons the way OCA packages its own.
#   dist    one wheel per addon into dist/, built by OCA's build backend (whool, declared in
#           each addon's pyproject.toml): odoo_addon_<name>-<version>-py3-none-any.whl,
#           distribution odoo-addon-<name>. The version is the manifest's, plus ".N" when the
#           addon has N commits since its manifest version changed (OCA's scheme; ".dev1"
#           instead when the addon has uncommitted changes). Only files tracked by git go in.
#   readme  <addon>/README.rst from readme/*.md and the manifest (scripts/gen_addon_readme.py)
# The tools live in .venv-dist (requirements-dist.txt), apart from Odoo's own .venv.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DIST_VENV="$REPO_ROOT/.venv-dist"
DIST_DIR="$REPO_ROOT/dist"

ensure_dist_venv() {
    local want stamp="$DIST_VENV/.requirements.sha256"
    want="$(sha256sum "$REPO_ROOT/requirements-dist.txt" | cut -d' ' -f1)"
    if [[ -x "$DIST_VENV/bin/python" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
        return 0
    fi
    log "installing the packaging tools into $DIST_VENV"
    rm -rf "$DIST_VENV"
    "${PYTHON:-python3}" -m venv "$DIST_VENV" || die "'python3 -m venv' failed; on Debian install python3-venv"
    "$DIST_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REPO_ROOT/requirements-dist.txt" \
        || die "pip install -r requirements-dist.txt failed (see above)"
    printf '%s\n' "$want" >"$stamp"
}

addon_dirs() {
    local d
    while IFS= read -r d; do printf '%s\n' "${d#"$REPO_ROOT"/}"; done < <(ours_addon_dirs)
}

readme() {
    cd "$REPO_ROOT"
    mapfile -t addons < <(addon_dirs)
    "$DIST_VENV/bin/python" scripts/gen_addon_readme.py "$@" "${addons[@]}"
}

dist() {
    cd "$REPO_ROOT"
    readme --check || die "a README.rst is out of date: run 'make readme' and commit it (wheels carry it as their description)"
    mapfile -t addons < <(addon_dirs)
    rm -rf "$DIST_DIR"
    mkdir -p "$DIST_DIR"
    local addon
    for addon in "${addons[@]}"; do
        [[ -f "$addon/pyproject.toml" ]] || die "$addon has no pyproject.toml (build-backend whool.buildapi)"
        git ls-files --error-unmatch "$addon/README.rst" >/dev/null 2>&1 \
            || die "$addon/README.rst is not committed: only files tracked by git go into the wheel"
        # the pinned whool of .venv-dist, not a download into an isolated build environment
        "$DIST_VENV/bin/pip" wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation \
            --wheel-dir "$DIST_DIR" "./$addon" || die "building the wheel of $addon failed (see above)"
    done
    log "built in dist/:"
    ls -1 "$DIST_DIR" >&2
}

ensure_dist_venv
case "${1:-}" in
    dist) dist ;;
    readme) shift; readme "$@" ;;
    *) die "usage: scripts/dist.sh dist | readme [--check]" ;;
esac
