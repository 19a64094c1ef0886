"""pytest configuration for `make test` (pytest-odoo runs every addon's tests).

Odoo gives Chromium 10 seconds to start before it *skips* a browser tour; on a loaded
2-core machine that is not always enough, and a skipped tour is a test that did not run.
Allow a minute instead.

With pytest-xdist (`make test` runs one worker per core), pytest-odoo gives each worker
its own copy of the database but points all of them at the template's filestore, so two
workers write, read and garbage-collect the same files at once. Each worker gets its own
copy of the filestore too. Test ids must be unique: xdist runs each id once, so a test
whose id repeats another's (same file name in two addons, ids relative to a wrong
rootdir) would silently not run.
"""

import os
import shutil
from collections import Counter
from unittest import mock

import pytest

import odoo.tests.common
from odoo.tools import config


def pytest_configure(config):
    odoo.tests.common.CHECK_BROWSER_ITERATIONS = 600  # × CHECK_BROWSER_SLEEP (0.1 s)


def pytest_collection_modifyitems(session, config, items):
    repeated = sorted(nodeid for nodeid, count in Counter(item.nodeid for item in items).items() if count > 1)
    if repeated:
        raise pytest.UsageError(
            "these test ids are collected more than once (run pytest with --rootdir at the repository root): "
            + ", ".join(repeated)
        )


@pytest.fixture(scope="session", autouse=True)
def worker_filestore(load_registry):
    if not os.getenv("PYTEST_XDIST_WORKER"):
        yield
        return
    worker_db = odoo.tests.common.get_db_name()  # pytest-odoo's copy: "<database>-<worker>"
    template_db = worker_db.rsplit("-", 1)[0]
    root = os.path.join(config["data_dir"], "filestore")
    worker_path = os.path.join(root, worker_db)
    shutil.rmtree(worker_path, ignore_errors=True)
    if os.path.isdir(os.path.join(root, template_db)):
        shutil.copytree(os.path.join(root, template_db), worker_path)
    try:
        with mock.patch.object(config, "filestore", return_value=worker_path):
            yield
    finally:
        shutil.rmtree(worker_path, ignore_errors=True)
