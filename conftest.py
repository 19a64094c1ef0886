"""pytest configuration for `make test` (pytest-odoo runs every addon's tests).

Odoo gives Chromium 10 seconds to start before it *skips* a browser tour; on a loaded
2-core machine that is not always enough, and a skipped tour is a test that did not run.
Allow a minute instead.
"""

import odoo.tests.common


def pytest_configure(config):
    odoo.tests.common.CHECK_BROWSER_ITERATIONS = 600  # × CHECK_BROWSER_SLEEP (0.1 s)
