#!/usr/bin/env bash
# `make dist-check`: the wheels install the way integrators install addons.
#  1. `make dist` builds the four wheels; their names, versions and metadata are checked.
#  2. docker-compose.yml is checked by reading (scripts/check_compose.py; also
#     `docker compose config` or Debian's `docker-compose config` where installed).
#  3. A fresh virtualenv gets Odoo the way pip installs it: the local Odoo source
#     (`pip install -e $ODOO_SRC`, its own dependencies resolved by pip, pinned by
#     requirements.txt), then the wheels by their names from dist/ only (--no-index).
#  4. A fresh database gets the four addons with that virtualenv's `odoo` command, without
#     any addons_path to the repository (run from outside it), and scripts/dist_smoke.py
#     checks that they are installed from the virtualenv and that a ticket works.
# Everything it makes is removed at the end (KEEP=1 keeps the virtualenv and the database).
# Takes about ten minutes on a 2-core machine; Odoo's psycopg2 is built from source, so it
# needs gcc, python3-dev and libpq-dev.
# Env: DIST_CHECK_DB (default hd_dist_check_<pid>), DIST_CHECK_DIR (default a temporary
# directory), see scripts/common.sh.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

started=$SECONDS
step() { log "[$((SECONDS - started)) s] $*"; }

resolve_odoo_src
ensure_postgres
CHECK_DIR="${DIST_CHECK_DIR:-$(mktemp -d /tmp/hd-dist-check.XXXXXX)}"
DB="${DIST_CHECK_DB:-hd_dist_check_$$}"
VENV_CHECK="$CHECK_DIR/venv"
CONF="$CHECK_DIR/odoo.conf"
cleanup() {
    [[ "${KEEP:-0}" == 1 ]] && { log "kept $CHECK_DIR and database $DB (KEEP=1)"; return; }
    dropdb --if-exists --force -w "$DB" >/dev/null 2>&1 || true
    rm -rf "$CHECK_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mapfile -t addons < <(ours_addons | tr ',' '\n')

step "building the wheels (make dist)"
bash "$REPO_ROOT/scripts/dist.sh" dist
DIST_PY="$REPO_ROOT/.venv-dist/bin/python"

step "checking the wheels' names and metadata"
"$DIST_PY" - "$REPO_ROOT" "${addons[@]}" <<'EOF'
import ast, sys, zipfile
from email.parser import HeaderParser
from pathlib import Path

repo, addons = Path(sys.argv[1]), sys.argv[2:]
wheels = sorted((repo / "dist").glob("*.whl"))
assert len(wheels) == len(addons), f"{len(wheels)} wheels for {len(addons)} addons: {wheels}"
for addon in addons:
    manifest = ast.literal_eval((repo / addon / "__manifest__.py").read_text())
    [wheel] = [w for w in wheels if w.name.split("-")[0] == f"odoo_addon_{addon}"]
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        [meta_name] = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = HeaderParser().parsestr(zf.read(meta_name).decode())
    version = meta["Version"]
    assert meta["Name"] == f"odoo-addon-{addon}", meta["Name"]
    assert version == manifest["version"] or version.startswith(manifest["version"] + "."), (version, manifest["version"])
    requires = sorted(meta.get_all("Requires-Dist") or [])
    expected = sorted(["odoo==19.0.*"] + [f"odoo-addon-{dep}==19.0.*" for dep in manifest["depends"] if dep in addons])
    assert requires == expected, (addon, requires, expected)
    assert meta["Description-Content-Type"] == "text/x-rst", meta["Description-Content-Type"]
    assert meta.get_payload().strip() == (repo / addon / "README.rst").read_text().strip(), "description is README.rst"
    assert f"Development Status :: 4 - Beta" in meta.get_all("Classifier"), meta.get_all("Classifier")
    prefix = f"odoo/addons/{addon}/"
    for path in ("__manifest__.py", "__init__.py", "README.rst", *manifest.get("data", []), *manifest.get("demo", [])):
        assert prefix + path in names, f"{wheel.name} lacks {prefix + path}"
    assert prefix + "pyproject.toml" not in names
    assert all(n.startswith((prefix, f"odoo_addon_{addon}-")) for n in names), "only the addon and its metadata"
    print(f"ok: {wheel.name}: {meta['Name']} {version}, requires {', '.join(requires)}, {len(names)} files")
EOF

step "checking docker-compose.yml"
"$DIST_PY" "$REPO_ROOT/scripts/check_compose.py" "$REPO_ROOT/docker-compose.yml"
if docker compose version >/dev/null 2>&1; then
    (cd "$REPO_ROOT" && docker compose config -q && docker compose --profile production config -q)
    log "docker compose config: valid"
elif command -v docker-compose >/dev/null; then
    (cd "$REPO_ROOT" && docker-compose config -q && docker-compose --profile production config -q)
    log "docker-compose config ($(docker-compose version --short 2>/dev/null)): valid"
else
    log "no docker compose here: checked by reading only (apt-get install docker-compose validates the schema too)"
fi

step "fresh virtualenv $VENV_CHECK: the local Odoo source, installed by pip"
"${PYTHON:-python3}" -m venv "$VENV_CHECK" || die "'python3 -m venv' failed; on Debian install python3-venv"
# requirements.txt pins Odoo's dependencies (constraints, not installs): pip installs what
# Odoo's setup.py asks for, at those versions; constraints.txt also reaches build environments.
PIP_CONSTRAINT="$REPO_ROOT/constraints.txt" "$VENV_CHECK/bin/pip" install --quiet --disable-pip-version-check \
    -c "$REPO_ROOT/requirements.txt" -e "$ODOO_SRC" \
    || die "pip install -e $ODOO_SRC failed (psycopg2 builds from source: gcc, python3-dev, libpq-dev)"

step "installing the wheels by name from dist/ only"
packages=()
for addon in "${addons[@]}"; do packages+=("odoo-addon-${addon//_/-}"); done
"$VENV_CHECK/bin/pip" install --quiet --disable-pip-version-check --no-index --find-links "$REPO_ROOT/dist" "${packages[@]}" \
    || die "pip install of ${packages[*]} failed"
"$VENV_CHECK/bin/pip" check || die "pip check: broken dependencies in $VENV_CHECK"
"$VENV_CHECK/bin/pip" list --disable-pip-version-check 2>/dev/null | grep -E '^(odoo|odoo-addon-\S+) ' >&2

step "new database $DB: odoo -i ${addons[*]} (no addons_path)"
{
    echo "[options]"
    echo "db_host = $PGHOST"
    echo "db_port = $PGPORT"
    echo "db_user = $PGUSER"
    [[ -z "${PGPASSWORD:-}" ]] || echo "db_password = $PGPASSWORD"
    echo "data_dir = $CHECK_DIR/data"
    echo "http_interface = 127.0.0.1"
    echo "http_port = ${HTTP_PORT:-8069}"
} >"$CONF"
dropdb --if-exists --force -w "$DB" >/dev/null 2>&1 || true
# from the check directory: neither the repository nor the Odoo source is the current directory
(cd "$CHECK_DIR" && "$VENV_CHECK/bin/odoo" -c "$CONF" -d "$DB" -i "$(ours_addons)" --stop-after-init --log-level=warn) \
    || die "installing the wheels' addons into $DB failed (see above)"

step "smoke check"
(cd "$CHECK_DIR" && "$VENV_CHECK/bin/python" "$REPO_ROOT/scripts/dist_smoke.py" "$CONF" "$DB" "${addons[@]}") \
    || die "smoke check failed"

step "dist-check passed: $(cd "$REPO_ROOT/dist" && ls | tr '\n' ' ')"
