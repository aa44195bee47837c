#!/usr/bin/env bash
# Translations. `tools/messages.sh` updates dangjian/locale/zh_Hans/LC_MESSAGES/django.po from the
# sources and compiles the .mo; `tools/messages.sh check` fails if any string lacks a Chinese
# translation or is fuzzy (used by `make lint`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
mode=${1:-update}
mkdir -p dangjian/locale
po=dangjian/locale/zh_Hans/LC_MESSAGES/django.po
if [ "$mode" = check ]; then
  # makemessages only sees gettext/_ calls by their standard names: an alias hides strings.
  if grep -rnE "translation import .* as [A-Za-z_]+" --include='*.py' dangjian | grep -vE " as _(,|$)"; then
    echo "Import gettext functions by their own names or as _ (other aliases are not extracted)." >&2
    exit 1
  fi
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  cp -r dangjian/locale "$tmp/orig"
fi
(cd dangjian && "../$PY" ../manage.py makemessages -l zh_Hans --no-obsolete --no-location \
  --ignore 'static/*' --ignore 'testing/*' --ignore '*/tests/*' -v0)
(cd dangjian && "../$PY" ../manage.py makemessages -d djangojs -l zh_Hans --no-obsolete --no-location -v0 2>/dev/null) || true
if [ "$mode" = check ]; then
  missing=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid' || true)
  # restore the committed files: check mode never changes the tree
  rm -rf dangjian/locale && cp -r "$tmp/orig" dangjian/locale
  if [ "$missing" -gt 1 ] || [ "$fuzzy" -gt 0 ]; then
    echo "Translations incomplete: $((missing > 0 ? missing - 1 : 0)) untranslated, $fuzzy fuzzy. Run tools/messages.sh and translate." >&2
    exit 1
  fi
  echo "translations complete"
  exit 0
fi
"$PY" manage.py compilemessages -l zh_Hans -v0
msgattrib --untranslated --no-obsolete "$po" | grep '^msgid' | tail -n +2 | head -n 50 || true
