#!/usr/bin/env bash
# Translations. `tools/messages.sh` updates the catalogs (dangjian/locale, and the `locale/` of any
# app that keeps its own — see tools/makemessages.py) from the sources and compiles the .mo files;
# `tools/messages.sh check` fails if any string lacks a Chinese translation or is fuzzy, or if two
# catalogs translate the same text differently (tools/catalog_conflicts.py) — used by `make lint`;
# it never changes the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
mode=${1:-update}
# makemessages only sees gettext/_ calls by their standard names: an alias hides strings.
if grep -rnE "translation import .* as [A-Za-z_]+" --include='*.py' dangjian | grep -vE " as _(,|$)"; then
  echo "Import gettext functions by their own names or as _ (other aliases are not extracted)." >&2
  exit 1
fi
locales=$(find dangjian -type d -name locale -not -path '*/static/*' | sort)
if [ "$mode" = check ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  tar -cf "$tmp/orig.tar" $locales
fi
pos=$("$PY" tools/makemessages.py)
missing=0; fuzzy=0; report=""
for po in $pos; do
  [ -f "$po" ] || continue
  m=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid' || true)
  m=$((m > 0 ? m - 1 : 0))
  f=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid' || true)
  missing=$((missing + m)); fuzzy=$((fuzzy + f))
  if [ $((m + f)) -gt 0 ]; then report+="  $po: $m untranslated, $f fuzzy"$'\n'; fi
done
if [ "$mode" = check ]; then
  # restore the committed catalogs
  for d in $locales; do rm -rf "$d"; done
  find dangjian -type d -name locale -not -path '*/static/*' -exec rm -rf {} +
  tar -xf "$tmp/orig.tar"
  if [ "$missing" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
    printf '%s' "$report" >&2
    echo "Translations incomplete: $missing untranslated, $fuzzy fuzzy. Run tools/messages.sh and translate." >&2
    exit 1
  fi
  # one English text, one Chinese text: Django merges every catalog into one table
  "$PY" tools/catalog_conflicts.py
  echo "translations complete"
  exit 0
fi
for po in $pos; do
  [ -f "$po" ] || continue
  msgfmt --check-format -o "${po%.po}.mo" "$po"
  js="${po%django.po}djangojs.po"
  [ -f "$js" ] && msgfmt --check-format -o "${js%.po}.mo" "$js"
done
printf '%s' "$report"
for po in $pos; do
  [ -f "$po" ] && msgattrib --untranslated --no-obsolete "$po" | grep '^msgid' | tail -n +2 | head -n 50 || true
done
