"""Check docker-compose.yml by reading it (these machines have no container engine):

    python scripts/check_compose.py [docker-compose.yml]

* `docker compose up` (the services without a profile): PostgreSQL and Odoo; Odoo installs
  every addon of the repository (each directory with a __manifest__.py) with demo data into
  the database it serves, mounts the repository as /mnt/extra-addons and waits for a healthy
  PostgreSQL;
* every image is pinned (an exact version tag or a digest, never `latest` or a bare major);
* health checks: PostgreSQL services run `pg_isready`, Odoo services ask `/web/health`;
* the `production` profile (docs/deploy.md): primary, replica, Odoo, nginx, and every file it
  mounts from the repository exists.

Needs PyYAML (scripts/dist.sh installs it in .venv-dist). Exits non-zero on any finding.
"""

import re
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
PRODUCTION = {"db-primary", "db-replica", "odoo-production", "nginx"}


def our_addons():
    return sorted(path.parent.name for path in REPO.glob("*/__manifest__.py"))


def image_pinned(image):
    """A digest, or a tag naming one release: odoo's dated release (19.0-20251121, not the
    nightly-moving 19.0), PostgreSQL's major.minor (16.11), major.minor.patch for the others."""
    if "@" in image:
        return bool(re.search(r"@sha256:[0-9a-f]{64}$", image))
    name, _, tag = image.rpartition(":")
    release = {"odoo": r"\d+\.0-\d{8}", "postgres": r"\d+\.\d+"}.get(name, r"\d+\.\d+\.\d+")
    return bool(re.fullmatch(release + r"(-[a-z0-9.]+)?", tag))


def healthcheck_text(service):
    test = (service.get("healthcheck") or {}).get("test") or []
    return " ".join(test) if isinstance(test, list) else str(test)


def addons_installed(command):
    """The addons of the first `-i`/`--init` of an Odoo command."""
    for index, arg in enumerate(command):
        if arg in ("-i", "--init") and index + 1 < len(command):
            return sorted(command[index + 1].split(","))
        if arg.startswith("--init="):
            return sorted(arg.split("=", 1)[1].split(","))
    return []


def main(path):
    compose = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    services = compose.get("services") or {}
    findings = []

    def check(condition, message):
        print(("ok: " if condition else "FAIL: ") + message)
        if not condition:
            findings.append(message)

    default = {name for name, service in services.items() if not service.get("profiles")}
    check(default == {"db", "odoo"}, f"`docker compose up` starts db and odoo (it starts {sorted(default)})")
    production = {name for name, service in services.items() if "production" in (service.get("profiles") or [])}
    check(production == PRODUCTION, f"the production profile has {sorted(PRODUCTION)} (it has {sorted(production)})")

    for name, service in services.items():
        image = service.get("image", "")
        check(image_pinned(image), f"{name}: image {image!r} is pinned to an exact version")
        health = healthcheck_text(service)
        if image.startswith("postgres"):
            check("pg_isready" in health, f"{name}: health check runs pg_isready")
        elif image.startswith("odoo"):
            check("/web/health" in health, f"{name}: health check asks /web/health")
        else:
            check(bool(health), f"{name}: has a health check")
        depends_on = service.get("depends_on") or {}
        if isinstance(depends_on, list):
            depends_on = dict.fromkeys(depends_on, {})
        for dependency, options in depends_on.items():
            wanted = (options or {}).get("condition")
            check(wanted == "service_healthy", f"{name}: waits for {dependency} to be healthy")
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                check((REPO / source).exists(), f"{name}: mounted {source} exists")

    addons = our_addons()
    odoo = services.get("odoo", {})
    command = odoo.get("command") or []
    check(addons_installed(command) == addons, f"odoo installs {','.join(addons)} (command: {' '.join(command)})")
    check("--with-demo" in command, "odoo installs the demo data")
    check("-u" in command or "--update" in command, "odoo updates the addons on an existing database, as make run does")
    check(any(arg.startswith("-d") or arg == "--database" for arg in command), "odoo serves one named database")
    check("./:/mnt/extra-addons" in (odoo.get("volumes") or []), "odoo mounts the repository as /mnt/extra-addons")
    check(
        addons_installed(services.get("odoo-production", {}).get("command") or []) == addons,
        "odoo-production installs every addon",
    )
    if findings:
        print(f"docker-compose.yml: {len(findings)} finding(s)", file=sys.stderr)
        return 1
    print("docker-compose.yml: checked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else REPO / "docker-compose.yml"))
