"""Print, per addon, how many terms of i18n/<addon>.pot lack a Spanish translation in
i18n/es.po or break their placeholders, by the rules the tests apply
(helpdesk_itil/tests/i18n_rules.py). Used by `make i18n`; test_i18n_spanish.py is the gate."""

import importlib.util
import sys
from pathlib import Path

from babel.messages.pofile import read_po

RULES_PATH = Path(__file__).resolve().parent.parent / "helpdesk_itil" / "tests" / "i18n_rules.py"
_spec = importlib.util.spec_from_file_location("i18n_rules", RULES_PATH)
rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rules)


def read(path):
    with open(path, "rb") as po_file:
        return read_po(po_file)


def check(addon_dir):
    i18n = Path(addon_dir) / "i18n"
    template = read(i18n / f"{Path(addon_dir).name}.pot")
    spanish = read(i18n / "es.po")
    missing, broken = [], []
    for message in template:
        if not message.id:
            continue
        translated = spanish.get(message.id)
        text = translated.string if translated else ""
        if not text and rules.needs_translation(message.id):
            missing.append(message.id)
        elif text and rules.placeholder_problems(message.id, text):
            broken.append(message.id)
    return len([m for m in template if m.id]), missing, broken


def main(addons):
    problems = 0
    for addon in addons:
        count, missing, broken = check(addon)
        problems += len(missing) + len(broken)
        print(f"{addon}: {count} terms, {len(missing)} without Spanish, {len(broken)} with broken placeholders")
        for term in missing + broken:
            print(f"    {term[:100]!r}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
