"""The zh_Hans catalogue covers every msgid in saas/ and templates/, and the compiled .mo matches the .po.

When this fails after new strings were added: run ``scripts/i18n.sh``, translate the listed msgids in
``saas/translations/zh_Hans/LC_MESSAGES/messages.po`` and run ``scripts/i18n.sh`` again.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "saas" / "translations" / "zh_Hans" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def current_msgids() -> set[str]:
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for folder in ("saas", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map, options_map, keywords={**KEYWORDS}):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def po_catalogue():
    with open(CATALOGUE / "messages.po", "rb") as po:
        return read_po(po, locale="zh_Hans")


def test_every_msgid_has_a_chinese_translation():
    catalogue = po_catalogue()
    missing = []
    for msgid in sorted(current_msgids()):
        message = catalogue.get(msgid)
        strings = message.string if message is not None else None
        if isinstance(strings, tuple):
            strings = all(strings) and strings[0]
        if message is None or not strings or message.fuzzy:
            missing.append(msgid)
    assert not missing, ("msgids without a zh_Hans translation (run scripts/i18n.sh, translate them in "
                         "saas/translations/zh_Hans/LC_MESSAGES/messages.po, run scripts/i18n.sh again):\n  "
                         + "\n  ".join(repr(m) for m in missing))


def test_compiled_catalogue_is_not_stale():
    with open(CATALOGUE / "messages.mo", "rb") as mo:
        compiled = {m.id: m.string for m in read_mo(mo) if m.id}
    source = {m.id: m.string for m in po_catalogue() if m.id and m.string and not m.fuzzy}
    stale = sorted(str(k) for k in set(source) ^ set(compiled) | {k for k in source if compiled.get(k) != source[k]})
    assert not stale, "messages.mo is older than messages.po; run scripts/i18n.sh. Differences:\n  " + \
        "\n  ".join(stale)
