#!/usr/bin/env bash
# Size anchors for the perfwatch RUM snippet (issue #14): a one-line entry importing and
# initialising each SDK (entries/), bundled and minified by the same esbuild as rum/
# (--bundle --minify --format=esm), then gzipped at level 9. Versions are pinned in
# package.json and package-lock.json. Usage: bench/rum/sizes.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null
npm ci --prefix "$here/../../rum" --no-audit --no-fund --loglevel=error >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
esbuild="$here/node_modules/.bin/esbuild"
ver() { node -p "require('$here/node_modules/$1/package.json').version"; }

printf '%-32s %10s %10s\n' "entry (version)" "minified" "gzip -9"
row() { # name entry label
	"$esbuild" "$here/entries/$2" --bundle --minify --format=esm --target=es2022 \
		--legal-comments=none --log-level=error --outfile="$tmp/$1.js"
	printf '%-32s %10d %10d\n' "$3" "$(wc -c <"$tmp/$1.js")" "$(gzip -9c "$tmp/$1.js" | wc -c)"
}
row perfwatch perfwatch.js "perfwatch rum ($(node -p "require('$here/../../rum/package.json').version"))"
row web-vitals web-vitals.js "web-vitals ($(ver web-vitals))"
row faro faro.js "@grafana/faro-web-sdk ($(ver @grafana/faro-web-sdk))"
row sentry sentry.js "@sentry/browser ($(ver @sentry/browser))"
# The committed build, as served (instrument/rum/snippet).
for f in perfwatch-rum.js perfwatch-rum.iife.js; do
	p="$here/../../instrument/rum/snippet/$f"
	printf '%-32s %10d %10d\n' "committed $f" "$(wc -c <"$p")" "$(gzip -9c "$p" | wc -c)"
done
