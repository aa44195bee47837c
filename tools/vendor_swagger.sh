#!/usr/bin/env bash
# Vendor Swagger UI (the /api/v1/docs page) from the npm registry into static/vendor/swagger-ui/.
# Our CSP allows scripts and styles from 'self' only, so the docs page cannot use a CDN.
# Usage: tools/vendor_swagger.sh [version]   (needs npm and access to the npm registry)
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-5.35.0}"
dest="static/vendor/swagger-ui"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "swagger-ui-dist@${version}" >/dev/null)
tar -xzf "$tmp"/swagger-ui-dist-*.tgz -C "$tmp"
mkdir -p "$dest"
for f in swagger-ui-bundle.js swagger-ui.css LICENSE; do
  cp "$tmp/package/$f" "$dest/$f"
done
# Drop the source-map comment: the .map file is not vendored.
sed -i '/^\/\/# sourceMappingURL=/d; s#/\*\# sourceMappingURL=[^*]*\*/##' "$dest/swagger-ui-bundle.js" "$dest/swagger-ui.css"
printf 'swagger-ui-dist %s (Apache-2.0), from the npm registry by tools/vendor_swagger.sh\n' "$version" > "$dest/VERSION"
echo "Vendored swagger-ui-dist ${version} into ${dest}"
