#!/usr/bin/env bash
# Checks that the committed browser snippet (instrument/rum/snippet/*.js) is what rum/
# builds: installs rum/'s pinned dependencies (npm ci), builds into a temporary directory
# and compares byte for byte. Also runs the snippet's unit tests (node --test).
# Usage: scripts/check-rum.sh   (from anywhere; needs node and npm)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

npm ci --prefix "$root/rum" --no-audit --no-fund --loglevel=error >/dev/null
node "$root/rum/build.mjs" "$tmp"
status=0
for f in perfwatch-rum.js perfwatch-rum.iife.js; do
	if ! cmp -s "$tmp/$f" "$root/instrument/rum/snippet/$f"; then
		echo "check-rum: instrument/rum/snippet/$f is not what rum/ builds; run 'npm run build --prefix rum' and commit it" >&2
		status=1
	fi
done
[ "$status" -eq 0 ] || exit 1
npm test --prefix "$root/rum" --silent
echo "check-rum: instrument/rum/snippet is current"
