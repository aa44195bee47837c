#!/usr/bin/env bash
# Vendor the front-end libraries from the npm registry into static/vendor/<name>-<version>/,
# each with its LICENSE and a VERSION note. No Node build is needed to run the site: the
# minified files are committed. Our CSP allows scripts from 'self' only, so no CDN either.
#
# Usage: tools/vendor.sh [NAME...]  (needs npm and access to the npm registry; with NAMEs, only
#        those: a dir-name below, noble-curves or swagger-ui — the others stay untouched)
# To upgrade: change a version below, run the script, update the {% static %} paths that
# name the old directory (grep -r "vendor/<name>-" dangjian), run the browser tests.
#
# pell: the minutes editor of organizational life (contenteditable + execCommand, 3 KB, no
# inline styles or handlers); dangjian/orglife/static/orglife/minutes-editor.js configures it.
#
# Apache ECharts: the charts of the overview screen (大屏, dangjian/stats/static/stats/screen.js).
# 5.x (6.0 changed the default theme and several option defaults); it evaluates no strings (no
# eval or new Function), so it runs under our CSP; the package ships its Apache-2.0 LICENSE
# (and a NOTICE, copied beside it).
#
# Alpine.js: the CSP build (@alpinejs/csp) — the standard build evaluates expressions with
# new Function(), which our Content-Security-Policy (no 'unsafe-eval') forbids.
#
# @noble/curves (ristretto255) with @noble/hashes (SHA-256, SHA-512): the secret-ballot
# cryptography in the voter's and the trustee's browser (dangjian/ballots/static/ballots/crypto.js,
# docs/modules/ballots-protocol.md). Both are audited, dependency-free and ES modules only, so
# esbuild (used here only, never to run the site) bundles the exports we use into one readable,
# unminified IIFE defining the global `nobleBallots`; neither library evaluates strings.
set -euo pipefail
cd "$(dirname "$0")/.."

# dir-name    npm-package      version   file in the package      vendored file name   licence
PACKAGES=(
  "htmx        htmx.org         2.0.11    dist/htmx.min.js         htmx.min.js          0BSD"
  "alpinejs-csp @alpinejs/csp   3.17.4    dist/cdn.min.js          alpine-csp.min.js    MIT"
  "pell        pell             1.0.6     dist/pell.min.js         pell.min.js          MIT"
  "echarts     echarts          5.6.0     dist/echarts.min.js      echarts.min.js       Apache-2.0"
)

write_mit() {
  cat <<MIT
MIT License ($2: the npm package declares "license": "MIT" and ships no licence file)

Copyright (c) $1

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
MIT
}

NOBLE_VERSION=2.4.0      # @noble/curves; it pins @noble/hashes to the same version
ESBUILD_VERSION=0.28.2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# wanted NAME: true when NAME was asked for on the command line, or when none was.
wanted() {
  [[ ${#ONLY[@]} -eq 0 ]] && return 0
  local n
  for n in "${ONLY[@]}"; do [[ "$n" == "$1" ]] && return 0; done
  return 1
}
ONLY=("$@")

vendor_noble() {
  local dest="static/vendor/noble-curves-${NOBLE_VERSION}" work="$tmp/noble" hashes
  mkdir -p "$work"
  cat >"$work/entry.js" <<'JS'
export { ristretto255 } from "@noble/curves/ed25519.js";
export { sha256, sha512 } from "@noble/hashes/sha2.js";
JS
  (cd "$work" && npm init -y >/dev/null \
    && npm install --silent --no-audit --no-fund "@noble/curves@${NOBLE_VERSION}" "esbuild@${ESBUILD_VERSION}")
  hashes=$(node -p 'require(process.argv[1]).version' "$work/node_modules/@noble/hashes/package.json")
  find static/vendor -maxdepth 1 -type d -name "noble-curves-*" ! -name "noble-curves-${NOBLE_VERSION}" -exec rm -rf {} +
  mkdir -p "$dest"
  (cd "$work" && node_modules/.bin/esbuild entry.js --bundle --format=iife --global-name=nobleBallots \
    --target=es2020 --log-level=warning \
    --banner:js="/* @noble/curves ${NOBLE_VERSION} (ristretto255) + @noble/hashes ${hashes} (sha256, sha512), MIT, (c) Paul Miller. Bundled by tools/vendor.sh with esbuild ${ESBUILD_VERSION}. */") \
    >"$dest/noble-ballots.js"
  # Our CSP has no 'unsafe-eval': refuse a bundle that evaluates strings.
  if grep -nE '(^|[^A-Za-z0-9_.])eval\(|Function\(' "$dest/noble-ballots.js"; then
    echo "The noble bundle evaluates strings: refused (CSP)" >&2
    exit 1
  fi
  cp "$work/node_modules/@noble/curves/LICENSE" "$dest/LICENSE"
  cp "$work/node_modules/@noble/hashes/LICENSE" "$dest/LICENSE.noble-hashes"
  printf '@noble/curves %s + @noble/hashes %s (MIT), from the npm registry, bundled with esbuild %s by tools/vendor.sh\n' \
    "$NOBLE_VERSION" "$hashes" "$ESBUILD_VERSION" >"$dest/VERSION"
  echo "Vendored @noble/curves ${NOBLE_VERSION} + @noble/hashes ${hashes} into ${dest}"
}

for line in "${PACKAGES[@]}"; do
  read -r name pkg version src target licence <<<"$line"
  wanted "$name" || continue
  dest="static/vendor/${name}-${version}"
  work="$tmp/$name"
  mkdir -p "$work"
  (cd "$work" && npm pack --silent "${pkg}@${version}" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work"
  # Remove other versions of the same library, then copy the new one in.
  find static/vendor -maxdepth 1 -type d -name "${name}-*" ! -name "${name}-${version}" -exec rm -rf {} +
  mkdir -p "$dest"
  cp "$work/package/$src" "$dest/$target"
  if [[ -f "$work/package/LICENSE" ]]; then
    cp "$work/package/LICENSE" "$dest/LICENSE"
  elif [[ -f "$work/package/LICENSE.md" ]]; then
    cp "$work/package/LICENSE.md" "$dest/LICENSE"
  else
    # Some packages (@alpinejs/csp) ship no licence file, only "license" in package.json:
    # write that licence's standard text with the package's author.
    [[ "$licence" == "MIT" ]] || { echo "No LICENSE in ${pkg}, and it is not MIT" >&2; exit 1; }
    author=$(node -e 'const p=require(process.argv[1]); console.log(typeof p.author==="string"?p.author:p.author.name)' "$work/package/package.json")
    write_mit "$author and contributors" "$pkg" > "$dest/LICENSE"
  fi
  if [[ -f "$work/package/NOTICE" ]]; then
    cp "$work/package/NOTICE" "$dest/NOTICE"
  fi
  # The .map files are not vendored: drop the source-map comment.
  sed -i '/^\/\/# sourceMappingURL=/d' "$dest/$target"
  printf '%s %s (%s), from the npm registry by tools/vendor.sh\n' "$pkg" "$version" "$licence" > "$dest/VERSION"
  echo "Vendored ${pkg} ${version} into ${dest}"
done

if wanted noble-curves; then
  vendor_noble
fi

# Swagger UI (the API docs page) has its own script.
if wanted swagger-ui && [[ -f tools/vendor_swagger.sh ]]; then
  bash tools/vendor_swagger.sh
fi
