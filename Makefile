# Developer entry points; the work is done by scripts/*.sh (see scripts/common.sh
# for the environment variables: DB, TEST_DB, HTTP_PORT, ODOO_SRC, PGHOST, ...).
# ARGS is passed on: to odoo-bin for `run`, to pytest for `test`, `--fix` to `lint`.
SHELL := /bin/bash
ARGS ?=

.PHONY: help run run-production test setup clean bench load lint dist readme dist-check upgrade upgrade-check setup-check i18n

help:
	@echo "make run    set up, create/update database helpdesk (or DB=...) with demo data, serve on :8069"
	@echo "make run-production  the production topology on this machine: nginx :8080, prefork workers, cron worker, bus, PostgreSQL primary + streaming replica (docs/deploy.md)"
	@echo "make test   set up, install our addons in a throw-away database, run pytest-odoo"
	@echo "make setup  only the set-up (system packages, Odoo source, .venv, PostgreSQL, .odoo/odoo.conf)"
	@echo "make bench  run bench/run.sh"
	@echo "make load   load test of the production profile with Locust (bench/load/run.sh)"
	@echo "make lint   ruff (format and rules), pylint-odoo mandatory checks, OCA module checks; fails on findings"
	@echo "make dist   one wheel per addon into dist/ (OCA's whool backend: odoo-addon-<name>)"
	@echo "make dist-check  build the wheels, install them with Odoo into a fresh venv and database, smoke-check (~10 min); check docker-compose.yml"
	@echo "make upgrade DB=...  update our addons in an existing database to this code (-u, migrations; pg_dump first)"
	@echo "make upgrade-check  demo database of the previous release (9b8a07b) upgraded by make upgrade: nothing lost, migrations ran (~15 min)"
	@echo "make setup-check  (root) the set-up's PostgreSQL install/cluster/role bootstrap on a cluster of its own (port 5450), others untouched"
	@echo "make i18n   regenerate i18n/<addon>.pot with Odoo's export and merge i18n/es.po (new terms untranslated, translations kept)"
	@echo "make readme  regenerate each addon's README.rst from its readme/*.md fragments and manifest"
	@echo "make clean  remove .venv and .odoo (filestore included); the Odoo source cache and databases are kept, so also dropdb helpdesk"

run:
	bash scripts/run.sh $(ARGS)

run-production:
	bash scripts/run_production.sh $(ARGS)

test:
	bash scripts/test.sh $(ARGS)

setup:
	bash scripts/common.sh

clean:
	rm -rf .venv .odoo

bench:
	@if [ -f bench/run.sh ]; then bash bench/run.sh $(ARGS); \
	else echo "[helpdesk_itil] bench/run.sh does not exist" >&2; exit 1; fi

load:
	bash bench/load/run.sh $(ARGS)

lint:
	bash scripts/lint.sh $(ARGS)

dist:
	bash scripts/dist.sh dist

i18n:
	bash scripts/i18n.sh

readme:
	bash scripts/dist.sh readme

dist-check:
	bash scripts/dist_check.sh

upgrade:
	bash scripts/upgrade.sh $(ARGS)

upgrade-check:
	bash scripts/upgrade_check.sh

setup-check:
	bash scripts/setup_check.sh
