import importlib.util
from pathlib import Path

MIGRATIONS = Path(__file__).parents[1] / "migrations"


def load_migration(version, script="post-migrate"):
    """The module of ``migrations/<version>/<script>.py``, to run its functions in a test."""
    name = f"helpdesk_itil_{script.replace('-', '_')}_{version.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(name, MIGRATIONS / version / f"{script}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
