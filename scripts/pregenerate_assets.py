# Run by scripts/test.sh through `odoo-bin shell` (which provides `env`).
# Builds, once and committed, the asset bundles the browser tours and portal pages load,
# as Odoo's own test runner does before HttpCase tests (odoo/service/server.py,
# `_pregenerate_assets_bundles`): generated inside a test, a bundle is rolled back with
# the test and every tour builds it again. Odoo's JS unit-test suites, which no test of
# ours loads, are left out.
UNUSED = ("unit_tests", "qunit", "tests_assets", "spreadsheet", "api_doc")
QWeb = env["ir.qweb"]  # noqa: F821 (odoo-bin shell's namespace)
js_bundles, css_bundles = QWeb._get_bundles_to_pregenarate()
for name in sorted(js_bundles):
    if not any(part in name for part in UNUSED):
        QWeb._get_asset_bundle(name, css=False, js=True).js()
for name in sorted(css_bundles):
    if not any(part in name for part in UNUSED):
        QWeb._get_asset_bundle(name, css=True, js=False).css()
env.cr.commit()  # noqa: F821
