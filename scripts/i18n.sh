#!/usr/bin/env bash
# Extract every msgid from saas/, templates/ and plugins/, merge it into the zh_Hans catalogue, compile the .mo.
# New msgids arrive untranslated: translate them in saas/translations/zh_Hans/LC_MESSAGES/messages.po,
# then run this again (tests/i18n/test_catalogue.py lists what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
POT=$(mktemp --suffix=.pot)
trap 'rm -f "$POT"' EXIT
pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o "$POT" saas templates plugins
PO=saas/translations/zh_Hans/LC_MESSAGES/messages.po
if [ -f "$PO" ]; then
  pybabel update -i "$POT" -d saas/translations -l zh_Hans --no-fuzzy-matching --ignore-obsolete
else
  pybabel init -i "$POT" -d saas/translations -l zh_Hans
fi
pybabel compile -d saas/translations -l zh_Hans --statistics
